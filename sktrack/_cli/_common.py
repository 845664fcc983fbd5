"""What every command shares: exit statuses, and choosing the store."""

from __future__ import annotations

import argparse
import os
from typing import TYPE_CHECKING, Any

from ..exceptions import StoreError

if TYPE_CHECKING:
    from .._store import Store

__all__ = [
    "DEFAULT_STORE",
    "EXIT_ERROR",
    "EXIT_OK",
    "EXIT_PROBLEMS",
    "Commands",
    "location",
    "resolve_run",
    "use_store",
]

EXIT_OK = 0
EXIT_PROBLEMS = 1  # the command ran and found something wrong (doctor)
EXIT_ERROR = 2  # a user error: bad arguments, no such run, no store...
DEFAULT_STORE = "./sktrack-store"

Commands = Any  # argparse's _SubParsersAction is private


def location(args: argparse.Namespace) -> str:
    return args.store or os.environ.get("SKTRACK_STORE") or DEFAULT_STORE


def use_store(args: argparse.Namespace, *, must_exist: bool = True) -> Store:
    """Select the store for this command; reading commands refuse a folder with no store,
    where a typo in --store would otherwise read as "no runs"."""
    from .._tracking import set_store

    store = set_store(location(args))
    if must_exist and not store.fs.exists("FORMAT"):
        raise StoreError(
            f"no sktrack store at {store.location}; pass --store PATH or set $SKTRACK_STORE "
            "(`sktrack demo` makes one)"
        )
    return store


def resolve_run(store: Store, text: str) -> str:
    """The full id of the run ``text`` names: its id, or a unique prefix of 6+ characters."""
    from .._tracking import resolve_run_id

    return resolve_run_id(store, text)
