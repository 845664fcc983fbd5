"""Commands over the whole store: `compact`, `doctor`, `ui` and `demo`."""

from __future__ import annotations

import argparse

from ..exceptions import SktrackError
from ._common import EXIT_OK, EXIT_PROBLEMS, Commands, location, use_store
from ._format import doctor_json, doctor_text, print_json
from ._users import add_auth_options, auth_file

__all__ = ["add_demo", "add_store_commands", "add_ui"]

_UI_PACKAGES = ("starlette", "uvicorn", "jinja2")


def add_store_commands(commands: Commands, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser("compact", parents=[common], help="merge the store's small files")
    p.set_defaults(handler=_cmd_compact)
    p = commands.add_parser(
        "doctor", parents=[common], help="check the store; exit status 1 on problems"
    )
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--repair",
        action="store_true",
        help="move damaged files into quarantine/ of the store (never deletes), rebuild what "
        "can be rebuilt, end dead runs as KILLED",
    )
    p.set_defaults(handler=_cmd_doctor)


def add_ui(commands: Commands, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser("ui", parents=[common], help="the web UI (pip install 'sktrack[ui]')")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--read-only", action="store_true", help="refuse every write")
    add_auth_options(p)
    p.add_argument(
        "--allow-writes", action="store_true", help="with --no-auth: let anyone change the registry"
    )
    p.set_defaults(handler=_cmd_ui)


def add_demo(commands: Commands, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser("demo", parents=[common], help="log the walkthrough into a store")
    p.add_argument("--quick", action="store_true", help="smaller grids, for a fast look")
    p.set_defaults(handler=_cmd_demo)


def _cmd_compact(args: argparse.Namespace) -> int:
    store = use_store(args)
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

    store = use_store(args)
    report = run_doctor(store, repair=args.repair)
    if args.json:
        print_json(doctor_json(store, report))
    else:
        print(doctor_text(store, report))
    return EXIT_PROBLEMS if report.problems else EXIT_OK


# -- ui and demo -----------------------------------------------------------------------------


def _cmd_ui(args: argparse.Namespace) -> int:
    _require_ui_packages()
    store = use_store(args, must_exist=False)
    try:
        from .. import ui

        ui.serve(
            store,
            host=args.host,
            port=args.port,
            read_only=args.read_only,
            auth=auth_file(args) if args.auth or args.auth_file else None,
            no_auth=args.no_auth,
            allow_writes=args.allow_writes,
            ssl_certfile=args.ssl_certfile,
            ssl_keyfile=args.ssl_keyfile,
        )
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

    run_demo(location(args), quick=args.quick)
    return EXIT_OK
