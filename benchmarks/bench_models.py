"""Benchmark: save and cold-load a RandomForestRegressor (200 trees) through sktrack, bare
skops, and MLflow (when installed).  Target: sktrack within 1.2x of bare skops for both.

Usage::

    python benchmarks/bench_models.py [--trees 200] [--repeat 5] [--no-mlflow]

Save is timed in this process (best and median of ``--repeat``): ``skops.io.dump`` to a file against
``sktrack.log_model`` into an open run (skops dump + sha256 + content hash + flagged types +
two atomic writes) and ``mlflow.sklearn.log_model``.  Cold load runs in a fresh interpreter
each time and times import + load + one predict from inside it (the interpreter's own start-up
is the same for all and is reported separately as the wall time).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = """
import time
start = time.perf_counter()
{body}
model.predict([[0.0] * {features}])
print(time.perf_counter() - start)
"""

BODIES = {
    "skops.io.load": (
        "import skops.io\nmodel = skops.io.load({path!r}, trusted=['sklearn.tree._tree.Tree'])"
    ),
    "sktrack runs:/": (
        "import sktrack\nsktrack.set_store({store!r})\nmodel = sktrack.load_model({run_uri!r})"
    ),
    "sktrack models:/@alias": (
        "import sktrack\nsktrack.set_store({store!r})\n"
        "model = sktrack.load_model('models:/bench_rf@champion')"
    ),
    "mlflow.sklearn.load_model": (
        "import mlflow, mlflow.sklearn\nmlflow.set_tracking_uri({tracking!r})\n"
        "model = mlflow.sklearn.load_model({mlflow_uri!r})"
    ),
}


def _fit(trees: int, features: int) -> object:
    from sklearn.datasets import make_regression
    from sklearn.ensemble import RandomForestRegressor

    X, y = make_regression(5000, features, noise=10.0, random_state=0)
    return RandomForestRegressor(trees, random_state=0, n_jobs=-1).fit(X, y)


def _median_time(action: Callable[[int], object], repeat: int) -> tuple[float, float]:
    """(best, median) seconds: the best shows the cost, the median how noisy the machine is."""
    times = []
    for i in range(repeat):
        start = time.perf_counter()
        action(i)
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def _cold_load(body: str, features: int, repeat: int, **values: str) -> tuple[float, float, float]:
    """(best, median) inside-the-child seconds and median wall seconds over fresh interpreters."""
    code = _CHILD.format(body=body.format(**values), features=features)
    inner, wall = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
        )
        wall.append(time.perf_counter() - start)
        inner.append(float(out.stdout.strip().splitlines()[-1]))
    return min(inner), statistics.median(inner), statistics.median(wall)


def _save_all(model: object, tmp: Path, repeat: int, with_mlflow: bool) -> dict[str, object]:
    import skops.io

    import sktrack

    found: dict[str, object] = {}
    found["skops.io.dump"] = _median_time(
        lambda i: skops.io.dump(model, tmp / f"bare-{i}.skops"), repeat
    )
    sktrack.set_store(tmp / "store")
    with sktrack.start_run(run_name="bench"):
        infos = []
        found["sktrack.log_model"] = _median_time(
            lambda i: infos.append(sktrack.log_model(model, f"model-{i}")), repeat
        )
    mv = sktrack.registry.register_model(infos[0].model_uri, "bench_rf")
    sktrack.registry.set_alias("bench_rf", "champion", mv.version)
    found["run_uri"], found["size"] = infos[0].model_uri, (tmp / "bare-0.skops").stat().st_size
    if with_mlflow:
        found.update(_mlflow_save(model, tmp, max(1, min(repeat, 2))))
    return found


def _mlflow_save(model: object, tmp: Path, repeat: int) -> dict[str, object]:
    import mlflow
    import mlflow.sklearn

    tracking = f"sqlite:///{tmp / 'mlflow.db'}"
    mlflow.set_tracking_uri(tracking)
    mlflow.set_experiment("bench")
    uris: list[str] = []
    with mlflow.start_run():
        seconds = _median_time(
            lambda i: uris.append(
                # MLflow 3 saves sklearn models with skops too, and asks for the tree type
                mlflow.sklearn.log_model(
                    model, name=f"m{i}", skops_trusted_types=["sklearn.tree._tree.Tree"]
                ).model_uri
            ),
            repeat,
        )
    return {"mlflow.sklearn.log_model": seconds, "tracking": tracking, "mlflow_uri": uris[0]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trees", type=int, default=200)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-mlflow", action="store_true")
    args = parser.parse_args(argv)
    with_mlflow = not args.no_mlflow and importlib.util.find_spec("mlflow") is not None
    os.environ.pop("SKTRACK_TRUSTED_TYPES", None)

    model = _fit(args.trees, args.features)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        saved = _save_all(model, tmp, args.repeat, with_mlflow)
        values = {
            "path": str(tmp / "bare-0.skops"),
            "store": str(tmp / "store"),
            "run_uri": str(saved["run_uri"]),
            "tracking": str(saved.get("tracking", "")),
            "mlflow_uri": str(saved.get("mlflow_uri", "")),
        }
        loads = {
            name: _cold_load(body, args.features, args.repeat, **values)
            for name, body in BODIES.items()
            if with_mlflow or not name.startswith("mlflow")
        }
    _report(args, saved, loads, with_mlflow)
    return 0


def _report(
    args: argparse.Namespace,
    saved: dict[str, object],
    loads: dict[str, tuple[float, float, float]],
    with_mlflow: bool,
) -> None:
    size = int(saved["size"])  # type: ignore[call-overload]
    print(f"RandomForestRegressor, {args.trees} trees, 5000x{args.features}; "
          f"model.skops {size / 1e6:.1f} MB; best and median of {args.repeat}")  # fmt: skip
    print("\nsave (in process)                 best    median   best vs skops")
    base = saved["skops.io.dump"][0]  # type: ignore[index]
    for name in ("skops.io.dump", "sktrack.log_model", "mlflow.sklearn.log_model"):
        if name in saved:
            best, median = saved[name]  # type: ignore[misc]
            print(
                f"  {name:28s} {best * 1000:7.0f} ms {median * 1000:7.0f} ms  {best / base:6.2f}x"
            )
    print("\ncold load (fresh interpreter: import + load + predict; wall incl. start-up)")
    inner_base = loads["skops.io.load"][0]
    for name, (best, median, wall) in loads.items():
        print(
            f"  {name:28s} {best * 1000:7.0f} ms {median * 1000:7.0f} ms  "
            f"{best / inner_base:6.2f}x   (wall {wall * 1000:.0f} ms)"
        )
    if not with_mlflow:
        print("\nMLflow is not installed (or --no-mlflow): its rows are left out.")


if __name__ == "__main__":
    raise SystemExit(main())
