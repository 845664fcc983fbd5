"""Importing an MLflow sqlite store vs MLflow reading the same runs back with its own client.

The store: N runs (default 10,000) of 5 params, 3 metrics with 10-step histories and 2 tags.
MLflow creates the database and one experiment; the runs' rows are then written with SQL in
MLflow's own schema (creating 10,000 runs through MLflow's client would take minutes here).
Both sides run in one go, with MLflow in the interpreter given by ``--mlflow-python``:

- MLflow: ``search_runs`` over the experiment (params, tags, latest metrics), then
  ``get_metric_history`` for every run and metric, i.e. everything the import reads.
- sktrack: ``import_mlflow`` into a new store (compaction at the end included).

    python benchmarks/bench_import.py --mlflow-python /tmp/venv-mlflow/bin/python
    python benchmarks/bench_import.py --runs 1000 --no-mlflow      # sktrack alone
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUILD = r"""
import os, sqlite3, sys, uuid, warnings
warnings.filterwarnings("ignore")
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
import mlflow
from mlflow import MlflowClient
db, artifacts, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
client = MlflowClient(f"sqlite:///{db}")
exp = client.create_experiment("bench", artifact_location=artifacts)
run = client.create_run(exp)  # MLflow fills in every column; the others copy its shape
client.set_terminated(run.info.run_id)
con = sqlite3.connect(db)
base = con.execute("select * from runs where run_uuid = ?", (run.info.run_id,)).fetchone()
cols = [c[1] for c in con.execute("pragma table_info(runs)")]
runs, params, tags, metrics, latest = [], [], [], [], []
t0 = 1_700_000_000_000
for i in range(n):
    rid = uuid.uuid4().hex
    row = dict(zip(cols, base))
    row.update(run_uuid=rid, name=f"run-{i}", start_time=t0 + i, end_time=t0 + i + 5,
               artifact_uri=f"{artifacts}/{rid}/artifacts")
    runs.append(tuple(row[c] for c in cols))
    params += [(f"p{j}", str((i * 31 + j) % 97 / 10), rid) for j in range(5)]
    tags += [("team", "x", rid), ("mlflow.runName", f"run-{i}", rid)]
    for k in range(3):
        for s in range(10):
            metrics.append((f"m{k}", (i + k + s) / 7, t0 + s, rid, s, 0))
        latest.append((f"m{k}", (i + k + 9) / 7, t0 + 9, 9, 0, rid))
q = ",".join("?" * len(cols))
con.executemany(f"insert into runs ({','.join(cols)}) values ({q})", runs)
con.executemany("insert into params (key, value, run_uuid) values (?, ?, ?)", params)
con.executemany("insert into tags (key, value, run_uuid) values (?, ?, ?)", tags)
con.executemany("insert into metrics (key, value, timestamp, run_uuid, step, is_nan) values (?, ?, ?, ?, ?, ?)", metrics)
con.executemany("insert into latest_metrics (key, value, timestamp, step, is_nan, run_uuid) values (?, ?, ?, ?, ?, ?)", latest)
con.commit()
print(exp)
"""

READ = r"""
import json, os, sys, time, warnings
warnings.filterwarnings("ignore")
os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true"
from mlflow import MlflowClient
from mlflow.entities import ViewType
client = MlflowClient(f"sqlite:///{sys.argv[1]}")
t = time.perf_counter()
runs, token = [], None
while True:
    page = client.search_runs([sys.argv[2]], run_view_type=ViewType.ALL, max_results=50000,
                              page_token=token)
    runs += page
    token = page.token
    if not token:
        break
search = time.perf_counter() - t
points = sum(len(client.get_metric_history(r.info.run_id, k)) for r in runs for k in r.data.metrics)
print(json.dumps({"runs": len(runs), "points": points, "search_s": search,
                  "total_s": time.perf_counter() - t}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--mlflow-python", default="/tmp/venv-mlflow/bin/python")
    parser.add_argument("--no-mlflow", action="store_true", help="time sktrack's import only")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-import-"))
    db = work / "mlflow.db"
    # the store itself needs MLflow to be made, even when only sktrack is timed
    exp = subprocess.run(
        [args.mlflow_python, "-c", BUILD, str(db), str(work / "artifacts"), str(args.runs)],
        check=True, capture_output=True, text=True,
    ).stdout.split()[-1]  # fmt: skip
    print(f"MLflow sqlite store: {args.runs} runs x (5 params, 3 metrics x 10 steps, 2 tags)")

    import sktrack

    t = time.perf_counter()
    report = sktrack.import_mlflow(f"sqlite:///{db}", store=work / "sktrack-store")
    ours = time.perf_counter() - t
    print(f"sktrack import_mlflow: {ours:8.2f} s  ({report.runs} runs, {report.records} records)")
    if args.no_mlflow:
        return
    out = subprocess.run(
        [args.mlflow_python, "-c", READ, str(db), exp], check=True, capture_output=True, text=True
    ).stdout
    theirs = json.loads(out.strip().splitlines()[-1])
    print(
        f"MLflow client read:    {theirs['total_s']:8.2f} s  ({theirs['runs']} runs, "
        f"{theirs['points']} metric points; search_runs alone {theirs['search_s']:.2f} s)"
    )
    print(f"ratio import / MLflow read: {ours / theirs['total_s']:.2f}x (target <= 2x)")


if __name__ == "__main__":
    sys.exit(main())
