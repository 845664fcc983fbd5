"""Benchmark: save and cold-load a RandomForestRegressor (200 trees) through sktrack, bare
skops, and MLflow (when installed).  Target: sktrack within 1.2x of bare skops for both.

Usage::

    python benchmarks/bench_models.py [--trees 200] [--repeat 7] [--no-mlflow]

Save is timed in this process: ``skops.io.dump`` to a file against ``sktrack.log_model`` into
an open run (skops's dump + sha256 + content hash + flagged types + two atomic writes) and
``mlflow.sklearn.log_model``.  Cold load runs in a fresh interpreter each time and times
import + load + one predict from inside it (the interpreter's own start-up is the same for all;
the wall time including it is shown too).

The contenders run in turns, round by round, and the ratio to bare skops is the median of the
per-round ratios: on a shared machine the load changes from second to second, and two numbers
taken minutes apart would measure the neighbours rather than the code.
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
BASE_SAVE, BASE_LOAD = "skops.io.dump", "skops.io.load"

_CHILD = """
import time
start = time.perf_counter()
{body}
model.predict([[0.0] * {features}])
print(time.perf_counter() - start)
"""

LOADS = {
    BASE_LOAD: (
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

Timings = dict[str, list[float]]


def _fit(trees: int, features: int) -> object:
    from sklearn.datasets import make_regression
    from sklearn.ensemble import RandomForestRegressor

    X, y = make_regression(5000, features, noise=10.0, random_state=0)
    return RandomForestRegressor(trees, random_state=0, n_jobs=-1).fit(X, y)


def _in_turns(actions: dict[str, Callable[[int], float]], repeat: int) -> Timings:
    """Run every action once per round, ``repeat`` rounds; seconds per action and round."""
    timings: Timings = {name: [] for name in actions}
    for i in range(repeat):
        for name, action in actions.items():
            timings[name].append(action(i))
    return timings


def _timed(action: Callable[[int], object]) -> Callable[[int], float]:
    def run(i: int) -> float:
        start = time.perf_counter()
        action(i)
        return time.perf_counter() - start

    return run


def _save_timings(model: object, tmp: Path, repeat: int) -> tuple[Timings, str]:
    import skops.io

    import sktrack

    sktrack.set_store(tmp / "store")
    uris: list[str] = []
    with sktrack.start_run(run_name="bench"):
        sktrack.log_model(model, "warm-up")  # first-call imports are not what is measured
        timings = _in_turns(
            {
                BASE_SAVE: _timed(lambda i: skops.io.dump(model, tmp / f"bare-{i}.skops")),
                "sktrack.log_model": _timed(
                    lambda i: uris.append(sktrack.log_model(model, f"model-{i}").model_uri)
                ),
            },
            repeat,
        )
    version = sktrack.registry.register_model(uris[0], "bench_rf").version
    sktrack.registry.set_alias("bench_rf", "champion", version)
    return timings, uris[0]


def _mlflow_save(model: object, tmp: Path, repeat: int) -> tuple[Timings, str, str]:
    import mlflow
    import mlflow.sklearn

    tracking = f"sqlite:///{tmp / 'mlflow.db'}"
    mlflow.set_tracking_uri(tracking)
    mlflow.set_experiment("bench")
    uris: list[str] = []

    def log(i: int) -> None:
        # MLflow 3 saves sklearn models with skops too, and asks for the tree type
        info = mlflow.sklearn.log_model(
            model, name=f"m{i}", skops_trusted_types=["sklearn.tree._tree.Tree"]
        )
        uris.append(info.model_uri)

    with mlflow.start_run():
        timings = _in_turns({"mlflow.sklearn.log_model": _timed(log)}, repeat)
    return timings, tracking, uris[0]


def _cold_load(code: str) -> float:
    """Seconds, measured inside a fresh interpreter, to import, load and predict once."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(f"the cold load failed:\n{code}\n{out.stderr}")
    return float(out.stdout.strip().splitlines()[-1])


def _load_timings(names: list[str], features: int, repeat: int, **values: str) -> Timings:
    codes = {n: _CHILD.format(body=LOADS[n].format(**values), features=features) for n in names}
    return _in_turns(
        {name: lambda i, c=code: _cold_load(c) for name, code in codes.items()}, repeat
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trees", type=int, default=200)
    parser.add_argument("--features", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-mlflow", action="store_true")
    args = parser.parse_args(argv)
    with_mlflow = not args.no_mlflow and importlib.util.find_spec("mlflow") is not None
    os.environ.pop("SKTRACK_TRUSTED_TYPES", None)

    model = _fit(args.trees, args.features)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        saves, run_uri = _save_timings(model, tmp, args.repeat)
        values = {"path": str(tmp / "bare-0.skops"), "store": str(tmp / "store")}
        values.update(run_uri=run_uri, tracking="", mlflow_uri="")
        names = [BASE_LOAD, "sktrack runs:/", "sktrack models:/@alias"]
        if with_mlflow:
            mlflow_saves, values["tracking"], values["mlflow_uri"] = _mlflow_save(
                model, tmp, max(1, min(args.repeat, 3))
            )
            saves.update(mlflow_saves)
            names.append("mlflow.sklearn.load_model")
        loads = _load_timings(names, args.features, args.repeat, **values)
        size = (tmp / "bare-0.skops").stat().st_size
    print(f"RandomForestRegressor, {args.trees} trees, 5000x{args.features}; "
          f"model.skops {size / 1e6:.1f} MB; {args.repeat} rounds")  # fmt: skip
    _report("save (in process)", saves, BASE_SAVE)
    _report("cold load (fresh interpreter: import + load + predict)", loads, BASE_LOAD)
    if not with_mlflow:
        print("\nMLflow is not installed (or --no-mlflow): its rows are left out.")
    return 0


def _report(title: str, timings: Timings, base: str) -> None:
    print(f"\n{title}\n  {'':28s} {'best':>7s}    {'median':>7s}    vs skops (median of rounds)")
    for name, times in timings.items():
        pairs = zip(times, timings[base], strict=False)  # MLflow has fewer rounds
        ratio = statistics.median(t / b for t, b in pairs)
        print(
            f"  {name:28s} {min(times) * 1000:7.0f} ms {statistics.median(times) * 1000:7.0f} ms"
            f" {ratio:6.2f}x"
        )


if __name__ == "__main__":
    raise SystemExit(main())
