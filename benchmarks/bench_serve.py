"""Benchmark: one model served by ``sktrack serve`` and by ``mlflow models serve``, and
``sktrack predict`` over a large Parquet file.

Usage::

    python benchmarks/bench_serve.py [--threads 8] [--requests 200] [--rows 5000000]
                                     [--mlflow-python PATH | --no-mlflow]

The same Ridge model (8 float features, with a signature) is served by each server in its own
process on a free loopback port.  The load: ``--threads`` client threads, each with its own
keep-alive connection, sending ``--requests`` one-row ``dataframe_split`` requests, then the
same with 100-row requests.  Printed: requests/s, p50 and p99 per server and the ratios
(sktrack / MLflow).  Exits 1 if sktrack's one-row throughput is under 2x MLflow's or its p99
is not lower.

MLflow runs from the Python given by ``--mlflow-python`` (default: the ``mlflow`` importable
here, else ``$MLFLOW_PYTHON``); ``--no-mlflow`` skips it.  Then ``sktrack predict`` scores a
Parquet file of ``--rows`` rows in a fresh process; its peak resident memory is printed against
the file's in-memory size and checked against a fixed bound (``--memory-bound-mb``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

import sktrack

FEATURES = [f"f{i}" for i in range(8)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, process: subprocess.Popen, deadline_s: float = 120.0) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < deadline_s:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/ping")
            if conn.getresponse().status == 200:
                return time.perf_counter() - start
        except OSError:
            threading.Event().wait(0.05)
    raise SystemExit(f"server on port {port} not ready after {deadline_s} s")


def load(port: int, threads: int, requests: int, rows: int) -> dict[str, float]:
    rng = np.random.default_rng(1)
    body = json.dumps(
        {"dataframe_split": {"columns": FEATURES, "data": rng.normal(size=(rows, 8)).tolist()}}
    ).encode()
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for _ in range(requests):
            t0 = time.perf_counter()
            conn.request("POST", "/invocations", body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            data = response.read()
            mine.append(time.perf_counter() - t0)
            if response.status != 200 or len(json.loads(data)["predictions"]) != rows:
                with lock:
                    failures[0] += 1
        with lock:
            latencies.extend(mine)

    load_threads = [threading.Thread(target=client) for _ in range(threads)]
    start = time.perf_counter()
    for t in load_threads:
        t.start()
    for t in load_threads:
        t.join()
    elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))],
        "failures": failures[0],
    }


def build_model(folder: Path) -> tuple[str, pd.DataFrame, np.ndarray]:
    from sklearn.linear_model import Ridge

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(1000, 8)), columns=FEATURES)
    y = X.to_numpy() @ np.arange(1, 9) + rng.normal(size=1000)
    model = Ridge().fit(X, y)
    sktrack.set_store(folder / "store")
    with sktrack.start_run():
        sktrack.log_model(
            model, signature=sktrack.infer_signature(X), registered_model_name="ridge"
        )
    sktrack.registry.set_alias("ridge", "champion", 1)
    return str(folder / "store"), X, y


def run_server(command: list[str], port: int, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def measure(name: str, command: list[str], port: int, env: dict[str, str], args) -> dict:
    process = run_server(command, port, env)
    try:
        startup = wait_ready(port, process)
        load(port, 2, 20, 1)  # warm up
        one = load(port, args.threads, args.requests, 1)
        hundred = load(port, args.threads, max(args.requests // 4, 1), 100)
    finally:
        process.terminate()
        process.wait(30)
    print(
        f"{name:>8}: up in {startup:5.1f} s | 1-row: {one['rps']:7.0f} req/s, p50 "
        f"{one['p50_ms']:6.1f} ms, p99 {one['p99_ms']:6.1f} ms | 100-row: {hundred['rps']:6.0f} "
        f"req/s, p99 {hundred['p99_ms']:6.1f} ms | failed {one['failures'] + hundred['failures']}"
    )
    return {"one": one, "hundred": hundred}


def mlflow_python(args) -> str | None:
    if args.no_mlflow:
        return None
    if args.mlflow_python:
        return args.mlflow_python
    try:
        import mlflow  # noqa: F401

        return sys.executable
    except ImportError:
        return os.environ.get("MLFLOW_PYTHON")


def mlflow_command(python: str, X: pd.DataFrame, y: np.ndarray, folder: Path, port: int):
    """Fit the same Ridge on the same data in MLflow's Python, save it with a signature, and
    return the command that serves it."""
    np.save(folder / "X.npy", X.to_numpy())
    np.save(folder / "y.npy", y)
    save = (
        "import mlflow, numpy as np, pandas as pd\n"
        "from sklearn.linear_model import Ridge\n"
        "from mlflow.models import infer_signature\n"
        f"X = pd.DataFrame(np.load({str(folder / 'X.npy')!r}), columns={FEATURES!r})\n"
        f"m = Ridge().fit(X, np.load({str(folder / 'y.npy')!r}))\n"
        f"mlflow.sklearn.save_model(m, {str(folder / 'mlflow-model')!r}, "
        "signature=infer_signature(X, m.predict(X)))\n"
    )
    subprocess.run([python, "-c", save], check=True, capture_output=True)
    mlflow_bin = str(Path(python).parent / "mlflow")
    return [
        mlflow_bin, "models", "serve", "-m", str(folder / "mlflow-model"),
        "--env-manager", "local", "-p", str(port), "-h", "127.0.0.1",
    ]  # fmt: skip


def _write_parquet(path: Path, rows: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(2)
    schema = pa.schema([(f, pa.float64()) for f in FEATURES])
    with pq.ParquetWriter(path, schema) as writer:
        for start in range(0, rows, 500_000):
            n = min(500_000, rows - start)
            writer.write_table(pa.table({f: rng.normal(size=n) for f in FEATURES}, schema=schema))


def _peak_predict(store: str, source: Path, output: Path, env) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of ``sktrack predict`` in a fresh process."""
    command = [
        sys.executable, "-m", "sktrack", "--store", store, "predict", "models:/ridge@champion",
        "--input", str(source), "--output", str(output), "--quiet",
    ]  # fmt: skip
    script = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "subprocess.run(sys.argv[1:], check=True)\n"
        "print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, *command], env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    seconds, peak_kb = done.stdout.split()[-2:]
    return float(seconds), int(peak_kb) / 1024


def bench_predict(store: str, folder: Path, rows: int, bound_mb: float, env) -> bool:
    import pyarrow.parquet as pq

    small, source = folder / "small.parquet", folder / "big.parquet"
    _write_parquet(small, 10_000)
    _write_parquet(source, rows)
    output = folder / "predictions.parquet"
    _, base_mb = _peak_predict(store, small, folder / "small-out.parquet", env)
    seconds, peak_mb = _peak_predict(store, source, output, env)
    in_memory_mb = rows * len(FEATURES) * 8 / 2**20
    written = pq.ParquetFile(output).metadata.num_rows
    ok = peak_mb <= bound_mb and written == rows
    print(
        f" predict: {rows} rows ({in_memory_mb:.0f} MB as floats in memory, "
        f"{source.stat().st_size / 2**20:.0f} MB on disk) in {seconds:.1f} s, "
        f"{rows / seconds:,.0f} rows/s; peak RSS {peak_mb:.0f} MB vs {base_mb:.0f} MB for "
        f"10,000 rows (bound {bound_mb:.0f} MB: {'ok' if ok else 'OVER'}); "
        f"{written} predictions written"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--requests", type=int, default=200, help="one-row requests per thread")
    parser.add_argument("--rows", type=int, default=5_000_000, help="rows for sktrack predict")
    parser.add_argument("--memory-bound-mb", type=float, default=600.0)
    parser.add_argument("--mlflow-python", default=None)
    parser.add_argument("--no-mlflow", action="store_true")
    parser.add_argument("--no-predict", action="store_true")
    parser.add_argument(
        "--no-batching", action="store_true", help="serve with --no-batching (to compare)"
    )
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="bench-serve-"))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    try:
        store, X, y = build_model(folder)
        port = free_port()
        command = [
            sys.executable, "-m", "sktrack", "--store", store, "serve",
            "models:/ridge@champion", "--port", str(port),
        ] + (["--no-batching"] if args.no_batching else [])  # fmt: skip
        ours = measure("sktrack", command, port, env, args)
        ok = ours["one"]["failures"] == 0
        python = mlflow_python(args)
        if python is not None:
            port = free_port()
            mlflow_env = {**env, "PATH": f"{Path(python).parent}{os.pathsep}{env['PATH']}"}
            mlflow_env.pop("PYTHONPATH")
            theirs = measure("mlflow", mlflow_command(python, X, y, folder, port), port,
                             mlflow_env, args)  # fmt: skip
            for load_name in ("one", "hundred"):
                a, b = ours[load_name], theirs[load_name]
                print(
                    f"   ratio ({'1-row' if load_name == 'one' else '100-row'}): throughput "
                    f"{a['rps'] / b['rps']:.1f}x MLflow, p99 {a['p99_ms'] / b['p99_ms']:.2f}x"
                )
            one_a, one_b = ours["one"], theirs["one"]
            ok = ok and one_a["rps"] >= 2 * one_b["rps"] and one_a["p99_ms"] < one_b["p99_ms"]
        else:
            print("   (MLflow not run: --no-mlflow, or no mlflow importable / $MLFLOW_PYTHON)")
        if not args.no_predict:
            ok = bench_predict(store, folder, args.rows, args.memory_bound_mb, env) and ok
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
