"""Compaction: fold closed segments and small Parquet files into one sorted file per table.

Crash-safe at every step, and it never rewrites a file:

1. take the compaction lease (an exclusively created file; log writes never take it);
2. write each table's merged rows to a new uniquely named file whose metadata lists every file
   it supersedes, published by atomic rename (fsynced before it, its folder fsynced after,
   unless ``$SKTRACK_DURABILITY`` is ``process``);
3. only when every table is published, delete the superseded files.

A crash after (2) leaves both old and new files: readers skip the old ones because a live file
supersedes them, and the next compaction deletes them.  A reader that listed a file just deleted
gets FileNotFoundError and lists again.
"""

from __future__ import annotations

import json
import os
import socket
import time
from typing import TYPE_CHECKING

from ._fs import FileInfo, FileSystem, unique_name
from ._quarantine import quarantine
from ._reader import Reader, last_per_group, segment_table, table_dir
from ._schema import SORT_KEYS, TABLES, file_metadata
from ._wal import ParsedSegment, pid_alive, segment_pid

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["LEASE", "compact", "lease_is_stale", "pid_alive"]

LEASE = "compaction.lease"
_LEASE_TIMEOUT_S = 15 * 60
_PARQUET_MERGE_AT = 8  # merge Parquet files once a table has this many
# an open segment whose process is gone is folded as KILLED once it has not been written to
# for this long: the run's lease, as for the compaction lease
DEAD_RUN_LEASE_S = _LEASE_TIMEOUT_S


def lease_is_stale(raw: bytes) -> bool:
    """A lease whose holder died (same host) or that is older than the timeout."""
    try:
        lease = json.loads(raw)
    except ValueError:
        return True
    if time.time() - lease.get("time", 0) > _LEASE_TIMEOUT_S:
        return True
    return lease.get("host") == socket.gethostname() and not pid_alive(int(lease.get("pid", 0)))


def _take_lease(fs: FileSystem) -> bool:
    body = json.dumps(
        {"pid": os.getpid(), "host": socket.gethostname(), "time": time.time()}
    ).encode()
    if fs.create_exclusive(LEASE, body):
        return True
    try:
        stale = lease_is_stale(fs.read_bytes(LEASE))
    except FileNotFoundError:
        stale = True
    if stale:
        fs.delete(LEASE)
        return fs.create_exclusive(LEASE, body)
    return False


def compact(
    fs: FileSystem, *, full: bool = False, drop_runs: frozenset[str] = frozenset()
) -> dict[str, int]:
    """Fold closed segments (and, past a count or with ``full``, all Parquet files) of the store.

    ``drop_runs`` (with ``full``): leave every row of these runs out of the merged files, so
    they are gone for good once the files holding them are deleted (what ``sktrack gc`` does;
    runs with an open segment must not be among them).

    Returns counts of what was folded, or ``{"skipped": 1}`` if another compaction is running.
    """
    if not _take_lease(fs):
        return {"skipped": 1}
    try:
        return _compact_locked(fs, full, drop_runs)
    finally:
        fs.delete(LEASE)


def _compact_locked(fs: FileSystem, full: bool, drop_runs: frozenset[str]) -> dict[str, int]:
    reader = Reader(fs)
    segments, parquet = reader.listing()
    here, now_ns = socket.gethostname(), time.time_ns()
    loaded = [(f, reader.load_segment(f)) for f in segments]
    loaded = [
        (f, seg if seg.closed else _killed_if_dead(f, seg, here, now_ns)) for f, seg in loaded
    ]
    closed = [(f, seg) for f, seg in loaded if seg.closed]
    damage = {f.path: seg.problem for f, seg in closed if seg.problem}
    listed = {f.path for f in segments} | {f.path for t in TABLES for f in parquet[t]}
    published = 0
    doomed: set[str] = set()  # files whose rows a live file now holds
    covered: dict[str, set[str]] = {}  # per table: segments whose rows a live file holds
    for table in TABLES:
        files = [(f, reader.load_parquet(f)) for f in parquet[table]]
        superseded = {s for _, pf in files for s in pf.supersedes}
        doomed.update(f.path for f, _ in files if f.path in superseded)
        live = [(f, pf) for f, pf in files if f.path not in superseded and pf.data is not None]
        chosen = live if full or len(live) >= _PARQUET_MERGE_AT else []
        fresh = [(f, seg) for f, seg in closed if f.path not in superseded]
        covered[table] = superseded
        seg_rows, _ = segment_table(table, fresh, set(), damage)
        if not seg_rows.num_rows and ((len(chosen) <= 1 and not drop_runs) or not chosen):
            covered[table] = covered[table] | {f.path for f, _ in fresh}  # nothing to fold
            continue
        sources = [f.path for f, _ in chosen] + [f.path for f, _ in fresh]
        # what the merged files superseded, if still there, is superseded again
        sources += sorted({s for _, pf in chosen for s in pf.supersedes} & listed)
        data = _merged(table, [pf.data for _, pf in chosen], seg_rows)
        if drop_runs and "run_id" in data.column_names:
            import pyarrow as pa
            import pyarrow.compute as pc

            data = data.filter(pc.invert(pc.is_in(data["run_id"], pa.array(sorted(drop_runs)))))
        _write_parquet(
            fs, f"{table_dir(table)}/{unique_name('c-', '.parquet')}", table, data, sources
        )
        published += 1
        doomed.update(f.path for f, _ in chosen)
        covered[table] = covered[table] | set(sources)
    # a segment goes only once every table that it has rows for holds them elsewhere
    doomed.update(
        f.path for f, seg in closed if all(f.path in covered[t] or not seg.rows[t] for t in TABLES)
    )
    fs.sync()  # what is published survives a power loss before what it supersedes goes
    for path in sorted(doomed):
        if path in damage:  # its good rows are folded; the file is kept aside, never deleted
            quarantine(fs, path)
        else:
            fs.delete(path)
    return {"published": published, "deleted": len(doomed), "segments": len(closed)}


def _killed_if_dead(f: FileInfo, seg: ParsedSegment, here: str, now_ns: int) -> ParsedSegment:
    """An open segment whose writer is gone from this host and whose lease has run out, as
    if it had been closed with the run KILLED (at its last write); else ``seg`` as it is."""
    runs = seg.rows["runs"]
    if not runs or now_ns - f.mtime_ns < DEAD_RUN_LEASE_S * 1_000_000_000:
        return seg
    last = runs[-1]
    if len(last) != 11 or last[8] != here or last[3] != "RUNNING":
        return seg  # another host's run (its pid says nothing here), or a damaged record
    pids = {segment_pid(f.path), last[9] if isinstance(last[9], int) else 0}
    if any(pid_alive(pid) for pid in pids if pid):
        return seg
    killed = [*last[:3], "KILLED", last[4], f.mtime_ns // 1_000_000, *last[6:10], now_ns]
    rows = {**seg.rows, "runs": [*runs, killed]}
    return ParsedSegment(run_id=seg.run_id, closed=True, problem=seg.problem, rows=rows)


def _merged(table: str, parts: list, seg_rows: pa.Table) -> pa.Table:
    import pyarrow as pa
    import pyarrow.compute as pc

    if seg_rows.num_rows:
        parts = [*parts, seg_rows]
    data = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
    keys = SORT_KEYS[table]
    data = data.take(pc.sort_indices(data, [(k, "ascending") for k in keys]))
    if table in ("params", "tags", "runs", "experiments"):
        group = {
            "params": ["run_id", "key"],
            "tags": ["run_id", "key"],
            "runs": ["run_id"],
            "experiments": ["experiment_id"],
        }
        order = {
            "params": ["timestamp"],
            "tags": ["timestamp"],
            "runs": ["updated_at"],
            "experiments": ["created_at"],
        }
        data = last_per_group(data, group[table], order[table], table != "experiments")
    return data


def _write_parquet(
    fs: FileSystem, path: str, table: str, data: pa.Table, supersedes: list[str]
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    meta = file_metadata(table, supersedes)
    meta[b"sktrack.reduced"] = b"true"
    sink = pa.BufferOutputStream()
    pq.write_table(
        data.replace_schema_metadata(meta), sink, compression="zstd", row_group_size=65536
    )
    fs.write_atomic(path, sink.getvalue().to_pybytes())
