"""`sktrack gc`: remove deleted runs and registered models for good (`sktrack.gc`)."""

from __future__ import annotations

import argparse

from ._common import EXIT_OK, Commands, use_store
from ._format import print_json

__all__ = ["add_gc"]


def add_gc(commands: Commands, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser(
        "gc", parents=[common], help="remove deleted runs and registered models for good"
    )
    p.add_argument(
        "--older-than", metavar="AGE", help="only what was deleted this long ago: 30d, 12h, 90m"
    )
    p.add_argument("--dry-run", action="store_true", help="list what would go, remove nothing")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=_cmd_gc)


def _cmd_gc(args: argparse.Namespace) -> int:
    from .._models import gc

    use_store(args)
    report = gc(older_than=args.older_than, dry_run=args.dry_run)
    if args.json:
        print_json(
            {
                "dry_run": report.dry_run,
                "runs": list(report.runs),
                "models": list(report.models),
                "files": report.files,
                "skipped": [list(s) for s in report.skipped],
            }
        )
        return EXIT_OK
    verb = "would remove" if report.dry_run else "removed"
    for run_id in report.runs:
        print(f"{verb} run {run_id}")
    for name in report.models:
        print(f"{verb} registered model {name}")
    for run_id, why in report.skipped:
        print(f"kept run {run_id}: {why}")
    print(f"{verb} {len(report.runs)} runs, {len(report.models)} registered models, "
          f"{report.files} files")  # fmt: skip
    return EXIT_OK
