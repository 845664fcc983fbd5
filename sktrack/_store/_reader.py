"""Reading the store: list, skip what compaction superseded, merge, reduce to current state.

Files never change once published (segments only grow until closed), so every file read is
cached by (path, size, mtime), and the whole reduced snapshot by the listing it came from:
a second search over an unchanged store reads nothing.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._fs import FileInfo, FileSystem
from ..exceptions import DamagedFileWarning, StoreError
from ._schema import TABLES, schema, upgrade
from ._wal import SEGMENT_DIR, ParsedSegment, parse_segment

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["Reader", "Snapshot", "last_per_group", "table_dir"]

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
    open_segments: tuple[str, ...]
    damaged: tuple[str, ...]


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

    # -- files -------------------------------------------------------------------------

    def _cached(self, info: FileInfo, load: Any) -> Any:
        hit = self._files.get(info.path)
        if hit is not None and hit[0] == info.size and hit[1] == info.mtime_ns:
            return hit[2]
        value = load(info)
        self._files[info.path] = (info.size, info.mtime_ns, value)
        return value

    def _load_parquet(self, info: FileInfo) -> _ParquetFile:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = info.path.split("/")[1]
        try:
            raw = self.fs.read_bytes(info.path)
            pf = pq.read_table(pa.BufferReader(raw))
        except FileNotFoundError:
            raise
        except (OSError, pa.ArrowException, ValueError) as exc:
            return _ParquetFile(None, (), False, f"{type(exc).__name__}: {exc}")
        meta = pf.schema.metadata or {}
        version = int(meta.get(b"sktrack.schema_version", b"1"))
        supersedes = tuple(json.loads(meta.get(b"sktrack.supersedes", b"[]")))
        reduced = meta.get(b"sktrack.reduced") == b"true"
        return _ParquetFile(
            upgrade(table, pf.replace_schema_metadata(None), version), supersedes, reduced
        )

    def _load_segment(self, info: FileInfo) -> ParsedSegment:
        return parse_segment(info.path, self.fs.read_bytes(info.path))

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
        files = {t: [(f, self._cached(f, self._load_parquet)) for f in parquet[t]] for t in TABLES}
        superseded = {t: {s for _, pf in files[t] for s in pf.supersedes} for t in TABLES}
        damaged = [f.path for t in TABLES for f, pf in files[t] if pf.data is None]
        for t in TABLES:
            for f, pf in files[t]:
                if pf.data is None and f.path not in superseded[t]:
                    warnings.warn(
                        f"store file {f.path} cannot be read ({pf.error}); it was skipped, and "
                        "what it held is missing from the results. `sktrack doctor` lists it.",
                        DamagedFileWarning,
                        stacklevel=5,
                    )
        parsed = [(f, self._cached(f, self._load_segment)) for f in segments]
        open_segments = tuple(f.path for f, seg in parsed if not seg.closed)
        tables = {t: self._merge(t, files[t], parsed, superseded[t]) for t in TABLES}
        return self._reduce(tables, open_segments, tuple(damaged))

    def _merge(
        self,
        table: str,
        files: list[tuple[FileInfo, _ParquetFile]],
        parsed: list[tuple[FileInfo, ParsedSegment]],
        superseded: set[str],
    ) -> tuple[pa.Table, bool]:
        """All live rows of ``table``, and whether they are already reduced and sorted."""
        import pyarrow as pa

        parts = [pf.data for f, pf in files if pf.data is not None and f.path not in superseded]
        reduced = len(parts) == 1 and all(
            pf.reduced for f, pf in files if pf.data is not None and f.path not in superseded
        )
        rows = [r for f, seg in parsed if f.path not in superseded for r in seg.rows[table]]
        if rows:
            names = schema(table).names
            columns = list(zip(*rows, strict=True))
            parts.append(
                pa.table(
                    {
                        n: pa.array(c, type=schema(table).field(n).type)
                        for n, c in zip(names, columns, strict=True)
                    }
                )
            )
            reduced = False
        if not parts:
            return schema(table).empty_table(), True
        merged = parts[0] if len(parts) == 1 else pa.concat_tables(parts)
        return merged, reduced

    def _reduce(
        self,
        tables: dict[str, tuple[pa.Table, bool]],
        open_segments: tuple[str, ...],
        damaged: tuple[str, ...],
    ) -> Snapshot:
        experiments, _ = tables["experiments"]
        experiments = last_per_group(experiments, ["experiment_id"], ["created_at"], False)
        runs = last_per_group(*_with(tables["runs"], ["run_id"], ["updated_at"]))
        params = last_per_group(*_with(tables["params"], ["run_id", "key"], ["timestamp"]))
        tags = last_per_group(*_with(tables["tags"], ["run_id", "key"], ["timestamp"]))
        metrics, msorted = tables["metrics"]
        if not msorted and metrics.num_rows:
            import pyarrow.compute as pc

            order = [
                ("run_id", "ascending"),
                ("key", "ascending"),
                ("step", "ascending"),
                ("timestamp", "ascending"),
            ]
            metrics = metrics.take(pc.sort_indices(metrics, order))
        latest = last_per_group(metrics, ["run_id", "key"], ["step", "timestamp"], True)
        return Snapshot(
            experiments=experiments,
            runs=_name_experiments(runs, experiments),
            params=params,
            metrics=metrics,
            latest_metrics=latest.select(["run_id", "key", "value"]),
            tags=tags,
            open_segments=open_segments,
            damaged=damaged,
        )


def _with(
    merged: tuple[pa.Table, bool], keys: list[str], order: list[str]
) -> tuple[pa.Table, list[str], list[str], bool]:
    return merged[0], keys, order, merged[1]


def _name_experiments(runs: pa.Table, experiments: pa.Table) -> pa.Table:
    """Add the experiment's name beside its id."""
    import pyarrow.compute as pc

    idx = pc.index_in(runs["experiment_id"], value_set=experiments["experiment_id"])
    names = pc.take(experiments["name"], idx)
    return runs.append_column("experiment", names)
