"""The parts of a signature: a table's columns (`ColumnSpec`, `TableSpec`), an array's dtype and
shape (`TensorSpec`), the logical type of a pandas column, and how messages list names.

Both inference (``_signature``) and checking (``_signature_check``) build on these.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd

__all__ = [
    "ColumnSpec",
    "LogicalType",
    "Spec",
    "TableSpec",
    "TensorSpec",
    "listing",
    "logical_type",
    "name_text",
]

LogicalType = Literal[
    "boolean", "integer", "float", "string", "category", "datetime", "timedelta", "object"
]

# At most this many names or levels are spelled out in a message; the rest are counted.
_MAX_LISTED = 10


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
            return f"{ordered}category ({listing(self.categories or ())})"
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


def logical_type(column: pd.Series) -> LogicalType:
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


# --- messages -------------------------------------------------------------------------------


def name_text(name: Any) -> str:
    return "" if name is None else str(name)


def listing(values: Any) -> str:
    values = list(values)
    shown = ", ".join(
        repr(v.item() if isinstance(v, np.generic) else v) for v in values[:_MAX_LISTED]
    )
    hidden = len(values) - _MAX_LISTED
    return shown + (f", ... ({hidden} more)" if hidden > 0 else "")
