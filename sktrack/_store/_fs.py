"""The small file-system interface the store writes through.

Every path is relative to the store's root and uses ``/``.  The operations are the ones an
object store can also offer atomically: publish a whole file (``write_atomic``), create a file
only if it does not exist (``create_exclusive``), list, read and delete.  ``append`` is the one
operation that only a local disk has; it backs the write-ahead log of open runs.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..exceptions import InvalidArgumentError, StoreError

if TYPE_CHECKING:
    import pyarrow.fs

__all__ = [
    "FileInfo",
    "FileList",
    "FileSystem",
    "LocalFileSystem",
    "Names",
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

    def read_bytes(self, path: str) -> bytes: ...
    def write_atomic(self, path: str, data: bytes) -> None: ...
    def create_exclusive(self, path: str, data: bytes) -> bool: ...
    def append(self, path: str, data: bytes) -> None: ...
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


class LocalFileSystem:
    """A store on a local disk (or anything mounted like one)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser().absolute()
        self.location = str(self.root)

    def _abs(self, path: str) -> Path:
        if path.startswith("/") or ".." in path.split("/"):
            raise InvalidArgumentError(
                f"store path {path!r} escapes the store; use a relative path"
            )
        return self.root / path

    def read_bytes(self, path: str) -> bytes:
        return self._abs(path).read_bytes()

    def write_atomic(self, path: str, data: bytes) -> None:
        """Write to a temporary file outside every glob readers use, then rename into place."""
        target = self._abs(path)
        tmp = self.root / "tmp" / unique_name(suffix=".tmp")
        try:
            tmp.parent.mkdir(parents=True, exist_ok=True)
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, target)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)  # nothing is left in tmp/
            raise storage_error(self.location, exc) from None

    def create_exclusive(self, path: str, data: bytes) -> bool:
        """Create ``path`` holding ``data`` unless it exists; return whether this call created it.

        The content is written to a temporary file first and then hard-linked into place, so a
        reader never sees a half-written file and two racing creators cannot both win.
        """
        target = self._abs(path)
        tmp = self.root / "tmp" / unique_name(suffix=".tmp")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_bytes(data)
            os.link(tmp, target)
        except FileExistsError:
            return False
        except OSError as exc:
            raise storage_error(self.location, exc) from None
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        return True

    def append(self, path: str, data: bytes) -> None:
        """Append with one ``write`` on an O_APPEND descriptor: once it returns, a kill -9 of
        this process cannot lose it (the kernel holds it)."""
        target = self._abs(path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(target, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise storage_error(self.location, exc) from None
        end = os.fstat(fd).st_size
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, end)  # whole or not at all
            raise storage_error(self.location, exc) from None
        finally:
            os.close(fd)

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
            self._abs(path).unlink()

    def local_path(self, path: str) -> str | None:
        return str(self._abs(path))

    def arrow(self) -> tuple[pyarrow.fs.FileSystem, str]:
        import pyarrow.fs

        return pyarrow.fs.LocalFileSystem(), str(self.root)
