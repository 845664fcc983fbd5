"""The curves of one evaluation, as small tables: what a run page draws and `sktrack.plot` reads.

Plots are data (DVCLive's lesson, without its unbounded tables): each curve is a DataFrame of
plain columns, computed with scikit-learn's own functions and then thinned, so a split's
tables stay small whatever the number of rows.

Classifiers get ``confusion_matrix`` (one row per true and predicted label, with the count),
``per_class`` (precision, recall, F1 and support), ``roc`` and ``precision_recall`` (one curve
per class, one-vs-rest, only the positive class for a binary problem, with ``auc`` and
``average_precision``), ``calibration`` and ``probability_histogram`` (with ``predict_proba``).
Regressors get ``predicted_actual`` (a deterministic sample of at most 5,000 rows) and
``residual_histogram``.  A search's cross-validation gives ``validation_curve`` (per searched
parameter and value) and ``fit_time_score`` (see `cv_curves`).

Thinning (`thin_curve`) keeps a curve's end points and at most about ``max_points`` points
spread evenly along its length; it adds points back until the area under the curve has moved
by less than `AUC_TOLERANCE`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "AUC_TOLERANCE",
    "MAX_CURVE_POINTS",
    "MAX_SCATTER_POINTS",
    "classifier_curves",
    "cv_curves",
    "regressor_curves",
    "thin_curve",
]

#: A thinned curve has at most about this many points (all classes of one curve together).
MAX_CURVE_POINTS = 1_000
#: The predicted-against-actual sample has at most this many rows.
MAX_SCATTER_POINTS = 5_000
#: Thinning never moves a curve's trapezoidal area by this much or more.
AUC_TOLERANCE = 1e-3

_HISTOGRAM_BINS = 50
_CALIBRATION_BINS = 10
# Below this many points per class a curve is not thinned further, however many classes.
_MIN_POINTS_PER_CLASS = 100
#: The trapezoidal rule: ``numpy.trapezoid`` from NumPy 2, ``numpy.trapz`` before it.
_trapezoid = getattr(np, "trapezoid", None) or np.trapz  # type: ignore[attr-defined]


def thin_curve(x: np.ndarray, y: np.ndarray, max_points: int = MAX_CURVE_POINTS) -> np.ndarray:
    """The indices of the points to keep of the curve ``(x, y)``, in order.

    The first and last points are always kept; the others are picked evenly along the
    curve's length (``|dx| + |dy|``), and the budget doubles until the trapezoidal area of the
    kept points is within `AUC_TOLERANCE` of the full curve's.

    Examples
    --------
    >>> x = np.linspace(0, 1, 10_000)
    >>> kept = thin_curve(x, x**2, max_points=100)
    >>> len(kept) <= 100, int(kept[0]), int(kept[-1])
    (True, 0, 9999)
    """
    n = len(x)
    if n <= max_points:
        return np.arange(n)
    full = _area(x, y)
    budget = max(max_points, 2)
    while budget < n:
        kept = _even_along(x, y, budget)
        if abs(_area(x[kept], y[kept]) - full) < AUC_TOLERANCE:
            return kept
        budget *= 2
    return np.arange(n)


def _even_along(x: np.ndarray, y: np.ndarray, budget: int) -> np.ndarray:
    steps = np.abs(np.diff(x)) + np.abs(np.diff(y))
    length = np.concatenate([[0.0], np.cumsum(np.nan_to_num(steps))])
    targets = np.linspace(0.0, length[-1], budget)
    kept = np.unique(np.searchsorted(length, targets).clip(0, len(x) - 1))
    return np.unique(np.concatenate([[0], kept, [len(x) - 1]]))


def _area(x: np.ndarray, y: np.ndarray) -> float:
    finite = np.isfinite(x) & np.isfinite(y)
    return float(_trapezoid(y[finite], x[finite])) if finite.sum() > 1 else 0.0


# -- classifiers ------------------------------------------------------------------------------


def classifier_curves(
    y: Any,
    y_pred: Any,
    classes: np.ndarray,
    scores: np.ndarray | None,
    *,
    probabilities: bool,
    sample_weight: Any = None,
) -> dict[str, pd.DataFrame]:
    """The tables of a classifier's evaluation.

    ``scores`` is ``predict_proba`` (``probabilities=True``) or ``decision_function``, one
    column per class (or one column for a binary decision function), or None.
    """
    y = np.asarray(y)
    labels = np.asarray(classes)
    if len(labels) < 2:
        return {}  # a model fitted on one class has nothing to tell apart
    matrix, (precision, recall, f1, support) = _counted(
        y, np.asarray(y_pred), labels, sample_weight
    )
    names = [str(label) for label in labels]
    tables = {
        "confusion_matrix": pd.DataFrame(
            {
                "true": np.repeat(names, len(names)),
                "predicted": np.tile(names, len(names)),
                "count": matrix.ravel(),
            }
        )
    }
    tables["per_class"] = pd.DataFrame(
        {"class": names, "precision": precision, "recall": recall, "f1": f1, "support": support}
    )
    if scores is not None and len(labels) >= 2:
        tables |= _ranking_curves(y, labels, _score_columns(scores, labels), sample_weight)
        if probabilities:
            tables |= _calibration(y, labels, np.asarray(scores))
    return tables


def _counted(
    y: np.ndarray, y_pred: np.ndarray, labels: np.ndarray, weight: Any
) -> tuple[np.ndarray, tuple[np.ndarray, ...]]:
    """``confusion_matrix(y, y_pred, labels=labels, sample_weight=weight)`` and
    ``precision_recall_fscore_support(..., zero_division=0.0)``, by counting label pairs once
    (a row whose true or predicted label is not in ``labels`` is left out of the matrix, and
    still counts towards the other label's support or predictions, as there)."""
    weights = None if weight is None else np.asarray(weight)
    n = len(labels)
    try:
        order = np.argsort(labels)
        ordered = labels[order]
        truth = np.minimum(np.searchsorted(ordered, y), n - 1)
        predicted = np.minimum(np.searchsorted(ordered, y_pred), n - 1)
    except TypeError:  # labels that do not sort together: let scikit-learn match them
        from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

        matrix = confusion_matrix(y, y_pred, labels=labels, sample_weight=weight)
        return matrix, precision_recall_fscore_support(
            y, y_pred, labels=labels, sample_weight=weight, zero_division=0.0
        )
    true_known, predicted_known = ordered[truth] == y, ordered[predicted] == y_pred
    truth, predicted = order[truth], order[predicted]  # back to the order of labels

    def count(cells: np.ndarray, rows: np.ndarray, size: int) -> np.ndarray:
        w = None if weights is None else weights[rows]
        return np.bincount(cells[rows], weights=w, minlength=size)

    both = true_known & predicted_known
    dtype = np.int64 if weights is None or weights.dtype.kind in "iub" else np.float64
    matrix = count(n * truth + predicted, both, n * n).astype(dtype).reshape(n, n)
    support, predictions = count(truth, true_known, n), count(predicted, predicted_known, n)
    hits = np.diag(matrix).astype(np.float64)

    def ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
        out = np.zeros(n)
        np.divide(numerator, denominator, out=out, where=denominator != 0)
        return out

    f1 = ratio(2.0 * hits, 1.0 * support + predictions)
    per_class = (ratio(hits, predictions), ratio(hits, support), f1, support.astype(dtype))
    return matrix, per_class


def _score_columns(scores: np.ndarray, labels: np.ndarray) -> dict[int, np.ndarray]:
    """Class index -> the score of that class; a binary problem keeps only the positive one."""
    scores = np.asarray(scores, dtype=float)
    if len(labels) == 2:
        return {1: scores[:, 1] if scores.ndim == 2 else scores}
    return {k: scores[:, k] for k in range(len(labels))}


def _ranking_curves(
    y: np.ndarray, labels: np.ndarray, columns: Mapping[int, np.ndarray], weight: Any
) -> dict[str, pd.DataFrame]:
    budget = max(_MIN_POINTS_PER_CLASS, MAX_CURVE_POINTS // len(columns))
    roc, pr = [], []
    weights = np.ones(len(y)) if weight is None else np.asarray(weight, dtype=float)
    for k, score in columns.items():
        truth = y == labels[k]
        if not weights[truth].any() or not weights[~truth].any():
            continue  # a class absent from (or alone in) y, as weighed, has no curve
        fps, tps, thresholds = _counts_at_thresholds(truth, score, weight)
        fpr, tpr, roc_thresholds = _roc(fps, tps, thresholds)
        kept = thin_curve(fpr, tpr, budget)
        area = _trapezoid(tpr, fpr)
        roc.append(_frame(labels[k], fpr[kept], tpr[kept], roc_thresholds[kept], area))
        precision, recall, thresholds = _precision_recall(fps, tps, thresholds)
        thresholds = np.append(thresholds, np.nan)  # the last point (recall 0) has none
        kept = thin_curve(recall, precision, budget)
        # average_precision_score's own formula on the curve already computed: one sort less
        ap = -np.sum(np.diff(recall) * precision[:-1])
        pr.append(_frame(labels[k], recall[kept], precision[kept], thresholds[kept], ap))
    if not roc:
        return {}
    return {
        "roc": pd.concat(roc, ignore_index=True).rename(
            columns={"x": "fpr", "y": "tpr", "value": "auc"}
        ),
        "precision_recall": pd.concat(pr, ignore_index=True).rename(
            columns={"x": "recall", "y": "precision", "value": "average_precision"}
        ),
    }


# The ROC and precision-recall curves share one sort of the scores: the counts below are
# scikit-learn's (``confusion_matrix_at_thresholds``, once ``_binary_clf_curve``), and the two
# curves are derived from them as ``roc_curve`` (``drop_intermediate=True``) and
# ``precision_recall_curve`` derive theirs; tests/test_curves.py holds them equal.


def _counts_at_thresholds(
    truth: np.ndarray, score: np.ndarray, weight: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """False and true positives at each distinct score, highest score first."""
    if weight is not None:
        weight = np.asarray(weight, dtype=float)
        nonzero = weight != 0
        truth, score, weight = truth[nonzero], score[nonzero], weight[nonzero]
    order = np.argsort(score, kind="stable")[::-1]
    score, truth = score[order], truth[order].astype(np.float64)
    ends = np.r_[np.nonzero(np.diff(score))[0], truth.size - 1]
    if weight is None:
        tps = np.cumsum(truth, dtype=np.float64)[ends]
        fps = 1 + ends.astype(np.float64) - tps
    else:
        weight = weight[order]
        tps = np.cumsum(truth * weight, dtype=np.float64)[ends]
        fps = np.cumsum((1 - truth) * weight, dtype=np.float64)[ends]
    return fps, tps, score[ends]


def _roc(
    fps: np.ndarray, tps: np.ndarray, thresholds: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if fps.shape[0] > 2:  # drop the points on a straight line between their neighbours
        keep = np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True]
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    fps, tps = np.r_[0.0, fps], np.r_[0.0, tps]
    thresholds = np.r_[np.inf, thresholds.astype(np.float64)]
    return fps / fps[-1], tps / tps[-1], thresholds


def _precision_recall(
    fps: np.ndarray, tps: np.ndarray, thresholds: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    predicted = tps + fps
    precision = np.zeros_like(tps)
    np.divide(tps, predicted, out=precision, where=predicted != 0)
    recall = tps / tps[-1]
    return np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0], thresholds[::-1]


def _frame(label: Any, x: Any, y: Any, thresholds: Any, value: float) -> pd.DataFrame:
    return pd.DataFrame(
        {"class": str(label), "x": x, "y": y, "threshold": thresholds, "value": float(value)}
    )


def _calibration(y: np.ndarray, labels: np.ndarray, proba: np.ndarray) -> dict[str, pd.DataFrame]:
    curves, histograms = [], []
    edges = np.linspace(0.0, 1.0, _CALIBRATION_BINS + 1)
    for k, score in _score_columns(proba, labels).items():
        truth = y == labels[k]
        if truth.all() or not truth.any():
            continue
        prob_true, prob_pred = _calibration_curve(truth, score, edges)
        name = str(labels[k])
        curves.append(pd.DataFrame({"class": name, "prob_pred": prob_pred, "prob_true": prob_true}))
        counts, _ = np.histogram(np.clip(score, 0.0, 1.0), bins=edges)
        histograms.append(
            pd.DataFrame({"class": name, "left": edges[:-1], "right": edges[1:], "count": counts})
        )
    if not curves:
        return {}
    return {
        "calibration": pd.concat(curves, ignore_index=True),
        "probability_histogram": pd.concat(histograms, ignore_index=True),
    }


def _calibration_curve(
    truth: np.ndarray, score: np.ndarray, edges: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``calibration_curve(truth, score, n_bins=len(edges) - 1)``, uniform bins, as
    scikit-learn computes it (tests/test_curves.py holds them equal)."""
    bins = np.searchsorted(edges[1:-1], score)
    sums = np.bincount(bins, weights=score, minlength=len(edges))
    true = np.bincount(bins, weights=truth, minlength=len(edges))
    total = np.bincount(bins, minlength=len(edges))
    nonzero = total != 0
    return true[nonzero] / total[nonzero], sums[nonzero] / total[nonzero]


# -- regressors -------------------------------------------------------------------------------


def regressor_curves(y: Any, y_pred: Any) -> dict[str, pd.DataFrame]:
    """``predicted_actual`` (a fixed sample of at most 5,000 rows) and ``residual_histogram``."""
    actual = np.asarray(y, dtype=float).ravel()
    predicted = np.asarray(y_pred, dtype=float).ravel()
    residual = actual - predicted
    rows = np.arange(len(actual))
    if len(rows) > MAX_SCATTER_POINTS:  # the same rows for the same data, run after run
        rows = np.sort(np.random.RandomState(0).choice(len(rows), MAX_SCATTER_POINTS, False))
    finite = residual[np.isfinite(residual)]
    counts, edges = np.histogram(finite, bins=_HISTOGRAM_BINS) if finite.size else ([], [0.0])
    edges = np.asarray(edges, dtype=float)
    return {
        "predicted_actual": pd.DataFrame({"actual": actual[rows], "predicted": predicted[rows]}),
        "residual_histogram": pd.DataFrame(
            {"left": edges[:-1], "right": edges[1:], "count": np.asarray(counts, dtype=np.int64)}
        ),
    }


# -- searches ---------------------------------------------------------------------------------


def cv_curves(results: Mapping[str, Any], scorer: str) -> dict[str, pd.DataFrame]:
    """From ``cv_results_``: ``validation_curve`` and ``fit_time_score`` for ``scorer``.

    ``validation_curve`` has, for each searched parameter and each of its values, the best
    candidate with that value (the profile of the search along that parameter): the mean and
    std over the folds of its test score, and of its train score when the search recorded
    them.  ``fit_time_score`` has each candidate's mean fit time and mean test score.
    """
    test = np.asarray(results[f"mean_test_{scorer}"], dtype=float)
    columns = {"mean_test_score": test, "std_test_score": results[f"std_test_{scorer}"]}
    if f"mean_train_{scorer}" in results:
        columns["mean_train_score"] = results[f"mean_train_{scorer}"]
        columns["std_train_score"] = results[f"std_train_{scorer}"]
    scores = pd.DataFrame({k: np.asarray(v, dtype=float) for k, v in columns.items()})
    rows = []
    for key in (k for k in results if k.startswith("param_")):
        frame = scores.assign(value=[_text(v) for v in results[key]])
        frame = frame[frame["value"] != ""].sort_values("mean_test_score", ascending=False)
        best = frame.drop_duplicates("value").sort_index()
        rows.append(best.assign(param=key[len("param_") :]))
    tables: dict[str, pd.DataFrame] = {}
    if rows:
        table = pd.concat(rows, ignore_index=True)
        tables["validation_curve"] = table[["param", "value", *columns]]
    tables["fit_time_score"] = pd.DataFrame(
        {
            "mean_fit_time": np.asarray(results["mean_fit_time"], dtype=float),
            "mean_test_score": test,
            "params": [_text(p) for p in results["params"]],
        }
    )
    return tables


def _text(value: Any) -> str:
    if value is np.ma.masked:
        return ""  # a parameter this candidate did not have (a list of grids)
    return str(value)
