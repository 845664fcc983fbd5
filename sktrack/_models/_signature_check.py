"""Checking input against a signature before predict, and adapting it to what the model saw at fit.

:meth:`Signature.check` delegates here. The rules (safe casts, nulls, extra columns, a DataFrame
given to an array signature, ...) are in docs/signatures.md; every check is vectorised, none loops
over rows in Python.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from ..exceptions import ExtraColumnsWarning, SignatureError
from ._specs import (
    ColumnSpec,
    LogicalType,
    TableSpec,
    TensorSpec,
    listing,
    logical_type,
    name_text,
)

__all__ = ["check_table", "check_tensor"]


# For arrays, the dtype kinds each signature kind accepts (numpy kind letters). An object array
# is accepted where strings are expected only if it holds strings (checked separately).
_ARRAY_KINDS: dict[str, str] = {
    "f": "fiu",
    "c": "cfiu",
    "i": "iu",
    "u": "u",
    "b": "b",
    "U": "UO",
    "S": "S",
    "M": "M",
    "m": "m",
}


# --- checking a table -----------------------------------------------------------------------


def check_table(spec: TableSpec, X: Any) -> pd.DataFrame | pd.Series:
    frame = _as_frame(spec, X)
    problems = _duplicate_problems(frame, spec.names)
    duplicated = set(frame.columns[frame.columns.duplicated()])
    casts: dict[Any, pd.Series] = {}
    present = set(frame.columns)
    for column in spec.columns:
        if column.name not in present:
            problems.append(f"missing column {name_text(column.name)!r} ({column.render()})")
        elif column.name not in duplicated:
            problem, cast = _check_column(column, frame[column.name])
            if problem:
                problems.append(problem)
            elif cast is not None:
                casts[column.name] = cast
    if problems:
        raise SignatureError(problems)
    return _assemble(spec, frame, casts)


def _as_frame(spec: TableSpec, X: Any) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X
    if isinstance(X, pd.Series):
        # A Series carries one column: under a Series signature its own name is incidental.
        return X.to_frame(spec.names[0] if spec.series else X.name)
    if spec.series and not sparse.issparse(X):
        array = X if isinstance(X, np.ndarray) else np.asarray(X)
        if array.ndim == 1:
            return pd.Series(array, name=spec.names[0]).to_frame()
    raise SignatureError(
        [
            f"expected a DataFrame with columns {listing(spec.names)}, got {_describe(X)}; "
            "build one with pd.DataFrame(X, columns=signature.input_names)"
        ]
    )


def _duplicate_problems(frame: pd.DataFrame, names: list[Any]) -> list[str]:
    if frame.columns.is_unique:
        return []
    counts = frame.columns.value_counts()
    return [
        f"column {name_text(name)!r} appears {counts[name]} times"
        for name in names
        if name in counts.index and counts[name] > 1
    ]


def _assemble(spec: TableSpec, frame: pd.DataFrame, casts: dict[Any, pd.Series]) -> Any:
    names = spec.names
    if len(frame.columns) > len(names):
        known = set(names)
        extra = [c for c in frame.columns if c not in known]
        warnings.warn(
            ExtraColumnsWarning(
                f"input columns not in the model's signature are dropped: {listing(extra)}"
            ),
            stacklevel=4,
        )
    out = frame if list(frame.columns) == names else frame[names]
    if casts:
        out = out.copy(deep=False)  # the caller's frame is never modified
        for name, column in casts.items():
            out[name] = column
    return out.iloc[:, 0] if spec.series else out


def _check_column(spec: ColumnSpec, column: pd.Series) -> tuple[str | None, pd.Series | None]:
    """Return (problem, None) or (None, the column cast to the spec's dtype, or None if as is)."""
    same_dtype = column.dtype == spec.pandas_dtype
    if same_dtype and not (spec.type == "string" and column.dtype == object):
        return _null_problem(spec, column), None
    received = logical_type(column)
    if not _castable(spec, column, received):
        return _mismatch(spec, column, received), None
    problem = _null_problem(spec, column) or _level_problem(spec, column)
    if problem:
        return problem, None
    return None, (None if same_dtype else column.astype(spec.pandas_dtype))


def _castable(spec: ColumnSpec, column: pd.Series, received: LogicalType) -> bool:
    expected = spec.type
    if expected in ("integer", "float"):
        return received in ("integer", "float") and np.can_cast(
            _numpy_dtype(column.dtype), _numpy_dtype(spec.pandas_dtype), "safe"
        )
    if expected == "datetime":
        tz_aware = getattr(column.dtype, "tz", None) is not None
        expected_tz = getattr(spec.pandas_dtype, "tz", None)
        return received == "datetime" and tz_aware == (expected_tz is not None)
    if expected == "string":
        # An all-null object column is a string column with nothing in it yet.
        return (
            received == "string"
            or (received == "category" and _logical_levels(column.dtype.categories) == "string")
            or (column.dtype == object and bool(column.isna().all()))
        )
    if expected == "category":
        return True  # any values may be levels; unknown ones are caught by _level_problem
    if expected == "object":
        return spec.dtype == "object"  # object holds anything; other dtypes must match exactly
    return received == expected  # boolean, timedelta


def _numpy_dtype(dtype: Any) -> np.dtype:
    # Nullable and Arrow dtypes expose the numpy dtype of their values.
    return np.dtype(getattr(dtype, "numpy_dtype", dtype))


def _logical_levels(levels: pd.Index) -> LogicalType:
    return logical_type(levels.to_series())


def _null_problem(spec: ColumnSpec, column: pd.Series) -> str | None:
    # Only integer and boolean columns refuse nulls they did not have at fit: once cast to
    # the recorded dtype they could not hold them. Elsewhere the model decides (see docs).
    numpy_backed = isinstance(column.dtype, np.dtype)  # numpy ints and bools hold no nulls
    if spec.nullable or spec.type not in ("integer", "boolean") or numpy_backed:
        return None
    nulls = int(column.isna().sum())
    if not nulls:
        return None
    plural = "s" if nulls != 1 else ""
    return (
        f"column {name_text(spec.name)!r}: expected {spec.render()} without nulls, "
        f"got {nulls} null{plural}"
    )


def _level_problem(spec: ColumnSpec, column: pd.Series) -> str | None:
    if spec.type != "category":
        return None
    levels = spec.pandas_dtype.categories
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype) and dtype.categories.isin(levels).all():
        return None  # every level it may hold is known: no need to look at the rows
    unknown = column[~column.isin(levels) & column.notna()]
    if unknown.empty:
        return None
    values = pd.unique(unknown.to_numpy())
    return (
        f"column {name_text(spec.name)!r}: unknown category level(s) {listing(values)} "
        f"(known: {listing(levels)})"
    )


def _mismatch(spec: ColumnSpec, column: pd.Series, received: LogicalType) -> str:
    got = str(column.dtype)
    if column.dtype == object:
        got += " (strings)" if received == "string" else f" ({_inferred(column)})"
    return f"column {name_text(spec.name)!r}: expected {spec.render()}, got {got}"


def _inferred(column: pd.Series) -> str:
    inferred = pd.api.types.infer_dtype(column, skipna=True)
    return "all nulls" if inferred == "empty" else f"{inferred} values"


# --- checking an array ----------------------------------------------------------------------


def check_tensor(spec: TensorSpec, X: Any) -> Any:
    if sparse.issparse(X):
        if spec.format is None:
            raise SignatureError(
                [
                    f"expected a dense array {spec.render()}, got a sparse {X.format} matrix; "
                    "convert it with X.toarray()"
                ]
            )
        array = X
    elif isinstance(X, pd.DataFrame | pd.Series):
        # The model was fitted on an array: giving it the values keeps scikit-learn from
        # warning about feature names it never saw.
        array = X.to_numpy()
    else:
        array = X if isinstance(X, np.ndarray) else np.asarray(X)
    problems = [p for p in (_shape_problem(spec, array), _kind_problem(spec, array)) if p]
    if problems:
        raise SignatureError(problems)
    return array


def _shape_problem(spec: TensorSpec, array: Any) -> str | None:
    expected, got = spec.shape, tuple(array.shape)
    if len(got) != len(expected):
        return f"expected an array of shape {expected}, got shape {got}"
    if len(expected) > 1 and expected[1] != got[1]:
        return f"expected {expected[1]} features (shape {expected}), got {got[1]} (shape {got})"
    if any(e not in (-1, g) for e, g in zip(expected[2:], got[2:], strict=True)):
        return f"expected an array of shape {expected}, got shape {got}"
    return None


def _kind_problem(spec: TensorSpec, array: Any) -> str | None:
    expected, got = np.dtype(spec.dtype), array.dtype
    if expected.kind == "O" or (got.kind == expected.kind and got.kind != "O"):
        return None  # an object signature takes anything; the same kind always passes
    if got.kind not in _ARRAY_KINDS.get(expected.kind, expected.kind):
        return f"expected dtype {expected}, got {got}"
    if got.kind == "O" and pd.api.types.infer_dtype(array.ravel(), skipna=True) != "string":
        return f"expected dtype {expected}, got an object array holding non-strings"
    return None


def _describe(X: Any) -> str:
    if sparse.issparse(X):
        return f"a sparse {X.format} matrix of shape {X.shape}"
    if isinstance(X, np.ndarray):
        return f"a numpy array of shape {X.shape}"
    library = type(X).__module__.partition(".")[0]
    return f"a {type(X).__name__}" if library == "builtins" else f"a {library} {type(X).__name__}"
