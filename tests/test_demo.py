"""`sktrack demo`: the walkthrough on real stores, fresh and re-run, through `main` and `run_demo`."""

from __future__ import annotations

import io
import math
from pathlib import Path

import numpy as np
import pytest

import sktrack
from sktrack._cli import EXPERIMENT, MODEL_NAME, main, run_demo


class _Terminal(io.StringIO):
    """A text stream that says it is a terminal, as a console window would."""

    def isatty(self) -> bool:
        return True


def _versions(store: Path) -> list[tuple[int, str]]:
    sktrack.set_store(store)
    return [(v.version, str(v.stage)) for v in sktrack.registry.list_model_versions(MODEL_NAME)]


def test_demo_in_a_fresh_store_then_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = tmp_path / "demo-store"
    assert main(["demo", "--store", str(store), "--quick"]) == 0
    out = capsys.readouterr().out
    for step in range(1, 9):
        assert f"[{step}/8] " in out
    table = out[out.index("\nrun  ") + 1 :].splitlines()[:5]
    assert table[0].split() == ["run", "test", "RMSE", "test", "MAE", "test", "R2", "run_id"]
    assert sorted(row.split()[0] for row in table[1:]) == [
        "baseline", "decision-tree", "elasticnet", "random-forest"
    ]  # fmt: skip
    assert f"sktrack ui --store {store}" in out
    assert "version 1 is in Staging" in out
    assert _versions(store) == [(1, "Staging")]

    assert main(["--store", str(store), "demo", "--quick"]) == 0
    out = capsys.readouterr().out
    assert "version 2 is in Staging; archived version 1" in out
    assert _versions(store) == [(1, "Archived"), (2, "Staging")]
    parents = sktrack.search_runs(EXPERIMENT, filter_string="attributes.parent_run_id IS NULL")
    assert sorted(parents["run_name"]) == sorted(
        ["baseline", "elasticnet", "decision-tree", "random-forest"] * 2
    )


def test_demo_result_matches_the_store(tmp_path: Path) -> None:
    result = run_demo(tmp_path / "s", quick=True, out=io.StringIO())
    sktrack.set_store(tmp_path / "s")
    runs = [sktrack.get_run(r) for r in (result.baseline_run_id, *result.search_run_ids)]
    assert all(str(r.info.status) == "FINISHED" for r in runs)
    rmse = {r.run_id: r.metrics["test_root_mean_squared_error"] for r in runs}
    assert result.best_run_id == min(rmse, key=rmse.__getitem__)
    assert all(math.isfinite(v) for v in rmse.values())
    # each search logged its candidates (at most top_k=5) as children
    for search_id in result.search_run_ids:
        children = sktrack.search_runs(
            EXPERIMENT, filter_string=f"attributes.parent_run_id = '{search_id}'"
        )
        assert 1 <= len(children) <= 5
    version = sktrack.registry.get_model_version(MODEL_NAME, result.version)
    assert (version.run_id, str(version.stage)) == (result.best_run_id, "Staging")
    assert result.archived_versions == ()
    model = sktrack.load_model(f"models:/{MODEL_NAME}/staging")
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import train_test_split

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X_test = train_test_split(X, y, test_size=0.25, random_state=0)[1]
    np.testing.assert_allclose(model.predict(X_test.head(5)), result.predictions)


def test_demo_leaves_the_callers_store_and_experiment_alone(tmp_path: Path) -> None:
    mine = sktrack.set_store(tmp_path / "mine")
    sktrack.set_experiment("mine")
    run_demo(tmp_path / "demo", quick=True, out=io.StringIO())
    assert sktrack.get_store() is mine
    assert sktrack._tracking.current_experiment_name() == "mine"
    assert sktrack.active_run() is None


def test_demo_on_a_terminal_uses_rich(tmp_path: Path) -> None:
    terminal = _Terminal()
    run_demo(tmp_path / "s", quick=True, out=terminal)
    text = terminal.getvalue()
    assert "✓" in text and "[8/8] Load models:/diabetes-regressor/staging and predict" in text


def test_full_demo_finishes_in_under_a_minute(tmp_path: Path) -> None:
    out = io.StringIO()
    result = run_demo(tmp_path / "s", out=out)
    assert result.seconds < 60, out.getvalue()
    assert len(result.predictions) == 5
