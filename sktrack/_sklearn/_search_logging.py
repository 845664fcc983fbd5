"""Log a fitted scikit-learn search as runs, from its public fitted attributes.

The parent run is the search: its own params, ``best_<param>`` params, ``best_cv_<scorer>``
metrics, the refit time, the best estimator's training metrics, model and signature, and the
whole ``cv_results_`` as the ``cv_results`` table.  The ``top_k`` best candidates become its
children, best first; the refit winner is always the first and is tagged ``sktrack.best``.

Three callers, all in the process that called ``fit`` (the workers of ``n_jobs`` or of a dask
cluster never log): the tracked searches after their ``fit`` (`sktrack._search`),
`sktrack.TrackingCallback` when the root fit task ends, and `sktrack.autolog` after a plain
search's ``fit``.  Each child costs a few appends to one segment file: its record and tags,
then its params and metrics in one `Store.log`, then its end.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._store import MAX_VALUE_LENGTH, Run, RunStatus
from .._tracking import active_run, start_run
from ..exceptions import InvalidArgumentError

__all__ = [
    "CV_RESULTS_TABLE",
    "BatchFailure",
    "check_top_k",
    "cv_results_frame",
    "failed_splits",
    "log_search_results",
    "open_parent",
    "param_value",
    "progress_tags",
    "ranking_scorer",
    "record_search",
    "scorer_names",
    "search_params",
    "select_candidates",
]

#: The name of the parent's table artifact; read it back with ``sktrack.load_table``.
CV_RESULTS_TABLE = "cv_results"

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


# -- the public entry point -----------------------------------------------------------------


def log_search_results(
    search: Any,
    X: Any,
    y: Any = None,
    *,
    top_k: int | None = 5,
    log_model: bool = True,
    run: Run | None = None,
    run_name: str | None = None,
    experiment: str | None = None,
    sample_weight: Any = None,
) -> tuple[str, list[str]]:
    """Log a fitted search (``GridSearchCV`` and friends) after the fact, from ``cv_results_``.

    Parameters
    ----------
    search : fitted BaseSearchCV
        Any scikit-learn search, tracked or not.
    X, y : array-like
        The data the search was fitted on: the best estimator's training metrics and
        signature come from them.
    top_k : int or None, default=5
        How many of the best candidates become child runs; None for all of them, 0 for none.
    log_model : bool, default=True
        Log the best estimator as the parent's model (when the search refitted one).
    run : Run, optional
        The parent run; defaults to the active run, else a new run (ended before returning).
    run_name, experiment : str, optional
        Name and experiment of a new parent run.
    sample_weight : array-like, optional
        Weights for the best estimator's training metrics.

    Returns
    -------
    (str, list of str)
        The parent's run id and the children's run ids, best first.

    Examples
    --------
    >>> import sktrack, tempfile
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> X, y = [[0.0], [1.0], [2.0], [3.0]] * 5, [0.0, 1.0, 4.0, 9.0] * 5
    >>> search = GridSearchCV(DecisionTreeRegressor(), {"max_depth": [1, 2, 3]}, cv=2).fit(X, y)
    >>> parent, children = log_search_results(search, X, y, top_k=2, log_model=False)
    >>> sktrack.get_run(children[0]).tags["sktrack.best"]
    'true'
    """
    check_top_k(top_k)
    if not hasattr(search, "cv_results_"):
        raise InvalidArgumentError(
            f"log_search_results needs a fitted search; {type(search).__name__} has no "
            "cv_results_: call fit first"
        )
    parent, owned = open_parent(run, run_name, experiment)
    with ending(parent, owned):
        parent.store.log(parent.run_id, params=search_params(search))
        children = record_search(
            parent, search, X, y, top_k=top_k, log_model=log_model, sample_weight=sample_weight
        )
    return parent.run_id, children


def check_top_k(top_k: object) -> None:
    """``top_k`` is None or a whole number >= 0."""
    if top_k is None:
        return
    if isinstance(top_k, bool) or not isinstance(top_k, numbers.Integral) or top_k < 0:
        raise InvalidArgumentError(
            f"top_k={top_k!r} is not allowed: pass a whole number >= 0 (how many of the best "
            "candidates become child runs), or None to log every candidate"
        )


def open_parent(run: Run | None, run_name: str | None, experiment: str | None) -> tuple[Run, bool]:
    """The parent run and whether we opened it: ``run``, else the active run, else a new one."""
    if run is not None:
        return run, False
    current = active_run()
    if current is not None:
        return current, False
    return start_run(run_name, experiment=experiment), True


@contextmanager
def ending(run: Run, owned: bool) -> Iterator[None]:
    """End ``run`` when the block ends (FAILED if it raised), if we opened it."""
    try:
        yield
    except BaseException:
        if owned:
            run.end(RunStatus.FAILED)
        raise
    if owned:
        run.end(RunStatus.FINISHED)


# -- the parent -------------------------------------------------------------------------------


def record_search(
    parent: Run,
    search: Any,
    X: Any,
    y: Any,
    *,
    top_k: int | None,
    log_model: bool,
    sample_weight: Any = None,
    failures: Sequence[BatchFailure] = (),
) -> list[str]:
    """Log the fitted ``search`` into ``parent`` and its children; the children's ids."""
    from ._dataset import dataset_fingerprint
    from ._fit_logging import dataset_tags, estimator_tags
    from ._metrics import compute_metrics

    results = search.cv_results_
    scorers = scorer_names(results)
    best = _best_index(search)
    refitted = getattr(search, "best_estimator_", None)
    n_candidates = len(results["params"])
    tags = progress_tags(n_candidates, n_candidates, _best_so_far(results, search), "done")
    tags |= estimator_tags(search) | dataset_tags(dataset_fingerprint(X, y))
    metrics = _best_metrics(search, results, scorers, best)
    if refitted is not None:
        metrics |= compute_metrics(refitted, X, y, sample_weight=sample_weight)
    parent.store.log(parent.run_id, params=_best_params(search), metrics=metrics, tags=tags)
    parent.log_table(cv_results_frame(results), CV_RESULTS_TABLE)
    children = _log_children(parent, search, scorers, best, top_k, failures)
    if refitted is not None:
        _log_signature_and_model(parent, refitted, X, log_model)
    return children


def _best_index(search: Any) -> int | None:
    best = getattr(search, "best_index_", None)  # absent: multi-metric with refit=False
    return None if best is None else int(best)


def _best_params(search: Any) -> dict[str, Any]:
    best = getattr(search, "best_params_", None) or {}
    return {f"best_{key}": param_value(value) for key, value in best.items()}


def _best_metrics(
    search: Any, results: Mapping[str, Any], scorers: Sequence[str], best: int | None
) -> dict[str, float]:
    metrics: dict[str, float] = {}
    if best is not None:
        metrics = {f"best_cv_{s}": float(results[f"mean_test_{s}"][best]) for s in scorers}
    refit_time = getattr(search, "refit_time_", None)
    if refit_time is not None:
        metrics["refit_time"] = float(refit_time)
    return metrics


def _log_signature_and_model(parent: Run, estimator: Any, X: Any, log_model: bool) -> None:
    """The best estimator's signature and model (its training metrics are logged with the
    parent's; its params are not, as `log_fit` would log them: the parent's params are the
    search's, and the two can clash, a Pipeline's ``verbose=False`` against ``verbose=0``)."""
    from ._fit_logging import log_signature_and_model

    # into this run, active or not: log_search_results may be given an ended run
    log_signature_and_model(parent, estimator, X, log_model=log_model)


def search_params(search: Any) -> dict[str, Any]:
    """The search's own params (``get_params(deep=False)``), estimators by class name."""
    return {key: param_value(value) for key, value in search.get_params(deep=False).items()}


def param_value(value: Any) -> Any:
    """A value as a param: bool, int, float, str and None as they are, an estimator by its
    class name, a function by its name, anything else as its (bounded) repr."""
    if value is None or isinstance(value, bool | str | numbers.Real):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if hasattr(value, "get_params") and not isinstance(value, type):
        return type(value).__name__
    if callable(value) and hasattr(value, "__qualname__"):
        return value.__qualname__  # not repr(): a function's repr holds its memory address
    text = re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))  # no memory addresses
    return text if len(text) <= MAX_VALUE_LENGTH else text[: MAX_VALUE_LENGTH - 3] + "..."


def progress_tags(done: int, total: int, best_score: float, phase: str) -> dict[str, str]:
    """The tags a search's parent carries while it runs (and keeps once it ends)."""
    return {
        "sktrack.progress.candidates_done": str(done),
        "sktrack.progress.candidates_total": str(total),
        "sktrack.progress.best_score": repr(best_score),
        "sktrack.progress.phase": phase,
    }


def _best_so_far(results: Mapping[str, Any], search: Any) -> float:
    key = f"mean_test_{ranking_scorer(search, scorer_names(results))}"
    scores = np.asarray(results[key], dtype=float)
    scores = scores[~np.isnan(scores)]
    return float(scores.max()) if scores.size else math.nan


# -- cv_results_ ------------------------------------------------------------------------------


def scorer_names(results: Mapping[str, Any]) -> list[str]:
    """The scorers of ``cv_results_``, in the search's order (``["score"]`` for one)."""
    return [key[len("mean_test_") :] for key in results if key.startswith("mean_test_")]


def ranking_scorer(search: Any, scorers: Sequence[str]) -> str:
    """The scorer that ranks candidates: the refit metric, else the first scorer."""
    refit = getattr(search, "refit", None)
    if isinstance(refit, str) and refit in scorers:
        return refit
    return "score" if "score" in scorers else scorers[0]


def cv_results_frame(results: Mapping[str, Any]) -> Any:
    """``cv_results_`` as a DataFrame: typed ``param_<name>`` columns (nullable where a
    candidate lacks the param), ``params`` as text, every score and time column as is."""
    import pandas as pd

    columns: dict[str, Any] = {}
    for key, value in results.items():
        if key == "params":
            columns[key] = pd.array([repr(p) for p in value], dtype="string")
        elif key.startswith("param_"):
            columns[key] = _typed_column(value)
        else:
            columns[key] = np.asarray(value)
    return pd.DataFrame(columns)


def _typed_column(values: Any) -> Any:
    import pandas as pd

    mask = np.ma.getmaskarray(values)
    items = [None if masked else v for v, masked in zip(np.ma.getdata(values), mask, strict=True)]
    present = [v for v in items if v is not None]
    has_null = len(present) < len(items)
    if present and all(isinstance(v, bool | np.bool_) for v in present):
        return pd.array(items, dtype="boolean") if has_null else np.asarray(items, dtype=bool)
    if all(isinstance(v, numbers.Real) and not isinstance(v, bool | np.bool_) for v in present):
        if present and all(isinstance(v, numbers.Integral) for v in present):
            return pd.array(items, dtype="Int64") if has_null else np.asarray(items, dtype="int64")
        return pd.array(items, dtype="Float64") if has_null else np.asarray(items, dtype=float)
    # strings, estimators, mixed types: text, as a param would show them
    return pd.array([None if v is None else str(param_value(v)) for v in items], dtype="string")


def failed_splits(results: Mapping[str, Any], scorers: Sequence[str], error_score: Any) -> Any:
    """How many CV splits of each candidate failed to fit: those where every scorer gave
    ``error_score`` (NaN by default), the only trace a fit failure leaves in ``cv_results_``."""
    n = len(results["params"])
    if not isinstance(error_score, numbers.Real):  # "raise": a failure would have raised
        return np.zeros(n, dtype=int)
    pattern = re.compile(rf"split(\d+)_test_{re.escape(scorers[0])}")
    splits = [m.group(1) for key in results if (m := pattern.fullmatch(key))]
    failed = np.zeros(n, dtype=int)
    for split in splits:
        scores = np.array([results[f"split{split}_test_{s}"] for s in scorers], dtype=float)
        hit = np.isnan(scores) if math.isnan(error_score) else scores == error_score
        failed += hit.all(axis=0)
    return failed


# -- children ---------------------------------------------------------------------------------


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
    best = _best_index(search)
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


def _log_children(
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
