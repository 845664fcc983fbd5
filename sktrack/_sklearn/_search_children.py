"""A search's children: the ``top_k`` best candidates as child runs of its parent, best first,
each with its params, its cross-validation metrics and, when its fits failed, the error."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._store import MAX_VALUE_LENGTH, Run, RunStatus
from .._tracking import start_run
from ._cv_results import best_index, failed_splits, param_value, ranking_scorer, scorer_names

__all__ = ["BatchFailure", "log_children", "select_candidates"]

# Per-candidate columns of cv_results_ that children carry as metrics (besides the scorers').
_TIME_COLUMNS = ("mean_fit_time", "std_fit_time", "mean_score_time", "std_score_time")
_HALVING_COLUMNS = ("iter", "n_resources")


@dataclass(frozen=True)
class BatchFailure:
    """The failed fits of one batch of candidates (indices ``start`` to ``stop - 1``): the
    error (the last line of each distinct traceback) and scikit-learn's report of them."""

    start: int
    stop: int
    error: str
    traceback: str

    @classmethod
    def from_warning(cls, start: int, stop: int, message: str) -> BatchFailure:
        """Parse a FitFailedWarning: one traceback per distinct error, after a count line."""
        details = message.split("Below are more details about the failures:\n", 1)[-1]
        blocks = [b.strip() for b in details.split("-" * 80 + "\n") if b.strip()]
        tracebacks = [b.split("\n", 1)[-1].strip() for b in blocks]
        errors = [t.strip().splitlines()[-1] for t in tracebacks if t.strip()]
        traceback = tracebacks[0] if len(tracebacks) == 1 else details.strip()
        return cls(start, stop, "; ".join(errors) or details.strip(), traceback)


def select_candidates(search: Any, top_k: int | None) -> list[int]:
    """Indices into ``cv_results_`` of the candidates to log as children, best first.

    The refit winner (``best_index_``) comes first; the rest follow the ranking scorer's rank.
    A successive-halving search evaluates a candidate once per iteration it survives: a
    candidate counts once, at its last iteration, and later iterations rank first (scores
    on more resources are the ones to trust, as scikit-learn's own choice of the best does).
    """
    results = search.cv_results_
    ranks = np.asarray(results[f"rank_test_{ranking_scorer(search, scorer_names(results))}"])
    n = len(ranks)
    iters = np.asarray(results["iter"]) if "iter" in results else np.zeros(n, dtype=int)
    order = [int(i) for i in np.lexsort((np.arange(n), ranks, -iters))]
    best = best_index(search)
    if best is not None:
        order.remove(best)
        order.insert(0, best)
    if "iter" in results:
        order = _once_per_candidate(order, results["params"], getattr(search, "resource", None))
    return order if top_k is None else order[:top_k]


def _once_per_candidate(
    order: list[int], params: Sequence[Mapping[str, Any]], resource: Any
) -> list[int]:
    seen: set[str] = set()
    kept = []
    for index in order:
        # a resource other than n_samples is set as a param, with a new value each iteration
        key = repr(sorted((k, repr(v)) for k, v in params[index].items() if k != resource))
        if key not in seen:
            seen.add(key)
            kept.append(index)
    return kept


def log_children(
    parent: Run,
    search: Any,
    scorers: Sequence[str],
    best: int | None,
    top_k: int | None,
    failures: Sequence[BatchFailure],
) -> list[str]:
    results = search.cv_results_
    failed = failed_splits(results, scorers, getattr(search, "error_score", math.nan))
    columns = _metric_columns(results, scorers)
    base = _BaseParams(search.estimator)
    ids = []
    for index in select_candidates(search, top_k):
        tags = {
            **base.tags,
            "sktrack.best": str(index == best).lower(),
            "sktrack.candidate_index": str(index),
        }
        if failed[index]:
            tags |= _failure_tags(index, failed, failures, search)
        params = base.of(results["params"][index])
        metrics = {key: float(column[index]) for key, column in columns.items()}
        ids.append(_log_child(parent, f"candidate-{index}", params, metrics, tags))
    return ids


def _log_child(
    parent: Run, name: str, params: dict[str, Any], metrics: dict[str, float], tags: dict[str, str]
) -> str:
    """One child in four appends: its record, its tags, its params and metrics, its end."""
    child = start_run(
        name, experiment=parent.info.experiment, parent_run_id=parent.run_id, tags=tags
    )
    try:
        child.store.log(child.run_id, params=params, metrics=metrics)
    except BaseException:
        child.end(RunStatus.FAILED)
        raise
    child.end(RunStatus.FAILED if "sktrack.error" in tags else RunStatus.FINISHED)
    return child.run_id


def _metric_columns(results: Mapping[str, Any], scorers: Sequence[str]) -> dict[str, Any]:
    keys = [
        f"{stat}_{part}_{s}"
        for s in scorers
        for part, stat in (
            ("test", "mean"),
            ("test", "std"),
            ("test", "rank"),
            ("train", "mean"),
            ("train", "std"),
        )
    ]
    keys += [*_TIME_COLUMNS, *_HALVING_COLUMNS]
    return {key: np.asarray(results[key], dtype=float) for key in keys if key in results}


def _failure_tags(
    index: int, failed: Any, failures: Sequence[BatchFailure], search: Any
) -> dict[str, str]:
    for failure in failures:
        if failure.start <= index < failure.stop:
            return {
                "sktrack.error": failure.error[:MAX_VALUE_LENGTH],
                "sktrack.traceback": failure.traceback[-MAX_VALUE_LENGTH:],
            }
    scorers = scorer_names(search.cv_results_)
    n_splits = sum(
        1 for k in search.cv_results_ if re.fullmatch(rf"split\d+_test_{re.escape(scorers[0])}", k)
    )
    error = (
        f"fit failed on {int(failed[index])} of {n_splits} CV splits, scored "
        f"error_score={search.error_score!r}; the traceback was only in scikit-learn's "
        "FitFailedWarning (fit with error_score='raise' to see it)"
    )
    return {"sktrack.error": error}


class _BaseParams:
    """The full params of a candidate: the base estimator's deep params (as `TrackedEstimator`
    logs them), overridden by the candidate's.  Computed once; a candidate that swaps a whole
    estimator (a pipeline step) is derived again, since the nested params change with it."""

    def __init__(self, estimator: Any) -> None:
        from ._fit_logging import estimator_params, estimator_tags

        self.estimator = estimator
        self.params = estimator_params(estimator)
        self.tags = estimator_tags(estimator)

    def of(self, candidate: Mapping[str, Any]) -> dict[str, Any]:
        overrides = {k: param_value(v) for k, v in candidate.items()}
        if any(hasattr(v, "get_params") for v in candidate.values()):
            from sklearn.base import clone

            from ._fit_logging import estimator_params

            swapped = clone(self.estimator).set_params(**candidate)
            return {**estimator_params(swapped), **overrides}
        return {**self.params, **overrides}
