"""The curves of the run page and the compare page: logged tables turned into chart specs.

An evaluation logs its curves as tables under ``curves/<split>/`` (see docs/evaluation.md);
this module reads them through sktrack's public API and gives each page a list of charts,
each a plain JSON-ready dict that ``static/curves.js`` draws with ECharts:
``{"id", "kind": "line" | "scatter" | "bars" | "heatmap", "title", "x", "y", "series": [...]}``.
A series is ``{"name", "points": [[x, y, threshold?], ...]}``; a heatmap has ``labels`` and
``cells`` (``[column, row, count]``).  It also gathers a run's methodology warnings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import sktrack
from sktrack.exceptions import NotFoundError

__all__ = ["WARNING_PREFIX", "compare_curves", "run_curves", "run_warnings"]

#: The tags that hold a run's methodology warnings (sktrack/_sklearn/_methodology.py).
WARNING_PREFIX = "sktrack.warning."

_FOLDER = "curves"
# Splits drawn first; others follow in name order.
_SPLIT_ORDER = ("test", "validation", "val", "holdout", "training", "cv")
# Curves overlaid on the compare page: the table, and its x and y columns.
_OVERLAID = {
    "roc": ("fpr", "tpr"),
    "precision_recall": ("recall", "precision"),
    "calibration": ("prob_pred", "prob_true"),
}


def run_warnings(tags: Mapping[str, str]) -> list[tuple[str, str]]:
    """``(code, message)`` of each methodology warning in a run's tags, by code."""
    return sorted(
        (k[len(WARNING_PREFIX) :], v) for k, v in tags.items() if k.startswith(WARNING_PREFIX)
    )


def run_curves(run_id: str) -> list[dict[str, Any]]:
    """The run page's curves: ``[{"split", "charts": [...]}]``, test split first."""
    out = []
    for split, tables in _split_tables(run_id).items():
        charts: list[dict[str, Any]] = []
        for name, table in tables.items():
            charts += _charts(f"{split}-{name}", name, table)
        if charts:
            out.append({"split": split, "charts": charts})
    return out


def compare_curves(run_ids: Sequence[str], labels: Mapping[str, str]) -> list[dict[str, Any]]:
    """The compare page's curves: per split, ROC, precision-recall and calibration overlaid
    across the runs (one line per run, and per class for a multiclass run), then each run's
    predicted against actual side by side."""
    per_run = {run_id: _split_tables(run_id) for run_id in run_ids}
    splits = _ordered({s for tables in per_run.values() for s in tables})
    out = []
    for split in splits:
        charts = [
            chart
            for name, (x, y) in _OVERLAID.items()
            if (chart := _overlay(split, name, x, y, per_run, labels)) is not None
        ]
        for run_id, tables in per_run.items():
            table = tables.get(split, {}).get("predicted_actual")
            if table is not None:
                chart = _predicted_actual(f"{split}-pa-{run_id}", table)
                charts.append(chart | {"title": f"{labels[run_id]}: predicted vs actual"})
        if charts:
            out.append({"split": split, "charts": charts})
    return out


# The order of a split's charts: the ranking curves first, the rest after.
_CHART_ORDER = (
    "roc",
    "precision_recall",
    "calibration",
    "confusion_matrix",
    "per_class",
    "probability_histogram",
    "predicted_actual",
    "residual_histogram",
    "validation_curve",
    "fit_time_score",
)


def _split_tables(run_id: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for path in sktrack.list_artifacts(run_id, _FOLDER):
        parts = path.split("/")
        if len(parts) != 3 or not parts[2].endswith(".parquet"):
            continue
        try:
            table = sktrack.load_table(run_id, path)
        except (NotFoundError, OSError, ValueError):
            continue  # a table that cannot be read is left out, the others are drawn
        found.setdefault(parts[1], {})[parts[2][: -len(".parquet")]] = table
    rank = {name: i for i, name in enumerate(_CHART_ORDER)}
    return {
        split: dict(sorted(found[split].items(), key=lambda kv: rank.get(kv[0], len(rank))))
        for split in _ordered(found)
    }


def _ordered(splits: Any) -> list[str]:
    known = [s for s in _SPLIT_ORDER if s in splits]
    return known + sorted(s for s in splits if s not in _SPLIT_ORDER)


def _charts(chart_id: str, name: str, table: Any) -> list[dict[str, Any]]:
    if name == "roc":
        return [_curve(chart_id, table, "fpr", "tpr", "ROC", "auc", diagonal=True)]
    if name == "precision_recall":
        return [
            _curve(chart_id, table, "recall", "precision", "Precision-recall", "average_precision")
        ]
    if name == "calibration":
        chart = _curve(
            chart_id, table, "prob_pred", "prob_true", "Calibration", None, diagonal=True
        )
        return [chart | {"x": "mean predicted probability", "y": "fraction of positives"}]
    if name == "confusion_matrix":
        return [_heatmap(chart_id, table)]
    if name == "per_class":
        return [_per_class(chart_id, table)]
    if name in ("probability_histogram", "residual_histogram"):
        return [_histogram(chart_id, name, table)]
    if name == "predicted_actual":
        return [_predicted_actual(chart_id, table), _residuals(f"{chart_id}-res", table)]
    if name == "validation_curve":
        return [
            _validation(f"{chart_id}-{p}", p, part)
            for p, part in table.groupby("param", sort=False)
        ]
    if name == "fit_time_score":
        points = _points(table["mean_fit_time"], table["mean_test_score"])
        return [
            _spec(
                chart_id,
                "scatter",
                "Fit time against score",
                "mean fit time (s)",
                "mean test score",
                [{"name": "candidates", "points": points}],
            )
        ]
    return []


def _spec(
    chart_id: str, kind: str, title: str, x: str, y: str, series: list[Any], **extra: Any
) -> dict[str, Any]:
    return {"id": chart_id, "kind": kind, "title": title, "x": x, "y": y, "series": series, **extra}


def _curve(
    chart_id: str,
    table: Any,
    x: str,
    y: str,
    title: str,
    value: str | None,
    *,
    diagonal: bool = False,
) -> dict[str, Any]:
    series = []
    for label, part in table.groupby("class", sort=False):
        name = f"class {label}"
        if value is not None:
            name += f" ({value.replace('_', ' ')} {_number(part[value].iloc[0], 3)})"
        thresholds = part.get("threshold")
        series.append({"name": name, "points": _points(part[x], part[y], thresholds)})
    return _spec(chart_id, "line", title, x, y, series, diagonal=diagonal, unit=True)


def _heatmap(chart_id: str, table: Any) -> dict[str, Any]:
    labels = list(dict.fromkeys(table["true"].tolist()))
    index = {label: i for i, label in enumerate(labels)}
    cells = [
        [index[p], index[t], _number(c)]
        for t, p, c in zip(table["true"], table["predicted"], table["count"], strict=True)
    ]
    return _spec(
        chart_id, "heatmap", "Confusion matrix", "predicted", "true", [], labels=labels, cells=cells
    )


def _per_class(chart_id: str, table: Any) -> dict[str, Any]:
    labels = [str(v) for v in table["class"]]
    series = [
        {
            "name": m,
            "points": [[label, _number(v)] for label, v in zip(labels, table[m], strict=True)],
        }
        for m in ("precision", "recall", "f1")
    ]
    return _spec(chart_id, "bars", "Per class", "class", "score", series, categories=labels)


def _histogram(chart_id: str, name: str, table: Any) -> dict[str, Any]:
    title = "Predicted probabilities" if name == "probability_histogram" else "Residuals"
    groups = table.groupby("class", sort=False) if "class" in table else [("", table)]
    series = [
        {
            "name": f"class {label}" if label != "" else "rows",
            "points": _points((part["left"] + part["right"]) / 2, part["count"]),
        }
        for label, part in groups
    ]
    x = "predicted probability" if name == "probability_histogram" else "actual - predicted"
    return _spec(chart_id, "histogram", title, x, "rows", series)


def _predicted_actual(chart_id: str, table: Any) -> dict[str, Any]:
    points = _points(table["actual"], table["predicted"])
    return _spec(
        chart_id,
        "scatter",
        "Predicted vs actual",
        "actual",
        "predicted",
        [{"name": "rows", "points": points}],
        diagonal=True,
    )


def _residuals(chart_id: str, table: Any) -> dict[str, Any]:
    points = _points(table["predicted"], table["actual"] - table["predicted"])
    return _spec(
        chart_id,
        "scatter",
        "Residuals vs predicted",
        "predicted",
        "actual - predicted",
        [{"name": "rows", "points": points}],
    )


def _validation(chart_id: str, param: str, part: Any) -> dict[str, Any]:
    values = [str(v) for v in part["value"]]
    series = [
        {
            "name": "test",
            "points": _category_points(values, part["mean_test_score"], part["std_test_score"]),
        }
    ]
    if "mean_train_score" in part:
        series.append(
            {
                "name": "train",
                "points": _category_points(
                    values, part["mean_train_score"], part["std_train_score"]
                ),
            }
        )
    return _spec(
        chart_id,
        "category",
        f"Validation curve: {param}",
        param,
        "mean score (± std)",
        series,
        categories=values,
    )


def _overlay(
    split: str, name: str, x: str, y: str, per_run: Mapping[str, Any], labels: Mapping[str, str]
) -> dict[str, Any] | None:
    series = []
    for run_id, tables in per_run.items():
        table = tables.get(split, {}).get(name)
        if table is None:
            continue
        chart = _curve(
            "",
            table,
            x,
            y,
            "",
            "auc"
            if name == "roc"
            else ("average_precision" if name == "precision_recall" else None),
        )
        several = len(chart["series"]) > 1
        for s in chart["series"]:
            label = (
                f"{labels[run_id]} · {s['name']}"
                if several
                else labels[run_id] + _suffix(s["name"])
            )
            series.append({"name": label, "points": s["points"]})
    if not series:
        return None
    title = {"roc": "ROC", "precision_recall": "Precision-recall", "calibration": "Calibration"}[
        name
    ]
    return _spec(
        f"{split}-overlay-{name}",
        "line",
        f"{title} across runs",
        x,
        y,
        series,
        diagonal=name != "precision_recall",
        unit=True,
    )


def _suffix(name: str) -> str:
    """`` (auc 0.93)`` from ``class 1 (auc 0.93)``: a binary run's one curve needs no class."""
    _, sep, rest = name.partition(" (")
    return f" ({rest}" if sep else ""


def _points(xs: Any, ys: Any, thresholds: Any = None) -> list[list[Any]]:
    if thresholds is None:
        return [[_number(a), _number(b)] for a, b in zip(xs, ys, strict=True)]
    return [
        [_number(a), _number(b), _number(t)] for a, b, t in zip(xs, ys, thresholds, strict=True)
    ]


def _category_points(values: list[str], means: Any, stds: Any) -> list[list[Any]]:
    return [[v, _number(m), _number(s)] for v, m, s in zip(values, means, stds, strict=True)]


def _number(value: Any, digits: int = 6) -> float | int | None:
    """A JSON number (6 significant digits keep a page small), None for inf and NaN."""
    number = float(value)
    if not math.isfinite(number):
        return None
    if number.is_integer() and abs(number) < 2**53:
        return int(number)
    return float(f"{number:.{digits}g}")
