"""`Store`: experiments, runs, params, metrics, tags and artifacts in one folder or prefix.

Layout (store-relative; see docs/store.md)::

    FORMAT                         {"format": "sktrack-store", "version": 1}
    wal/<unique>.<run_id>.jsonl    segments: what runs logged, not yet compacted
    tables/<table>/c-<unique>.parquet   compacted tables (experiments, runs, params, metrics, tags)
    artifacts/<run_id>/...         files logged by a run (models, tables, figures)
    registry/...                   the model registry (sktrack.registry)
    tmp/                           temporary files before their atomic rename
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
import time
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..exceptions import (
    ArtifactNotFoundError,
    ExperimentNotFoundError,
    InvalidArgumentError,
    ParamConflictError,
    RunNotFoundError,
)
from ._artifacts import figure_artifact, local_artifacts, table_artifact
from ._compact import compact
from ._fs import FileSystem
from ._location import check_location, open_filesystem
from ._reader import Reader, Snapshot
from ._records import Experiment, Metric, Run, RunInfo, RunStatus
from ._values import (
    check_mapping,
    decode_param,
    encode_param,
    metric_value,
    run_name_value,
    step_value,
    tag_value,
    timestamp_value,
    validate_key,
    validate_name,
)
from ._wal import SEGMENT_DIR, SegmentWriter

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["Store", "open_store"]

_FORMAT = {"format": "sktrack-store", "version": 1}
AUTO_COMPACT_SEGMENTS = 256  # closed segments that trigger a background compaction


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


def experiment_id_of(name: str) -> str:
    """Experiment ids derive from the name, so two processes creating one experiment at once
    agree on its id and the reader keeps one."""
    return hashlib.sha1(name.encode()).hexdigest()[:16]


class Store:
    """A store; get one with `open_store` (one instance per location and process)."""

    def __init__(self, fs: FileSystem) -> None:
        self.fs = fs
        self.reader = Reader(fs)
        self._writers: dict[str, SegmentWriter] = {}
        self._params: dict[str, dict[str, tuple[str, str]]] = {}
        self._infos: dict[str, RunInfo] = {}
        self._known_experiments: set[str] = set()
        self._closed_since_check = 0
        self._compactor: threading.Thread | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Store({self.fs.location!r})"

    @property
    def location(self) -> str:
        return self.fs.location

    def _ensure_format(self) -> None:
        if not self.fs.exists("FORMAT"):
            self.fs.create_exclusive("FORMAT", json.dumps(_FORMAT).encode())

    # -- experiments ------------------------------------------------------------------

    def ensure_experiment(self, name: str) -> Experiment:
        """The experiment called ``name``, created if it does not exist."""
        name = validate_name("experiment name", name)
        exp_id = experiment_id_of(name)
        if name not in self._known_experiments:
            if name not in self.reader.experiment_names():
                self._ensure_format()
                SegmentWriter(self.fs, "experiments").write(
                    [["e", exp_id, name, _now_ms()]], close=True
                )
            self._known_experiments.add(name)
        return Experiment(exp_id, name, 0)

    def list_experiments(self) -> list[Experiment]:
        exps = self.snapshot().experiments.to_pylist()
        return sorted(
            (Experiment(e["experiment_id"], e["name"], e["created_at"]) for e in exps),
            key=lambda e: e.created_at,
        )

    def get_experiment(self, name: str) -> Experiment:
        for exp in self.list_experiments():
            if exp.name == name:
                return exp
        names = ", ".join(repr(e.name) for e in self.list_experiments()) or "none yet"
        raise ExperimentNotFoundError(
            f"no experiment named {name!r} in store {self.location}; existing: {names}"
        )

    # -- writing runs -----------------------------------------------------------------

    def _writer(self, run_id: str) -> SegmentWriter:
        writer = self._writers.get(run_id)
        if writer is None:
            writer = self._writers[run_id] = SegmentWriter(self.fs, run_id)
        return writer

    def create_run(
        self,
        experiment: Experiment,
        run_name: str,
        parent_run_id: str | None,
        tags: Mapping[str, Any] | None = None,
        *,
        user: str = "",
        host: str = "",
    ) -> RunInfo:
        """Start a RUNNING run with ``tags``; its first records are on disk when this returns."""
        run_name = run_name_value(run_name)
        now = _now_ms()
        records: list[list[Any]] = []
        for key, value in check_mapping("tags", tags or {}).items():
            records.append(["t", validate_key("tag", key), tag_value(key, value), now])
        info = RunInfo(
            run_id=uuid.uuid4().hex,
            run_name=run_name,
            experiment=experiment.name,
            experiment_id=experiment.experiment_id,
            status=RunStatus.RUNNING,
            start_time=_now_ms(),
            end_time=None,
            parent_run_id=parent_run_id,
            user=user,
            host=host,
            pid=os.getpid(),
        )
        self._infos[info.run_id] = info
        self._params[info.run_id] = {}
        self._writer(info.run_id).write([_run_record(info), *records])
        return info

    def set_status(self, run_id: str, status: RunStatus) -> RunInfo:
        """End (or re-open) a run: FINISHED, FAILED or KILLED set the end time."""
        info = self.run_info(run_id)
        end = None if status is RunStatus.RUNNING else _now_ms()
        info = RunInfo(**{**info.__dict__, "status": status, "end_time": end})
        ending = status is not RunStatus.RUNNING
        self._writer(run_id).write([_run_record(info)], close=ending)
        self._infos[run_id] = info  # only once it is on disk: a failed end can be retried
        if ending:
            self._writers.pop(run_id, None)
            self._after_close()
        return info

    def log(
        self,
        run_id: str,
        *,
        params: Mapping[str, Any] | None = None,
        metrics: Mapping[str, Any] | None = None,
        tags: Mapping[str, Any] | None = None,
        step: int | None = None,
        timestamp: int | None = None,
    ) -> None:
        """Log a batch into a run, in one write: all of it survives a crash, or none.

        ``timestamp`` (ms since the epoch) stamps the metric values instead of the time now."""
        now = _now_ms()
        records: list[list[Any]] = []
        if params is not None:
            records += self._param_records(run_id, check_mapping("params", params), now)
        try:
            self._write_batch(run_id, records, metrics, tags, step, now, timestamp)
        except BaseException:
            # nothing of the batch was written: its params are not logged either
            logged = self._params.get(run_id, {})
            for rec in records:
                logged.pop(rec[1], None)
            raise

    def _write_batch(
        self,
        run_id: str,
        records: list[list[Any]],
        metrics: Mapping[str, Any] | None,
        tags: Mapping[str, Any] | None,
        step: int | None,
        now: int,
        timestamp: int | None,
    ) -> None:
        if metrics is not None:
            at = step_value(step)
            stamp = now if timestamp is None else timestamp_value(timestamp)
            for key, value in check_mapping("metrics", metrics).items():
                records.append(
                    ["m", validate_key("metric", key), metric_value(key, value), at, stamp]
                )
        if tags is not None:
            for key, value in check_mapping("tags", tags).items():
                records.append(["t", validate_key("tag", key), tag_value(key, value), now])
        if not records:
            return
        writer = self._writers.get(run_id)
        if writer is not None and writer.owned_here():
            writer.write(records)
        else:  # an ended run, or one of another process: a closed segment of its own
            self.run_info(run_id)
            SegmentWriter(self.fs, run_id).write(records, close=True)
            self._after_close()

    def _param_records(self, run_id: str, params: Mapping[str, Any], now: int) -> list[list[Any]]:
        logged = self._logged_params(run_id)
        records: list[list[Any]] = []
        for key, value in params.items():
            key = validate_key("param", key)
            text, kind, num = encode_param(key, value)
            old = logged.get(key)
            if old is not None and old != (text, kind):
                raise ParamConflictError(run_id, key, decode_param(*old), value)
            if old is None:
                records.append(["p", key, text, kind, num, now])
        for rec in records:
            logged[rec[1]] = (rec[2], rec[3])
        return records

    def _logged_params(self, run_id: str) -> dict[str, tuple[str, str]]:
        if run_id not in self._params:
            run = self.get_run(run_id)
            self._params[run_id] = {k: encode_param(k, v)[:2] for k, v in run.params.items()}
        return self._params[run_id]

    def _after_close(self) -> None:
        """Every so often, fold closed segments in a background thread."""
        self._closed_since_check += 1
        if self._closed_since_check < 32:
            return
        self._closed_since_check = 0
        if self.fs.count(SEGMENT_DIR, ".jsonl") < AUTO_COMPACT_SEGMENTS:
            return
        with self._lock:
            if self._compactor is not None and self._compactor.is_alive():
                return
            self._compactor = threading.Thread(target=compact, args=(self.fs,), daemon=True)
            self._compactor.start()

    def wait_for_compaction(self) -> None:
        """Block until a background compaction started by this process has finished."""
        if self._compactor is not None:
            self._compactor.join()

    def compact(
        self, *, full: bool = True, drop_runs: frozenset[str] = frozenset()
    ) -> dict[str, int]:
        """Fold every closed segment and Parquet file now (what `sktrack compact` runs);
        ``drop_runs`` are left out for good (what `sktrack gc` runs)."""
        self.wait_for_compaction()
        return compact(self.fs, full=full, drop_runs=drop_runs)

    # -- artifacts --------------------------------------------------------------------

    def artifact_dir(self, run_id: str) -> str:
        return f"artifacts/{run_id}"

    def _artifact_path(self, run_id: str, path: str) -> str:
        parts = [p for p in path.replace(os.sep, "/").split("/") if p not in ("", ".")]
        if not parts or ".." in parts:
            raise InvalidArgumentError(
                f"artifact path {path!r} is empty or leaves the run's folder; use a relative "
                "path such as 'plots/roc.png'"
            )
        return f"{self.artifact_dir(run_id)}/{'/'.join(parts)}"

    def write_artifact(self, run_id: str, path: str, data: bytes) -> str:
        """Publish ``data`` as the run's artifact ``path``; returns the store-relative path."""
        self.run_info(run_id)
        target = self._artifact_path(run_id, path)
        self.fs.write_atomic(target, data, lazy=True)  # durable when the run ends
        self.settle(run_id)
        return target

    def settle(self, run_id: str) -> None:
        """Make what was just published for ``run_id`` durable now, unless the run's open
        segment in this process will at its end (see docs/store.md, Durability)."""
        writer = self._writers.get(run_id)
        if writer is None or not writer.owned_here():
            self.fs.sync()

    def log_artifact(
        self, run_id: str, local_path: str | os.PathLike[str], artifact_path: str | None = None
    ) -> str:
        """Copy a local file (or a folder, recursively) into the run; returns its path there."""
        target, files = local_artifacts(local_path, artifact_path)
        for path, data in files:
            self.write_artifact(run_id, path, data)
        return target

    def log_table(self, run_id: str, data: Any, name: str) -> str:
        """Store a DataFrame as a Parquet artifact of the run; returns its path there."""
        path, payload = table_artifact(data, name)
        self.write_artifact(run_id, path, payload)
        return path

    def log_figure(self, run_id: str, figure: Any, name: str) -> str:
        """Store a figure as an image artifact of the run; returns its path there."""
        path, payload = figure_artifact(figure, name)
        self.write_artifact(run_id, path, payload)
        return path

    def read_artifact(self, run_id: str, path: str) -> bytes:
        target = self._artifact_path(run_id, path)
        try:
            return self.fs.read_bytes(target)
        except (FileNotFoundError, IsADirectoryError):
            raise ArtifactNotFoundError(
                f"run {run_id} has no artifact {path!r}; list them with "
                f"sktrack.list_artifacts({run_id!r})"
            ) from None

    def list_artifacts(self, run_id: str, path: str = "") -> list[str]:
        """Artifact paths of a run, relative to its artifact folder, recursively."""
        base = self.artifact_dir(run_id) if not path else self._artifact_path(run_id, path)
        out: list[str] = []
        stack = [base]
        while stack:
            folder = stack.pop()
            out += [f.path[len(self.artifact_dir(run_id)) + 1 :] for f in self.fs.list(folder)]
            stack += [f"{folder}/{d}" for d in self.fs.list_dirs(folder)]
        return sorted(out)

    # -- reading ----------------------------------------------------------------------

    def snapshot(self) -> Snapshot:
        return self.reader.snapshot()

    def run_info(self, run_id: str) -> RunInfo:
        info = self._infos.get(run_id)
        if info is not None:
            return info
        return self.get_run(run_id).info

    def runs_of_this_process(self) -> list[RunInfo]:
        """The runs this process started or ended in this store, as it last left them."""
        return list(self._infos.values())

    def get_run(self, run_id: str) -> Run:
        import pyarrow.compute as pc

        if not isinstance(run_id, str) or not run_id:
            raise RunNotFoundError(str(run_id))
        snap = self.snapshot()
        rows = snap.runs.filter(pc.equal(snap.runs["run_id"], run_id)).to_pylist()
        if not rows:
            raise RunNotFoundError(run_id)
        params = _rows_for(snap.params, run_id)
        metrics = _rows_for(snap.latest_metrics, run_id)
        tags = _rows_for(snap.tags, run_id)
        return Run(
            info=info_from_row(rows[0]),
            params={p["key"]: decode_param(p["value"], p["value_type"]) for p in params},
            metrics={m["key"]: m["value"] for m in metrics},
            tags={t["key"]: t["value"] for t in tags},
            store=self,
        )

    def metric_history(self, run_id: str, key: str) -> list[Metric]:
        import pyarrow.compute as pc

        self.run_info(run_id)
        validate_key("metric", key)
        m = self.snapshot().metrics
        rows = m.filter(pc.and_(pc.equal(m["run_id"], run_id), pc.equal(m["key"], key)))
        history = [Metric(key, r["value"], r["step"], r["timestamp"]) for r in rows.to_pylist()]
        return sorted(history, key=lambda h: (h.step, h.timestamp))


def _run_record(info: RunInfo) -> list[Any]:
    return [
        "r",
        info.run_id,
        info.experiment_id,
        info.run_name,
        info.status.value,
        info.start_time,
        info.end_time,
        info.parent_run_id,
        info.user,
        info.host,
        info.pid,
        time.time_ns(),
    ]


def _rows_for(table: pa.Table, run_id: str) -> list[dict[str, Any]]:
    import pyarrow.compute as pc

    return table.filter(pc.equal(table["run_id"], run_id)).to_pylist()


def info_from_row(row: Mapping[str, Any]) -> RunInfo:
    return RunInfo(
        run_id=row["run_id"],
        run_name=row["run_name"],
        experiment=row.get("experiment") or "",
        experiment_id=row["experiment_id"],
        status=RunStatus(row["status"]),
        start_time=row["start_time"],
        end_time=row["end_time"],
        parent_run_id=row["parent_run_id"],
        user=row.get("user") or "",
        host=row.get("host") or "",
        pid=row.get("pid") or 0,
    )


@functools.lru_cache(maxsize=32)
def _open(location: str) -> Store:
    return Store(open_filesystem(location))


def open_store(location: str | os.PathLike[str]) -> Store:
    """The `Store` at ``location`` (one shared instance per location in this process)."""
    text = check_location(location)
    if "://" not in text:
        text = os.path.abspath(os.path.expanduser(text))
    return _open(text)
