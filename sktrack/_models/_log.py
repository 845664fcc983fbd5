"""The model verbs: `log_model` (into the active run, registering it if asked) and `load_model`
(by URI, refusing damaged files and untrusted types)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .._tracking import active_run, start_run
from ._folder import ModelInfo, load_model_folder, log_model_into, read_model_meta
from ._registry import register_model
from ._resolve import ModelLocation, resolve_model_uri
from ._signature import Signature
from ._uri import check_name

__all__ = ["LoadedModel", "load_located", "load_model", "log_model"]


@dataclass(frozen=True)
class LoadedModel:
    """A model loaded from where a URI resolved to, with what was recorded beside it.

    For code that needs more than the estimator (a server shows its signature, hash and
    version): `load_located` builds one.
    """

    estimator: Any
    location: ModelLocation
    signature: Signature | None
    sha256: str
    estimator_class: str


def log_model(
    estimator: Any,
    name: str = "model",
    *,
    signature: Any = None,
    registered_model_name: str | None = None,
) -> ModelInfo:
    """Save a fitted estimator as a model folder in the active run's artifacts.

    With no active run, a run is started for it and ended afterwards.

    Parameters
    ----------
    estimator : estimator
        The fitted estimator.  Callbacks and tracking wrappers are not saved.
    name : str, default="model"
        The folder name in the run's artifacts (letters, digits, ``-``, ``_``, ``.``).
    signature : Signature or dict, optional
        What the model takes as input; see `sktrack.infer_signature`.
    registered_model_name : str, optional
        Also register the model under this name, as its next version.

    Returns
    -------
    ModelInfo
        With ``model_uri`` (``runs:/<run_id>/<name>``) to pass to `load_model`.

    Examples
    --------
    >>> import sktrack, tempfile
    >>> from sklearn.linear_model import LinearRegression
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> info = sktrack.log_model(LinearRegression().fit([[0], [1]], [0, 1]))
    >>> sktrack.load_model(info.model_uri).predict([[2]]).round(3).tolist()
    [2.0]
    """
    check_name(name, "model name")
    run = active_run()
    if run is not None:
        info = log_model_into(run, estimator, name, signature)
    else:
        with start_run() as new_run:
            info = log_model_into(new_run, estimator, name, signature)
    if registered_model_name is None:
        return info
    version = register_model(info.model_uri, registered_model_name)
    return ModelInfo(**{**info.__dict__, "registered_model_version": version})


def load_model(uri: str | os.PathLike[str], *, trusted: Iterable[str | type] | None = None) -> Any:
    """Load a fitted estimator by URI, refusing damaged files and untrusted types.

    Parameters
    ----------
    uri : str or path
        ``runs:/<run_id>/<name>``, ``models:/<name>/<version>``, ``models:/<name>/<stage>``,
        ``models:/<name>/latest``, ``models:/<name>@<alias>``, or a model folder's path.
    trusted : list of str or type, optional
        Types to trust besides skops's defaults, sktrack's built-in list and the user's
        configuration (``$SKTRACK_TRUSTED_TYPES``, ``~/.config/sktrack/trusted.txt``).

    Returns
    -------
    estimator
        The fitted estimator.

    Raises
    ------
    InvalidURIError, ModelNotFoundError, ModelVersionNotFoundError, RunNotFoundError,
    ArtifactNotFoundError
        When the URI does not parse or names something that does not exist.
    ModelIntegrityError
        When ``model.skops`` does not match the sha256 recorded when it was logged.
    UntrustedTypesError
        When the model needs types outside the trusted set; they are named.

    Warns
    -----
    VersionMismatchWarning
        When Python, scikit-learn or numpy differ from the versions the model was saved with.

    Examples
    --------
    >>> import sktrack, tempfile
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> info = sktrack.log_model(DecisionTreeClassifier().fit([[0], [1]], [0, 1]))
    >>> sktrack.load_model(info.model_uri).predict([[1]]).tolist()
    [1]
    """
    location = resolve_model_uri(uri)
    return load_model_folder(
        location.fs,
        location.folder,
        source=location.source,
        trusted=trusted,
        expected_sha256=location.sha256,
    )


def load_located(
    location: ModelLocation, *, trusted: Iterable[str | type] | None = None
) -> LoadedModel:
    """Load the model at a resolved location, with its signature and hash.

    The same checks as `load_model` (sha256, versions, trusted types).  The signature is the
    registry's record when the location is a registered version, else ``model.json``'s.

    Examples
    --------
    >>> import sktrack, tempfile
    >>> from sklearn.linear_model import LinearRegression
    >>> from sktrack._models import load_located, resolve_model_uri
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> info = sktrack.log_model(LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0]))
    >>> load_located(resolve_model_uri(info.model_uri)).estimator_class
    'sklearn.linear_model._base.LinearRegression'
    """
    meta = read_model_meta(location.fs, location.folder, location.source)
    estimator = load_model_folder(
        location.fs,
        location.folder,
        source=location.source,
        trusted=trusted,
        expected_sha256=location.sha256,
        meta=meta,
    )
    mv = location.model_version
    recorded = (mv.signature if mv is not None else None) or meta.signature
    signature = None if recorded is None else Signature.from_dict(dict(recorded))
    return LoadedModel(estimator, location, signature, meta.sha256, meta.estimator_class)
