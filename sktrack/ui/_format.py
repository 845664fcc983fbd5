"""How values read in the pages: numbers, params, times and durations (Jinja2 filters)."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup, escape

__all__ = [
    "FILTERS",
    "MISSING",
    "breakable",
    "duration",
    "metric",
    "param",
    "printable",
    "public_class",
    "timestamp",
]

#: A value that is not there: not logged, or a metric logged as NaN (the CLI shows the same;
#: JSON has null).
MISSING = "-"


def printable(value: Any) -> Any:
    """Every value a page prints, made encodable: text that is not valid Unicode (a lone
    surrogate, in a store written before such values were refused) shows as ``\\ud800``
    instead of failing the whole page."""
    if isinstance(value, str) and not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            fixed = value.encode("utf-8", "backslashreplace").decode("utf-8")
            return Markup(fixed) if isinstance(value, Markup) else fixed
    return value


def metric(value: float | None) -> str:
    """Four significant digits, the way a results table reads; infinities as such, and a
    missing value or NaN as `MISSING`."""
    if value is None or math.isnan(value):
        return MISSING
    if not math.isfinite(value):
        return str(value)
    size = abs(value)
    if size == 0:
        return "0"
    if size >= 1000:
        return f"{value:.2f}"
    if size >= 1e-4:
        return f"{value:.4g}"
    return f"{value:.3e}"


def param(value: Any) -> str:
    """A param as the user logged it: ``None``, ``True``, ``0.1``, ``'rbf'`` shown bare."""
    if isinstance(value, float):
        return format(value, ".6g")
    return str(value)


def timestamp(ms: int | None) -> str:
    """ISO 8601 in UTC (the page's script shows it in the reader's time zone)."""
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def duration(start: int | None, end: int | None) -> str:
    if start is None or end is None:
        return ""
    seconds = max(0.0, (end - start) / 1000)
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def public_class(path: str) -> str:
    """A class's public dotted name: ``sklearn.linear_model._base.LinearRegression`` ->
    ``sklearn.linear_model.LinearRegression``, ``sktrack._sklearn._search.TrackedGridSearchCV``
    -> ``sktrack.TrackedGridSearchCV`` (the private modules left out)."""
    parts = path.split(".")
    return ".".join(p for i, p in enumerate(parts) if i == len(parts) - 1 or not p.startswith("_"))


def breakable(text: str) -> Markup:
    """Escaped text that may wrap after ``_`` and ``.`` (long metric names in table headers)."""
    return Markup(re.sub(r"([_.])", r"\1<wbr>", str(escape(text))))


FILTERS = {
    "breakable": breakable,
    "metric": metric,
    "param": param,
    "public_class": public_class,
    "timestamp": timestamp,
}
