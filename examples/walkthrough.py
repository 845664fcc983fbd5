"""The "predict sales" walkthrough, end to end, on a grocery-products table you provide, or
on scikit-learn's bundled diabetes data set when you give none.

    python examples/walkthrough.py                       # the diabetes data, nothing to fetch
    python examples/walkthrough.py --data amazon_uk_grocery.parquet --store ./walkthrough-store

The grocery table is not shipped: any Parquet file of products with the columns below will do.
It needs the columns the walkthrough uses: ``sales`` (the target), ``category`` (one-hot
encoded), ``asin`` and ``brand`` (dropped), and numeric features.  It logs a LinearRegression
baseline, tunes ElasticNet, a decision tree and a random forest with grid searches over three
scorers (refit on RMSE), registers the best model, moves it to Staging (archiving the old one),
loads it by URI and predicts.  Then ``sktrack ui --store ./walkthrough-store``.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import ElasticNet, LinearRegression
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeRegressor

import sktrack
from sktrack import TrackedEstimator, TrackedGridSearchCV

SCORING = ["r2", "neg_mean_absolute_error", "neg_root_mean_squared_error"]
GRIDS = {
    "elasticnet": (ElasticNet(), {"alpha": [0.1, 0.3, 1], "l1_ratio": [0.25, 0.5, 0.75]}),
    "decision-tree": (
        DecisionTreeRegressor(random_state=0),
        {"max_depth": [3, 5, 10], "min_samples_split": [2, 5, 10], "min_samples_leaf": [1, 3, 5]},
    ),
    "random-forest": (
        RandomForestRegressor(random_state=0),
        {"n_estimators": [100, 200], "max_depth": [2, 3], "min_samples_split": [2, 5, 10]},
    ),
}


def prepare(path: str | None) -> tuple[pd.DataFrame, ...]:
    if path is None:
        from sklearn.datasets import load_diabetes

        X, y = load_diabetes(return_X_y=True, as_frame=True)
        return tuple(train_test_split(X, y, test_size=0.2, random_state=123))
    data = pd.read_parquet(path).drop(columns=["asin", "brand"])
    data = pd.get_dummies(data, columns=["category"], dtype=float)
    X = data.drop(columns=["sales"]).astype(float)
    y = data["sales"].astype(float)
    return tuple(train_test_split(X, y, test_size=0.2, random_state=123))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--data",
        default=None,
        help="the grocery-products Parquet file (default: scikit-learn's diabetes data set)",
    )
    parser.add_argument("--store", default="./walkthrough-store")
    parser.add_argument("--model-name", default="dt_amz_prices")
    args = parser.parse_args()

    start = time.perf_counter()
    if args.data is None:
        print(
            "no --data given: using scikit-learn's bundled diabetes data set; pass "
            "--data <table>.parquet (a grocery-products table, see the docstring) for the sales story"
        )
    X_train, X_test, y_train, y_test = prepare(args.data)
    sktrack.set_store(args.store)
    sktrack.set_experiment("amazon-sales" if args.data else "walkthrough-diabetes")

    with sktrack.start_run(run_name="baseline"):
        baseline = TrackedEstimator(LinearRegression()).fit(X_train, y_train)
        print("baseline", baseline.evaluate(X_test, y_test))

    for name, (estimator, grid) in GRIDS.items():
        cv = TrackedGridSearchCV(
            estimator,
            grid,
            scoring=SCORING,
            refit="neg_root_mean_squared_error",
            n_jobs=-1,
            top_k=5,
            run_name=name,
        )
        cv.fit(X_train, y_train)
        print(name, cv.best_params_, cv.evaluate(X_test, y_test))

    runs = sktrack.search_runs(
        filter_string="attributes.parent_run_id IS NULL and metrics.test_r2_score > 0",
        order_by=["metrics.test_root_mean_squared_error ASC"],
    )
    print(runs[["run_name", "metrics.test_root_mean_squared_error", "metrics.test_r2_score"]])
    best = runs.iloc[0]
    mv = sktrack.registry.register_model(f"runs:/{best.run_id}/model", args.model_name)
    sktrack.registry.transition_stage(args.model_name, mv.version, "Staging", archive_existing=True)
    sktrack.registry.set_alias(args.model_name, "champion", mv.version)

    model = sktrack.load_model(f"models:/{args.model_name}/staging")
    print(
        f"{args.model_name} v{mv.version} ({best.run_name}) predicts",
        model.predict(X_test[:5]).round(1),
    )
    print(f"done in {time.perf_counter() - start:.1f} s; now: sktrack ui --store {args.store}")


if __name__ == "__main__":
    main()
