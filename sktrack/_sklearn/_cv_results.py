"""Reading a fitted search's ``cv_results_``: its scorers, the one it ranks by, the table the
parent keeps, the failed splits, and a searched value as a param."""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._store import MAX_VALUE_LENGTH

__all__ = [
    "best_index",
    "cv_results_frame",
    "failed_splits",
    "param_value",
    "ranking_scorer",
    "scorer_names",
]


def best_index(search: Any) -> int | None:
    best = getattr(search, "best_index_", None)  # absent: multi-metric with refit=False
    return None if best is None else int(best)


def param_value(value: Any) -> Any:
    """A value as a param: bool, int, float, str and None as they are, an estimator by its
    class name, a function by its name, anything else as its (bounded) repr."""
    if value is None or isinstance(value, bool | str | numbers.Real):
        return value
    if isinstance(value, np.bool_):
        return bool(value)
    if hasattr(value, "get_params") and not isinstance(value, type):
        return type(value).__name__
    if callable(value) and hasattr(value, "__qualname__"):
        return value.__qualname__  # not repr(): a function's repr holds its memory address
    text = re.sub(r" at 0x[0-9a-fA-F]+", "", repr(value))  # no memory addresses
    return text if len(text) <= MAX_VALUE_LENGTH else text[: MAX_VALUE_LENGTH - 3] + "..."


def scorer_names(results: Mapping[str, Any]) -> list[str]:
    """The scorers of ``cv_results_``, in the search's order (``["score"]`` for one)."""
    return [key[len("mean_test_") :] for key in results if key.startswith("mean_test_")]


def ranking_scorer(search: Any, scorers: Sequence[str]) -> str:
    """The scorer that ranks candidates: the refit metric, else the first scorer."""
    refit = getattr(search, "refit", None)
    if isinstance(refit, str) and refit in scorers:
        return refit
    return "score" if "score" in scorers else scorers[0]


def cv_results_frame(results: Mapping[str, Any]) -> Any:
    """``cv_results_`` as a DataFrame: typed ``param_<name>`` columns (nullable where a
    candidate lacks the param), ``params`` as text, every score and time column as is."""
    import pandas as pd

    columns: dict[str, Any] = {}
    for key, value in results.items():
        if key == "params":
            columns[key] = pd.array([repr(p) for p in value], dtype="string")
        elif key.startswith("param_"):
            columns[key] = _typed_column(value)
        else:
            columns[key] = np.asarray(value)
    return pd.DataFrame(columns)


def _typed_column(values: Any) -> Any:
    import pandas as pd

    mask = np.ma.getmaskarray(values)
    items = [None if masked else v for v, masked in zip(np.ma.getdata(values), mask, strict=True)]
    present = [v for v in items if v is not None]
    has_null = len(present) < len(items)
    if present and all(isinstance(v, bool | np.bool_) for v in present):
        return pd.array(items, dtype="boolean") if has_null else np.asarray(items, dtype=bool)
    if all(isinstance(v, numbers.Real) and not isinstance(v, bool | np.bool_) for v in present):
        if present and all(isinstance(v, numbers.Integral) for v in present):
            return pd.array(items, dtype="Int64") if has_null else np.asarray(items, dtype="int64")
        return pd.array(items, dtype="Float64") if has_null else np.asarray(items, dtype=float)
    # strings, estimators, mixed types: text, as a param would show them
    return pd.array([None if v is None else str(param_value(v)) for v in items], dtype="string")


def failed_splits(results: Mapping[str, Any], scorers: Sequence[str], error_score: Any) -> Any:
    """How many CV splits of each candidate failed to fit: those where every scorer gave
    ``error_score`` (NaN by default), the only trace a fit failure leaves in ``cv_results_``."""
    n = len(results["params"])
    if not isinstance(error_score, numbers.Real):  # "raise": a failure would have raised
        return np.zeros(n, dtype=int)
    pattern = re.compile(rf"split(\d+)_test_{re.escape(scorers[0])}")
    splits = [m.group(1) for key in results if (m := pattern.fullmatch(key))]
    failed = np.zeros(n, dtype=int)
    for split in splits:
        scores = np.array([results[f"split{split}_test_{s}"] for s in scorers], dtype=float)
        hit = np.isnan(scores) if math.isnan(error_score) else scores == error_score
        failed += hit.all(axis=0)
    return failed
