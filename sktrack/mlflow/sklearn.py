"""``mlflow.sklearn``: `autolog`, `log_model` and `load_model` over sktrack's (models are
always skops files, never pickles)."""

from __future__ import annotations

from typing import Any

import sktrack

from ._entities import ModelInfo
from ._unsupported import missing, refuse, refuse_arguments

__all__ = ["autolog", "load_model", "log_model"]

_SKOPS = (None, "skops")
_PICKLE = "sktrack saves models with skops only, never pickle (pickles run code when loaded)"
_AUTOLOG_WAYS = {
    "log_input_examples": "sktrack records the signature of the training data, not examples",
    "log_model_signatures": "sktrack always records a model's signature",
    "log_datasets": "sktrack always fingerprints the training data",
    "exclusive": "sktrack's autolog logs into the active run; log after fit to keep it apart",
    "registered_model_name": "register after fit: mlflow.register_model(model_uri, name)",
    "pos_label": "set it on the metric: TrackedEstimator(...).evaluate(X, y)",
    "extra_tags": "set them inside the run: mlflow.set_tags({...})",
    "serialization_format": _PICKLE,
}


def autolog(
    log_input_examples: bool = False,
    log_model_signatures: bool = True,
    log_models: bool = True,
    log_datasets: bool = True,
    disable: bool = False,
    exclusive: bool = False,
    disable_for_unsupported_versions: bool = False,
    silent: bool = False,
    max_tuning_runs: int | None = 5,
    log_post_training_metrics: bool = True,
    serialization_format: str | None = None,
    registered_model_name: str | None = None,
    pos_label: Any = None,
    extra_tags: dict[str, Any] | None = None,
) -> None:
    """MLflow's ``mlflow.sklearn.autolog`` as `sktrack.autolog` (``max_tuning_runs`` is
    ``top_k``).  Post-training metrics are not captured: `TrackedEstimator.evaluate` logs them."""
    refuse_arguments(
        "mlflow.sklearn.autolog",
        {
            "log_input_examples": log_input_examples,
            "log_model_signatures": not log_model_signatures,
            "log_datasets": not log_datasets,
            "exclusive": exclusive,
            "registered_model_name": registered_model_name,
            "pos_label": pos_label,
            "extra_tags": extra_tags or None,
            "serialization_format": None if serialization_format in _SKOPS else True,
        },
        _AUTOLOG_WAYS,
    )
    sktrack.autolog(disable=disable, log_models=log_models, top_k=max_tuning_runs)


# MLflow's environment options: sktrack records library versions and writes no environment
_ENVIRONMENT = frozenset(
    {"conda_env", "code_paths", "pip_requirements", "extra_pip_requirements", "metadata",
     "await_registration_for", "pyfunc_predict_fn", "skops_trusted_types"}
)  # fmt: skip


def log_model(
    sk_model: Any,
    artifact_path: str | None = None,
    *,
    name: str | None = None,
    signature: Any = None,
    input_example: Any = None,
    registered_model_name: str | None = None,
    serialization_format: str | None = None,
    **options: Any,
) -> ModelInfo:
    """Log ``sk_model`` into the active run as `sktrack.log_model` does; the signature comes
    from ``signature`` (`infer_signature`'s) or is inferred from ``input_example``."""
    if serialization_format not in _SKOPS:
        raise refuse(f"serialization_format={serialization_format!r}", _PICKLE)
    refuse_arguments(
        "mlflow.sklearn.log_model",
        {k: v for k, v in options.items() if k not in _ENVIRONMENT},
        dict.fromkeys(options, "sktrack.log_model(estimator, name, signature=...)"),
    )
    if signature is None and input_example is not None:
        signature = sktrack.infer_signature(input_example)
    folder = name or artifact_path or "model"
    info = sktrack.log_model(
        sk_model, folder, signature=signature, registered_model_name=registered_model_name
    )
    registered = info.registered_model_version
    return ModelInfo(
        model_uri=info.model_uri,
        run_id=info.run_id,
        artifact_path=folder,
        name=folder,
        signature=info.signature,
        registered_model_version=None if registered is None else str(registered.version),
    )


def load_model(model_uri: str, dst_path: str | None = None) -> Any:
    """The fitted estimator at ``model_uri`` (`sktrack.load_model`: untrusted types refused,
    the sha256 checked)."""
    refuse_arguments("mlflow.sklearn.load_model", {"dst_path": dst_path},
                     {"dst_path": "models load from the store; no copy is made"})  # fmt: skip
    return sktrack.load_model(model_uri)


_WAYS = {
    "save_model": "log it into a run: mlflow.sklearn.log_model(model, name) (sktrack.log_model)",
    "eval_and_log_metrics": "TrackedEstimator(model).evaluate(X, y) logs the test metrics",
}


def __getattr__(name: str) -> Any:
    raise missing(__name__, name, _WAYS)
