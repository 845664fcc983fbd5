"""MLflow's everyday API over sktrack: ``import sktrack.mlflow as mlflow``.

A typical MLflow scikit-learn script (tracking URI, experiment, ``start_run(nested=...)``,
``log_*``, ``mlflow.sklearn.autolog``, ``search_runs`` with MLflow's arguments and text params,
``MlflowClient`` registry calls, ``mlflow.sklearn.load_model``, ``mlflow.pyfunc.load_model``)
runs with only its import line changed, and writes an sktrack store.  MLflow's spellings live
here and nowhere else in sktrack; anything outside this surface raises `UnsupportedError`
naming the sktrack way.  MLflow itself is never imported.

This package sits above the public face: it imports ``sktrack``'s public names,
``sktrack.registry``, and the dataset fingerprint of ``sktrack._sklearn`` (for ``mlflow.data``).

Examples
--------
>>> import tempfile
>>> import sktrack.mlflow as mlflow
>>> mlflow.set_tracking_uri(tempfile.mkdtemp())
>>> _ = mlflow.set_experiment("prices")
>>> with mlflow.start_run(run_name="baseline") as run:
...     _ = mlflow.log_param("alpha", 0.1)
...     mlflow.log_metric("r2", 0.83)
>>> mlflow.get_run(run.info.run_id).data.params
{'alpha': '0.1'}
>>> mlflow.search_runs(experiment_names=["prices"])["params.alpha"].tolist()
['0.1']
"""

from __future__ import annotations

from typing import Any

from sktrack.exceptions import SktrackError, UnsupportedError

from . import data, entities, models, pyfunc, sklearn, tracking
from ._client import MlflowClient
from ._fluent import (
    ActiveRun,
    active_run,
    create_experiment,
    delete_experiment,
    delete_run,
    end_run,
    get_artifact_uri,
    get_experiment,
    get_experiment_by_name,
    get_parent_run,
    get_run,
    get_tracking_uri,
    last_active_run,
    log_artifact,
    log_artifacts,
    log_dict,
    log_figure,
    log_image,
    log_input,
    log_metric,
    log_metrics,
    log_param,
    log_params,
    log_table,
    log_text,
    register_model,
    restore_experiment,
    restore_run,
    search_experiments,
    search_runs,
    set_experiment,
    set_tag,
    set_tags,
    set_tracking_uri,
    start_run,
)
from ._unsupported import missing

__all__ = [
    "ActiveRun",
    "MlflowClient",
    "MlflowException",
    "UnsupportedError",
    "active_run",
    "create_experiment",
    "data",
    "delete_experiment",
    "delete_run",
    "end_run",
    "entities",
    "get_artifact_uri",
    "get_experiment",
    "get_experiment_by_name",
    "get_parent_run",
    "get_run",
    "get_tracking_uri",
    "last_active_run",
    "log_artifact",
    "log_artifacts",
    "log_dict",
    "log_figure",
    "log_image",
    "log_input",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "log_table",
    "log_text",
    "models",
    "pyfunc",
    "register_model",
    "restore_experiment",
    "restore_run",
    "search_experiments",
    "search_runs",
    "set_experiment",
    "set_tag",
    "set_tags",
    "set_tracking_uri",
    "sklearn",
    "start_run",
    "tracking",
]

#: ``except mlflow.MlflowException`` catches what sktrack raises on purpose
MlflowException = SktrackError

_WAYS = {
    "autolog": "mlflow.sklearn.autolog() (sktrack.autolog)",
    "set_experiment_tag": "MlflowClient().set_experiment_tag(experiment_id, key, value) "
    "(sktrack.set_experiment_tag(name, key, value))",
    "set_experiment_tags": "MlflowClient().set_experiment_tag(experiment_id, key, value) "
    "(sktrack.set_experiment_tag(name, key, value))",
    "delete_tag": "set the tag to another value (mlflow.set_tag)",
    "set_registry_uri": "the registry lives in the store: mlflow.set_tracking_uri(uri)",
    "enable_system_metrics_logging": "sktrack records no system metrics",
    "evaluate": "TrackedEstimator(model).evaluate(X, y) logs the test metrics",
    "log_model": "mlflow.sklearn.log_model(model, name) (sktrack.log_model)",
    "load_model": "mlflow.sklearn.load_model(uri) (sktrack.load_model)",
}


def __getattr__(name: str) -> Any:
    raise missing(__name__, name, _WAYS)
