"""The fluent tracking API and the Run handle, organised by verb."""

from __future__ import annotations

import math
import threading
from pathlib import Path

import pandas as pd
import pytest

import sktrack
from sktrack import (
    InvalidArgumentError,
    ParamConflictError,
    RunNotFoundError,
    RunStateError,
    RunStatus,
    list_artifacts,
    load_table,
    read_artifact,
)

# -- store and experiments -------------------------------------------------------------------


def test_default_store_comes_from_the_environment(tmp_path: Path) -> None:
    assert sktrack.get_store().location == str(tmp_path / "default-store")


def test_set_experiment_creates_once_and_runs_land_in_it(store) -> None:  # type: ignore[no-untyped-def]
    exp = sktrack.set_experiment("amazon-sales")
    assert sktrack.set_experiment("amazon-sales") == exp
    with sktrack.start_run() as run:
        pass
    assert sktrack.get_run(run.run_id).info.experiment == "amazon-sales"
    assert [e.name for e in sktrack.list_experiments()] == ["amazon-sales"]


def test_experiment_name_is_validated(store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgumentError, match="experiment name '' is empty"):
        sktrack.set_experiment("")


# -- start_run / end_run ---------------------------------------------------------------------


def test_run_gets_a_memorable_name_and_environment_tags(store) -> None:  # type: ignore[no-untyped-def]
    with sktrack.start_run() as run:
        pass
    got = sktrack.get_run(run.run_id)
    adjective, animal = got.info.run_name.split("-")
    assert adjective and animal
    assert got.info.status is RunStatus.FINISHED
    assert got.info.end_time >= got.info.start_time
    assert got.tags["sktrack.sklearn_version"]
    assert got.tags["sktrack.python_version"].count(".") == 2
    assert got.info.pid > 0 and got.info.host


def test_exception_inside_marks_failed_and_propagates(store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ZeroDivisionError), sktrack.start_run(run_name="boom") as run:
        1 / 0  # noqa: B018
    assert sktrack.get_run(run.run_id).info.status is RunStatus.FAILED
    assert sktrack.active_run() is None


def test_runs_nest_and_parent_is_recorded(store) -> None:  # type: ignore[no-untyped-def]
    with sktrack.start_run(run_name="parent") as parent:
        with sktrack.start_run(run_name="child") as child:
            assert sktrack.active_run() == child
        assert sktrack.active_run() == parent
    assert sktrack.get_run(child.run_id).info.parent_run_id == parent.run_id
    assert sktrack.get_run(parent.run_id).info.parent_run_id is None


def test_end_run_ends_open_children_too(store) -> None:  # type: ignore[no-untyped-def]
    parent = sktrack.start_run()
    child = sktrack.start_run()
    sktrack.end_run()
    sktrack.end_run("KILLED")
    assert sktrack.get_run(child.run_id).info.status is RunStatus.FINISHED
    assert sktrack.get_run(parent.run_id).info.status is RunStatus.KILLED
    with pytest.raises(RunStateError, match="no active run"):
        sktrack.end_run()


def test_end_run_rejects_unknown_status(store) -> None:  # type: ignore[no-untyped-def]
    sktrack.start_run()
    with pytest.raises(InvalidArgumentError, match="run status 'DONE' is not one of"):
        sktrack.end_run("DONE")
    sktrack.end_run()


def test_logging_without_a_run_starts_one_like_mlflow(store) -> None:  # type: ignore[no-untyped-def]
    sktrack.log_metric("m", 1.0)
    run = sktrack.active_run()
    assert run is not None
    sktrack.end_run()
    assert sktrack.get_run(run.run_id).metrics == {"m": 1.0}


def test_unknown_parent_is_refused(store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RunNotFoundError, match="no run with id 'nope'"):
        sktrack.start_run(parent_run_id="nope")


def test_threads_have_their_own_active_run(store) -> None:  # type: ignore[no-untyped-def]
    seen = []
    with sktrack.start_run():
        t = threading.Thread(target=lambda: seen.append(sktrack.active_run()))
        t.start()
        t.join()
    assert seen == [None]


# -- params -------------------------------------------------------------------------------


def test_params_keep_their_python_type(store) -> None:  # type: ignore[no-untyped-def]
    import numpy as np

    values = {
        "b": True,
        "i": 3,
        "f": 0.1,
        "s": "lbfgs",
        "n": None,
        "np_i": np.int64(7),
        "np_f": np.float32(0.5),
        "np_b": np.bool_(False),
        "l": [1, 2],
    }
    with sktrack.start_run() as run:
        sktrack.log_params(values)
    params = sktrack.get_run(run.run_id).params
    assert params["b"] is True and params["np_b"] is False
    assert params["i"] == 3 and type(params["i"]) is int
    assert params["f"] == 0.1 and type(params["f"]) is float
    assert params["s"] == "lbfgs" and params["n"] is None
    assert params["np_i"] == 7 and params["np_f"] == 0.5
    assert params["l"] == "[1, 2]"


def test_relogging_a_param_with_another_value_raises(store) -> None:  # type: ignore[no-untyped-def]
    with sktrack.start_run() as run:
        sktrack.log_param("alpha", 0.1)
        sktrack.log_param("alpha", 0.1)  # same value: fine
        with pytest.raises(ParamConflictError) as info:
            sktrack.log_param("alpha", 0.2)
    assert str(info.value).startswith(
        f"param 'alpha' of run {run.run_id} is already 0.1; it cannot become 0.2"
    )
    assert (info.value.old, info.value.new) == (0.1, 0.2)
    assert sktrack.get_run(run.run_id).params["alpha"] == 0.1


def test_param_conflict_is_seen_after_the_run_ended(store) -> None:  # type: ignore[no-untyped-def]
    with sktrack.start_run() as run:
        sktrack.log_param("k", 1)
    with pytest.raises(ParamConflictError):
        run.log_param("k", 2)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("", "param key '' is empty"),
        ("x" * 251, "is 251 characters long; the limit is 250"),
        ("a\nb", "holds a control character"),
        (3, "param key 3 is a int; keys must be strings"),
    ],
)
def test_bad_keys_are_refused(store, key, message) -> None:  # type: ignore[no-untyped-def]
    with sktrack.start_run(), pytest.raises(InvalidArgumentError, match=message):
        sktrack.log_param(key, 1)


def test_oversized_param_value_is_refused(store) -> None:  # type: ignore[no-untyped-def]
    with (
        sktrack.start_run(),
        pytest.raises(InvalidArgumentError, match="log_artifact or log_table"),
    ):
        sktrack.log_param("big", "x" * 64_001)


# -- metrics ------------------------------------------------------------------------------


def test_metric_history_keeps_steps_and_latest_wins(store) -> None:  # type: ignore[no-untyped-def]
    with sktrack.start_run() as run:
        for step, value in enumerate([0.5, 0.4, 0.3]):
            sktrack.log_metric("loss", value, step=step)
        sktrack.log_metrics({"r2": 0.8, "mae": 3}, step=1)
    history = sktrack.get_metric_history(run.run_id, "loss")
    assert list(history.columns) == ["key", "value", "step", "timestamp"]
    assert history["value"].tolist() == [0.5, 0.4, 0.3]
    assert history["step"].tolist() == [0, 1, 2]
    assert sktrack.get_run(run.run_id).metrics == {"loss": 0.3, "r2": 0.8, "mae": 3.0}


def test_latest_metric_is_the_highest_step_not_the_last_logged(store) -> None:  # type: ignore[no-untyped-def]
    with sktrack.start_run() as run:
        sktrack.log_metric("m", 2.0, step=5)
        sktrack.log_metric("m", 1.0, step=1)
    assert sktrack.get_run(run.run_id).metrics["m"] == 2.0


def test_non_finite_metrics_are_kept(store) -> None:  # type: ignore[no-untyped-def]
    with sktrack.start_run() as run:
        sktrack.log_metrics({"nan": float("nan"), "inf": float("inf")})
    metrics = sktrack.get_run(run.run_id).metrics
    assert math.isnan(metrics["nan"]) and metrics["inf"] == math.inf


@pytest.mark.parametrize("value", ["0.5", None, True, [1.0]])
def test_non_numeric_metrics_raise(store, value) -> None:  # type: ignore[no-untyped-def]
    with (
        sktrack.start_run(),
        pytest.raises(InvalidArgumentError, match="metrics must be real numbers"),
    ):
        sktrack.log_metric("m", value)


def test_step_must_be_whole(store) -> None:  # type: ignore[no-untyped-def]
    with (
        sktrack.start_run(),
        pytest.raises(InvalidArgumentError, match=r"step 1\.5 must be a whole number"),
    ):
        sktrack.log_metric("m", 1.0, step=1.5)


def test_logging_into_an_ended_run(store) -> None:  # type: ignore[no-untyped-def]
    with sktrack.start_run() as run:
        sktrack.log_metric("training_r2", 0.9)
    run.log_metrics({"test_r2": 0.8})
    got = sktrack.get_run(run.run_id)
    assert got.metrics == {"training_r2": 0.9, "test_r2": 0.8}
    assert got.info.status is RunStatus.FINISHED


# -- tags -------------------------------------------------------------------------------


def test_tags_are_text_and_last_value_wins(store) -> None:  # type: ignore[no-untyped-def]
    with sktrack.start_run() as run:
        sktrack.set_tag("stage", "draft")
        sktrack.set_tags({"stage": "final", "n": 3})
    tags = sktrack.get_run(run.run_id).tags
    assert tags["stage"] == "final" and tags["n"] == "3"


# -- artifacts ------------------------------------------------------------------------------


def test_log_artifact_file_and_folder(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "plots" / "sub").mkdir(parents=True)
    (tmp_path / "plots" / "a.txt").write_text("a")
    (tmp_path / "plots" / "sub" / "b.txt").write_text("b")
    with sktrack.start_run() as run:
        assert sktrack.log_artifact(tmp_path / "notes.txt") == "notes.txt"
        sktrack.log_artifact(tmp_path / "plots", artifact_path="figs")
    assert list_artifacts(run.run_id) == ["figs/plots/a.txt", "figs/plots/sub/b.txt", "notes.txt"]
    assert read_artifact(run.run_id, "figs/plots/sub/b.txt") == b"b"


def test_log_artifact_missing_file(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with sktrack.start_run(), pytest.raises(InvalidArgumentError, match="does not exist"):
        sktrack.log_artifact(tmp_path / "nope.txt")


def test_artifact_paths_cannot_escape_the_run(store) -> None:  # type: ignore[no-untyped-def]
    with sktrack.start_run() as run:
        pass
    with pytest.raises(InvalidArgumentError, match="leaves the run's folder"):
        read_artifact(run.run_id, "../../FORMAT")


def test_log_table_round_trips(store) -> None:  # type: ignore[no-untyped-def]
    df = pd.DataFrame({"a": [1, 2], "b": ["x", None], "c": [0.5, float("nan")]})
    with sktrack.start_run() as run:
        assert sktrack.log_table(df, "cv_results") == "cv_results.parquet"
    pd.testing.assert_frame_equal(load_table(run.run_id, "cv_results"), df)


def test_log_figure_writes_an_image(store) -> None:  # type: ignore[no-untyped-def]
    class Figure:  # anything with savefig, as matplotlib's Figure
        def savefig(self, buffer, format):  # type: ignore[no-untyped-def]
            buffer.write(b"\x89PNG" if format == "png" else b"<svg/>")

    with sktrack.start_run() as run:
        sktrack.log_figure(Figure(), "roc")
        sktrack.log_figure(Figure(), "roc.svg")
    assert read_artifact(run.run_id, "roc.png") == b"\x89PNG"
    assert read_artifact(run.run_id, "roc.svg") == b"<svg/>"
    with sktrack.start_run(), pytest.raises(InvalidArgumentError, match="cannot save a int"):
        sktrack.log_figure(3, "x")


# -- reading --------------------------------------------------------------------------------


def test_get_run_unknown_id(store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(RunNotFoundError) as info:
        sktrack.get_run("0" * 32)
    assert isinstance(info.value, LookupError)
    assert str(info.value).startswith(f"no run with id {'0' * 32!r} in this store")


def test_run_handle_is_a_snapshot_with_verbs(store) -> None:  # type: ignore[no-untyped-def]
    run = sktrack.start_run(run_name="handle")
    run.log_param("p", 1)
    run.log_metric("m", 2.0, step=3)
    run.set_tag("t", "v")
    run.end()
    got = sktrack.get_run(run.run_id)
    assert (got.params["p"], got.metrics["m"], got.tags["t"]) == (1, 2.0, "v")
    assert got.info.status is RunStatus.FINISHED
    assert sktrack.active_run() is None


# -- search_runs end to end -----------------------------------------------------------------


@pytest.fixture
def grid_runs(store):  # type: ignore[no-untyped-def]
    sktrack.set_experiment("grid")
    ids = {}
    for alpha in (0.1, 0.3, 1.0):
        for solver in ("lbfgs", "saga"):
            with sktrack.start_run(run_name=f"{solver}-{alpha}") as run:
                sktrack.log_params({"alpha": alpha, "solver": solver, "fit_intercept": alpha < 1})
                sktrack.log_metrics(
                    {"r2": 1 - alpha / 2 - (solver == "saga") * 0.01, "Neg. RMSE": -alpha}
                )
                sktrack.set_tag("family", "linear" if solver == "lbfgs" else "sgd")
                ids[(alpha, solver)] = run.run_id
    sktrack.set_experiment("other")
    with sktrack.start_run(run_name="elsewhere"):
        sktrack.log_metric("r2", 0.99)
    sktrack.set_experiment("grid")
    return ids


def test_search_runs_columns_and_default_order(grid_runs) -> None:  # type: ignore[no-untyped-def]
    df = sktrack.search_runs()
    assert list(df.columns[:7]) == [
        "run_id",
        "run_name",
        "experiment",
        "status",
        "start_time",
        "end_time",
        "parent_run_id",
    ]
    assert {
        "params.alpha",
        "params.solver",
        "metrics.r2",
        "metrics.Neg. RMSE",
        "tags.family",
    } <= set(df.columns)
    assert len(df) == 6 and set(df["experiment"]) == {"grid"}
    assert df["start_time"].is_monotonic_decreasing
    assert str(df["start_time"].dtype) == "datetime64[ms, UTC]" or "UTC" in str(
        df["start_time"].dtype
    )


def test_search_runs_filter_order_limit(grid_runs) -> None:  # type: ignore[no-untyped-def]
    df = sktrack.search_runs(
        filter_string="params.alpha < 1 and tags.family = 'linear'",
        order_by=["metrics.r2 DESC"],
    )
    assert df["run_name"].tolist() == ["lbfgs-0.1", "lbfgs-0.3"]
    df = sktrack.search_runs(
        filter_string="metrics.`Neg. RMSE` >= -0.3 OR params.solver = 'saga'",
        max_results=3,
        order_by=["metrics.r2"],
    )
    assert len(df) == 3
    assert df["metrics.r2"].is_monotonic_increasing


def test_search_runs_across_experiments(grid_runs) -> None:  # type: ignore[no-untyped-def]
    assert len(sktrack.search_runs("*")) == 7
    assert sktrack.search_runs(["other"])["run_name"].tolist() == ["elsewhere"]


def test_search_runs_param_column_types(grid_runs) -> None:  # type: ignore[no-untyped-def]
    df = sktrack.search_runs(order_by=["params.alpha", "params.solver"])
    assert df["params.alpha"].tolist() == [0.1, 0.1, 0.3, 0.3, 1.0, 1.0]
    assert df["params.fit_intercept"].tolist() == [True, True, True, True, False, False]


def test_search_runs_bad_filter_points_at_the_token(grid_runs) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(sktrack.FilterSyntaxError) as info:
        sktrack.search_runs(filter_string="metrics.r2 >> 0.5")
    assert isinstance(info.value, sktrack.SktrackError)


def test_search_runs_bad_max_results(grid_runs) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidArgumentError, match="max_results=-1"):
        sktrack.search_runs(max_results=-1)


def test_search_runs_on_empty_store(store) -> None:  # type: ignore[no-untyped-def]
    df = sktrack.search_runs()
    assert len(df) == 0 and "run_id" in df.columns


def test_search_runs_order_by_a_single_string(grid_runs) -> None:  # type: ignore[no-untyped-def]
    df = sktrack.search_runs(order_by="metrics.r2 DESC", max_results=1)
    assert df["run_name"].tolist() == ["lbfgs-0.1"]


def test_search_runs_ties_keep_newest_first(grid_runs) -> None:  # type: ignore[no-untyped-def]
    df = sktrack.search_runs(order_by=["tags.family"])
    linear = df[df["tags.family"] == "linear"]
    assert linear["start_time"].is_monotonic_decreasing


def test_runs_record_the_git_commit_and_dirty_flag(
    store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    import subprocess

    from sktrack._tracking import _environment

    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "f.txt").write_text("1")
    subprocess.run([*git, "-C", str(repo), "add", "f.txt"], check=True)
    subprocess.run([*git, "-C", str(repo), "commit", "-qm", "c"], check=True)
    commit = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    (repo / "f.txt").write_text("2")  # a tracked file changed: dirty
    monkeypatch.chdir(repo)
    _environment.environment_tags.cache_clear()
    try:
        with sktrack.start_run() as run:
            pass
    finally:
        _environment.environment_tags.cache_clear()
    tags = sktrack.get_run(run.run_id).tags
    assert tags["sktrack.git.commit"] == commit
    assert tags["sktrack.git.dirty"] == "true"
