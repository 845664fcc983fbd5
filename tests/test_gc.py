"""`sktrack gc` / `sktrack.gc` (`sktrack/_models/_gc.py`): deleted runs and registered models
removed for good from a real store, `--older-than`, `--dry-run`, and what must stay."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sklearn.linear_model import LinearRegression

import sktrack
from sktrack._cli import main
from sktrack._store import Store


def _run(name: str) -> str:
    with sktrack.start_run(run_name=name) as run:
        sktrack.log_param("alpha", 0.1)
        sktrack.log_metric("r2", 0.5, step=1)
        sktrack.log_text("hello", "notes.txt")
    return run.run_id


def _files_naming(root: Path, run_id: str) -> list[Path]:
    """Every file of the store named after ``run_id``, or a table or segment holding its rows
    (a compacted file's metadata still lists the segment names it superseded: not data)."""
    import pyarrow.parquet as pq

    out = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        if run_id in str(path.relative_to(root)):
            out.append(path)
        elif path.suffix == ".parquet":
            table = pq.read_table(path)
            if "run_id" in table.column_names and run_id in table["run_id"].to_pylist():
                out.append(path)
        elif path.suffix == ".jsonl" and run_id.encode() in path.read_bytes():
            out.append(path)
    return out


def test_gc_removes_a_deleted_run_everywhere_and_keeps_the_rest(store: Store) -> None:
    gone, kept = _run("gone"), _run("kept")
    sktrack.compact()  # some rows in Parquet tables, some in segments
    sktrack.delete_run(gone)
    report = sktrack.gc()
    assert (report.runs, report.files, report.dry_run) == ((gone,), 1, False)
    assert _files_naming(store.fs.root, gone) == []
    assert sktrack.search_runs(run_view_type="all")["run_id"].tolist() == [kept]
    with pytest.raises(sktrack.RunNotFoundError):
        sktrack.get_run(gone)
    back = sktrack.get_run(kept)
    assert (back.params, back.metrics) == ({"alpha": 0.1}, {"r2": 0.5})
    assert sktrack.read_artifact(kept, "notes.txt") == b"hello"


def test_dry_run_lists_and_removes_nothing(store: Store) -> None:
    gone = _run("gone")
    sktrack.delete_run(gone)
    assert sktrack.gc(dry_run=True).runs == (gone,)
    assert sktrack.get_run(gone).tags["sktrack.lifecycle"] == "deleted"
    assert sktrack.read_artifact(gone, "notes.txt") == b"hello"


def test_older_than_keeps_recent_deletions(store: Store) -> None:
    gone = _run("gone")
    sktrack.delete_run(gone)
    assert sktrack.gc(older_than="1d").runs == ()
    assert sktrack.gc(older_than=timedelta(days=1)).runs == ()
    assert sktrack.get_run(gone).run_id == gone
    assert sktrack.gc(older_than="0s").runs == (gone,)


def test_restored_and_running_runs_stay(store: Store) -> None:
    restored = _run("restored")
    sktrack.delete_run(restored)
    sktrack.restore_run(restored)
    with sktrack.start_run() as running:
        sktrack.delete_run(running.run_id)
        report = sktrack.gc()
        assert report.runs == ()
        assert [r for r, _ in report.skipped] == [running.run_id]
    assert sktrack.get_run(restored).run_id == restored


def test_a_model_registered_from_a_removed_run_still_loads(store: Store) -> None:
    with sktrack.start_run() as run:
        info = sktrack.log_model(LinearRegression().fit([[0], [1]], [0, 1]))
    sktrack.registry.register_model(info.model_uri, "prices")
    sktrack.delete_run(run.run_id)
    assert sktrack.gc().runs == (run.run_id,)
    assert sktrack.load_model("models:/prices/1").predict([[1]]) == pytest.approx([1])


def test_gc_removes_deleted_registered_models(store: Store) -> None:
    with sktrack.start_run():
        info = sktrack.log_model(LinearRegression().fit([[0], [1]], [0, 1]))
    sktrack.registry.register_model(info.model_uri, "prices")
    sktrack.registry.delete_registered_model("prices")
    assert sktrack.gc(older_than="1h").models == ()
    report = sktrack.gc()
    assert report.models == ("prices",)
    assert not any(p.is_file() for p in (store.fs.root / "registry" / "deleted").rglob("*"))


def test_bad_older_than_is_refused(store: Store) -> None:
    with pytest.raises(sktrack.InvalidArgumentError, match=r"older_than='soon'; pass a timedelta"):
        sktrack.gc(older_than="soon")


def test_the_cli_dry_run_lists_then_gc_removes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    location = tmp_path / "cli-store"
    sktrack.set_store(location)
    gone = _run("gone")
    sktrack.delete_run(gone)
    assert main(["--store", str(location), "gc", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert f"would remove run {gone}" in out and "would remove 1 runs" in out
    assert main(["--store", str(location), "gc", "--older-than", "7d", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["runs"] == []
    assert main(["--store", str(location), "gc"]) == 0
    assert f"removed run {gone}" in capsys.readouterr().out
    assert main(["--store", str(location), "gc", "--older-than", "later"]) == 2
    assert "older_than='later'" in capsys.readouterr().err
