"""The `import-mlflow` command: a whole MLflow history into the store, with a progress line
and a closing report of everything skipped and why."""

from __future__ import annotations

import argparse
import sys

from ._common import EXIT_OK, Commands, use_store

__all__ = ["add_import_mlflow"]


def add_import_mlflow(commands: Commands, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser(
        "import-mlflow",
        parents=[common],
        help="import an MLflow store (sqlite:///mlflow.db or an mlruns folder)",
    )
    p.add_argument("source", help="sqlite:///path/to/mlflow.db, or the path of an mlruns folder")
    p.add_argument(
        "--trust",
        action="append",
        default=[],
        metavar="TYPE",
        help="a type MLflow's skops models may construct beyond the trusted set (repeatable)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress line")
    p.set_defaults(handler=_cmd_import_mlflow)


def _cmd_import_mlflow(args: argparse.Namespace) -> int:
    from .._mlflow import import_mlflow

    store = use_store(args, must_exist=False)
    report = import_mlflow(
        args.source,
        store=store,
        trusted=args.trust or None,
        progress=None if args.quiet else _progress,
    )
    print(report.summary())
    return EXIT_OK


def _progress(done: int, total: int) -> None:
    if done == total or done % 50 == 0:
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        end = "\n" if done == total else "\r"
        print(f"importing runs [{bar}] {done}/{total}", end=end, file=sys.stderr, flush=True)
