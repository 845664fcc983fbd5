"""The everyday calls an MLflow user reaches for, on top of the fluent API: experiments by
name, deleting and restoring, the parent and the last run, and text, dicts and folders as
artifacts.  Each behaves as its MLflow namesake does; docs/mlflow.md lists the differences."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .._store import LIFECYCLE_TAG, Experiment, Run, RunStatus, mark_experiment
from ..exceptions import ExperimentNotFoundError, InvalidArgumentError
from ._fluent import active_run, get_run, get_store

__all__ = [
    "delete_experiment",
    "delete_run",
    "get_experiment_by_name",
    "get_parent_run",
    "last_active_run",
    "log_artifacts",
    "log_dict",
    "log_text",
    "restore_experiment",
    "restore_run",
]


def get_experiment_by_name(name: str) -> Experiment | None:
    """The experiment called ``name``, or None (as MLflow's) if the store has none.

    Examples
    --------
    >>> import sktrack, tempfile
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> sktrack.get_experiment_by_name("nope") is None
    True
    >>> _ = sktrack.set_experiment("prices")
    >>> sktrack.get_experiment_by_name("prices").name
    'prices'
    """
    for exp in get_store().list_experiments():
        if exp.name == name:
            return exp
    return None


def _experiment(name_or_id: str) -> Experiment:
    for exp in get_store().list_experiments():
        if name_or_id in (exp.name, exp.experiment_id):
            return exp
    known = ", ".join(repr(e.name) for e in get_store().list_experiments()) or "none yet"
    raise ExperimentNotFoundError(
        f"no experiment named (or with id) {name_or_id!r} in store {get_store().location}; "
        f"existing: {known}"
    )


def delete_experiment(name_or_id: str) -> None:
    """Delete an experiment (by name or id) and, as MLflow does, its runs: they leave
    `list_experiments` and `search_runs` (``run_view_type="deleted"`` still finds them) and
    stay on disk; `restore_experiment` brings all of them back."""
    exp = _experiment(name_or_id)
    mark_experiment(get_store(), exp.experiment_id, deleted=True)


def restore_experiment(name_or_id: str) -> None:
    """Undo `delete_experiment`."""
    exp = _experiment(name_or_id)
    mark_experiment(get_store(), exp.experiment_id, deleted=False)


def delete_run(run_id: str) -> None:
    """Mark a run deleted: `search_runs` leaves it out (unless ``run_view_type`` asks for it);
    `get_run` still returns it, with the tag ``sktrack.lifecycle = deleted``."""
    get_store().log(run_id, tags={LIFECYCLE_TAG: "deleted"})


def restore_run(run_id: str) -> None:
    """Undo `delete_run`."""
    get_store().log(run_id, tags={LIFECYCLE_TAG: "active"})


def get_parent_run(run_id: str) -> Run | None:
    """The parent of run ``run_id``, or None for a top-level run.

    Examples
    --------
    >>> import sktrack, tempfile
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> with sktrack.start_run(run_name="search") as parent:
    ...     with sktrack.start_run(run_name="candidate") as child:
    ...         pass
    >>> sktrack.get_parent_run(child.run_id).info.run_name
    'search'
    """
    parent = get_run(run_id).info.parent_run_id
    return None if parent is None else get_run(parent)


def last_active_run() -> Run | None:
    """The active run, else the run this process ended last (as MLflow's), else None.
    Handy after an estimator or `autolog` opened and closed a run of its own."""
    run = active_run()
    if run is not None:
        return get_run(run.run_id)
    ended = [i for i in get_store().runs_of_this_process() if i.status is not RunStatus.RUNNING]
    if not ended:
        return None
    return get_run(max(ended, key=lambda i: (i.end_time or 0, i.start_time)).run_id)


def _run() -> Run:
    from ._fluent import _active_or_new

    return _active_or_new()


def log_text(text: str, artifact_file: str) -> str:
    """Save ``text`` (UTF-8) as the artifact ``artifact_file`` of the active run.

    Examples
    --------
    >>> import sktrack, tempfile
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> with sktrack.start_run() as run:
    ...     _ = sktrack.log_text("hello", "notes/hello.txt")
    >>> sktrack.read_artifact(run.run_id, "notes/hello.txt")
    b'hello'
    """
    if not isinstance(text, str):
        raise InvalidArgumentError(
            f"log_text needs a str, got {type(text).__name__}; use log_artifact for files"
        )
    run = _run()
    run.store.write_artifact(run.run_id, artifact_file, text.encode("utf-8"))
    return artifact_file


def log_dict(dictionary: Mapping[str, Any] | list[Any], artifact_file: str) -> str:
    """Save ``dictionary`` as JSON (or YAML, for a ``.yaml``/``.yml`` name, which needs
    PyYAML) as the artifact ``artifact_file`` of the active run."""
    if artifact_file.endswith((".yaml", ".yml")):
        try:
            import yaml
        except ImportError:
            raise InvalidArgumentError(
                f"log_dict({artifact_file!r}) writes YAML, which needs PyYAML "
                "(pip install 'sktrack[mlflow]'); or name the file .json"
            ) from None
        text = yaml.safe_dump(dictionary, sort_keys=False)
    else:
        try:
            text = json.dumps(dictionary, indent=2)
        except TypeError as exc:
            raise InvalidArgumentError(f"log_dict: {exc}; pass plain data") from None
    return log_text(text, artifact_file)


def log_artifacts(local_dir: str | os.PathLike[str], artifact_path: str | None = None) -> str:
    """Copy the *contents* of ``local_dir`` into the active run's artifacts, under
    ``artifact_path`` (default: the top), as MLflow's ``log_artifacts`` does."""
    folder = Path(local_dir)
    if not folder.is_dir():
        raise InvalidArgumentError(
            f"log_artifacts needs a folder, and {os.fspath(local_dir)!r} is not one; "
            "use log_artifact for a single file"
        )
    run = _run()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        target = f"{artifact_path.strip('/')}/{rel}" if artifact_path else rel
        run.store.write_artifact(run.run_id, target, path.read_bytes())
    return artifact_path or ""
