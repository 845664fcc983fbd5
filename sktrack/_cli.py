"""The ``sktrack`` command: a thin argparse layer over the library.

Every subcommand parses its arguments, calls the public API (or the store's own methods)
and prints the result: a plain-text table for people, ``--json`` for scripts.  Errors that
sktrack raises on purpose are printed as one message on stderr with exit status 2; no
traceback.  Exit status 1 means "ran, and found problems" (``sktrack doctor``).
"""

from __future__ import annotations

import argparse
import contextvars
import fnmatch
import json
import math
import os
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

from .exceptions import InvalidArgumentError, SktrackError, SktrackWarning, StoreError

if TYPE_CHECKING:
    import pandas as pd

    from ._store import Store

__all__ = ["format_table", "main", "runs_table"]

EXIT_OK = 0
EXIT_PROBLEMS = 1  # the command ran and found something wrong (doctor)
EXIT_ERROR = 2  # a user error: bad arguments, no such run, no store...
DEFAULT_STORE = "./sktrack-store"
_MAX_CELL = 40  # characters; longer values are cut with an ellipsis
_BASE_COLUMNS = ["run_id", "run_name", "experiment", "status", "start_time"]
_UI_PACKAGES = ("starlette", "uvicorn", "jinja2")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``sktrack`` command line; returns the exit status.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name; defaults to ``sys.argv[1:]``.

    Returns
    -------
    int
        0 on success, 1 when ``doctor`` finds problems, 2 on a user error.

    Examples
    --------
    >>> import tempfile
    >>> main(["--store", tempfile.mkdtemp(), "runs"])  # doctest: +SKIP
    """
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # --help, or a usage error already printed by argparse
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    # The command's set_store/set_experiment stay inside this call, so a caller (a test, a
    # notebook) keeps its own tracking state.
    return contextvars.copy_context().run(_run_command, args)


def _run_command(args: argparse.Namespace) -> int:
    with warnings.catch_warnings():
        # A damaged file is news for the user, not a reason to stop: show it and go on.
        warnings.simplefilter("always", SktrackWarning)
        warnings.showwarning = _show_warning
        try:
            handler: Callable[[argparse.Namespace], int] = args.handler
            return handler(args)
        except SktrackError as exc:
            print(f"sktrack: error: {exc}", file=sys.stderr)
            return EXIT_ERROR
        except KeyboardInterrupt:
            print("sktrack: interrupted", file=sys.stderr)
            return 130
        except BrokenPipeError:  # `sktrack runs | head`: the reader left, nothing is wrong
            _silence_stdout()
            return EXIT_OK


def _show_warning(
    message: Warning | str,
    category: type[Warning],
    filename: str,
    lineno: int,
    file: TextIO | None = None,
    line: str | None = None,
) -> None:
    if issubclass(category, SktrackWarning):
        text = f"sktrack: warning: {message}\n"
    else:
        text = warnings.formatwarning(message, category, filename, lineno, line)
    (file or sys.stderr).write(text)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # a stdout without a file descriptor (captured)
        pass


# -- the parser ----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``sktrack`` command."""
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="sktrack",
        description="Browse, compare and promote what sktrack tracked.",
        epilog="The store is --store, else $SKTRACK_STORE, else ./sktrack-store.",
    )
    parser.add_argument("--version", action="version", version=f"sktrack {__version__}")
    parser.add_argument("--store", default=None, help="the store folder or URI")
    # --store is accepted after the subcommand too (`sktrack ui --store s`); SUPPRESS keeps
    # an absent one from overwriting the global value.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--store", default=argparse.SUPPRESS, help="the store folder or URI")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_runs(commands, common)
    _add_run(commands, common)
    _add_models(commands, common)
    _add_simple(commands, common)
    _add_ui(commands, common)
    _add_demo(commands, common)
    return parser


_Commands = Any  # argparse's _SubParsersAction is private


def _add_runs(commands: _Commands, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser("runs", parents=[common], help="list runs as a table")
    p.add_argument("-f", "--filter", default="", help='e.g. "metrics.test_r2_score > 0.4"')
    p.add_argument("--order-by", action="append", default=None, metavar="KEY", help="repeatable")
    p.add_argument(
        "--columns",
        default=None,
        help="comma-separated columns; shell patterns allowed (metrics.test_*)",
    )
    p.add_argument(
        "--experiment",
        action="append",
        default=None,
        metavar="NAME",
        help="repeatable; default or '*': every experiment",
    )
    p.add_argument("--max-results", type=int, default=None, metavar="N")
    p.add_argument("--json", action="store_true", help="print JSON records")
    p.set_defaults(handler=_cmd_runs)


def _add_run(commands: _Commands, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser("run", help="one run")
    sub = p.add_subparsers(dest="run_command", required=True, metavar="ACTION")
    show = sub.add_parser("show", parents=[common], help="a run's info, params, metrics...")
    show.add_argument("run_id", metavar="RUN_ID")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_cmd_run_show)


def _add_models(commands: _Commands, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser("models", parents=[common], help="the model registry")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_models)
    sub = p.add_subparsers(dest="models_command", metavar="ACTION")
    show = sub.add_parser("show", parents=[common], help="a registered model's versions")
    show.add_argument("name", metavar="NAME")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_cmd_models_show)
    move = sub.add_parser("transition", parents=[common], help="move a version to a stage")
    move.add_argument("name", metavar="NAME")
    move.add_argument("version", metavar="VERSION", type=int)
    move.add_argument("stage", metavar="STAGE", help="None, Staging, Production or Archived")
    move.add_argument(
        "--archive-existing",
        action="store_true",
        help="archive the versions already in STAGE",
    )
    move.set_defaults(handler=_cmd_models_transition)


def _add_simple(commands: _Commands, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser("compact", parents=[common], help="merge the store's small files")
    p.set_defaults(handler=_cmd_compact)
    p = commands.add_parser(
        "doctor", parents=[common], help="check the store; exit status 1 on problems"
    )
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_doctor)


def _add_ui(commands: _Commands, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser("ui", parents=[common], help="the web UI (pip install 'sktrack[ui]')")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--read-only", action="store_true", help="refuse every write")
    p.set_defaults(handler=_cmd_ui)


def _add_demo(commands: _Commands, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser("demo", parents=[common], help="log the walkthrough into a store")
    p.add_argument("--quick", action="store_true", help="smaller grids, for a fast look")
    p.set_defaults(handler=_cmd_demo)


# -- the store -------------------------------------------------------------------------------


def _location(args: argparse.Namespace) -> str:
    return args.store or os.environ.get("SKTRACK_STORE") or DEFAULT_STORE


def _use_store(args: argparse.Namespace, *, must_exist: bool = True) -> Store:
    """Select the store for this command; reading commands refuse a folder with no store,
    where a typo in --store would otherwise read as "no runs"."""
    from ._tracking import set_store

    store = set_store(_location(args))
    if must_exist and not store.fs.exists("FORMAT"):
        raise StoreError(
            f"no sktrack store at {store.location}; pass --store PATH or set $SKTRACK_STORE "
            "(`sktrack demo` makes one)"
        )
    return store


# -- runs ------------------------------------------------------------------------------------


def _cmd_runs(args: argparse.Namespace) -> int:
    from ._tracking import search_runs

    store = _use_store(args)
    frame = search_runs(
        experiment_names=_experiments(store, args.experiment),
        filter_string=args.filter,
        order_by=args.order_by,
        max_results=args.max_results,
    )
    if args.json:
        columns = _pick_columns(frame, args.columns) if args.columns else list(frame.columns)
        _print_json(_frame_records(frame, columns))
        return EXIT_OK
    if args.columns:
        columns = _pick_columns(frame, args.columns)
    else:
        columns = _BASE_COLUMNS + _referenced_columns(frame, args.filter, args.order_by)
    print(runs_table(frame, columns))
    return EXIT_OK


def _experiments(store: Store, names: list[str] | None) -> list[str] | str:
    if not names or "*" in names:
        return "*"
    for name in names:
        store.get_experiment(name)  # an unknown name is an error, not "no runs"
    return names


def _pick_columns(frame: pd.DataFrame, spec: str) -> list[str]:
    """Columns named in ``spec`` (comma-separated, shell patterns allowed), in its order."""
    chosen: list[str] = []
    for item in (part.strip() for part in spec.split(",")):
        if not item:
            continue
        matches = fnmatch.filter(frame.columns, item) if _is_pattern(item) else [item]
        if not _is_pattern(item) and item not in frame.columns and len(frame):
            raise InvalidArgumentError(_unknown_column(item, frame.columns))
        chosen += [m for m in matches if m not in chosen]
    return chosen


def _is_pattern(text: str) -> bool:
    return any(ch in text for ch in "*?[")


def _unknown_column(name: str, columns: Iterable[str]) -> str:
    close = [c for c in columns if name.split(".")[-1] in c][:8]
    hint = f"; similar: {', '.join(close)}" if close else ""
    return (
        f"no column {name!r} among the runs found{hint}. Columns are run_id, run_name, "
        "experiment, status, start_time, end_time, parent_run_id, then params.<key>, "
        "metrics.<key> and tags.<key>; patterns such as 'metrics.test_*' work too"
    )


def _referenced_columns(
    frame: pd.DataFrame, filter_string: str, order_by: list[str] | None
) -> list[str]:
    """The params, metrics and tags a filter or an order_by names: worth a column each."""
    from ._query import parse_filter, parse_order_by

    names = list(_filter_columns(parse_filter(filter_string)))
    names += [_column(k.entity, k.key) for k in (parse_order_by(order_by) if order_by else [])]
    shown = set(_BASE_COLUMNS)
    out = []
    for name in names:
        if name in frame.columns and name not in shown:
            shown.add(name)
            out.append(name)
    return out


def _filter_columns(node: Any) -> Iterator[str]:
    from ._query import Comparison, Not

    if isinstance(node, Comparison):
        yield _column(node.entity, node.key)
    elif isinstance(node, Not):
        yield from _filter_columns(node.child)
    elif node is not None:  # And, Or
        for child in node.children:
            yield from _filter_columns(child)


def _column(entity: str, key: str) -> str:
    return key if entity == "attributes" else f"{entity}.{key}"


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


# -- tables and values -----------------------------------------------------------------------


def format_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Align ``rows`` under ``headers`` in plain-text columns; numbers align right.

    Examples
    --------
    >>> print(format_table(["name", "r2"], [["lr", 0.45], ["tree", 0.312345]]))
    name      r2
    lr      0.45
    tree  0.31234
    """
    cells = [[_cell(v) for v in row] for row in rows]
    numeric = [
        all(_is_number(row[i]) or _cell(row[i]) == "" for row in rows) and bool(rows)
        for i in range(len(headers))
    ]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = [_line(headers, widths, numeric)]
    lines += [_line(r, widths, numeric) for r in cells]
    return "\n".join(lines)


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
        return ""
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


def _iso_ms(ms: int | None) -> str | None:
    return None if ms is None else _iso(datetime.fromtimestamp(ms / 1000, tz=UTC))


def _frame_records(frame: pd.DataFrame, columns: Sequence[str]) -> list[dict[str, Any]]:
    return [{c: _json_value(row.get(c)) for c in columns} for row in frame.to_dict("records")]


def _print_json(data: Any) -> None:
    print(json.dumps(data, indent=2, allow_nan=False, default=str))


# -- run show --------------------------------------------------------------------------------


def _cmd_run_show(args: argparse.Namespace) -> int:
    from ._tracking import get_run, list_artifacts, search_runs

    _use_store(args)
    run = get_run(args.run_id)
    children = search_runs(
        experiment_names="*", filter_string=f"attributes.parent_run_id = '{run.run_id}'"
    )
    artifacts = list_artifacts(run.run_id)
    if args.json:
        _print_json(_run_json(run, list(children["run_id"]), artifacts))
    else:
        print(_run_text(run, children, artifacts))
    return EXIT_OK


def _run_json(run: Any, children: list[str], artifacts: list[str]) -> dict[str, Any]:
    info = run.info
    return {
        "info": {
            "run_id": info.run_id,
            "run_name": info.run_name,
            "experiment": info.experiment,
            "status": str(info.status),
            "start_time": _iso_ms(info.start_time),
            "end_time": _iso_ms(info.end_time),
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


def _run_text(run: Any, children: pd.DataFrame, artifacts: list[str]) -> str:
    info = run.info
    ended = _plain_text(_utc(info.end_time)) if info.end_time else "-"
    if info.end_time:
        ended += f"  ({(info.end_time - info.start_time) / 1000:.1f} s)"
    fields = [
        ("experiment", info.experiment),
        ("status", str(info.status)),
        ("started", _plain_text(_utc(info.start_time))),
        ("ended", ended),
        ("parent", info.parent_run_id or "-"),
        ("user", f"{info.user} on {info.host} (pid {info.pid})"),
    ]
    parts = [f"Run {info.run_id}  {_cell(info.run_name)}", _pairs(fields)]
    parts += [_section("Params", run.params), _section("Metrics", run.metrics)]
    parts.append(_section("Tags", run.tags))
    parts.append(f"Artifacts ({len(artifacts)})\n" + _indent("\n".join(artifacts) or "-"))
    if len(children):
        table = format_table(
            ["run_id", "run_name", "status"],
            children[["run_id", "run_name", "status"]].to_numpy().tolist(),
        )
        parts.append(f"Children ({len(children)})\n{_indent(table)}")
    models = _model_folders(artifacts)
    if models:
        snippet = "\n".join(f'sktrack.load_model("runs:/{info.run_id}/{name}")' for name in models)
        parts.append("Load the model\n" + _indent(f"import sktrack\n{snippet}"))
    return "\n\n".join(parts)


def _utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _section(title: str, values: Any) -> str:
    items = sorted(values.items())
    return f"{title} ({len(items)})\n" + (_pairs(items) if items else "  -")


def _pairs(items: Sequence[tuple[str, Any]]) -> str:
    width = max((len(_cell(k)) for k, _ in items), default=0)
    return "\n".join(f"  {_cell(k).ljust(width)}  {_cell(v)}" for k, v in items)


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())


# -- models ----------------------------------------------------------------------------------


def _cmd_models(args: argparse.Namespace) -> int:
    from . import registry

    _use_store(args)
    models = registry.list_registered_models()
    if args.json:
        _print_json([_model_json(m) for m in models])
        return EXIT_OK
    if not models:
        print("no registered models; register one with sktrack.registry.register_model(...)")
        return EXIT_OK
    rows = [_model_row(m) for m in models]
    headers = ["name", "latest", "staging", "production", "aliases", "updated", "description"]
    print(format_table(headers, rows))
    return EXIT_OK


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
        _utc(model.updated_at),
        model.description,
    ]


def _model_json(model: Any) -> dict[str, Any]:
    return {
        "name": model.name,
        "created_at": _iso_ms(model.created_at),
        "updated_at": _iso_ms(model.updated_at),
        "description": model.description,
        "tags": dict(model.tags),
        "aliases": dict(model.aliases),
        "latest_versions": [_version_json(mv) for mv in model.latest_versions],
    }


def _version_json(mv: Any) -> dict[str, Any]:
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
        "created_at": _iso_ms(mv.created_at),
        "sklearn_version": mv.sklearn_version,
        "signature": _json_safe(mv.signature),
    }


def _json_safe(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str)) if value is not None else None


def _cmd_models_show(args: argparse.Namespace) -> int:
    from . import registry

    _use_store(args)
    model = registry.get_registered_model(args.name)
    versions = registry.list_model_versions(args.name)
    if args.json:
        _print_json({**_model_json(model), "versions": [_version_json(v) for v in versions]})
        return EXIT_OK
    header = [("description", model.description or "-"), ("tags", _tags_text(model.tags))]
    headers = ["version", "stage", "aliases", "run_id", "created", "description"]
    rows = [
        [v.version, str(v.stage), " ".join(f"@{a}" for a in v.aliases), v.run_id or "-",
         _utc(v.created_at), v.description]
        for v in versions
    ]  # fmt: skip
    print(f"Model {_cell(model.name)}\n{_pairs(header)}\n\n{format_table(headers, rows)}")
    return EXIT_OK


def _tags_text(tags: Any) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted(tags.items())) or "-"


def _cmd_models_transition(args: argparse.Namespace) -> int:
    from . import registry

    _use_store(args)
    before = {v.version: v.stage for v in registry.list_model_versions(args.name)}
    moved = registry.transition_stage(
        args.name, args.version, args.stage, archive_existing=args.archive_existing
    )
    after = {v.version: v.stage for v in registry.list_model_versions(args.name)}
    archived = [n for n, stage in after.items() if stage != before.get(n) and n != moved.version]
    line = f"{moved.name} version {moved.version}: {before.get(moved.version)} -> {moved.stage}"
    if archived:
        line += "; archived " + ", ".join(f"version {n}" for n in archived)
    print(line)
    return EXIT_OK


# -- store maintenance -----------------------------------------------------------------------


def _cmd_compact(args: argparse.Namespace) -> int:
    store = _use_store(args)
    result = store.compact()
    if result.get("skipped"):
        print(f"{store.location}: another process is compacting this store; nothing to do now")
    elif not any(result.values()):
        print(f"{store.location}: nothing to compact")
    else:
        print(
            f"{store.location}: folded {result.get('segments', 0)} closed segments; wrote "
            f"{result.get('published', 0)} Parquet files, removed {result.get('deleted', 0)} files"
        )
    return EXIT_OK


def _cmd_doctor(args: argparse.Namespace) -> int:
    from ._doctor import run_doctor

    store = _use_store(args)
    report = run_doctor(store)
    if args.json:
        _print_json(_doctor_json(store, report))
    else:
        print(_doctor_text(store, report))
    return EXIT_PROBLEMS if report.problems else EXIT_OK


def _doctor_json(store: Store, report: Any) -> dict[str, Any]:
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
    }


def _doctor_text(store: Store, report: Any) -> str:
    open_runs = f"{len(report.open_runs)} runs still RUNNING"
    if not report.problems:
        return f"{store.location}: no problems found ({open_runs})"
    lines = [f"{store.location}: {len(report.problems)} problems ({open_runs})"]
    lines += [f"  {_cell_line(p)}" for p in report.problems]
    if report.damaged_files:
        lines.append(
            "Damaged files are skipped when reading; move them out of the store to "
            "silence the warnings."
        )
    if report.dead_runs:
        lines.append(
            'A dead run stays RUNNING; mark it with sktrack.get_run(RUN_ID).end("KILLED").'
        )
    return "\n".join(lines)


def _cell_line(text: str) -> str:
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


# -- ui and demo -----------------------------------------------------------------------------


def _cmd_ui(args: argparse.Namespace) -> int:
    _require_ui_packages()
    store = _use_store(args, must_exist=False)
    try:
        from . import ui

        ui.serve(store, host=args.host, port=args.port, read_only=args.read_only)
    except ImportError as exc:  # a part of the extra that the check above does not name
        raise SktrackError(f"the web UI cannot start: {exc}") from None
    return EXIT_OK


def _require_ui_packages() -> None:
    import importlib

    missing = []
    for name in _UI_PACKAGES:
        try:
            importlib.import_module(name)
        except ImportError:
            missing.append(name)
    if missing:
        raise SktrackError(
            f"the web UI needs {', '.join(missing)}, which "
            f"{'is' if len(missing) == 1 else 'are'} not installed: pip install 'sktrack[ui]'"
        )


def _cmd_demo(args: argparse.Namespace) -> int:
    from ._demo import run_demo

    run_demo(_location(args), quick=args.quick)
    return EXIT_OK
