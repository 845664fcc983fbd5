"""One evaluation of a fitted estimator: its metrics, its curves and its methodology checks.

`evaluate_into` is what ``TrackedEstimator.evaluate`` and the tracked searches' ``evaluate``
do: predictions are made once and shared by the metrics and the curves; the curves are
logged as tables under ``curves/<split>/`` (`CURVES_FOLDER`), read back with
``sktrack.load_table(run_id, "curves/test/roc")``; the findings of `check_evaluation` are
raised as warnings and tagged.  `log_fit_curves` logs the ``training`` curves of a fit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from .._store import Store

__all__ = [
    "CURVES_FOLDER",
    "curve_tables",
    "evaluate_into",
    "log_curves",
    "log_fit_curves",
    "log_search_evaluation",
    "remember_training_rows",
]

#: The artifact folder of the curves: one subfolder per split.
CURVES_FOLDER = "curves"


def evaluate_into(
    estimator: Any,
    X: Any,
    y: Any,
    split: str,
    *,
    sample_weight: Any,
    store: Store | None,
    run_id: str | None,
    training: tuple[np.ndarray, int] | None,
    raw_X: Any = None,
) -> dict[str, float]:
    """Metrics of ``estimator`` on ``(X, y)``, logged with the curves into ``run_id``.

    ``raw_X`` is ``X`` as the caller passed it (before a signature's casts), whose rows are
    compared with the training rows.
    """
    from ._methodology import check_evaluation, report
    from ._metrics import compute_metrics, task_of

    predictions: dict[str, Any] = {}
    metrics = compute_metrics(
        estimator, X, y, sample_weight=sample_weight, prefix=split, predictions=predictions
    )
    findings = check_evaluation(
        X if raw_X is None else raw_X,
        y,
        split,
        task=task_of(estimator),
        classes=getattr(estimator, "classes_", None),
        training=training,
    )
    if store is None or run_id is None:
        report(findings, None, None)
        return metrics
    if metrics:
        store.log(run_id, metrics=metrics)
    tables = curve_tables(estimator, X, y, sample_weight=sample_weight, predictions=predictions)
    log_curves(store, run_id, split, tables)
    report(findings, store, run_id)
    return metrics


def curve_tables(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    sample_weight: Any = None,
    predictions: dict[str, Any] | None = None,
) -> dict[str, pd.DataFrame]:
    """The curve tables of a fitted classifier or regressor on ``(X, y)``; empty otherwise.

    ``predictions`` holds outputs already computed (see `compute_metrics`).
    """
    from ._curves import classifier_curves, regressor_curves
    from ._metrics import predict, task_of

    cache = {} if predictions is None else predictions
    task = task_of(estimator)
    y = None if y is None else np.asarray(y)  # also for sequences that only define __array__
    if y is None or y.ndim != 1 or task not in ("classifier", "regressor"):
        return {}  # multi-output targets and clusterers have no standard curves
    if task == "regressor":
        return regressor_curves(y, predict(estimator, "predict", X, cache))
    classes = getattr(estimator, "classes_", None)
    if classes is None or np.ndim(classes) != 1:
        return {}
    y_pred = predict(estimator, "predict", X, cache)
    probabilities = hasattr(estimator, "predict_proba")
    scores = None
    if probabilities:
        scores = predict(estimator, "predict_proba", X, cache)
    elif hasattr(estimator, "decision_function"):
        scores = predict(estimator, "decision_function", X, cache)
    return classifier_curves(
        y, y_pred, classes, scores, probabilities=probabilities, sample_weight=sample_weight
    )


def log_curves(store: Store, run_id: str, split: str, tables: Mapping[str, Any]) -> None:
    """Write each table as ``curves/<split>/<name>.parquet`` of the run."""
    for name, table in tables.items():
        store.log_table(run_id, table, f"{CURVES_FOLDER}/{split}/{name}")


def log_fit_curves(store: Store, run_id: str, estimator: Any, X: Any, y: Any, weight: Any) -> None:
    """The ``training`` curves of a fit (its training metrics are logged with the fit)."""
    log_curves(store, run_id, "training", curve_tables(estimator, X, y, sample_weight=weight))


def remember_training_rows(X: Any) -> tuple[np.ndarray, int] | None:
    """The kept row hashes of a training set and their modulus (see `training_rows`), which
    the fitted estimator keeps beside its signature (they pickle with it); None where rows
    cannot be hashed.

    They are not written to the store: a table of 50,000 hashes would cost every fit a write
    for the one question evaluate asks of them, which the fitted estimator can answer.
    """
    from ._dataset import row_hashes, training_rows

    hashes = row_hashes(X)
    return None if hashes is None else training_rows(hashes)


def log_search_evaluation(
    search: Any, X: Any, y: Any, weight: Any
) -> tuple[np.ndarray, int] | None:
    """After a tracked search's fit: its curves (the best estimator's training curves and the
    ``cv`` validation curves), its kept training rows and its methodology findings, logged
    into its parent run.  Returns the kept training rows."""
    from .._store import open_store
    from ._curves import cv_curves
    from ._cv_results import ranking_scorer, scorer_names
    from ._methodology import check_search, report

    store = open_store(search._store_location)
    run_id = search.run_id_
    results = search.cv_results_
    scorers = scorer_names(results)
    best = getattr(search, "best_estimator_", None)
    if search.log_curves:
        if best is not None:
            log_fit_curves(store, run_id, best, X, y, weight)
        log_curves(store, run_id, "cv", cv_curves(results, ranking_scorer(search, scorers)))
    training = remember_training_rows(X)
    report(check_search(search, X, y, scorers), store, run_id)
    return training
