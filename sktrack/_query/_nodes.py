"""What a query is made of: the parsed nodes, order keys, the vocabulary they draw on (attributes
and operators), and the Arrow tables they are evaluated over."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pyarrow as pa

__all__ = [
    "ALL_ATTRIBUTES",
    "DATASET_KEYS",
    "DATASET_TAG",
    "LIKES",
    "LISTS",
    "NULLS",
    "NUMERIC_ATTRIBUTES",
    "ORDERING",
    "And",
    "Comparison",
    "Entity",
    "Node",
    "Not",
    "Or",
    "OrderKey",
    "RunTables",
    "Value",
]

Entity = Literal["metrics", "params", "tags", "attributes", "datasets"]
Value = str | float | tuple[str | float, ...] | None

_STRING_ATTRIBUTES = frozenset(
    {"run_id", "run_name", "experiment", "experiment_id", "status", "parent_run_id", "artifact_uri"}
)
NUMERIC_ATTRIBUTES = frozenset({"start_time", "end_time"})
ALL_ATTRIBUTES = _STRING_ATTRIBUTES | NUMERIC_ATTRIBUTES

# A run's dataset inputs are tags ``sktrack.input.<i>.<key>``; ``datasets.<key>`` matches a run
# when any of its inputs does, as MLflow's ``datasets.name`` / ``digest`` / ``context``.
DATASET_KEYS = frozenset({"name", "digest", "context"})
DATASET_TAG = r"^sktrack\.input\.[0-9]+\.{}$"

ORDERING = frozenset({"<", "<=", ">", ">="})
LIKES = frozenset({"LIKE", "ILIKE", "NOT LIKE", "NOT ILIKE"})
LISTS = frozenset({"IN", "NOT IN"})
NULLS = frozenset({"IS NULL", "IS NOT NULL"})


@dataclass(frozen=True)
class RunTables:
    """The runs to search and their params, metrics and tags, as Arrow tables.

    Parameters
    ----------
    runs : pyarrow.Table
        One row per run: ``run_id, run_name, experiment, experiment_id, status`` (strings),
        ``start_time, end_time`` (int64 ms since the epoch; ``end_time`` null while running),
        ``parent_run_id`` (string, null for a top-level run); ``artifact_uri`` (string) is
        needed only by a filter or order on it.
    params : pyarrow.Table
        ``run_id, key, value`` (the text form, e.g. ``"0.1"``, ``"True"``, ``"None"``),
        ``value_type`` (``"bool", "int", "float", "str", "none", "repr"``) and ``value_num``
        (float64, null unless the param is an int or a float).
    metrics : pyarrow.Table
        ``run_id, key, value`` (float64): the latest value of each metric of each run.
    tags : pyarrow.Table
        ``run_id, key, value`` (string).
    """

    runs: pa.Table
    params: pa.Table
    metrics: pa.Table
    tags: pa.Table


@dataclass(frozen=True)
class Comparison:
    """One ``<entity>.<key> <op> <value>`` clause.

    ``value`` is a ``str`` or ``float`` literal, a tuple of them for ``IN``/``NOT IN``, or
    ``None`` for ``IS NULL``/``IS NOT NULL``.  ``op`` is upper case (``"NOT IN"``, ``"ILIKE"``).
    """

    entity: Entity
    key: str
    op: str
    value: Value


@dataclass(frozen=True)
class And:
    """All of ``children`` hold."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """At least one of ``children`` holds."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """``child`` is known not to hold (a run lacking the key stays unknown)."""

    child: Node


Node = Comparison | And | Or | Not


@dataclass(frozen=True)
class OrderKey:
    """One ``order_by`` item: sort on ``<entity>.<key>``, ascending or not."""

    entity: Entity
    key: str
    ascending: bool = True
