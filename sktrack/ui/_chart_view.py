"""The experiment page's chart view, and the choices every chart makes.

The chart view draws one metric across an experiment's top-level runs (those the search box
keeps): a bar per run, best first and highlighted, or, against a param, one point per run.
It reads the values with Arrow over every matching run, so it costs about the same with a
hundred runs or a hundred thousand; only the `MAX_BARS` best become bars (and the
`MAX_POINTS` best, points), and the page says how many were left out.

The compare page uses the same choices: which metric to chart by default, which run is best,
and which params get an axis.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

import sktrack
from sktrack._store import decode_param
from sktrack._tracking import (
    common_key_metric,
    describing_params,
    higher_is_better,
    key_metrics,
    refit_scorer,
    searched_params,
    select_runs,
)
from sktrack.exceptions import InvalidArgumentError

from ._runs import RunRow

__all__ = [
    "MAX_AXES",
    "MAX_BARS",
    "MAX_POINTS",
    "ChartView",
    "axis_params",
    "best_index",
    "chart_view",
    "default_metric",
]

MAX_BARS = 50
MAX_POINTS = 2000
MAX_LINES = 10
MAX_AXES = 8
_GENERIC_SCORES = ("test_score", "training_score")


@dataclass(frozen=True)
class ChartView:
    """What the chart view of an experiment draws."""

    metric: str
    metrics: list[str]  # every metric of the matching top-level runs, key metrics first
    params: list[str]  # params to plot the metric against
    param: str  # "" for bars
    runs: int  # top-level runs that match the filter
    charted: int  # of those, runs that have ``metric``
    chart: dict[str, Any]
    error: str = ""


# -- shared choices -------------------------------------------------------------------------


def default_metric(rows: Sequence[RunRow], parent: RunRow | sktrack.Run | None = None) -> str:
    """The metric to chart for ``rows``: their search's refit metric when they are candidates
    of one search (``parent``), else the key metric most of them have."""
    refit = refit_scorer(parent.params) if parent is not None else None
    if refit and any(f"mean_test_{refit}" in r.metrics for r in rows):
        return f"mean_test_{refit}"
    return common_key_metric(
        [([k for k in r.metrics if k not in _GENERIC_SCORES], r.refit) for r in rows]
    )


def best_index(values: Sequence[float | None], metric: str) -> int | None:
    """Which of ``values`` is best for ``metric`` (highest score, lowest error)."""
    finite = [(v, i) for i, v in enumerate(values) if v is not None and math.isfinite(v)]
    if not finite:
        return None
    return (max if higher_is_better(metric) else min)(finite)[1]


def axis_params(rows: Sequence[RunRow], parent: RunRow | sktrack.Run | None = None) -> list[str]:
    """Params worth an axis: the hyperparameters ``parent`` searched (all of them), then other
    estimator params that differ between ``rows`` and that at least half of them logged;
    never a search's configuration nor sktrack's arguments.  At most `MAX_AXES`."""
    searched = searched_params(parent.params, parent.tags) if parent is not None else []
    axes = [k for k in searched if any(k in r.params for r in rows)]
    counts = Counter(k for r in rows for k in describing_params(r.params))
    others = [
        k
        for k, n in counts.items()
        if k not in axes
        and 2 * n >= len(rows)
        and len({repr(r.params[k]) for r in rows if k in r.params}) > 1
    ]
    others.sort(key=lambda k: (-counts[k], k))
    return (axes + sorted(others))[:MAX_AXES]


# -- the experiment's chart view ------------------------------------------------------------


def chart_view(
    experiment: sktrack.Experiment, *, filter_string: str = "", metric: str = "", param: str = ""
) -> ChartView:
    """The chart view of ``experiment``'s top-level runs that match ``filter_string``."""
    try:
        tables, chosen = select_runs(
            sktrack.get_store(), [experiment.name], filter_string, None, None
        )
    except InvalidArgumentError as error:
        return ChartView(metric, [], [], param, 0, 0, {}, str(error))
    parents = chosen["parent_run_id"]
    folded = pc.fill_null(pc.is_in(parents, value_set=chosen["run_id"].combine_chunks()), False)
    roots = chosen.filter(pc.invert(folded)).select(["run_id", "run_name"])
    ids = roots["run_id"].combine_chunks()
    metrics_of = tables.metrics.filter(pc.is_in(tables.metrics["run_id"], value_set=ids))
    params_of = tables.params.filter(pc.is_in(tables.params["run_id"], value_set=ids))
    refit = _common_refit(params_of)
    keys = [str(k) for k in pc.unique(metrics_of["key"]).to_pylist()]
    ordered = key_metrics([k for k in keys if k not in _GENERIC_SCORES], refit)
    ordered += sorted(k for k in keys if k not in ordered)
    metric = metric if metric in keys else _most_common_key(metrics_of, ordered)
    names = [str(k) for k in pc.unique(params_of["key"]).to_pylist()]
    # a search's parent holds the best candidate's values as best_<param>
    param_keys = sorted(set(describing_params(names)) | {k[5:] for k in names if k[:5] == "best_"})
    param = param if param in param_keys else ""
    values = _metric_values(roots, metrics_of, metric)
    chart = _bars(values, metric) if not param else _points(values, params_of, metric, param)
    chart["histories"] = _histories(values, metric)
    return ChartView(metric, ordered, param_keys, param, roots.num_rows, values.num_rows, chart)


def _common_refit(params: pa.Table) -> str | None:
    refits = params.filter(pc.equal(params["key"], "refit"))
    pairs = zip(*_columns(refits, "value", "value_type"), strict=True)
    decoded = [decode_param(v, t) for v, t in pairs]
    scorers = [s for s in (refit_scorer({"refit": d}) for d in decoded) if s]
    return max(set(scorers), key=scorers.count) if scorers else None


def _columns(table: pa.Table, *names: str) -> list[list[Any]]:
    return [table[n].to_pylist() for n in names]


def _most_common_key(metrics: pa.Table, ordered: list[str]) -> str:
    """The key metric most runs have (the first in key order among equals)."""
    if not ordered:
        return ""
    counts = {r["values"]: r["counts"] for r in pc.value_counts(metrics["key"]).to_pylist()}
    rank = {k: i for i, k in enumerate(ordered)}
    return min(ordered, key=lambda k: (-counts.get(k, 0), rank[k]))


def _metric_values(roots: pa.Table, metrics: pa.Table, metric: str) -> pa.Table:
    """(run_id, run_name, value) of the roots with ``metric``, best first."""
    picked = metrics.filter(pc.equal(metrics["key"], metric)).select(["run_id", "value"])
    joined = roots.join(picked, "run_id", join_type="inner")
    joined = joined.filter(pc.is_finite(joined["value"]))
    order = "descending" if higher_is_better(metric) else "ascending"
    return joined.sort_by([("value", order), ("run_id", "ascending")])


def _bars(values: pa.Table, metric: str) -> dict[str, Any]:
    top = values.slice(0, MAX_BARS).to_pylist()
    return {
        "metric": metric,
        "higher_is_better": higher_is_better(metric),
        "bars": [
            {"label": _label(r, top), "value": r["value"], "best": i == 0, "run_id": r["run_id"]}
            for i, r in enumerate(top)
        ],
        "left_out": max(0, values.num_rows - MAX_BARS),
    }


def _points(values: pa.Table, params: pa.Table, metric: str, param: str) -> dict[str, Any]:
    top = values.slice(0, MAX_POINTS)
    keys = pa.array([param, f"best_{param}"], pa.string())
    chosen = params.filter(pc.is_in(params["key"], value_set=keys))
    by_run: dict[str, Any] = {}
    for r in chosen.select(["run_id", "key", "value", "value_type"]).to_pylist():
        if r["key"] == param or r["run_id"] not in by_run:  # a param of its own comes first
            by_run[r["run_id"]] = decode_param(r["value"], r["value_type"])
    out = []
    for r in top.to_pylist():
        if r["run_id"] in by_run:
            x = by_run[r["run_id"]]
            out.append(
                {"x": x if _is_number(x) else str(x), "y": r["value"], "label": r["run_name"]}
            )
    return {
        "metric": metric,
        "param": param,
        "higher_is_better": higher_is_better(metric),
        "points": out,
        "numeric": all(_is_number(p["x"]) for p in out),
        "left_out": max(0, values.num_rows - MAX_POINTS),
    }


def _histories(values: pa.Table, metric: str) -> list[dict[str, Any]]:
    """Lines for the best runs that logged ``metric`` at several steps (one Arrow filter over
    the store's metric history, not one read per run)."""
    best = values.slice(0, MAX_LINES).select(["run_id", "run_name"]).to_pylist()
    if not best:
        return []
    history = sktrack.get_store().snapshot().metrics
    history = history.filter(pc.equal(history["key"], metric))
    ids = pa.array([r["run_id"] for r in best], pa.string())
    history = history.filter(pc.is_in(history["run_id"], value_set=ids))
    points: dict[str, list[tuple[int, int, float | None]]] = {}
    for m in history.select(["run_id", "step", "timestamp", "value"]).to_pylist():
        value = m["value"] if m["value"] is not None and math.isfinite(m["value"]) else None
        points.setdefault(m["run_id"], []).append((m["step"], m["timestamp"], value))
    out = []
    for r in best:
        line = sorted(points.get(r["run_id"], []))
        if len(line) > 1:
            out.append({"label": r["run_name"], "points": [[s, v] for s, _, v in line]})
    return out


def _label(row: Mapping[str, Any], rows: Sequence[Mapping[str, Any]]) -> str:
    twins = sum(1 for r in rows if r["run_name"] == row["run_name"])
    return f"{row['run_name']} ({row['run_id'][:6]})" if twins > 1 else str(row["run_name"])


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
