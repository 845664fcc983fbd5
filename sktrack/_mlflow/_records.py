"""What an MLflow store holds, as plain records: the two readers (sqlite, folder) produce them."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "MlflowDataset",
    "MlflowExperiment",
    "MlflowLoggedModel",
    "MlflowModelVersion",
    "MlflowRegisteredModel",
    "MlflowRun",
]


@dataclass(frozen=True)
class MlflowExperiment:
    experiment_id: str
    name: str
    lifecycle: str  # "active" or "deleted"
    created_at: int
    artifact_location: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MlflowDataset:
    name: str
    digest: str
    context: str


@dataclass(frozen=True)
class MlflowRun:
    run_id: str
    experiment_id: str
    name: str
    status: str  # RUNNING, SCHEDULED, FINISHED, FAILED, KILLED
    start_time: int
    end_time: int | None
    user: str
    lifecycle: str
    artifact_uri: str
    params: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    # (key, value, step, timestamp), NaN as float("nan")
    metrics: list[tuple[str, float, int, int]] = field(default_factory=list)
    datasets: list[MlflowDataset] = field(default_factory=list)


@dataclass(frozen=True)
class MlflowLoggedModel:
    """An MLflow 3 logged model (``models:/m-...``): its files live outside the run's folder."""

    model_id: str
    name: str
    run_id: str | None
    artifact_location: str
    lifecycle: str = "active"


@dataclass(frozen=True)
class MlflowModelVersion:
    name: str
    version: int
    created_at: int
    description: str
    stage: str
    source: str
    run_id: str | None
    storage_location: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MlflowRegisteredModel:
    name: str
    created_at: int
    description: str
    tags: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, int] = field(default_factory=dict)
    versions: list[MlflowModelVersion] = field(default_factory=list)
