"""What a tracked fit records, shared by TrackedEstimator, the tracked searches and autolog.

`log_fit` writes one fit into a run, in one batch: the estimator's params, its training
metrics, the tags ``estimator_name`` and ``estimator_class``, the dataset fingerprint as
``dataset.*`` tags, then the signature (artifact ``signature.json``) and the model.

`tracked_fit` marks the fits that log: a fit that starts while another tracked fit is running
(a pipeline's steps, the clones a cross-validation or a search fits, a ``TrackedEstimator``
inside a ``TrackedEstimator``) checks `in_tracked_fit` and logs nothing of its own.  The mark
is a `contextvars.ContextVar`: it follows the code into nested calls, but not into the
worker processes or threads a joblib backend starts (processes never see autolog's patches,
so that matters only for a threading backend).

The dataset fingerprint goes into tags, not params: it describes the data a fit saw, not a
setting of the model, and tags may change when the same estimator is fitted again on other
data inside one run (params may not).
"""

from __future__ import annotations

import contextvars
import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .._tracking import active_run, start_run

if TYPE_CHECKING:
    from .._models import Signature
    from .._store import Run

__all__ = [
    "SIGNATURE_ARTIFACT",
    "dataset_tags",
    "estimator_params",
    "estimator_tags",
    "fit_run",
    "in_tracked_fit",
    "log_fit",
    "log_signature_and_model",
    "tracked_fit",
]

#: The run artifact that holds the signature of the logged fit, as `Signature.to_json` writes it.
SIGNATURE_ARTIFACT = "signature.json"

# A param value rendered longer than this is cut: params are for comparing runs at a glance.
_MAX_PARAM_CHARS = 500
# Column names and dtypes listed in the dataset tags; the signature lists every one of them.
_MAX_LISTED_COLUMNS = 100
# Rows predicted to record the signature's outputs.
_OUTPUT_SAMPLE_ROWS = 5

_inside: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "sktrack_inside_tracked_fit", default=False
)


def in_tracked_fit() -> bool:
    """Whether a tracked fit is running in this context (so a nested fit must not log)."""
    return _inside.get()


@contextmanager
def tracked_fit() -> Iterator[None]:
    """Mark the code inside as a tracked fit: fits nested in it see `in_tracked_fit`."""
    token = _inside.set(True)
    try:
        yield
    finally:
        _inside.reset(token)


@contextmanager
def fit_run(
    run_name: str | None = None,
    experiment: str | None = None,
    tags: Mapping[str, Any] | None = None,
) -> Iterator[Run]:
    """The run a fit logs into: the active run, else a new one ended when the block ends.

    ``run_name``, ``experiment`` and ``tags`` apply only to a new run.  An exception inside
    the block marks a new run FAILED and propagates unchanged; an active run is left as it is.
    """
    run = active_run()
    if run is not None:
        if tags:
            run.set_tags(tags)
        yield run
        return
    with start_run(run_name, experiment=experiment, tags=tags) as new_run:
        yield new_run


def log_fit(
    run: Run,
    estimator: Any,
    X: Any,
    y: Any,
    *,
    sample_weight: Any = None,
    log_model: bool = True,
    prefix: str = "training",
) -> Signature | None:
    """Log one fit of ``estimator`` on ``(X, y)`` into ``run``.

    Parameters
    ----------
    run : Run
        The run to log into.  With ``log_model=True`` it must be the active run.
    estimator : fitted estimator
        Its ``get_params(deep=True)`` become params (sub-estimators by class name).
    X, y : array-like
        The data it was fitted on; ``y`` may be None.
    sample_weight : array-like, optional
        Honoured by the training metrics.
    log_model : bool, default=True
        Also save the estimator as the run's model ``model``, with its signature.
    prefix : str, default="training"
        The prefix of the metric names: ``training_r2_score``...

    Returns
    -------
    Signature or None
        The signature of ``X`` (with the outputs predicted for its first rows); None when
        ``X`` is a one-pass iterable that cannot be described after the fit.

    Examples
    --------
    >>> import sktrack, tempfile
    >>> from sklearn.linear_model import LinearRegression
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> X, y = [[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0]
    >>> with sktrack.start_run() as run:
    ...     sig = log_fit(run, LinearRegression().fit(X, y), X, y, log_model=False)
    >>> sktrack.get_run(run.run_id).metrics["training_r2_score"]
    1.0
    """
    from ._dataset import dataset_fingerprint
    from ._metrics import compute_metrics

    describable = _describable(X)
    tags = estimator_tags(estimator)
    if describable:
        tags |= dataset_tags(dataset_fingerprint(X, y))
    metrics = compute_metrics(estimator, X, y, sample_weight=sample_weight, prefix=prefix)
    run.store.log(run.run_id, params=estimator_params(estimator), metrics=metrics, tags=tags)
    if log_model:
        _require_active(run)
    return log_signature_and_model(run, estimator, X, log_model=log_model)


def log_signature_and_model(
    run: Run, estimator: Any, X: Any, *, log_model: bool
) -> Signature | None:
    """Write the signature of ``X`` (the ``signature.json`` artifact) and, with
    ``log_model``, the estimator as model ``model`` of ``run``, active or not.

    Returns the signature; None when ``X`` is a one-pass iterable (nothing to describe).
    """
    from .._models import log_model_into

    signature = _signature(estimator, X) if _describable(X) else None
    if signature is not None:
        run.store.write_artifact(run.run_id, SIGNATURE_ARTIFACT, signature.to_json().encode())
    if log_model:
        log_model_into(run, estimator, "model", signature)
    return signature


def _describable(X: Any) -> bool:
    # Text vectorizers accept any iterable; a generator is used up by the fit.
    return hasattr(X, "shape") or hasattr(X, "__len__")


def _signature(estimator: Any, X: Any) -> Signature:
    from .._models import infer_signature

    outputs = None
    rows = min(_OUTPUT_SAMPLE_ROWS, _n_rows(X))
    if hasattr(estimator, "predict") and rows:
        outputs = estimator.predict(_head(X, rows))
    return infer_signature(X, outputs)


def _head(X: Any, rows: int) -> Any:
    from scipy import sparse
    from sklearn.utils import _safe_indexing

    if sparse.issparse(X) and X.format not in ("csr", "csc"):
        X = X.tocsr()  # dia, coo... cannot be sliced
    return _safe_indexing(X, slice(0, rows))


def _n_rows(X: Any) -> int:
    shape = getattr(X, "shape", None)
    return int(shape[0]) if shape is not None and len(shape) else len(X)


def _require_active(run: Run) -> None:
    from ..exceptions import RunStateError

    current = active_run()
    if current is None or current.run_id != run.run_id:
        raise RunStateError(
            f"log_fit(log_model=True) logs the model into the active run, but run {run.run_id} "
            "is not active; call it inside `with start_run(...)` for that run"
        )


# -- what is recorded ---------------------------------------------------------------------


def estimator_tags(estimator: Any) -> dict[str, str]:
    """``estimator_name`` (the class name) and ``estimator_class`` (its import path), as
    MLflow names them."""
    cls = type(estimator)
    return {
        "estimator_name": cls.__name__,
        "estimator_class": f"{cls.__module__}.{cls.__qualname__}",
    }


def estimator_params(estimator: Any) -> dict[str, Any]:
    """``estimator.get_params(deep=True)`` as loggable values.

    Numbers, strings, bools and None stay as they are; a sub-estimator becomes its class name,
    a function its name, and anything else a repr with estimators inside it replaced by their
    class names, without memory addresses, cut to 500 characters.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.linear_model import Ridge
    >>> params = estimator_params(make_pipeline(StandardScaler(), Ridge(alpha=2.0)))
    >>> params["ridge"], params["ridge__alpha"], params["steps"]
    ('Ridge', 2.0, "[('standardscaler', 'StandardScaler'), ('ridge', 'Ridge')]")
    """
    return {key: _param_value(value) for key, value in estimator.get_params(deep=True).items()}


def _param_value(value: Any) -> Any:
    plain = _plain(value)
    if plain is None or isinstance(plain, bool | int | float | str):
        return plain
    text = re.sub(r" at 0x[0-9a-fA-F]+", "", repr(plain))
    return text if len(text) <= _MAX_PARAM_CHARS else text[: _MAX_PARAM_CHARS - 3] + "..."


def _plain(value: Any) -> Any:
    """``value`` with estimators, functions and numpy values turned into plain Python."""
    if hasattr(value, "get_params") and not isinstance(value, type):
        return type(value).__name__
    if isinstance(value, list | tuple):
        return type(value)(_plain(item) for item in value)
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, type):
        return f"{value.__module__}.{value.__qualname__}"
    if callable(value) and hasattr(value, "__name__"):
        return value.__name__  # functions and numpy ufuncs such as np.log1p
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "ndim", None) == 0:
        return item()  # numpy scalars
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def dataset_tags(fingerprint: Mapping[str, Any]) -> dict[str, str]:
    """The ``dataset.*`` tags of a `dataset_fingerprint`.

    ``dataset.hash`` (SHA-256 over the description and every value of X and y),
    ``dataset.hash_version``, ``dataset.kind``, ``dataset.shape``, ``dataset.columns`` and
    ``dataset.dtypes`` (JSON lists, the first 100 entries), ``dataset.y_shape`` and
    ``dataset.y_dtypes`` when there is a y.
    """
    tags = {
        "dataset.hash": str(fingerprint["hash"]),
        "dataset.hash_version": str(fingerprint["hash_version"]),
        "dataset.kind": str(fingerprint["kind"]),
        "dataset.shape": json.dumps(fingerprint["shape"]),
        "dataset.dtypes": _json_list(fingerprint["dtypes"]),
    }
    if fingerprint.get("columns") is not None:
        tags["dataset.columns"] = _json_list(fingerprint["columns"])
    target = fingerprint.get("y")
    if target is not None:
        tags["dataset.y_shape"] = json.dumps(target["shape"])
        tags["dataset.y_dtypes"] = _json_list(target["dtypes"])
    return tags


def _json_list(values: list[Any]) -> str:
    listed = list(values[:_MAX_LISTED_COLUMNS])
    if len(values) > _MAX_LISTED_COLUMNS:
        listed.append(f"... {len(values) - _MAX_LISTED_COLUMNS} more")
    return json.dumps(listed, default=str)
