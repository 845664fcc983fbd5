"""Log a fitted scikit-learn search as runs, from its public fitted attributes.

The parent run is the search: its own params, ``best_<param>`` params, ``best_cv_<scorer>``
metrics, the refit time, the best estimator's training metrics, model and signature, and the
whole ``cv_results_`` as the ``cv_results`` table.  The ``top_k`` best candidates become its
children, best first; the refit winner is always the first and is tagged ``sktrack.best``.

Three callers, all in the process that called ``fit`` (the workers of ``n_jobs`` or of a dask
cluster never log): the tracked searches after their ``fit`` (`_search`),
`sktrack.TrackingCallback` when the root fit task ends, and `sktrack.autolog` after a plain
search's ``fit``.  Each child costs a few appends to one segment file: its record and tags,
then its params and metrics in one `Store.log`, then its end.
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from .._store import Run, RunStatus
from .._tracking import OWN_ARGUMENTS, SEARCHED_TAG, active_run, start_run
from ..exceptions import InvalidArgumentError
from ._cv_results import best_index, cv_results_frame, param_value, ranking_scorer, scorer_names
from ._search_children import BatchFailure, log_children

__all__ = [
    "CV_RESULTS_TABLE",
    "check_top_k",
    "log_search_results",
    "open_parent",
    "progress_tags",
    "record_search",
    "search_params",
    "search_tags",
]

#: The name of the parent's table artifact; read it back with ``sktrack.load_table``.
CV_RESULTS_TABLE = "cv_results"


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
        parent.store.log(parent.run_id, params=search_params(search), tags=search_tags(search))
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
    best = best_index(search)
    refitted = getattr(search, "best_estimator_", None)
    n_candidates = len(results["params"])
    tags = progress_tags(n_candidates, n_candidates, _best_so_far(results, search), "done")
    tags |= estimator_tags(search) | dataset_tags(dataset_fingerprint(X, y))
    tags |= search_tags(search) | {SEARCHED_TAG: json.dumps(_searched(results))}
    metrics = _best_metrics(search, results, scorers, best)
    if refitted is not None:
        metrics |= compute_metrics(refitted, X, y, sample_weight=sample_weight)
    parent.store.log(parent.run_id, params=_best_params(search), metrics=metrics, tags=tags)
    parent.log_table(cv_results_frame(results), CV_RESULTS_TABLE)
    children = log_children(parent, search, scorers, best, top_k, failures)
    if refitted is not None:
        _log_signature_and_model(parent, refitted, X, log_model)
    return children


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
    """The search's own params (``get_params(deep=False)``), estimators by class name; not
    sktrack's own arguments (``top_k``, ``run_name``...), which `search_tags` records."""
    return {
        key: param_value(value)
        for key, value in search.get_params(deep=False).items()
        if key not in OWN_ARGUMENTS
    }


def search_tags(search: Any) -> dict[str, str]:
    """sktrack's own arguments of a tracked search, as ``sktrack.<name>`` tags: text as it is,
    other values as JSON (``sktrack.top_k = 5``, ``sktrack.log_model = true``,
    ``sktrack.run_name = tuned``, ``sktrack.experiment = null``)."""
    params = search.get_params(deep=False)
    return {
        f"sktrack.{key}": value if isinstance(value, str) else json.dumps(value)
        for key, value in ((k, params[k]) for k in OWN_ARGUMENTS if k in params)
    }


def _searched(results: Mapping[str, Any]) -> list[str]:
    """The hyperparameters searched: the ``param_<name>`` columns of ``cv_results_``."""
    return sorted(key.removeprefix("param_") for key in results if key.startswith("param_"))


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
