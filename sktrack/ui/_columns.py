"""Which columns the runs table shows by default, and a filter example that fits its runs.

Metric columns are the key metrics of the page's top-level runs (see
`sktrack._tracking.key_metrics`): the refit scorer first, then held-out metrics, CV means and
training metrics; the candidates' CV score of the refit scorer sits beside their parent's.
Param columns are the searched hyperparameters, then the other estimator params whose values
differ.  Only columns some row of the page has are candidates, so no column is empty on
every row.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from sktrack._tracking import (
    describing_params,
    higher_is_better,
    key_metrics,
    searched_params,
    selection_metrics,
)

if TYPE_CHECKING:
    from ._rows import RunRow

__all__ = ["DEFAULT_PLACEHOLDER", "columns_of", "default_columns", "filter_example", "order_key"]

DEFAULT_PLACEHOLDER = "metrics.test_r2_score > 0.5 and params.max_depth IN (3, 5)"
_MAX_DEFAULT_METRICS = 8
_MAX_DEFAULT_PARAMS = 6
_GENERIC_SCORES = ("test_score", "training_score")  # the estimator's score(): a duplicate
_PLAIN_KEY = re.compile(r"[A-Za-z0-9_\-./:]+")


def order_key(column: str) -> str:
    """``metrics.Neg. RMSE`` -> ``metrics.`Neg. RMSE``` (the search grammar's quoting)."""
    kind, _, key = column.partition(".")
    if _PLAIN_KEY.fullmatch(key):
        return column
    return f"{kind}.`{key.replace('`', '``')}`"


def _all_rows(rows: Iterable[RunRow]) -> Iterable[RunRow]:
    for row in rows:
        yield row
        yield from row.children


def columns_of(rows: list[RunRow]) -> list[str]:
    metrics = sorted({k for r in _all_rows(rows) for k in r.metrics})
    params = sorted({k for r in _all_rows(rows) for k in r.params})
    return [f"metrics.{k}" for k in metrics] + [f"params.{k}" for k in params]


def default_columns(rows: list[RunRow], available: list[str]) -> list[str]:
    """The key metrics of the top-level rows (see `sktrack._tracking.key_metrics`), with the
    CV score the children were ranked by beside their parent's; then the searched
    hyperparameters, then the other estimator params whose values differ.  A column empty on
    every row of the page is never among them."""
    metrics = _key_columns(rows)
    searched = [p for r in rows if r.n_children for p in searched_params(r.params, r.tags)]
    params = [f"params.{k}" for k in dict.fromkeys(searched)]
    params = [c for c in params if any(r.has(c) for r in _all_rows(rows))]
    for key in describing_params(c.partition(".")[2] for c in available if c[:7] == "params."):
        column = f"params.{key}"
        seen = {repr(r.value(column)) for r in _all_rows(rows) if r.has(column)}
        if len(seen) > 1 and column not in params:
            params.append(column)
    return metrics[:_MAX_DEFAULT_METRICS] + params[:_MAX_DEFAULT_PARAMS]


def _key_columns(rows: list[RunRow]) -> list[str]:
    refits = [r.refit for r in rows if r.refit]
    refit = max(set(refits), key=refits.count) if refits else None
    names = {k for r in rows for k in r.metrics if k not in _GENERIC_SCORES}
    keys = key_metrics(names, refit)
    candidate_metric = selection_metrics(refit)[1:] if refit else ()
    if any(c in r.metrics for c in candidate_metric for p in rows for r in p.children):
        at = (
            keys.index(selection_metrics(refit)[0]) + 1
            if selection_metrics(refit)[0] in keys
            else 0
        )
        keys.insert(at, candidate_metric[0])
    return [f"metrics.{k}" for k in keys]


def filter_example(rows: list[RunRow]) -> str:
    """A filter that fits the page's runs: its first key metric against a typical value, and
    a param that differs, e.g. ``metrics.test_roc_auc > 0.85 and params.C IN (0.1, 1.0)``."""
    metrics = _key_columns(rows)
    metric = next((m for m in metrics if m.startswith("metrics.test_")), None) or (
        metrics[0] if metrics else None
    )
    if metric is None:
        return DEFAULT_PLACEHOLDER
    values = sorted(v for r in rows if isinstance(v := r.value(metric), float) and math.isfinite(v))
    if not values:
        return DEFAULT_PLACEHOLDER
    key = metric.partition(".")[2]
    typical = float(f"{values[len(values) // 2]:.2g}")
    text = f"{order_key(metric)} {'>' if higher_is_better(key) else '<'} {typical:g}"
    params = [c for c in default_columns(rows, columns_of(rows)) if c.startswith("params.")]
    for column in params:
        found = (_literal(r.value(column)) for r in _all_rows(rows) if r.has(column))
        levels = [v for v in dict.fromkeys(found) if v is not None][:2]
        if len(levels) == 2:
            return f"{text} and {order_key(column)} IN ({', '.join(levels)})"
    return text


def _literal(value: Any) -> str | None:
    """A param value as the search grammar writes it, or None if it cannot."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, str) and "'" not in value:
        return f"'{value}'"
    return None
