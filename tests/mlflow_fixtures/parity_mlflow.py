"""Run the search cases of ``parity_cases.py`` against real MLflow and write its answers.

Run with an interpreter that has MLflow (never sktrack's):

    python parity_mlflow.py TRACKING_URI OUT_JSON

OUT_JSON receives, per case, the labels MLflow returns (sorted unless the case orders them) or
``"error: ..."``; per refused filter and per extension, whether MLflow refuses it.
"""

from __future__ import annotations

import json
import os
import sys
import warnings

warnings.filterwarnings("ignore")
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
os.environ.setdefault("DO_NOT_TRACK", "true")

import mlflow  # noqa: E402
from mlflow import MlflowClient  # noqa: E402
from mlflow.entities import Dataset, DatasetInput, InputTag, Param, RunTag, ViewType  # noqa: E402
from parity_cases import CASES, EXTENSIONS, REFUSED, SCENARIOS  # noqa: E402


def build(client: MlflowClient) -> dict[str, tuple[list[str], dict[str, object]]]:
    built = {}
    for name, runs in SCENARIOS.items():
        experiments: dict[str, str] = {}
        ids = {}
        for run in runs:
            exp = run["experiment"]
            if exp not in experiments:
                experiments[exp] = client.create_experiment(f"{name}/{exp}")
            info = client.create_run(
                experiments[exp], run_name=run["label"], tags={"mlflow.user": "parity"}
            ).info
            client.log_batch(
                info.run_id,
                params=[Param(k, v) for k, v in run["params"].items()],
                tags=[RunTag(k, v) for k, v in run["tags"].items()],
            )
            for key, value, timestamp, step in run["metrics"]:
                client.log_metric(info.run_id, key, value, timestamp=timestamp, step=step)
            inputs = [
                DatasetInput(
                    Dataset(name=n, digest=d, source_type="local", source="here"),
                    tags=[InputTag("mlflow.data.context", c)] if c else [],
                )
                for n, d, c in run["datasets"]
            ]
            if inputs:
                client.log_inputs(info.run_id, datasets=inputs)
            if run["status"] != "RUNNING":
                client.set_terminated(info.run_id, run["status"])
            ids[run["label"]] = client.get_run(info.run_id)
        built[name] = (list(experiments.values()), ids)
    return built


def filled(text: str, runs: dict[str, object]) -> str:
    for label, run in runs.items():
        uri, run_id = run.info.artifact_uri, run.info.run_id
        text = text.replace(f"{{uri:{label}}}", uri).replace(f"{{URI:{label}}}", uri.upper())
        text = text.replace(f"{{id:{label}}}", run_id).replace(f"{{ID:{label}}}", run_id.upper())
    return text


def search(client, built, scenario, filter_string, order_by):
    experiments, runs = built[scenario]
    try:
        found = client.search_runs(
            experiments, filled(filter_string, runs), ViewType.ACTIVE_ONLY, order_by=order_by
        )
    except Exception as exc:  # MLflow's refusal, whatever its class
        return f"error: {exc}"
    labels = [r.info.run_name for r in found]
    return labels if order_by else sorted(labels)


def refuses(client, experiments, filter_string) -> bool:
    try:
        client.search_runs(experiments, filter_string)
    except Exception:
        return True
    return False


def main(uri: str, out: str) -> None:
    mlflow.set_tracking_uri(uri)
    client = MlflowClient()
    built = build(client)
    everything = [e for experiments, _ in built.values() for e in experiments]
    answers = {
        "cases": [search(client, built, s, f, o) for s, f, o, _, _ in CASES],
        "refused": [refuses(client, everything, f) for f, _ in REFUSED],
        "extensions": [refuses(client, everything, f) for _, f, _, _ in EXTENSIONS],
    }
    with open(out, "w") as fh:
        json.dump(answers, fh, indent=1)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
