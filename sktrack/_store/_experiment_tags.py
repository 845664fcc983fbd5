"""Experiment tags, as MLflow's: small event files, never rewritten.

Each change is one file ``experiment-tags/<experiment_id>/<unique>.json`` holding
``{"format_version": 1, "key": ..., "value": ..., "timestamp": ms}`` (``value`` null: the tag
was deleted).  The tags are the events replayed in name order (names sort by creation time);
a damaged event file is skipped, the others still apply.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ._fs import unique_name
from ._values import tag_value, validate_key

if TYPE_CHECKING:
    from ._store import Store

__all__ = ["experiment_tag_events", "experiment_tags", "write_experiment_tag"]

_ROOT = "experiment-tags"


def write_experiment_tag(store: Store, experiment_id: str, key: str, value: str | None) -> None:
    """Set (or, with ``value=None``, delete) one tag of an experiment."""
    import time

    key = validate_key("tag", key)
    if value is not None:
        value = tag_value(key, value)
    doc = {
        "format_version": 1,
        "key": key,
        "value": value,
        "timestamp": time.time_ns() // 1_000_000,
    }
    path = f"{_ROOT}/{experiment_id}/{unique_name(suffix='.json')}"
    store.fs.write_atomic(path, json.dumps(doc).encode())


def experiment_tag_events(store: Store, experiment_id: str) -> list[dict[str, object]]:
    """The tag events of an experiment, oldest first (damaged files left out)."""
    events = []
    for info in store.fs.list(f"{_ROOT}/{experiment_id}", ".json"):
        try:
            doc = json.loads(store.fs.read_bytes(info.path))
        except (ValueError, OSError):
            continue
        if isinstance(doc, dict) and doc.get("format_version") == 1 and "key" in doc:
            events.append(doc)
    return events


def experiment_tags(store: Store, experiment_id: str) -> dict[str, str]:
    """The current tags of an experiment."""
    tags: dict[str, str] = {}
    for event in experiment_tag_events(store, experiment_id):
        key, value = str(event["key"]), event.get("value")
        if value is None:
            tags.pop(key, None)
        else:
            tags[key] = str(value)
    return tags
