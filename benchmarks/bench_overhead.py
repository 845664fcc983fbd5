"""What tracking one fast fit costs: sktrack against plain scikit-learn and MLflow's autolog.

The workload: ``LinearRegression`` on 1000 x 10 floats, fitted ``--fits`` times (200) in each
mode, one run per fit, the sktrack modes in rounds of one fit each so that all meet the same
load.  The overhead of a mode is its median time per fit minus the plain fit's median.  Modes:

* ``plain``: scikit-learn alone;
* ``sktrack, no model`` / ``sktrack, model``: ``TrackedEstimator(..., log_model=False/True)``,
  with the training curves it logs by default (``curves/training/``);
* ``sktrack, model, no curves``: ``TrackedEstimator(..., log_curves=False)``, to show what the
  curves (and the kept row hashes, logged always) cost;
* ``sktrack autolog, no model`` / ``sktrack autolog, model``: ``sktrack.autolog``;
* ``sktrack, [no] model @<level>``: the same fits into a store of each durability level
  (``process``, ``run``, the default, and ``always``; docs/store.md), reported again at the
  end as the time each level adds per run over ``process``, and as a ratio;
* ``mlflow autolog, no model`` / ``mlflow autolog, model``: ``mlflow.sklearn.autolog`` into a
  SQLite store, when MLflow is installed.  Logging a model costs MLflow seconds per fit (it
  infers pip requirements in a subprocess), so that mode runs ``--mlflow-model-fits`` (5) fits.

Targets: at most 10 ms per tracked fit without the model, 50 ms with it; with the model and
the training curves, at most +25 ms over the plain fit; the default durability (``run``) at
most +2 ms per run over ``process``.

Run::

    python benchmarks/bench_overhead.py [--fits 200] [--mlflow-model-fits 5] [--no-mlflow]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
from sklearn.linear_model import LinearRegression

import sktrack

Fit = Callable[[], object]


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.RandomState(0)
    X = rng.normal(size=(1000, 10))
    return X, X @ rng.normal(size=10) + rng.normal(scale=0.1, size=1000)


def _time_fits(fit: Fit, n: int) -> list[float]:
    """Milliseconds per call, after two warm-up calls (imports, caches, first files)."""
    for _ in range(2):
        fit()
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fit()
        times.append((time.perf_counter() - start) * 1000)
    return times


@contextlib.contextmanager
def _no_patch() -> Iterator[None]:
    yield


@contextlib.contextmanager
def _sktrack_autolog(log_models: bool) -> Iterator[None]:
    sktrack.autolog(log_models=log_models)
    try:
        yield
    finally:
        sktrack.autolog(disable=True)


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


def _level_store(folder: Path, level: str) -> Callable[[], contextlib.AbstractContextManager[None]]:
    """A context that makes a store of durability ``level`` the process's for a fit."""
    from sktrack._store import Durability, LocalFileSystem, Store

    store = Store(LocalFileSystem(folder / f"store-{level}", durability=Durability(level)))

    @contextlib.contextmanager
    def use() -> Iterator[None]:
        previous = sktrack.get_store()
        sktrack.set_store(store)
        try:
            yield
        finally:
            sktrack.set_store(previous)

    return use


def _sktrack_modes(X: np.ndarray, y: np.ndarray, n: int, folder: Path) -> dict[str, list[float]]:
    """Round-robin over the modes, one fit each per round, so that every mode meets the same
    load of a shared machine (and the same background compactions of the store)."""

    def plain() -> object:
        return LinearRegression().fit(X, y)

    def tracked(log_model: bool, log_curves: bool = True) -> Fit:
        return lambda: sktrack.TrackedEstimator(
            LinearRegression(), log_model=log_model, log_curves=log_curves
        ).fit(X, y)

    modes: dict[str, tuple[Callable[[], contextlib.AbstractContextManager[None]], Fit]] = {
        "plain": (_no_patch, plain),
        "sktrack, no model": (_no_patch, tracked(False)),
        "sktrack, model": (_no_patch, tracked(True)),
        "sktrack, model, no curves": (_no_patch, tracked(True, log_curves=False)),
        "sktrack autolog, no model": (lambda: _sktrack_autolog(False), plain),
        "sktrack autolog, model": (lambda: _sktrack_autolog(True), plain),
    }
    for level in LEVELS:
        use = _level_store(folder, level)
        modes[f"sktrack, no model @{level}"] = (use, tracked(False))
        modes[f"sktrack, model @{level}"] = (use, tracked(True))
    results: dict[str, list[float]] = {mode: [] for mode in modes}
    for round_ in range(n + 2):
        for mode, (patching, fit) in modes.items():
            with patching():  # patching and unpatching are not timed
                start = time.perf_counter()
                fit()
                elapsed = (time.perf_counter() - start) * 1000
            if round_ >= 2:  # two warm-up rounds: imports, caches, first files
                results[mode].append(elapsed)
    return results


def _mlflow_modes(
    X: np.ndarray, y: np.ndarray, n: int, n_model: int, folder: Path
) -> dict[str, list[float]]:
    try:
        import mlflow
    except ImportError:
        print("MLflow is not installed: its rows are left out (pip install mlflow)")
        return {}
    mlflow.set_tracking_uri(f"sqlite:///{folder / 'mlflow.db'}")
    mlflow.set_experiment("bench-overhead")

    def one_run() -> None:
        with mlflow.start_run():
            LinearRegression().fit(X, y)

    results = {}
    for log_models, label, count in ((False, "no model", n), (True, "model", n_model)):
        mlflow.sklearn.autolog(log_models=log_models, silent=True)
        results[f"mlflow autolog, {label}"] = _time_fits(one_run, count)
        mlflow.sklearn.autolog(disable=True)
    return results


def _report(results: dict[str, list[float]], fsync: float = 0.0) -> None:
    plain = statistics.median(results["plain"])
    print(f"{'mode':28s} {'fits':>5s} {'median ms':>10s} {'mean ms':>9s} {'overhead ms':>12s}")
    for mode, times in results.items():
        median = statistics.median(times)
        overhead = "" if mode == "plain" else f"{median - plain:12.2f}"
        print(f"{mode:28s} {len(times):5d} {median:10.2f} {statistics.mean(times):9.2f} {overhead}")
    if "sktrack, model @process" not in results:
        return
    print("\ndurability: what each level adds per run over process (median ms, ratio of times)")
    print(f"  one fsync on this disk meanwhile: {fsync:.3f} ms (median, before and after)")
    for what in ("no model", "model"):
        base = statistics.median(results[f"sktrack, {what} @process"])
        for level in LEVELS[1:]:
            median = statistics.median(results[f"sktrack, {what} @{level}"])
            extra = median - base
            print(
                f"  {what:9s} @{level:7s} {extra:+7.2f} ms   {median / base:5.2f}x"
                f"   = {extra / fsync:4.1f} fsyncs' time"
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fits", type=int, default=200, help="fits per mode (default 200)")
    parser.add_argument(
        "--mlflow-model-fits", type=int, default=5, help="fits for MLflow with models (default 5)"
    )
    parser.add_argument("--no-mlflow", action="store_true", help="leave MLflow out")
    args = parser.parse_args(argv)

    X, y = _data()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sktrack.set_store(folder / "sktrack-store")
        sktrack.set_experiment("bench-overhead")
        before = fsync_ms(folder / "probe")
        results = _sktrack_modes(X, y, args.fits, folder)
        fsync = statistics.median([before, fsync_ms(folder / "probe")])
        if not args.no_mlflow:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # MLflow's own deprecation notices
                results |= _mlflow_modes(X, y, args.fits, args.mlflow_model_fits, folder)
        n_runs = len(sktrack.search_runs())
    print(f"LinearRegression on 1000x10, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}")
    print(f"sktrack logged {n_runs} runs")
    _report(results, fsync)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
