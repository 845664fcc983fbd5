"""Runs that come from another tracker, written with their own ids, times and histories.

`Store.create_run` and `Store.log` stamp what they write with the present time; a run brought
over from elsewhere keeps the times it was logged at.  Each imported run (or the part of it the
store does not hold yet) is one closed segment published by atomic rename: an import cut short
by a crash leaves every run either whole or absent, never half-written, and the same value
rules as any log call apply.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._fs import unique_name
from ._records import Experiment, Metric, RunInfo
from ._values import encode_param, metric_value, tag_value, validate_key
from ._wal import SEGMENT_DIR, SEGMENT_VERSION, SegmentWriter

if TYPE_CHECKING:
    from ._store import Store

__all__ = ["ImportedRun", "StoredRun", "import_experiment", "import_run", "stored_runs"]


@dataclass(frozen=True)
class ImportedRun:
    """A run as another tracker holds it: params as text or typed values, every metric point."""

    info: RunInfo
    params: Mapping[str, Any] = field(default_factory=dict)
    metrics: Sequence[Metric] = ()
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass
class StoredRun:
    """What the store already holds of a run, to write only what is missing."""

    info: dict[str, Any]
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    points: set[tuple[str, int, int, float | None]] = field(default_factory=set)


def import_experiment(store: Store, name: str, created_at: int) -> Experiment:
    """The experiment ``name``, created with its original creation time if the store lacks it."""
    from ._store import experiment_id_of

    validate_key("experiment", name)
    exp_id = experiment_id_of(name)
    if name not in store.reader.experiment_names():
        store._ensure_format()
        SegmentWriter(store.fs, "experiments").write(
            [["e", exp_id, name, int(created_at)]], close=True
        )
    return Experiment(exp_id, name, int(created_at))


def stored_runs(store: Store, run_ids: Iterable[str]) -> dict[str, StoredRun]:
    """What the store holds of the runs ``run_ids`` (absent runs are left out)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    snap = store.snapshot()
    wanted = pa.array(sorted(set(run_ids)), type=pa.string())
    out: dict[str, StoredRun] = {}
    for row in snap.runs.filter(pc.is_in(snap.runs["run_id"], value_set=wanted)).to_pylist():
        out[row["run_id"]] = StoredRun(info=row)

    def rows(table: pa.Table) -> list[dict[str, Any]]:
        return table.filter(pc.is_in(table["run_id"], value_set=wanted)).to_pylist()

    for p in rows(snap.params):
        out[p["run_id"]].params[p["key"]] = p["value"]
    for t in rows(snap.tags):
        out[t["run_id"]].tags[t["key"]] = t["value"]
    for m in rows(snap.metrics):
        out[m["run_id"]].points.add(_point(m["key"], m["step"], m["timestamp"], m["value"]))
    return out


def _point(key: str, step: int, timestamp: int, value: float) -> tuple[str, int, int, float | None]:
    return (key, int(step), int(timestamp), None if value != value else float(value))


def import_run(store: Store, run: ImportedRun, stored: StoredRun | None = None) -> int:
    """Write what the store lacks of ``run`` as one closed segment; returns the records written.

    A param already stored with another value is left as it is (the first import wins, as a
    param never changes); tags take the imported value; metric points already present (same
    key, step, timestamp and value) are not written twice.
    """
    records = _info_records(run.info, stored)
    records += _param_records(run, stored)
    records += _tag_records(run, stored)
    records += _metric_records(run, stored)
    if not records:
        return 0
    store._ensure_format()
    head = json.dumps(["h", SEGMENT_VERSION, run.info.run_id], separators=(",", ":"))
    lines = [head, *(json.dumps(r, separators=(",", ":")) for r in records), '["c"]']
    path = f"{SEGMENT_DIR}/{unique_name(suffix=f'.{run.info.run_id}.jsonl')}"
    store.fs.write_atomic(path, ("\n".join(lines) + "\n").encode())
    store.fs.sync()  # a closed segment, like a run's at its end
    store._infos[run.info.run_id] = run.info  # later writes to the run need not read the store
    store._params.pop(run.info.run_id, None)
    return len(records)


def _info_records(info: RunInfo, stored: StoredRun | None) -> list[list[Any]]:
    updated_at = int(info.end_time or info.start_time) * 1_000_000
    record: list[Any] = [
        "r", info.run_id, info.experiment_id, info.run_name, info.status.value,
        info.start_time, info.end_time, info.parent_run_id, info.user, info.host, info.pid,
        updated_at,
    ]  # fmt: skip
    if stored is not None:
        old = stored.info
        same = [old["run_name"], old["status"], old["start_time"], old["end_time"],
                old["parent_run_id"], old["experiment_id"]]  # fmt: skip
        new = [info.run_name, info.status.value, info.start_time, info.end_time,
               info.parent_run_id, info.experiment_id]  # fmt: skip
        if same == new:
            return []
        record[-1] = max(updated_at, int(old["updated_at"]) + 1)
    return [record]


def _param_records(run: ImportedRun, stored: StoredRun | None) -> list[list[Any]]:
    have = stored.params if stored else {}
    out = []
    for key, value in run.params.items():
        validate_key("param", key)
        text, kind, num = encode_param(key, value)
        if key not in have:
            out.append(["p", key, text, kind, num, run.info.start_time])
    return out


def _tag_records(run: ImportedRun, stored: StoredRun | None) -> list[list[Any]]:
    have = stored.tags if stored else {}
    out = []
    for key, value in run.tags.items():
        validate_key("tag", key)
        text = tag_value(key, value)
        if have.get(key) != text:
            out.append(["t", key, text, run.info.start_time])
    return out


def _metric_records(run: ImportedRun, stored: StoredRun | None) -> list[list[Any]]:
    have = stored.points if stored else set()
    seen: set[tuple[str, int, int, float | None]] = set()
    out = []
    for m in run.metrics:
        validate_key("metric", m.key)
        value = metric_value(m.key, m.value)
        point = _point(m.key, m.step, m.timestamp, value)
        if point in have or point in seen:
            continue
        seen.add(point)
        out.append(["m", m.key, value, int(m.step), int(m.timestamp)])
    return out
