"""Request bodies into model input: MLflow's four JSON formats and CSV, checked against the
signature; every refusal is a `RequestError` carrying its HTTP status and the columns it names.

A body of plain numbers for a model whose signature is all float columns (and which answers
the same on an array, see `_model`) becomes a float array directly: no DataFrame is built.
Everything else becomes a DataFrame checked by `Signature.check`.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._models import TableSpec
from ..exceptions import SignatureError, SktrackError
from ._model import METHODS, ServedModel

__all__ = ["FORMATS", "Body", "RequestError", "parse_csv", "parse_json", "to_model_input"]

FORMATS = ("dataframe_split", "dataframe_records", "instances", "inputs")


class RequestError(SktrackError):
    """A request the server refuses, with the status and JSON body it answers."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        problems: Iterable[str] = (),
        columns: Iterable[Any] = (),
    ) -> None:
        self.status = status
        self.code = code
        self.problems = list(problems)
        self.columns = list(columns)
        super().__init__(message)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"error_code": self.code, "message": str(self)}
        if self.problems:
            body["problems"] = self.problems
        if self.columns:
            body["columns"] = self.columns
        return body


def _bad(message: str) -> RequestError:
    return RequestError(400, "BAD_REQUEST", message)


@dataclass(frozen=True)
class Body:
    """A parsed request: its rows in one of four shapes, how many, and the method asked for.

    ``shape`` is ``"rows"`` (``data``: list of lists, ``columns``: names or None),
    ``"records"`` (list of dicts), ``"columns"`` (dict of lists) or ``"frame"`` (a DataFrame,
    from CSV).
    """

    shape: str
    data: Any
    rows: int
    columns: list[Any] | None = None
    method: str = "predict"


# -- parsing ---------------------------------------------------------------------------------


def parse_json(raw: bytes, *, method: str | None, max_rows: int) -> Body:
    try:
        doc = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RequestError(400, "MALFORMED_REQUEST", f"the body is not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise _bad(f"expected a JSON object with one of the keys {_keys()}")
    given = [key for key in FORMATS if key in doc]
    unknown = sorted(set(doc) - {*FORMATS, "params"})
    if len(given) != 1 or unknown:
        raise _bad(
            f"expected exactly one of the keys {_keys()} (and optionally 'params'), "
            f"got {sorted(doc)}"
        )
    params = doc.get("params") or {}
    if not isinstance(params, dict):
        raise _bad(f"'params' must be a JSON object, got {type(params).__name__}")
    chosen = _method(method, params.get("method"))
    body = _shape(given[0], doc[given[0]], chosen)
    if body.rows > max_rows:
        raise RequestError(
            413,
            "REQUEST_LIMIT_EXCEEDED",
            f"{body.rows} rows is over this server's limit of "
            f"{max_rows} rows per request; split the request (or start with --max-rows)",
        )
    return body


def parse_csv(raw: bytes, *, method: str | None, max_rows: int) -> Body:
    if raw.count(b"\n") > max_rows + 1:
        raise RequestError(
            413,
            "REQUEST_LIMIT_EXCEEDED",
            f"over this server's limit of {max_rows} rows "
            "per request; split the request (or start with --max-rows)",
        )
    try:
        frame = pd.read_csv(io.BytesIO(raw))
    except (ValueError, UnicodeDecodeError) as exc:  # pandas' ParserError is a ValueError
        raise RequestError(400, "MALFORMED_REQUEST", f"the body is not valid CSV: {exc}") from None
    return Body("frame", frame, len(frame), list(frame.columns), _method(method, None))


def _keys() -> str:
    return ", ".join(repr(k) for k in FORMATS)


def _method(query: str | None, param: object) -> str:
    chosen = query or param or "predict"
    if chosen not in METHODS:
        raise _bad(f"unknown method {chosen!r}; ask for one of {', '.join(METHODS)}")
    return str(chosen)


def _shape(key: str, value: Any, method: str) -> Body:
    if key == "dataframe_split":
        if not isinstance(value, dict) or not isinstance(value.get("data"), list):
            raise _bad(
                "'dataframe_split' must be an object with 'data' (a list of rows) and 'columns'"
            )
        columns = value.get("columns")
        if columns is not None and not isinstance(columns, list):
            raise _bad("'dataframe_split.columns' must be a list of column names")
        return _rows(value["data"], columns, method)
    if key == "dataframe_records":
        if not isinstance(value, list) or not all(isinstance(r, dict) for r in value):
            raise _bad("'dataframe_records' must be a list of objects, one per row")
        return Body("records", value, len(value), method=method)
    # instances / inputs: rows, records, one column of scalars, or a dict of columns
    if isinstance(value, dict):
        lengths = {len(v) if isinstance(v, list) else 1 for v in value.values()}
        if len(lengths) > 1:
            raise _bad(f"the columns of {key!r} have different lengths: {sorted(lengths)}")
        columns = {k: v if isinstance(v, list) else [v] for k, v in value.items()}
        return Body("columns", columns, lengths.pop() if lengths else 0, method=method)
    if not isinstance(value, list):
        raise _bad(f"{key!r} must be a list of rows or an object of columns")
    if value and all(isinstance(r, dict) for r in value):
        return Body("records", value, len(value), method=method)
    if value and not any(isinstance(r, list) for r in value):
        return _rows([[v] for v in value], None, method)
    return _rows(value, None, method)


def _rows(data: list[Any], columns: list[Any] | None, method: str) -> Body:
    if not all(isinstance(r, list) for r in data):
        raise _bad("each row must be a list of values")
    widths = {len(r) for r in data}
    if len(widths) > 1:
        raise _bad(f"rows have different lengths: {sorted(widths)}")
    if columns is not None and widths and widths != {len(columns)}:
        raise _bad(f"{len(columns)} columns named, but rows have {widths.pop()} values")
    return Body("rows", data, len(data), columns, method)


# -- to what the model takes -----------------------------------------------------------------


def to_model_input(body: Body, served: ServedModel) -> tuple[Any, bool]:
    """The model's input for ``body``, and whether it took the fast path (a float array)."""
    if body.method not in served.methods:
        raise _bad(f"this model has no {body.method}; it answers {', '.join(served.methods)}")
    if body.method in served.fast_methods:
        array = _fast_array(body, served.input_names or [])
        if array is not None:
            return array, True
    return _checked(body, served), False


def _fast_array(body: Body, names: list[Any]) -> np.ndarray | None:
    """A float array of the body's rows in signature order, or None if it is not plain numbers."""
    if body.shape == "rows":
        if body.columns is None:
            rows = body.data if body.data and len(body.data[0]) == len(names) else None
        else:
            position = {name: i for i, name in enumerate(body.columns)}
            if not all(name in position for name in names):
                return None
            order = [position[name] for name in names]
            rows = (
                body.data
                if order == list(range(len(body.columns)))
                else [[row[i] for i in order] for row in body.data]
            )
    elif body.shape == "records":
        try:
            rows = [[record[name] for name in names] for record in body.data]
        except KeyError:
            return None
    else:
        return None
    if not rows or not all(type(v) is float or type(v) is int for row in rows for v in row):
        return None
    return np.array(rows, dtype=np.float64)


def _checked(body: Body, served: ServedModel) -> Any:
    signature = served.signature
    names = served.input_names
    frame = _frame(body, names)
    if signature is None:
        return frame
    if isinstance(frame, pd.DataFrame) and names is not None:
        known = [c for c in frame.columns if c in set(names)]
        if len(known) < len(frame.columns):  # extra columns are ignored, as MLflow does
            frame = frame[known]
        frame = _parse_datetimes(frame, signature.inputs)  # type: ignore[arg-type]
    try:
        return signature.check(frame)
    except SignatureError as exc:
        raise RequestError(
            422, "INVALID_PARAMETER_VALUE", str(exc), exc.problems, _named(exc.problems, names)
        ) from None


def _frame(body: Body, names: list[Any] | None) -> Any:
    if body.shape == "frame":
        return body.data
    try:
        if body.shape == "records":
            return pd.DataFrame(body.data)
        if body.shape == "columns":
            return pd.DataFrame(body.data)
        if body.columns is not None:
            return pd.DataFrame(body.data, columns=body.columns)
    except (ValueError, TypeError) as exc:
        raise _bad(f"cannot read the rows as a table: {exc}") from None
    if names is None:  # an array signature, or none: the rows as they are
        try:
            return np.asarray(body.data)
        except ValueError as exc:
            raise _bad(f"cannot read the rows as an array: {exc}") from None
    width = len(body.data[0]) if body.data else len(names)
    if width != len(names):
        raise RequestError(
            422,
            "INVALID_PARAMETER_VALUE",
            f"rows without column names must hold the {len(names)} columns of the signature "
            f"in order ({', '.join(map(str, names))}), got {width} values per row",
            columns=names,
        )
    return pd.DataFrame(body.data, columns=names)


def _parse_datetimes(frame: pd.DataFrame, spec: Any) -> pd.DataFrame:
    """JSON has no dates: ISO 8601 strings in a datetime column are parsed (a bad one is left
    for the signature check to name)."""
    if not isinstance(spec, TableSpec):
        return frame
    for column in spec.columns:
        if column.type != "datetime" or column.name not in frame.columns:
            continue
        values = frame[column.name]
        if values.dtype.kind == "M":
            continue
        tz = getattr(column.pandas_dtype, "tz", None)
        try:
            parsed = pd.to_datetime(values, utc=tz is not None, format="ISO8601")
        except (ValueError, TypeError):
            continue
        frame = frame.copy(deep=False)
        frame[column.name] = parsed.dt.tz_convert(tz) if tz else parsed
    return frame


def _named(problems: list[str], names: list[Any] | None) -> list[Any]:
    """The signature's columns that the problems name, in signature order."""
    if names is None:
        return []
    text = " ".join(problems)
    return [name for name in names if f"column {str(name)!r}" in text]
