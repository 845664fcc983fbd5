"""The everyday MLflow calls in sktrack's API (`sktrack/_tracking/_everyday.py`), the
experiment-id check of `search_runs`, and MLflow's system tags in filters.  Each case states
what MLflow 3.17 does (checked against its fluent API and `tests/tracking/fluent/test_fluent.py`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import sktrack
from sktrack._store import Store


def test_get_experiment_by_name_returns_none_when_missing(store: Store) -> None:
    assert sktrack.get_experiment_by_name("nope") is None
    exp = sktrack.set_experiment("prices")
    assert sktrack.get_experiment_by_name("prices").experiment_id == exp.experiment_id


def test_get_parent_run(store: Store) -> None:
    with sktrack.start_run(run_name="parent") as parent, sktrack.start_run() as child:
        pass
    assert sktrack.get_parent_run(child.run_id).run_id == parent.run_id
    assert sktrack.get_parent_run(parent.run_id) is None


def test_start_run_description_is_a_searchable_note(store: Store) -> None:
    with sktrack.start_run(description="baseline, all features") as run:
        pass
    assert sktrack.get_run(run.run_id).tags["sktrack.description"] == "baseline, all features"
    found = sktrack.search_runs(filter_string="tags.mlflow.note.content LIKE 'baseline%'")
    assert found["run_id"].tolist() == [run.run_id]


def test_last_active_run_is_the_active_one_then_the_last_ended(store: Store) -> None:
    assert sktrack.last_active_run() is None
    with sktrack.start_run() as first:
        assert sktrack.last_active_run().run_id == first.run_id
    with sktrack.start_run() as second:
        pass
    last = sktrack.last_active_run()
    assert last.run_id == second.run_id and last.info.status == "FINISHED"


def test_log_dict_writes_yaml_for_a_yaml_name(store: Store) -> None:
    pytest.importorskip("yaml")  # PyYAML comes with the mlflow extra
    with sktrack.start_run() as run:
        sktrack.log_dict({"alpha": 0.1}, "config.yaml")
    assert sktrack.read_artifact(run.run_id, "config.yaml") == b"alpha: 0.1\n"


def test_log_text_dict_and_artifacts(store: Store, tmp_path: Path) -> None:
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "a.txt").write_text("a")
    (tmp_path / "d" / "sub" / "b.txt").write_text("b")
    with sktrack.start_run() as run:
        sktrack.log_text("héllo", "notes.txt")
        sktrack.log_dict({"alpha": 0.1, "layers": [1, 2]}, "config.json")
        sktrack.log_artifacts(tmp_path / "d")
        sktrack.log_artifacts(tmp_path / "d", artifact_path="copy")
    assert sktrack.read_artifact(run.run_id, "notes.txt").decode() == "héllo"
    assert json.loads(sktrack.read_artifact(run.run_id, "config.json")) == {
        "alpha": 0.1,
        "layers": [1, 2],
    }
    # the folder's contents, not the folder, as MLflow's log_artifacts
    assert {"a.txt", "sub/b.txt", "copy/a.txt", "copy/sub/b.txt"} <= set(
        sktrack.list_artifacts(run.run_id)
    )


def test_log_text_and_artifacts_refuse_the_wrong_kind(store: Store, tmp_path: Path) -> None:
    with sktrack.start_run():
        with pytest.raises(sktrack.InvalidArgumentError, match="needs a str, got bytes"):
            sktrack.log_text(b"x", "x.txt")  # type: ignore[arg-type]
        with pytest.raises(sktrack.InvalidArgumentError, match="needs a folder"):
            sktrack.log_artifacts(tmp_path / "missing")
        with pytest.raises(sktrack.InvalidArgumentError, match="pass plain data"):
            sktrack.log_dict({"f": object()}, "x.json")


def test_deleted_runs_leave_searches_until_restored(store: Store) -> None:
    with sktrack.start_run() as keep, sktrack.start_run() as gone:
        pass
    sktrack.delete_run(gone.run_id)
    assert sktrack.search_runs()["run_id"].tolist() == [keep.run_id]
    assert sktrack.search_runs(run_view_type="deleted")["run_id"].tolist() == [gone.run_id]
    assert len(sktrack.search_runs(run_view_type=3)) == 2  # MLflow's ViewType.ALL
    assert sktrack.get_run(gone.run_id).tags["sktrack.lifecycle"] == "deleted"
    sktrack.restore_run(gone.run_id)
    assert len(sktrack.search_runs()) == 2
    with pytest.raises(sktrack.InvalidArgumentError, match="'active', 'deleted' or 'all'"):
        sktrack.search_runs(run_view_type="gone")


def test_delete_experiment_hides_it_and_its_runs(store: Store) -> None:
    exp = sktrack.set_experiment("old")
    with sktrack.start_run() as run:
        pass
    sktrack.delete_experiment("old")
    assert "old" not in [e.name for e in sktrack.list_experiments()]
    assert sktrack.search_runs(["old"]).empty
    assert sktrack.search_runs(["old"], run_view_type="deleted")["run_id"].tolist() == [run.run_id]
    sktrack.restore_experiment(exp.experiment_id)
    assert sktrack.search_runs(["old"])["run_id"].tolist() == [run.run_id]
    with pytest.raises(sktrack.ExperimentNotFoundError, match="'nope'"):
        sktrack.delete_experiment("nope")


def test_search_runs_with_experiment_ids(store: Store) -> None:
    exp = sktrack.set_experiment("prices")
    with sktrack.start_run() as run:
        pass
    # sktrack's own ids stand for their experiments
    assert sktrack.search_runs([exp.experiment_id])["run_id"].tolist() == [run.run_id]
    # an MLflow-style id is an error naming the fix, not a silent empty result
    with pytest.raises(sktrack.InvalidArgumentError, match="looks like an MLflow experiment id"):
        sktrack.search_runs(["1"])
    with pytest.raises(sktrack.InvalidArgumentError, match="experiment_names"):
        sktrack.search_runs("0")


# MLflow's system tags in filters and order_by.  The filter strings follow MLflow's
# tests/store/tracking/sqlalchemy_store/test_sqlalchemy_store_runs.py (search on
# `tags.mlflow.runName`, `tags.mlflow.parentRunId`, `tags.mlflow.user`).
def test_mlflow_system_tags_filter_sktrack_fields(store: Store) -> None:
    with sktrack.start_run(run_name="run-a") as a, sktrack.start_run(run_name="run-b") as b:
        pass
    cases = {
        "tags.mlflow.runName = 'run-a'": [a.run_id],
        "tags.`mlflow.runName` = 'run-b'": [b.run_id],
        "tags.mlflow.runName LIKE 'run-%'": sorted([a.run_id, b.run_id]),
        "tags.mlflow.runName != 'run-a'": [b.run_id],
        f"tags.mlflow.parentRunId = '{a.run_id}'": [b.run_id],
        "tags.mlflow.user = 'nobody-at-all'": [],
        "attributes.run_name = 'run-a'": [a.run_id],
    }
    for filter_string, want in cases.items():
        got = sktrack.search_runs(filter_string=filter_string)["run_id"].tolist()
        assert sorted(got) == want, filter_string
    user = sktrack.get_run(a.run_id).tags["sktrack.user"]
    assert len(sktrack.search_runs(filter_string=f"tags.mlflow.user = '{user}'")) == 2
    ordered = sktrack.search_runs(order_by=["tags.mlflow.runName DESC"])["run_name"].tolist()
    assert ordered == ["run-b", "run-a"]


def test_log_input_records_a_searchable_dataset(store: Store) -> None:
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame({"a": [1.0, 2.0], "b": [3, 4]})
    with sktrack.start_run() as run:
        digest = sktrack.log_input(frame, "train", context="training")
        again = sktrack.log_input(np.eye(2), "probe")
    with sktrack.start_run() as other:
        same = sktrack.log_input(frame.copy(), "train", context="test")
    assert digest == same != again and len(digest) == 8
    tags = sktrack.get_run(run.run_id).tags
    assert (tags["sktrack.input.0.name"], tags["sktrack.input.1.name"]) == ("train", "probe")
    assert tags["sktrack.input.0.context"] == "training" and "sktrack.input.1.context" not in tags
    cases = {
        "datasets.name = 'probe'": [run.run_id],
        f"datasets.digest = '{digest}'": sorted([run.run_id, other.run_id]),
        "datasets.context = 'test'": [other.run_id],
        "datasets.name = 'train' and datasets.context = 'training'": [run.run_id],
    }
    for filter_string, want in cases.items():
        assert sorted(sktrack.search_runs(filter_string=filter_string)["run_id"]) == want
    with pytest.raises(sktrack.InvalidArgumentError, match="context 3 is a int"):
        sktrack.log_input(frame, context=3)  # type: ignore[arg-type]
