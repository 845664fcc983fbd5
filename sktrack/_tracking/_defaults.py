"""The store and experiment in use: process-wide defaults that every thread and task sees
(as MLflow's tracking URI and experiment are), with a per-context override for the CLI and
the UI (`scoped_defaults`)."""

from __future__ import annotations

import contextlib
import contextvars
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass

from .._store import Experiment, Store, deleted_experiment_ids, open_store

__all__ = [
    "DEFAULT_EXPERIMENT",
    "DEFAULT_STORE",
    "acting_user",
    "current_experiment_name",
    "get_store",
    "list_experiments",
    "reset_defaults",
    "scoped_defaults",
    "set_experiment",
    "set_store",
]

DEFAULT_EXPERIMENT = "Default"
DEFAULT_STORE = "./sktrack-store"


@dataclass
class _Defaults:
    """What `set_store` and `set_experiment` chose."""

    store: Store | None = None
    experiment: str | None = None
    user: str | None = None  # who the registry records changes under (the UI's signed-in user)


_defaults = _Defaults()  # the process's: what every thread and task sees
_defaults_lock = threading.Lock()
# set only inside `scoped_defaults`: the CLI and the UI choose a store without touching the
# caller's (a test or a notebook running `main([...])` in-process)
_scope: contextvars.ContextVar[_Defaults | None] = contextvars.ContextVar(
    "sktrack_scoped_defaults", default=None
)


def _current() -> _Defaults:
    return _scope.get() or _defaults


@contextlib.contextmanager
def scoped_defaults(*, user: str | None = None) -> Iterator[None]:
    """Inside the block, `set_store` and `set_experiment` change only this thread's or task's
    choice (starting from the current one), and are forgotten at its end.

    ``user``, when given, is the name registry changes made in the block are recorded under
    (the UI and the model server pass the signed-in user); else the current one stays.
    """
    current = _current()
    token = _scope.set(_Defaults(current.store, current.experiment, user or current.user))
    try:
        yield
    finally:
        _scope.reset(token)


# -- store and experiments -------------------------------------------------------------


def set_store(location: str | os.PathLike[str] | Store) -> Store:
    """Use the store at ``location`` from now on, in every thread and task of the process.

    Parameters
    ----------
    location : str, path or Store
        A local folder (created on first write), or a ``pyarrow.fs`` URI such as
        ``s3://bucket/prefix``.

    Raises
    ------
    InvalidArgumentError
        If ``location`` is not a str or path, is empty, or holds a NUL character.
    StoreError
        If the local folder cannot be a store: it is a file, lies under a file, or cannot be
        created (a read-only file system).

    Examples
    --------
    >>> import sktrack, tempfile
    >>> store = sktrack.set_store(tempfile.mkdtemp())
    """
    store = location if isinstance(location, Store) else open_store(location)
    with _defaults_lock:
        _current().store = store
    return store


def get_store() -> Store:
    """The store in use: set by `set_store`, else ``$SKTRACK_STORE``, else ``./sktrack-store``."""
    store = _current().store
    if store is None:
        store = open_store(os.environ.get("SKTRACK_STORE") or DEFAULT_STORE)
    return store


def set_experiment(name: str) -> Experiment:
    """Log new runs into experiment ``name`` (created on first use), from every thread and task.

    Examples
    --------
    >>> import sktrack, tempfile
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> sktrack.set_experiment("amazon-sales").name
    'amazon-sales'
    """
    experiment = get_store().ensure_experiment(name)
    with _defaults_lock:
        _current().experiment = experiment.name
    return experiment


def current_experiment_name() -> str:
    """The experiment new runs go to: set by `set_experiment`, else "Default"."""
    return _current().experiment or DEFAULT_EXPERIMENT


def list_experiments() -> list[Experiment]:
    """Every experiment of the store in use that is not deleted, oldest first."""
    store = get_store()
    gone = deleted_experiment_ids(store)
    return [e for e in store.list_experiments() if e.experiment_id not in gone]


def acting_user() -> str | None:
    """The user `scoped_defaults` named for this block, if any."""
    return _current().user


def reset_defaults() -> None:
    """Forget the chosen store and experiment (for tests)."""
    with _defaults_lock:
        _defaults.store, _defaults.experiment = None, None
