"""The experiments list and the runs table, paged on the server.

`select_runs` filters and orders every run of an experiment as Arrow tables; only the runs of
the page asked for (and their children) become Python rows.  A page of 50 runs costs about
the same whether the experiment holds 100 runs or 100,000.

A run whose parent is among the matching runs is folded under it; the others (plain runs,
search parents, and children whose parent the filter left out) are the table's top-level rows,
and they are what the pages count.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

import sktrack
from sktrack._query import RunTables, parse_order_by
from sktrack._store import decode_param
from sktrack._tracking import (
    select_runs,
)
from sktrack.exceptions import ExperimentNotFoundError, InvalidArgumentError

from ._columns import DEFAULT_PLACEHOLDER, columns_of, default_columns, filter_example, order_key
from ._rows import BEST_TAG, Progress, RunRow, progress_of

__all__ = [
    "BEST_TAG",
    "MAX_CHILDREN",
    "PAGE_SIZES",
    "ExperimentSummary",
    "Progress",
    "RunRow",
    "RunsPage",
    "best_first_order",
    "child_rows",
    "experiment_by_id",
    "experiment_summaries",
    "filter_example",
    "order_key",
    "progress_of",
    "run_rows",
    "runs_page",
]

PAGE_SIZES = (25, 50, 100, 200)
MAX_CHILDREN = 50  # children shown under one parent; the run page lists them all


@dataclass(frozen=True)
class ExperimentSummary:
    """One line of the experiments list."""

    experiment_id: str
    name: str
    runs: int
    running: int
    last_start: int | None  # ms since the epoch


@dataclass(frozen=True)
class RunsPage:
    """One page of an experiment's runs table."""

    experiment: sktrack.Experiment
    rows: list[RunRow]
    total: int  # top-level rows over all pages
    matched: int  # runs that match the filter, children included
    page: int
    per_page: int
    columns: list[str]  # the ``metrics.<k>`` and ``params.<k>`` columns shown
    available: list[str]  # every such column of the page's runs
    filter_string: str = ""
    order: str = ""
    error: str = ""
    placeholder: str = DEFAULT_PLACEHOLDER  # a filter example that fits these runs

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def any_running(self) -> bool:
        return any(r.progress is not None and r.status == "RUNNING" for r in self.rows)


@dataclass
class _Values:
    params: dict[str, dict[str, Any]] = field(default_factory=dict)
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    tags: dict[str, dict[str, str]] = field(default_factory=dict)


# -- experiments --------------------------------------------------------------------------


def experiment_summaries() -> list[ExperimentSummary]:
    """Every experiment with its run counts, newest activity first."""
    experiments = sktrack.list_experiments()
    _, runs = select_runs(sktrack.get_store(), None, "", None, None)
    counts: dict[str, tuple[int, int, int | None]] = {}
    if runs.num_rows:
        grouped = (
            runs.append_column("running", pc.equal(runs["status"], "RUNNING").cast(pa.int64()))
            .group_by("experiment")
            .aggregate([("run_id", "count"), ("running", "sum"), ("start_time", "max")])
        )
        for row in grouped.to_pylist():
            counts[row["experiment"]] = (
                row["run_id_count"],
                row["running_sum"],
                row["start_time_max"],
            )
    summaries = [
        ExperimentSummary(e.experiment_id, e.name, *counts.get(e.name, (0, 0, None)))
        for e in experiments
    ]
    return sorted(summaries, key=lambda s: (s.last_start or 0, s.name), reverse=True)


def experiment_by_id(experiment_id: str) -> sktrack.Experiment:
    for experiment in sktrack.list_experiments():
        if experiment.experiment_id == experiment_id:
            return experiment
    raise ExperimentNotFoundError(f"no experiment with id {experiment_id!r} in this store")


# -- the runs table -----------------------------------------------------------------------


def runs_page(
    experiment: sktrack.Experiment,
    *,
    filter_string: str = "",
    order: str = "",
    page: int = 1,
    per_page: int = 50,
    columns: Sequence[str] = (),
) -> RunsPage:
    """The runs of one page of ``experiment``'s table.

    A filter or order that does not parse gives an empty page whose ``error`` says why.
    """
    if per_page not in PAGE_SIZES:
        raise InvalidArgumentError(f"per_page={per_page!r}; choose one of {PAGE_SIZES}")
    base = RunsPage(experiment, [], 0, 0, 1, per_page, [], [], filter_string, order)
    try:
        tables, chosen = select_runs(
            sktrack.get_store(), [experiment.name], filter_string, [order] if order else None, None
        )
    except InvalidArgumentError as error:
        return RunsPage(**{**base.__dict__, "error": str(error)})
    roots = chosen.filter(_is_root(chosen))
    page = min(max(page, 1), max(1, -(-roots.num_rows // per_page)))
    page_roots = roots.slice((page - 1) * per_page, per_page)
    rows = _rows_with_children(tables, chosen, page_roots, best_first=not order)
    available = columns_of(rows)
    shown = [c for c in columns if c in available] or default_columns(rows, available)
    sorted_by = _sorted_column(order)
    if sorted_by in available and sorted_by not in shown:
        shown.insert(0, sorted_by)  # the column the table is sorted by is always shown
    return RunsPage(
        **{
            **base.__dict__,
            "rows": rows,
            "total": roots.num_rows,
            "matched": chosen.num_rows,
            "page": page,
            "columns": shown,
            "available": available,
            "placeholder": filter_example(rows),
        }
    )


def _sorted_column(order: str) -> str | None:
    """``metrics.r2`` for the order ``metrics.r2 DESC`` (None for a run attribute)."""
    if not order:
        return None
    key = parse_order_by([order])[0]
    return f"{key.entity}.{key.key}" if key.entity in ("metrics", "params") else None


def _is_root(chosen: pa.Table) -> pa.Array:
    """Runs with no parent among ``chosen``."""
    parents = chosen["parent_run_id"]
    folded = pc.is_in(parents, value_set=chosen["run_id"].combine_chunks())
    return pc.invert(pc.fill_null(folded, False))


def _rows_with_children(
    tables: RunTables, chosen: pa.Table, roots: pa.Table, *, best_first: bool
) -> list[RunRow]:
    """The rows of ``roots``, each with its children among ``chosen``: in ``chosen``'s order,
    or (``best_first``) a search's best candidate first."""
    root_ids = roots["run_id"].combine_chunks()
    is_child = pc.fill_null(pc.is_in(chosen["parent_run_id"], value_set=root_ids), False)
    children = chosen.filter(is_child)
    counts = {
        row["values"]: row["counts"]
        for row in pc.value_counts(children["parent_run_id"]).to_pylist()
    }
    if best_first:  # a search logs its best candidates first: keep the oldest when capping
        children = children.take(pa.array(range(children.num_rows - 1, -1, -1), pa.int64()))
    kept = _first_per_parent(children, MAX_CHILDREN)
    values = _values(tables, pa.concat_arrays([root_ids, kept["run_id"].combine_chunks()]))
    by_parent: dict[str, list[RunRow]] = {}
    for record in kept.to_pylist():
        by_parent.setdefault(record["parent_run_id"], []).append(_row(record, values))
    rows = []
    for record in roots.to_pylist():
        row = _row(record, values)
        kids = by_parent.get(row.run_id, [])
        if best_first:
            kids = best_first_order(row.params, kids)
        rows.append(
            RunRow(
                **{**row.__dict__, "children": tuple(kids), "n_children": counts.get(row.run_id, 0)}
            )
        )
    return rows


def run_rows(filter_string: str, order_by: Sequence[str] | None = None) -> list[RunRow]:
    """Every run, of any experiment, that matches ``filter_string``, in ``order_by``'s order."""
    tables, chosen = select_runs(sktrack.get_store(), None, filter_string, order_by, None)
    values = _values(tables, chosen["run_id"].combine_chunks())
    return [_row(record, values) for record in chosen.to_pylist()]


def child_rows(parent: sktrack.Run) -> list[RunRow]:
    """The child runs of ``parent``, best first for a search (see `best_first_order`)."""
    children = run_rows(f"attributes.parent_run_id = '{parent.run_id}'", ["attributes.start_time"])
    return best_first_order(parent.params, children)


def best_first_order(parent_params: Mapping[str, Any], children: list[RunRow]) -> list[RunRow]:
    """A search's children as it ranked them: the refit winner (tagged best) first, then by
    the rank of the refit scorer; other runs' children oldest first."""
    refit = parent_params.get("refit")

    def key(row: RunRow) -> tuple[bool, float, int, str]:
        ranks = {k: v for k, v in row.metrics.items() if k.startswith("rank_test_")}
        rank = ranks.get(f"rank_test_{refit}") if isinstance(refit, str) else None
        if rank is None and len(ranks) == 1:
            rank = next(iter(ranks.values()))
        return (not row.best, math.inf if rank is None else rank, row.start_time, row.run_id)

    return sorted(children, key=key)


def _first_per_parent(children: pa.Table, limit: int) -> pa.Table:
    if children.num_rows <= limit:
        return children
    seen: dict[str, int] = {}
    keep = []
    for parent in children["parent_run_id"].to_pylist():
        seen[parent] = seen.get(parent, 0) + 1
        keep.append(seen[parent] <= limit)
    return children.filter(pa.array(keep))


def _values(tables: RunTables, run_ids: pa.Array) -> _Values:
    """The params, latest metrics and tags of ``run_ids``, by run."""
    out = _Values()
    params = tables.params.filter(pc.is_in(tables.params["run_id"], value_set=run_ids))
    for p in params.select(["run_id", "key", "value", "value_type"]).to_pylist():
        out.params.setdefault(p["run_id"], {})[p["key"]] = decode_param(p["value"], p["value_type"])
    metrics = tables.metrics.filter(pc.is_in(tables.metrics["run_id"], value_set=run_ids))
    for m in metrics.select(["run_id", "key", "value"]).to_pylist():
        out.metrics.setdefault(m["run_id"], {})[m["key"]] = m["value"]
    tags = tables.tags.filter(pc.is_in(tables.tags["run_id"], value_set=run_ids))
    for t in tags.select(["run_id", "key", "value"]).to_pylist():
        out.tags.setdefault(t["run_id"], {})[t["key"]] = t["value"]
    return out


def _row(record: Mapping[str, Any], values: _Values) -> RunRow:
    run_id = record["run_id"]
    return RunRow(
        run_id=run_id,
        name=record["run_name"],
        status=record["status"],
        start_time=record["start_time"],
        end_time=record["end_time"],
        parent_run_id=record["parent_run_id"],
        params=dict(sorted(values.params.get(run_id, {}).items())),
        metrics=dict(sorted(values.metrics.get(run_id, {}).items())),
        tags=values.tags.get(run_id, {}),
    )
