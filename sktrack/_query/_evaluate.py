"""Evaluation: a parsed filter becomes a boolean mask over the runs, one ``pyarrow.compute``
call per comparison and none per row."""

from __future__ import annotations

import string

import pyarrow as pa
import pyarrow.compute as pc

from ._nodes import (
    DATASET_TAG,
    LIKES,
    LISTS,
    NULLS,
    NUMERIC_ATTRIBUTES,
    And,
    Comparison,
    Node,
    Not,
    RunTables,
    Value,
)

__all__ = ["as_float", "evaluate_filter", "plain"]

_UNKNOWN = pa.scalar(None, pa.bool_())


def evaluate_filter(node: Node | None, tables: RunTables) -> pa.Array:
    """Evaluate a parsed filter into a boolean mask over ``tables.runs``.

    Parameters
    ----------
    node : Node or None
        What :func:`parse_filter` returned; None selects every run.
    tables : RunTables
        The runs and their params, metrics and tags.

    Returns
    -------
    pyarrow.BooleanArray
        One entry per row of ``tables.runs``, True where the run matches; never null.

    Examples
    --------
    >>> import pyarrow as pa
    >>> runs = pa.table({"run_id": ["a", "b", "c"], "status": ["FINISHED", "FAILED", "FINISHED"]})
    >>> metrics = pa.table({"run_id": ["a", "c"], "key": ["r2", "r2"], "value": [0.4, 0.9]})
    >>> nothing = metrics.slice(0, 0)
    >>> tables = RunTables(runs, params=nothing, metrics=metrics, tags=nothing)
    >>> evaluate_filter(parse_filter("metrics.r2 > 0.5 or status = 'FAILED'"), tables).to_pylist()
    [False, True, True]
    """
    run_ids = plain(tables.runs.column("run_id"))
    if node is None:
        return pc.fill_null(pa.nulls(len(run_ids), pa.bool_()), True)
    return pc.fill_null(_evaluate(node, tables, run_ids, False), False)


def _evaluate(node: Node, tables: RunTables, run_ids: pa.Array, kleene: bool) -> pa.Array:
    """A mask over the runs; with ``kleene``, null where a run lacks the key.

    Outside a NOT, "unknown" and "false" select the same runs, so the (costly) mask of the runs
    that have the key is only computed under a NOT.
    """
    if isinstance(node, Comparison):
        return _compare(node, tables, run_ids, kleene)
    if isinstance(node, Not):
        return pc.invert(_evaluate(node.child, tables, run_ids, True))
    combine = pc.and_kleene if isinstance(node, And) else pc.or_kleene
    mask = _evaluate(node.children[0], tables, run_ids, kleene)
    for child in node.children[1:]:
        mask = combine(mask, _evaluate(child, tables, run_ids, kleene))
    return mask


def _compare(node: Comparison, tables: RunTables, run_ids: pa.Array, kleene: bool) -> pa.Array:
    if node.entity == "attributes":
        return _compare_attribute(node, tables.runs)
    long = tables.tags if node.entity == "datasets" else getattr(tables, node.entity)
    column = "value_num" if node.entity == "params" and _numeric(node.value) else "value"
    if node.entity == "datasets":  # any of the run's inputs
        keys = pc.match_substring_regex(long.column("key"), DATASET_TAG.format(node.key))
    else:
        keys = pc.equal(long.column("key"), node.key)
    selected = pc.and_(keys, pc.is_valid(long.column(column)))
    rows = long.select(["run_id", column]).filter(selected)
    if node.op in NULLS:
        present = pc.is_in(run_ids, value_set=plain(rows.column("run_id")))
        return present if node.op == "IS NOT NULL" else pc.invert(present)
    hits = rows.column("run_id").filter(_predicate(node, plain(rows.column(column))))
    matched = pc.is_in(run_ids, value_set=plain(hits))
    if not kleene:
        return matched
    present = pc.is_in(run_ids, value_set=plain(rows.column("run_id")))
    return pc.if_else(present, matched, _UNKNOWN)


def _compare_attribute(node: Comparison, runs: pa.Table) -> pa.Array:
    if node.key not in runs.column_names:
        raise KeyError(f"RunTables.runs has no {node.key!r} column for this filter")
    values = plain(runs.column(node.key))
    if node.key in NUMERIC_ATTRIBUTES:
        values = as_float(values)
    present = pc.is_valid(values)
    if node.op in NULLS:
        return present if node.op == "IS NOT NULL" else pc.invert(present)
    return pc.if_else(present, _predicate(node, values), _UNKNOWN)


def _predicate(node: Comparison, values: pa.Array) -> pa.Array:
    """Compare a value column with the node's literal; nulls in ``values`` stay null."""
    op, value = node.op, node.value
    if op in LISTS:
        choices = pa.array(value, pa.float64() if _numeric(value) else pa.string())
        found = pc.is_in(values, value_set=choices)
        return found if op == "IN" else pc.invert(found)
    if op in LIKES:
        regex = _like_regex(str(value))
        found = pc.match_substring_regex(values, regex, ignore_case=op.endswith("ILIKE"))
        return pc.invert(found) if op.startswith("NOT") else found
    scalar = pa.scalar(value, pa.float64() if _numeric(value) else pa.string())
    return _COMPARE[op](values, scalar)


def _like_regex(pattern: str) -> str:
    """An anchored RE2 regex for a LIKE pattern: % is any text, _ one character, no escapes.

    pyarrow's own ``match_like`` mishandles escaped backslashes on some of its fast paths
    (``%\\`` never matches), so the translation is done here.
    """
    return "(?s)^" + "".join(_LIKE_TO_RE2.get(char, char) for char in pattern) + "$"


_LIKE_TO_RE2 = {"%": ".*", "_": "."} | {c: "\\" + c for c in string.punctuation if c not in "%_"}

_COMPARE = {
    "=": pc.equal,
    "!=": pc.not_equal,
    "<": pc.less,
    "<=": pc.less_equal,
    ">": pc.greater,
    ">=": pc.greater_equal,
}


def _numeric(value: Value) -> bool:
    first = value[0] if isinstance(value, tuple) else value
    return isinstance(first, float)


def plain(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous, non-dictionary array (``is_in`` value sets must be plain arrays)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    return array


def as_float(values: pa.Array) -> pa.Array:
    if pa.types.is_timestamp(values.type):  # a store may keep times as timestamp[ms]
        values = values.cast(pa.int64())
    return values.cast(pa.float64())
