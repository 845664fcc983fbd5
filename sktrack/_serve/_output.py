"""What a model returns, as JSON-ready predictions (MLflow's shapes: a list per row, records
for a DataFrame); NaN becomes null so that every answer is valid JSON."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["encode_predictions"]


def encode_predictions(out: Any) -> list[Any]:
    """``[...]`` for an array or a Series, ``[{column: value}, ...]`` for a DataFrame.

    Examples
    --------
    >>> encode_predictions(np.array([1.5, np.nan]))
    [1.5, None]
    """
    if isinstance(out, pd.DataFrame):
        return [
            {str(k): _plain(v) for k, v in row.items()} for row in out.to_dict(orient="records")
        ]
    if hasattr(out, "toarray"):  # a sparse matrix (a transform)
        out = out.toarray()
    array = np.asarray(out)
    if array.dtype.kind in "fc":
        missing = np.isnan(array)
        if missing.any():
            values = array.astype(object)
            values[missing] = None
            return values.tolist()
    elif array.dtype.kind == "O":
        return [_plain(v) for v in array.tolist()]
    return array.tolist()


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value
