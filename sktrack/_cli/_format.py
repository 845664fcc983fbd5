"""How the ``sktrack`` command shows things: plain-text tables for people, JSON for scripts.

Values become short printable cells (times in local time, numbers to five significant
digits) or JSON-safe values (times in ISO 8601 UTC, NaN and infinities as null).  The
records the subcommands print (a run, a registered model and its versions, a doctor
report) each have a text and a JSON form here; the commands only pick which.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from .._store import Store

__all__ = [
    "MISSING",
    "doctor_json",
    "doctor_text",
    "emit_table",
    "format_table",
    "frame_records",
    "iso_ms",
    "model_json",
    "model_show_text",
    "models_table",
    "print_json",
    "run_json",
    "run_text",
    "runs_table",
    "use_rich",
    "utc",
    "version_json",
]

_MAX_CELL = 40  # characters; longer values are cut with an ellipsis
#: A value that is not there: not logged, None in a record, or a metric logged as NaN (the
#: UI shows the same; JSON has null).  A param whose value is None prints as None.
MISSING = "-"


# -- tables and values -----------------------------------------------------------------------


def runs_table(frame: pd.DataFrame, columns: Sequence[str]) -> str:
    """A plain-text table of ``frame``'s ``columns`` with a count of runs beneath.

    Parameters
    ----------
    frame : DataFrame
        A `sktrack.search_runs` result.
    columns : sequence of str
        Which columns, in order; a column the frame lacks prints empty.

    Examples
    --------
    >>> import pandas as pd
    >>> print(runs_table(pd.DataFrame({"run_name": ["a"], "metrics.r2": [0.5]}), ["run_name", "metrics.r2"]))
    run_name  metrics.r2
    a                0.5
    1 run
    """
    rows = [[row.get(c) for c in columns] for row in frame.to_dict("records")]
    count = f"{len(frame)} run" + ("" if len(frame) == 1 else "s")
    if not rows:
        return "no runs found"
    return f"{format_table(list(columns), rows)}\n{count}"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Align ``rows`` under ``headers`` in plain-text columns; numbers align right.

    Examples
    --------
    >>> print(format_table(["name", "r2"], [["lr", 0.45], ["tree", 0.312345]]))
    name       r2
    lr       0.45
    tree  0.31234
    """
    cells = [[_cell(v) for v in row] for row in rows]
    numeric = _numeric_columns(headers, rows)
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = [_line(headers, widths, numeric)]
    lines += [_line(r, widths, numeric) for r in cells]
    return "\n".join(lines)


def _numeric_columns(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[bool]:
    return [
        bool(rows) and all(_is_number(row[i]) or _cell(row[i]) == MISSING for row in rows)
        for i in range(len(headers))
    ]


def use_rich() -> bool:
    """Tables through rich: when it is installed and standard output is a terminal."""
    import importlib.util
    import sys

    return sys.stdout.isatty() and importlib.util.find_spec("rich") is not None


def emit_table(headers: Sequence[str], rows: Sequence[Sequence[Any]], *, footer: str = "") -> None:
    """Print a table: through rich on a terminal where it is installed, else as plain text
    (what `format_table` makes), then ``footer`` on a line of its own."""
    if not use_rich():
        print(format_table(headers, rows) + (f"\n{footer}" if footer else ""))
        return
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for header, right in zip(headers, _numeric_columns(headers, rows), strict=True):
        table.add_column(header, justify="right" if right else "left", no_wrap=True)
    for row in rows:
        table.add_row(*(_cell(v) for v in row))
    console = Console(markup=False, highlight=False)
    console.print(table)
    if footer:
        console.print(footer)


def _line(cells: Sequence[str], widths: list[int], right: list[bool]) -> str:
    parts = [c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right, strict=True)]
    return "  ".join(parts).rstrip()


def _is_number(value: Any) -> bool:
    import numbers

    return isinstance(value, numbers.Number) and not isinstance(value, bool)


def _cell(value: Any) -> str:
    """A value as one short, printable line."""
    text = _plain_text(value)
    text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    return text if len(text) <= _MAX_CELL else text[: _MAX_CELL - 1] + "…"


def _plain_text(value: Any) -> str:
    if value is None or _is_missing(value):
        return MISSING
    if isinstance(value, datetime) or hasattr(value, "to_pydatetime"):
        stamp = value.to_pydatetime() if hasattr(value, "to_pydatetime") else value
        return stamp.astimezone().strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, float) or (_is_number(value) and hasattr(value, "dtype")):
        number = float(value)
        return str(int(number)) if number.is_integer() and abs(number) < 1e15 else f"{number:.5g}"
    return str(value)


def _is_missing(value: Any) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(value)) if not isinstance(value, (list, tuple, dict)) else False
    except (TypeError, ValueError):
        return False


def _json_value(value: Any) -> Any:
    """A JSON-safe value: NaN and infinities become null (JSON has no such numbers)."""
    if value is None or _is_missing(value):
        return None
    if hasattr(value, "to_pydatetime"):
        return _iso(value.to_pydatetime())
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _iso(stamp: datetime) -> str:
    return stamp.astimezone(UTC).isoformat(timespec="milliseconds")


def iso_ms(ms: int | None) -> str | None:
    """Milliseconds since the epoch as ISO 8601 UTC (None stays None)."""
    return None if ms is None else _iso(datetime.fromtimestamp(ms / 1000, tz=UTC))


def frame_records(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    """``frame``'s rows as JSON-safe records of ``columns``."""
    return [{c: _json_value(row.get(c)) for c in columns} for row in frame.to_dict("records")]


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON on standard output."""
    print(json.dumps(data, indent=2, allow_nan=False, default=str))


# -- a run -----------------------------------------------------------------------------------


def run_json(run: Any, children: list[str], artifacts: list[str]) -> dict[str, Any]:
    """``sktrack run show --json``: a run's info, values, children, artifacts and models."""
    info = run.info
    return {
        "info": {
            "run_id": info.run_id,
            "run_name": info.run_name,
            "experiment": info.experiment,
            "status": str(info.status),
            "start_time": iso_ms(info.start_time),
            "end_time": iso_ms(info.end_time),
            "parent_run_id": info.parent_run_id,
            "user": info.user,
            "host": info.host,
            "pid": info.pid,
        },
        "params": {k: _json_value(v) for k, v in run.params.items()},
        "metrics": {k: _json_value(v) for k, v in run.metrics.items()},
        "tags": dict(run.tags),
        "children": children,
        "artifacts": artifacts,
        "models": [f"runs:/{info.run_id}/{m}" for m in _model_folders(artifacts)],
    }


def _model_folders(artifacts: list[str]) -> list[str]:
    """Folders holding a logged model (their ``model.json`` is written last)."""
    return [a.rsplit("/", 1)[0] for a in artifacts if a.endswith("/model.json")]


def run_text(
    run: Any, children: pd.DataFrame, artifacts: list[str], child_columns: Sequence[str] = ()
) -> str:
    """``sktrack run show``: a run's info, values, artifacts, children (best first, ranked,
    the best starred) and how to load it."""
    info = run.info
    ended = _plain_text(utc(info.end_time)) if info.end_time else MISSING
    if info.end_time:
        ended += f"  ({(info.end_time - info.start_time) / 1000:.1f} s)"
    fields = [
        ("experiment", info.experiment),
        ("status", str(info.status)),
        ("started", _plain_text(utc(info.start_time))),
        ("ended", ended),
        ("parent", info.parent_run_id or MISSING),
        ("user", f"{info.user} on {info.host} (pid {info.pid})"),
    ]
    parts = [f"Run {info.run_id}  {_cell(info.run_name)}", _pairs(fields)]
    parts += [_section("Params", run.params), _section("Metrics", run.metrics)]
    parts.append(_section("Tags", run.tags))
    parts.append(f"Artifacts ({len(artifacts)})\n" + _indent("\n".join(artifacts) or MISSING))
    if len(children):
        columns = list(child_columns) or ["run_id", "run_name", "status"]
        rows = [[row.get(c) for c in columns] for row in children.to_dict("records")]
        table = format_table(["" if c == "best" else c for c in columns], rows)
        parts.append(f"Children ({len(children)}, best first)\n{_indent(table)}")
    models = _model_folders(artifacts)
    if models:
        snippet = "\n".join(f'sktrack.load_model("runs:/{info.run_id}/{name}")' for name in models)
        parts.append("Load the model\n" + _indent(f"import sktrack\n{snippet}"))
    return "\n\n".join(parts)


def utc(ms: int) -> datetime:
    """Milliseconds since the epoch as an aware UTC datetime."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _section(title: str, values: Any) -> str:
    items = sorted(values.items())
    return f"{title} ({len(items)})\n" + (_pairs(items) if items else f"  {MISSING}")


def _pairs(items: Sequence[tuple[str, Any]]) -> str:
    width = max((len(_cell(k)) for k, _ in items), default=0)
    return "\n".join(f"  {_cell(k).ljust(width)}  {_cell(v)}" for k, v in items)


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())


# -- registered models -----------------------------------------------------------------------


def models_table(models: Sequence[Any]) -> str:
    """``sktrack models``: one row per registered model (``models`` is not empty)."""
    rows = [_model_row(m) for m in models]
    headers = ["name", "latest", "staging", "production", "aliases", "updated", "description"]
    return format_table(headers, rows)


def _model_row(model: Any) -> list[Any]:
    by_stage = {str(mv.stage): mv.version for mv in model.latest_versions}
    latest = max((mv.version for mv in model.latest_versions), default=None)
    aliases = " ".join(f"@{a}={v}" for a, v in model.aliases.items())
    return [
        model.name,
        latest,
        by_stage.get("Staging"),
        by_stage.get("Production"),
        aliases,
        utc(model.updated_at),
        model.description,
    ]


def model_json(model: Any) -> dict[str, Any]:
    """A registered model as JSON, with its latest version in each stage."""
    return {
        "name": model.name,
        "created_at": iso_ms(model.created_at),
        "updated_at": iso_ms(model.updated_at),
        "description": model.description,
        "tags": dict(model.tags),
        "aliases": dict(model.aliases),
        "latest_versions": [version_json(mv) for mv in model.latest_versions],
    }


def version_json(mv: Any) -> dict[str, Any]:
    """A model version as JSON."""
    return {
        "name": mv.name,
        "version": mv.version,
        "stage": str(mv.stage),
        "aliases": list(mv.aliases),
        "run_id": mv.run_id,
        "source": mv.source,
        "description": mv.description,
        "tags": dict(mv.tags),
        "sha256": mv.sha256,
        "created_at": iso_ms(mv.created_at),
        "sklearn_version": mv.sklearn_version,
        "signature": _json_safe(mv.signature),
    }


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str)) if value is not None else None


def model_show_text(model: Any, versions: Sequence[Any]) -> str:
    """``sktrack models show``: a registered model's description, tags and versions."""
    header = [("description", model.description or "-"), ("tags", _tags_text(model.tags))]
    headers = ["version", "stage", "aliases", "run_id", "created", "description"]
    rows = [
        [v.version, str(v.stage), " ".join(f"@{a}" for a in v.aliases), v.run_id or "-",
         utc(v.created_at), v.description]
        for v in versions
    ]  # fmt: skip
    return f"Model {_cell(model.name)}\n{_pairs(header)}\n\n{format_table(headers, rows)}"


def _tags_text(tags: Any) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(tags.items())) or "-"


# -- the doctor's report ---------------------------------------------------------------------


def doctor_json(store: Store, report: Any) -> dict[str, Any]:
    """``sktrack doctor --json``: the report, with ``ok`` for a quick check."""
    return {
        "store": store.location,
        "ok": not report.problems,
        "problems": list(report.problems),
        "damaged_files": list(report.damaged_files),
        "dead_runs": [
            {"run_id": rid, "run_name": name, "pid": pid, "host": host}
            for rid, name, pid, host in report.dead_runs
        ],
        "open_runs": list(report.open_runs),
        "model_problems": list(report.model_problems),
        "orphaned_copies": list(report.orphaned_copies),
        "repairs": list(report.repairs),
    }


def doctor_text(store: Store, report: Any) -> str:
    """``sktrack doctor``: the problems, one a line, and what to do about them."""
    open_runs = f"{len(report.open_runs)} runs still RUNNING"
    lines = [f"{store.location}: repaired: {_cell_line(r)}" for r in report.repairs]
    if not report.problems:
        return "\n".join([*lines, f"{store.location}: no problems found ({open_runs})"])
    lines += [f"{store.location}: {len(report.problems)} problems ({open_runs})"]
    lines += [f"  {_cell_line(p)}" for p in report.problems]
    if report.damaged_files:
        lines.append(
            "Damaged files are skipped when reading; `sktrack doctor --repair` moves them into "
            "quarantine/ of the store and rebuilds what it can."
        )
    if report.dead_runs:
        lines.append(
            'A dead run stays RUNNING; mark it with sktrack.get_run(RUN_ID).end("KILLED").'
        )
    return "\n".join(lines)


def _cell_line(text: str) -> str:
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
