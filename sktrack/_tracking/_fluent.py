"""The fluent tracking API: the store and experiment in use, the active-run stack, log verbs.

The store and the experiment are process-wide defaults (`_defaults.py`): set in any thread,
seen by every thread and task, as MLflow's tracking URI and experiment are.  Only the stack of
active runs is per thread or asyncio task, in the `contextvars.ContextVar` `_runs`.
"""

from __future__ import annotations

import atexit
import contextvars
import io
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .._store import (
    Run,
    RunStatus,
    check_mapping,
    check_text,
    show,
    table_path,
)
from ..exceptions import InvalidArgumentError, RunStateError
from ._defaults import (
    DEFAULT_EXPERIMENT,
    current_experiment_name,
    get_store,
    list_experiments,
    reset_defaults,
    scoped_defaults,
    set_experiment,
    set_store,
)
from ._environment import environment_tags
from ._names import generate_run_name

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "DEFAULT_EXPERIMENT",
    "ActiveRun",
    "active_run",
    "compact",
    "current_experiment_name",
    "end_run",
    "get_metric_history",
    "get_run",
    "get_store",
    "list_artifacts",
    "list_experiments",
    "load_table",
    "log_artifact",
    "log_figure",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "log_table",
    "read_artifact",
    "scoped_defaults",
    "search_runs",
    "set_experiment",
    "set_store",
    "set_tag",
    "set_tags",
    "start_run",
]


_runs: contextvars.ContextVar[tuple[Run, ...]] = contextvars.ContextVar(
    "sktrack_active_runs", default=()
)


def _reset() -> None:
    """Forget the chosen store and experiment and this context's active runs (for tests)."""
    reset_defaults()
    _runs.set(())


# -- runs -------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class ActiveRun(Run):
    """The `Run` that `start_run` returns: ending it also takes it (and the runs started
    inside it) off the active-run stack."""

    def end(self, status: RunStatus | str = RunStatus.FINISHED) -> None:
        _end(self, RunStatus.parse(status))


def start_run(
    run_name: str | None = None,
    *,
    experiment: str | None = None,
    tags: Mapping[str, Any] | None = None,
    parent_run_id: str | None = None,
    description: str | None = None,
) -> Run:
    """Start a run and make it the active one; use it as a context manager.

    A run started while another is active becomes its child.  An exception inside the
    ``with`` block marks the run FAILED (and propagates); otherwise it ends FINISHED.

    Parameters
    ----------
    run_name : str, optional
        Defaults to a memorable ``adjective-animal`` name.
    experiment : str, optional
        Defaults to the one chosen by `set_experiment`, else "Default".
    tags : mapping, optional
        Tags to set at once.
    parent_run_id : str, optional
        Defaults to the active run, if any.
    description : str, optional
        The run's notes, kept as the tag ``sktrack.description`` (MLflow's
        ``mlflow.note.content``; filters may use either name).

    Examples
    --------
    >>> import sktrack, tempfile
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> with sktrack.start_run(run_name="baseline") as run:
    ...     sktrack.log_param("alpha", 0.1)
    ...     sktrack.log_metric("r2", 0.83)
    >>> sktrack.get_run(run.run_id).metrics["r2"]
    0.83
    """
    stack = _runs.get()
    store = get_store()
    if run_name is not None and not isinstance(run_name, str):
        raise InvalidArgumentError(
            f"run_name {show(run_name)} is a {type(run_name).__name__}; pass a str, "
            f"e.g. run_name={show(str(run_name))}, or None for a generated name"
        )
    if parent_run_id is None and stack:
        parent_run_id = stack[-1].run_id
    if parent_run_id is not None:
        store.run_info(parent_run_id)
    exp = store.ensure_experiment(experiment or current_experiment_name())
    env = environment_tags()
    all_tags = {**env, **check_mapping("tags", tags if tags is not None else {})}
    if description is not None:
        if not isinstance(description, str):
            raise InvalidArgumentError(
                f"description {show(description)} is a {type(description).__name__}; pass the "
                "run's notes as a str"
            )
        all_tags["sktrack.description"] = check_text("description", description)
    info = store.create_run(
        exp,
        run_name or generate_run_name(),
        parent_run_id,
        all_tags,
        user=env["sktrack.user"],
        host=env["sktrack.host"],
    )
    run = ActiveRun(info=info, tags=all_tags, store=store)
    _runs.set((*_runs.get(), run))
    return run


def active_run() -> Run | None:
    """The innermost active run, or None."""
    runs = _runs.get()
    return runs[-1] if runs else None


def _active_or_new() -> Run:
    """The active run; like MLflow, logging with none active starts one (ended at exit)."""
    run = active_run()
    return run if run is not None else start_run()


def end_run(status: RunStatus | str = RunStatus.FINISHED) -> None:
    """End the active run with ``status`` (FINISHED, FAILED or KILLED)."""
    run = active_run()
    if run is None:
        raise RunStateError("end_run() was called with no active run; start one with start_run()")
    _end(run, RunStatus.parse(status))


def _end(run: Run, status: RunStatus) -> None:
    runs = _runs.get()
    if run in runs:
        # ending a run also ends the children still open above it; each leaves the stack only
        # once its end is on disk, so a failed end (a full disk) can be tried again
        index = runs.index(run)
        for depth in range(len(runs) - 1, index, -1):
            runs[depth].store.set_status(runs[depth].run_id, status)
            _runs.set(runs[:depth])
        run.store.set_status(run.run_id, status)
        _runs.set(runs[:index])
        return
    run.store.set_status(run.run_id, status)


@atexit.register
def _end_open_runs() -> None:
    for run in reversed(_runs.get()):
        run.store.set_status(run.run_id, RunStatus.FINISHED)
    _runs.set(())


# -- logging verbs ------------------------------------------------------------------------


def log_param(key: str, value: Any) -> None:
    """Log a param of the active run.  Its Python type is kept (bool, int, float, str, None;
    anything else as its repr).  Logging it again with another value raises
    `ParamConflictError`.

    Examples
    --------
    >>> import sktrack, tempfile
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> with sktrack.start_run() as run:
    ...     sktrack.log_param("max_depth", 5)
    >>> sktrack.get_run(run.run_id).params["max_depth"]
    5
    """
    _active_or_new().log_param(key, value)


def log_params(params: Mapping[str, Any]) -> None:
    """Log several params of the active run in one write."""
    _active_or_new().log_params(params)


def log_metric(
    key: str, value: float, step: int | None = None, *, timestamp: int | None = None
) -> None:
    """Log a metric value of the active run; each call adds to its history (step, timestamp).

    NaN and infinite values are stored as they are (as MLflow does); non-numbers raise
    `InvalidArgumentError`.  Once the call returns, a crash of the process loses nothing.

    Parameters
    ----------
    key : str
        The metric's name.
    value : float
        A real number (ints, numpy scalars and 1-item arrays are converted).
    step : int, optional
        The step of this value (default 0).
    timestamp : int, optional
        When the value was measured, in whole milliseconds since the epoch (UTC), as MLflow's
        ``timestamp=``; default: the time of the call.  Anything but an ``int`` of 0 or more
        (a float of seconds, a ``datetime``) raises `InvalidArgumentError`.

    Examples
    --------
    >>> import sktrack, tempfile
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> with sktrack.start_run() as run:
    ...     sktrack.log_metric("loss", 0.5, step=1, timestamp=1_700_000_000_000)
    >>> sktrack.get_metric_history(run.run_id, "loss")["timestamp"].tolist()
    [1700000000000]
    """
    _active_or_new().log_metric(key, value, step, timestamp=timestamp)


def log_metrics(
    metrics: Mapping[str, float], step: int | None = None, *, timestamp: int | None = None
) -> None:
    """Log several metric values of the active run in one write.

    ``step`` and ``timestamp`` (ms since the epoch) apply to every value; see `log_metric`.
    """
    _active_or_new().log_metrics(metrics, step, timestamp=timestamp)


def set_tag(key: str, value: Any) -> None:
    """Set a tag (text) of the active run; setting it again replaces the value."""
    _active_or_new().set_tag(key, value)


def set_tags(tags: Mapping[str, Any]) -> None:
    """Set several tags of the active run in one write."""
    _active_or_new().set_tags(tags)


def log_artifact(local_path: str | os.PathLike[str], artifact_path: str | None = None) -> str:
    """Copy a local file (or a folder, recursively) into the active run's artifacts.

    Returns the artifact's path within the run.
    """
    run = _active_or_new()
    return run.store.log_artifact(run.run_id, local_path, artifact_path)


def log_table(data: pd.DataFrame, name: str) -> str:
    """Store a DataFrame as a Parquet artifact of the active run; read it back with
    `load_table`.  ``name`` gets a ``.parquet`` suffix if it has none."""
    run = _active_or_new()
    return run.store.log_table(run.run_id, data, name)


def load_table(run_id: str, name: str) -> pd.DataFrame:
    """Read back a table logged with `log_table` (or any Parquet artifact)."""
    import pandas as pd

    return pd.read_parquet(io.BytesIO(get_store().read_artifact(run_id, table_path(name))))


def log_figure(figure: Any, name: str) -> str:
    """Store a figure (matplotlib ``Figure``, or anything with ``savefig`` or
    ``write_image``) as an image artifact; the suffix of ``name`` picks the format (.png default)."""
    run = _active_or_new()
    return run.store.log_figure(run.run_id, figure, name)


def list_artifacts(run_id: str, path: str = "") -> list[str]:
    """The artifact paths of a run (recursively, relative to the run's artifact folder)."""
    return get_store().list_artifacts(run_id, path)


def read_artifact(run_id: str, path: str) -> bytes:
    """The bytes of one artifact of a run."""
    return get_store().read_artifact(run_id, path)


# -- reading ----------------------------------------------------------------------------


def get_run(run_id: str) -> Run:
    """A snapshot of run ``run_id``: ``.info``, ``.params``, ``.metrics`` (latest), ``.tags``.

    Raises `RunNotFoundError` if the store has no such run.
    """
    return get_store().get_run(run_id)


def get_metric_history(run_id: str, key: str) -> pd.DataFrame:
    """Every logged value of metric ``key`` of a run: columns key, value, step, timestamp."""
    import pandas as pd

    history = get_store().metric_history(run_id, key)
    return pd.DataFrame(
        {
            "key": [m.key for m in history],
            "value": pd.Series([m.value for m in history], dtype="float64"),
            "step": pd.Series([m.step for m in history], dtype="int64"),
            "timestamp": pd.Series([m.timestamp for m in history], dtype="int64"),
        }
    )


def search_runs(
    experiment_names: Sequence[str] | str | None = None,
    filter_string: str = "",
    order_by: Sequence[str] | str | None = None,
    max_results: int | None = None,
    *,
    run_view_type: str | int = "active",
) -> pd.DataFrame:
    """Runs as a DataFrame, filtered with MLflow's grammar (plus OR and parentheses).

    Parameters
    ----------
    experiment_names : list of str, optional
        Defaults to the current experiment, as in MLflow; ``"*"`` means every experiment.
    filter_string : str
        E.g. ``"metrics.r2 > 0.5 and params.alpha = 0.1"``; see docs/search.md.
    order_by : list of str, optional
        E.g. ``["metrics.r2 DESC", "attributes.start_time"]``; default newest first.
    max_results : int, optional
        At most this many rows.
    run_view_type : {"active", "deleted", "all"}, default "active"
        Deleted runs (`delete_run`, `delete_experiment`) are left out unless asked for;
        MLflow's `ViewType` values are understood.

    Returns
    -------
    DataFrame
        Columns ``run_id, run_name, experiment, status, start_time, end_time,
        parent_run_id``, then ``params.<k>``, ``metrics.<k>``, ``tags.<k>``.

    Examples
    --------
    >>> import sktrack, tempfile
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> for alpha in (0.1, 1.0):
    ...     with sktrack.start_run():
    ...         sktrack.log_param("alpha", alpha)
    ...         sktrack.log_metric("r2", 1 - alpha / 2)
    >>> sktrack.search_runs(filter_string="params.alpha < 0.5")["metrics.r2"].tolist()
    [0.95]
    """
    from ._runs_frame import search

    if not isinstance(filter_string, str):
        raise InvalidArgumentError(
            f"filter_string {show(filter_string)} is a {type(filter_string).__name__}; pass a "
            'str such as "metrics.r2 > 0.5", or "" for every run'
        )
    names = _experiment_names(experiment_names)
    return search(get_store(), names, filter_string, order_by, max_results, run_view_type)


def _experiment_names(experiment_names: object) -> list[str] | None:
    """The experiments to search: None for every one ("*")."""
    if experiment_names is None:
        return [current_experiment_name()]
    if isinstance(experiment_names, str):
        names = [experiment_names]
    elif isinstance(experiment_names, Sequence | set | frozenset):
        names = list(experiment_names)
    else:
        raise InvalidArgumentError(
            f"experiment_names {show(experiment_names)} is a {type(experiment_names).__name__}; "
            "pass a list of names such as ['Default'], a single name, or '*' for every experiment"
        )
    for name in names:
        if not isinstance(name, str):
            raise InvalidArgumentError(
                f"experiment_names holds {show(name)}, a {type(name).__name__}; experiment "
                f"names are str, e.g. [{show(str(name))}]"
            )
    return None if names == ["*"] else names


def compact() -> dict[str, int]:
    """Fold the store's small files into sorted Parquet files now (`sktrack compact`)."""
    return get_store().compact()
