"""The ``sktrack`` command: a thin argparse layer over the library.

Every subcommand parses its arguments, calls the public API (or the store's own methods)
and prints the result: a plain-text table for people, ``--json`` for scripts.  Errors that
sktrack raises on purpose are printed as one message on stderr with exit status 2; no
traceback.  Exit status 1 means "ran, and found problems" (``sktrack doctor``).  How the
results look, as tables and as JSON, is `sktrack._cli_format`'s business.
"""

from __future__ import annotations

import argparse
import contextvars
import fnmatch
import os
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, TextIO

from ..exceptions import InvalidArgumentError, SktrackError, SktrackWarning, StoreError
from ._format import (
    doctor_json,
    doctor_text,
    format_table,
    frame_records,
    model_json,
    model_show_text,
    models_table,
    print_json,
    run_json,
    run_text,
    runs_table,
    version_json,
)

if TYPE_CHECKING:
    import pandas as pd

    from .._store import Store

__all__ = ["build_parser", "format_table", "main", "runs_table"]

EXIT_OK = 0
EXIT_PROBLEMS = 1  # the command ran and found something wrong (doctor)
EXIT_ERROR = 2  # a user error: bad arguments, no such run, no store...
DEFAULT_STORE = "./sktrack-store"
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
    from .. import __version__

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
    from .._tracking import set_store

    store = set_store(_location(args))
    if must_exist and not store.fs.exists("FORMAT"):
        raise StoreError(
            f"no sktrack store at {store.location}; pass --store PATH or set $SKTRACK_STORE "
            "(`sktrack demo` makes one)"
        )
    return store


# -- runs ------------------------------------------------------------------------------------


def _cmd_runs(args: argparse.Namespace) -> int:
    from .._tracking import search_runs

    store = _use_store(args)
    frame = search_runs(
        experiment_names=_experiments(store, args.experiment),
        filter_string=args.filter,
        order_by=args.order_by,
        max_results=args.max_results,
    )
    if args.json:
        columns = _pick_columns(frame, args.columns) if args.columns else list(frame.columns)
        print_json(frame_records(frame, columns))
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
    from .._query import parse_filter, parse_order_by

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
    from .._query import Comparison, Not

    if isinstance(node, Comparison):
        yield _column(node.entity, node.key)
    elif isinstance(node, Not):
        yield from _filter_columns(node.child)
    elif node is not None:  # And, Or
        for child in node.children:
            yield from _filter_columns(child)


def _column(entity: str, key: str) -> str:
    return key if entity == "attributes" else f"{entity}.{key}"


# -- run show --------------------------------------------------------------------------------


def _cmd_run_show(args: argparse.Namespace) -> int:
    from .._tracking import get_run, list_artifacts, search_runs

    _use_store(args)
    run = get_run(args.run_id)
    children = search_runs(
        experiment_names="*", filter_string=f"attributes.parent_run_id = '{run.run_id}'"
    )
    artifacts = list_artifacts(run.run_id)
    if args.json:
        print_json(run_json(run, list(children["run_id"]), artifacts))
    else:
        print(run_text(run, children, artifacts))
    return EXIT_OK


# -- models ----------------------------------------------------------------------------------


def _cmd_models(args: argparse.Namespace) -> int:
    from .. import registry

    _use_store(args)
    models = registry.list_registered_models()
    if args.json:
        print_json([model_json(m) for m in models])
        return EXIT_OK
    if not models:
        print("no registered models; register one with sktrack.registry.register_model(...)")
        return EXIT_OK
    print(models_table(models))
    return EXIT_OK


def _cmd_models_show(args: argparse.Namespace) -> int:
    from .. import registry

    _use_store(args)
    model = registry.get_registered_model(args.name)
    versions = registry.list_model_versions(args.name)
    if args.json:
        print_json({**model_json(model), "versions": [version_json(v) for v in versions]})
        return EXIT_OK
    print(model_show_text(model, versions))
    return EXIT_OK


def _cmd_models_transition(args: argparse.Namespace) -> int:
    from .. import registry

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
    from .._models import run_doctor

    store = _use_store(args)
    report = run_doctor(store)
    if args.json:
        print_json(doctor_json(store, report))
    else:
        print(doctor_text(store, report))
    return EXIT_PROBLEMS if report.problems else EXIT_OK


# -- ui and demo -----------------------------------------------------------------------------


def _cmd_ui(args: argparse.Namespace) -> int:
    _require_ui_packages()
    store = _use_store(args, must_exist=False)
    try:
        from .. import ui

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
