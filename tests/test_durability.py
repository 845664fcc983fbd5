"""Durability: what survives a power loss, proven by replaying crashes (in the manner of ALICE
and CrashMonkey).

The store writes through its real `LocalFileSystem`, whose system calls go through a recording
`OsCalls`: every mkdir, create, write, fsync, rename, link, unlink and folder fsync is performed
and logged.  The test then replays every prefix of that log into a fresh folder, keeping only
what a crash may keep: file data not fsynced may be lost or cut short, and folder entries (new
files, renames, unlinks) not made durable by a folder fsync may be undone, folder by folder.
After each crash it opens the store and checks that every run acknowledged as ended before the
crash point reads back whole, and that the registry and every model folder are consistent.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import sktrack
from sktrack._store import Durability, LocalFileSystem, OsCalls, Store
from sktrack.exceptions import DamagedFileWarning, InvalidArgumentError, SktrackError

# -- the recording layer ----------------------------------------------------------------------


class RecordingCalls(OsCalls):
    """The real system calls, each one logged (store-relative paths) before it returns."""

    def __init__(self, root: Path) -> None:
        self.root = str(root)
        self.log: list[tuple[Any, ...]] = []
        self._fds: dict[int, str] = {}
        self._lock = threading.Lock()

    def _rel(self, path: str) -> str:
        rel = os.path.relpath(path, self.root).replace(os.sep, "/")
        return "" if rel == "." else rel

    def _add(self, *op: Any) -> None:
        with self._lock:
            self.log.append(op)

    def mark(self, *fact: Any) -> None:
        """Note in the log what the caller was told: an acknowledgement to check later."""
        self._add("mark", *fact)

    def mkdir(self, path: str) -> None:
        super().mkdir(path)
        self._add("mkdir", self._rel(path))

    def open(self, path: str, flags: int) -> int:
        existed = os.path.exists(path)
        fd = super().open(path, flags)
        self._fds[fd] = self._rel(path)
        if not existed:
            self._add("create", self._rel(path))
        return fd

    def write(self, fd: int, data: bytes | memoryview) -> int:
        n = super().write(fd, data)
        self._add("write", self._fds[fd], bytes(memoryview(data)[:n]))
        return n

    def fsync(self, fd: int) -> None:
        super().fsync(fd)
        self._add("fsync", self._fds[fd])

    def close(self, fd: int) -> None:
        super().close(fd)
        self._fds.pop(fd, None)

    def rename(self, src: str, dst: str) -> None:
        super().rename(src, dst)
        self._add("rename", self._rel(src), self._rel(dst))

    def link(self, src: str, dst: str) -> None:
        super().link(src, dst)
        self._add("link", self._rel(src), self._rel(dst))

    def unlink(self, path: str) -> None:
        super().unlink(path)
        self._add("unlink", self._rel(path))

    def fsync_dir(self, path: str) -> None:
        super().fsync_dir(path)
        self._add("fsync_dir", self._rel(path))


# -- what a crash keeps -----------------------------------------------------------------------


@dataclass
class _Inode:
    data: bytearray = field(default_factory=bytearray)
    synced: int = 0  # files are written sequentially: the durable part is a prefix


Entry = tuple[str, Any]  # ("f", inode) or ("d", path)


@dataclass
class _Dir:
    now: dict[str, Entry] = field(default_factory=dict)
    durable: dict[str, Entry] = field(default_factory=dict)
    pending: list[tuple[str, Entry | None]] = field(default_factory=list)  # since its fsync

    def set(self, name: str, entry: Entry | None) -> None:
        if entry is None:
            del self.now[name]
        else:
            self.now[name] = entry
        self.pending.append((name, entry))

    def kept(self, keep: set[int] | None) -> dict[str, Entry]:
        """The entries a crash leaves: the durable ones with the pending changes ``keep``
        names (by index) applied in order; None keeps them all."""
        if keep is None:
            return self.now
        out = dict(self.durable)
        for i, (name, entry) in enumerate(self.pending):
            if i in keep:
                if entry is None:
                    out.pop(name, None)
                else:
                    out[name] = entry
        return out


def _split(path: str) -> tuple[str, str]:
    parent, _, name = path.rpartition("/")
    return parent, name


class CrashModel:
    """The file system's state after a prefix of the log: what is there now, and what a
    folder fsync or a file fsync made durable (POSIX's promise, nothing more)."""

    def __init__(self) -> None:
        self.dirs: dict[str, _Dir] = {"": _Dir()}
        self.ops = 0

    def _entry(self, path: str) -> Entry:
        parent, name = _split(path)
        return self.dirs[parent].now[name]

    def _set(self, path: str, entry: Entry | None) -> None:
        parent, name = _split(path)
        self.dirs[parent].set(name, entry)

    def apply(self, op: tuple[Any, ...]) -> None:
        kind = op[0]
        if kind == "mark":
            return
        self.ops += 1
        if kind == "mkdir":
            self._set(op[1], ("d", op[1]))
            self.dirs[op[1]] = _Dir()
        elif kind == "create":
            self._set(op[1], ("f", _Inode()))
        elif kind == "write":
            self._entry(op[1])[1].data += op[2]
        elif kind == "fsync":
            inode = self._entry(op[1])[1]
            inode.synced = len(inode.data)
        elif kind in ("rename", "link"):
            entry = self._entry(op[1])
            if kind == "rename":
                self._set(op[1], None)
            self._set(op[2], entry)
        elif kind == "unlink":
            self._set(op[1], None)
        elif kind == "fsync_dir":
            d = self.dirs[op[1]]
            d.durable, d.pending = dict(d.now), []
        else:  # pragma: no cover - a new kind of operation must be modelled first
            raise AssertionError(f"unmodelled operation {op!r}")

    def crash_states(
        self, data_modes: tuple[str, ...], *, thorough: bool = False
    ) -> list[dict[str, bytes | None]]:
        """Trees a crash now may leave.  Every folder's pending changes (new entries, renames,
        unlinks not yet made durable by its fsync) are kept or undone: all folders at once,
        each folder alone either way, and within each folder each change alone undone (and,
        ``thorough``, alone kept); unsynced file data is lost, cut in half or kept.  A tree maps paths to bytes
        (None: a folder)."""
        dirty = sorted(p for p, d in self.dirs.items() if d.pending)
        everything = {p: None for p in self.dirs}
        nothing: dict[str, set[int] | None] = {p: set() for p in self.dirs}
        choices = [nothing, everything]
        for d in dirty:
            n = len(self.dirs[d].pending)
            choices += [{**nothing, d: None}, {**everything, d: set()}]
            for j in range(n):
                choices.append({**everything, d: set(range(n)) - {j}})
                if thorough:
                    choices.append({**nothing, d: {j}})
        return [self._tree(keep, mode) for keep in choices for mode in data_modes]

    def _tree(self, keep: dict[str, set[int] | None], mode: str) -> dict[str, bytes | None]:
        out: dict[str, bytes | None] = {}
        stack = [""]
        while stack:
            folder = stack.pop()
            for name, (kind, what) in self.dirs[folder].kept(keep[folder]).items():
                path = f"{folder}/{name}" if folder else name
                if kind == "d":
                    out[path] = None
                    stack.append(what)
                else:
                    out[path] = _kept(what, mode)
        return out


def _kept(inode: _Inode, mode: str) -> bytes:
    if mode == "all":
        return bytes(inode.data)
    if mode == "half":
        return bytes(inode.data[: inode.synced + (len(inode.data) - inode.synced) // 2])
    return bytes(inode.data[: inode.synced])


def _fingerprint(tree: dict[str, bytes | None]) -> str:
    h = hashlib.sha256()
    for path in sorted(tree):
        data = tree[path]
        h.update(path.encode() + b"\0" + (b"/" if data is None else hashlib.sha256(data).digest()))
    return h.hexdigest()


def _materialize(tree: dict[str, bytes | None], folder: Path) -> None:
    folder.mkdir(parents=True)
    for path in sorted(tree):
        data = tree[path]
        if data is None:
            (folder / path).mkdir(exist_ok=True)
        else:
            (folder / path).parent.mkdir(parents=True, exist_ok=True)
            (folder / path).write_bytes(data)


# -- the checks after a crash -------------------------------------------------------------------


def _run_facts(run: sktrack.Run) -> dict[str, Any]:
    store = run.store
    return {
        "status": run.info.status,
        "end_time": run.info.end_time,
        "params": run.params,
        "metrics": run.metrics,
        "tags": run.tags,
        "artifacts": {
            path: hashlib.sha256(store.read_artifact(run.run_id, path)).hexdigest()
            for path in store.list_artifacts(run.run_id)
        },
    }


def _violations(folder: Path, marks: list[tuple[Any, ...]]) -> list[str]:
    """What the store at ``folder`` lost or holds inconsistently, given what was acknowledged."""
    from sktrack._models import _registry_store

    store = Store(LocalFileSystem(folder, durability=Durability.PROCESS))
    problems = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DamagedFileWarning)  # an open run's line cut short
        for mark in marks:
            if mark[1] == "ended":
                _, _, run_id, expected = mark
                try:
                    got = _run_facts(store.get_run(run_id))
                except SktrackError as exc:
                    problems.append(f"ended run {run_id} unreadable: {exc}")
                    continue
                if got != expected:
                    problems.append(f"ended run {run_id} differs: {got} != {expected}")
            elif mark[1] == "logged":
                _, _, run_id, key, step, value = mark
                try:
                    points = {(m.step, m.value) for m in store.metric_history(run_id, key)}
                except SktrackError:
                    points = set()
                if (step, value) not in points:
                    problems.append(f"acknowledged metric {key}={value} of {run_id} lost")
            elif mark[1] == "registered":
                _, _, name, version = mark
                try:
                    state = _registry_store.read_state(store.fs, name)
                    _registry_store.get_version(state, version)
                except SktrackError as exc:
                    problems.append(f"registered {name} v{version} lost: {exc}")
        problems += _model_folder_problems(store)
        for name in _registry_store.model_names(store.fs):
            try:
                state = _registry_store.read_state(store.fs, name)
            except SktrackError as exc:
                problems.append(f"registry of {name} unreadable: {exc}")
                continue
            problems += _copy_problems(store, state)
    return problems


def _model_folder_problems(store: Store) -> list[str]:
    """A model folder with its ``model.json`` must be whole (one without it is unfinished)."""
    from sktrack._models import _folder

    problems = []
    for folder in _folder.model_folders(store.fs):
        if not store.fs.exists(f"{folder}/{_folder.META_FILE}"):
            continue
        try:
            meta = _folder.read_model_meta(store.fs, folder, folder)
            path = f"{folder}/{_folder.MODEL_FILE}"
            _folder._read_verified(store.fs, path, {meta.sha256}, folder)
        except SktrackError as exc:
            problems.append(f"model folder {folder}: {exc}")
    return problems


def _copy_problems(store: Store, state: Any) -> list[str]:
    """Every version file must point at a whole copy whose model.skops has its sha256."""
    problems = []
    for number, record in state.records.items():
        try:
            data = store.fs.read_bytes(f"{record['copy']}/model.skops")
        except FileNotFoundError:
            problems.append(f"{state.name} v{number}: its copy is missing")
            continue
        if hashlib.sha256(data).hexdigest() != record["sha256"]:
            problems.append(f"{state.name} v{number}: its copy does not match its sha256")
    return problems


@dataclass
class Replay:
    """Every prefix of a recorded log, crashed every way the model allows, checked."""

    crashes: int = 0  # distinct trees checked
    failures: list[tuple[int, str]] = field(default_factory=list)  # (ops done, problem)


@contextlib.contextmanager
def _scratch(fallback: Path) -> Iterator[Path]:
    """Where the crashed trees go: thousands of small folders, in memory when there is room."""
    if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK):
        with tempfile.TemporaryDirectory(dir="/dev/shm") as folder:
            yield Path(folder)
    else:
        fallback.mkdir()
        yield fallback


def replay_every_prefix(
    log: list[tuple[Any, ...]],
    fallback: Path,
    data_modes: tuple[str, ...] = ("synced", "all"),
    *,
    thorough: bool = False,
    stop_after: int = 20,
) -> Replay:
    model, marks, seen, result = CrashModel(), [], set(), Replay()
    with _scratch(fallback) as scratch:
        for i in range(len(log) + 1):
            if i:
                op = log[i - 1]
                model.apply(op)
                if op[0] == "mark":
                    marks.append(op)  # the same trees, now held to one more acknowledgement
            for tree in model.crash_states(data_modes, thorough=thorough):
                key = (_fingerprint(tree), len(marks))
                if key in seen:
                    continue
                seen.add(key)
                folder = scratch / f"crash-{result.crashes}"
                _materialize(tree, folder)
                result.crashes += 1
                result.failures += [(model.ops, p) for p in _violations(folder, marks)]
                shutil.rmtree(folder)
                if len(result.failures) >= stop_after:
                    return result
    return result


# -- workloads ----------------------------------------------------------------------------------


def recorded_store(tmp_path: Path, durability: Durability) -> tuple[Store, RecordingCalls]:
    root = tmp_path / "store"
    root.mkdir()  # the store's folder itself exists, durably, before the test
    calls = RecordingCalls(root)
    store = sktrack.set_store(Store(LocalFileSystem(root, durability=durability, calls=calls)))
    sktrack.set_experiment("crash")
    return store, calls


def _ended_run(store: Store, calls: RecordingCalls, i: int, *, steps: int = 2) -> str:
    with sktrack.start_run(run_name=f"r{i}") as run:
        run.log_params({"alpha": i / 10, "kind": "ab"[i % 2]})
        for step in range(steps):
            run.log_metrics({"loss": 1 / (i + step + 1)}, step=step)
        run.set_tags({"team": "x"})
        store.write_artifact(run.run_id, f"notes/{i}.txt", b"what this run tried" * i)
    calls.mark("ended", run.run_id, _run_facts(store.get_run(run.run_id)))
    return run.run_id


def _compact(store: Store, durability: Durability | None = None) -> None:
    """Compact everything; with ``durability``, through a file system of that level (how
    compaction behaved before fsyncs, when given ``PROCESS``)."""
    if durability is None:
        store.compact(full=True)
        return
    fs = LocalFileSystem(store.fs.root, durability=durability, calls=store.fs.calls)
    Store(fs).compact(full=True)


# -- tests ----------------------------------------------------------------------------------------


def test_crash_at_any_point_keeps_every_ended_and_compacted_run(tmp_path: Path) -> None:
    store, calls = recorded_store(tmp_path, Durability.RUN)
    for i in range(2):
        _ended_run(store, calls, i)
    _compact(store)
    _ended_run(store, calls, 2)
    with sktrack.start_run(run_name="open") as open_run:  # never acknowledged as ended
        open_run.log_metric("loss", 0.5)
        result = replay_every_prefix(calls.log, tmp_path / "replay", ("synced",))
    assert any(op[0] == "unlink" and op[1].startswith("wal/") for op in calls.log)
    assert result.crashes > 50
    assert result.failures == []


def test_compaction_without_fsync_loses_ended_runs(tmp_path: Path) -> None:
    """The same workload with compaction as it was before fsyncs (``process``): a crash after
    it deleted the segments can bring the compacted file back empty, and the runs are gone."""
    store, calls = recorded_store(tmp_path, Durability.RUN)
    _ended_run(store, calls, 0)
    compaction_starts = sum(op[0] != "mark" for op in calls.log)
    _compact(store, Durability.PROCESS)
    result = replay_every_prefix(calls.log, tmp_path / "replay", ("synced",), stop_after=1)
    assert result.failures, "an unordered compaction should lose acknowledged runs"
    assert all(done > compaction_starts for done, _ in result.failures)
    assert any("ended run" in problem for _, problem in result.failures)


def test_always_keeps_every_acknowledged_log_call(tmp_path: Path) -> None:
    _, calls = recorded_store(tmp_path, Durability.ALWAYS)
    with sktrack.start_run(run_name="live") as run:
        for step in range(3):
            run.log_metric("loss", 1 / (step + 1), step=step)
            calls.mark("logged", run.run_id, "loss", step, 1 / (step + 1))
        result = replay_every_prefix(calls.log, tmp_path / "replay", ("synced", "half"))
    assert result.crashes > 10
    assert result.failures == []


def test_run_level_does_not_promise_an_open_runs_metrics(tmp_path: Path) -> None:
    """At ``run`` a log call is not fsynced: a crash can lose what an open run logged (and the
    replay finds it), which is what ``always`` is for."""
    _, calls = recorded_store(tmp_path, Durability.RUN)
    with sktrack.start_run(run_name="live") as run:
        run.log_metric("loss", 0.25)
        calls.mark("logged", run.run_id, "loss", 0, 0.25)
        result = replay_every_prefix(calls.log, tmp_path / "replay")
    assert any("acknowledged metric" in p for _, p in result.failures)


def _fsyncs(calls: RecordingCalls) -> int:
    return sum(op[0] in ("fsync", "fsync_dir") for op in calls.log)


@pytest.mark.parametrize(
    ("level", "per_call", "at_end"),
    [(Durability.PROCESS, 0, 0), (Durability.RUN, 0, 2), (Durability.ALWAYS, 1, 1)],
)
def test_each_level_fsyncs_what_it_promises(
    tmp_path: Path, level: Durability, per_call: int, at_end: int
) -> None:
    _, calls = recorded_store(tmp_path, level)
    run = sktrack.start_run(run_name="counted")
    run.log_metric("warm", 1.0)  # the segment and its folder exist from here on
    before = _fsyncs(calls)
    for step in range(5):
        run.log_metric("loss", 1.0, step=step)
    assert _fsyncs(calls) - before == 5 * per_call
    before = _fsyncs(calls)
    run.end()
    assert _fsyncs(calls) - before == at_end  # the segment, and its folder once


def test_levels_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for text, level in [
        ("", Durability.RUN),
        ("ALWAYS", Durability.ALWAYS),
        ("process", Durability.PROCESS),
    ]:
        monkeypatch.setenv("SKTRACK_DURABILITY", text)
        assert sktrack.set_store(tmp_path / f"s-{text}").fs.durability is level
    monkeypatch.delenv("SKTRACK_DURABILITY")
    assert sktrack.set_store(tmp_path / "unset").fs.durability is Durability.RUN


def test_a_bad_level_is_refused_naming_it_and_the_choices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SKTRACK_DURABILITY", "fsync")
    with pytest.raises(InvalidArgumentError) as err:
        sktrack.set_store(tmp_path / "bad")
    message = str(err.value)
    assert "SKTRACK_DURABILITY='fsync'" in message
    assert "'process', 'run', 'always'" in message
    assert not (tmp_path / "bad").exists()  # refused before anything was written


def _model_workload(store: Store, calls: RecordingCalls, *, again: bool = False) -> None:
    from sklearn.linear_model import LinearRegression

    with sktrack.start_run(run_name="model") as run:
        info = sktrack.log_model(LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0]))
    calls.mark("ended", run.run_id, _run_facts(store.get_run(run.run_id)))
    mv = sktrack.registry.register_model(info.model_uri, "prices")
    calls.mark("registered", "prices", mv.version)
    sktrack.registry.transition_stage("prices", mv.version, "Staging")
    sktrack.registry.set_alias("prices", "champion", mv.version)
    if again:
        mv2 = sktrack.registry.register_model(info.model_uri, "prices")
        calls.mark("registered", "prices", mv2.version)


def test_crash_at_any_point_keeps_the_registry_and_model_folders_whole(tmp_path: Path) -> None:
    store, calls = recorded_store(tmp_path, Durability.RUN)
    _model_workload(store, calls)
    result = replay_every_prefix(calls.log, tmp_path / "replay", ("synced",))
    assert result.crashes > 30
    assert result.failures == []


@pytest.mark.slow
@pytest.mark.parametrize("level", [Durability.RUN, Durability.ALWAYS])
def test_crash_replay_long(tmp_path: Path, level: Durability) -> None:
    """Runs, models, the registry and two compactions, every prefix, every data mode."""
    store, calls = recorded_store(tmp_path, level)
    for i in range(4):
        _ended_run(store, calls, i, steps=3)
    _compact(store)
    _model_workload(store, calls, again=True)
    for i in range(4, 6):
        _ended_run(store, calls, i)
    _compact(store)
    modes = ("synced", "half", "all")
    result = replay_every_prefix(calls.log, tmp_path / "replay", modes, thorough=True)
    assert result.crashes > 200
    assert result.failures == []
