"""Reading the store: list, skip what compaction superseded, merge, reduce to current state.

Files never change once published (segments only grow until closed), so every file read is
cached by (path, size, mtime), and the whole reduced snapshot by the listing it came from:
a second search over an unchanged store reads nothing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..exceptions import StoreError
from ._fs import FileInfo, FileSystem
from ._schema import TABLES, schema, upgrade
from ._wal import SEGMENT_DIR, ParsedSegment, parse_segment, pid_alive, segment_pid, warn_damaged

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "Reader",
    "Snapshot",
    "last_per_group",
    "rebuilt_segment",
    "segment_table",
    "table_dir",
]

_RETRIES = 8


def table_dir(table: str) -> str:
    return f"tables/{table}"


@dataclass(frozen=True)
class _ParquetFile:
    data: pa.Table | None  # None: damaged
    supersedes: tuple[str, ...]
    reduced: bool  # compaction already kept one row per key (and sorted)
    error: str = ""


@dataclass(frozen=True)
class Snapshot:
    """The store's current state, reduced: one row per run, per (run, key) param, tag and
    latest metric; ``metrics`` keeps the whole history."""

    experiments: pa.Table
    runs: pa.Table
    params: pa.Table
    metrics: pa.Table
    latest_metrics: pa.Table
    tags: pa.Table
    damaged: tuple[str, ...]
    #: why each damaged file (or some of its lines) could not be read, by path
    damage: dict[str, str] = field(default_factory=dict, compare=False)


def last_per_group(data: pa.Table, keys: list[str], order: list[str], presorted: bool) -> pa.Table:
    """Keep the last row of each ``keys`` group, by ``order`` (vectorised: sort, then compare
    each row's keys with the next row's)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if data.num_rows == 0:
        return data
    if not presorted:
        idx = pc.sort_indices(data, [(k, "ascending") for k in keys + order])
        data = data.take(idx)
    last = None
    for k in keys:
        col = data[k].combine_chunks()
        differs = pc.not_equal(col.slice(0, len(col) - 1), col.slice(1))
        differs = pc.fill_null(differs, True)
        last = differs if last is None else pc.or_(last, differs)
    assert last is not None
    mask = pa.concat_arrays([last, pa.array([True])])
    return data.filter(mask)


class Reader:
    """Reads one store; keep one per store to benefit from its caches."""

    def __init__(self, fs: FileSystem) -> None:
        self.fs = fs
        self._files: dict[str, tuple[int, int, Any]] = {}
        self._snapshot: tuple[tuple[FileInfo, ...], Snapshot] | None = None
        self._base_cache: tuple[tuple[FileInfo, ...], dict[str, pa.Table]] | None = None

    # -- files -------------------------------------------------------------------------

    def _cached(self, info: FileInfo, load: Any) -> Any:
        hit = self._files.get(info.path)
        if hit is not None and hit[0] == info.size and hit[1] == info.mtime_ns:
            return hit[2]
        value = load(info)
        self._files[info.path] = (info.size, info.mtime_ns, value)
        return value

    def load_parquet(self, info: FileInfo) -> _ParquetFile:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = info.path.split("/")[1]
        try:
            raw = self.fs.read_bytes(info.path)
            pf = pq.read_table(pa.BufferReader(raw))
            meta = pf.schema.metadata or {}
            version = int(meta.get(b"sktrack.schema_version", b"1"))
            supersedes = tuple(json.loads(meta.get(b"sktrack.supersedes", b"[]")))
            if not all(isinstance(s, str) for s in supersedes):
                raise ValueError("sktrack.supersedes is not a list of paths")
            reduced = meta.get(b"sktrack.reduced") == b"true"
            data = upgrade(table, pf.replace_schema_metadata(None), version)
            _check_values(table, data)
        except FileNotFoundError:
            raise
        except (OSError, pa.ArrowException, ValueError, TypeError, KeyError, _BadRows) as exc:
            return _ParquetFile(None, (), False, f"{type(exc).__name__}: {exc}")
        return _ParquetFile(data, supersedes, reduced)

    def load_segment(self, info: FileInfo) -> ParsedSegment:
        data = self.fs.read_bytes(info.path)
        # an empty segment of a live writer is one being created right now
        alive = not data and pid_alive(segment_pid(info.path))
        return parse_segment(info.path, data, writer_alive=alive)

    # -- snapshot ----------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        """The current state; retried when compaction deletes a file between list and read."""
        for _ in range(_RETRIES):
            try:
                return self._snapshot_once()
            except FileNotFoundError:
                continue
        raise StoreError(
            f"store {self.fs.location} kept changing under the reader ({_RETRIES} tries); "
            "try again, or run `sktrack doctor`"
        )

    def experiment_names(self) -> set[str]:
        """The experiments' names, reading only the files that hold experiments: starting a
        run in a fresh process need not read the whole store."""
        names = {
            row[1]
            for f in self.fs.list(SEGMENT_DIR, ".experiments.jsonl")
            for row in self._cached(f, self.load_segment).rows["experiments"]
            if len(row) == 3 and isinstance(row[1], str)
        }
        for f in self.fs.list(table_dir("experiments"), ".parquet"):
            data = self._cached(f, self.load_parquet).data
            if data is not None:
                names.update(data["name"].to_pylist())
        return names

    def listing(self) -> tuple[list[FileInfo], dict[str, list[FileInfo]]]:
        # segments first: a compaction that publishes after this listing is then either seen
        # with its sources (skipped as superseded) or not seen at all (sources read)
        segments = self.fs.list(SEGMENT_DIR, ".jsonl")
        parquet = {t: self.fs.list(table_dir(t), ".parquet") for t in TABLES}
        return segments, parquet

    def _snapshot_once(self) -> Snapshot:
        segments, parquet = self.listing()
        key = (*segments, *(f for t in TABLES for f in parquet[t]))
        if self._snapshot is not None and self._snapshot[0] == key:
            return self._snapshot[1]
        snap = self._build(segments, parquet)
        self._snapshot = (key, snap)
        self._forget_missing({f.path for f in key})
        return snap

    def _forget_missing(self, present: set[str]) -> None:
        for path in [p for p in self._files if p not in present]:
            del self._files[path]

    def _build(self, segments: list[FileInfo], parquet: dict[str, list[FileInfo]]) -> Snapshot:
        files = {t: [(f, self._cached(f, self.load_parquet)) for f in parquet[t]] for t in TABLES}
        superseded = {t: {s for _, pf in files[t] for s in pf.supersedes} for t in TABLES}
        damage = {
            f.path: f"cannot be read ({pf.error})"
            for t in TABLES
            for f, pf in files[t]
            if pf.data is None and f.path not in superseded[t]
        }
        parsed = [(f, self._cached(f, self.load_segment)) for f in segments]
        gone = set().union(*superseded.values())
        damage.update(
            (f.path, seg.problem) for f, seg in parsed if seg.problem and f.path not in gone
        )
        base = self._base(files, superseded)
        delta = _reduce({t: segment_table(t, parsed, superseded[t], damage) for t in TABLES})
        for path, problem in damage.items():
            warn_damaged(path, problem, stacklevel=5)
        damaged = [f.path for t in TABLES for f, pf in files[t] if pf.data is None]
        damaged += [p for p in damage if p not in damaged]
        state = _combine(base, delta)
        return Snapshot(
            experiments=state["experiments"],
            runs=_name_experiments(state["runs"], state["experiments"]),
            params=state["params"],
            metrics=state["metrics"],
            latest_metrics=state["latest_metrics"].select(["run_id", "key", "value"]),
            tags=state["tags"],
            damaged=tuple(damaged),
            damage=damage,
        )

    def _base(
        self, files: dict[str, list[tuple[FileInfo, _ParquetFile]]], superseded: dict[str, set[str]]
    ) -> dict[str, pa.Table]:
        """The reduced state of the Parquet files alone, kept until they change: segments
        come and go far more often, and are merged into it cheaply (`_combine`)."""
        key = tuple(f for t in TABLES for f, _ in files[t])
        if self._base_cache is not None and self._base_cache[0] == key:
            return self._base_cache[1]
        tables = {}
        for t in TABLES:
            live = [pf for f, pf in files[t] if pf.data is not None and f.path not in superseded[t]]
            if not live:
                tables[t] = (schema(t).empty_table(), True)
            elif len(live) == 1:
                tables[t] = (live[0].data, live[0].reduced)
            else:
                tables[t] = (_concat([pf.data for pf in live]), False)
        base = _reduce(tables)
        self._base_cache = (key, base)
        return base


def _concat(parts: list[Any]) -> pa.Table:
    import pyarrow as pa

    return pa.concat_tables(parts)


class _BadRows(Exception):
    """Rows that do not fit their table's schema."""


# columns a row cannot do without, and the closed vocabularies some columns keep
_REQUIRED = {
    "experiments": ("experiment_id", "name"),
    "runs": ("run_id", "experiment_id", "status"),
    "params": ("run_id", "key", "value_type"),
    "metrics": ("run_id", "key"),
    "tags": ("run_id", "key"),
}
_VOCABULARY = {
    "runs": ("status", ("RUNNING", "FINISHED", "FAILED", "KILLED")),
    "params": ("value_type", ("bool", "int", "float", "str", "none", "repr")),
}


def _check_values(table: str, data: pa.Table) -> None:
    """Refuse rows that have the schema's types but not its meaning (vectorised)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for column in _REQUIRED[table]:
        if data[column].null_count:
            raise _BadRows(f"{column} is missing in {data[column].null_count} row(s)")
    if table in _VOCABULARY and data.num_rows:
        column, allowed = _VOCABULARY[table]
        known = pc.is_in(data[column], value_set=pa.array(allowed))
        if not pc.all(known).as_py():
            raise _BadRows(f"unknown {column} values")


def _rows_table(table: str, rows: list[list[Any]]) -> pa.Table:
    """Segment rows of ``table`` as an Arrow table, or `_BadRows` if any row does not fit."""
    import pyarrow as pa

    sch = schema(table)
    try:
        columns = list(zip(*rows, strict=True))
        if len(columns) != len(sch):
            raise ValueError(f"rows have {len(columns)} fields, not {len(sch)}")
        data = pa.table(
            {
                n: pa.array(c, type=sch.field(n).type)
                for n, c in zip(sch.names, columns, strict=True)
            }
        )
    except (ValueError, TypeError, OverflowError, pa.ArrowException) as exc:
        raise _BadRows(f"{type(exc).__name__}: {exc}") from None
    _check_values(table, data)
    return data


def segment_table(
    table: str,
    parsed: list[tuple[FileInfo, ParsedSegment]],
    superseded: set[str],
    damage: dict[str, str],
) -> tuple[pa.Table, bool]:
    """The rows that live segments hold for ``table`` (not reduced), as one Arrow table.

    All rows are converted at once; only if that fails is each segment, and then each row of
    a failing segment, converted alone, so that exactly the rows that do not fit are skipped
    (and their segment is named in ``damage``).
    """
    segments = [(f, seg) for f, seg in parsed if seg.rows[table] and f.path not in superseded]
    if not segments:
        return schema(table).empty_table(), True
    try:
        return _rows_table(table, [r for _, seg in segments for r in seg.rows[table]]), False
    except _BadRows:
        pass
    parts = []
    for f, seg in segments:
        try:
            parts.append(_rows_table(table, seg.rows[table]))
            continue
        except _BadRows:
            pass
        good = [row for row in seg.rows[table] if _fits(table, row)]
        bad = len(seg.rows[table]) - len(good)
        problem = f"has {bad} {table} record(s) of the wrong shape or type"
        damage[f.path] = f"{damage[f.path]}; {problem}" if f.path in damage else problem
        if good:
            parts.append(_rows_table(table, good))
    if not parts:
        return schema(table).empty_table(), True
    return _concat(parts), False


def rebuilt_segment(path: str, data: bytes) -> bytes | None:
    """A closed segment holding exactly the lines of ``data`` that a reader can use (None
    when there is none): what `sktrack doctor --repair` puts in a damaged segment's place."""
    from ._wal import SEGMENT_VERSION, segment_run_id

    header = json.dumps(["h", SEGMENT_VERSION, segment_run_id(path)]).encode() + b"\n"
    kept = []
    for line in data.splitlines():
        seg = parse_segment(path, header + line)
        if seg.problem or seg.run_id is None:
            continue
        has_rows = any(seg.rows[t] for t in TABLES)
        if has_rows and all(_fits(t, row) for t in TABLES for row in seg.rows[t]):
            kept.append(line + b"\n")
    if not kept:
        return None
    return header + b"".join(kept) + b'["c"]\n'


def _fits(table: str, row: list[Any]) -> bool:
    try:
        _rows_table(table, [row])
    except _BadRows:
        return False
    return True


# how each table reduces to its current state: group keys, then the order within a group
_GROUPS = {
    "experiments": (["experiment_id"], ["created_at"]),
    "runs": (["run_id"], ["updated_at"]),
    "params": (["run_id", "key"], ["timestamp"]),
    "tags": (["run_id", "key"], ["timestamp"]),
}
_METRIC_ORDER = [(c, "ascending") for c in ("run_id", "key", "step", "timestamp")]


def _reduce(tables: dict[str, tuple[pa.Table, bool]]) -> dict[str, pa.Table]:
    """Current state of each table: one row per group; metrics keep their history, and their
    latest values (highest step, then newest) go to ``latest_metrics``."""
    import pyarrow.compute as pc

    out = {}
    for t, (keys, order) in _GROUPS.items():
        data, reduced = tables[t]
        presorted = reduced and t != "experiments"
        out[t] = (
            data if reduced and t != "experiments" else last_per_group(data, keys, order, presorted)
        )
    metrics, msorted = tables["metrics"]
    if not msorted and metrics.num_rows:
        metrics = metrics.take(pc.sort_indices(metrics, _METRIC_ORDER))
    out["metrics"] = metrics
    out["latest_metrics"] = last_per_group(metrics, ["run_id", "key"], ["step", "timestamp"], True)
    return out


def _combine(base: dict[str, pa.Table], delta: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """Merge a small reduced ``delta`` into a large reduced ``base``: only the groups that
    ``delta`` touches are reduced again; the rest of ``base`` is kept as it is."""
    import pyarrow.compute as pc

    out = {}
    for t, (keys, order) in _GROUPS.items():
        out[t] = _override(
            base[t],
            delta[t],
            keys[0],
            lambda rows, k=keys, o=order: last_per_group(rows, k, o, False),
        )
    out["metrics"] = (
        _concat([base["metrics"], delta["metrics"]])
        if delta["metrics"].num_rows
        else base["metrics"]
    )

    def latest(rows: pa.Table) -> pa.Table:  # from the whole history of the touched runs
        touched = pc.is_in(base["metrics"]["run_id"], value_set=pc.unique(rows["run_id"]))
        history = _concat([base["metrics"].filter(touched), rows])
        history = history.take(pc.sort_indices(history, _METRIC_ORDER))
        return last_per_group(history, ["run_id", "key"], ["step", "timestamp"], True)

    out["latest_metrics"] = _override(base["latest_metrics"], delta["metrics"], "run_id", latest)
    return out


def _override(base: pa.Table, delta: pa.Table, column: str, reduce: Any) -> pa.Table:
    """``base`` with every group whose ``column`` value ``delta`` mentions reduced again
    together with ``delta``'s rows."""
    import pyarrow.compute as pc

    if delta.num_rows == 0:
        return base
    touched = pc.is_in(base[column], value_set=pc.unique(delta[column]))
    if not pc.any(touched).as_py():
        return _concat([base, reduce(delta)])
    return _concat(
        [base.filter(pc.invert(touched)), reduce(_concat([base.filter(touched), delta]))]
    )


def _name_experiments(runs: pa.Table, experiments: pa.Table) -> pa.Table:
    """Add the experiment's name beside its id."""
    import pyarrow.compute as pc

    idx = pc.index_in(runs["experiment_id"], value_set=experiments["experiment_id"])
    names = pc.take(experiments["name"], idx)
    return runs.append_column("experiment", names)
