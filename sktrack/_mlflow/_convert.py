"""MLflow's runs as sktrack's: system tags onto fields, text params typed, statuses mapped."""

from __future__ import annotations

from typing import Any

from .._store import ImportedRun, Metric, RunInfo, RunStatus
from ._records import MlflowRun

__all__ = ["SYSTEM_TAGS", "imported_run", "typed_param"]

# MLflow system tags that become a field of the run (and are not kept as tags) ...
_FIELD_TAGS = {"mlflow.runName", "mlflow.parentRunId"}
# ... and those that become sktrack's own tag of the same meaning
SYSTEM_TAGS = {
    "mlflow.user": "sktrack.user",
    "mlflow.note.content": "sktrack.description",
    "mlflow.source.name": "sktrack.source",
    "mlflow.source.git.commit": "sktrack.git.commit",
}
_STATUS = {
    "RUNNING": RunStatus.RUNNING,
    "SCHEDULED": RunStatus.RUNNING,
    "FINISHED": RunStatus.FINISHED,
    "FAILED": RunStatus.FAILED,
    "KILLED": RunStatus.KILLED,
}


def typed_param(text: str) -> Any:
    """The value MLflow's text stands for, when the text is exactly how sktrack writes that
    value (``"5"`` -> 5, ``"0.1"`` -> 0.1, ``"True"`` -> True, ``"None"`` -> None); any other
    text stays text.  The stored text is therefore always MLflow's, character for character."""
    if text in ("True", "False"):
        return text == "True"
    if text == "None":
        return None
    try:
        number = int(text)
    except ValueError:
        pass
    else:
        return number if str(number) == text else text
    try:
        real = float(text)
    except ValueError:
        return text
    return real if repr(real) == text else text


def imported_run(run: MlflowRun, experiment: Any) -> ImportedRun:
    """``run`` as sktrack stores it, in ``experiment`` (an sktrack `Experiment`)."""
    tags = {}
    for key, value in run.tags.items():
        if key in _FIELD_TAGS:
            continue
        tags[SYSTEM_TAGS.get(key, key)] = value
    for i, dataset in enumerate(run.datasets):
        tags[f"sktrack.input.{i}.name"] = dataset.name
        tags[f"sktrack.input.{i}.digest"] = dataset.digest
        if dataset.context:
            tags[f"sktrack.input.{i}.context"] = dataset.context
    user = run.tags.get("mlflow.user") or run.user
    tags.setdefault("sktrack.user", user)
    info = RunInfo(
        run_id=run.run_id,
        run_name=run.name or run.tags.get("mlflow.runName", "") or run.run_id[:8],
        experiment=experiment.name,
        experiment_id=experiment.experiment_id,
        status=_STATUS.get(run.status.upper(), RunStatus.KILLED),
        start_time=int(run.start_time),
        end_time=None if run.end_time is None else int(run.end_time),
        parent_run_id=run.tags.get("mlflow.parentRunId") or None,
        user=user,
    )
    metrics = [Metric(key, value, int(step), int(ts)) for key, value, step, ts in run.metrics]
    params = {key: typed_param(value) for key, value in run.params.items()}
    return ImportedRun(info=info, params=params, metrics=metrics, tags=tags)
