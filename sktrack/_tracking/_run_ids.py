"""Run ids as people type them: a unique prefix of 6 characters or more stands for the run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..exceptions import InvalidArgumentError, RunNotFoundError

if TYPE_CHECKING:
    from .._store import Store

__all__ = ["MIN_PREFIX", "resolve_run_id"]

MIN_PREFIX = 6
_MAX_LISTED = 10


def resolve_run_id(store: Store, text: str) -> str:
    """The full id of the run ``text`` names: the id itself, or a unique prefix of it.

    Raises
    ------
    RunNotFoundError
        If no run's id is ``text`` or starts with it.
    InvalidArgumentError
        If ``text`` is shorter than `MIN_PREFIX` characters and no whole id, or if it is the
        prefix of several runs' ids (they are listed).

    Examples
    --------
    >>> import sktrack, tempfile
    >>> store = sktrack.set_store(tempfile.mkdtemp())
    >>> with sktrack.start_run() as run:
    ...     pass
    >>> resolve_run_id(store, run.run_id[:8]) == run.run_id
    True
    """
    import pyarrow.compute as pc

    runs = store.snapshot().runs
    ids = runs["run_id"]
    if pc.any(pc.equal(ids, text)).as_py():
        return text
    if len(text) < MIN_PREFIX:
        raise InvalidArgumentError(
            f"run id {text!r} is too short: type at least {MIN_PREFIX} characters of the id "
            "(a unique prefix), or the whole id"
        )
    matches = runs.filter(pc.starts_with(ids, text)).select(["run_id", "run_name"]).to_pylist()
    if not matches:
        raise RunNotFoundError(text)
    if len(matches) > 1:
        listed = ", ".join(f"{m['run_id']} ({m['run_name']})" for m in matches[:_MAX_LISTED])
        more = f" and {len(matches) - _MAX_LISTED} more" if len(matches) > _MAX_LISTED else ""
        raise InvalidArgumentError(
            f"run id prefix {text!r} matches {len(matches)} runs: {listed}{more}; type more "
            "characters of the id"
        )
    return str(matches[0]["run_id"])
