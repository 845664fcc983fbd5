"""Model signatures: what a model was fitted on, recorded at fit and checked before predict.

A signature describes a model's inputs (and, optionally, its outputs) in one of two shapes:

* a table (:class:`TableSpec`): a DataFrame's or a Series' columns, each with its dtype, whether it
  held nulls when the signature was inferred, and a category's levels;
* a tensor (:class:`TensorSpec`): an array's dtype and shape, batch dimension ``-1``, dense or
  sparse (with the sparse format).

:meth:`Signature.check` validates input before predict and adapts it to what the model saw at fit.
The rules (safe casts, nulls, extra columns, a DataFrame given to an array signature, ...) are in
docs/signatures.md; every check is vectorised, none loops over rows in Python.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import sparse

from .exceptions import ExtraColumnsWarning, InvalidArgumentError, SignatureError

__all__ = ["ColumnSpec", "Signature", "TableSpec", "TensorSpec", "infer_signature"]

#: The version written by :meth:`Signature.to_dict`; readers dispatch on it.
FORMAT_VERSION = 1

LogicalType = Literal[
    "boolean", "integer", "float", "string", "category", "datetime", "timedelta", "object"
]

# At most this many names or levels are spelled out in a message; the rest are counted.
_MAX_LISTED = 10

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


@dataclass(frozen=True)
class ColumnSpec:
    """One column of a table signature.

    Parameters
    ----------
    name : str, int or None
        The column label (``None`` for an unnamed Series).
    type : str
        The logical type: ``boolean``, ``integer``, ``float``, ``string``, ``category``,
        ``datetime``, ``timedelta`` or ``object`` (anything else).
    dtype : str
        The exact pandas dtype as ``str(dtype)`` spells it: ``"Int64"``, ``"datetime64[ns, UTC]"``.
    nullable : bool
        Whether the column held nulls when the signature was inferred.
    categories : tuple or None
        A category column's levels, in order.
    categories_dtype : str or None
        The dtype of those levels, so that ``1`` and ``"1"`` stay apart.
    ordered : bool
        Whether the categories are ordered.
    """

    name: str | int | None
    type: LogicalType
    dtype: str
    nullable: bool = False
    categories: tuple[Any, ...] | None = None
    categories_dtype: str | None = None
    ordered: bool = False

    @cached_property
    def pandas_dtype(self) -> Any:
        """The pandas dtype a checked column is cast to."""
        if self.type == "category":
            levels = pd.Index(list(self.categories or ()), dtype=self.categories_dtype)
            return pd.CategoricalDtype(levels, ordered=self.ordered)
        return pd.api.types.pandas_dtype(self.dtype)

    def render(self) -> str:
        """The type as a short human string: ``int64``, ``category ('a', 'b')``."""
        if self.type == "category":
            ordered = "ordered " if self.ordered else ""
            return f"{ordered}category ({_listing(self.categories or ())})"
        if self.type == "string" and self.dtype == "object":
            return "object (strings)"
        return self.dtype


@dataclass(frozen=True)
class TableSpec:
    """The columns of a DataFrame, or the single column of a Series (``series=True``)."""

    columns: tuple[ColumnSpec, ...]
    series: bool = False

    @property
    def names(self) -> list[str | int | None]:
        """The column names, in order."""
        return [column.name for column in self.columns]


@dataclass(frozen=True)
class TensorSpec:
    """An array's dtype and shape (``-1`` for the batch dimension); ``format`` for sparse ones."""

    dtype: str
    shape: tuple[int, ...]
    format: str | None = None

    def render(self) -> str:
        """The dtype and shape as a short human string: ``float64 (-1, 8)``."""
        return f"{self.dtype} {self.shape}"


Spec = TableSpec | TensorSpec


@dataclass(frozen=True)
class Signature:
    """What a model takes as input (and gives as output).

    Build one with :func:`infer_signature`; store it with :meth:`to_json`.

    Parameters
    ----------
    inputs : TableSpec or TensorSpec
        The input the model was fitted on.
    outputs : TableSpec, TensorSpec or None
        What the model predicts, if known.

    Examples
    --------
    >>> import pandas as pd
    >>> sig = infer_signature(pd.DataFrame({"age": [31, 45], "city": ["NY", "SF"]}))
    >>> sig.check(pd.DataFrame({"city": ["LA"], "age": [29]})).columns.tolist()
    ['age', 'city']
    >>> Signature.from_json(sig.to_json()) == sig
    True
    """

    inputs: Spec
    outputs: Spec | None = None

    @property
    def input_names(self) -> list[str | int | None] | None:
        """The input column names, or None for an array signature."""
        return self.inputs.names if isinstance(self.inputs, TableSpec) else None

    def check(self, X: Any) -> Any:
        """Validate ``X`` against the inputs and adapt it for the model.

        Parameters
        ----------
        X : DataFrame, Series, array-like or sparse matrix
            The input about to be given to predict (or transform, score...).

        Returns
        -------
        DataFrame, Series, ndarray or sparse matrix
            For a table signature, a DataFrame with exactly the signature's columns, in its
            order, each cast to the recorded dtype (a Series for a Series signature). For an
            array signature, the array unchanged (a DataFrame becomes its numpy values).

        Raises
        ------
        SignatureError
            Naming every missing column, unsafe dtype change, unexpected null and unknown
            category level at once.

        Warns
        -----
        ExtraColumnsWarning
            For input columns the signature does not know; they are dropped.

        Examples
        --------
        >>> import numpy as np
        >>> sig = infer_signature(np.zeros((4, 3)))
        >>> sig.check(np.ones((2, 3), dtype=np.int32)).shape
        (2, 3)
        """
        if isinstance(self.inputs, TableSpec):
            return _check_table(self.inputs, X)
        return _check_tensor(self.inputs, X)

    def to_rows(self, part: Literal["inputs", "outputs"] = "inputs") -> list[tuple[str, str, bool]]:
        """``(name, type, nullable)`` rows describing the inputs or the outputs, for display.

        Examples
        --------
        >>> import pandas as pd
        >>> infer_signature(pd.DataFrame({"x": [1.0, None]})).to_rows()
        [('x', 'float64', True)]
        """
        spec = self.inputs if part == "inputs" else self.outputs
        if spec is None:
            return []
        if isinstance(spec, TensorSpec):
            name = "(array)" if spec.format is None else f"({spec.format} matrix)"
            return [(name, spec.render(), False)]
        return [(_name_text(c.name), c.render(), c.nullable) for c in spec.columns]

    def __str__(self) -> str:
        lines = []
        parts: tuple[Literal["inputs", "outputs"], ...] = ("inputs", "outputs")
        for part in parts:
            rows = self.to_rows(part)
            if rows:
                lines.append(f"{part}:")
                lines += [f"  {n}: {t}{', nullable' if null else ''}" for n, t, null in rows]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict holding everything, with ``"version": 1``."""
        return {
            "version": FORMAT_VERSION,
            "inputs": _spec_to_dict(self.inputs),
            "outputs": None if self.outputs is None else _spec_to_dict(self.outputs),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Signature:
        """Rebuild a signature from :meth:`to_dict`'s output, dispatching on its version.

        Raises
        ------
        InvalidArgumentError
            If the version is missing or unknown, or the dict is malformed.
        """
        version = data.get("version") if isinstance(data, dict) else None
        reader = _READERS.get(version) if isinstance(version, int) else None
        if reader is None:
            raise InvalidArgumentError(
                f"cannot read a signature with format version {version!r}: this sktrack reads "
                f"versions {sorted(_READERS)}. Upgrade sktrack to read signatures written by a "
                "newer one."
            )
        return reader(data)

    def to_json(self) -> str:
        """The signature as a JSON string (see :meth:`to_dict`)."""
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Signature:
        """Rebuild a signature from :meth:`to_json`'s output."""
        return cls.from_dict(json.loads(text))


def infer_signature(X: Any, y_pred: Any = None) -> Signature:
    """Describe the input a model is fitted on, and optionally what it predicts.

    Parameters
    ----------
    X : DataFrame, Series, ndarray, sparse matrix or list
        The training input. Lists go through ``np.asarray``.
    y_pred : same types as X, optional
        Predictions, to record the outputs.

    Returns
    -------
    Signature

    Examples
    --------
    >>> import numpy as np
    >>> str(infer_signature(np.zeros((5, 2)), np.zeros(5)))
    'inputs:\\n  (array): float64 (-1, 2)\\noutputs:\\n  (array): float64 (-1,)'
    """
    outputs = None if y_pred is None else _infer_spec(y_pred)
    return Signature(inputs=_infer_spec(X), outputs=outputs)


# --- inference ------------------------------------------------------------------------------


def _infer_spec(data: Any) -> Spec:
    if isinstance(data, pd.DataFrame):
        if not data.columns.is_unique:
            dupes = data.columns[data.columns.duplicated()].unique().tolist()
            raise InvalidArgumentError(
                f"cannot record a signature for a DataFrame with duplicate column names "
                f"({_listing(dupes)}): rename the columns so each name appears once"
            )
        return TableSpec(tuple(_infer_column(name, col) for name, col in data.items()))
    if isinstance(data, pd.Series):
        return TableSpec((_infer_column(data.name, data),), series=True)
    if sparse.issparse(data):
        return TensorSpec(str(data.dtype), (-1, *data.shape[1:]), format=data.format)
    try:
        array = np.asarray(data)
    except ValueError:  # ragged nested lists (token lists for a custom vectorizer)
        array = np.array(data, dtype=object)
    if array.ndim == 0:
        raise InvalidArgumentError(
            f"cannot record a signature for a scalar ({array!r}): pass a batch of samples"
        )
    return TensorSpec(str(array.dtype), (-1, *array.shape[1:]))


def _infer_column(name: Any, column: pd.Series) -> ColumnSpec:
    name = _checked_name(name)
    nullable = bool(column.isna().any())
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        levels = dtype.categories
        return ColumnSpec(
            name,
            "category",
            "category",
            nullable,
            categories=tuple(_json_levels(levels)),
            categories_dtype=str(levels.dtype),
            ordered=bool(dtype.ordered),
        )
    return ColumnSpec(name, _logical_type(column), str(dtype), nullable)


def _checked_name(name: Any) -> str | int | None:
    if isinstance(name, np.integer):
        return int(name)
    if name is None or isinstance(name, str | int):
        return name
    raise InvalidArgumentError(
        f"cannot record column name {name!r} (a {type(name).__name__}) in a signature: "
        "only str or int column names can be stored. Rename the columns."
    )


def _json_levels(levels: pd.Index) -> list[Any]:
    # Numbers, bools and strings survive JSON as they are; anything else (timestamps, periods)
    # is written as text and parsed back through categories_dtype.
    if levels.dtype.kind in "biuf" or pd.api.types.is_string_dtype(levels.dtype):
        return levels.tolist()
    return levels.astype(str).tolist()


def _logical_type(column: pd.Series) -> LogicalType:
    dtype = column.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return "category"
    if pd.api.types.is_object_dtype(dtype):
        inferred = pd.api.types.infer_dtype(column, skipna=True)
        return "string" if inferred == "string" else "object"
    checks: list[tuple[Any, LogicalType]] = [
        (pd.api.types.is_bool_dtype, "boolean"),
        (pd.api.types.is_integer_dtype, "integer"),
        (pd.api.types.is_float_dtype, "float"),
        (pd.api.types.is_datetime64_any_dtype, "datetime"),
        (pd.api.types.is_timedelta64_dtype, "timedelta"),
        (pd.api.types.is_string_dtype, "string"),
    ]
    return next((logical for test, logical in checks if test(dtype)), "object")


# --- checking a table -----------------------------------------------------------------------


def _check_table(spec: TableSpec, X: Any) -> pd.DataFrame | pd.Series:
    frame = _as_frame(spec, X)
    problems = _duplicate_problems(frame, spec.names)
    duplicated = set(frame.columns[frame.columns.duplicated()])
    casts: dict[Any, pd.Series] = {}
    present = set(frame.columns)
    for column in spec.columns:
        if column.name not in present:
            problems.append(f"missing column {_name_text(column.name)!r} ({column.render()})")
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
            f"expected a DataFrame with columns {_listing(spec.names)}, got {_describe(X)}; "
            "build one with pd.DataFrame(X, columns=signature.input_names)"
        ]
    )


def _duplicate_problems(frame: pd.DataFrame, names: list[Any]) -> list[str]:
    if frame.columns.is_unique:
        return []
    counts = frame.columns.value_counts()
    return [
        f"column {_name_text(name)!r} appears {counts[name]} times"
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
                f"input columns not in the model's signature are dropped: {_listing(extra)}"
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
    received = _logical_type(column)
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
    return _logical_type(levels.to_series())


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
        f"column {_name_text(spec.name)!r}: expected {spec.render()} without nulls, "
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
        f"column {_name_text(spec.name)!r}: unknown category level(s) {_listing(values)} "
        f"(known: {_listing(levels)})"
    )


def _mismatch(spec: ColumnSpec, column: pd.Series, received: LogicalType) -> str:
    got = str(column.dtype)
    if column.dtype == object:
        got += " (strings)" if received == "string" else f" ({_inferred(column)})"
    return f"column {_name_text(spec.name)!r}: expected {spec.render()}, got {got}"


def _inferred(column: pd.Series) -> str:
    inferred = pd.api.types.infer_dtype(column, skipna=True)
    return "all nulls" if inferred == "empty" else f"{inferred} values"


# --- checking an array ----------------------------------------------------------------------


def _check_tensor(spec: TensorSpec, X: Any) -> Any:
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


# --- JSON -----------------------------------------------------------------------------------


def _spec_to_dict(spec: Spec) -> dict[str, Any]:
    if isinstance(spec, TensorSpec):
        return {
            "kind": "tensor",
            "dtype": spec.dtype,
            "shape": list(spec.shape),
            "format": spec.format,
        }
    return {
        "kind": "table",
        "series": spec.series,
        "columns": [_column_to_dict(c) for c in spec.columns],
    }


def _column_to_dict(column: ColumnSpec) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": column.name,
        "type": column.type,
        "dtype": column.dtype,
        "nullable": column.nullable,
    }
    if column.type == "category":
        out |= {
            "categories": list(column.categories or ()),
            "categories_dtype": column.categories_dtype,
            "ordered": column.ordered,
        }
    return out


def _from_dict_v1(data: dict[str, Any]) -> Signature:
    try:
        outputs = data.get("outputs")
        return Signature(
            inputs=_spec_from_dict_v1(data["inputs"]),
            outputs=None if outputs is None else _spec_from_dict_v1(outputs),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidArgumentError(
            f"malformed signature (version 1): {exc!r}. It should be the output of "
            "Signature.to_dict(); infer a new one with infer_signature()."
        ) from exc


def _spec_from_dict_v1(data: dict[str, Any]) -> Spec:
    if data["kind"] == "tensor":
        return TensorSpec(data["dtype"], tuple(int(d) for d in data["shape"]), data["format"])
    if data["kind"] != "table":
        raise ValueError(f"unknown kind {data['kind']!r}")
    columns = tuple(
        ColumnSpec(
            c["name"],
            c["type"],
            c["dtype"],
            bool(c["nullable"]),
            categories=None if c.get("categories") is None else tuple(c["categories"]),
            categories_dtype=c.get("categories_dtype"),
            ordered=bool(c.get("ordered", False)),
        )
        for c in data["columns"]
    )
    return TableSpec(columns, series=bool(data["series"]))


_READERS = {1: _from_dict_v1}


# --- messages -------------------------------------------------------------------------------


def _name_text(name: Any) -> str:
    return "" if name is None else str(name)


def _listing(values: Any) -> str:
    values = list(values)
    shown = ", ".join(
        repr(v.item() if isinstance(v, np.generic) else v) for v in values[:_MAX_LISTED]
    )
    hidden = len(values) - _MAX_LISTED
    return shown + (f", ... ({hidden} more)" if hidden > 0 else "")


def _describe(X: Any) -> str:
    if sparse.issparse(X):
        return f"a sparse {X.format} matrix of shape {X.shape}"
    if isinstance(X, np.ndarray):
        return f"a numpy array of shape {X.shape}"
    library = type(X).__module__.partition(".")[0]
    return f"a {type(X).__name__}" if library == "builtins" else f"a {library} {type(X).__name__}"
