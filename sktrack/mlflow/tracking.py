"""``mlflow.tracking``: `MlflowClient`."""

from __future__ import annotations

from typing import Any

from ._client import MlflowClient
from ._unsupported import missing

__all__ = ["MlflowClient"]


def __getattr__(name: str) -> Any:
    raise missing(__name__, name, {})
