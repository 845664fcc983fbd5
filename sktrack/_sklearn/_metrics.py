"""The standard metrics of each task, under the names MLflow's sklearn autolog gives them.

``compute_metrics(est, X, y, prefix="training")`` gives ``training_r2_score``...;
``prefix="test"`` gives ``test_r2_score``... Averaging follows MLflow (``mlflow/sklearn/utils.py``):
weighted precision, recall and f1 (binary included), ``log_loss`` on ``predict_proba``, and
``roc_auc`` on the greater class's probability for binary problems, one-vs-one weighted for
multiclass ones. Where MLflow computes nothing (a binary classifier with only
``decision_function``, clusterers), the choices are ours and documented in docs/signatures.md.

Predictions are computed once per call and reused by every metric. A metric that is undefined
for the data at hand (``roc_auc`` when ``y`` holds a single class, ``silhouette_score`` with one
cluster) is left out rather than logged as NaN; errors from the estimator or from
scikit-learn propagate unchanged.
"""

from __future__ import annotations

import inspect
from typing import Any, Literal

import numpy as np

from ..exceptions import InvalidArgumentError

__all__ = ["Task", "compute_metrics", "predict", "task_of"]

Task = Literal["regressor", "classifier", "clusterer"]

# Silhouette costs O(n^2) distances: past this many samples it is computed on a fixed random
# subsample (seed 0), which keeps a clusterer's fit from paying minutes for one number.
_SILHOUETTE_MAX_SAMPLES = 3_000


def task_of(estimator: Any) -> Task | None:
    """The task an estimator solves, as scikit-learn tags it; for a Pipeline, its last step's.

    Parameters
    ----------
    estimator : estimator
        Fitted or not.

    Returns
    -------
    "regressor", "classifier", "clusterer" or None
        None for transformers and anything else without a standard metric set.

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> task_of(Ridge())
    'regressor'
    """
    from sklearn.base import is_classifier, is_clusterer, is_regressor

    final = _final_step(estimator)
    if final is None or isinstance(final, str):
        return None  # a pipeline ending in "passthrough"
    if is_regressor(final):
        return "regressor"
    if is_classifier(final):
        return "classifier"
    if is_clusterer(final):
        return "clusterer"
    return None


def compute_metrics(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    sample_weight: Any = None,
    prefix: str = "training",
    predictions: dict[str, Any] | None = None,
) -> dict[str, float]:
    """Compute the task's standard metrics of a fitted estimator on ``X`` (and ``y``).

    Parameters
    ----------
    estimator : fitted estimator
    X : array-like
        Input, as the estimator takes it.
    y : array-like or None
        True targets; may be None only for a clusterer.
    sample_weight : array-like, optional
        Weights every metric honours (see docs/signatures.md for ``silhouette_score``).
    prefix : str, default="training"
        Put before each name with an underscore: ``training_r2_score``.
    predictions : dict, optional
        Filled with the outputs computed (``"predict"``, ``"predict_proba"``,
        ``"decision_function"``) and reused where already there, so that the evaluation's
        curves need no second prediction.

    Returns
    -------
    dict of str to float
        Regressors: ``r2_score``, ``mean_squared_error``, ``root_mean_squared_error``,
        ``mean_absolute_error``, ``score``. Classifiers: ``accuracy_score``,
        ``precision_score``, ``recall_score``, ``f1_score``, ``log_loss`` (with
        ``predict_proba``), ``roc_auc`` (with ``predict_proba``, or ``decision_function`` when
        binary), ``score``. Clusterers: ``score`` (when it has one), ``silhouette_score``.
        Empty for estimators of no known task.

    Raises
    ------
    InvalidArgumentError
        If ``y`` is None for a regressor or a classifier.

    Examples
    --------
    >>> from sklearn.linear_model import LinearRegression
    >>> X, y = [[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0]
    >>> compute_metrics(LinearRegression().fit(X, y), X, y)["training_r2_score"]
    1.0
    """
    task = task_of(estimator)
    if task is None:
        return {}
    if y is None and task != "clusterer":
        raise InvalidArgumentError(
            f"cannot compute {task} metrics of {type(estimator).__name__} without y: "
            "pass the true targets"
        )
    cache = {} if predictions is None else predictions
    if task == "regressor":
        values = _regressor_metrics(estimator, X, y, sample_weight, cache)
    elif task == "classifier":
        values = _classifier_metrics(estimator, X, y, sample_weight, cache)
    else:
        values = _clusterer_metrics(estimator, X, y, sample_weight, training=prefix == "training")
    return {(f"{prefix}_{name}" if prefix else name): float(v) for name, v in values.items()}


def predict(estimator: Any, method: str, X: Any, cache: dict[str, Any]) -> Any:
    """``estimator.<method>(X)``, computed once per evaluation."""
    if method not in cache:
        cache[method] = getattr(estimator, method)(X)
    return cache[method]


def _regressor_metrics(
    estimator: Any, X: Any, y: Any, weight: Any, cache: dict[str, Any]
) -> dict[str, float]:
    from sklearn import metrics
    from sklearn.base import RegressorMixin

    y_pred = predict(estimator, "predict", X, cache)
    values = {
        "r2_score": metrics.r2_score(y, y_pred, sample_weight=weight),
        "mean_squared_error": metrics.mean_squared_error(y, y_pred, sample_weight=weight),
        "root_mean_squared_error": metrics.root_mean_squared_error(y, y_pred, sample_weight=weight),
        "mean_absolute_error": metrics.mean_absolute_error(y, y_pred, sample_weight=weight),
    }
    if _inherits_score(estimator, RegressorMixin):
        return values | {"score": values["r2_score"]}  # the same r2, without predicting again
    return values | _score(estimator, X, y, weight)


def _classifier_metrics(
    estimator: Any, X: Any, y: Any, weight: Any, cache: dict[str, Any]
) -> dict[str, float]:
    from sklearn import metrics
    from sklearn.base import ClassifierMixin

    y_pred = predict(estimator, "predict", X, cache)
    # zero_division=0.0 gives the value the default ("warn") gives, without the warning.
    averaged = {"average": "weighted", "sample_weight": weight, "zero_division": 0.0}
    values = {
        "accuracy_score": metrics.accuracy_score(y, y_pred, sample_weight=weight),
        "precision_score": metrics.precision_score(y, y_pred, **averaged),
        "recall_score": metrics.recall_score(y, y_pred, **averaged),
        "f1_score": metrics.f1_score(y, y_pred, **averaged),
    }
    values |= _probability_metrics(estimator, X, y, weight, cache)
    if _inherits_score(estimator, ClassifierMixin):
        return values | {"score": values["accuracy_score"]}  # the same accuracy
    return values | _score(estimator, X, y, weight)


def _probability_metrics(
    estimator: Any, X: Any, y: Any, weight: Any, cache: dict[str, Any]
) -> dict[str, float]:
    from sklearn import metrics

    classes = getattr(estimator, "classes_", None)
    y = np.asarray(y)  # also for sequences that only define __array__
    if classes is None or np.ndim(classes) != 1 or y.ndim != 1:
        return {}  # multi-output classifiers: predict_proba gives one array per output
    values: dict[str, float] = {}
    binary = len(classes) == 2
    if hasattr(estimator, "predict_proba"):
        proba = predict(estimator, "predict_proba", X, cache)
        if len(classes) >= 2:  # a model fitted on one class: log loss is undefined
            values["log_loss"] = metrics.log_loss(y, proba, sample_weight=weight, labels=classes)
        scores = proba[:, 1] if binary else proba  # binary: the greater label's probability
    elif binary and hasattr(estimator, "decision_function"):
        scores = predict(
            estimator, "decision_function", X, cache
        )  # > 0 means classes_[1], as roc_auc expects
    else:
        return values  # multiclass decision functions are not probabilities: no roc_auc
    if _roc_auc_defined(y, classes, weight):
        values["roc_auc"] = metrics.roc_auc_score(
            y, scores, average="weighted", multi_class="ovo", sample_weight=weight
        )
    return values


def _roc_auc_defined(y: Any, classes: np.ndarray, weight: Any) -> bool:
    y = np.asarray(y)
    # a class whose samples all weigh zero is absent as far as the curve goes
    present = np.unique(y if weight is None else y[np.asarray(weight) != 0])
    if len(classes) < 2:
        return False
    if len(classes) == 2:
        return len(present) == 2
    # One-vs-one needs every class in y, and scikit-learn has no weighted one-vs-one.
    return weight is None and len(present) == len(classes)


def _clusterer_metrics(
    estimator: Any, X: Any, y: Any, weight: Any, *, training: bool
) -> dict[str, float]:
    values = _score(estimator, X, y, weight)
    labels = _cluster_labels(estimator, X, training=training)
    if labels is None:
        return values
    features, labels, weight = _subsample(_cluster_features(estimator, X), labels, weight)
    if 2 <= len(np.unique(labels)) < len(labels):
        values["silhouette_score"] = _silhouette(features, labels, weight)
    return values


def _cluster_labels(estimator: Any, X: Any, *, training: bool) -> np.ndarray | None:
    if hasattr(estimator, "predict"):
        return np.asarray(estimator.predict(X))
    # Without predict (DBSCAN, agglomerative), labels_ are the labels of the training data.
    labels = getattr(_final_step(estimator), "labels_", None)
    return np.asarray(labels) if training and labels is not None else None


def _cluster_features(estimator: Any, X: Any) -> Any:
    from sklearn.pipeline import Pipeline

    # A pipeline's clusterer saw the transformed data: distances are measured there.
    if isinstance(estimator, Pipeline) and len(estimator) > 1:
        return _cluster_features(estimator[-1], estimator[:-1].transform(X))
    return X


def _subsample(features: Any, labels: np.ndarray, weight: Any) -> tuple[Any, np.ndarray, Any]:
    from sklearn.utils import _safe_indexing

    if len(labels) <= _SILHOUETTE_MAX_SAMPLES:
        return features, labels, weight
    rows = np.random.RandomState(0).choice(len(labels), _SILHOUETTE_MAX_SAMPLES, replace=False)
    weight = None if weight is None else np.asarray(weight)[rows]
    return _safe_indexing(features, rows), labels[rows], weight


def _silhouette(features: Any, labels: np.ndarray, weight: Any) -> float:
    from sklearn.metrics import silhouette_samples, silhouette_score

    if weight is None:
        return float(silhouette_score(features, labels))
    # scikit-learn's silhouette takes no weights: the weighted mean of per-sample coefficients.
    return float(np.average(silhouette_samples(features, labels), weights=weight))


def _inherits_score(estimator: Any, mixin: type) -> bool:
    # A Pipeline's score is its last step's score on the transformed input.
    return getattr(type(_final_step(estimator)), "score", None) is getattr(mixin, "score", None)


def _score(estimator: Any, X: Any, y: Any, weight: Any) -> dict[str, float]:
    if not hasattr(estimator, "score"):
        return {}
    if weight is None:
        return {"score": estimator.score(X, y)}
    if "sample_weight" not in inspect.signature(estimator.score).parameters:
        return {}  # an unweighted score would be mislabelled in a weighted run
    return {"score": estimator.score(X, y, sample_weight=weight)}


def _final_step(estimator: Any) -> Any:
    from sklearn.pipeline import Pipeline

    while isinstance(estimator, Pipeline):
        estimator = estimator.steps[-1][1]
    return estimator
