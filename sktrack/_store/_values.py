"""Validation and encoding of keys, params, metrics and tags on their way into the store."""

from __future__ import annotations

import numbers
from typing import Any

from ..exceptions import InvalidArgumentError

__all__ = [
    "MAX_KEY_LENGTH",
    "MAX_VALUE_LENGTH",
    "decode_param",
    "encode_param",
    "metric_value",
    "tag_value",
    "validate_key",
]

MAX_KEY_LENGTH = 250
MAX_VALUE_LENGTH = 64_000


def validate_key(kind: str, key: object) -> str:
    """A key is a non-empty string of at most 250 printable characters."""
    if not isinstance(key, str):
        raise InvalidArgumentError(
            f"{kind} key {key!r} is a {type(key).__name__}; keys must be strings, e.g. {str(key)!r}"
        )
    if not key.strip():
        raise InvalidArgumentError(f"{kind} key {key!r} is empty; give it a name")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidArgumentError(
            f"{kind} key {key[:40]!r}... is {len(key)} characters long; the limit is {MAX_KEY_LENGTH}"
        )
    if not key.isprintable():
        raise InvalidArgumentError(
            f"{kind} key {key!r} holds a control character (newline, tab...); use printable text"
        )
    return key


def encode_param(key: str, value: Any) -> tuple[str, str, float | None]:
    """``(text, value_type, numeric value)``: bool, int, float, str and None keep their type;
    anything else is stored as its repr."""
    if value is None:
        text, kind, num = "None", "none", None
    elif isinstance(value, bool) or _is_numpy_bool(value):
        text, kind, num = str(bool(value)), "bool", None
    elif isinstance(value, numbers.Integral):
        text, kind, num = str(int(value)), "int", float(value)
    elif isinstance(value, numbers.Real):
        text, kind, num = repr(float(value)), "float", float(value)
    elif isinstance(value, str):
        text, kind, num = value, "str", None
    else:
        text, kind, num = repr(value), "repr", None
    if len(text) > MAX_VALUE_LENGTH:
        raise InvalidArgumentError(
            f"param {key!r} is {len(text)} characters long; the limit is {MAX_VALUE_LENGTH}. "
            "Log large values as an artifact (log_artifact or log_table) instead."
        )
    return text, kind, num


def decode_param(text: str, kind: str) -> Any:
    """The Python value of a stored param."""
    if kind == "none":
        return None
    if kind == "bool":
        return text == "True"
    if kind == "int":
        return int(text)
    if kind == "float":
        return float(text)
    return text


def metric_value(key: str, value: object) -> float:
    """A metric value as a float.  NaN and infinities are kept, as MLflow does."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        try:
            import numpy as np

            if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
                return float(value.reshape(()))
        except ImportError:  # pragma: no cover - numpy is a core dependency
            pass
        raise InvalidArgumentError(
            f"metric {key!r} got {value!r} ({type(value).__name__}); metrics must be real numbers. "
            "Log text as a tag (set_tag) and flags as params."
        )
    return float(value)


def _is_numpy_bool(value: object) -> bool:
    dtype = getattr(value, "dtype", None)
    return dtype is not None and dtype.kind == "b" and getattr(value, "ndim", 1) == 0


def tag_value(key: str, value: object) -> str:
    """Tags are text: anything else is stored as ``str(value)``."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > MAX_VALUE_LENGTH:
        raise InvalidArgumentError(
            f"tag {key!r} is {len(text)} characters long; the limit is {MAX_VALUE_LENGTH}"
        )
    return text
