"""Reading MLflow's sqlite store with the standard library's `sqlite3`, read-only.

The tables read (``experiments``, ``runs``, ``params``, ``tags``, ``metrics``, ``inputs``,
``datasets``, ``logged_models``, the registry's five tables) have kept their columns from
MLflow 2.x to 3.17; the tables a version does not have (``logged_models`` before 3.0, the
registry in a store that never used it) read as empty.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
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

__all__ = ["SqliteSource"]


class SqliteSource:
    """An MLflow sqlite database (``sqlite:///path/to/mlflow.db``)."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise StoreError(f"MLflow database {path} does not exist; check the sqlite:/// URI")
        self.path = path
        # immutable=0, mode=ro: never write to the user's MLflow store
        self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        self._tables = {
            r[0] for r in self._db.execute("select name from sqlite_master where type='table'")
        }
        if "runs" not in self._tables or "experiments" not in self._tables:
            self._db.close()
            raise StoreError(f"{path} is an sqlite file but not an MLflow tracking database")

    def close(self) -> None:
        self._db.close()

    def describe(self) -> str:
        return f"sqlite:///{self.path}"

    def _rows(self, sql: str, table: str) -> list[tuple[Any, ...]]:
        if table not in self._tables:
            return []
        return self._db.execute(sql).fetchall()

    def experiments(self) -> list[MlflowExperiment]:
        tags: dict[str, dict[str, str]] = defaultdict(dict)
        for key, value, exp_id in self._rows(
            "select key, value, experiment_id from experiment_tags", "experiment_tags"
        ):
            tags[str(exp_id)][key] = value or ""
        rows = self._rows(
            "select experiment_id, name, lifecycle_stage, creation_time, artifact_location "
            "from experiments order by experiment_id",
            "experiments",
        )
        return [
            MlflowExperiment(str(i), n, life or "active", created or 0, loc or "", tags[str(i)])
            for i, n, life, created, loc in rows
        ]

    def runs(self) -> Iterator[MlflowRun]:
        params = self._by_run("select run_uuid, key, value from params", "params")
        tags = self._by_run("select run_uuid, key, value from tags", "tags")
        metrics: dict[str, list[tuple[str, float, int, int]]] = defaultdict(list)
        for run_id, key, value, step, ts, is_nan in self._rows(
            "select run_uuid, key, value, step, timestamp, is_nan from metrics", "metrics"
        ):
            metrics[run_id].append((key, float("nan") if is_nan else value, step, ts))
        datasets = self._datasets()
        rows = self._rows(
            "select run_uuid, experiment_id, name, status, start_time, end_time, user_id, "
            "lifecycle_stage, artifact_uri from runs order by start_time, run_uuid",
            "runs",
        )
        for run_id, exp_id, name, status, start, end, user, life, uri in rows:
            yield MlflowRun(
                run_id=run_id, experiment_id=str(exp_id), name=name or "", status=status,
                start_time=start or 0, end_time=end, user=user or "",
                lifecycle=life or "active", artifact_uri=uri or "",
                params=dict(params[run_id]), tags=dict(tags[run_id]),
                metrics=metrics[run_id], datasets=datasets[run_id],
            )  # fmt: skip

    def _by_run(self, sql: str, table: str) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = defaultdict(dict)
        for run_id, key, value in self._rows(sql, table):
            out[run_id][key] = value if value is not None else ""
        return out

    def _datasets(self) -> dict[str, list[MlflowDataset]]:
        out: dict[str, list[MlflowDataset]] = defaultdict(list)
        if not {"inputs", "datasets"} <= self._tables:
            return out
        context = {
            uuid: value
            for uuid, value in self._rows(
                "select input_uuid, value from input_tags where name = 'mlflow.data.context'",
                "input_tags",
            )
        }
        rows = self._rows(
            "select i.destination_id, i.input_uuid, d.name, d.digest from inputs i "
            "join datasets d on d.dataset_uuid = i.source_id "
            "where i.source_type = 'DATASET' and i.destination_type = 'RUN'",
            "inputs",
        )
        for run_id, input_id, name, digest in rows:
            out[run_id].append(MlflowDataset(name, digest, context.get(input_id, "")))
        return out

    def logged_models(self) -> list[MlflowLoggedModel]:
        rows = self._rows(
            "select model_id, name, source_run_id, artifact_location, lifecycle_stage "
            "from logged_models",
            "logged_models",
        )
        return [MlflowLoggedModel(i, n, r, loc, life or "active") for i, n, r, loc, life in rows]

    def registered_models(self) -> list[MlflowRegisteredModel]:
        tags: dict[str, dict[str, str]] = defaultdict(dict)
        for key, value, name in self._rows(
            "select key, value, name from registered_model_tags", "registered_model_tags"
        ):
            tags[name][key] = value or ""
        aliases: dict[str, dict[str, int]] = defaultdict(dict)
        for alias, version, name in self._rows(
            "select alias, version, name from registered_model_aliases",
            "registered_model_aliases",
        ):
            aliases[name][alias] = int(version)
        versions = self._versions()
        return [
            MlflowRegisteredModel(n, created or 0, desc or "", tags[n], aliases[n], versions[n])
            for n, created, desc in self._rows(
                "select name, creation_time, description from registered_models order by name",
                "registered_models",
            )
        ]

    def _versions(self) -> dict[str, list[MlflowModelVersion]]:
        tags: dict[tuple[str, int], dict[str, str]] = defaultdict(dict)
        for key, value, name, version in self._rows(
            "select key, value, name, version from model_version_tags", "model_version_tags"
        ):
            tags[name, int(version)][key] = value or ""
        out: dict[str, list[MlflowModelVersion]] = defaultdict(list)
        for name, version, created, desc, stage, source, run_id, storage, status in self._rows(
            "select name, version, creation_time, description, current_stage, source, run_id, "
            "storage_location, status from model_versions order by name, version",
            "model_versions",
        ):
            if stage == "Deleted_Internal" or status not in (None, "READY"):
                continue  # deleted, or its creation never finished
            out[name].append(
                MlflowModelVersion(
                    name,
                    int(version),
                    created or 0,
                    desc or "",
                    stage or "None",
                    source or "",
                    run_id,
                    storage or "",
                    tags[name, int(version)],
                )
            )
        return out
