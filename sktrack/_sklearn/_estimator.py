"""`TrackedEstimator`: any scikit-learn estimator, with every fit logged to the store.

A real meta-estimator: ``__init__`` only stores its arguments, ``fit`` clones the wrapped
estimator into ``estimator_``, and the wrapped estimator's methods, tags, fitted attributes
and metadata routing show through, so `clone`, ``set_params(estimator__C=...)``, pickling,
pipelines and searches work as they do for the bare estimator.

Checking input against ``signature_`` (see docs/estimators.md): where the bare estimator has a
rule of its own (the feature names and their order, the number of features, 2-D input, sparse
or dense), the call goes to it unchanged, so the tracked model raises exactly what the bare one
raises.  Where scikit-learn has no rule (the dtype of each column, nulls in an integer column,
unknown category levels), the signature decides: a safe cast is applied, anything else raises
`SignatureError` naming each column.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.utils import get_tags
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from .._models import Signature, TableSpec, infer_signature
from .._store import open_store
from ..exceptions import InvalidArgumentError
from ._evaluation import log_fit_curves, remember_training_rows
from ._fit_logging import fit_run, in_tracked_fit, log_fit, tracked_fit

__all__ = ["TrackedEstimator"]

# The methods whose metadata (sample_weight...) is routed to the same method of the inner
# estimator when metadata routing is enabled.
_ROUTED_METHODS = (
    "fit",
    "fit_transform",
    "fit_predict",
    "predict",
    "predict_proba",
    "predict_log_proba",
    "decision_function",
    "transform",
    "inverse_transform",
    "score",
)


def _inner_has(name: str) -> Callable[[Any], bool]:
    """For `available_if`: whether the fitted inner estimator (else the unfitted one) has it."""

    def check(self: TrackedEstimator) -> bool:
        inner = self.__dict__.get("estimator_", self.estimator)
        getattr(inner, name)  # raises AttributeError, which hides the method
        return True

    return check


class TrackedEstimator(MetaEstimatorMixin, BaseEstimator):
    """Wrap an estimator so that each fit logs a run: params, metrics, signature and model.

    Parameters
    ----------
    estimator : estimator
        The scikit-learn estimator to fit and track (it is cloned at fit).
    run_name : str, optional
        The name of the run a fit opens; generated (``adjective-animal``) if None.
    experiment : str, optional
        The experiment of the run a fit opens; the current one if None.
    log_model : bool, default=True
        Also save the fitted estimator as the run's model (skops, see `sktrack.log_model`).
    log_curves : bool, default=True
        Also log the training curves of a fit (ROC, precision-recall, confusion matrix...,
        see `evaluate`) under ``curves/training/``; `evaluate` logs its split's curves always.

    Attributes
    ----------
    estimator_ : estimator
        The fitted clone of ``estimator``.
    run_id_ : str or None
        The run the fit logged into; None for a fit nested in another tracked fit (a
        ``TrackedEstimator`` inside a tracked search or an autologged pipeline), which logs
        nothing of its own.
    signature_ : Signature or None
        The input (and outputs) seen at fit; None if ``X`` was a one-pass iterable.

    The fitted attributes of the inner estimator (``classes_``, ``n_features_in_``,
    ``feature_names_in_``, ``coef_``, ``labels_``...) are available on the wrapper too.

    Notes
    -----
    A fit inside an active run logs into that run (``run_name`` and ``experiment`` are then
    unused); otherwise it opens a run and ends it.  A fit logs ``get_params(deep=True)`` of
    the inner estimator (sub-estimators by class name), its training metrics under MLflow's
    names (``training_r2_score``...), the tags ``estimator_name`` and ``estimator_class``, a
    fingerprint of the data (``dataset.*`` tags), the signature (``signature.json``) and the
    model.  `score` logs ``test_score``; `evaluate` logs the task's whole metric set.

    Examples
    --------
    >>> import sktrack, tempfile
    >>> from sklearn.linear_model import LinearRegression
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> X = [[float(i), float(i % 3)] for i in range(80)]
    >>> y = [i + 10.0 * (i % 3) for i in range(80)]
    >>> est = TrackedEstimator(LinearRegression(), log_model=False).fit(X[::2], y[::2])
    >>> sktrack.get_run(est.run_id_).params["fit_intercept"]
    True
    >>> round(est.evaluate(X[1::2], y[1::2])["test_r2_score"], 6)  # rows held out
    1.0
    """

    def __init__(
        self,
        estimator: Any,
        *,
        run_name: str | None = None,
        experiment: str | None = None,
        log_model: bool = True,
        log_curves: bool = True,
    ) -> None:
        self.estimator = estimator
        self.run_name = run_name
        self.experiment = experiment
        self.log_model = log_model
        self.log_curves = log_curves

    # -- fitting --------------------------------------------------------------------------

    def fit(self, X: Any, y: Any = None, **fit_params: Any) -> TrackedEstimator:
        """Fit a clone of the estimator on ``(X, y)`` and log the fit.

        Parameters
        ----------
        X : array-like or DataFrame
        y : array-like, optional
            Always passed on, also when None.
        **fit_params : dict
            Passed to the inner ``fit`` (through metadata routing when it is enabled);
            ``sample_weight`` also weights the logged training metrics.

        Returns
        -------
        self
        """
        self._tracked_call("fit", X, y, fit_params)
        return self

    @available_if(_inner_has("fit_transform"))
    def fit_transform(self, X: Any, y: Any = None, **fit_params: Any) -> Any:
        """Fit with the inner ``fit_transform`` and log the fit; return its output."""
        return self._tracked_call("fit_transform", X, y, fit_params)

    @available_if(_inner_has("fit_predict"))
    def fit_predict(self, X: Any, y: Any = None, **fit_params: Any) -> Any:
        """Fit with the inner ``fit_predict`` and log the fit; return its output."""
        return self._tracked_call("fit_predict", X, y, fit_params)

    def _tracked_call(self, method: str, X: Any, y: Any, params: Mapping[str, Any]) -> Any:
        self._check_arguments()
        routed = self._route(method, params)
        estimator = clone(self.estimator)
        if in_tracked_fit():  # the tracked fit around this one logs
            result = getattr(estimator, method)(X, y, **routed)
            self._set_fitted(estimator, None, _signature_of(X), None)
            return result
        with tracked_fit(), fit_run(self.run_name, self.experiment) as run:
            result = getattr(estimator, method)(X, y, **routed)
            signature = log_fit(
                run,
                estimator,
                X,
                y,
                sample_weight=routed.get("sample_weight"),
                log_model=self.log_model,
            )
            if self.log_curves:
                log_fit_curves(run.store, run.run_id, estimator, X, y, routed.get("sample_weight"))
            training = remember_training_rows(X)
        self._set_fitted(estimator, run.run_id, signature, run.store.location, training)
        return result

    def _set_fitted(
        self,
        estimator: Any,
        run_id: str | None,
        signature: Signature | None,
        store_location: str | None,
        training_rows: tuple[np.ndarray, int] | None = None,
    ) -> None:
        self.estimator_ = estimator
        self.run_id_ = run_id
        self.signature_ = signature
        # The location, not the Store: a fitted estimator must pickle, and evaluate() may run
        # in another process.
        self._store_location = store_location
        # the kept hashes of the training rows, which evaluate() looks up (see _methodology)
        self._training_rows = training_rows

    def _check_arguments(self) -> None:
        if not hasattr(self.estimator, "fit"):
            raise InvalidArgumentError(
                f"TrackedEstimator needs an estimator with a fit method, got "
                f"{type(self.estimator).__name__}: pass e.g. TrackedEstimator(LinearRegression())"
            )
        for name in ("run_name", "experiment"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise InvalidArgumentError(
                    f"TrackedEstimator {name} must be a str or None, got {value!r}"
                )
        for name in ("log_model", "log_curves"):
            value = getattr(self, name)
            if not isinstance(value, bool | np.bool_):
                raise InvalidArgumentError(
                    f"TrackedEstimator {name} must be True or False, got {value!r}"
                )

    # -- delegated methods ----------------------------------------------------------------

    @available_if(_inner_has("predict"))
    def predict(self, X: Any, **params: Any) -> Any:
        """Predict with the inner estimator, after checking ``X`` against `signature_`."""
        return self._delegate("predict", X, params)

    @available_if(_inner_has("predict_proba"))
    def predict_proba(self, X: Any, **params: Any) -> Any:
        """Class probabilities from the inner estimator, after checking ``X``."""
        return self._delegate("predict_proba", X, params)

    @available_if(_inner_has("predict_log_proba"))
    def predict_log_proba(self, X: Any, **params: Any) -> Any:
        """Log class probabilities from the inner estimator, after checking ``X``."""
        return self._delegate("predict_log_proba", X, params)

    @available_if(_inner_has("decision_function"))
    def decision_function(self, X: Any, **params: Any) -> Any:
        """The inner estimator's decision function, after checking ``X``."""
        return self._delegate("decision_function", X, params)

    @available_if(_inner_has("score_samples"))
    def score_samples(self, X: Any, **params: Any) -> Any:
        """The inner estimator's per-sample scores, after checking ``X``."""
        check_is_fitted(self)
        return self.estimator_.score_samples(self._checked(X), **params)

    @available_if(_inner_has("transform"))
    def transform(self, X: Any, **params: Any) -> Any:
        """Transform with the inner estimator, after checking ``X``."""
        return self._delegate("transform", X, params)

    @available_if(_inner_has("inverse_transform"))
    def inverse_transform(self, X: Any, **params: Any) -> Any:
        """The inner estimator's inverse transform (its input is an output: not checked)."""
        check_is_fitted(self)
        return self.estimator_.inverse_transform(X, **self._route("inverse_transform", params))

    @available_if(_inner_has("score"))
    def score(self, X: Any, y: Any = None, **params: Any) -> Any:
        """The inner estimator's score on ``(X, y)``, also logged as ``test_score``.

        The value is logged into the fit's run (also after it ended), as a new point of the
        metric's history each time.
        """
        value = self.estimator_.score(self._checked(X), y, **self._route("score", params))
        self._log_metrics({"test_score": value})
        return value

    @available_if(_inner_has("get_feature_names_out"))
    def get_feature_names_out(self, input_features: Any = None) -> Any:
        """The output feature names of the fitted inner estimator."""
        check_is_fitted(self)
        return self.estimator_.get_feature_names_out(input_features)

    @available_if(_inner_has("set_output"))
    def set_output(self, *, transform: str | None = None) -> TrackedEstimator:
        """Set the output container of ``transform`` (``"pandas"``...) on the inner estimator.

        Like `Pipeline.set_output`, this configures the estimator given as a parameter (and
        the fitted clone, if any).
        """
        self.estimator.set_output(transform=transform)
        if "estimator_" in self.__dict__:
            self.estimator_.set_output(transform=transform)
        return self

    def _delegate(self, method: str, X: Any, params: Mapping[str, Any]) -> Any:
        X = self._checked(X)
        return getattr(self.estimator_, method)(X, **self._route(method, params))

    def _checked(self, X: Any) -> Any:
        check_is_fitted(self)
        signature = self.signature_
        if signature is None or not _same_layout(signature, X):
            return X  # the inner estimator applies its own rules (see the module docstring)
        return signature.check(X)

    # -- evaluation -------------------------------------------------------------------------

    def evaluate(
        self, X: Any, y: Any = None, split: str = "test", *, sample_weight: Any = None
    ) -> dict[str, float]:
        """Compute the task's standard metrics and curves on ``(X, y)``, log and return them.

        The curves (see docs/evaluation.md) are logged as tables under ``curves/<split>/``,
        from the same predictions as the metrics.  A methodological mistake (evaluating on
        rows the model was fitted on, a split too small, a feature reproducing the target)
        is raised as a `MethodologyWarning` and tagged ``sktrack.warning.<code>``.

        Parameters
        ----------
        X : array-like or DataFrame
            Checked against `signature_` as for `predict`.
        y : array-like, optional
            The true targets (None only for a clusterer).
        split : str, default="test"
            The metric names' prefix: ``test_r2_score``, ``val_accuracy_score``...
        sample_weight : array-like, optional
            Weights every metric honours.

        Returns
        -------
        dict of str to float
            Regressors: ``<split>_r2_score``, ``_mean_squared_error``,
            ``_root_mean_squared_error``, ``_mean_absolute_error``, ``_score``; classifiers:
            ``_accuracy_score``, ``_precision_score``, ``_recall_score``, ``_f1_score``,
            ``_log_loss``, ``_roc_auc``, ``_score``; clusterers: ``_score``,
            ``_silhouette_score``.  Empty for a transformer.  Logged into the fit's run, also
            after it ended.

        Examples
        --------
        >>> import sktrack, tempfile
        >>> from sklearn.tree import DecisionTreeClassifier
        >>> _ = sktrack.set_store(tempfile.mkdtemp())
        >>> X, y = [[i] for i in range(80)], [0] * 40 + [1] * 40
        >>> est = TrackedEstimator(DecisionTreeClassifier(), log_model=False).fit(X[::2], y[::2])
        >>> est.evaluate(X[1::2], y[1::2], split="holdout")["holdout_accuracy_score"]
        1.0
        >>> sorted(sktrack.list_artifacts(est.run_id_, "curves/holdout"))[:2]
        ['curves/holdout/calibration.parquet', 'curves/holdout/confusion_matrix.parquet']
        """
        from .._store import validate_key
        from ._evaluation import evaluate_into

        if not isinstance(split, str) or not split:
            raise InvalidArgumentError(
                f"evaluate split must be a non-empty str such as 'test' or 'val', got {split!r}"
            )
        validate_key("metric", f"{split}_score")
        checked = self._checked(X)
        location = self._store_location
        return evaluate_into(
            self.estimator_,
            checked,
            y,
            split,
            sample_weight=sample_weight,
            store=open_store(location) if self.run_id_ is not None and location else None,
            run_id=self.run_id_,
            training=self.__dict__.get("_training_rows"),
            raw_X=X,
        )

    def _log_metrics(self, metrics: Mapping[str, Any]) -> None:
        if metrics and self.run_id_ is not None and self._store_location is not None:
            open_store(self._store_location).log(self.run_id_, metrics=metrics)

    # -- the scikit-learn protocol ----------------------------------------------------------

    def __sklearn_tags__(self) -> Any:
        # The wrapper is whatever it wraps: a classifier, a transformer, a clusterer...
        return copy.deepcopy(get_tags(self.estimator))

    def __sklearn_is_fitted__(self) -> bool:
        return "estimator_" in self.__dict__

    def get_metadata_routing(self) -> MetadataRouter:
        """Route each method's metadata to the same method of the inner estimator."""
        mapping = MethodMapping()
        for method in _ROUTED_METHODS:
            mapping.add(caller=method, callee=method)
        return MetadataRouter(owner=type(self).__name__).add(
            estimator=self.estimator, method_mapping=mapping
        )

    def _route(self, method: str, params: Mapping[str, Any]) -> dict[str, Any]:
        if not params:
            return {}
        if _routing_enabled():
            return dict(process_routing(self, method, **params).estimator[method])
        return dict(params)

    def _sktrack_model_to_save(self) -> Any:
        """What `log_model` saves for this wrapper: the bare fitted inner estimator."""
        check_is_fitted(self)
        return self.estimator_

    def __getattr__(self, name: str) -> Any:
        # Only reached when normal lookup fails: show the inner estimator's fitted attributes.
        fitted = self.__dict__.get("estimator_")
        if fitted is not None and name.endswith("_") and not name.startswith("_"):
            if hasattr(fitted, name):
                return getattr(fitted, name)
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute {name!r}, nor has its "
                f"fitted {type(fitted).__name__}"
            )
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")


def _signature_of(X: Any) -> Signature | None:
    if not (hasattr(X, "shape") or hasattr(X, "__len__")):
        return None
    return infer_signature(X)


def _same_layout(signature: Signature, X: Any) -> bool:
    """Whether ``X`` is laid out as at fit: the same columns in the same order, or the same
    number of dimensions and features, dense or sparse alike."""
    import pandas as pd
    from scipy import sparse

    spec = signature.inputs
    if isinstance(spec, TableSpec):
        if spec.series:
            return isinstance(X, pd.Series)
        return isinstance(X, pd.DataFrame) and list(X.columns) == spec.names
    if isinstance(X, pd.DataFrame | pd.Series) or sparse.issparse(X) != (spec.format is not None):
        return False
    shape = np.shape(X) if hasattr(X, "shape") or isinstance(X, list | tuple) else None
    return (
        shape is not None and len(shape) == len(spec.shape) and tuple(shape[1:]) == spec.shape[1:]
    )
