"""What the curves add to ``evaluate``: their cost against the predictions it already makes.

On 100,000 evaluated rows (20 features), for a few models: the time of the predictions
``evaluate`` makes (``predict``, and ``predict_proba`` for a classifier), of the metrics alone
on those predictions (what ``evaluate`` did before curves), and of the curve tables computed
from the same predictions and written to the store.  The ratio ``curves / predictions`` is the
figure to hold: target at most 0.20.  Medians of ``--repeat`` runs (5).

Run::

    python benchmarks/bench_evaluate.py [--rows 100000] [--repeat 5] [--no-mlflow]

(``--no-mlflow`` is accepted for symmetry with the other benchmarks: MLflow has no
counterpart of these curves as data.)
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.tree import DecisionTreeRegressor

import sktrack
from sktrack._sklearn._evaluation import curve_tables, log_curves
from sktrack._sklearn._metrics import compute_metrics


def _median_ms(fn: Callable[[], Any], repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _workloads(rows: int) -> list[tuple[str, Any, np.ndarray, np.ndarray]]:
    Xc, yc = make_classification(rows + 5000, 20, n_informative=10, random_state=0)
    Xm, ym = make_classification(rows + 5000, 20, n_informative=10, n_classes=5, random_state=0)
    Xr, yr = make_regression(rows + 5000, 20, noise=10.0, random_state=0)
    fit = slice(0, 5000)
    test = slice(5000, None)
    models = [
        ("binary, HistGradientBoosting", HistGradientBoostingClassifier(max_iter=100), Xc, yc),
        (
            "binary, RandomForest(100)",
            RandomForestClassifier(100, n_jobs=1, random_state=0),
            Xc,
            yc,
        ),
        ("binary, LogisticRegression", LogisticRegression(max_iter=500), Xc, yc),
        ("5 classes, HistGradientBoosting", HistGradientBoostingClassifier(max_iter=100), Xm, ym),
        ("5 classes, LogisticRegression", LogisticRegression(max_iter=500), Xm, ym),
        ("regression, DecisionTree", DecisionTreeRegressor(max_depth=12), Xr, yr),
        ("regression, Ridge", Ridge(), Xr, yr),
    ]
    return [(name, m.fit(X[fit], y[fit]), X[test], y[test]) for name, m, X, y in models]


def _predictions(model: Any, X: np.ndarray) -> dict[str, Any]:
    out = {"predict": model.predict(X)}
    if hasattr(model, "predict_proba"):
        out["predict_proba"] = model.predict_proba(X)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-mlflow", action="store_true", help="accepted, unused")
    args = parser.parse_args(argv)
    print(
        f"{args.rows} evaluated rows x 20, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"
    )
    print(
        f"{'model':34s} {'predict ms':>10s} {'metrics ms':>10s} {'curves ms':>10s} "
        f"{'write ms':>9s} {'curves/pred':>11s} {'KB':>6s}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        store = sktrack.set_store(Path(tmp) / "store")
        with sktrack.start_run() as run:
            for name, model, X, y in _workloads(args.rows):
                predictions = _predictions(model, X)
                predict = _median_ms(lambda m=model, X=X: _predictions(m, X), args.repeat)
                metrics = _median_ms(
                    lambda m=model, X=X, y=y, p=predictions: compute_metrics(
                        m, X, y, predictions=dict(p), prefix="test"
                    ),
                    args.repeat,
                )
                curves = _median_ms(
                    lambda m=model, X=X, y=y, p=predictions: curve_tables(
                        m, X, y, predictions=dict(p)
                    ),
                    args.repeat,
                )
                tables = curve_tables(model, X, y, predictions=dict(predictions))
                split = name.replace(" ", "").replace(",", "-").replace("(", "").replace(")", "")
                write = _median_ms(
                    lambda t=tables, s=split: log_curves(store, run.run_id, s, t), args.repeat
                )
                size = sum(
                    len(store.read_artifact(run.run_id, p))
                    for p in store.list_artifacts(run.run_id, f"curves/{split}")
                )
                ratio = (curves + write) / predict
                print(
                    f"{name:34s} {predict:10.1f} {metrics:10.1f} {curves:10.1f} {write:9.1f} "
                    f"{ratio:11.2f} {size / 1000:6.0f}"
                )
    print("curves/pred = (curves + write) / predict; target <= 0.20")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
