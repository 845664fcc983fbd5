"""MLflow's entities, in the shape MLflow scripts read them (``run.info.run_id``,
``run.data.params`` as text, ``version.current_stage``), built from sktrack's records."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

import sktrack

__all__ = [
    "Experiment",
    "FileInfo",
    "Metric",
    "ModelInfo",
    "ModelVersion",
    "RegisteredModel",
    "Run",
    "RunData",
    "RunInfo",
    "ViewType",
    "param_text",
    "to_experiment",
    "to_model_version",
    "to_registered_model",
    "to_run",
]


class ViewType(enum.IntEnum):
    """Which runs and experiments a search returns, with MLflow's values."""

    ACTIVE_ONLY = 1
    DELETED_ONLY = 2
    ALL = 3


@dataclass(frozen=True)
class Experiment:
    experiment_id: str
    name: str
    artifact_location: str
    lifecycle_stage: str = "active"
    tags: dict[str, str] = field(default_factory=dict)
    creation_time: int = 0


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    run_name: str
    experiment_id: str
    user_id: str
    status: str
    start_time: int
    end_time: int | None
    lifecycle_stage: str
    artifact_uri: str

    @property
    def run_uuid(self) -> str:
        return self.run_id


@dataclass(frozen=True)
class RunData:
    params: dict[str, str]
    metrics: dict[str, float]
    tags: dict[str, str]


@dataclass(frozen=True)
class Run:
    info: RunInfo
    data: RunData


@dataclass(frozen=True)
class Metric:
    key: str
    value: float
    timestamp: int
    step: int


@dataclass(frozen=True)
class FileInfo:
    path: str
    is_dir: bool
    file_size: int | None


@dataclass(frozen=True)
class ModelInfo:
    """What ``mlflow.sklearn.log_model`` returns."""

    model_uri: str
    run_id: str
    artifact_path: str
    name: str
    signature: Any = None
    registered_model_version: str | None = None


@dataclass(frozen=True)
class ModelVersion:
    name: str
    version: str
    creation_timestamp: int
    current_stage: str
    run_id: str | None
    source: str
    description: str
    aliases: list[str]
    tags: dict[str, str]
    status: str = "READY"


@dataclass(frozen=True)
class RegisteredModel:
    name: str
    creation_timestamp: int
    last_updated_timestamp: int
    description: str
    tags: dict[str, str]
    aliases: dict[str, str]
    latest_versions: list[ModelVersion]


def param_text(value: Any) -> str:
    """A param as MLflow keeps it: ``str(value)``."""
    return str(value)


def artifact_uri(run_id: str) -> str:
    store = sktrack.get_store()
    folder = store.artifact_dir(run_id)
    local = store.fs.local_path(folder)
    return f"file://{local}" if local else f"{store.location.rstrip('/')}/{folder}"


def _experiment_ids() -> dict[str, str]:
    return {e.name: e.experiment_id for e in sktrack.list_experiments()}


def to_experiment(exp: Any, lifecycle: str = "active") -> Experiment:
    store = sktrack.get_store()
    return Experiment(
        experiment_id=exp.experiment_id,
        name=exp.name,
        artifact_location=f"{store.location.rstrip('/')}/artifacts",
        lifecycle_stage=lifecycle,
        tags=sktrack.get_experiment_tags(exp.experiment_id),
        creation_time=exp.created_at,
    )


# sktrack's fields back in MLflow's system tags, as MLflow scripts read them
_SYSTEM_TAGS = {
    "sktrack.user": "mlflow.user",
    "sktrack.description": "mlflow.note.content",
    "sktrack.source": "mlflow.source.name",
    "sktrack.git.commit": "mlflow.source.git.commit",
}


def mlflow_tags(run: Any) -> dict[str, str]:
    tags = dict(run.tags)
    for ours, theirs in _SYSTEM_TAGS.items():
        if ours in tags:
            tags.setdefault(theirs, tags[ours])
    tags["mlflow.runName"] = run.info.run_name
    if run.info.parent_run_id:
        tags["mlflow.parentRunId"] = run.info.parent_run_id
    return tags


def to_run(run: Any) -> Run:
    """An sktrack `Run` as MLflow's: params as text, system tags restored."""
    info = run.info
    deleted = run.tags.get("sktrack.lifecycle") == "deleted"
    return Run(
        RunInfo(
            run_id=info.run_id,
            run_name=info.run_name,
            experiment_id=info.experiment_id,
            user_id=info.user,
            status=str(info.status),
            start_time=info.start_time,
            end_time=info.end_time,
            lifecycle_stage="deleted" if deleted else "active",
            artifact_uri=artifact_uri(info.run_id),
        ),
        RunData(
            params={k: param_text(v) for k, v in run.params.items()},
            metrics=dict(run.metrics),
            tags=mlflow_tags(run),
        ),
    )


def to_model_version(mv: Any) -> ModelVersion:
    return ModelVersion(
        name=mv.name,
        version=str(mv.version),
        creation_timestamp=mv.created_at,
        current_stage=str(mv.stage),
        run_id=mv.run_id,
        source=mv.source,
        description=mv.description,
        aliases=list(mv.aliases),
        tags=dict(mv.tags),
    )


def to_registered_model(rm: Any) -> RegisteredModel:
    return RegisteredModel(
        name=rm.name,
        creation_timestamp=rm.created_at,
        last_updated_timestamp=rm.updated_at,
        description=rm.description,
        tags=dict(rm.tags),
        aliases={alias: str(version) for alias, version in rm.aliases.items()},
        latest_versions=[to_model_version(mv) for mv in rm.latest_versions],
    )
