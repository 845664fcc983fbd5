"""Deleting and restoring, as MLflow does it: marks, not removals.

A run's lifecycle is its tag ``sktrack.lifecycle`` (``deleted`` or ``active``; absent means
active), so deleting is one more tag record and restoring another.  An experiment's lifecycle
is a series of small event files, ``lifecycle/experiments/<experiment_id>/<unique>.json``, the
newest of which says whether it is deleted: files are never rewritten, as everywhere in the
store.  Nothing is removed from disk.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ._fs import unique_name

if TYPE_CHECKING:
    from ._store import Store

__all__ = ["LIFECYCLE_TAG", "deleted_experiment_ids", "lifecycle_changed_at", "mark_experiment"]

LIFECYCLE_TAG = "sktrack.lifecycle"
_ROOT = "lifecycle/experiments"


def mark_experiment(store: Store, experiment_id: str, *, deleted: bool) -> None:
    """Record that the experiment is now deleted (or active again)."""
    doc = {"format_version": 1, "state": "deleted" if deleted else "active"}
    path = f"{_ROOT}/{experiment_id}/{unique_name(suffix='.json')}"
    store.fs.write_atomic(path, json.dumps(doc).encode())
    store.fs.sync()


def deleted_experiment_ids(store: Store) -> set[str]:
    """The ids of the experiments whose newest lifecycle event says deleted."""
    out = set()
    for exp_id in store.fs.list_dirs(_ROOT):
        events = store.fs.list(f"{_ROOT}/{exp_id}", ".json")
        if not events:
            continue
        try:
            state = json.loads(store.fs.read_bytes(events[-1].path)).get("state")
        except (ValueError, OSError):
            continue  # a damaged marker: the experiment stays as it was
        if state == "deleted":
            out.add(exp_id)
    return out


def lifecycle_changed_at(store: Store, experiment_id: str) -> int | None:
    """When the experiment was last deleted or restored (ms since the epoch), or None.
    Event names start with their creation time in nanoseconds."""
    events = store.fs.list(f"{_ROOT}/{experiment_id}", ".json")
    if not events:
        return None
    stamp = events[-1].path.rsplit("/", 1)[-1].split("-", 1)[0]
    return int(stamp) // 1_000_000 if stamp.isdigit() else None
