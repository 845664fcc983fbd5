"""`sktrack doctor`: what is wrong with a store, without changing it.

It lists files that cannot be read, runs whose process died before ending them, and model
folders whose file no longer matches the hash recorded when it was logged.
"""

from __future__ import annotations

import socket
import warnings
from dataclasses import dataclass, field

from .._store import Store, pid_alive
from ..exceptions import DamagedFileWarning, SktrackError
from ._folder import verify_store_models

__all__ = ["DoctorReport", "run_doctor"]


@dataclass(frozen=True)
class DoctorReport:
    """What `run_doctor` found; ``ok`` when there is nothing to fix."""

    damaged_files: list[str] = field(default_factory=list)
    dead_runs: list[tuple[str, str, int, str]] = field(default_factory=list)  # id, name, pid, host
    open_runs: list[str] = field(default_factory=list)
    model_problems: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        out = [f"damaged file: {path}" for path in self.damaged_files]
        out += [
            f"run {rid} ({name}) is RUNNING but its process {pid} on {host} is gone"
            for rid, name, pid, host in self.dead_runs
        ]
        return out + self.model_problems

    @property
    def ok(self) -> bool:
        return not self.problems


def run_doctor(store: Store) -> DoctorReport:
    """Check every file of ``store``; see the module docstring."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DamagedFileWarning)  # reported below instead
        snap = store.snapshot()
    here = socket.gethostname()
    running = [r for r in snap.runs.to_pylist() if r["status"] == "RUNNING"]
    dead = [
        (r["run_id"], r["run_name"], r["pid"], r["host"])
        for r in running
        if r["host"] == here and r["pid"] and not pid_alive(r["pid"])
    ]
    return DoctorReport(
        damaged_files=list(snap.damaged),
        dead_runs=dead,
        open_runs=[r["run_id"] for r in running],
        model_problems=_model_problems(store),
    )


def _model_problems(store: Store) -> list[str]:
    """Model folders (in runs and in the registry) whose hash does not match."""
    try:
        return list(verify_store_models(store))
    except SktrackError as exc:
        return [str(exc)]
