"""MLflow artifact locations as local folders, and copying a run's files into the store."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

from .._store import Store

__all__ = ["copy_tree", "local_folder"]


def local_folder(uri: str, base: Path) -> Path | None:
    """The local folder an MLflow artifact URI names (``file://``, plain or relative paths,
    relative ones tried against ``base`` too), or None for remote locations (s3, http...)."""
    if not uri:
        return None
    parsed = urlparse(uri)
    if parsed.scheme == "file":
        path = Path(unquote(parsed.path))
    elif parsed.scheme in ("",) or (len(parsed.scheme) == 1 and os.name == "nt"):
        path = Path(uri)
    else:
        return None
    if not path.is_absolute() and not path.exists():
        path = base / path
    return path


def copy_tree(
    store: Store, run_id: str, folder: Path, target: str, have: set[str], skip: set[Path]
) -> int:
    """Copy every file below ``folder`` into the run's artifacts under ``target`` ("" for the
    top), except those in ``have`` (already there: files are published whole, so a present
    file is complete) and the folders in ``skip``; returns the number of files copied."""
    copied = 0
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if Path(root, d) not in skip)
        for name in sorted(files):
            rel = Path(root, name).relative_to(folder).as_posix()
            path = f"{target}/{rel}" if target else rel
            if path in have:
                continue
            store.write_artifact(run_id, path, Path(root, name).read_bytes())
            copied += 1
    return copied
