"""`sktrack.import_mlflow` and `sktrack import-mlflow` against stores written by real MLflow.

The stores are made by ``tests/mlflow_fixtures/make_store.py`` run with an interpreter that
has MLflow (``$SKTRACK_TEST_MLFLOW_PYTHON``; `.ci/run` builds that venv), once per version of
the script, and cached under ``$SKTRACK_TEST_MLFLOW_CACHE`` (default: the system temp folder).
sktrack itself never imports MLflow.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("yaml", reason="MLflow's meta.yaml and MLmodel files need sktrack[mlflow]")

import sktrack
import sktrack.mlflow as mlflow
from sktrack._cli import main
from sktrack._mlflow import open_source
from sktrack._mlflow._convert import typed_param

SCRIPT = Path(__file__).parent / "mlflow_fixtures" / "make_store.py"
MLFLOW_PYTHON = os.environ.get("SKTRACK_TEST_MLFLOW_PYTHON", "")


def _build(kind: str, folder: Path) -> None:
    if kind == "sqlite":
        args = [f"sqlite:///{folder}/mlflow.db", str(folder / "artifacts")]
    else:
        args = [str(folder / "mlruns"), "-"]
    subprocess.run(
        [MLFLOW_PYTHON, str(SCRIPT), *args, str(folder / "expected.json")],
        cwd=folder, check=True, capture_output=True, timeout=600,
    )  # fmt: skip
    (folder / "done").write_text("")


@pytest.fixture(scope="session")
def mlflow_stores() -> dict[str, Path]:
    """Both kinds of MLflow store, built (in parallel) once per version of the script."""
    if not MLFLOW_PYTHON or not Path(MLFLOW_PYTHON).is_file():
        pytest.skip(
            "needs an interpreter with mlflow==3.17.2, scikit-learn and skops in "
            "$SKTRACK_TEST_MLFLOW_PYTHON (.ci/run builds /tmp/venv-mlflow for it)"
        )
    digest = hashlib.sha256(SCRIPT.read_bytes() + MLFLOW_PYTHON.encode()).hexdigest()[:12]
    cache = Path(os.environ.get("SKTRACK_TEST_MLFLOW_CACHE") or tempfile.gettempdir())
    root = cache / "sktrack-mlflow-fixtures" / digest
    folders = {kind: root / kind for kind in ("sqlite", "mlruns")}
    todo = [k for k, f in folders.items() if not (f / "done").exists()]
    for kind in todo:  # absolute paths inside the stores: build them where they stay
        shutil.rmtree(folders[kind], ignore_errors=True)
        folders[kind].mkdir(parents=True)
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda k: _build(k, folders[k]), todo))
    return folders


def _uri(folder: Path) -> str:
    db = folder / "mlflow.db"
    return f"sqlite:///{db}" if db.exists() else str(folder / "mlruns")


def _expected(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "expected.json").read_text())


def _points(rows: list[list[Any]]) -> set[tuple[int, int, Any]]:
    return {(s, t, v) for s, t, v in rows}


def _state(store_path: Path) -> dict[str, Any]:
    """Everything an import writes, comparable between two stores."""
    sktrack.set_store(store_path)
    runs = sktrack.search_runs("*")
    out: dict[str, Any] = {"experiments": sorted(e.name for e in sktrack.list_experiments())}
    for run_id in sorted(runs["run_id"]):
        run = sktrack.get_run(run_id)
        store = sktrack.get_store()
        history = {
            k: sorted(
                (m.step, m.timestamp, "nan" if math.isnan(m.value) else m.value)
                for m in store.metric_history(run_id, k)
            )
            for k in run.metrics
        }
        out[run_id] = (run.info, dict(run.params), dict(run.tags), history,
                       sktrack.list_artifacts(run_id))  # fmt: skip
    out["versions"] = [
        # not the sha256: two skops dumps of one model differ in bytes (ids, zip times)
        (mv.version, mv.stage, mv.aliases, mv.description, dict(mv.tags), mv.signature)
        for mv in sktrack.registry.list_model_versions("prices")
    ]
    return out


@pytest.mark.parametrize("kind", ["sqlite", "mlruns"])
def test_every_run_param_metric_point_and_tag_arrives(
    kind: str, mlflow_stores: dict[str, Path], tmp_path: Path
) -> None:
    folder = mlflow_stores[kind]
    report = sktrack.import_mlflow(_uri(folder), store=tmp_path / "s")
    expected = _expected(folder)
    live = [r for r in expected["runs"] if r["lifecycle"] == "active"]
    assert report.runs == len(live) and report.runs_unchanged == 0
    sktrack.set_store(tmp_path / "s")
    for want in live:
        run = sktrack.get_run(want["run_id"])
        assert run.info.run_name == want["run_name"]
        assert run.info.experiment == want["experiment"]
        assert run.info.status == want["status"]
        assert (run.info.start_time, run.info.end_time) == (want["start_time"], want["end_time"])
        assert run.info.parent_run_id == want["tags"].get("mlflow.parentRunId")
        # params: MLflow's text, character for character (typed where the text says so)
        assert {k: str(v) for k, v in run.params.items()} == want["params"]
        for key, points in want["metrics"].items():
            got = [
                [m.step, m.timestamp, "nan" if math.isnan(m.value) else m.value]
                for m in sktrack.get_store().metric_history(run.run_id, key)
            ]
            assert _points(got) == _points(points)  # the file store repeats some points
            assert len(got) == len(_points(points))
        tags = dict(want["tags"])
        assert run.tags.get("sktrack.user") == tags.pop("mlflow.user", want["user"])
        assert run.tags.get("sktrack.description") == tags.pop("mlflow.note.content", None)
        assert run.tags.get("sktrack.source") == tags.pop("mlflow.source.name", None)
        assert run.tags.get("sktrack.git.commit") == tags.pop("mlflow.source.git.commit", None)
        tags.pop("mlflow.runName"), tags.pop("mlflow.parentRunId", None)
        assert {k: v for k, v in run.tags.items() if k in tags} == tags
        for i, (name, digest, context) in enumerate(want["inputs"]):
            assert run.tags[f"sktrack.input.{i}.name"] == name
            assert run.tags[f"sktrack.input.{i}.digest"] == digest
            assert run.tags.get(f"sktrack.input.{i}.context", "") == context
        # read back in MLflow's spelling, the run is what MLflow's own client returned
        seen = mlflow.get_run(run.run_id)
        assert seen.data.params == want["params"]
        assert (seen.info.run_name, seen.info.status) == (want["run_name"], want["status"])
        assert {k: seen.data.tags.get(k) for k in want["tags"]} == want["tags"]
    parent = next(r for r in live if r["run_name"] == "parent")
    found = sktrack.search_runs("*", filter_string="datasets.name = 'train-set'")
    assert found["run_id"].tolist() == [parent["run_id"]]
    assert sktrack.read_artifact(parent["run_id"], "notes.txt") == b"hello from mlflow\n"
    assert len(sktrack.get_store().metric_history(parent["run_id"], "loss")) == 1000
    assert {"notes.txt", "plots/a.csv", "model/model.skops", "model/MLmodel"} <= set(
        sktrack.list_artifacts(parent["run_id"])
    )


@pytest.mark.parametrize("kind", ["sqlite", "mlruns"])
def test_registry_skops_model_and_refused_pickle(
    kind: str, mlflow_stores: dict[str, Path], tmp_path: Path
) -> None:
    folder = mlflow_stores[kind]
    report = sktrack.import_mlflow(_uri(folder), store=tmp_path / "s")
    sktrack.set_store(tmp_path / "s")
    (v1,) = sktrack.registry.list_model_versions("prices")
    want = next(v for v in _expected(folder)["versions"] if v["version"] == 1)
    assert (v1.version, v1.stage.value, v1.description) == (1, "Staging", want["description"])
    assert v1.aliases == ("champion",) and v1.tags["k"] == "v"
    assert sktrack.registry.get_registered_model("prices").tags["owner"] == "pricing"
    model = sktrack.load_model("models:/prices@champion")
    import pandas as pd

    assert model.predict(pd.DataFrame({"a": [1.0], "b": [2.0]})).shape == (1,)
    assert v1.signature is not None  # from MLflow's input example
    reasons = dict(report.skipped)
    pickled = next(w for w in reasons if w.startswith("model 'pickled'"))
    assert "never unpickles" in reasons[pickled]
    assert "registered model 'prices' version 2" in reasons
    assert any(w.startswith("experiment 'dropped'") for w in reasons)
    run_id = v1.run_id
    assert "pickled/model.pkl" in sktrack.list_artifacts(run_id)  # kept, never loaded


@pytest.mark.parametrize("kind", ["sqlite", "mlruns"])
def test_second_import_adds_nothing(
    kind: str, mlflow_stores: dict[str, Path], tmp_path: Path
) -> None:
    uri = _uri(mlflow_stores[kind])
    sktrack.import_mlflow(uri, store=tmp_path / "s")
    before = _state(tmp_path / "s")
    again = sktrack.import_mlflow(uri, store=tmp_path / "s")
    assert (again.runs, again.records, again.artifacts, again.models, again.model_versions) == (
        0, 0, 0, 0, 0,
    )  # fmt: skip
    assert again.runs_unchanged == len(before) - 2
    assert _state(tmp_path / "s") == before


_KILLABLE = """
import sys, sktrack
def progress(done, total):
    print(done, flush=True)
    if done == int(sys.argv[3]):
        sys.stdin.read()  # wait here to be killed
sktrack.import_mlflow(sys.argv[1], store=sys.argv[2], progress=progress)
"""


@pytest.mark.parametrize("kind", ["sqlite", "mlruns"])
def test_kill_9_halfway_then_rerun_equals_clean_import(
    kind: str, mlflow_stores: dict[str, Path], tmp_path: Path
) -> None:
    uri = _uri(mlflow_stores[kind])
    env = {**os.environ, "PYTHONPATH": str(Path(sktrack.__file__).parent.parent)}
    with subprocess.Popen(
        [sys.executable, "-c", _KILLABLE, uri, str(tmp_path / "cut"), "3"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
    ) as child:  # fmt: skip
        assert child.stdout is not None
        for line in child.stdout:
            if line.strip() == "3":
                break
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL
    sktrack.import_mlflow(uri, store=tmp_path / "cut")
    sktrack.import_mlflow(uri, store=tmp_path / "clean")
    cut, clean = _state(tmp_path / "cut"), _state(tmp_path / "clean")
    assert cut == clean


def test_command_prints_the_report(mlflow_stores: dict[str, Path], tmp_path: Path, capsys) -> None:
    code = main(["--store", str(tmp_path / "s"), "import-mlflow", _uri(mlflow_stores["sqlite"])])
    out = capsys.readouterr()
    assert code == 0
    assert "runs written" in out.out and "skipped (" in out.out
    assert "never unpickles" in out.out
    assert "importing runs [" in out.err


# -- without MLflow ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [("5", 5), ("0.1", 0.1), ("True", True), ("False", False), ("None", None), ("auto", "auto"),
     ("05", "05"), ("1e-3", "1e-3"), ("1.50", "1.50"), ("inf", float("inf")), ("", "")],
)  # fmt: skip
def test_params_are_typed_only_when_the_text_round_trips(text: str, value: Any) -> None:
    got = typed_param(text)
    assert got == value and type(got) is type(value)
    assert (str(got) if got is not None else "None") == text or text == ""


def test_a_tracking_server_uri_names_what_to_pass_instead() -> None:
    with pytest.raises(sktrack.InvalidArgumentError, match="backend-store-uri"):
        open_source("http://127.0.0.1:5000")


def test_sources_that_are_not_mlflow_stores(tmp_path: Path) -> None:
    with pytest.raises(sktrack.StoreError, match="does not exist"):
        open_source(f"sqlite:///{tmp_path}/missing.db")
    other = tmp_path / "other.db"
    import sqlite3

    with contextlib.closing(sqlite3.connect(other)) as db:
        db.execute("create table t (x)")
        db.commit()
    with pytest.raises(sktrack.StoreError, match="not an MLflow tracking database"):
        open_source(f"sqlite:///{other}")
    with pytest.raises(sktrack.StoreError, match="no MLflow experiment"):
        open_source(tmp_path)


def test_a_run_breaking_the_value_rules_is_skipped_whole(
    mlflow_stores: dict[str, Path], tmp_path: Path
) -> None:
    import sqlite3

    db = tmp_path / "mlflow.db"
    shutil.copy(mlflow_stores["sqlite"] / "mlflow.db", db)
    with contextlib.closing(sqlite3.connect(db)) as con:
        (run_id,) = con.execute("select run_uuid from runs where name = 'broken'").fetchone()
        # MLflow's sqlite store does not enforce its own limit; sktrack's is 64,000 characters
        con.execute("update tags set value = ? where run_uuid = ? and key = 'mlflow.user'",
                    ("x" * 70_000, run_id))  # fmt: skip
        con.commit()
    report = sktrack.import_mlflow(f"sqlite:///{db}", store=tmp_path / "s")
    reason = dict(report.skipped)[f"run {run_id} (broken)"]
    assert "70000 characters long; the limit is 64000" in reason
    sktrack.set_store(tmp_path / "s")
    with pytest.raises(sktrack.RunNotFoundError):
        sktrack.get_run(run_id)
    expected = [r for r in _expected(mlflow_stores["sqlite"])["runs"] if r["lifecycle"] == "active"]
    assert report.runs == len(expected) - 1
