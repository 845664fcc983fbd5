"""``mlflow.entities``: the records MLflow's calls return, and `ViewType`."""

from __future__ import annotations

from typing import Any

from ._entities import (
    Experiment,
    FileInfo,
    Metric,
    ModelVersion,
    RegisteredModel,
    Run,
    RunData,
    RunInfo,
    ViewType,
)
from ._unsupported import missing

__all__ = [
    "Experiment",
    "FileInfo",
    "Metric",
    "ModelVersion",
    "Param",
    "RegisteredModel",
    "Run",
    "RunData",
    "RunInfo",
    "RunTag",
    "ViewType",
]


class Param:
    """A param for ``MlflowClient.log_batch``."""

    def __init__(self, key: str, value: Any) -> None:
        self.key, self.value = key, value


class RunTag:
    """A tag for ``MlflowClient.log_batch``."""

    def __init__(self, key: str, value: Any) -> None:
        self.key, self.value = key, value


def __getattr__(name: str) -> Any:
    raise missing(__name__, name, {})
