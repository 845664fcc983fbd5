"""One fit of a tracked search, as seen from the process that called ``fit``.

`SearchSession` opens the parent run at the first batch of candidates, updates its progress
tags after each batch, collects the batches' failed fits (`fit_failures`), and logs the
search when ``fit`` returns (`sktrack._search_logging.record_search`).  With ``verbose > 0``
a rich progress bar follows along, when rich is installed.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from sklearn.exceptions import FitFailedWarning

from .._store import Run, RunStatus
from ._cv_results import ranking_scorer, scorer_names
from ._search_children import BatchFailure
from ._search_logging import (
    check_top_k,
    open_parent,
    progress_tags,
    record_search,
    search_params,
    search_tags,
)

__all__ = ["SearchSession", "fit_failures"]


class SearchSession:
    """One fit of a tracked search: its parent run, progress, and the failures it saw."""

    def __init__(self, search: Any) -> None:
        self.search = search
        self.parent: Run | None = None
        self.owned = False
        self.done = 0
        self.total = 0
        self.failures: list[BatchFailure] = []
        self.bar: _ProgressBar | None = None
        self.store_location = ""

    def before_batch(self, n_candidates: int) -> None:
        search = self.search
        if self.parent is None:
            # opened at the first batch: scikit-learn has validated the params by then
            check_top_k(search.top_k)
            self.parent, self.owned = open_parent(None, search.run_name, search.experiment)
            self.total = search._sktrack_planned_candidates(n_candidates)
            tags = progress_tags(0, self.total, float("nan"), "search") | search_tags(search)
            self.parent.store.log(self.parent.run_id, params=search_params(search), tags=tags)
            if search.verbose > 0:
                self.bar = _ProgressBar.start(type(search).__name__, self.total)

    def after_batch(self, results: dict[str, Any], n_candidates: int, warned: list[str]) -> None:
        assert self.parent is not None
        start, self.done = self.done, self.done + n_candidates
        if warned:
            self.failures.append(BatchFailure.from_warning(start, self.done, warned[-1]))
        self.total = max(self.total, self.done)
        key = f"mean_test_{ranking_scorer(self.search, scorer_names(results))}"
        scores = np.asarray(results[key], dtype=float)
        best = float(scores[~np.isnan(scores)].max()) if (~np.isnan(scores)).any() else np.nan
        phase = "refit" if self.done >= self.total else "search"
        tags = progress_tags(self.done, self.total, best, phase)
        self.parent.store.log(self.parent.run_id, tags=tags)
        if self.bar is not None:
            self.bar.update(self.done, self.total)

    def finish(self, X: Any, y: Any, sample_weight: Any) -> tuple[str, list[str]]:
        if self.bar is not None:
            self.bar.stop()
        if self.parent is None:  # pragma: no cover - fit always evaluates a batch
            raise AssertionError("the search evaluated no candidates")
        search = self.search
        try:
            children = record_search(
                self.parent,
                search,
                X,
                y,
                top_k=search.top_k,
                log_model=search.log_model,
                sample_weight=sample_weight,
                failures=self.failures,
            )
        except BaseException:
            self.abort()
            raise
        if self.owned:
            self.parent.end(RunStatus.FINISHED)
        self.store_location = self.parent.store.location
        return self.parent.run_id, children

    def abort(self) -> None:
        if self.bar is not None:
            self.bar.stop()
        if self.parent is not None and self.owned:
            self.parent.end(RunStatus.FAILED)


class _ProgressBar:
    """A terminal progress bar drawn with rich (the ``progress`` extra), when installed."""

    def __init__(self, progress: Any, task: Any) -> None:
        self.progress, self.task = progress, task

    @classmethod
    def start(cls, name: str, total: int) -> _ProgressBar | None:
        try:
            from rich.progress import Progress
        except ImportError:  # the bar is a nicety: without rich, scikit-learn's prints remain
            return None
        progress = Progress()
        progress.start()
        return cls(progress, progress.add_task(f"{name}: candidates", total=total))

    def update(self, done: int, total: int) -> None:
        self.progress.update(self.task, completed=done, total=total)

    def stop(self) -> None:
        self.progress.stop()


@contextmanager
def fit_failures() -> Iterator[list[str]]:
    """Collect the text of the FitFailedWarnings issued inside the block.

    scikit-learn puts the tracebacks of failed fits only in that warning (not in
    ``cv_results_``).  The warning is shown exactly as it would have been: the filters are
    left alone (an ignored warning is neither shown nor collected), and every warning is
    passed on to the display function that was in place.
    """
    collected: list[str] = []
    previous = warnings.showwarning

    def show(message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
        if issubclass(category, FitFailedWarning):
            collected.append(str(message))
        previous(message, category, *args, **kwargs)

    warnings.showwarning = show
    try:
        yield collected
    finally:
        warnings.showwarning = previous
