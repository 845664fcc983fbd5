"""Write a real MLflow store for the import tests, then dump what MLflow reads back from it.

Run with an interpreter that has mlflow, scikit-learn and skops installed (never sktrack's):

    python make_store.py TRACKING_URI ARTIFACT_ROOT EXPECTED_JSON [--runs N]

TRACKING_URI is ``sqlite:///...`` or a folder (MLflow's file store).  The store holds nested
runs, a 1,000-step metric history, a failed and a deleted run, artifacts, a dataset input, a
skops-serialised and a pickled scikit-learn model, and a registry with stages and aliases.
EXPECTED_JSON receives every experiment, run, param, metric point, tag and model version as
MLflow's own client returns them.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")
os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")

import mlflow  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import Metric, Param, RunTag, ViewType  # noqa: E402
from sklearn.linear_model import LinearRegression, LogisticRegression  # noqa: E402


def _location(artifact_root: str, name: str) -> str | None:
    # "-": MLflow's default place (inside the mlruns folder for the file store)
    return None if artifact_root == "-" else f"{artifact_root}/{name}"


def build(uri: str, artifact_root: str, extra_runs: int) -> None:
    mlflow.set_tracking_uri(uri)
    client = MlflowClient()
    exp_id = client.create_experiment(
        "exp-a", artifact_location=_location(artifact_root, "exp-a"), tags={"team": "pricing"}
    )
    client.set_experiment_tag(exp_id, "mlflow.note.content", "prices, by region")
    mlflow.set_experiment(experiment_id=exp_id)
    X = np.arange(40, dtype=float).reshape(20, 2)
    y = X @ np.array([1.5, -2.0]) + 0.5
    with mlflow.start_run(run_name="parent", description="the search") as parent:
        mlflow.log_params({"alpha": "0.1", "fit_intercept": True, "solver": "auto", "n": 5})
        mlflow.set_tag("stage", "dev")
        for step in range(1000):
            mlflow.log_metric(
                "loss", 1.0 / (step + 1), step=step, timestamp=1_700_000_000_000 + step
            )
        mlflow.log_metric("r2", 0.83)
        mlflow.log_metric("r2", float("nan"), step=1)
        for i in range(2):
            with mlflow.start_run(run_name=f"child-{i}", nested=True):
                mlflow.log_param("i", i)
                mlflow.log_metric("score", 0.5 + i / 10)
        tmp = tempfile.mkdtemp()
        with open(os.path.join(tmp, "notes.txt"), "w") as fh:
            fh.write("hello from mlflow\n")
        os.makedirs(os.path.join(tmp, "plots"))
        with open(os.path.join(tmp, "plots", "a.csv"), "w") as fh:
            fh.write("x,y\n1,2\n")
        mlflow.log_artifact(os.path.join(tmp, "notes.txt"))
        mlflow.log_artifacts(os.path.join(tmp, "plots"), artifact_path="plots")
        frame = pd.DataFrame(X, columns=["a", "b"]).assign(y=y)
        mlflow.log_input(mlflow.data.from_pandas(frame, name="train-set"), context="training")
        lr = LinearRegression().fit(pd.DataFrame(X, columns=["a", "b"]), y)
        skops_info = mlflow.sklearn.log_model(
            lr,
            name="model",
            serialization_format="skops",
            pip_requirements=["scikit-learn", "skops"],
            input_example=pd.DataFrame(X[:2], columns=["a", "b"]),
        )
        pickle_info = mlflow.sklearn.log_model(
            LogisticRegression().fit(X, (y > y.mean()).astype(int)),
            name="pickled",
            serialization_format="cloudpickle",
            pip_requirements=["scikit-learn"],
        )
    with mlflow.start_run(run_name="broken"):
        mlflow.log_param("alpha", "1.0")
        mlflow.set_tag("mlflow.user", "alice")
        mlflow.end_run(status="FAILED")
    with mlflow.start_run(run_name="gone") as gone:
        mlflow.log_metric("x", 1.0)
    client.delete_run(gone.info.run_id)
    other = client.create_experiment("exp-b", artifact_location=_location(artifact_root, "exp-b"))
    for i in range(extra_runs):
        run = client.create_run(other, run_name=f"bulk-{i}", tags={"kind": "bulk"})
        client.log_batch(
            run.info.run_id,
            params=[Param(f"p{j}", str(j * i)) for j in range(5)],
            metrics=[
                Metric(f"m{k}", float(k + i), 1_700_000_000_000 + s, s)
                for k in range(3)
                for s in range(10)
            ],
            tags=[RunTag("t0", "a"), RunTag("t1", str(i))],
        )
        client.set_terminated(run.info.run_id)
    dropped = client.create_experiment(
        "dropped", artifact_location=_location(artifact_root, "dropped")
    )
    client.delete_experiment(dropped)
    register(client, skops_info, pickle_info, parent.info.run_id)


def register(client: MlflowClient, skops_info, pickle_info, run_id: str) -> None:
    client.create_registered_model("prices", tags={"owner": "pricing"}, description="the model")
    v1 = client.create_model_version(
        "prices", skops_info.model_uri, run_id=run_id, tags={"k": "v"}, description="first"
    )
    client.transition_model_version_stage("prices", v1.version, "Staging")
    v2 = client.create_model_version("prices", pickle_info.model_uri, run_id=run_id)
    client.transition_model_version_stage("prices", v2.version, "Production")
    client.set_registered_model_alias("prices", "champion", v1.version)


def dump(uri: str, path: str) -> None:
    client = MlflowClient(uri)
    out = {"experiments": [], "runs": [], "versions": []}
    for exp in client.search_experiments(view_type=ViewType.ALL):
        out["experiments"].append(
            {
                "id": exp.experiment_id,
                "name": exp.name,
                "lifecycle": exp.lifecycle_stage,
                "tags": dict(exp.tags),
                "created": exp.creation_time,
            }
        )
        for run in client.search_runs(
            [exp.experiment_id], run_view_type=ViewType.ALL, max_results=50_000
        ):
            info = run.info
            out["runs"].append(
                {
                    "run_id": info.run_id,
                    "run_name": info.run_name,
                    "experiment": exp.name,
                    "status": info.status,
                    "start_time": info.start_time,
                    "end_time": info.end_time,
                    "user": info.user_id,
                    "lifecycle": info.lifecycle_stage,
                    "params": dict(run.data.params),
                    "tags": dict(run.data.tags),
                    "metrics": {
                        key: sorted(
                            [m.step, m.timestamp, m.value if m.value == m.value else "nan"]
                            for m in client.get_metric_history(info.run_id, key)
                        )
                        for key in run.data.metrics
                    },
                    "inputs": [
                        [
                            d.dataset.name,
                            d.dataset.digest,
                            {t.key: t.value for t in d.tags}.get("mlflow.data.context", ""),
                        ]
                        for d in (run.inputs.dataset_inputs or [])
                    ],
                }
            )
    for rm in client.search_registered_models():
        for mv in client.search_model_versions(f"name='{rm.name}'"):
            out["versions"].append(
                {
                    "name": mv.name,
                    "version": int(mv.version),
                    "stage": mv.current_stage,
                    "aliases": sorted(mv.aliases),
                    "run_id": mv.run_id,
                    "description": mv.description,
                    "tags": dict(mv.tags),
                    "source": mv.source,
                }
            )
    with open(path, "w") as fh:
        json.dump(out, fh, indent=1, sort_keys=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("uri")
    parser.add_argument("artifact_root")
    parser.add_argument("expected")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    build(args.uri, args.artifact_root, args.runs)
    dump(args.uri, args.expected)
