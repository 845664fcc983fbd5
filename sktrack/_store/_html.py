"""Records as compact HTML, for notebooks (``_repr_html_``): a title line and small tables.

Every value is escaped; nothing here runs a script or loads a style sheet.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = ["MAX_ROWS", "html_card", "html_value"]

MAX_ROWS = 12  # rows per table; the rest are counted
_TABLE = 'style="border-collapse:collapse;font-size:12px;margin:2px 12px 4px 0"'
_CELL = 'style="padding:1px 8px;text-align:left;border-bottom:1px solid #e5e7eb"'
_HEAD = 'style="padding:1px 8px;text-align:left;color:#6b7280;font-weight:500"'


def html_value(value: Any) -> str:
    """A value as the UI shows it, escaped: ``-`` for missing or NaN, 4 significant digits."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float):
        return html.escape(f"{value:.4g}" if abs(value) < 1000 else f"{value:.2f}")
    return html.escape(str(value))


def html_card(
    title: str,
    facts: Sequence[tuple[str, Any]],
    tables: Sequence[tuple[str, Any]] = (),
) -> str:
    """A title (in bold), a line of ``label: value`` facts, then one two-column table per
    ``(caption, items)`` (a mapping, or ``(key, value)`` pairs); empty tables are left out."""
    line = " · ".join(
        f'<span style="color:#6b7280">{html.escape(k)}</span> {html_value(v)}' for k, v in facts
    )
    parts = [f"<div><strong>{html.escape(title)}</strong></div>", f"<div>{line}</div>"]
    blocks = [_table(caption, items) for caption, items in tables]
    blocks = [b for b in blocks if b]
    if blocks:
        parts.append('<div style="display:flex;flex-wrap:wrap;align-items:flex-start">')
        parts += blocks
        parts.append("</div>")
    return '<div class="sktrack-record" style="font-size:13px">' + "".join(parts) + "</div>"


def _table(caption: str, items: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> str:
    pairs = list(items.items() if isinstance(items, Mapping) else items)
    if not pairs:
        return ""
    rows = "".join(
        f"<tr><th {_HEAD}>{html.escape(str(k))}</th><td {_CELL}>{html_value(v)}</td></tr>"
        for k, v in pairs[:MAX_ROWS]
    )
    if len(pairs) > MAX_ROWS:
        rows += f'<tr><td {_CELL} colspan="2">… {len(pairs) - MAX_ROWS} more</td></tr>'
    return (
        f'<table {_TABLE}><caption style="text-align:left;font-weight:600">'
        f"{html.escape(caption)} ({len(pairs)})</caption>{rows}</table>"
    )
