"""``mlflow.pyfunc``: `load_model` for prediction, inputs checked against the signature."""

from __future__ import annotations

from typing import Any

import sktrack

from ._unsupported import missing, refuse_arguments

__all__ = ["PyFuncModel", "load_model"]


class PyFuncModel:
    """A loaded model that predicts, as MLflow's ``PyFuncModel`` (backed by `sktrack.StagedModel`,
    which checks each input against the model's signature)."""

    def __init__(self, staged: Any) -> None:
        self._staged = staged

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        refuse_arguments("PyFuncModel.predict", {"params": params or None},
                         {"params": "pass them to the estimator: get_raw_model().set_params"})  # fmt: skip
        return self._staged.predict(data)

    def get_raw_model(self) -> Any:
        """The fitted estimator."""
        return self._staged.estimator_

    def __repr__(self) -> str:
        return f"PyFuncModel({self._staged.uri!r})"


def load_model(
    model_uri: str,
    suppress_warnings: bool = False,
    dst_path: str | None = None,
    model_config: Any = None,
) -> PyFuncModel:
    refuse_arguments(
        "mlflow.pyfunc.load_model",
        {"dst_path": dst_path, "model_config": model_config},
        {"dst_path": "models load from the store; no copy is made",
         "model_config": "configure the estimator after loading"},
    )  # fmt: skip
    return PyFuncModel(sktrack.StagedModel(model_uri).fit())


_WAYS = {
    "log_model": "log scikit-learn models with mlflow.sklearn.log_model",
    "spark_udf": "score files in batches with sktrack predict MODEL_URI IN OUT",
}


def __getattr__(name: str) -> Any:
    raise missing(__name__, name, _WAYS)
