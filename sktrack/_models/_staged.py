"""StagedModel: a registered model as a step of a scikit-learn pipeline."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from copy import deepcopy
from typing import Any

from sklearn.base import BaseEstimator
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if

from ..exceptions import SktrackError

__all__ = ["StagedModel"]


def _model_has(attr: str) -> Callable[[StagedModel], bool]:
    """For `available_if`: whether the model behind the URI has ``attr`` (resolving it)."""

    def check(self: StagedModel) -> bool:
        try:
            model = self._model()
        except SktrackError:
            return True  # so that calling the method raises the real error, not AttributeError
        getattr(model, attr)  # raises the model's own AttributeError if absent
        return True

    return check


class StagedModel(BaseEstimator):
    """A scikit-learn estimator backed by a logged or registered model, for pipelines.

    It resolves ``uri`` once, at `fit` or at first use, and pins what it got: after that,
    moving an alias or a stage does not change which model it uses (``version_`` says which).
    Like scikit-learn's ``FrozenEstimator`` it counts as fitted from the start, so a pipeline
    can predict with it without being fitted, and `fit` never retrains it.  Inputs are checked
    against the model's signature before every call.

    Parameters
    ----------
    uri : str or path
        Any model URI accepted by `sktrack.load_model`, e.g. ``models:/prices@champion``.
    trusted : list of str, optional
        Types to trust when loading, as for `sktrack.load_model`.

    Attributes
    ----------
    estimator_ : estimator
        The loaded model.
    version_ : int or None
        The registry version resolved, or None for a run or folder URI.
    model_version_ : ModelVersion or None
        The registry record of that version.
    signature_ : Signature or None
        The signature inputs are checked against.

    Examples
    --------
    >>> import sktrack, tempfile
    >>> from sklearn.linear_model import LinearRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> info = sktrack.log_model(LinearRegression().fit([[0.0], [1.0]], [0.0, 2.0]),
    ...                          registered_model_name="doubler")
    >>> pipe = make_pipeline(sktrack.StagedModel("models:/doubler/latest"))
    >>> pipe.predict([[3.0]]).round(6).tolist()
    [6.0]
    >>> pipe[-1].version_
    1
    """

    def __init__(
        self, uri: str | os.PathLike[str], *, trusted: Iterable[str | type] | None = None
    ) -> None:
        self.uri = uri
        self.trusted = trusted

    # -- resolution -------------------------------------------------------------------------

    def _model(self) -> Any:
        """The loaded model, resolving and pinning the URI on first use."""
        if "estimator_" not in self.__dict__:
            self._resolve()
        return self.estimator_

    def _resolve(self) -> None:
        from ._folder import load_model_folder, read_model_meta
        from ._resolve import resolve_model_uri

        location = resolve_model_uri(self.uri)
        meta = read_model_meta(location.fs, location.folder, location.source)
        estimator = load_model_folder(
            location.fs,
            location.folder,
            source=location.source,
            trusted=self.trusted,
            expected_sha256=location.sha256,
            meta=meta,
        )
        mv = location.model_version
        signature = (mv.signature if mv is not None else None) or meta.signature
        self.model_version_ = mv
        self.version_ = None if mv is None else mv.version
        self.signature_ = None if signature is None else _signature_from(signature)
        self.estimator_ = estimator  # set last: its presence means "resolved"

    def _checked(self, X: Any) -> Any:
        self._model()
        return X if self.signature_ is None else self.signature_.check(X)

    # -- the estimator contract --------------------------------------------------------------

    def fit(self, X: Any = None, y: Any = None, **fit_params: Any) -> StagedModel:
        """Resolve the URI (if not done yet); never retrains the model.

        Parameters
        ----------
        X, y, **fit_params
            Ignored; accepted so that pipelines and searches can call ``fit``.

        Returns
        -------
        self : StagedModel
        """
        self._model()
        return self

    def __sklearn_is_fitted__(self) -> bool:
        # fitted from the start, like FrozenEstimator: the model behind the URI is
        return True

    def __sklearn_clone__(self) -> StagedModel:
        # a clone keeps the pinned model, so every candidate of a search uses the same version
        clone = type(self)(self.uri, trusted=deepcopy(self.trusted))
        if "estimator_" in self.__dict__:
            for attr in ("model_version_", "version_", "signature_", "estimator_"):
                setattr(clone, attr, getattr(self, attr))
        return clone

    def __sklearn_tags__(self) -> Any:
        tags = deepcopy(get_tags(self._model()))
        tags._skip_test = True  # needs a registered model; tested in tests/test_staged.py
        return tags

    # -- delegation --------------------------------------------------------------------------

    @available_if(_model_has("predict"))
    def predict(self, X: Any, **params: Any) -> Any:
        """The model's ``predict`` on ``X``, after checking ``X`` against the signature."""
        return self._model().predict(self._checked(X), **params)

    @available_if(_model_has("predict_proba"))
    def predict_proba(self, X: Any, **params: Any) -> Any:
        """The model's ``predict_proba`` on ``X``, after checking ``X``."""
        return self._model().predict_proba(self._checked(X), **params)

    @available_if(_model_has("predict_log_proba"))
    def predict_log_proba(self, X: Any, **params: Any) -> Any:
        """The model's ``predict_log_proba`` on ``X``, after checking ``X``."""
        return self._model().predict_log_proba(self._checked(X), **params)

    @available_if(_model_has("decision_function"))
    def decision_function(self, X: Any, **params: Any) -> Any:
        """The model's ``decision_function`` on ``X``, after checking ``X``."""
        return self._model().decision_function(self._checked(X), **params)

    @available_if(_model_has("transform"))
    def transform(self, X: Any, **params: Any) -> Any:
        """The model's ``transform`` of ``X``, after checking ``X``."""
        return self._model().transform(self._checked(X), **params)

    @available_if(_model_has("score"))
    def score(self, X: Any, y: Any = None, **params: Any) -> Any:
        """The model's ``score`` on ``X, y``, after checking ``X``."""
        return self._model().score(self._checked(X), y, **params)

    @available_if(_model_has("get_feature_names_out"))
    def get_feature_names_out(self, input_features: Any = None) -> Any:
        """The model's output feature names."""
        return self._model().get_feature_names_out(input_features)

    @available_if(_model_has("set_output"))
    def set_output(self, *, transform: str | None = None) -> StagedModel:
        """Configure the model's output container (``"default"``, ``"pandas"``, ...)."""
        self._model().set_output(transform=transform)
        return self

    @property
    def classes_(self) -> Any:
        """The model's class labels (classifiers only)."""
        return self._model().classes_

    @property
    def n_features_in_(self) -> int:
        """The number of features the model was fitted on."""
        return int(self._model().n_features_in_)

    @property
    def feature_names_in_(self) -> Any:
        """The feature names the model was fitted on (when fitted on a DataFrame)."""
        return self._model().feature_names_in_


def _signature_from(data: Any) -> Any:
    from ._signature import Signature

    return Signature.from_dict(dict(data))
