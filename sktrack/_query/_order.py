"""order_by: parse its items into order keys, and sort run indices by them with Arrow."""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa
import pyarrow.compute as pc

from ..exceptions import FilterSyntaxError
from ._evaluate import as_float, plain
from ._nodes import NUMERIC_ATTRIBUTES, OrderKey, RunTables
from ._parse import Parser

__all__ = ["parse_order_by", "sort_indices"]

_DEFAULT_ORDER = (OrderKey("attributes", "start_time", False), OrderKey("attributes", "run_id"))


def parse_order_by(items: Sequence[str] | str | None) -> list[OrderKey]:
    """Parse ``order_by`` items such as ``"metrics.r2 DESC"``.

    Parameters
    ----------
    items : sequence of str, str or None
        Each item is a key (``metrics.r2``, ``params.alpha``, ``attributes.start_time``,
        ``metrics.`Neg. RMSE```) followed by an optional ``ASC`` (the default) or ``DESC``.
        A single string is taken as one item.

    Returns
    -------
    list of OrderKey
        One per item; for None or an empty list, MLflow's default: ``start_time`` descending,
        then ``run_id``.

    Raises
    ------
    FilterSyntaxError
        If an item does not parse; ``text`` is that item.

    Examples
    --------
    >>> parse_order_by(["metrics.r2 DESC"])
    [OrderKey(entity='metrics', key='r2', ascending=False)]
    """
    if items is None:
        return list(_DEFAULT_ORDER)
    if isinstance(items, str):
        items = [items]
    keys = [_parse_order_item(item) for item in items]
    return keys or list(_DEFAULT_ORDER)


def _parse_order_item(item: object) -> OrderKey:
    if not isinstance(item, str):
        raise FilterSyntaxError(repr(item), 0, "an order_by item must be a string")
    parser = Parser(item)
    entity, key = parser.parse_identifier()
    if entity == "datasets":
        raise FilterSyntaxError(item, 0, "runs cannot be ordered by their datasets")
    direction = parser.peek().keyword
    if direction in ("ASC", "DESC"):
        parser.advance()
    parser.expect_end("ASC, DESC or the end of the order_by item")
    return OrderKey(entity, key, direction != "DESC")


def sort_indices(keys: list[OrderKey], tables: RunTables, indices: pa.Array) -> pa.Array:
    """Reorder run row indices by ``keys``.

    Parameters
    ----------
    keys : list of OrderKey
        What :func:`parse_order_by` returned, most significant first.
    tables : RunTables
        The runs and their params, metrics and tags.
    indices : pyarrow.Array of int
        Row indices into ``tables.runs`` (e.g. the rows a filter selected).

    Returns
    -------
    pyarrow.Array
        ``indices`` reordered.  NaN, then missing values (and params logged as None), sort
        last in both directions, as in MLflow; ties keep their order in ``indices``.  A param sorts numerically
        when every value present among ``indices`` is a number, otherwise as text.

    Examples
    --------
    >>> import pyarrow as pa
    >>> runs = pa.table({"run_id": ["a", "b", "c"]})
    >>> metrics = pa.table({"run_id": ["a", "c"], "key": ["r2", "r2"], "value": [0.4, 0.9]})
    >>> tables = RunTables(runs, params=metrics, metrics=metrics, tags=metrics)
    >>> keys = parse_order_by(["metrics.r2 DESC"])
    >>> sort_indices(keys, tables, pa.array([0, 1, 2])).to_pylist()  # b has no r2: last
    [2, 0, 1]
    """
    indices = plain(indices)
    if not keys or len(indices) == 0:
        return indices
    run_ids = plain(tables.runs.column("run_id"))
    columns: dict[str, pa.Array] = {}
    sort_keys: list[tuple[str, str]] = []
    for number, key in enumerate(keys):
        values = _sort_values(key, tables, run_ids, indices)
        # An explicit rank keeps NaN, then missing values, last whatever the direction, as
        # MLflow orders them (and whatever the pyarrow version: per-key null placement is recent).
        rank = pc.if_else(pc.is_null(values), 2, 0)
        if pa.types.is_floating(values.type):
            nan = pc.fill_null(pc.is_nan(values), False)
            rank = pc.if_else(nan, 1, rank)
            values = pc.if_else(nan, pa.scalar(None, values.type), values)
        columns[f"missing{number}"] = rank
        columns[f"value{number}"] = values
        sort_keys += [(f"missing{number}", "ascending")]
        sort_keys += [(f"value{number}", "ascending" if key.ascending else "descending")]
    order = pc.sort_indices(pa.table(columns), sort_keys=sort_keys)
    return indices.take(order)


_SORT_COLUMNS = {
    "params": ["run_id", "value", "value_type", "value_num"],
    "metrics": ["run_id", "value"],
    "tags": ["run_id", "value"],
}


def _sort_values(
    key: OrderKey, tables: RunTables, run_ids: pa.Array, indices: pa.Array
) -> pa.Array:
    """The key's value for each run in ``indices``, null where missing."""
    if key.entity == "attributes":
        values = plain(tables.runs.column(key.key)).take(indices)
        return as_float(values) if key.key in NUMERIC_ATTRIBUTES else values
    long = getattr(tables, key.entity)
    rows = long.select(_SORT_COLUMNS[key.entity]).filter(pc.equal(long["key"], key.key))
    # For each selected run, the row of the long table that holds its value (null if none).
    where = pc.index_in(run_ids.take(indices), value_set=plain(rows.column("run_id")))
    if key.entity == "metrics":
        return plain(rows.column("value")).take(where)
    text = plain(rows.column("value")).take(where)
    if key.entity == "params":
        logged_none = pc.equal(plain(rows.column("value_type")).take(where), "none")
        text = pc.if_else(pc.fill_null(logged_none, False), pa.scalar(None, text.type), text)
        numbers = plain(rows.column("value_num")).take(where)
        if pc.all(pc.or_(pc.is_null(text), pc.is_valid(numbers))).as_py() is not False:
            return numbers
    return text
