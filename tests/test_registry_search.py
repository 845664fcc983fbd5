"""Registry search with MLflow's filters, rename and delete of registered models
(`sktrack/_models/_registry_search.py`), on real stores and real model files."""

from __future__ import annotations

import json

import pytest
from sklearn.linear_model import LinearRegression

import sktrack
from sktrack._store import Store


@pytest.fixture
def models(store: Store) -> str:
    with sktrack.start_run() as run:
        info = sktrack.log_model(LinearRegression().fit([[0], [1]], [0, 1]))
    for name in ("prices", "prices-eu", "churn"):
        sktrack.registry.register_model(info.model_uri, name)
    sktrack.registry.register_model(info.model_uri, "prices", tags={"k": "v"})
    sktrack.registry.set_registered_model_tag("churn", "team", "growth")
    sktrack.registry.transition_stage("prices", 2, "Staging")
    return run.run_id


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        ("", ["churn", "prices", "prices-eu"]),
        ("name = 'prices'", ["prices"]),
        ("name LIKE 'prices%'", ["prices", "prices-eu"]),
        ("name ILIKE 'PRICES-%'", ["prices-eu"]),
        ("name != 'churn'", ["prices", "prices-eu"]),
        ("name IN ('churn', 'nope')", ["churn"]),
        ("tags.team = 'growth'", ["churn"]),
        ("creation_timestamp > 0 AND tags.team LIKE 'gr%'", ["churn"]),
    ],
)
def test_search_registered_models(models: str, filter_string: str, expected: list[str]) -> None:
    found = sktrack.registry.search_registered_models(filter_string)
    assert [m.name for m in found] == expected


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        ("name = 'prices'", [("prices", 1), ("prices", 2)]),
        ("name = 'prices' AND version_number > 1", [("prices", 2)]),
        ("tags.k = 'v'", [("prices", 2)]),
        ("current_stage = 'Staging'", [("prices", 2)]),
        (
            "source_path LIKE 'runs:/%'",
            [("churn", 1), ("prices", 1), ("prices", 2), ("prices-eu", 1)],
        ),
    ],
)
def test_search_model_versions(models: str, filter_string: str, expected: list[object]) -> None:
    found = sktrack.registry.search_model_versions(filter_string)
    assert [(mv.name, mv.version) for mv in found] == expected


def test_search_model_versions_by_run_id(models: str) -> None:
    found = sktrack.registry.search_model_versions(f"run_id = '{models}'", max_results=2)
    assert len(found) == 2
    assert sktrack.registry.search_model_versions("run_id IN ('nope')") == []


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: sktrack.registry.search_registered_models("run_id = 'x'"),
            "unknown attribute 'run_id'",
        ),
        (lambda: sktrack.registry.search_model_versions("version_number = 'x'"), "needs a number"),
        (lambda: sktrack.registry.search_model_versions("run_id LIKE 'a%'"), "run_id takes"),
    ],
)
def test_bad_registry_filters(models: str, call: object, match: str) -> None:
    with pytest.raises(sktrack.FilterSyntaxError, match=match):
        call()  # type: ignore[operator]


def test_rename_keeps_versions_stages_aliases_tags_and_loads(models: str) -> None:
    sktrack.registry.set_alias("prices", "champion", 2)
    sktrack.registry.update_registered_model("prices", "the model")
    renamed = sktrack.registry.rename_registered_model("prices", "prices-us")
    assert renamed.aliases == {"champion": 2}
    assert renamed.description == "the model"
    mv = sktrack.registry.get_model_version("prices-us", 2)
    assert (mv.name, mv.stage.value, dict(mv.tags)) == ("prices-us", "Staging", {"k": "v"})
    assert sktrack.load_model("models:/prices-us@champion").predict([[1]]) == pytest.approx([1])
    with pytest.raises(sktrack.ModelNotFoundError, match="'prices'"):
        sktrack.registry.get_registered_model("prices")
    assert sktrack.registry.register_model(mv.source, "prices").version == 1  # the name is free


def test_rename_onto_an_existing_name_is_refused_and_changes_nothing(models: str) -> None:
    with pytest.raises(sktrack.InvalidArgumentError, match="a registered model of that name"):
        sktrack.registry.rename_registered_model("prices", "churn")
    assert [mv.version for mv in sktrack.registry.list_model_versions("prices")] == [1, 2]
    with pytest.raises(sktrack.ModelNotFoundError):
        sktrack.registry.rename_registered_model("nope", "other")


def test_delete_frees_the_name_and_keeps_the_folder_for_gc(store: Store, models: str) -> None:
    sktrack.registry.delete_registered_model("prices")
    assert [m.name for m in sktrack.registry.list_registered_models()] == ["churn", "prices-eu"]
    with pytest.raises(sktrack.ModelNotFoundError):
        sktrack.load_model("models:/prices/1")
    trash = list((store.fs.root / "registry" / "deleted").iterdir())
    assert len(trash) == 1
    marker = json.loads((trash[0] / "deleted.json").read_text())
    assert (marker["name"], marker["action"]) == ("prices", "delete")
    assert len(list((trash[0] / "versions").iterdir())) == 2
    with pytest.raises(sktrack.ModelNotFoundError):
        sktrack.registry.delete_registered_model("prices")
