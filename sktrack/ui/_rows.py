"""A row of the runs table: one run with its params, metrics, tags and folded children, and a
search's progress read from its tags."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sktrack._tracking import refit_scorer

__all__ = ["BEST_TAG", "Progress", "RunRow", "progress_of"]

# Tags written by the tracked searches (sktrack._sklearn).
BEST_TAG = "sktrack.best"
_DONE_TAG = "sktrack.progress.candidates_done"
_TOTAL_TAG = "sktrack.progress.candidates_total"
_PHASE_TAG = "sktrack.progress.phase"


@dataclass(frozen=True)
class Progress:
    """How far a search has got: candidates done of total."""

    done: int
    total: int
    phase: str | None


@dataclass(frozen=True)
class RunRow:
    """One run of the table, with its params, metrics and tags, and its folded children."""

    run_id: str
    name: str
    status: str
    start_time: int
    end_time: int | None
    parent_run_id: str | None
    params: Mapping[str, Any]
    metrics: Mapping[str, float]
    tags: Mapping[str, str]
    children: tuple[RunRow, ...] = ()
    n_children: int = 0

    @property
    def best(self) -> bool:
        return self.tags.get(BEST_TAG) == "true"

    @property
    def progress(self) -> Progress | None:
        return progress_of(self.tags)

    @property
    def refit(self) -> str | None:
        """The scorer this run's search selected on (None if it is no search parent)."""
        return refit_scorer(self.params)

    def value(self, column: str) -> Any:
        """The value under a ``metrics.<k>`` or ``params.<k>`` column (None if absent); a
        search parent shows its ``best_<k>`` under ``params.<k>``."""
        kind, _, key = column.partition(".")
        if kind == "metrics":
            return self.metrics.get(key)
        return self.params.get(key, self.params.get(f"best_{key}"))

    def has(self, column: str) -> bool:
        kind, _, key = column.partition(".")
        if kind == "metrics":
            return key in self.metrics
        return key in self.params or f"best_{key}" in self.params


def progress_of(tags: Mapping[str, str]) -> Progress | None:
    """A search's progress from its parent's tags, or None for other runs."""
    try:
        done, total = int(tags[_DONE_TAG]), int(tags[_TOTAL_TAG])
    except (KeyError, ValueError):
        return None
    return Progress(done, total, tags.get(_PHASE_TAG))
