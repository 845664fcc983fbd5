"""`sktrack doctor`: what is wrong with a store, and with ``repair``, setting it right.

It looks at every kind of file the store writes: segments and tables (through the reader:
damaged, empty, wrongly shaped, of a newer schema, missing columns), experiment lifecycle
markers, the registry's version and event files, model folders (``model.json`` and the sha256
of ``model.skops``), registry copies that no version refers to, and runs whose process died.
It never raises on what it finds: each finding is a line of the report.

``repair`` never deletes: each damaged file is moved into ``quarantine/`` of the store (and
each move reported); a segment's readable lines are written back as a new segment; a damaged
version file leaves a tombstone so that its number is never given again; a dead run is ended
KILLED.  Afterwards the store reads without a warning.
"""

from __future__ import annotations

import hashlib
import json
import socket
import time
import warnings
from dataclasses import dataclass, field

from .._store import (
    DEAD_RUN_LEASE_S,
    SEGMENT_DIR,
    RunStatus,
    Store,
    parse_segment,
    pid_alive,
    quarantine,
    rebuilt_segment,
    segment_pid,
    unique_name,
)
from ..exceptions import DamagedFileWarning, ModelIntegrityError, SktrackError
from ._folder import MODEL_FILE, ModelMeta, join, model_folders, read_model_meta
from ._registry_store import (
    FORMAT_VERSION,
    ROOT,
    event_from_doc,
    read_version_file,
)

__all__ = ["DoctorReport", "run_doctor"]

_LIFECYCLE = "lifecycle/experiments"


@dataclass(frozen=True)
class DoctorReport:
    """What `run_doctor` found; ``ok`` when there is nothing to fix."""

    damaged_files: list[str] = field(default_factory=list)
    dead_runs: list[tuple[str, str, int, str]] = field(default_factory=list)  # id, name, pid, host
    open_runs: list[str] = field(default_factory=list)
    model_problems: list[str] = field(default_factory=list)
    #: why each damaged file could not be read, by path
    reasons: dict[str, str] = field(default_factory=dict)
    orphaned_copies: list[str] = field(default_factory=list)
    #: what ``repair`` did, one line per move or rebuild
    repairs: list[str] = field(default_factory=list)
    #: the model files among ``model_problems`` that fail their sha256
    failed_models: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        out = [
            f"damaged file: {path}" + (f" ({self.reasons[path]})" if path in self.reasons else "")
            for path in self.damaged_files
        ]
        out += [
            f"run {rid} ({name}) is RUNNING but its process {pid} on {host} is gone"
            for rid, name, pid, host in self.dead_runs
        ]
        out += [f"orphaned registry copy: {path}" for path in self.orphaned_copies]
        return out + self.model_problems

    @property
    def ok(self) -> bool:
        return not self.problems


def run_doctor(store: Store, *, repair: bool = False) -> DoctorReport:
    """Check every file of ``store``; with ``repair``, fix what was found (see the module
    docstring) and return the report of the store as it is afterwards, with the repairs."""
    report = _examine(store)
    if not repair or report.ok:
        return report
    repairs = _repair(store, report)
    after = _examine(store)
    return DoctorReport(
        damaged_files=after.damaged_files,
        dead_runs=after.dead_runs,
        open_runs=after.open_runs,
        model_problems=after.model_problems,
        reasons=after.reasons,
        orphaned_copies=after.orphaned_copies,
        repairs=repairs,
        failed_models=after.failed_models,
    )


def _examine(store: Store) -> DoctorReport:
    reasons: dict[str, str] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DamagedFileWarning)  # reported below instead
        snap = store.snapshot()
        reasons.update(
            {p: snap.damage.get(p, "superseded, and cannot be read") for p in snap.damaged}
        )
        reasons.update(_lifecycle_damage(store))
        registry, orphans = _registry_damage(store)
        reasons.update(registry)
    model_damage, model_problems, failed = _model_damage(store)
    reasons.update(model_damage)
    here = socket.gethostname()
    running = [r for r in snap.runs.to_pylist() if r["status"] == "RUNNING"]
    dead = [
        (r["run_id"], r["run_name"], r["pid"], r["host"])
        for r in running
        if r["host"] == here and r["pid"] and not pid_alive(r["pid"])
    ]
    return DoctorReport(
        damaged_files=list(reasons),
        dead_runs=dead,
        open_runs=[r["run_id"] for r in running],
        model_problems=model_problems,
        reasons=reasons,
        orphaned_copies=orphans,
        failed_models=failed,
    )


def _lifecycle_damage(store: Store) -> dict[str, str]:
    out = {}
    for exp_id in store.fs.list_dirs(_LIFECYCLE):
        for info in store.fs.list(f"{_LIFECYCLE}/{exp_id}", ".json"):
            try:
                doc = json.loads(store.fs.read_bytes(info.path))
                ok = isinstance(doc, dict) and doc.get("state") in ("deleted", "active")
            except ValueError:
                ok = False
            if not ok:
                out[info.path] = "not an experiment lifecycle marker"
    return out


def _registry_damage(store: Store) -> tuple[dict[str, str], list[str]]:
    """Damaged version and event files, and copies that no readable version refers to."""
    fs = store.fs
    damage: dict[str, str] = {}
    orphans: list[str] = []
    for name in fs.list_dirs(ROOT):
        used: set[str] = set()
        for info in fs.list(f"{ROOT}/{name}/versions", ".json"):
            try:
                copy = read_version_file(fs, name, info.path).get("copy")
                if isinstance(copy, str):
                    used.add(copy)
            except SktrackError as exc:
                damage[info.path] = str(exc).split(" is damaged: ", 1)[-1]
        for info in fs.list(f"{ROOT}/{name}/events", ".json"):
            try:
                doc = json.loads(fs.read_bytes(info.path))
                if not isinstance(doc, dict) or doc.get("format_version") != FORMAT_VERSION:
                    raise SktrackError("not a registry event of this format")
                event_from_doc(doc)
            except (ValueError, SktrackError) as exc:
                damage[info.path] = str(exc)
        orphans += _orphans(store, f"{ROOT}/{name}", used)
    return damage, orphans


def _orphans(store: Store, folder: str, used: set[str]) -> list[str]:
    """Copies no version refers to, untouched for the lease time: a registration still under
    way has a copy before it has a version, and is left alone."""
    out = []
    now = time.time_ns()
    for copy_id in store.fs.list_dirs(f"{folder}/copies"):
        path = f"{folder}/copies/{copy_id}"
        files = store.fs.list(path)
        if not files:
            continue  # set aside before
        newest = max((f.mtime_ns for f in files), default=0)
        if path not in used and now - newest > DEAD_RUN_LEASE_S * 1_000_000_000:
            out.append(path)
    return out


def _model_damage(store: Store) -> tuple[dict[str, str], list[str], list[str]]:
    """Damaged ``model.json`` files; problems of model folders, and the ``model.skops`` files
    among them that fail their sha256."""
    damage: dict[str, str] = {}
    problems: list[str] = []
    failed: list[str] = []
    for folder in model_folders(store.fs):
        if not store.fs.list(folder):
            continue  # a registry copy whose files were set aside
        meta_path = join(folder, "model.json")
        try:
            meta = read_model_meta(store.fs, folder, folder)
        except SktrackError as exc:
            if store.fs.exists(meta_path):
                damage[meta_path] = str(exc)
            else:
                problems.append(f"model {folder}: {exc}")
            continue
        path = join(folder, MODEL_FILE)
        try:
            actual = hashlib.sha256(store.fs.read_bytes(path)).hexdigest()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            problems.append(f"model {folder}: {MODEL_FILE} is missing")
            continue
        if actual != meta.sha256:
            where = store.fs.local_path(path) or path
            problems.append(f"model {folder}: {ModelIntegrityError(where, meta.sha256, actual)}")
            failed.append(path)
    return damage, problems, failed


# -- repair ----------------------------------------------------------------------------------


def _repair(store: Store, report: DoctorReport) -> list[str]:
    done: list[str] = []
    for path in [*report.damaged_files, *report.failed_models]:
        if not store.fs.exists(path):
            continue
        if path.startswith(f"{SEGMENT_DIR}/"):
            done += _repair_segment(store, path)
        elif "/versions/" in path and path.startswith(f"{ROOT}/"):
            done += _repair_version(store, path)
        elif path.endswith(("/model.json", f"/{MODEL_FILE}")):
            done += _repair_model(store, path)
        else:
            done.append(f"moved {path} to {quarantine(store.fs, path)}")
    for folder in report.orphaned_copies:
        done += [
            f"moved {f.path} to {quarantine(store.fs, f.path)}" for f in _all_files(store, folder)
        ]
    for run_id, _, _, _ in report.dead_runs:
        store.set_status(run_id, RunStatus.KILLED)
        done.append(f"ended run {run_id} as KILLED (its process is gone)")
    return done


def _repair_segment(store: Store, path: str) -> list[str]:
    data = store.fs.read_bytes(path)
    seg = parse_segment(path, data)
    if not seg.closed and pid_alive(segment_pid(path)):
        return [f"left {path} alone: the process writing it is still alive"]
    rebuilt = rebuilt_segment(path, data)
    out = [f"moved {path} to {quarantine(store.fs, path)}"]
    if rebuilt is not None:
        suffix = path.rsplit("/", 1)[1].split(".", 1)[1]
        target = f"{SEGMENT_DIR}/{unique_name(suffix=f'.{suffix}')}"
        store.fs.write_atomic(target, rebuilt)
        out.append(f"rebuilt {target} from the readable lines of {path}")
    return out


def _repair_version(store: Store, path: str) -> list[str]:
    """A damaged version file goes to quarantine, and a tombstone keeps its number taken."""
    moved = quarantine(store.fs, path)
    number = int(path.rsplit("/", 1)[1].split(".")[0])
    name = path.split("/")[2]
    doc = {"format_version": FORMAT_VERSION, "name": name, "version": number, "quarantined": moved}
    store.fs.create_exclusive(path, json.dumps(doc).encode())
    return [f"moved {path} to {moved}; version {number} of {name!r} is now deleted"]


def _repair_model(store: Store, path: str) -> list[str]:
    """A registry copy's damaged ``model.json`` is rebuilt from its version file when the
    model file still matches the sha256 recorded there; otherwise the model folder's files are
    moved to quarantine (a run's model is then gone, a registered version cannot load)."""
    folder = path.rsplit("/", 1)[0]
    moved = [f"moved {f.path} to {quarantine(store.fs, f.path)}" for f in _all_files(store, folder)]
    record = _record_of_copy(store, folder) if path.endswith("/model.json") else None
    if record is None:
        return moved
    data = store.fs.read_bytes(f"quarantine/{folder}/{MODEL_FILE}")
    if hashlib.sha256(data).hexdigest() != record["sha256"]:
        return moved
    meta = ModelMeta(
        sha256=record["sha256"],
        content_hash=record.get("content_hash", ""),
        size=len(data),
        estimator_class=record.get("estimator_class", ""),
        versions={"sklearn": record["sklearn_version"]},
        signature=record["signature"],
        created_at=record["created_at"],
    )
    store.fs.write_atomic(join(folder, MODEL_FILE), data)
    store.fs.write_atomic(join(folder, "model.json"), meta.to_json())
    return [*moved, f"rebuilt {folder} from its version file (its model file is intact)"]


def _record_of_copy(store: Store, folder: str) -> dict | None:
    parts = folder.split("/")
    if len(parts) != 5 or f"{parts[0]}/{parts[1]}" != ROOT or parts[3] != "copies":
        return None
    for info in store.fs.list(f"{ROOT}/{parts[2]}/versions", ".json"):
        try:
            record = read_version_file(store.fs, parts[2], info.path)
        except SktrackError:
            continue
        if record.get("copy") == folder:
            return record
    return None


def _all_files(store: Store, folder: str) -> list:
    out, stack = [], [folder]
    while stack:
        here = stack.pop()
        out += store.fs.list(here)
        stack += [f"{here}/{d}" for d in store.fs.list_dirs(here)]
    return out
