"""Benchmark: the "predict sales" workflow, plain scikit-learn against sktrack (and MLflow's
autolog when it is installed), in interleaved rounds.

The workflow, as ``examples/walkthrough.py`` runs it: a LinearRegression baseline, then grid
searches over ElasticNet (9 candidates), a decision tree (27) and a random forest (12), 5-fold,
scored with r2, MAE and RMSE, refit on RMSE, ``n_jobs=1``.  Variants:

* ``plain``: ``LinearRegression().fit`` and three ``GridSearchCV(...).fit``;
* ``sktrack``: the baseline as ``TrackedEstimator`` in a run, the searches as
  ``TrackedGridSearchCV(top_k=5)``, with sktrack's defaults (models, signatures, training
  metrics, the ``cv_results`` table, 5 children per search);
* ``mlflow``: ``mlflow.sklearn.autolog()`` with its defaults around the plain workflow, into a
  sqlite store (left out with ``--no-mlflow`` or when MLflow is not installed).

Each round runs every variant once, the order rotated every round so a busy machine slows them
alike, after one warm-up round that is not timed (imports, caches, first files).  Printed: each
round's seconds and its ratio to that round's plain time, then the medians.

Target (issue 14): sktrack <= 1.02x plain.

Usage::

    python benchmarks/bench_seed.py [--data amazon_uk_grocery.parquet] [--rounds 5] [--no-mlflow]

``--data`` is the grocery-products table of the walkthrough (``sales`` the target, ``category``
one-hot encoded, ``asin`` and ``brand`` dropped); without it, or when the file does not exist,
the workflow runs on scikit-learn's bundled diabetes data.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

SCORING = ["r2", "neg_mean_absolute_error", "neg_root_mean_squared_error"]
REFIT = "neg_root_mean_squared_error"

Workflow = Callable[[Any, Any], None]


def _grids() -> dict[str, tuple[Any, dict[str, list[Any]]]]:
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import ElasticNet
    from sklearn.tree import DecisionTreeRegressor

    return {
        "elasticnet": (ElasticNet(), {"alpha": [0.1, 0.3, 1], "l1_ratio": [0.25, 0.5, 0.75]}),
        "decision-tree": (
            DecisionTreeRegressor(random_state=0),
            {
                "max_depth": [3, 5, 10],
                "min_samples_split": [2, 5, 10],
                "min_samples_leaf": [1, 3, 5],
            },
        ),
        "random-forest": (
            RandomForestRegressor(random_state=0),
            {"n_estimators": [100, 200], "max_depth": [2, 3], "min_samples_split": [2, 5, 10]},
        ),
    }


def load_data(path: str | None) -> tuple[Any, Any, str]:
    """The walkthrough's training split: ``X_train, y_train`` and a label for the report."""
    import pandas as pd
    from sklearn.model_selection import train_test_split

    if path is not None and Path(path).is_file():
        data = pd.read_parquet(path).drop(columns=["asin", "brand"])
        data = pd.get_dummies(data, columns=["category"], dtype=float)
        X = data.drop(columns=["sales"]).astype(float)
        y = data["sales"].astype(float)
        label = Path(path).name
    else:
        from sklearn.datasets import load_diabetes

        if path is not None:
            print(f"{path} does not exist: using scikit-learn's diabetes data instead")
        X, y = load_diabetes(return_X_y=True, as_frame=True)
        label = "scikit-learn's diabetes data"
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.2, random_state=123)
    return X_train, y_train, f"{label}, {X_train.shape[0]} x {X_train.shape[1]} training rows"


def plain_workflow(X: Any, y: Any) -> None:
    from sklearn.linear_model import LinearRegression
    from sklearn.model_selection import GridSearchCV

    LinearRegression().fit(X, y)
    for estimator, grid in _grids().values():
        GridSearchCV(estimator, grid, scoring=SCORING, refit=REFIT, n_jobs=1).fit(X, y)


def sktrack_workflow(X: Any, y: Any) -> None:
    from sklearn.linear_model import LinearRegression

    import sktrack
    from sktrack import TrackedEstimator, TrackedGridSearchCV

    with sktrack.start_run(run_name="baseline"):
        TrackedEstimator(LinearRegression()).fit(X, y)
    for name, (estimator, grid) in _grids().items():
        TrackedGridSearchCV(
            estimator, grid, scoring=SCORING, refit=REFIT, n_jobs=1, top_k=5, run_name=name
        ).fit(X, y)


def _mlflow_workflow(folder: Path) -> Workflow:
    import mlflow

    mlflow.set_tracking_uri(f"sqlite:///{folder / 'mlflow.db'}")
    # artifacts in the temporary folder too (MLflow's default is ./mlruns in the cwd)
    artifacts = (folder / "mlflow-artifacts").as_uri()
    mlflow.set_experiment(experiment_id=mlflow.create_experiment("bench-seed", artifacts))

    def workflow(X: Any, y: Any) -> None:
        from sklearn.linear_model import LinearRegression
        from sklearn.model_selection import GridSearchCV

        # autolog patches scikit-learn for everyone: on for this variant only
        mlflow.sklearn.autolog(silent=True)
        try:
            with mlflow.start_run(run_name="baseline"):
                LinearRegression().fit(X, y)
            for name, (estimator, grid) in _grids().items():
                with mlflow.start_run(run_name=name):
                    search = GridSearchCV(estimator, grid, scoring=SCORING, refit=REFIT, n_jobs=1)
                    search.fit(X, y)
        finally:
            mlflow.sklearn.autolog(disable=True)

    return workflow


def _seconds(workflow: Workflow, X: Any, y: Any) -> float:
    start = time.perf_counter()
    workflow(X, y)
    return time.perf_counter() - start


def run(X: Any, y: Any, rounds: int, with_mlflow: bool) -> dict[str, list[float]]:
    """Seconds per workflow of each variant, ``rounds`` interleaved rounds after a warm-up."""
    import sktrack

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sktrack.set_store(folder / "sktrack-store")
        sktrack.set_experiment("bench-seed")
        variants: dict[str, Workflow] = {"plain": plain_workflow, "sktrack": sktrack_workflow}
        if with_mlflow:
            variants["mlflow"] = _mlflow_workflow(folder)
        names = list(variants)
        for name in names:
            _seconds(variants[name], X, y)
        times: dict[str, list[float]] = {name: [] for name in names}
        for round_ in range(rounds):
            shift = round_ % len(names)
            for name in names[shift:] + names[:shift]:
                times[name].append(_seconds(variants[name], X, y))
            ratios = "  ".join(
                f"{name} {times[name][-1]:7.2f} s {times[name][-1] / times['plain'][-1]:6.3f}x"
                for name in names
            )
            print(f"round {round_ + 1:2d}: {ratios}", flush=True)
    return times


def report(times: dict[str, list[float]]) -> None:
    plain = times["plain"]
    print(f"{'variant':<10}{'median s':>10}{'best s':>10}{'median ratio':>14}{'ratio range':>18}")
    for name, values in times.items():
        ratios = [value / base for value, base in zip(values, plain, strict=True)]
        spread = f"{min(ratios):.3f} to {max(ratios):.3f}"
        print(
            f"{name:<10}{statistics.median(values):>10.2f}{min(values):>10.2f}"
            f"{statistics.median(ratios):>14.3f}{spread:>18}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", help="the grocery-products Parquet file (default: diabetes)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    parser.add_argument("--no-mlflow", action="store_true", help="leave MLflow out")
    args = parser.parse_args(argv)
    with_mlflow = not args.no_mlflow and importlib.util.find_spec("mlflow") is not None
    if not with_mlflow and not args.no_mlflow:
        print("MLflow is not installed: comparing against plain scikit-learn only")

    from sklearn.exceptions import ConvergenceWarning

    # ElasticNet's convergence notices would be printed for every variant alike
    warnings.simplefilter("ignore", ConvergenceWarning)
    X, y, label = load_data(args.data)
    print(f"the seed workflow on {label}, n_jobs=1, {args.rounds} rounds")
    report(run(X, y, args.rounds, with_mlflow))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
