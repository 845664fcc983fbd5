"""Methodological warnings: each is raised (and tagged on the run) when its mistake is made,
and a clean workflow on every dataset bundled with scikit-learn raises none (the suite runs
with warnings as errors, so any warning there fails the test)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn import datasets
from sklearn.compose import make_column_transformer
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import KFold, ShuffleSplit, TimeSeriesSplit, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

import sktrack
from sktrack._sklearn._methodology import _time_ordered
from sktrack.exceptions import MethodologyWarning

TAG = "sktrack.warning."


def _codes(run_id: str) -> set[str]:
    return {k[len(TAG) :] for k in sktrack.get_run(run_id).tags if k.startswith(TAG)}


def _classification(n: int = 400, weights: Any = None, seed: int = 0) -> Any:
    X, y = make_classification(n, 6, n_informative=4, weights=weights, random_state=seed)
    return train_test_split(X, y, stratify=y, random_state=0)


# -- each warning, triggered ------------------------------------------------------------------


def test_evaluating_on_training_rows_warns_and_tags(store: Any) -> None:
    X_train, X_test, y_train, y_test = _classification()
    est = sktrack.TrackedEstimator(LogisticRegression(), log_model=False).fit(X_train, y_train)
    with pytest.warns(
        MethodologyWarning, match=r"100% of the rows evaluated as 'test' were fitted on"
    ) as seen:
        est.evaluate(X_train, y_train)
    assert seen[0].message.code == "training_rows"
    assert _codes(est.run_id_) == {"training_rows"}
    mixed = np.vstack([X_test, X_train[:20]])  # 20 of 120 rows seen at fit: 17%
    with pytest.warns(MethodologyWarning, match="17% of the rows"):
        est.evaluate(mixed, np.concatenate([y_test, y_train[:20]]), split="mixed")


def test_a_few_training_rows_in_the_test_split_are_tolerated(store: Any) -> None:
    X_train, X_test, y_train, y_test = _classification()
    est = sktrack.TrackedEstimator(LogisticRegression(), log_model=False).fit(X_train, y_train)
    est.evaluate(np.vstack([X_test, X_train[:3]]), np.concatenate([y_test, y_train[:3]]))
    assert _codes(est.run_id_) == set()


def test_training_rows_are_recognised_by_a_search_too(store: Any) -> None:
    X_train, _, y_train, _ = _classification()
    search = sktrack.TrackedGridSearchCV(
        LogisticRegression(), {"C": [0.1, 1.0]}, scoring="roc_auc", log_model=False
    ).fit(X_train, y_train)
    with pytest.warns(MethodologyWarning, match="were fitted on"):
        search.evaluate(X_train, y_train)
    assert "training_rows" in _codes(search.run_id_)


@pytest.mark.parametrize("scoring", [None, "accuracy", ["accuracy", "roc_auc"]])
def test_accuracy_on_an_imbalanced_target_warns(store: Any, scoring: Any) -> None:
    X_train, _, y_train, _ = _classification(600, weights=[0.9, 0.1])
    refit = "accuracy" if isinstance(scoring, list) else True
    with pytest.warns(MethodologyWarning, match="selects with accuracy while the minority class"):
        search = sktrack.TrackedGridSearchCV(
            LogisticRegression(), {"C": [0.1, 1.0]}, scoring=scoring, refit=refit, log_model=False
        ).fit(X_train, y_train)
    assert _codes(search.run_id_) == {"imbalance_scorer"}


@pytest.mark.parametrize("scoring", ["roc_auc", "balanced_accuracy", "average_precision"])
def test_a_scorer_suited_to_imbalance_does_not_warn(store: Any, scoring: str) -> None:
    X_train, _, y_train, _ = _classification(600, weights=[0.9, 0.1])
    search = sktrack.TrackedGridSearchCV(
        LogisticRegression(), {"C": [0.1, 1.0]}, scoring=scoring, log_model=False
    ).fit(X_train, y_train)
    assert _codes(search.run_id_) == set()


def _time_ordered_frame(n: int = 200) -> tuple[pd.DataFrame, np.ndarray]:
    X, y = make_regression(n, 3, noise=1.0, random_state=0)
    index = pd.date_range("2024-01-01", periods=n, freq="D")
    return pd.DataFrame(X, index=index, columns=["a", "b", "c"]), y


@pytest.mark.parametrize(
    "cv", [KFold(5, shuffle=True, random_state=0), KFold(5), ShuffleSplit(5, random_state=0), None]
)
def test_folds_that_ignore_time_order_warn(store: Any, cv: Any) -> None:
    X, y = _time_ordered_frame()
    with pytest.warns(MethodologyWarning, match="pass cv=TimeSeriesSplit") as seen:
        search = sktrack.TrackedGridSearchCV(
            Ridge(), {"alpha": [0.1, 1.0]}, cv=cv, log_model=False
        ).fit(X, y)
    assert seen[0].message.code == "time_order_cv"
    assert _codes(search.run_id_) == {"time_order_cv"}


def test_time_series_split_over_time_ordered_rows_does_not_warn(store: Any) -> None:
    X, y = _time_ordered_frame()
    search = sktrack.TrackedGridSearchCV(
        Ridge(), {"alpha": [0.1, 1.0]}, cv=TimeSeriesSplit(), log_model=False
    ).fit(X, y)
    assert _codes(search.run_id_) == set()


def test_what_counts_as_time_ordered() -> None:
    X, _ = _time_ordered_frame(10)
    assert _time_ordered(X)
    assert not _time_ordered(X.iloc[::-1])  # not sorted
    assert not _time_ordered(X.reset_index(drop=True))
    assert _time_ordered(X.reset_index(names="when"))  # a sorted datetime column
    assert not _time_ordered(X.to_numpy())


def test_a_small_test_split_warns(store: Any) -> None:
    X_train, X_test, y_train, y_test = _classification(400)
    est = sktrack.TrackedEstimator(LogisticRegression(), log_model=False).fit(X_train, y_train)
    with pytest.warns(MethodologyWarning, match="'test' split has 20 rows, too few"):
        est.evaluate(X_test[:20], y_test[:20])
    rare = np.concatenate([np.flatnonzero(y_test == 0)[:40], np.flatnonzero(y_test == 1)[:3]])
    with pytest.warns(MethodologyWarning, match="fewer than 5 rows of class 1"):
        est.evaluate(X_test[rare], y_test[rare], split="rare")
    assert _codes(est.run_id_) == {"small_test_split"}


def test_a_feature_that_reproduces_a_class_target_warns(store: Any) -> None:
    X_train, X_test, y_train, y_test = _classification(400)
    features = [f"f{i}" for i in range(6)]

    def leak(X: Any, y: Any) -> pd.DataFrame:
        return pd.DataFrame(X, columns=features).assign(outcome_code=np.where(y == 1, "yes", "no"))

    model = make_pipeline(
        make_column_transformer((StandardScaler(), features), remainder="drop"),
        LogisticRegression(),
    )
    est = sktrack.TrackedEstimator(model, log_model=False).fit(leak(X_train, y_train), y_train)
    with pytest.warns(
        MethodologyWarning, match="feature 'outcome_code' alone reproduces the target"
    ):
        est.evaluate(leak(X_test, y_test), y_test)
    assert _codes(est.run_id_) == {"target_leak"}


def test_a_feature_that_reproduces_a_numeric_target_warns(store: Any) -> None:
    X, y = make_regression(300, 3, noise=5.0, random_state=0)
    X = np.column_stack([X, 3.0 * y - 2.0])
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    est = sktrack.TrackedEstimator(Ridge(), log_model=False).fit(X_train, y_train)
    with pytest.warns(MethodologyWarning, match="feature 3 alone reproduces the target"):
        est.evaluate(X_test, y_test)


def test_warnings_without_a_run_are_still_raised() -> None:
    from sktrack._sklearn._evaluation import evaluate_into

    X, y = make_regression(20, 2, random_state=0)
    model = Ridge().fit(X, y)
    with pytest.warns(MethodologyWarning, match="20 rows"):
        evaluate_into(
            model, X, y, "test", sample_weight=None, store=None, run_id=None, training=None
        )


# -- the clean workflow, on every bundled dataset ---------------------------------------------

BUNDLED = {
    "iris": datasets.load_iris,
    "wine": datasets.load_wine,
    "breast_cancer": datasets.load_breast_cancer,
    "digits": datasets.load_digits,
    "diabetes": datasets.load_diabetes,
    "linnerud": datasets.load_linnerud,
}


@pytest.mark.parametrize("name", sorted(BUNDLED))
@pytest.mark.parametrize("as_frame", [False, True])
def test_a_clean_workflow_raises_no_warning_on_any_bundled_dataset(
    store: Any, name: str, as_frame: bool
) -> None:
    X, y = BUNDLED[name](return_X_y=True, as_frame=as_frame)
    classifier = name not in ("diabetes", "linnerud")
    # a stratified split (for a class target), default cross-validation, a suited scorer
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, stratify=y if classifier else None, test_size=0.25, random_state=0
    )
    if classifier:
        model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
        grid, scoring = {"logisticregression__C": [0.1, 1.0]}, "f1_macro"
    else:
        model, grid, scoring = Ridge(), {"alpha": [0.1, 1.0]}, "r2"
    search = sktrack.TrackedGridSearchCV(model, grid, scoring=scoring, log_model=False)
    search.fit(X_train, y_train)
    est = sktrack.TrackedEstimator(model, log_model=False).fit(X_train, y_train)
    if len(y_test) >= 30:
        search.evaluate(X_test, y_test)
        est.evaluate(X_test, y_test)
    else:  # linnerud has 20 rows: its 5 held-out rows are rightly too few to trust
        with pytest.warns(MethodologyWarning, match="too few"):
            est.evaluate(X_test, y_test)
        est = sktrack.TrackedEstimator(model, log_model=False).fit(X_train, y_train)
    assert _codes(search.run_id_) == set()
    assert _codes(est.run_id_) == set()


def test_a_clean_tree_search_on_an_imbalanced_target_raises_nothing(store: Any) -> None:
    X_train, X_test, y_train, y_test = _classification(1000, weights=[0.92, 0.08])
    search = sktrack.TrackedGridSearchCV(
        DecisionTreeClassifier(random_state=0), {"max_depth": [2, 4]}, scoring="average_precision"
    ).fit(X_train, y_train)
    search.evaluate(X_test, y_test)
    assert _codes(search.run_id_) == set()
