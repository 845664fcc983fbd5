"""MLflow's fluent API (``mlflow.start_run``, ``mlflow.log_metric``, ``mlflow.search_runs``...)
over sktrack's: the same names, arguments and return shapes, writing an sktrack store."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import sktrack
from sktrack.exceptions import InvalidArgumentError, RunStateError

from ._entities import (
    Experiment,
    ModelVersion,
    Run,
    RunData,
    RunInfo,
    artifact_uri,
    to_experiment,
    to_model_version,
    to_run,
)
from ._unsupported import refuse, refuse_arguments

__all__ = [
    "ActiveRun",
    "active_run",
    "create_experiment",
    "delete_experiment",
    "delete_run",
    "end_run",
    "experiment_name",
    "get_artifact_uri",
    "get_experiment",
    "get_experiment_by_name",
    "get_parent_run",
    "get_run",
    "get_tracking_uri",
    "last_active_run",
    "log_artifact",
    "log_artifacts",
    "log_dict",
    "log_figure",
    "log_image",
    "log_input",
    "log_metric",
    "log_metrics",
    "log_param",
    "log_params",
    "log_table",
    "log_text",
    "register_model",
    "restore_experiment",
    "restore_run",
    "run_of",
    "search_experiments",
    "search_runs",
    "set_experiment",
    "set_tag",
    "set_tags",
    "set_tracking_uri",
    "start_run",
    "store_location",
]

_SERVER_SCHEMES = ("http", "https", "databricks", "sqlite", "postgresql", "mysql", "mssql", "uc")


# -- store and experiments ----------------------------------------------------------------


def store_location(uri: str | os.PathLike[str]) -> str:
    """The sktrack store a tracking URI stands for: a folder, ``file:`` URI or object store."""
    text = os.fspath(uri)
    scheme = urlparse(text).scheme.split("+")[0]
    if scheme in _SERVER_SCHEMES:
        raise refuse(
            f"the tracking URI {text!r}",
            "sktrack.mlflow writes an sktrack store, a folder or object-store prefix: "
            "mlflow.set_tracking_uri('./sktrack-store') (sktrack.set_store); to bring an "
            f"existing MLflow history over, run: sktrack import-mlflow {text}",
        )
    if scheme == "file":
        parsed = urlparse(text)
        return unquote(parsed.path if parsed.netloc in ("", "localhost") else parsed.netloc)
    return text if len(scheme) > 1 else str(Path(text).expanduser().absolute())


def set_tracking_uri(uri: str | os.PathLike[str]) -> None:
    sktrack.set_store(store_location(uri))


def get_tracking_uri() -> str:
    return sktrack.get_store().location


def experiment_name(experiment_id: str) -> str:
    """The name of the experiment with sktrack id ``experiment_id``."""
    for exp in sktrack.list_experiments():
        if exp.experiment_id == str(experiment_id):
            return exp.name
    known = ", ".join(f"{e.experiment_id} ({e.name})" for e in sktrack.list_experiments())
    raise sktrack.ExperimentNotFoundError(
        f"no experiment with id {experiment_id!r} in store {get_tracking_uri()}; existing: "
        f"{known or 'none yet'}. Experiments of an imported MLflow store keep their names, "
        "not MLflow's numeric ids: look them up with mlflow.get_experiment_by_name(name)"
    )


def set_experiment(
    experiment_name: str | None = None, experiment_id: str | None = None, **unsupported: Any
) -> Experiment:
    refuse_arguments("set_experiment", unsupported, {"trace_location": "sktrack tracks no traces"})
    if (experiment_name is None) == (experiment_id is None):
        raise InvalidArgumentError(
            "set_experiment needs exactly one of experiment_name and experiment_id, "
            f"got {experiment_name!r} and {experiment_id!r}"
        )
    name = _name_of(experiment_id) if experiment_id is not None else str(experiment_name)
    sktrack.set_experiment(name)
    return to_experiment(sktrack.get_experiment_by_name(name))


def _name_of(experiment_id: str) -> str:
    return experiment_name(experiment_id)


def create_experiment(
    name: str, artifact_location: str | None = None, tags: Mapping[str, Any] | None = None
) -> str:
    refuse_arguments(
        "create_experiment",
        {"artifact_location": artifact_location},
        {"artifact_location": "artifacts live in the store, under artifacts/<run_id>"},
    )
    if sktrack.get_experiment_by_name(name) is not None:
        raise InvalidArgumentError(
            f"experiment {name!r} already exists in store {get_tracking_uri()}; use "
            "mlflow.set_experiment(name) to log into it"
        )
    current = sktrack.get_store()
    exp = current.ensure_experiment(name)
    for key, value in (tags or {}).items():
        sktrack.set_experiment_tag(exp.experiment_id, key, value)
    return exp.experiment_id


def get_experiment(experiment_id: str) -> Experiment:
    return to_experiment(sktrack.get_experiment_by_name(_name_of(experiment_id)))


def get_experiment_by_name(name: str) -> Experiment | None:
    exp = sktrack.get_experiment_by_name(name)
    return None if exp is None else to_experiment(exp)


def delete_experiment(experiment_id: str) -> None:
    sktrack.delete_experiment(str(experiment_id))


def restore_experiment(experiment_id: str) -> None:
    sktrack.restore_experiment(str(experiment_id))


def search_experiments(
    view_type: int = 1,
    max_results: int | None = None,
    filter_string: str | None = None,
    order_by: list[str] | None = None,
) -> list[Experiment]:
    found = sktrack.search_experiments(
        filter_string or "", view=view_type, order_by=order_by, max_results=max_results
    )
    deleted = {e.experiment_id for e in sktrack.search_experiments(view="deleted")}
    return [to_experiment(e, "deleted" if e.experiment_id in deleted else "active") for e in found]


# -- runs ---------------------------------------------------------------------------------


class ActiveRun:
    """What `start_run` returns: a context manager whose ``info`` and ``data`` read the run
    as it is now, as MLflow's ``ActiveRun`` does."""

    def __init__(self, run: Any) -> None:
        self._run = run

    @property
    def info(self) -> RunInfo:
        return run_of(self._run.run_id).info

    @property
    def data(self) -> RunData:
        return run_of(self._run.run_id).data

    def __enter__(self) -> ActiveRun:
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self._run.end("FAILED" if exc_type is not None else "FINISHED")

    def __repr__(self) -> str:
        return f"<ActiveRun: run_id={self._run.run_id!r}>"


def start_run(
    run_id: str | None = None,
    experiment_id: str | None = None,
    run_name: str | None = None,
    nested: bool = False,
    parent_run_id: str | None = None,
    tags: Mapping[str, Any] | None = None,
    description: str | None = None,
    log_system_metrics: bool | None = None,
) -> ActiveRun:
    refuse_arguments(
        "start_run",
        {"run_id": run_id, "log_system_metrics": log_system_metrics},
        {
            "run_id": "sktrack does not reopen a run; log into an ended one through its handle: "
            "sktrack.get_run(run_id).log_metric(...)",
            "log_system_metrics": "sktrack records no system metrics",
        },
    )
    current = sktrack.active_run()
    if current is not None and not nested and parent_run_id is None:
        raise RunStateError(
            f"run {current.run_id} is already active; to start a nested run, call "
            "start_run(nested=True), or end the active run first with end_run()"
        )
    run = sktrack.start_run(
        run_name,
        experiment=None if experiment_id is None else _name_of(experiment_id),
        tags=tags,
        parent_run_id=parent_run_id,
        description=description,
    )
    return ActiveRun(run)


def end_run(status: str = "FINISHED") -> None:
    if sktrack.active_run() is not None:  # with none active, MLflow does nothing
        sktrack.end_run(status)


def active_run() -> ActiveRun | None:
    run = sktrack.active_run()
    return None if run is None else ActiveRun(run)


def run_of(run_id: str) -> Run:
    return to_run(sktrack.get_run(run_id))


def get_run(run_id: str) -> Run:
    return run_of(run_id)


def last_active_run() -> Run | None:
    run = sktrack.last_active_run()
    return None if run is None else to_run(run)


def get_parent_run(run_id: str) -> Run | None:
    parent = sktrack.get_parent_run(run_id)
    return None if parent is None else to_run(parent)


def delete_run(run_id: str) -> None:
    sktrack.delete_run(run_id)


def restore_run(run_id: str) -> None:
    sktrack.restore_run(run_id)


def _target(run_id: str | None) -> Any:
    """The run a call logs into: ``run_id``'s, else the active one (started if none is)."""
    if run_id is not None:
        return sktrack.get_run(run_id)
    run = sktrack.active_run()
    if run is None:
        start_run()  # as MLflow does, logging with no active run starts one
        run = sktrack.active_run()
    return run


def log_param(key: str, value: Any, synchronous: bool | None = None) -> Any:
    _target(None).log_param(key, value)
    return value


def log_params(
    params: Mapping[str, Any], synchronous: bool | None = None, run_id: str | None = None
) -> None:
    _target(run_id).log_params(params)


def log_metric(
    key: str,
    value: float,
    step: int | None = None,
    synchronous: bool | None = None,
    timestamp: int | None = None,
    run_id: str | None = None,
    **unsupported: Any,
) -> None:
    refuse_arguments("log_metric", unsupported, _MODEL_METRIC_WAYS)
    _target(run_id).log_metric(key, value, step, timestamp=timestamp)


def log_metrics(
    metrics: Mapping[str, float],
    step: int | None = None,
    synchronous: bool | None = None,
    run_id: str | None = None,
    timestamp: int | None = None,
    **unsupported: Any,
) -> None:
    refuse_arguments("log_metrics", unsupported, _MODEL_METRIC_WAYS)
    _target(run_id).log_metrics(metrics, step, timestamp=timestamp)


_MODEL_METRIC_WAYS = {
    "model_id": "metrics belong to runs; log into the run that logged the model",
    "dataset": "name the split in the metric's key (test_r2), as TrackedEstimator.evaluate does",
}


def set_tag(key: str, value: Any, synchronous: bool | None = None) -> None:
    _target(None).set_tag(key, value)


def set_tags(tags: Mapping[str, Any], synchronous: bool | None = None) -> None:
    _target(None).set_tags(tags)


def log_artifact(
    local_path: str | os.PathLike[str], artifact_path: str | None = None, run_id: str | None = None
) -> None:
    run = _target(run_id)
    run.store.log_artifact(run.run_id, local_path, artifact_path)


def log_artifacts(
    local_dir: str | os.PathLike[str], artifact_path: str | None = None, run_id: str | None = None
) -> None:
    if run_id is None:
        _target(None)
        sktrack.log_artifacts(local_dir, artifact_path)
        return
    run = sktrack.get_run(run_id)
    folder = Path(local_dir)
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = path.relative_to(folder).as_posix()
        target = f"{artifact_path.strip('/')}/{rel}" if artifact_path else rel
        run.store.write_artifact(run_id, target, path.read_bytes())


def log_text(text: str, artifact_file: str, run_id: str | None = None) -> None:
    _with_run(run_id, sktrack.log_text, text, artifact_file)


def log_dict(dictionary: Any, artifact_file: str, run_id: str | None = None) -> None:
    _with_run(run_id, sktrack.log_dict, dictionary, artifact_file)


def _with_run(run_id: str | None, call: Any, *args: Any) -> None:
    """``call`` (a fluent verb of sktrack's) aimed at ``run_id``, or at the active run."""
    active = sktrack.active_run()
    if run_id is None or (active is not None and active.run_id == run_id):
        _target(None)
        call(*args)
        return
    raise refuse(
        f"{call.__name__}(..., run_id=...) for a run that is not active",
        "start_run() it, or write the file and use log_artifact(path, run_id=...)",
    )


def log_image(image: Any, artifact_file: str | None = None, *, key: str | None = None,
              step: int | None = None, timestamp: int | None = None,
              synchronous: bool | None = None) -> None:  # fmt: skip
    way = "name the file: mlflow.log_image(image, artifact_file='images/x.png')"
    refuse_arguments("log_image", {"key": key, "step": step, "timestamp": timestamp},
                     {"key": way, "step": way, "timestamp": way})  # fmt: skip
    if artifact_file is None:
        raise InvalidArgumentError(f"log_image needs artifact_file; {way}")
    _target(None)
    sktrack.log_image(image, artifact_file)


def log_figure(figure: Any, artifact_file: str, *, save_kwargs: Any = None) -> None:
    refuse_arguments("log_figure", {"save_kwargs": save_kwargs}, {"save_kwargs": _FIGURE})
    _target(None)
    sktrack.log_figure(figure, artifact_file)


_FIGURE = "save the figure yourself and log_artifact the file"


def log_table(data: Any, artifact_file: str, run_id: str | None = None) -> None:
    import pandas as pd

    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(data)
    _with_run(run_id, sktrack.log_table, frame, artifact_file)


def log_input(
    dataset: Any = None,
    context: str | None = None,
    tags: Mapping[str, str] | None = None,
    model: Any = None,
) -> None:
    """A dataset of ``mlflow.data`` as an input of the active run (`sktrack.log_input`)."""
    refuse_arguments(
        "log_input",
        {"tags": tags or None, "model": model},
        {"tags": "set them on the run: mlflow.set_tags({...})",
         "model": "inputs belong to runs; log it in the run that logged the model"},
    )  # fmt: skip
    if dataset is None:
        raise InvalidArgumentError("log_input needs a dataset: mlflow.data.from_pandas(df)")
    _target(None)
    sktrack.log_input(dataset.features, dataset.name, context=context, targets=dataset.targets)


def get_artifact_uri(artifact_path: str | None = None) -> str:
    base = artifact_uri(_target(None).run_id)
    return f"{base}/{artifact_path.strip('/')}" if artifact_path else base


# -- searching ----------------------------------------------------------------------------


def _search_names(
    experiment_ids: Any, experiment_names: Any, search_all: bool
) -> list[str] | str | None:
    if experiment_ids is not None and experiment_names is not None:
        raise InvalidArgumentError("search_runs takes experiment_ids or experiment_names, not both")
    if experiment_ids is not None:
        ids = [experiment_ids] if isinstance(experiment_ids, str | int) else experiment_ids
        return [_name_of(str(i)) for i in ids]
    if experiment_names is not None:
        return list(experiment_names)
    return "*" if search_all else None


def search_runs(
    experiment_ids: Sequence[str] | str | None = None,
    filter_string: str = "",
    run_view_type: int = 1,
    max_results: int = 100_000,
    order_by: Sequence[str] | None = None,
    output_format: str = "pandas",
    search_all_experiments: bool = False,
    experiment_names: Sequence[str] | None = None,
) -> Any:
    if output_format not in ("pandas", "list"):
        raise InvalidArgumentError(
            f"output_format {output_format!r} is not one of 'pandas' or 'list'"
        )
    names = _search_names(experiment_ids, experiment_names, search_all_experiments)
    frame = sktrack.search_runs(
        names,
        filter_string=filter_string or "",
        order_by=order_by,
        max_results=max_results,
        run_view_type=int(run_view_type),
    )
    if output_format == "list":
        return [run_of(run_id) for run_id in frame["run_id"]]
    return _mlflow_frame(frame)


def _mlflow_frame(frame: Any) -> Any:
    """sktrack's search frame in MLflow's columns: params as text, system tags restored."""
    import pandas as pd

    ids = {e.name: e.experiment_id for e in sktrack.list_experiments()}
    out = pd.DataFrame(
        {
            "run_id": frame["run_id"],
            "experiment_id": frame["experiment"].map(ids),
            "status": frame["status"].astype(str),
            "artifact_uri": frame["run_id"].map(artifact_uri),
            "start_time": frame["start_time"],
            "end_time": frame["end_time"],
        },
        index=frame.index,
    )
    metrics = [c for c in frame.columns if c.startswith("metrics.")]
    params = _param_columns(frame)
    tags = {c: frame[c] for c in frame.columns if c.startswith("tags.")}
    tags["tags.mlflow.runName"] = frame["run_name"]
    tags["tags.mlflow.parentRunId"] = frame["parent_run_id"]
    for ours, theirs in (("user", "mlflow.user"), ("description", "mlflow.note.content"),
                         ("source", "mlflow.source.name")):  # fmt: skip
        if f"tags.sktrack.{ours}" in frame:
            tags[f"tags.{theirs}"] = frame[f"tags.sktrack.{ours}"]
    rest = pd.DataFrame({**{c: frame[c] for c in metrics}, **params, **tags}, index=frame.index)
    return pd.concat([out, rest], axis=1)


def _param_columns(frame: Any) -> dict[str, Any]:
    """The chosen runs' params as MLflow's text: the text form the store keeps beside each
    typed value (``"0.1"``, ``"None"``, ``"True"``), None where a run lacks the param."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    params = sktrack.get_store().snapshot().params
    chosen = pa.array(frame["run_id"].tolist(), pa.string())
    rows = params.filter(pc.is_in(params["run_id"], value_set=chosen))
    position = {run_id: i for i, run_id in enumerate(frame["run_id"])}
    columns: dict[str, list[str | None]] = {}
    for run_id, key, text in zip(*(rows[c].to_pylist() for c in ("run_id", "key", "value")),
                                 strict=True):  # fmt: skip
        columns.setdefault(key, [None] * len(frame))[position[run_id]] = text
    return {
        f"params.{key}": pd.Series(columns[key], index=frame.index, dtype=object)
        for key in sorted(columns)
    }


# -- registry -----------------------------------------------------------------------------


def register_model(
    model_uri: str,
    name: str,
    await_registration_for: int = 300,
    *,
    tags: Mapping[str, Any] | None = None,
    **unsupported: Any,
) -> ModelVersion:
    refuse_arguments("register_model", unsupported, {"env_pack": "sktrack serve serves a model"})
    return to_model_version(sktrack.registry.register_model(model_uri, name, tags=tags))
