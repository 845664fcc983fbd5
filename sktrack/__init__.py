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
    UnsupportedError,
    UntrustedTypesError,
)

__version__ = "0.1.0"

# public name -> the layer package that exports it
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
    "log_image": "_tracking",
    "get_run": "_tracking",
    "get_metric_history": "_tracking",
    "search_runs": "_tracking",
    "list_artifacts": "_tracking",
    "read_artifact": "_tracking",
    "load_table": "_tracking",
    # the everyday calls of MLflow users
    "delete_experiment": "_tracking",
    "delete_run": "_tracking",
    "get_experiment_by_name": "_tracking",
    "get_parent_run": "_tracking",
    "last_active_run": "_tracking",
    "log_artifacts": "_tracking",
    "log_dict": "_tracking",
    "log_text": "_tracking",
    "restore_experiment": "_tracking",
    "restore_run": "_tracking",
    "search_experiments": "_tracking",
    "set_experiment_tag": "_tracking",
    "delete_experiment_tag": "_tracking",
    "get_experiment_tags": "_tracking",
    # records
    "Experiment": "_store",
    "Metric": "_store",
    "ModelVersion": "_store",
    "Run": "_store",
    "RunInfo": "_store",
    "RunStatus": "_store",
    # estimators
    "TrackedEstimator": "_sklearn",
    "TrackedGridSearchCV": "_sklearn",
    "TrackedRandomizedSearchCV": "_sklearn",
    "TrackedHalvingGridSearchCV": "_sklearn",
    "TrackedHalvingRandomSearchCV": "_sklearn",
    "TrackingCallback": "_sklearn",
    "autolog": "_sklearn",
    "log_input": "_sklearn",
    # signatures
    "Signature": "_models",
    "infer_signature": "_models",
    # models and registry
    "ModelInfo": "_models",
    "log_model": "_models",
    "load_model": "_models",
    "StagedModel": "_models",
    "gc": "_models",
    "GcReport": "_models",
    # figures (the plots extra)
    "plot": "_plots",
    # coming from MLflow
    "import_mlflow": "_mlflow",
    "ImportReport": "_mlflow",
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
    "UnsupportedError",
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
    from . import registry as registry
    from ._mlflow import ImportReport as ImportReport
    from ._mlflow import import_mlflow as import_mlflow
    from ._models import GcReport as GcReport
    from ._models import ModelInfo as ModelInfo
    from ._models import Signature as Signature
    from ._models import StagedModel as StagedModel
    from ._models import gc as gc
    from ._models import infer_signature as infer_signature
    from ._models import load_model as load_model
    from ._models import log_model as log_model
    from ._plots import plot as plot
    from ._sklearn import TrackedEstimator as TrackedEstimator
    from ._sklearn import TrackedGridSearchCV as TrackedGridSearchCV
    from ._sklearn import TrackedHalvingGridSearchCV as TrackedHalvingGridSearchCV
    from ._sklearn import TrackedHalvingRandomSearchCV as TrackedHalvingRandomSearchCV
    from ._sklearn import TrackedRandomizedSearchCV as TrackedRandomizedSearchCV
    from ._sklearn import TrackingCallback as TrackingCallback
    from ._sklearn import autolog as autolog
    from ._sklearn import log_input as log_input
    from ._store import Experiment as Experiment
    from ._store import Metric as Metric
    from ._store import ModelVersion as ModelVersion
    from ._store import Run as Run
    from ._store import RunInfo as RunInfo
    from ._store import RunStatus as RunStatus
    from ._tracking import active_run as active_run
    from ._tracking import compact as compact
    from ._tracking import delete_experiment as delete_experiment
    from ._tracking import delete_experiment_tag as delete_experiment_tag
    from ._tracking import delete_run as delete_run
    from ._tracking import end_run as end_run
    from ._tracking import get_experiment_by_name as get_experiment_by_name
    from ._tracking import get_experiment_tags as get_experiment_tags
    from ._tracking import get_metric_history as get_metric_history
    from ._tracking import get_parent_run as get_parent_run
    from ._tracking import get_run as get_run
    from ._tracking import get_store as get_store
    from ._tracking import last_active_run as last_active_run
    from ._tracking import list_artifacts as list_artifacts
    from ._tracking import list_experiments as list_experiments
    from ._tracking import load_table as load_table
    from ._tracking import log_artifact as log_artifact
    from ._tracking import log_artifacts as log_artifacts
    from ._tracking import log_dict as log_dict
    from ._tracking import log_figure as log_figure
    from ._tracking import log_image as log_image
    from ._tracking import log_metric as log_metric
    from ._tracking import log_metrics as log_metrics
    from ._tracking import log_param as log_param
    from ._tracking import log_params as log_params
    from ._tracking import log_table as log_table
    from ._tracking import log_text as log_text
    from ._tracking import read_artifact as read_artifact
    from ._tracking import restore_experiment as restore_experiment
    from ._tracking import restore_run as restore_run
    from ._tracking import search_experiments as search_experiments
    from ._tracking import search_runs as search_runs
    from ._tracking import set_experiment as set_experiment
    from ._tracking import set_experiment_tag as set_experiment_tag
    from ._tracking import set_store as set_store
    from ._tracking import set_tag as set_tag
    from ._tracking import set_tags as set_tags
    from ._tracking import start_run as start_run
