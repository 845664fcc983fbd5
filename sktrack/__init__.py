"""sktrack: experiment tracking and a model registry for scikit-learn, with no server to run.

The public names are listed in ``__all__``.  Each is imported from its module on first use, so
``import sktrack`` loads neither scikit-learn, pandas, pyarrow nor skops.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .exceptions import (
    ArtifactNotFoundError,
    ExperimentNotFoundError,
    FilterSyntaxError,
    InvalidArgumentError,
    InvalidURIError,
    ModelIntegrityError,
    ModelNotFoundError,
    ModelVersionNotFoundError,
    NotFoundError,
    ParamConflictError,
    RunNotFoundError,
    RunStateError,
    SignatureError,
    SktrackError,
    StoreError,
    UntrustedTypesError,
)

__version__ = "0.1.0"

# public name -> the private module that defines it
_LAZY: dict[str, str] = {
    # store and experiments
    "set_store": "_tracking",
    "get_store": "_tracking",
    "set_experiment": "_tracking",
    "list_experiments": "_tracking",
    "compact": "_tracking",
    # runs
    "start_run": "_tracking",
    "active_run": "_tracking",
    "end_run": "_tracking",
    "log_param": "_tracking",
    "log_params": "_tracking",
    "log_metric": "_tracking",
    "log_metrics": "_tracking",
    "set_tag": "_tracking",
    "set_tags": "_tracking",
    "log_artifact": "_tracking",
    "log_table": "_tracking",
    "log_figure": "_tracking",
    "get_run": "_tracking",
    "get_metric_history": "_tracking",
    "search_runs": "_tracking",
    # records
    "Experiment": "_records",
    "Metric": "_records",
    "ModelVersion": "_records",
    "Run": "_records",
    "RunInfo": "_records",
    "RunStatus": "_records",
    # estimators
    "TrackedEstimator": "_estimator",
    "TrackedGridSearchCV": "_search",
    "TrackedRandomizedSearchCV": "_search",
    "TrackedHalvingGridSearchCV": "_search",
    "TrackedHalvingRandomSearchCV": "_search",
    "TrackingCallback": "_callback",
    "autolog": "_autolog",
    # signatures
    "Signature": "_signature",
    "infer_signature": "_signature",
    # models and registry
    "ModelInfo": "_models",
    "log_model": "_models",
    "load_model": "_models",
    "StagedModel": "_staged",
}

__all__ = [
    "ArtifactNotFoundError",
    "ExperimentNotFoundError",
    "FilterSyntaxError",
    "InvalidArgumentError",
    "InvalidURIError",
    "ModelIntegrityError",
    "ModelNotFoundError",
    "ModelVersionNotFoundError",
    "NotFoundError",
    "ParamConflictError",
    "RunNotFoundError",
    "RunStateError",
    "SignatureError",
    "SktrackError",
    "StoreError",
    "UntrustedTypesError",
    "registry",
    *_LAZY,
]


def __getattr__(name: str) -> Any:
    if name == "registry":
        return importlib.import_module(".registry", __name__)
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'sktrack' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


if TYPE_CHECKING:
    from . import registry
    from ._autolog import autolog
    from ._callback import TrackingCallback
    from ._estimator import TrackedEstimator
    from ._models import ModelInfo, load_model, log_model
    from ._records import Experiment, Metric, ModelVersion, Run, RunInfo, RunStatus
    from ._search import (
        TrackedGridSearchCV,
        TrackedHalvingGridSearchCV,
        TrackedHalvingRandomSearchCV,
        TrackedRandomizedSearchCV,
    )
    from ._signature import Signature, infer_signature
    from ._staged import StagedModel
    from ._tracking import (
        active_run,
        compact,
        end_run,
        get_metric_history,
        get_run,
        get_store,
        list_experiments,
        log_artifact,
        log_figure,
        log_metric,
        log_metrics,
        log_param,
        log_params,
        log_table,
        search_runs,
        set_experiment,
        set_store,
        set_tag,
        set_tags,
        start_run,
    )
