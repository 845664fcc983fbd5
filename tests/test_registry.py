"""The registry: versions under concurrency, stages, aliases, tags, soft delete, its own copy."""

from __future__ import annotations

import json
import multiprocessing
import pathlib
import shutil

import numpy as np
import pytest

import sktrack
from sktrack import registry
from sktrack._store import Stage
from sktrack.exceptions import (
    DamagedFileWarning,
    InvalidArgumentError,
    InvalidURIError,
    ModelIntegrityError,
    ModelNotFoundError,
    ModelVersionNotFoundError,
)

X = np.arange(40, dtype=float).reshape(20, 2)
Y = X @ np.array([1.0, -2.0]) + 3.0


def _fitted(alpha: float = 1.0):
    from sklearn.linear_model import Ridge

    return Ridge(alpha=alpha).fit(X, Y)


@pytest.fixture
def logged(store):
    """A model logged in a run; returns its ModelInfo."""
    return sktrack.log_model(_fitted())


def _register_versions(store, count: int) -> list[int]:
    uri = sktrack.log_model(_fitted()).model_uri
    return [registry.register_model(uri, "prices").version for _ in range(count)]


# -- registering ----------------------------------------------------------------------------


def test_register_model_records_where_the_model_came_from(logged):
    import sklearn

    mv = registry.register_model(
        logged.model_uri, "prices", description="first try", tags={"team": "pricing", "n": 3}
    )
    assert (mv.name, mv.version, mv.stage, mv.aliases) == ("prices", 1, Stage.NONE, ())
    assert mv.run_id == logged.run_id
    assert mv.source == logged.model_uri
    assert mv.sha256 == logged.sha256
    assert mv.sklearn_version == sklearn.__version__
    assert mv.description == "first try"
    assert dict(mv.tags) == {"team": "pricing", "n": "3"}
    assert mv.created_at > 0
    assert registry.get_model_version("prices", 1) == mv


def test_versions_count_up_per_name(logged):
    versions = [registry.register_model(logged.model_uri, n).version for n in "aabab"]
    assert versions == [1, 2, 1, 3, 2]


def test_register_from_a_folder_and_from_another_registered_version(logged, store):
    folder = store.fs.local_path(logged.folder)
    from_folder = registry.register_model(folder, "a")
    assert (from_folder.run_id, from_folder.source) == (None, folder)
    from_registry = registry.register_model("models:/a/1", "b")
    assert from_registry.source == "models:/a/1"
    assert from_registry.sha256 == logged.sha256


def test_register_model_stores_the_signature(store):
    import pandas as pd

    frame = pd.DataFrame(X, columns=["a", "b"])
    info = sktrack.log_model(_fitted(), signature=sktrack.infer_signature(frame))
    mv = registry.register_model(info.model_uri, "sig")
    assert mv.signature == info.signature


def _register_many(store_path: str, source: str, barrier, count: int, out) -> None:
    sktrack.set_store(store_path)
    barrier.wait()  # start together, so the registrations really race
    out.put([registry.register_model(source, "raced").version for _ in range(count)])


def test_concurrent_registrations_from_six_processes_get_versions_1_to_48(logged, store):
    source = store.fs.local_path(logged.folder)
    context = multiprocessing.get_context("spawn")
    barrier, out = context.Barrier(6), context.Queue()
    workers = [
        context.Process(target=_register_many, args=(store.fs.location, source, barrier, 8, out))
        for _ in range(6)
    ]
    for worker in workers:
        worker.start()
    got = [out.get(timeout=300) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    numbers = sorted(n for batch in got for n in batch)
    assert numbers == list(range(1, 49))
    assert all(batch == sorted(batch) for batch in got)  # each process saw its numbers grow
    assert [mv.version for mv in registry.list_model_versions("raced")] == list(range(1, 49))
    assert {mv.sha256 for mv in registry.list_model_versions("raced")} == {logged.sha256}


def _promote(store_path: str, version: int, barrier, out) -> None:
    sktrack.set_store(store_path)
    barrier.wait()  # start together, so the transitions really race
    mv = registry.transition_stage("raced", version, "Production", archive_existing=True)
    out.put((version, mv.stage.value))


def test_racing_promotions_tell_only_the_winners_they_are_in_production(logged, store):
    source = store.fs.local_path(logged.folder)
    for _ in range(8):
        registry.register_model(source, "raced")
    context = multiprocessing.get_context("fork")
    barrier, out = context.Barrier(8), context.Queue()
    workers = [
        context.Process(target=_promote, args=(store.fs.location, v, barrier, out))
        for v in range(1, 9)
    ]
    for worker in workers:
        worker.start()
    told = dict(out.get(timeout=300) for _ in workers)
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    winners = [v for v, stage in told.items() if stage == "Production"]
    # only a transition that saw the state before it is published; callers that lost the
    # race published nothing and were told the stage their version really has
    published = [e.version for e in registry.list_events("raced") if e.kind == "stage"]
    assert sorted(published) == sorted(winners)
    assert len(winners) >= 1
    final = {mv.version: mv.stage for mv in registry.list_model_versions("raced")}
    assert [v for v, stage in final.items() if stage is Stage.PRODUCTION] == [published[-1]]
    for version, stage in told.items():
        if version not in winners:  # a loser's version never moved
            assert stage == final[version].value == "None"
    # everyone told Production was archived only by a later transition that saw it
    assert all(final[v] is Stage.ARCHIVED for v in published[:-1])


# -- the registry's own copy ----------------------------------------------------------------


def test_a_registered_version_survives_its_run_artifacts_being_deleted(logged, store):
    registry.register_model(logged.model_uri, "prices")
    shutil.rmtree(store.fs.local_path(f"artifacts/{logged.run_id}"))
    model = sktrack.load_model("models:/prices/1")
    np.testing.assert_array_equal(model.predict(X), _fitted().predict(X))


def _flip_a_byte(path: pathlib.Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _copy_folder(store, name: str, version: int) -> pathlib.Path:
    record = json.loads(
        pathlib.Path(store.fs.local_path(f"registry/models/{name}/versions/{version:010d}.json"))
        .read_text()
    )  # fmt: skip
    return pathlib.Path(store.fs.local_path(record["copy"]))


def test_a_flipped_byte_in_the_registry_copy_refuses_to_load(logged, store):
    registry.register_model(logged.model_uri, "prices")
    path = _copy_folder(store, "prices", 1) / "model.skops"
    _flip_a_byte(path)
    with pytest.raises(ModelIntegrityError) as caught:
        sktrack.load_model("models:/prices/1")
    assert caught.value.path == str(path)
    assert caught.value.expected == logged.sha256


def test_rewriting_the_copys_own_hash_does_not_fool_the_registry(logged, store):
    import hashlib

    registry.register_model(logged.model_uri, "prices")
    folder = _copy_folder(store, "prices", 1)
    _flip_a_byte(folder / "model.skops")
    meta = json.loads((folder / "model.json").read_text())
    meta["sha256"] = hashlib.sha256((folder / "model.skops").read_bytes()).hexdigest()
    (folder / "model.json").write_text(json.dumps(meta))
    with pytest.raises(ModelIntegrityError) as caught:
        sktrack.load_model("models:/prices/1")
    assert caught.value.expected == logged.sha256


def test_a_damaged_run_model_cannot_be_registered(logged, store):
    _flip_a_byte(pathlib.Path(store.fs.local_path(f"{logged.folder}/model.skops")))
    with pytest.raises(ModelIntegrityError):
        registry.register_model(logged.model_uri, "prices")
    with pytest.raises(ModelNotFoundError):
        registry.get_registered_model("prices")


# -- stages ---------------------------------------------------------------------------------


def test_transitions_without_archive_existing_leave_other_versions_alone(store):
    _register_versions(store, 3)
    registry.transition_stage("prices", 1, "Production")
    mv = registry.transition_stage("prices", 2, "production")
    assert mv.stage is Stage.PRODUCTION
    stages = [v.stage for v in registry.list_model_versions("prices")]
    assert stages == [Stage.PRODUCTION, Stage.PRODUCTION, Stage.NONE]
    assert registry.get_latest_versions("prices", ["PRODUCTION"])[0].version == 2
    model = sktrack.load_model("models:/prices/Production")
    np.testing.assert_array_equal(model.predict(X), _fitted().predict(X))


def test_transitions_with_archive_existing_archive_the_others_in_that_stage(store):
    _register_versions(store, 4)
    registry.transition_stage("prices", 1, "Production")
    registry.transition_stage("prices", 2, "Production")
    registry.transition_stage("prices", 3, "Staging")
    mv = registry.transition_stage("prices", 4, "Production", archive_existing=True)
    assert mv.stage is Stage.PRODUCTION
    stages = [v.stage for v in registry.list_model_versions("prices")]
    assert stages == [Stage.ARCHIVED, Stage.ARCHIVED, Stage.STAGING, Stage.PRODUCTION]


def test_moving_to_none_or_archived_never_archives_others(store):
    _register_versions(store, 2)
    registry.transition_stage("prices", 1, "Staging")
    registry.transition_stage("prices", 2, "Staging")
    registry.transition_stage("prices", 2, None, archive_existing=True)
    assert [v.stage for v in registry.list_model_versions("prices")] == [Stage.STAGING, Stage.NONE]


def test_get_latest_versions_gives_the_newest_per_stage(store):
    _register_versions(store, 4)
    registry.transition_stage("prices", 1, "Staging")
    registry.transition_stage("prices", 2, "Production")
    registry.transition_stage("prices", 3, "Staging")
    latest = registry.get_latest_versions("prices")
    assert [(v.version, v.stage) for v in latest] == [
        (2, Stage.PRODUCTION),
        (3, Stage.STAGING),
        (4, Stage.NONE),
    ]
    assert [v.version for v in registry.get_latest_versions("prices", ["staging"])] == [3]
    assert registry.get_latest_versions("prices", ["Archived"]) == []


def test_an_unknown_stage_is_refused(store):
    _register_versions(store, 1)
    with pytest.raises(InvalidArgumentError) as caught:
        registry.transition_stage("prices", 1, "Prod")
    assert str(caught.value) == (
        "unknown stage 'Prod'; the stages are None, Staging, Production, Archived"
    )


def test_the_transition_log_says_who_and_when(store):
    _register_versions(store, 2)
    registry.transition_stage("prices", 1, "Staging")
    registry.transition_stage("prices", 2, "Staging", archive_existing=True)
    events = registry.list_events("prices")
    assert [(e.kind, e.version, e.stage, e.archive_existing) for e in events] == [
        ("stage", 1, Stage.STAGING, False),
        ("stage", 2, Stage.STAGING, True),
    ]
    assert events[0].timestamp <= events[1].timestamp
    assert all(isinstance(e.user, str) for e in events)


# -- aliases --------------------------------------------------------------------------------


def test_aliases_point_move_and_keep_their_history(store):
    _register_versions(store, 2)
    registry.set_alias("prices", "champion", 1)
    assert registry.get_model_version_by_alias("prices", "champion").version == 1
    assert registry.get_model_version("prices", 1).aliases == ("champion",)
    registry.set_alias("prices", "champion", 2)
    assert registry.get_model_version_by_alias("prices", "champion").version == 2
    assert registry.get_model_version("prices", 1).aliases == ()
    assert registry.get_registered_model("prices").aliases == {"champion": 2}
    registry.delete_alias("prices", "champion")
    history = registry.get_alias_history("prices", "champion")
    assert [(e.kind, e.version) for e in history] == [
        ("alias", 1),
        ("alias", 2),
        ("delete_alias", None),
    ]
    with pytest.raises(ModelVersionNotFoundError) as caught:
        sktrack.load_model("models:/prices@champion")
    assert str(caught.value) == (
        "model 'prices' has no alias 'champion'; its aliases: none. Set one with "
        "sktrack.registry.set_alias('prices', 'champion', <version>)"
    )


@pytest.mark.parametrize("alias", ["latest", "Latest", "12"])
def test_aliases_that_read_as_a_version_are_reserved(store, alias):
    _register_versions(store, 1)
    with pytest.raises(InvalidArgumentError) as caught:
        registry.set_alias("prices", alias, 1)
    assert str(caught.value) == (
        f"alias {alias!r} is reserved (it reads as a version or 'latest'); choose another"
    )


def test_an_alias_with_a_slash_is_refused(store):
    _register_versions(store, 1)
    with pytest.raises(InvalidArgumentError, match=r"^alias 'a/b' is not allowed"):
        registry.set_alias("prices", "a/b", 1)


def test_deleting_an_unknown_alias_raises(store):
    _register_versions(store, 1)
    with pytest.raises(ModelVersionNotFoundError, match=r"^model 'prices' has no alias 'gone'"):
        registry.delete_alias("prices", "gone")


# -- descriptions, tags, deletion -----------------------------------------------------------


def test_descriptions_and_tags_of_models_and_versions(store):
    _register_versions(store, 2)
    registered = registry.update_registered_model("prices", "predicts prices")
    assert registered.description == "predicts prices"
    assert (
        registry.update_model_version("prices", 2, "the tuned one").description == "the tuned one"
    )
    registry.set_registered_model_tag("prices", "owner", "ana")
    registry.set_registered_model_tag("prices", "tmp", 1)
    registry.delete_registered_model_tag("prices", "tmp")
    registry.set_model_version_tag("prices", 1, "validated", True)
    registry.set_model_version_tag("prices", 1, "gone", "x")
    registry.delete_model_version_tag("prices", 1, "gone")
    assert registry.get_registered_model("prices").tags == {"owner": "ana"}
    assert dict(registry.get_model_version("prices", 1).tags) == {"validated": "True"}
    assert registry.get_model_version("prices", 1).description == ""


def test_every_change_is_a_new_file_and_none_is_rewritten(store):
    _register_versions(store, 1)
    events = pathlib.Path(store.fs.local_path("registry/models/prices/events"))
    registry.transition_stage("prices", 1, "Staging")
    first = {p.name: p.read_bytes() for p in events.iterdir()}
    registry.set_alias("prices", "champion", 1)
    registry.set_model_version_tag("prices", 1, "k", "v")
    after = {p.name: p.read_bytes() for p in events.iterdir()}
    assert len(after) == 3
    assert all(after[name] == data for name, data in first.items())


def test_soft_delete_hides_a_version_and_never_reuses_its_number(store):
    _register_versions(store, 3)
    registry.set_alias("prices", "champion", 2)
    registry.delete_model_version("prices", 2)
    assert [mv.version for mv in registry.list_model_versions("prices")] == [1, 3]
    with pytest.raises(ModelVersionNotFoundError) as caught:
        registry.get_model_version("prices", 2)
    assert str(caught.value) == (
        "version 2 of model 'prices' was deleted; numbers are never reused"
    )
    with pytest.raises(ModelVersionNotFoundError, match="no alias 'champion'"):
        registry.get_model_version_by_alias("prices", "champion")
    with pytest.raises(ModelVersionNotFoundError, match="was deleted"):
        sktrack.load_model("models:/prices/2")
    source = registry.get_model_version("prices", 1).source
    assert registry.register_model(source, "prices").version == 4
    registry.delete_model_version("prices", 4)
    registry.delete_model_version("prices", 3)
    assert sktrack.load_model("models:/prices/latest").predict(X).shape == (20,)
    registry.delete_model_version("prices", 1)
    with pytest.raises(ModelVersionNotFoundError) as caught:
        sktrack.load_model("models:/prices/latest")
    assert str(caught.value) == "every version of model 'prices' was deleted"


# -- lookups that fail ----------------------------------------------------------------------


def test_an_unknown_model_names_the_registered_ones(store):
    _register_versions(store, 1)
    with pytest.raises(ModelNotFoundError) as caught:
        sktrack.load_model("models:/pricez/1")
    assert str(caught.value) == (
        f"no registered model named 'pricez' in store {store.fs.location}; registered models: "
        "'prices'. Register one with sktrack.registry.register_model(model_uri, name)."
    )


def test_an_empty_registry_says_so(store):
    with pytest.raises(ModelNotFoundError) as caught:
        registry.get_registered_model("prices")
    assert str(caught.value) == (
        f"no registered model named 'prices' in store {store.fs.location}; the registry is "
        "empty. Register one with sktrack.registry.register_model(model_uri, name)."
    )


def test_an_unknown_version_lists_the_existing_ones(store):
    _register_versions(store, 2)
    with pytest.raises(ModelVersionNotFoundError) as caught:
        sktrack.load_model("models:/prices/7")
    assert str(caught.value) == "model 'prices' has no version 7; its versions are 1, 2"


def test_an_empty_stage_says_how_to_fill_it(store):
    _register_versions(store, 1)
    with pytest.raises(ModelVersionNotFoundError) as caught:
        sktrack.load_model("models:/prices/staging")
    assert str(caught.value) == (
        "model 'prices' has no version in stage 'Staging'; move one there with "
        "sktrack.registry.transition_stage('prices', <version>, 'Staging')"
    )


@pytest.mark.parametrize("version", ["two", 1.0, True, None])
def test_a_version_must_be_an_int(store, version):
    _register_versions(store, 1)
    with pytest.raises(InvalidArgumentError) as caught:
        registry.get_model_version("prices", version)
    assert str(caught.value) == f"version must be an int such as 1, got {version!r}"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("a/b", "model name 'a/b' is not allowed"),
        ("..", "model name '..' is not allowed"),
        ("n" * 256, f"model name {'n' * 40!r}... is 256 characters long; the limit is 255"),
    ],
)
def test_names_that_are_paths_or_too_long_are_refused(logged, name, message):
    with pytest.raises(InvalidArgumentError) as caught:
        registry.register_model(logged.model_uri, name)
    assert str(caught.value).startswith(message)
    with pytest.raises(InvalidArgumentError):
        registry.get_model_version(name, 1)


def test_registering_a_malformed_uri_raises_invalid_uri(store):
    with pytest.raises(InvalidURIError):
        registry.register_model("runs:/only-a-run-id", "prices")


def test_a_damaged_version_file_costs_only_itself_and_is_named(store):
    _register_versions(store, 2)
    path = pathlib.Path(store.fs.local_path("registry/models/prices/versions/0000000001.json"))
    path.write_text("{")
    with pytest.warns(DamagedFileWarning, match=f"^registry file {store.fs.location}/"):
        assert registry.get_model_version("prices", 2).version == 2


def test_list_registered_models_by_name(logged):
    for name in ["b", "a", "c"]:
        registry.register_model(logged.model_uri, name)
    models = registry.list_registered_models()
    assert [m.name for m in models] == ["a", "b", "c"]
    assert models[0].latest_versions[0].version == 1
    assert models[0].created_at <= models[0].updated_at
