"""What a model file holds: the estimator without tracking wrappers or scikit-learn callbacks."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

__all__ = ["model_to_save"]

_CALLBACK_ATTRS = (
    "_skl_callbacks",
    "_skl_callbacks_to_teardown",
    "_callback_fit_ctx",
    "_parent_callback_ctx",
)


def model_to_save(estimator: Any) -> Any:
    """The estimator without tracking wrappers or callbacks, copied only if it holds any."""
    hook = getattr(estimator, "_sktrack_model_to_save", None)
    if callable(hook):
        estimator = hook()
    if not _needs_cleaning(estimator, set()):
        return estimator
    return _clean(copy.deepcopy(estimator), {})


def _children(obj: Any) -> Iterable[Any]:
    if isinstance(obj, dict):
        return obj.values()
    if isinstance(obj, (list, tuple)):
        return obj
    state = getattr(obj, "__dict__", None)
    if state is None or not hasattr(obj, "get_params"):
        return ()
    return state.values()


def _needs_cleaning(obj: Any, seen: set[int]) -> bool:
    if id(obj) in seen:
        return False
    seen.add(id(obj))
    if hasattr(obj, "get_params"):
        if callable(getattr(obj, "_sktrack_model_to_save", None)):
            return True
        if any(attr in getattr(obj, "__dict__", {}) for attr in _CALLBACK_ATTRS):
            return True
    return any(_needs_cleaning(child, seen) for child in _children(obj))


def _clean(obj: Any, done: dict[int, Any]) -> Any:
    """Strip callbacks and unwrap tracking wrappers, in place (on a copy); tuples are rebuilt."""
    if id(obj) in done:
        return done[id(obj)]
    original = obj
    if hasattr(obj, "get_params") and callable(getattr(obj, "_sktrack_model_to_save", None)):
        obj = obj._sktrack_model_to_save()
    if isinstance(obj, tuple):
        items = [_clean(value, done) for value in obj]
        obj = type(obj)(*items) if hasattr(obj, "_fields") else tuple(items)
    done[id(original)] = obj
    if isinstance(obj, dict):
        for key, value in obj.items():
            obj[key] = _clean(value, done)
    elif isinstance(obj, list):
        obj[:] = [_clean(value, done) for value in obj]
    elif hasattr(obj, "get_params") and hasattr(obj, "__dict__"):
        for attr in _CALLBACK_ATTRS:
            obj.__dict__.pop(attr, None)
        for key, value in list(obj.__dict__.items()):
            obj.__dict__[key] = _clean(value, done)
    return obj
