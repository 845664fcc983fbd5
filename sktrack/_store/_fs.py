"""The small file-system interface the store writes through.

Every path is relative to the store's root and uses ``/``.  The operations are the ones an
object store can also offer atomically: publish a whole file (``write_atomic``), create a file
only if it does not exist (``create_exclusive``), list, read and delete.  ``append`` and
``open_append`` are the operations that only a local disk has; they back the write-ahead log of
open runs.

Durability (`Durability`, ``$SKTRACK_DURABILITY``): on a local disk, at ``run`` and ``always``
a published file is fsynced before its rename (so a name never points at data that a power
loss could empty), and its folder is fsynced at the next `FileSystem.sync`, which the store
calls before it deletes anything the file supersedes and before it acknowledges a run as ended;
``create_exclusive`` is durable when it returns.  At ``process`` nothing is fsynced.  On object
storage a PUT is atomic and durable when it returns, so there `sync` has nothing to do.

`LocalFileSystem` makes its system calls through an `OsCalls`, so that a test can record
every create, write, fsync, rename, link, unlink and folder fsync it makes (the crash tests
replay them).
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import secrets
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..exceptions import InvalidArgumentError, StoreError
from ._durability import Durability, durability_from_env

if TYPE_CHECKING:
    import pyarrow.fs

__all__ = [
    "AppendFile",
    "FileInfo",
    "FileList",
    "FileSystem",
    "LocalFileSystem",
    "Names",
    "OsCalls",
    "storage_error",
    "unique_name",
]


@dataclass(frozen=True)
class FileInfo:
    """A file found by `FileSystem.list`: its store-relative path, size and modification time."""

    path: str
    size: int
    mtime_ns: int


# aliases: inside the classes below, `list` is the method's name
FileList = list[FileInfo]
Names = list[str]


class FileSystem(Protocol):
    """What the store needs from a file system; see the module docstring."""

    location: str
    durability: Durability

    def read_bytes(self, path: str) -> bytes: ...
    def write_atomic(
        self, path: str, data: bytes, *, lazy: bool = False, last: bool = False
    ) -> None: ...
    def create_exclusive(self, path: str, data: bytes) -> bool: ...
    def append(self, path: str, data: bytes) -> None: ...
    def open_append(self, path: str) -> AppendFile: ...
    def sync(self) -> None: ...
    def list(self, folder: str, suffix: str = "") -> FileList: ...
    def list_dirs(self, folder: str) -> Names: ...
    def count(self, folder: str, suffix: str = "") -> int: ...
    def exists(self, path: str) -> bool: ...
    def delete(self, path: str) -> None: ...
    def local_path(self, path: str) -> str | None: ...
    def arrow(self) -> tuple[pyarrow.fs.FileSystem, str]: ...


_WHAT_TO_DO = {
    errno.ENOSPC: "the disk is full: free some space (or set another store), then log again",
    errno.EDQUOT: "the disk quota is used up: free some space, then log again",
    errno.EROFS: "the file system is read-only: set a writable store with sktrack.set_store()",
    errno.EACCES: "permission denied: make the store writable for this user, or set another",
    errno.EPERM: "permission denied: make the store writable for this user, or set another",
}


def storage_error(location: str, exc: OSError) -> OSError:
    """``exc`` as a `StoreError` naming the store and what to do, when it is a full disk, a
    read-only file system or a permission; any other OSError as it is."""
    if isinstance(exc, StoreError) or exc.errno not in _WHAT_TO_DO:
        return exc
    error = StoreError(
        f"cannot write to store {location}: {exc.strerror or exc}; {_WHAT_TO_DO[exc.errno]}. "
        "Nothing of this call was written."
    )
    error.errno = exc.errno
    return error


def unique_name(prefix: str = "", suffix: str = "") -> str:
    """A file name no other writer will pick: time, pid and randomness.

    Names sort by creation time, so a listing reads roughly in write order.
    """
    return f"{prefix}{time.time_ns():020d}-{os.getpid()}-{secrets.token_hex(4)}{suffix}"


class OsCalls:
    """The system calls that `LocalFileSystem` writes with (absolute paths, OS descriptors)."""

    def mkdir(self, path: str) -> None:
        os.mkdir(path)

    def open(self, path: str, flags: int) -> int:
        return os.open(path, flags, 0o644)

    def write(self, fd: int, data: bytes | memoryview) -> int:
        return os.write(fd, data)

    def fsync(self, fd: int) -> None:
        os.fsync(fd)

    def close(self, fd: int) -> None:
        os.close(fd)

    def rename(self, src: str, dst: str) -> None:
        os.replace(src, dst)

    def link(self, src: str, dst: str) -> None:
        os.link(src, dst)

    def unlink(self, path: str) -> None:
        os.unlink(path)

    def truncate(self, fd: int, length: int) -> None:
        os.ftruncate(fd, length)

    def fsync_dir(self, path: str) -> None:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_NEW = os.O_WRONLY | os.O_CREAT | os.O_EXCL


class AppendFile:
    """A file created exclusively and appended to with one ``write`` per call (a segment)."""

    def __init__(self, fs: LocalFileSystem, path: Path) -> None:
        self._fs = fs
        self._calls = fs.calls
        self._path = path
        try:
            fs._ensure_dir(path.parent)
            self._fd = self._calls.open(str(path), _NEW | os.O_APPEND)
        except OSError as exc:
            raise storage_error(fs.location, exc) from None
        self._durable_name = False
        self._end = 0  # where the last whole write ends: a failed write is cut back to it
        self._cut = False  # a cut could not be undone: the next write starts a line of its own

    def write(self, data: bytes) -> None:
        """Append ``data`` whole or not at all: once this returns, a kill -9 of this process
        cannot lose it; if it raises, the file is cut back to where it was."""
        if self._cut:
            data = b"\n" + data
        view = memoryview(data)
        try:
            while view:
                view = view[self._calls.write(self._fd, view) :]
        except OSError as exc:
            try:
                self._calls.truncate(self._fd, self._end)
            except OSError:
                self._cut = True  # the reader skips the cut line; nothing acknowledged is in it
            raise storage_error(self._fs.location, exc) from None
        self._end += len(data)
        self._cut = False

    def discard(self) -> None:
        """Close and remove the file (nothing in it was acknowledged)."""
        self.close()
        with contextlib.suppress(OSError):
            self._calls.unlink(str(self._path))

    def commit(self, *, end: bool) -> None:
        """Make what was written durable as the level asks: every write at ``always``, the
        whole file when it ``end``s at ``run``, never at ``process``."""
        level = self._fs.durability
        if level is Durability.PROCESS or (level is Durability.RUN and not end):
            return
        if not self._durable_name:
            self._fs._pending(self._path.parent)
            self._durable_name = True
        self._fs._sync(None, self._fd)

    def fileno(self) -> int:
        return self._fd

    def close(self) -> None:
        self._calls.close(self._fd)


class LocalFileSystem:
    """A store on a local disk (or anything mounted like one)."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        durability: Durability | None = None,
        calls: OsCalls | None = None,
    ) -> None:
        self.root = Path(root).expanduser().absolute()
        self.location = str(self.root)
        self.durability = durability_from_env() if durability is None else durability
        self.calls = calls or OsCalls()
        self._dirty: set[Path] = set()  # folders whose new entries are not fsynced yet
        self._unsynced: set[Path] = set()  # files published lazily, data not fsynced yet
        self._dirty_lock = threading.Lock()
        self._fsync_pool: tuple[int, ThreadPoolExecutor] | None = None

    def _abs(self, path: str) -> Path:
        if path.startswith("/") or ".." in path.split("/"):
            raise InvalidArgumentError(
                f"store path {path!r} escapes the store; use a relative path"
            )
        return self.root / path

    def read_bytes(self, path: str) -> bytes:
        return self._abs(path).read_bytes()

    # -- durability ------------------------------------------------------------------

    def _durable(self) -> bool:
        return self.durability is not Durability.PROCESS

    def _pending(self, folder: Path) -> None:
        """Remember that ``folder`` has an entry to fsync at the next `sync`."""
        if self._durable():
            with self._dirty_lock:
                self._dirty.add(folder)

    def sync(self) -> None:
        """Fsync what was published since the last call, files published lazily and every
        folder that got an entry: it then survives a power loss (a no-op at ``process``)."""
        self._sync(None)

    def _sync(self, folder: Path | None, fd: int | None = None, also: Path | None = None) -> None:
        """Fsync, at once, what waits (in ``folder`` only, if given), the file ``fd`` and
        the file ``also``."""
        with self._dirty_lock:
            if folder is None:
                folders, self._dirty = self._dirty, set()
                files, self._unsynced = self._unsynced, set()
            else:
                folders = {folder} & self._dirty
                files = {f for f in self._unsynced if f.parent == folder}
                self._dirty -= folders
                self._unsynced -= files
        files |= {also} if also is not None else set()
        jobs: list[Callable[[], None]] = [functools.partial(self._fsync_file, f) for f in files]
        jobs += [functools.partial(self._fsync_dir, f) for f in folders]
        if fd is not None:
            jobs.append(functools.partial(self.calls.fsync, fd))
        self._at_once(jobs)

    def _at_once(self, jobs: list[Callable[[], None]]) -> None:
        """Run fsyncs concurrently: the file system commits them together (one journal
        commit, where one after another would each wait for their own)."""
        if len(jobs) == 1:
            jobs[0]()
        elif jobs:
            list(self._pool().map(lambda job: job(), jobs))  # raises the first error

    def _fsync_file(self, path: Path) -> None:
        try:
            fd = self.calls.open(str(path), os.O_RDONLY)
        except FileNotFoundError:  # deleted since (a refused model file)
            return
        try:
            self.calls.fsync(fd)
        finally:
            self.calls.close(fd)

    def _fsync_dir(self, folder: Path) -> None:
        with contextlib.suppress(FileNotFoundError):  # removed since (a cleaned tmp_path)
            self.calls.fsync_dir(str(folder))

    def _pool(self) -> ThreadPoolExecutor:
        # one per process: a forked child has none of its parent's threads
        if self._fsync_pool is None or self._fsync_pool[0] != os.getpid():
            self._fsync_pool = (os.getpid(), ThreadPoolExecutor(8, "sktrack-fsync"))
        return self._fsync_pool[1]

    def _ensure_dir(self, folder: Path) -> None:
        """Create ``folder`` and its missing parents, each one's entry pending in its parent."""
        if folder.is_dir():
            return
        missing = []
        while not folder.is_dir():
            missing.append(folder)
            folder = folder.parent
        for new in reversed(missing):
            try:
                self.calls.mkdir(str(new))
            except FileExistsError:
                if new.is_dir():  # another writer made it meanwhile
                    continue
                raise
            self._pending(new.parent)

    def _write_new(self, path: Path, data: bytes | memoryview, *, fsync: bool = True) -> None:
        """Write a new file whole; fsynced unless the level is ``process`` (or not ``fsync``)."""
        fd = self.calls.open(str(path), _NEW)
        try:
            view = memoryview(data)
            while view:
                view = view[self.calls.write(fd, view) :]
            if fsync and self._durable():
                self.calls.fsync(fd)
        finally:
            self.calls.close(fd)

    def _tmp(self) -> Path:
        tmp = self.root / "tmp" / unique_name(suffix=".tmp")
        self._ensure_dir(tmp.parent)
        return tmp

    # -- writing ---------------------------------------------------------------------

    def write_atomic(
        self, path: str, data: bytes, *, lazy: bool = False, last: bool = False
    ) -> None:
        """Write to a temporary file outside every glob readers use, then rename into place.

        At ``run`` and ``always`` the data is fsynced before the rename, and the target's
        folder is fsynced at the next `sync` (at once, at ``always``).  ``lazy`` (at ``run``,
        for a new file that nothing refers to yet, such as an open run's artifact): the data
        too is fsynced at the next `sync`, together with everything else that waits for it.
        ``last`` (a file that completes its folder, such as a model's ``model.json``): what
        waits in its folder (lazy files, new entries) is fsynced with its data before the
        rename.
        """
        target = self._abs(path)
        tmp: Path | None = None
        try:
            tmp = self._tmp()
            self._ensure_dir(target.parent)
            later = lazy and self.durability is Durability.RUN and not target.exists()
            self._write_new(tmp, data, fsync=not (later or last))
            if last and self._durable():
                self._sync(target.parent, also=tmp)
            self.calls.rename(str(tmp), str(target))
            tmp = None
            if later:
                with self._dirty_lock:
                    self._unsynced.add(target)
            self._pending(target.parent)
            if self.durability is Durability.ALWAYS:
                self.sync()
        except OSError as exc:
            if tmp is not None:
                self._discard(tmp)  # nothing is left in tmp/
            raise storage_error(self.location, exc) from None

    def _discard(self, tmp: Path) -> None:
        with contextlib.suppress(OSError):
            self.calls.unlink(str(tmp))

    def create_exclusive(self, path: str, data: bytes) -> bool:
        """Create ``path`` holding ``data`` unless it exists; return whether this call created it.

        The content is written to a temporary file first and then hard-linked into place, so a
        reader never sees a half-written file and two racing creators cannot both win.  Unless
        the level is ``process``, everything published before it, and then the new file, are
        durable when it returns.
        """
        target = self._abs(path)
        tmp: Path | None = None
        try:
            self._ensure_dir(target.parent)
            tmp = self._tmp()
            self._write_new(tmp, data)
            self.sync()  # what this file may refer to (a model's copy) is durable first
            try:
                self.calls.link(str(tmp), str(target))
            except FileExistsError:
                return False
            finally:
                self._discard(tmp)
                tmp = None
            self._pending(target.parent)
            self.sync()
        except OSError as exc:
            if tmp is not None:
                self._discard(tmp)
            raise storage_error(self.location, exc) from None
        return True

    def append(self, path: str, data: bytes) -> None:
        """Append with one ``write`` on an O_APPEND descriptor: once it returns, a kill -9 of
        this process cannot lose it (the kernel holds it)."""
        target = self._abs(path)
        try:
            self._ensure_dir(target.parent)
            fd = self.calls.open(str(target), os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        except OSError as exc:
            raise storage_error(self.location, exc) from None
        end = os.fstat(fd).st_size
        try:
            view = memoryview(data)
            while view:
                view = view[self.calls.write(fd, view) :]
        except OSError as exc:
            with contextlib.suppress(OSError):
                self.calls.truncate(fd, end)  # whole or not at all
            raise storage_error(self.location, exc) from None
        finally:
            self.calls.close(fd)

    def open_append(self, path: str) -> AppendFile:
        """Create ``path`` exclusively, to append to it (`AppendFile`)."""
        return AppendFile(self, self._abs(path))

    def list(self, folder: str, suffix: str = "") -> FileList:
        """Files directly in ``folder`` whose names end with ``suffix``, sorted by name."""
        base = self._abs(folder)
        out = []
        try:
            entries = list(os.scandir(base))
        except FileNotFoundError:
            return []
        for entry in entries:
            if not entry.name.endswith(suffix) or entry.name.startswith((".", "_")):
                continue
            try:
                st = entry.stat()
            except FileNotFoundError:  # deleted by compaction after the listing
                continue
            if entry.is_file():
                out.append(FileInfo(f"{folder}/{entry.name}", st.st_size, st.st_mtime_ns))
        out.sort(key=lambda f: f.path)
        return out

    def count(self, folder: str, suffix: str = "") -> int:
        """How many files `list` would return, without asking each one's size."""
        try:
            with os.scandir(self._abs(folder)) as entries:
                return sum(1 for e in entries if e.name.endswith(suffix) and e.name[0] not in "._")
        except FileNotFoundError:
            return 0

    def list_dirs(self, folder: str) -> Names:
        try:
            return sorted(e.name for e in os.scandir(self._abs(folder)) if e.is_dir())
        except FileNotFoundError:
            return []

    def exists(self, path: str) -> bool:
        return self._abs(path).exists()

    def delete(self, path: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.calls.unlink(str(self._abs(path)))

    def local_path(self, path: str) -> str | None:
        return str(self._abs(path))

    def arrow(self) -> tuple[pyarrow.fs.FileSystem, str]:
        import pyarrow.fs

        return pyarrow.fs.LocalFileSystem(), str(self.root)
