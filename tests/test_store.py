"""The store's guarantees, on real files and real processes."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import sktrack
from sktrack._store import SCHEMA_VERSION, LocalFileSystem, open_store
from sktrack._store._compact import LEASE, compact
from sktrack.exceptions import DamagedFileWarning

CTX = mp.get_context("spawn")


# -- helpers run in child processes ----------------------------------------------------------


def _log_runs(location: str, worker: int, n_runs: int, barrier) -> None:  # type: ignore[no-untyped-def]
    sktrack.set_store(location)
    barrier.wait()
    for i in range(n_runs):
        with sktrack.start_run(run_name=f"w{worker}-r{i}") as run:
            run.log_params(
                {"worker": worker, "i": i, "alpha": i / 10, "kind": "grid", "flag": i % 2 == 0}
            )
            for step in range(10):
                run.log_metric("loss", worker + i + step / 10, step=step)
            run.set_tags({"worker": str(worker), "batch": "concurrent"})


def _compact_repeatedly(location: str, stop, done) -> None:  # type: ignore[no-untyped-def]
    """Compact until told to stop (and at least 10 times), counting compactions in ``done``."""
    fs = LocalFileSystem(location)
    while not stop.is_set() or done.value < 10:
        if compact(fs, full=True).get("skipped") != 1:
            done.value += 1


# -- concurrency ---------------------------------------------------------------------------


def test_four_processes_log_240_runs_at_once(tmp_path: Path) -> None:
    location = str(tmp_path / "shared")
    barrier = CTX.Barrier(4)
    procs = [CTX.Process(target=_log_runs, args=(location, w, 60, barrier)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
        assert p.exitcode == 0

    sktrack.set_store(location)
    runs = sktrack.search_runs(max_results=None)
    assert len(runs) == 240
    assert runs["run_id"].is_unique
    assert set(runs["status"]) == {"FINISHED"}
    assert set(runs["run_name"]) == {f"w{w}-r{i}" for w in range(4) for i in range(60)}
    assert set(runs["params.kind"]) == {"grid"}
    for _, row in runs.iterrows():
        history = sktrack.get_metric_history(row["run_id"], "loss")
        worker, i = row["params.worker"], row["params.i"]
        assert history["step"].tolist() == list(range(10))
        assert history["value"].tolist() == [worker + i + s / 10 for s in range(10)]
    by_name = runs.set_index("run_name")
    assert by_name.loc["w3-r59", "params.worker"] == 3
    assert by_name.loc["w3-r59", "metrics.loss"] == pytest.approx(3 + 59 + 0.9)


# -- crash safety ----------------------------------------------------------------------------

_CRASHER = """
import sys, sktrack
sktrack.set_store(sys.argv[1])
run = sktrack.start_run(run_name="doomed")
print(run.run_id, flush=True)
step = 0
while True:
    sktrack.log_metric("x", step * 1.5, step=step)
    print(step, flush=True)   # printed only after log_metric returned
    step += 1
"""


def test_kill_9_while_logging_loses_nothing_that_returned(tmp_path: Path) -> None:
    location = str(tmp_path / "crash")
    with subprocess.Popen(
        [sys.executable, "-c", _CRASHER, location], stdout=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None
        run_id = proc.stdout.readline().strip()
        returned = []
        while len(returned) < 500:
            returned.append(int(proc.stdout.readline()))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        returned += [int(line) for line in proc.stdout.read().split()]

    sktrack.set_store(location)
    history = sktrack.get_metric_history(run_id, "x")
    assert set(returned) <= set(history["step"])
    assert history["value"].tolist() == [s * 1.5 for s in history["step"]]
    run = sktrack.get_run(run_id)
    assert run.info.status != sktrack.RunStatus.FINISHED
    assert run.info.run_name == "doomed"

    from sktrack._models import run_doctor

    report = run_doctor(sktrack.get_store())
    assert [r[0] for r in report.dead_runs] == [run_id]
    # compaction leaves the open segment alone; the run still reads the same
    sktrack.compact()
    assert len(sktrack.get_metric_history(run_id, "x")) == len(history)


# -- damage ----------------------------------------------------------------------------------


def _make_runs(prefix: str, n: int) -> set[str]:
    ids = set()
    for i in range(n):
        with sktrack.start_run(run_name=f"{prefix}{i}") as run:
            run.log_metric("m", i)
            ids.add(run.run_id)
    return ids


def test_truncated_parquet_file_costs_only_its_own_rows(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = _make_runs("a", 5)
    compact(store.fs, full=False)
    second = _make_runs("b", 5)
    compact(store.fs, full=False)
    run_files = sorted((tmp_path / "store" / "tables" / "runs").glob("*.parquet"))
    assert len(run_files) == 2
    damaged = run_files[0]
    damaged.write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 2])

    fresh = sktrack.set_store(str(tmp_path / "store") + "/")  # a reader with cold caches
    with pytest.warns(DamagedFileWarning, match=str(damaged.relative_to(tmp_path / "store"))):
        runs = sktrack.search_runs()
    assert set(runs["run_id"]) == second
    assert not first & set(runs["run_id"])
    from sktrack._models import run_doctor

    assert run_doctor(fresh).damaged_files == [str(damaged.relative_to(tmp_path / "store"))]


def test_torn_segment_line_is_skipped_with_a_warning(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with sktrack.start_run(run_name="torn") as run:
        sktrack.log_metric("m", 1.0)
    segment = next(p for p in (tmp_path / "store" / "wal").glob(f"*.{run.run_id}.jsonl"))
    with open(segment, "ab") as f:
        f.write(b'["m","m",2.0,1,')
    with pytest.warns(DamagedFileWarning, match=segment.name):
        assert sktrack.get_run(run.run_id).metrics["m"] == 1.0


# -- compaction ------------------------------------------------------------------------------


def test_reader_during_compaction_never_errors_nor_double_counts(tmp_path: Path) -> None:
    location = str(tmp_path / "busy")
    sktrack.set_store(location)
    _make_runs("seed", 120)
    expected = 120
    stop, done = CTX.Event(), CTX.Value("i", 0)
    compactor = CTX.Process(target=_compact_repeatedly, args=(location, stop, done))
    barrier = CTX.Barrier(1)  # kept referenced until the child has it
    writer = CTX.Process(target=_log_runs, args=(location, 9, 40, barrier))
    compactor.start()
    writer.start()
    seen = 0
    overlapping = 0  # reads made while compactions were still running
    while compactor.is_alive():
        if not writer.is_alive():
            stop.set()  # the writer is done: let the compactor finish its rounds
        overlapping += 1
        runs = sktrack.search_runs()
        assert runs["run_id"].is_unique
        assert len(runs) >= seen  # runs never vanish, never repeat
        seen = len(runs)
        assert seen <= expected + 40
        snap = sktrack.get_store().snapshot()
        assert snap.metrics.num_rows <= expected + 40 * 10
    compactor.join()
    writer.join()
    assert compactor.exitcode == 0 and writer.exitcode == 0
    final = sktrack.search_runs()
    assert len(final) == expected + 40
    assert done.value >= 10 and overlapping >= 10


def test_compaction_crash_between_publish_and_delete_double_counts_nothing(
    store, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    ids = _make_runs("c", 10)
    segments = sorted((tmp_path / "store" / "wal").glob("*.jsonl"))
    saved = {p: p.read_bytes() for p in segments}
    compact(store.fs, full=True)
    for path, data in saved.items():  # as if the compactor died before deleting its inputs
        path.write_bytes(data)
    fresh = open_store(str(tmp_path / "store") + "/.")
    runs = fresh.snapshot().runs
    assert sorted(runs["run_id"].to_pylist()) == sorted(ids)
    assert fresh.snapshot().metrics.num_rows == 10
    compact(store.fs, full=True)  # the next compaction cleans up
    assert not list((tmp_path / "store" / "wal").glob("*.jsonl"))
    assert fresh.snapshot().metrics.num_rows == 10


def test_stale_lease_of_a_dead_compactor_is_broken(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _make_runs("l", 3)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    lease = {"pid": int(dead.stdout), "host": os.uname().nodename, "time": time.time()}
    (tmp_path / "store" / LEASE).write_text(json.dumps(lease))
    assert compact(store.fs, full=True)["published"] > 0
    assert not (tmp_path / "store" / LEASE).exists()


def test_compacted_files_are_sorted_and_versioned(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for i in range(5):
        with sktrack.start_run() as run:
            for step in (2, 0, 1):
                run.log_metric("b", step, step=step)
                run.log_metric("a", step, step=step)
            del i
    compact(store.fs, full=True)
    (metrics_file,) = (tmp_path / "store" / "tables" / "metrics").glob("*.parquet")
    table = pq.read_table(metrics_file)
    meta = table.schema.metadata
    assert meta[b"sktrack.schema_version"] == str(SCHEMA_VERSION).encode()
    assert meta[b"sktrack.table"] == b"metrics"
    keys = list(
        zip(
            table["run_id"].to_pylist(),
            table["key"].to_pylist(),
            table["step"].to_pylist(),
            strict=True,
        )
    )
    assert keys == sorted(keys)
    assert table.num_rows == 30


def test_automatic_compaction_bounds_the_number_of_files(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from sktrack._store._store import AUTO_COMPACT_SEGMENTS

    _make_runs("auto", AUTO_COMPACT_SEGMENTS + 40)
    store.wait_for_compaction()
    assert len(list((tmp_path / "store" / "wal").glob("*.jsonl"))) < AUTO_COMPACT_SEGMENTS
    assert len(sktrack.search_runs()) == AUTO_COMPACT_SEGMENTS + 40


def test_tables_read_directly_with_pyarrow_dataset(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import pyarrow.dataset as ds

    _make_runs("d", 4)
    sktrack.compact()
    metrics = ds.dataset(tmp_path / "store" / "tables" / "metrics", format="parquet").to_table()
    assert metrics.num_rows == 4
    assert not list((tmp_path / "store" / "tmp").glob("*.parquet"))


# -- import cost -----------------------------------------------------------------------------


def test_import_sktrack_loads_no_heavy_modules() -> None:
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import sktrack"],
        capture_output=True,
        text=True,
        check=True,
    )
    imported = {line.split("|")[-1].strip() for line in out.stderr.splitlines() if "|" in line}
    for heavy in ("pandas", "pyarrow", "pyarrow.dataset", "skops", "sklearn", "scipy"):
        assert heavy not in imported, heavy


def test_no_warnings_on_a_clean_store(store) -> None:  # type: ignore[no-untyped-def]
    _make_runs("w", 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert len(sktrack.search_runs()) == 2


def _state(store) -> dict:  # type: ignore[no-untyped-def]
    snap = store.snapshot()

    def rows(table, cols):  # type: ignore[no-untyped-def]
        return sorted(tuple(r[c] for c in cols) for r in table.to_pylist())

    return {
        "runs": rows(snap.runs, ["run_id", "status", "run_name", "end_time"]),
        "params": rows(snap.params, ["run_id", "key", "value"]),
        "tags": rows(snap.tags, ["run_id", "key", "value"]),
        "metrics": rows(snap.metrics, ["run_id", "key", "value", "step"]),
        "latest": rows(snap.latest_metrics, ["run_id", "key", "value"]),
    }


def test_segments_over_compacted_tables_read_as_after_a_full_compaction(
    store, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    runs = []
    for i in range(6):
        with sktrack.start_run(run_name=f"r{i}") as run:
            run.log_params({"i": i})
            run.log_metric("m", i, step=1)
            run.set_tag("t", "old")
        runs.append(run)
    compact(store.fs, full=True)
    # touch some compacted runs again from segments: newer tag, lower and higher steps, reopen
    runs[0].set_tag("t", "new")
    runs[1].log_metric("m", 100.0, step=0)  # lower step: the compacted value stays latest
    runs[2].log_metric("m", 200.0, step=5)  # higher step: this becomes latest
    store.set_status(runs[3].run_id, sktrack.RunStatus.KILLED)
    with sktrack.start_run(run_name="new") as extra:
        extra.log_metric("m", 7.0)
    fresh = open_store(str(tmp_path / "store") + "/./")
    before = _state(fresh)
    assert ("t" in dict(sktrack.get_run(runs[0].run_id).tags)) and sktrack.get_run(
        runs[0].run_id
    ).tags["t"] == "new"
    assert sktrack.get_run(runs[1].run_id).metrics["m"] == 1.0
    assert sktrack.get_run(runs[2].run_id).metrics["m"] == 200.0
    assert sktrack.get_run(runs[3].run_id).info.status is sktrack.RunStatus.KILLED
    compact(store.fs, full=True)
    after = _state(open_store(str(tmp_path / "store") + "/././"))
    assert before == after
    assert len(after["runs"]) == 7
