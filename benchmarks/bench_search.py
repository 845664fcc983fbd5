"""Benchmark: the cost of tracking a grid search.  GridSearchCV against TrackedGridSearchCV
against MLflow's sklearn autolog (when mlflow is installed), on one workload:
DecisionTreeRegressor, 27 candidates x 5 folds, three scorers, refit on RMSE.

Targets (issue 4): TrackedGridSearchCV <= 1.10x plain, and >= 10x less overhead than MLflow.

Usage::

    python benchmarks/bench_search.py [--repeat 7] [--samples 1500] [--no-mlflow]

The variants run interleaved (one fit of each per round, the order rotated every round) so a
noisy machine slows them alike; each is fitted once first so imports (skops, mlflow) are not
timed.  Reported: the median and best seconds per variant, its ratio to plain, and its
overhead (median minus plain's median).  On a busy machine the fits' noise can exceed
sktrack's overhead, so the logging is also timed alone: ``log_search_results`` on each round's
fitted plain search logs what a tracked search logs (parent, model, table, children), and
"plain + sktrack logging" adds that to the plain fit.  sktrack logs everything it logs by default: the
parent with its model, signature, training metrics and the cv_results table, 5 children.
MLflow runs with its defaults (it logs two models: the search and the best estimator) into a
sqlite store, and again without models.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

SCORERS = ["r2", "neg_root_mean_squared_error", "neg_mean_absolute_error"]
GRID = {
    "max_depth": [4, 8, None],
    "min_samples_leaf": [1, 5, 20],
    "max_features": [0.5, 0.8, 1.0],
}


def _search(cls: type, **extra: Any) -> Any:
    from sklearn.tree import DecisionTreeRegressor

    return cls(
        DecisionTreeRegressor(random_state=0),
        GRID,
        cv=5,
        scoring=SCORERS,
        refit="neg_root_mean_squared_error",
        **extra,
    )


def _variants(folder: Path, with_mlflow: bool) -> dict[str, Callable[[Any, Any], Any]]:
    from sklearn.model_selection import GridSearchCV
    from sktrack._search import TrackedGridSearchCV

    import sktrack

    sktrack.set_store(folder / "sktrack-store")
    variants: dict[str, Callable[[Any, Any], Any]] = {
        "GridSearchCV": lambda X, y: _search(GridSearchCV).fit(X, y),
        "TrackedGridSearchCV": lambda X, y: _search(TrackedGridSearchCV).fit(X, y),
    }
    if with_mlflow:
        import mlflow

        mlflow.set_tracking_uri(f"sqlite:///{folder / 'mlflow.db'}")
        # artifacts in the temporary folder too (MLflow's default is ./mlruns in the cwd)
        artifacts = (folder / "mlflow-artifacts").as_uri()
        mlflow.set_experiment(experiment_id=mlflow.create_experiment("bench", artifacts))
        variants["MLflow autolog"] = _mlflow_fit(log_models=True)
        variants["MLflow autolog, no models"] = _mlflow_fit(log_models=False)
    return variants


def _mlflow_fit(*, log_models: bool) -> Callable[[Any, Any], Any]:
    import mlflow.sklearn
    from sklearn.model_selection import GridSearchCV

    def fit(X: Any, y: Any) -> Any:
        # autolog patches scikit-learn for everyone: on for this fit only (not timed)
        mlflow.sklearn.autolog(log_models=log_models, silent=True)
        try:
            start = time.perf_counter()
            _search(GridSearchCV).fit(X, y)
            return time.perf_counter() - start
        finally:
            mlflow.sklearn.autolog(disable=True)

    return fit


def _time(fit: Callable[[Any, Any], Any], X: Any, y: Any) -> float:
    start = time.perf_counter()
    timed = fit(X, y)
    return timed if isinstance(timed, float) else time.perf_counter() - start


def run(repeat: int, samples: int, with_mlflow: bool) -> dict[str, list[float]]:
    """Seconds per fit of each variant, ``repeat`` interleaved rounds after one warm-up."""
    from sklearn.datasets import make_regression

    X, y = make_regression(n_samples=samples, n_features=20, noise=10.0, random_state=0)
    with tempfile.TemporaryDirectory() as folder:
        variants = _variants(Path(folder), with_mlflow)
        for fit in variants.values():
            _time(fit, X, y)
        times: dict[str, list[float]] = {name: [] for name in variants}
        names = list(variants)
        logging: list[float] = []
        for round_ in range(repeat):
            shift = round_ % len(names)
            for name in names[shift:] + names[:shift]:
                times[name].append(_time(variants[name], X, y))
            logging.append(_time_logging(X, y))
    plain = times["GridSearchCV"]
    times["plain + sktrack logging"] = [p + t for p, t in zip(plain, logging, strict=True)]
    return times


def _time_logging(X: Any, y: Any) -> float:
    """Seconds to log a fitted plain search as a tracked search logs itself."""
    from sklearn.model_selection import GridSearchCV
    from sktrack._search import log_search_results

    search = _search(GridSearchCV).fit(X, y)
    start = time.perf_counter()
    log_search_results(search, X, y)
    return time.perf_counter() - start


def report(times: dict[str, list[float]]) -> None:
    plain = statistics.median(times["GridSearchCV"])
    print(f"{'variant':<28}{'median s':>10}{'best s':>10}{'x plain':>9}{'overhead ms':>13}")
    for name, values in times.items():
        median = statistics.median(values)
        overhead = (median - plain) * 1000
        print(
            f"{name:<28}{median:>10.3f}{min(values):>10.3f}{median / plain:>9.2f}{overhead:>13.0f}"
        )
    # the larger of the two estimates of sktrack's cost, so noise cannot flatter it
    ours = max(
        statistics.median(times["TrackedGridSearchCV"]) - plain,
        statistics.median(times["plain + sktrack logging"]) - plain,
    )
    print(f"sktrack overhead taken as {ours * 1000:.0f} ms ({(plain + ours) / plain:.3f}x plain)")
    for name in ("MLflow autolog", "MLflow autolog, no models"):
        if name in times:
            theirs = statistics.median(times[name]) - plain
            print(f"overhead of {name} / sktrack's: {theirs / ours:.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="interleaved rounds (default 7)")
    parser.add_argument("--samples", type=int, default=1500, help="rows of X (default 1500)")
    parser.add_argument("--no-mlflow", action="store_true", help="skip MLflow even if installed")
    args = parser.parse_args()
    with_mlflow = not args.no_mlflow and importlib.util.find_spec("mlflow") is not None
    if not with_mlflow and not args.no_mlflow:
        print("mlflow is not installed: comparing against plain scikit-learn only")
    report(run(args.repeat, args.samples, with_mlflow))


if __name__ == "__main__":
    main()
