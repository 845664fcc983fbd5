"""The records that cross module boundaries: frozen dataclasses, with enums for states.

Only the store layer turns them into Arrow rows and back.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..exceptions import InvalidArgumentError, RunStateError
from ._values import check_mapping

__all__ = [
    "Experiment",
    "FrozenMapping",
    "Metric",
    "ModelVersion",
    "Param",
    "Run",
    "RunInfo",
    "RunStatus",
    "Stage",
]


class RunStatus(enum.StrEnum):
    """The life of a run.  A run whose process died stays RUNNING; `sktrack doctor` names it."""

    RUNNING = "RUNNING"
    FINISHED = "FINISHED"
    FAILED = "FAILED"
    KILLED = "KILLED"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, status: object) -> RunStatus:
        """A status from its name in any case (``"finished"``, `RunStatus.FAILED`)."""
        if isinstance(status, cls):
            return status
        if isinstance(status, str):
            for member in cls:
                if member.value == status.upper():
                    return member
        allowed = ", ".join(s.value for s in cls)
        raise InvalidArgumentError(
            f"run status {status!r} is not one of {allowed} (any case); e.g. end_run('FAILED')"
        )


class Stage(enum.StrEnum):
    """Registry stages of a model version (``None`` is spelled ``NONE``)."""

    NONE = "None"
    STAGING = "Staging"
    PRODUCTION = "Production"
    ARCHIVED = "Archived"

    def __str__(self) -> str:
        return self.value


class FrozenMapping(Mapping[str, Any]):
    """A read-only mapping that, unlike ``MappingProxyType``, pickles and compares by value."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self._data = dict(data or {})

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return repr(self._data)

    def __eq__(self, other: object) -> bool:
        return self._data == (dict(other) if isinstance(other, Mapping) else other)

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._data.items(), key=lambda kv: kv[0])))

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenMapping, (self._data,))


def _frozen(mapping: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return mapping if isinstance(mapping, FrozenMapping) else FrozenMapping(mapping)


@dataclass(frozen=True)
class Experiment:
    """A named group of runs."""

    experiment_id: str
    name: str
    created_at: int  # ms since the epoch


@dataclass(frozen=True)
class Metric:
    """One logged value of a metric."""

    key: str
    value: float
    step: int
    timestamp: int  # ms since the epoch


@dataclass(frozen=True)
class Param:
    """A logged param: its value keeps its Python type (bool, int, float, str, None) or is a repr."""

    key: str
    value: Any
    value_type: str  # "bool", "int", "float", "str", "none" or "repr"


@dataclass(frozen=True)
class RunInfo:
    """What identifies a run and where it stands."""

    run_id: str
    run_name: str
    experiment: str
    experiment_id: str
    status: RunStatus
    start_time: int  # ms since the epoch
    end_time: int | None
    parent_run_id: str | None
    user: str = ""
    host: str = ""
    pid: int = 0


@dataclass(frozen=True)
class Run:
    """A snapshot of a run: its info, params, latest metric values and tags.

    A snapshot does not change when more is logged; call `sktrack.get_run` again for news.
    """

    info: RunInfo
    params: Mapping[str, Any] = field(default_factory=dict)
    metrics: Mapping[str, float] = field(default_factory=dict)
    tags: Mapping[str, str] = field(default_factory=dict)
    store: Any = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _frozen(self.params))
        object.__setattr__(self, "metrics", _frozen(self.metrics))
        object.__setattr__(self, "tags", _frozen(self.tags))

    @property
    def run_id(self) -> str:
        return self.info.run_id

    # The same verbs as the fluent API, aimed at this run whether or not it is active.

    def log_param(self, key: str, value: Any) -> None:
        """Log one param; see `sktrack.log_param`."""
        self.store.log(self.run_id, params={key: value})

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Log several params in one write; see `sktrack.log_params`."""
        self.store.log(self.run_id, params=check_mapping("params", params))

    def log_metric(
        self, key: str, value: float, step: int | None = None, *, timestamp: int | None = None
    ) -> None:
        """Log one metric value; see `sktrack.log_metric`."""
        self.store.log(self.run_id, metrics={key: value}, step=step, timestamp=timestamp)

    def log_metrics(
        self,
        metrics: Mapping[str, float],
        step: int | None = None,
        *,
        timestamp: int | None = None,
    ) -> None:
        """Log several metric values in one write; see `sktrack.log_metrics`."""
        metrics = check_mapping("metrics", metrics)
        self.store.log(self.run_id, metrics=metrics, step=step, timestamp=timestamp)

    def set_tag(self, key: str, value: Any) -> None:
        """Set one tag; see `sktrack.set_tag`."""
        self.store.log(self.run_id, tags={key: value})

    def set_tags(self, tags: Mapping[str, Any]) -> None:
        """Set several tags in one write; see `sktrack.set_tags`."""
        self.store.log(self.run_id, tags=check_mapping("tags", tags))

    def log_artifact(self, local_path: str, artifact_path: str | None = None) -> str:
        """Copy a local file or folder into the run; see `sktrack.log_artifact`."""
        return self.store.log_artifact(self.run_id, local_path, artifact_path)

    def log_table(self, data: Any, name: str) -> str:
        """Store a DataFrame as a Parquet artifact; see `sktrack.log_table`."""
        return self.store.log_table(self.run_id, data, name)

    def log_figure(self, figure: Any, name: str) -> str:
        """Store a figure as an image artifact; see `sktrack.log_figure`."""
        return self.store.log_figure(self.run_id, figure, name)

    def end(self, status: RunStatus | str = RunStatus.FINISHED) -> None:
        """End the run with ``status``; the handle `sktrack.start_run` returns also takes it
        off the active-run stack."""
        self.store.set_status(self.run_id, RunStatus.parse(status))

    def __enter__(self) -> Run:
        status = self.store.run_info(self.run_id).status
        if status is not RunStatus.RUNNING:
            raise RunStateError(
                f"run {self.run_id} has already ended ({status.value}); a run cannot be entered "
                "again. Start a new run with sktrack.start_run(), or log into this one with "
                "its methods (run.log_metric(...)) without a with-block"
            )
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        self.end(RunStatus.FAILED if exc_type is not None else RunStatus.FINISHED)

    def _repr_html_(self) -> str:
        """A compact card for notebooks: name, status, id, then params, metrics, own tags."""
        from ._html import html_card

        info = self.info
        facts = [("status", str(info.status)), ("id", info.run_id), ("experiment", info.experiment)]
        if info.parent_run_id:
            facts.append(("parent", info.parent_run_id))
        own_tags = {k: v for k, v in sorted(self.tags.items()) if not k.startswith("sktrack.")}
        params = {k: "None" if v is None else v for k, v in sorted(self.params.items())}
        tables = [("params", params),
                  ("metrics", dict(sorted(self.metrics.items()))), ("tags", own_tags)]  # fmt: skip
        return html_card(f"Run {info.run_name}", facts, tables)


@dataclass(frozen=True)
class ModelVersion:
    """One version of a registered model."""

    name: str
    version: int
    run_id: str | None
    source: str
    stage: Stage = Stage.NONE
    aliases: tuple[str, ...] = ()
    description: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    sha256: str = ""
    created_at: int = 0  # ms since the epoch
    sklearn_version: str = ""
    signature: Mapping[str, Any] | None = None
    created_by: str = ""  # who registered it (the signed-in user, through the UI)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tags", _frozen(self.tags))

    def _repr_html_(self) -> str:
        """A compact card for notebooks: name and version, stage, aliases, source, tags."""
        from ._html import html_card

        facts = [("stage", str(self.stage)), ("run", self.run_id or self.source)]
        if self.aliases:
            facts.append(("aliases", " ".join(f"@{a}" for a in self.aliases)))
        if self.sklearn_version:
            facts.append(("scikit-learn", self.sklearn_version))
        details = [("description", self.description)] if self.description else []
        tables = [("about", [*details, ("source", self.source), ("sha256", self.sha256[:16])]),
                  ("tags", dict(sorted(self.tags.items())))]  # fmt: skip
        return html_card(f"{self.name} v{self.version}", facts, tables)
