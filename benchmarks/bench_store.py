"""Store throughput: creating runs, searching them, logging metrics — sktrack vs MLflow.

The same workload both ways, in one process: N runs of 5 params, 3 metrics and 2 tags, then a
filtered, ordered search, then ``log_metric`` in a loop.  MLflow (sqlite store, ``log_batch``)
runs only when it is importable, at the sizes given by ``--mlflow-sizes``.

    python benchmarks/bench_store.py                       # 1k, 10k, 100k runs
    python benchmarks/bench_store.py --sizes 1000 --mlflow-sizes 1000

Then the cost of each durability level (``SKTRACK_DURABILITY``, docs/store.md) in the same
process: ``--durability-runs`` runs created and ``--metric-calls`` ``log_metric`` calls (of
which ``always`` makes a tenth: each one is fsynced), each level in a fresh store, as a ratio
against ``process``; ``--durability-runs 0`` leaves it out.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import warnings
from pathlib import Path

FILTER = "metrics.m1 > 0.5 and params.kind = 'a'"
ORDER = ["metrics.m2 DESC"]


def _workload(i: int) -> tuple[dict, dict, dict]:
    params = {
        "alpha": (i % 100) / 100,
        "depth": i % 7,
        "kind": "ab"[i % 2],
        "flag": i % 3 == 0,
        "seed": i,
    }
    metrics = {"m1": (i * 7919 % 1000) / 1000, "m2": (i * 104729 % 1000) / 1000, "m3": i / 10}
    tags = {"team": "x", "batch": str(i // 100)}
    return params, metrics, tags


def sktrack_create(location: str, n: int) -> float:
    import sktrack

    sktrack.set_store(location)
    sktrack.set_experiment("bench")
    start = time.perf_counter()
    for i in range(n):
        params, metrics, tags = _workload(i)
        with sktrack.start_run(run_name=f"r{i}") as run:
            run.log_params(params)
            run.log_metrics(metrics)
            run.set_tags(tags)
    elapsed = time.perf_counter() - start
    sktrack.get_store().wait_for_compaction()
    return n / elapsed


def sktrack_search(location: str) -> tuple[float, float, int]:
    """Seconds for the first search by a fresh reader (cold caches), then a repeat (warm)."""
    import sktrack
    from sktrack._store import LocalFileSystem, Store

    store = sktrack.set_store(Store(LocalFileSystem(location)))
    sktrack.set_experiment("bench")
    start = time.perf_counter()
    df = sktrack.search_runs(filter_string=FILTER, order_by=ORDER, max_results=100)
    cold = time.perf_counter() - start
    warm = _median_time(
        lambda: sktrack.search_runs(filter_string=FILTER, order_by=ORDER, max_results=100)
    )
    del store
    return cold, warm, len(df)


def sktrack_log_metric_rate(location: str, calls: int) -> float:
    import sktrack

    sktrack.set_store(location)
    with sktrack.start_run(run_name="metric-loop"):
        start = time.perf_counter()
        for i in range(calls):
            sktrack.log_metric("loss", 1.0 / (i + 1), step=i)
        elapsed = time.perf_counter() - start
    return calls / elapsed


LEVELS = ("process", "run", "always")


def fsync_ms(folder: Path, n: int = 50) -> float:
    """The median time of one fsync of a small append on this disk, now (the unit that the
    durability levels cost: the issue's budget assumes about 0.3 ms)."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / "fsync-probe", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    times = []
    try:
        for _ in range(n):
            os.write(fd, b"x" * 200)
            start = time.perf_counter()
            os.fsync(fd)
            times.append((time.perf_counter() - start) * 1000)
    finally:
        os.close(fd)
    return statistics.median(times)


def durability_costs(tmp: str, runs: int, calls: int) -> None:
    """Runs created per second and log_metric calls per second at each level, in rounds (the
    levels interleaved, so a shared machine's noise falls on all), as ratios to ``process``."""
    create: dict[str, list[float]] = {level: [] for level in LEVELS}
    metric: dict[str, list[float]] = {level: [] for level in LEVELS}
    previous = os.environ.get("SKTRACK_DURABILITY")
    fsync = fsync_ms(Path(tmp) / "probe")
    try:
        for round_ in range(5):
            for level in LEVELS:
                os.environ["SKTRACK_DURABILITY"] = level  # read when a store is first opened
                where = Path(tmp) / f"durability-{level}-{round_}"
                create[level].append(sktrack_create(str(where / "runs"), runs))
                n = calls // 10 if level == "always" else calls
                metric[level].append(sktrack_log_metric_rate(str(where / "metrics"), n))
    finally:
        if previous is None:
            os.environ.pop("SKTRACK_DURABILITY", None)
        else:
            os.environ["SKTRACK_DURABILITY"] = previous
    fsync = statistics.median([fsync, fsync_ms(Path(tmp) / "probe")])
    base_c, base_m = statistics.median(create["process"]), statistics.median(metric["process"])
    print(
        f"\ndurability ({runs} runs, log_metric loop; median of 5 rounds; ratio = time vs process)"
    )
    print(f"one fsync on this disk meanwhile: {fsync:.3f} ms (median, before and after)")
    print(
        f"{'level':>8} {'create/s':>10} {'ms/run':>8} {'ratio':>6} {'log_metric/s':>13} {'ratio':>6}"
    )
    for level in LEVELS:
        c, m = statistics.median(create[level]), statistics.median(metric[level])
        print(
            f"{level:>8} {c:>10.0f} {1000 / c:>8.3f} {base_c / c:>5.2f}x {m:>13,.0f} {base_m / m:>5.2f}x"
        )


def _median_time(fn, repeats: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def mlflow_create(folder: str, n: int):  # type: ignore[no-untyped-def]
    import mlflow
    from mlflow.entities import Metric, Param, RunTag
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{folder}/mlflow.db"
    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)
    exp = client.create_experiment("bench")
    start = time.perf_counter()
    for i in range(n):
        params, metrics, tags = _workload(i)
        run = client.create_run(exp, run_name=f"r{i}")
        now = int(time.time() * 1000)
        client.log_batch(
            run.info.run_id,
            metrics=[Metric(k, v, now, 0) for k, v in metrics.items()],
            params=[Param(k, str(v)) for k, v in params.items()],
            tags=[RunTag(k, v) for k, v in tags.items()],
        )
        client.set_terminated(run.info.run_id)
    return n / (time.perf_counter() - start), client, exp


def mlflow_search(client, exp) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    def search():  # type: ignore[no-untyped-def]
        return client.search_runs([exp], filter_string=FILTER, order_by=ORDER, max_results=100)

    runs = search()
    return _median_time(search, 3), len(runs)


def mlflow_log_metric_rate(client, exp, calls: int) -> float:  # type: ignore[no-untyped-def]
    run = client.create_run(exp)
    start = time.perf_counter()
    for i in range(calls):
        client.log_metric(run.info.run_id, "loss", 1.0 / (i + 1), step=i)
    return calls / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 100_000])
    parser.add_argument("--mlflow-sizes", type=int, nargs="*", default=[1_000, 10_000])
    parser.add_argument("--metric-calls", type=int, default=20_000)
    parser.add_argument("--durability-runs", type=int, default=1_000)
    args = parser.parse_args()
    try:
        import mlflow  # noqa: F401

        have_mlflow = True
    except ImportError:
        have_mlflow = False
        print("MLflow is not installed: sktrack figures only (pip install mlflow to compare)")

    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        print(
            f"{'runs':>8} {'create/s':>10} {'search cold':>12} {'search warm':>12} {'hits':>5}  MLflow: create/s  search   ratios"
        )
        for n in args.sizes:
            location = str(Path(tmp) / f"sk-{n}")
            rate = sktrack_create(location, n)
            cold, warm, hits = sktrack_search(location)
            line = f"{n:>8} {rate:>10.0f} {cold * 1000:>10.1f}ms {warm * 1000:>10.1f}ms {hits:>5}"
            if have_mlflow and n in args.mlflow_sizes:
                folder = Path(tmp) / f"ml-{n}"
                folder.mkdir()
                ml_rate, client, exp = mlflow_create(str(folder), n)
                ml_search, ml_hits = mlflow_search(client, exp)
                line += (
                    f"  {ml_rate:>14.0f} {ml_search * 1000:>7.1f}ms  create x{rate / ml_rate:.1f}, "
                    f"search x{ml_search / cold:.1f} (cold) x{ml_search / warm:.1f} (warm), hits {ml_hits}"
                )
            print(line, flush=True)
        location = str(Path(tmp) / "metric-loop")
        sk_rate = sktrack_log_metric_rate(location, args.metric_calls)
        line = f"log_metric: sktrack {sk_rate:,.0f} calls/s"
        if have_mlflow:
            folder = Path(tmp) / "ml-metric"
            folder.mkdir()
            _, client, exp = mlflow_create(str(folder), 0)
            ml_rate = mlflow_log_metric_rate(client, exp, 300)
            line += f", MLflow {ml_rate:,.0f} calls/s, ratio x{sk_rate / ml_rate:.0f}"
        print(line)
        if args.durability_runs:
            durability_costs(tmp, args.durability_runs, args.metric_calls)


if __name__ == "__main__":
    main()
