"""Who and where a run comes from: the tags every run gets (user, host, source, versions, git)."""

from __future__ import annotations

import functools
import getpass
import socket
import subprocess
import sys
from pathlib import Path

__all__ = ["environment_tags"]


@functools.lru_cache(maxsize=1)
def environment_tags() -> dict[str, str]:
    """Who and where, as the tags every run gets: read once per process (git is asked
    once, not per run)."""
    tags = {
        "sktrack.user": _user(),
        "sktrack.host": socket.gethostname(),
        "sktrack.source": Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "<interactive>",
        "sktrack.python_version": sys.version.split()[0],
    }
    tags.update(_library_versions())
    tags.update(_git_state())
    return tags


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def _library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for dist, tag in [("scikit-learn", "sklearn"), ("numpy", "numpy"), ("sktrack", "sktrack")]:
        try:
            out[f"sktrack.{tag}_version"] = version(dist)
        except PackageNotFoundError:
            continue
    return out


def _git_state() -> dict[str, str]:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return {}
    return {"sktrack.git.commit": commit, "sktrack.git.dirty": str(dirty).lower()}
