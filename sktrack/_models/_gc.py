"""`sktrack gc`: remove for good what was deleted — runs marked with `delete_run` and
registered models removed with `delete_registered_model` — optionally only what was deleted
longer ago than ``older_than``.

A run goes whole: its rows leave every table (a full compaction that leaves them out), its
segments and its artifacts are deleted.  A run still RUNNING (its segment is open) is skipped
and reported.  Models registered from a removed run keep working: the registry holds its own
copy.  Runs of a deleted experiment are removed only if they were deleted themselves.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import timedelta

from .._store import LIFECYCLE_TAG, RunStatus
from .._tracking import get_store
from ..exceptions import InvalidArgumentError, StoreError
from ._registry_search import _tree, deleted_models

__all__ = ["GcReport", "gc"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


@dataclass(frozen=True)
class GcReport:
    """What `gc` removed (or, with ``dry_run``, would remove)."""

    runs: tuple[str, ...]
    models: tuple[str, ...]  # names of the deleted registered models
    files: int  # artifact and registry files removed
    skipped: tuple[tuple[str, str], ...]  # (run_id, why)
    dry_run: bool


def gc(*, older_than: timedelta | str | None = None, dry_run: bool = False) -> GcReport:
    """Remove deleted runs and deleted registered models from the store for good.

    Parameters
    ----------
    older_than : timedelta or str, optional
        Only what was deleted at least this long ago, e.g. ``timedelta(days=30)`` or
        ``"30d"`` (units ``s, m, h, d, w``); default: everything deleted.
    dry_run : bool, default False
        Only list what would go.

    Returns
    -------
    GcReport

    Examples
    --------
    >>> import sktrack, tempfile
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> with sktrack.start_run() as run:
    ...     sktrack.log_metric("r2", 0.5)
    >>> sktrack.delete_run(run.run_id)
    >>> sktrack.gc(dry_run=True).runs == (run.run_id,)
    True
    >>> _ = sktrack.gc()
    >>> sktrack.search_runs(run_view_type="all").empty
    True
    """
    cutoff = time.time_ns() // 1_000_000 - _millis(older_than)
    store = get_store()
    runs, skipped = _deleted_runs(cutoff)
    models = [(p, m) for p, m in deleted_models(store.fs) if int(m.get("deleted_at", 0)) <= cutoff]
    files = [p for run_id in runs for p in _tree(store.fs, store.artifact_dir(run_id))]
    files += [p for folder, _ in models for p in _tree(store.fs, folder)]
    if not dry_run:
        if runs and "skipped" in store.compact(full=True, drop_runs=frozenset(runs)):
            raise StoreError(
                f"sktrack gc: a compaction of store {store.location} is running (compaction."
                "lease); nothing was removed. Run gc again when it has finished"
            )
        for path in files:
            store.fs.delete(path)
    names = tuple(str(m.get("name", folder.rsplit("/", 1)[-1])) for folder, m in models)
    return GcReport(tuple(runs), names, len(files), tuple(skipped), dry_run)


def _millis(older_than: object) -> int:
    if older_than is None:
        return 0
    if isinstance(older_than, timedelta):
        return int(older_than.total_seconds() * 1000)
    match = (
        re.fullmatch(r"\s*(\d+)\s*([smhdw])\s*", older_than)
        if isinstance(older_than, str)
        else None
    )
    if match is None:
        raise InvalidArgumentError(
            f"older_than={older_than!r}; pass a timedelta or a duration such as '30d', '12h', "
            "'90m' (units s, m, h, d, w)"
        )
    return int(match[1]) * _UNITS[match[2]] * 1000


def _deleted_runs(cutoff: int) -> tuple[list[str], list[tuple[str, str]]]:
    """Runs whose lifecycle tag says deleted, set at or before ``cutoff`` (ms)."""
    import pyarrow.compute as pc

    snap = get_store().snapshot()
    tags = snap.tags.filter(
        pc.and_(pc.equal(snap.tags["key"], LIFECYCLE_TAG), pc.equal(snap.tags["value"], "deleted"))
    )
    status = dict(
        zip(snap.runs["run_id"].to_pylist(), snap.runs["status"].to_pylist(), strict=True)
    )
    runs, skipped = [], []
    for run_id, stamp in zip(
        tags["run_id"].to_pylist(), tags["timestamp"].to_pylist(), strict=True
    ):
        if stamp > cutoff:
            continue
        if status.get(run_id) == RunStatus.RUNNING.value:
            skipped.append((run_id, "still RUNNING (end it, or sktrack doctor for a dead one)"))
        else:
            runs.append(run_id)
    return sorted(runs), skipped
