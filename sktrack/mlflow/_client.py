"""``MlflowClient``: MLflow's client calls that scikit-learn scripts make, on sktrack's store
and registry (``version`` may be given as MLflow's text, ``"1"``)."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import sktrack
from sktrack.exceptions import InvalidArgumentError

from . import _fluent as fluent
from ._entities import (
    FileInfo,
    Metric,
    ModelVersion,
    RegisteredModel,
    Run,
    to_model_version,
    to_registered_model,
)
from ._unsupported import missing, refuse, refuse_arguments

__all__ = ["MlflowClient"]

_CLIENT_WAYS = {
    "create_run": "start runs with mlflow.start_run(run_name=...) (sktrack.start_run)",
    "create_registered_model": "a registered model is created with its first version: "
    "mlflow.register_model(model_uri, name), then client.update_registered_model(name, "
    "description) and client.set_registered_model_tag(name, key, value)",
    "log_inputs": "log each dataset inside the run: mlflow.log_input(dataset, context)",
}


def _version(version: str | int) -> int:
    try:
        return int(version)
    except (TypeError, ValueError):
        raise InvalidArgumentError(
            f"model version {version!r} is not a number; versions are 1, 2, 3..."
        ) from None


class MlflowClient:
    """MLflow's ``MlflowClient`` on the sktrack store in use."""

    def __init__(self, tracking_uri: str | None = None, registry_uri: str | None = None) -> None:
        for uri in (tracking_uri, registry_uri):
            if uri is not None and fluent.store_location(uri) != fluent.get_tracking_uri():
                raise refuse(
                    f"MlflowClient({uri!r}) beside the store in use ({fluent.get_tracking_uri()})",
                    "sktrack's store is process-wide: call mlflow.set_tracking_uri(uri) first",
                )

    def __getattr__(self, name: str) -> Any:
        raise missing("sktrack.mlflow.MlflowClient", name, _CLIENT_WAYS)

    # -- experiments ----------------------------------------------------------------------

    def create_experiment(self, name: str, artifact_location: str | None = None,
                          tags: Mapping[str, Any] | None = None) -> str:  # fmt: skip
        return fluent.create_experiment(name, artifact_location, tags)

    def get_experiment(self, experiment_id: str) -> Any:
        return fluent.get_experiment(experiment_id)

    def get_experiment_by_name(self, name: str) -> Any:
        return fluent.get_experiment_by_name(name)

    def search_experiments(self, view_type: int = 1, max_results: int | None = None,
                           filter_string: str | None = None,
                           order_by: list[str] | None = None) -> list[Any]:  # fmt: skip
        return fluent.search_experiments(view_type, max_results, filter_string, order_by)

    def delete_experiment(self, experiment_id: str) -> None:
        fluent.delete_experiment(experiment_id)

    def restore_experiment(self, experiment_id: str) -> None:
        fluent.restore_experiment(experiment_id)

    def set_experiment_tag(self, experiment_id: str, key: str, value: Any) -> None:
        sktrack.set_experiment_tag(experiment_id, key, value)

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        sktrack.delete_experiment_tag(experiment_id, key)

    # -- runs -----------------------------------------------------------------------------

    def get_run(self, run_id: str) -> Run:
        return fluent.run_of(run_id)

    def get_parent_run(self, run_id: str) -> Run | None:
        return fluent.get_parent_run(run_id)

    def search_runs(self, experiment_ids: Sequence[str] | str, filter_string: str = "",
                    run_view_type: int = 1, max_results: int = 1000,
                    order_by: Sequence[str] | None = None,
                    page_token: str | None = None) -> list[Run]:  # fmt: skip
        refuse_arguments("search_runs", {"page_token": page_token},
                         {"page_token": "ask for more with max_results"})  # fmt: skip
        return fluent.search_runs(experiment_ids, filter_string, run_view_type, max_results,
                                  order_by, output_format="list")  # fmt: skip

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        history = sktrack.get_store().metric_history(run_id, key)
        return [Metric(m.key, m.value, m.timestamp, m.step) for m in history]

    def log_param(self, run_id: str, key: str, value: Any, synchronous: bool | None = None) -> Any:
        sktrack.get_run(run_id).log_param(key, value)
        return value

    def log_metric(self, run_id: str, key: str, value: float, timestamp: int | None = None,
                   step: int | None = None, synchronous: bool | None = None) -> None:  # fmt: skip
        fluent.log_metric(key, value, step, timestamp=timestamp, run_id=run_id)

    def log_batch(self, run_id: str, metrics: Iterable[Any] = (), params: Iterable[Any] = (),
                  tags: Iterable[Any] = (), synchronous: bool | None = None) -> None:  # fmt: skip
        run = sktrack.get_run(run_id)
        if params := {p.key: p.value for p in params}:
            run.log_params(params)
        for m in metrics:
            fluent.log_metric(m.key, m.value, m.step, timestamp=m.timestamp, run_id=run_id)
        if tags := {t.key: t.value for t in tags}:
            run.set_tags(tags)

    def set_tag(self, run_id: str, key: str, value: Any, synchronous: bool | None = None) -> None:
        sktrack.get_run(run_id).set_tag(key, value)

    def set_terminated(self, run_id: str, status: str | None = None,
                       end_time: int | None = None) -> None:  # fmt: skip
        refuse_arguments("set_terminated", {"end_time": end_time},
                         {"end_time": "a run ends when it is ended"})  # fmt: skip
        sktrack.get_run(run_id).end(status or "FINISHED")

    def delete_run(self, run_id: str) -> None:
        sktrack.delete_run(run_id)

    def restore_run(self, run_id: str) -> None:
        sktrack.restore_run(run_id)

    # -- artifacts ------------------------------------------------------------------------

    def log_artifact(self, run_id: str, local_path: str, artifact_path: str | None = None) -> None:
        fluent.log_artifact(local_path, artifact_path, run_id)

    def log_artifacts(self, run_id: str, local_dir: str, artifact_path: str | None = None) -> None:
        fluent.log_artifacts(local_dir, artifact_path, run_id)

    def log_text(self, run_id: str, text: str, artifact_file: str) -> None:
        fluent.log_text(text, artifact_file, run_id)

    def log_dict(self, run_id: str, dictionary: Any, artifact_file: str) -> None:
        fluent.log_dict(dictionary, artifact_file, run_id)

    def list_artifacts(self, run_id: str, path: str | None = None) -> list[FileInfo]:
        """The files and folders directly under ``path``, as MLflow lists them."""
        prefix = f"{path.strip('/')}/" if path else ""
        store = sktrack.get_store()
        entries: dict[str, FileInfo] = {}
        for rel in sktrack.list_artifacts(run_id):
            if not rel.startswith(prefix):
                continue
            head, sep, _ = rel[len(prefix) :].partition("/")
            full = prefix + head
            if sep:
                entries[full] = FileInfo(full, True, None)
            else:
                size = len(store.read_artifact(run_id, full))
                entries[full] = FileInfo(full, False, size)
        return sorted(entries.values(), key=lambda f: f.path)

    def download_artifacts(self, run_id: str, path: str, dst_path: str | None = None) -> str:
        """Copy the artifact (or folder) ``path`` under ``dst_path`` (default: a new temporary
        folder) and return its local path."""
        import tempfile

        root = Path(dst_path or tempfile.mkdtemp())
        wanted = path.strip("/")
        for rel in sktrack.list_artifacts(run_id):
            if rel == wanted or rel.startswith(f"{wanted}/") or not wanted:
                target = root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(sktrack.read_artifact(run_id, rel))
        return os.fspath(root / wanted)

    # -- registry -------------------------------------------------------------------------

    def create_model_version(self, name: str, source: str, run_id: str | None = None,
                             tags: Mapping[str, Any] | None = None, run_link: str | None = None,
                             description: str | None = None,
                             **unsupported: Any) -> ModelVersion:  # fmt: skip
        refuse_arguments("create_model_version", unsupported,
                         {"model_id": "register by the runs:/ URI of the logged model",
                          "await_creation_for": "registration is immediate"})  # fmt: skip
        mv = sktrack.registry.register_model(source, name, description=description, tags=tags)
        return to_model_version(mv)

    def get_registered_model(self, name: str) -> RegisteredModel:
        return to_registered_model(sktrack.registry.get_registered_model(name))

    def search_registered_models(self, filter_string: str | None = None,
                                 max_results: int = 100, order_by: list[str] | None = None,
                                 page_token: str | None = None) -> list[RegisteredModel]:  # fmt: skip
        refuse_arguments("search_registered_models",
                         {"order_by": order_by or None, "page_token": page_token},
                         {"order_by": "sort the list in Python",
                          "page_token": "ask for more with max_results"})  # fmt: skip
        found = sktrack.registry.search_registered_models(filter_string or "")
        return [to_registered_model(m) for m in found][:max_results]

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        return to_registered_model(sktrack.registry.rename_registered_model(name, new_name))

    def delete_registered_model(self, name: str) -> None:
        sktrack.registry.delete_registered_model(name)

    def update_registered_model(self, name: str, description: str | None = None) -> RegisteredModel:
        if description is not None:
            sktrack.registry.update_registered_model(name, description)
        return self.get_registered_model(name)

    def set_registered_model_tag(self, name: str, key: str, value: Any) -> None:
        sktrack.registry.set_registered_model_tag(name, key, value)

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        sktrack.registry.delete_registered_model_tag(name, key)

    def get_model_version(self, name: str, version: str | int) -> ModelVersion:
        return to_model_version(sktrack.registry.get_model_version(name, _version(version)))

    def get_latest_versions(self, name: str, stages: list[str] | None = None) -> list[ModelVersion]:
        found = sktrack.registry.get_latest_versions(name, stages)
        return [to_model_version(mv) for mv in found]

    def search_model_versions(self, filter_string: str | None = None, max_results: int = 10_000,
                              order_by: list[str] | None = None,
                              page_token: str | None = None) -> list[ModelVersion]:  # fmt: skip
        refuse_arguments("search_model_versions",
                         {"order_by": order_by or None, "page_token": page_token},
                         {"order_by": "sort the list in Python",
                          "page_token": "ask for more with max_results"})  # fmt: skip
        found = sktrack.registry.search_model_versions(filter_string or "")
        return [to_model_version(mv) for mv in found][:max_results]

    def update_model_version(self, name: str, version: str | int,
                             description: str | None = None) -> ModelVersion:  # fmt: skip
        if description is not None:
            sktrack.registry.update_model_version(name, _version(version), description)
        return self.get_model_version(name, version)

    def delete_model_version(self, name: str, version: str | int) -> None:
        sktrack.registry.delete_model_version(name, _version(version))

    def transition_model_version_stage(self, name: str, version: str | int, stage: str,
                                       archive_existing_versions: bool = False) -> ModelVersion:  # fmt: skip
        mv = sktrack.registry.transition_stage(
            name, _version(version), stage, archive_existing=archive_existing_versions
        )
        return to_model_version(mv)

    def set_registered_model_alias(self, name: str, alias: str, version: str | int) -> None:
        sktrack.registry.set_alias(name, alias, _version(version))

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        sktrack.registry.delete_alias(name, alias)

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        return to_model_version(sktrack.registry.get_model_version_by_alias(name, alias))

    def set_model_version_tag(self, name: str, version: str | int, key: str, value: Any) -> None:
        sktrack.registry.set_model_version_tag(name, _version(version), key, value)

    def delete_model_version_tag(self, name: str, version: str | int, key: str) -> None:
        sktrack.registry.delete_model_version_tag(name, _version(version), key)

    def get_model_version_download_uri(self, name: str, version: str | int) -> str:
        return f"models:/{name}/{_version(version)}"
