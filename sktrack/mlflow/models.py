"""``mlflow.models``: `infer_signature` (sktrack's signatures)."""

from __future__ import annotations

from typing import Any

import sktrack

from ._unsupported import missing

__all__ = ["infer_signature"]


def infer_signature(model_input: Any, model_output: Any = None, params: Any = None) -> Any:
    """sktrack's `infer_signature`, for ``mlflow.sklearn.log_model(..., signature=...)``."""
    return sktrack.infer_signature(model_input, model_output)


def __getattr__(name: str) -> Any:
    raise missing(__name__, name, {"evaluate": "TrackedEstimator(model).evaluate(X, y)"})
