"""Setting damaged files aside: ``quarantine/<path>`` keeps every file the store could not
read, so that nothing is ever deleted for being damaged (a newer sktrack, or a person, may
still read it).  A file is copied there whole, then removed from where readers look."""

from __future__ import annotations

from ._fs import FileSystem, unique_name

__all__ = ["QUARANTINE_DIR", "quarantine"]

QUARANTINE_DIR = "quarantine"


def quarantine(fs: FileSystem, path: str) -> str:
    """Move the store file ``path`` into ``quarantine/``; returns where it went."""
    target = f"{QUARANTINE_DIR}/{path}"
    if fs.exists(target):  # set aside before: keep both
        target = f"{QUARANTINE_DIR}/{path}.{unique_name()}"
    fs.write_atomic(target, fs.read_bytes(path))
    fs.delete(path)
    return target
