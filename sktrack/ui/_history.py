"""A registered model's history as the model page tells it: every version's registration and
every change, newest first, with what a stage move really archived.

The registry's event log records the request (``archive_existing``); which versions it
archived follows from replaying the log over the versions, oldest first.  A move that found
no other version in that stage archived nothing, and the history says nothing of archiving.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sktrack
from sktrack import registry

__all__ = ["HistoryEntry", "model_history"]

_ARCHIVING_STAGES = ("Staging", "Production")


@dataclass(frozen=True)
class HistoryEntry:
    """One line of the history: a registry event, or a version's registration."""

    timestamp: int
    user: str
    kind: str  # registered, or a RegistryEvent kind
    event: registry.RegistryEvent | None
    version: sktrack.ModelVersion | None = None
    archived: tuple[int, ...] = ()  # versions a stage move sent to Archived


def model_history(
    versions: Sequence[sktrack.ModelVersion], events: Sequence[registry.RegistryEvent]
) -> list[HistoryEntry]:
    """``versions``' registrations and ``events``, replayed oldest first; newest first."""
    timeline: list[tuple[int, int, HistoryEntry]] = [
        (mv.created_at, 0, HistoryEntry(mv.created_at, mv.created_by, "registered", None, mv))
        for mv in versions
    ]
    timeline += [(e.timestamp, 1, HistoryEntry(e.timestamp, e.user, e.kind, e)) for e in events]
    timeline.sort(key=lambda item: (item[0], item[1]))
    stages: dict[int, str] = {}
    out = []
    for _, _, entry in timeline:
        if entry.kind == "registered" and entry.version is not None:
            stages[entry.version.version] = "None"
        elif entry.kind == "stage" and entry.event is not None:
            entry = _replay_stage(entry, stages)
        out.append(entry)
    return out[::-1]


def _replay_stage(entry: HistoryEntry, stages: dict[int, str]) -> HistoryEntry:
    event = entry.event
    assert event is not None and event.version is not None
    stage = str(event.stage)
    archived: tuple[int, ...] = ()
    if event.archive_existing and stage in _ARCHIVING_STAGES:
        archived = tuple(sorted(v for v, s in stages.items() if s == stage and v != event.version))
        for v in archived:
            stages[v] = "Archived"
    stages[event.version] = stage
    return HistoryEntry(entry.timestamp, entry.user, entry.kind, event, archived=archived)
