"""The tracking layer: the fluent API over one store.

It owns the store and experiment in use, the active-run stack (`ActiveRun`), the log verbs,
the tags every run gets, memorable run names, and `search_runs`' DataFrame.

It imports `sktrack.exceptions`, `sktrack._store` and `sktrack._query`.
"""

from __future__ import annotations

from ._fluent import (
    DEFAULT_EXPERIMENT,
    ActiveRun,
    active_run,
    compact,
    current_experiment_name,
    end_run,
    get_metric_history,
    get_run,
    get_store,
    list_artifacts,
    list_experiments,
    load_table,
    log_artifact,
    log_figure,
    log_metric,
    log_metrics,
    log_param,
    log_params,
    log_table,
    read_artifact,
    scoped_defaults,
    search_runs,
    set_experiment,
    set_store,
    set_tag,
    set_tags,
    start_run,
)
from ._runs_frame import RUN_COLUMNS, select_runs

__all__ = [
    "DEFAULT_EXPERIMENT",
    "RUN_COLUMNS",
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
    "select_runs",
    "set_experiment",
    "set_store",
    "set_tag",
    "set_tags",
    "start_run",
]
