"""The value rules: what keys, names, params, metrics, steps and tags may be, checked once
where they enter the store, so the store only ever holds what every reader can read back.

The rules (docs/store.md states them for users):

- keys (params, metrics, tags) and experiment names: a ``str`` of 1 to 250 printable
  characters;
- run names: a ``str`` of at most 250 characters of valid Unicode;
- text (param values, tag values): valid Unicode, so it encodes as UTF-8 (no lone
  surrogates), at most 64,000 characters;
- metric values: real numbers that fit a 64-bit float (NaN and infinities are kept);
- steps: whole numbers that fit a signed 64-bit integer;
- metric timestamps given by the caller: whole milliseconds since the epoch, 0 or more;
- params: bool, int (within a 64-bit float's range), float, str or None keep their type;
  anything else is stored as its ``repr``.

Every refusal is an `InvalidArgumentError` naming the value and the rule.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

from ..exceptions import InvalidArgumentError

__all__ = [
    "MAX_KEY_LENGTH",
    "MAX_VALUE_LENGTH",
    "check_mapping",
    "check_text",
    "decode_param",
    "encode_param",
    "metric_value",
    "run_name_value",
    "show",
    "step_value",
    "tag_value",
    "timestamp_value",
    "validate_key",
    "validate_name",
]

MAX_KEY_LENGTH = 250
MAX_VALUE_LENGTH = 64_000
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_FLOAT_LIMIT = 2**1024  # the first integer a 64-bit float cannot hold


def show(value: object, limit: int = 80) -> str:
    """``repr(value)``, cut to ``limit`` characters, for error messages (never raises)."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**60:
        return f"an int of {value.bit_length()} bits"  # repr() of 10**5000 itself raises
    try:
        text = repr(value)
    except Exception:  # a broken __repr__ must not hide the real problem
        text = f"<{type(value).__name__} object>"
    return text if len(text) <= limit else text[: limit - 5] + "...'"


def check_text(what: str, text: str) -> str:
    """``text`` if it encodes as UTF-8 (what Parquet and JSON need), else refuse it."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidArgumentError(
            f"{what} {show(text)} holds {text[exc.start]!r} at position {exc.start}, a lone "
            "surrogate that is not valid Unicode (os.listdir and sys.argv return such text for "
            "undecodable bytes); pass valid text, e.g. "
            "text.encode('utf-8', 'surrogateescape').decode('utf-8', 'replace')"
        ) from None
    return text


def validate_key(kind: str, key: object) -> str:
    """A key is a non-empty string of at most 250 printable characters."""
    return _printable(f"{kind} key", key, "keys")


def validate_name(kind: str, name: object) -> str:
    """A name (experiment, run) follows the key rules: 1 to 250 printable characters."""
    return _printable(kind, name, "names")


def run_name_value(name: object) -> str:
    """A run name is text of at most 250 characters (any characters, as in MLflow: displays
    escape control characters)."""
    if not isinstance(name, str):
        raise InvalidArgumentError(
            f"run name {show(name)} is a {type(name).__name__}; names must be strings, "
            f"e.g. {show(str(name))}"
        )
    if len(name) > MAX_KEY_LENGTH:
        raise InvalidArgumentError(
            f"run name {show(name, 40)} is {len(name)} characters long; "
            f"the limit is {MAX_KEY_LENGTH}"
        )
    return check_text("run name", str(name))


def _printable(what: str, key: object, plural: str) -> str:
    if type(key) is not str:
        if not isinstance(key, str):
            raise InvalidArgumentError(
                f"{what} {show(key)} is a {type(key).__name__}; {plural} must be strings, "
                f"e.g. {show(str(key))}"
            )
        key = str(key)  # a str subclass: store the plain text
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidArgumentError(
            f"{what} {show(key, 40)} is {len(key)} characters long; the limit is {MAX_KEY_LENGTH}"
        )
    if not key.strip():
        raise InvalidArgumentError(f"{what} {key!r} is empty; give it a name")
    if not key.isprintable():
        raise InvalidArgumentError(
            f"{what} {show(key)} holds a control character or a lone surrogate (newline, tab, "
            "'\\ud800'...); use printable text"
        )
    return key


def check_mapping(what: str, value: object) -> Mapping[str, Any]:
    """``value`` if it is a mapping (``{key: value}``), else refuse it."""
    if type(value) is dict or isinstance(value, Mapping):
        return value  # type: ignore[return-value]
    raise InvalidArgumentError(
        f"{what} must be a mapping such as {{'alpha': 0.1}}, got {type(value).__name__} "
        f"{show(value)}; for pairs use dict(pairs)"
    )


def encode_param(key: str, value: Any) -> tuple[str, str, float | None]:
    """``(text, value_type, numeric value)``: bool, int, float, str and None keep their type;
    anything else is stored as its repr."""
    if value is None:
        text, kind, num = "None", "none", None
    elif isinstance(value, bool) or _is_numpy_bool(value):
        text, kind, num = str(bool(value)), "bool", None
    elif isinstance(value, numbers.Integral):
        number = int(value)
        if not -_FLOAT_LIMIT < number < _FLOAT_LIMIT:
            raise InvalidArgumentError(
                f"param {key!r} is {show(value)}, beyond the range of a 64-bit float "
                "(about ±1.8e308) that int params are compared in; log it as a str"
            )
        text, kind, num = str(number), "int", float(number)
    elif isinstance(value, numbers.Real):
        num = _as_float("param", key, value)
        text, kind = repr(num), "float"
    elif isinstance(value, str):
        text, kind, num = check_text(f"param {key!r} value", value), "str", None
    else:
        text, kind, num = check_text(f"param {key!r} repr", _repr(key, value)), "repr", None
    if len(text) > MAX_VALUE_LENGTH:
        raise InvalidArgumentError(
            f"param {key!r} is {len(text)} characters long; the limit is {MAX_VALUE_LENGTH}. "
            "Log large values as an artifact (log_artifact or log_table) instead."
        )
    return text, kind, num


def _repr(key: str, value: object) -> str:
    try:
        text = repr(value)
    except Exception as exc:
        raise InvalidArgumentError(
            f"param {key!r}: repr() of the {type(value).__name__} failed ({exc}); "
            "log a bool, int, float, str or None"
        ) from None
    if not isinstance(text, str):  # pragma: no cover - repr() itself enforces str
        raise InvalidArgumentError(f"param {key!r}: repr() did not return text")
    return text


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
    if type(value) is float:  # the hot path: log_metric in a training loop
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        try:
            import numpy as np

            if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
                return _as_float("metric", key, value.reshape(()))
        except ImportError:  # pragma: no cover - numpy is a core dependency
            pass
        raise InvalidArgumentError(
            f"metric {key!r} got {show(value)} ({type(value).__name__}); metrics must be real "
            "numbers. Log text as a tag (set_tag) and flags as params."
        )
    return _as_float("metric", key, value)


def _as_float(kind: str, key: str, value: Any) -> float:
    try:
        return float(value)
    except (OverflowError, ValueError, TypeError):
        raise InvalidArgumentError(
            f"{kind} {key!r} is {show(value)}, which does not fit a 64-bit float "
            "(about ±1.8e308); pass a smaller number, or inf"
        ) from None


def step_value(step: object) -> int:
    """A step: a whole number that fits a signed 64-bit integer (0 when None)."""
    if step is None:
        return 0
    if type(step) is not int and (isinstance(step, bool) or not isinstance(step, numbers.Integral)):
        raise InvalidArgumentError(f"step {show(step)} must be a whole number, e.g. 0, 1, 2")
    number = int(step)  # type: ignore[call-overload]
    if not INT64_MIN <= number <= INT64_MAX:
        raise InvalidArgumentError(
            f"step {show(step)} does not fit a signed 64-bit integer "
            f"({INT64_MIN} to {INT64_MAX}); number steps from 0"
        )
    return number


def timestamp_value(timestamp: object) -> int:
    """A metric's timestamp given by the caller: whole milliseconds since the epoch (UTC), from
    0 to a signed 64-bit integer's maximum, as MLflow's ``timestamp=`` takes it."""
    if type(timestamp) is not int and (
        isinstance(timestamp, bool) or not isinstance(timestamp, numbers.Integral)
    ):
        raise InvalidArgumentError(
            f"timestamp {show(timestamp)} ({type(timestamp).__name__}) must be a whole number "
            "of milliseconds since the epoch, e.g. int(time.time() * 1000)"
        )
    number = int(timestamp)  # type: ignore[call-overload]
    if not 0 <= number <= INT64_MAX:
        raise InvalidArgumentError(
            f"timestamp {show(timestamp)} must be milliseconds since the epoch, from 0 to "
            f"{INT64_MAX}, e.g. int(time.time() * 1000)"
        )
    return number


def _is_numpy_bool(value: object) -> bool:
    dtype = getattr(value, "dtype", None)
    return dtype is not None and dtype.kind == "b" and getattr(value, "ndim", 1) == 0


def tag_value(key: str, value: object) -> str:
    """Tags are text: anything else is stored as ``str(value)``."""
    if type(value) is str:
        text = value
    else:
        try:
            text = str(value)
        except Exception as exc:
            raise InvalidArgumentError(
                f"tag {key!r}: str() of the {type(value).__name__} failed ({exc}); pass text"
            ) from None
    if len(text) > MAX_VALUE_LENGTH:
        raise InvalidArgumentError(
            f"tag {key!r} is {len(text)} characters long; the limit is {MAX_VALUE_LENGTH}"
        )
    return check_text(f"tag {key!r} value", text)
