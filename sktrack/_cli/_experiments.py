"""`sktrack experiments`: every experiment with its runs, newest activity first."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import EXIT_OK, Commands, use_store
from ._format import emit_table, iso_ms, print_json, utc

__all__ = ["add_experiments"]

_HEADERS = ["experiment", "id", "runs", "top_level", "running", "last_started"]


def add_experiments(commands: Commands, common: argparse.ArgumentParser) -> None:
    p = commands.add_parser("experiments", parents=[common], help="list the experiments")
    p.add_argument("--json", action="store_true", help="print JSON records")
    p.set_defaults(handler=_cmd_experiments)


def experiment_rows(store: Any) -> list[dict[str, Any]]:
    """One record per experiment: its runs, top-level runs, running runs, last start (ms)."""
    from .._tracking import select_runs

    _, runs = select_runs(store, None, "", None, None)
    counts: dict[str, dict[str, Any]] = {}
    for run in runs.select(["experiment", "status", "start_time", "parent_run_id"]).to_pylist():
        c = counts.setdefault(run["experiment"], {"runs": 0, "top": 0, "running": 0, "last": None})
        c["runs"] += 1
        c["top"] += run["parent_run_id"] is None
        c["running"] += run["status"] == "RUNNING"
        c["last"] = max(c["last"] or 0, run["start_time"])
    rows = []
    for e in store.list_experiments():
        c = counts.get(e.name, {"runs": 0, "top": 0, "running": 0, "last": None})
        rows.append({"experiment": e.name, "id": e.experiment_id, "runs": c["runs"],
                     "top_level": c["top"], "running": c["running"], "last_started": c["last"]})  # fmt: skip
    return sorted(rows, key=lambda r: (r["last_started"] or 0, r["experiment"]), reverse=True)


def _cmd_experiments(args: argparse.Namespace) -> int:
    store = use_store(args)
    rows = experiment_rows(store)
    if args.json:
        print_json([{**r, "last_started": iso_ms(r["last_started"])} for r in rows])
        return EXIT_OK
    if not rows:
        print("no experiments yet; `sktrack demo` logs one")
        return EXIT_OK
    table = [
        [r["experiment"], r["id"], r["runs"], r["top_level"], r["running"],
         utc(r["last_started"]) if r["last_started"] else None]
        for r in rows
    ]  # fmt: skip
    emit_table(_HEADERS, table, footer=f"{len(rows)} experiment" + ("" if len(rows) == 1 else "s"))
    return EXIT_OK
