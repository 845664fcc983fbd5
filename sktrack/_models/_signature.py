"""Model signatures: what a model was fitted on, recorded at fit and checked before predict.

A signature describes a model's inputs (and, optionally, its outputs) in one of two shapes:

* a table (:class:`TableSpec`): a DataFrame's or a Series' columns, each with its dtype, whether it
  held nulls when the signature was inferred, and a category's levels;
* a tensor (:class:`TensorSpec`): an array's dtype and shape, batch dimension ``-1``, dense or
  sparse (with the sparse format).

:meth:`Signature.check` validates input before predict and adapts it to what the model saw at fit;
the checks live in ``_signature_check``, the specs in ``_specs``. This module keeps `Signature`,
inference and the JSON format.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import sparse

from ..exceptions import InvalidArgumentError
from ._signature_check import check_table, check_tensor
from ._specs import (
    ColumnSpec,
    LogicalType,
    Spec,
    TableSpec,
    TensorSpec,
    listing,
    logical_type,
    name_text,
)

__all__ = [
    "ColumnSpec",
    "LogicalType",
    "Signature",
    "TableSpec",
    "TensorSpec",
    "infer_signature",
    "listing",
    "logical_type",
    "name_text",
]

#: The version written by :meth:`Signature.to_dict`; readers dispatch on it.
FORMAT_VERSION = 1


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
            return check_table(self.inputs, X)
        return check_tensor(self.inputs, X)

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
        return [(name_text(c.name), c.render(), c.nullable) for c in spec.columns]

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
                f"({listing(dupes)}): rename the columns so each name appears once"
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
    return ColumnSpec(name, logical_type(column), str(dtype), nullable)


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
