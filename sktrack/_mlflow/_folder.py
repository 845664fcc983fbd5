"""Reading MLflow's file store (an ``mlruns/`` folder) as plain files.

Layout, as MLflow 1.x to 3.17 writes it::

    mlruns/<experiment_id>/meta.yaml                  an experiment (deleted ones in .trash/)
    mlruns/<experiment_id>/tags/<key>                 its tags, one file each
    mlruns/<experiment_id>/<run_id>/meta.yaml         a run
    mlruns/<experiment_id>/<run_id>/params/<key>      the value
    mlruns/<experiment_id>/<run_id>/tags/<key>        the value
    mlruns/<experiment_id>/<run_id>/metrics/<key>     "timestamp value step" per line
    mlruns/<experiment_id>/<run_id>/inputs/<id>/meta.yaml    a dataset input
    mlruns/<experiment_id>/datasets/<id>/meta.yaml           the dataset
    mlruns/<experiment_id>/models/<model_id>/meta.yaml       an MLflow 3 logged model
    mlruns/models/<name>/meta.yaml, version-<n>/meta.yaml    the registry

Keys holding ``/`` are nested folders.  The ``meta.yaml`` files are read with PyYAML (the
``mlflow`` extra), with its safe loader.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..exceptions import StoreError
from ._records import (
    MlflowDataset,
    MlflowExperiment,
    MlflowLoggedModel,
    MlflowModelVersion,
    MlflowRegisteredModel,
    MlflowRun,
)

__all__ = ["FolderSource", "read_yaml"]

_STATUS = {1: "RUNNING", 2: "SCHEDULED", 3: "FINISHED", 4: "FAILED", 5: "KILLED"}
_NOT_RUNS = {"tags", "datasets", "models", "traces"}


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML file MLflow wrote, read with the safe loader (plain data, never objects)."""
    try:
        import yaml
    except ImportError:  # pragma: no cover - PyYAML comes with the mlflow extra
        raise StoreError(
            "reading an mlruns folder needs PyYAML: pip install 'sktrack[mlflow]'"
        ) from None
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise StoreError(f"MLflow file {path} cannot be read: {exc}") from None
    return doc if isinstance(doc, dict) else {}


def _key_files(folder: Path) -> dict[str, str]:
    """``{key: file text}`` for every file below ``folder`` (keys with ``/`` are nested)."""
    out: dict[str, str] = {}
    if not folder.is_dir():
        return out
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = Path(root) / name
            out[path.relative_to(folder).as_posix()] = path.read_text(encoding="utf-8")
    return out


def _ms(value: Any) -> int:
    return int(value) if value not in (None, "") else 0


class FolderSource:
    """An MLflow ``mlruns/`` folder."""

    def __init__(self, path: Path) -> None:
        if not path.is_dir():
            raise StoreError(f"MLflow folder {path} does not exist")
        if not any((d / "meta.yaml").is_file() for d in self._experiment_dirs(path)):
            raise StoreError(
                f"{path} holds no MLflow experiment (no <id>/meta.yaml); point at the mlruns folder"
            )
        self.path = path

    def close(self) -> None:
        pass

    def describe(self) -> str:
        return str(self.path)

    @staticmethod
    def _experiment_dirs(root: Path) -> list[Path]:
        dirs = [d for d in root.iterdir() if d.is_dir() and d.name not in (".trash", "models")]
        trash = root / ".trash"
        if trash.is_dir():
            dirs += [d for d in trash.iterdir() if d.is_dir()]
        return sorted(dirs)

    def experiments(self) -> list[MlflowExperiment]:
        out = []
        for folder in self._experiment_dirs(self.path):
            if not (folder / "meta.yaml").is_file():
                continue
            meta = read_yaml(folder / "meta.yaml")
            deleted = folder.parent.name == ".trash"
            out.append(
                MlflowExperiment(
                    experiment_id=str(meta.get("experiment_id", folder.name)),
                    name=str(meta.get("name", folder.name)),
                    lifecycle="deleted" if deleted else meta.get("lifecycle_stage") or "active",
                    created_at=_ms(meta.get("creation_time")),
                    artifact_location=str(meta.get("artifact_location") or ""),
                    tags=_key_files(folder / "tags"),
                )
            )
        return out

    def _run_dirs(self) -> Iterator[tuple[Path, Path]]:
        for exp in self._experiment_dirs(self.path):
            for run in sorted(exp.iterdir()):
                if run.is_dir() and run.name not in _NOT_RUNS and (run / "meta.yaml").is_file():
                    yield exp, run

    def runs(self) -> Iterator[MlflowRun]:
        for exp, folder in self._run_dirs():
            meta = read_yaml(folder / "meta.yaml")
            status = meta.get("status", 3)
            yield MlflowRun(
                run_id=str(meta.get("run_id") or meta.get("run_uuid") or folder.name),
                experiment_id=str(meta.get("experiment_id", exp.name)),
                name=str(meta.get("run_name") or meta.get("name") or ""),
                status=_STATUS.get(status, str(status)) if isinstance(status, int) else str(status),
                start_time=_ms(meta.get("start_time")),
                end_time=meta.get("end_time"),
                user=str(meta.get("user_id") or ""),
                lifecycle=str(meta.get("lifecycle_stage") or "active"),
                artifact_uri=str(meta.get("artifact_uri") or ""),
                params=_key_files(folder / "params"),
                tags=_key_files(folder / "tags"),
                metrics=self._metrics(folder / "metrics"),
                datasets=self._datasets(exp, folder),
            )

    @staticmethod
    def _metrics(folder: Path) -> list[tuple[str, float, int, int]]:
        out = []
        for key, text in _key_files(folder).items():
            for line in text.splitlines():
                parts = line.split()
                if len(parts) < 2:
                    continue
                step = int(parts[2]) if len(parts) > 2 else 0
                out.append((key, float(parts[1]), step, int(parts[0])))
        return out

    @staticmethod
    def _datasets(exp: Path, run: Path) -> list[MlflowDataset]:
        out = []
        inputs = run / "inputs"
        for meta_path in sorted(inputs.glob("*/meta.yaml")) if inputs.is_dir() else []:
            meta = read_yaml(meta_path)
            if meta.get("source_type") != "DATASET":
                continue
            dataset = exp / "datasets" / str(meta.get("source_id")) / "meta.yaml"
            if not dataset.is_file():
                continue
            info = read_yaml(dataset)
            context = (meta.get("tags") or {}).get("mlflow.data.context", "")
            out.append(MlflowDataset(str(info.get("name")), str(info.get("digest")), context))
        return out

    def logged_models(self) -> list[MlflowLoggedModel]:
        out = []
        for exp in self._experiment_dirs(self.path):
            for meta_path in sorted((exp / "models").glob("*/meta.yaml")):
                meta = read_yaml(meta_path)
                out.append(
                    MlflowLoggedModel(
                        model_id=str(meta.get("model_id", meta_path.parent.name)),
                        name=str(meta.get("name") or ""),
                        run_id=meta.get("source_run_id"),
                        artifact_location=str(meta.get("artifact_location") or ""),
                        lifecycle=str(meta.get("lifecycle_stage") or "active"),
                    )
                )
        return out

    def registered_models(self) -> list[MlflowRegisteredModel]:
        root = self.path / "models"
        out = []
        for folder in sorted(root.iterdir()) if root.is_dir() else []:
            if not (folder / "meta.yaml").is_file():
                continue
            meta = read_yaml(folder / "meta.yaml")
            aliases = {str(k): int(v) for k, v in (meta.get("aliases") or {}).items()}
            aliases.update({k: int(v) for k, v in _key_files(folder / "aliases").items()})
            out.append(
                MlflowRegisteredModel(
                    name=str(meta.get("name", folder.name)),
                    created_at=_ms(meta.get("creation_timestamp")),
                    description=str(meta.get("description") or ""),
                    tags=_key_files(folder / "tags"),
                    aliases=aliases,
                    versions=self._versions(folder),
                )
            )
        return out

    @staticmethod
    def _versions(folder: Path) -> list[MlflowModelVersion]:
        out = []
        for vdir in folder.glob("version-*"):
            meta = read_yaml(vdir / "meta.yaml") if (vdir / "meta.yaml").is_file() else {}
            if not meta or meta.get("current_stage") == "Deleted_Internal":
                continue
            out.append(
                MlflowModelVersion(
                    name=str(meta.get("name", folder.name)),
                    version=int(meta.get("version", vdir.name.split("-", 1)[1])),
                    created_at=_ms(meta.get("creation_timestamp")),
                    description=str(meta.get("description") or ""),
                    stage=str(meta.get("current_stage") or "None"),
                    source=str(meta.get("source") or ""),
                    run_id=meta.get("run_id"),
                    storage_location=str(meta.get("storage_location") or ""),
                    tags=_key_files(vdir / "tags"),
                )
            )
        return sorted(out, key=lambda v: v.version)
