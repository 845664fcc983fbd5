"""The curve tables: equal to scikit-learn's own functions before thinning, and thinned within
their bounds (end points kept, area moved < 1e-3, at most about 1,000 points, a split's tables
under about 200 KB whatever the number of rows)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import calibration_curve
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import (
    auc,
    average_precision_score,
    confusion_matrix,
    precision_recall_curve,
    precision_recall_fscore_support,
    roc_curve,
)
from sklearn.model_selection import train_test_split
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeRegressor

import sktrack
from sktrack._sklearn._curves import (
    AUC_TOLERANCE,
    MAX_CURVE_POINTS,
    MAX_SCATTER_POINTS,
    classifier_curves,
    regressor_curves,
    thin_curve,
)
from sktrack._sklearn._evaluation import curve_tables

_trapezoid = getattr(np, "trapezoid", None) or np.trapz  # NumPy < 2 names it trapz


def _split(n: int = 400, classes: int = 2, seed: int = 0):
    X, y = make_classification(
        n, 8, n_informative=5, n_classes=classes, random_state=seed, flip_y=0.1
    )
    return train_test_split(X, y, stratify=y, random_state=0)


def test_binary_tables_equal_scikit_learns(store: object) -> None:
    X_train, X_test, y_train, y_test = _split(300)
    model = LogisticRegression().fit(X_train, y_train)
    tables = curve_tables(model, X_test, y_test)
    proba = model.predict_proba(X_test)[:, 1]

    matrix = tables["confusion_matrix"].pivot(index="true", columns="predicted", values="count")
    np.testing.assert_array_equal(
        matrix.to_numpy(), confusion_matrix(y_test, model.predict(X_test))
    )

    fpr, tpr, thresholds = roc_curve(y_test, proba)  # few points: nothing is thinned
    roc = tables["roc"]
    assert set(roc["class"]) == {"1"}
    np.testing.assert_array_equal(roc["fpr"], fpr)
    np.testing.assert_array_equal(roc["tpr"], tpr)
    np.testing.assert_array_equal(roc["threshold"], thresholds)
    assert roc["auc"].iloc[0] == auc(fpr, tpr)

    precision, recall, thresholds = precision_recall_curve(y_test, proba)
    pr = tables["precision_recall"]
    np.testing.assert_array_equal(pr["precision"], precision)
    np.testing.assert_array_equal(pr["recall"], recall)
    np.testing.assert_array_equal(pr["threshold"].iloc[:-1], thresholds)
    assert np.isnan(pr["threshold"].iloc[-1])
    assert pr["average_precision"].iloc[0] == average_precision_score(y_test, proba)

    prob_true, prob_pred = calibration_curve(y_test, proba, n_bins=10)
    np.testing.assert_array_equal(tables["calibration"]["prob_true"], prob_true)
    np.testing.assert_array_equal(tables["calibration"]["prob_pred"], prob_pred)
    assert tables["probability_histogram"]["count"].sum() == len(y_test)

    p, r, f, s = precision_recall_fscore_support(y_test, model.predict(X_test), zero_division=0.0)
    per_class = tables["per_class"]
    for column, expected in zip(
        ("precision", "recall", "f1", "support"), (p, r, f, s), strict=True
    ):
        np.testing.assert_array_equal(per_class[column], expected)


def test_multiclass_curves_are_one_vs_rest_per_class(store: object) -> None:
    X_train, X_test, y_train, y_test = _split(600, classes=3)
    model = LogisticRegression().fit(X_train, y_train)
    tables = curve_tables(model, X_test, y_test)
    proba = model.predict_proba(X_test)
    assert sorted(set(tables["roc"]["class"])) == ["0", "1", "2"]
    for k in range(3):
        fpr, tpr, _ = roc_curve(y_test == k, proba[:, k])
        curve = tables["roc"][tables["roc"]["class"] == str(k)]
        np.testing.assert_array_equal(curve["fpr"], fpr)
        np.testing.assert_array_equal(curve["tpr"], tpr)
        pr = tables["precision_recall"][tables["precision_recall"]["class"] == str(k)]
        weights = np.linspace(0.5, 2.0, len(y_test))
        weighted = curve_tables(model, X_test, y_test, sample_weight=weights)["precision_recall"]
        weighted = weighted[weighted["class"] == str(k)]
        assert pr["average_precision"].iloc[0] == average_precision_score(y_test == k, proba[:, k])
        assert weighted["average_precision"].iloc[0] == average_precision_score(
            y_test == k, proba[:, k], sample_weight=weights
        )
    assert len(tables["confusion_matrix"]) == 9


def test_decision_function_serves_roc_without_calibration(store: object) -> None:
    X_train, X_test, y_train, y_test = _split(300)
    model = LinearSVC().fit(X_train, y_train)
    tables = curve_tables(model, X_test, y_test)
    fpr, tpr, _ = roc_curve(y_test, model.decision_function(X_test))
    np.testing.assert_array_equal(tables["roc"]["fpr"], fpr)
    np.testing.assert_array_equal(tables["roc"]["tpr"], tpr)
    assert "calibration" not in tables and "probability_histogram" not in tables


def test_regressor_tables(store: object) -> None:
    X, y = make_regression(300, 4, noise=5.0, random_state=0)
    model = LinearRegression().fit(X, y)
    tables = curve_tables(model, X, y)
    np.testing.assert_array_equal(tables["predicted_actual"]["actual"], y)
    np.testing.assert_array_equal(tables["predicted_actual"]["predicted"], model.predict(X))
    counts, edges = np.histogram(y - model.predict(X), bins=50)
    np.testing.assert_array_equal(tables["residual_histogram"]["count"], counts)
    np.testing.assert_array_equal(tables["residual_histogram"]["left"], edges[:-1])


def test_regressor_sample_is_bounded_and_deterministic() -> None:
    rng = np.random.RandomState(1)
    y = rng.normal(size=50_000)
    first, second = regressor_curves(y, y * 0.5), regressor_curves(y, y * 0.5)
    assert len(first["predicted_actual"]) == MAX_SCATTER_POINTS
    pd.testing.assert_frame_equal(first["predicted_actual"], second["predicted_actual"])
    assert first["residual_histogram"]["count"].sum() == 50_000


@pytest.mark.parametrize("n", [10_000, 200_000])
def test_thinning_keeps_ends_and_area(n: int) -> None:
    rng = np.random.RandomState(0)
    y = rng.randint(0, 2, n)
    scores = y * 0.3 + rng.uniform(size=n)  # an overlap, so the curves have ~n points
    fpr, tpr, _ = roc_curve(y, scores, drop_intermediate=False)
    kept = thin_curve(fpr, tpr)
    assert len(kept) <= MAX_CURVE_POINTS
    assert kept[0] == 0 and kept[-1] == len(fpr) - 1
    assert abs(auc(fpr[kept], tpr[kept]) - auc(fpr, tpr)) < AUC_TOLERANCE
    precision, recall, _ = precision_recall_curve(y, scores, drop_intermediate=False)
    kept = thin_curve(recall, precision)
    assert len(kept) <= MAX_CURVE_POINTS and kept[0] == 0 and kept[-1] == len(recall) - 1
    full = -_trapezoid(precision, recall)
    assert abs(-_trapezoid(precision[kept], recall[kept]) - full) < AUC_TOLERANCE


def test_thinning_adds_points_back_when_the_area_would_move() -> None:
    # a saw-tooth: too few evenly spread points would move its area a lot
    x = np.linspace(0, 1, 20_001)
    y = (np.arange(len(x)) % 2).astype(float)
    kept = thin_curve(x, y, max_points=100)
    assert abs(_trapezoid(y[kept], x[kept]) - _trapezoid(y, x)) < AUC_TOLERANCE


def test_thinned_tables_of_a_large_multiclass_split_stay_small(store: object) -> None:
    n = 100_000
    rng = np.random.RandomState(0)
    y = rng.randint(0, 10, n)
    proba = rng.dirichlet(np.ones(10), n)
    proba[np.arange(n), y] += 0.5
    proba /= proba.sum(axis=1, keepdims=True)
    tables = classifier_curves(y, proba.argmax(axis=1), np.arange(10), proba, probabilities=True)
    assert tables["roc"].groupby("class").size().max() <= MAX_CURVE_POINTS
    for k in range(10):
        fpr, tpr, _ = roc_curve(y == k, proba[:, k])
        curve = tables["roc"][tables["roc"]["class"] == str(k)]
        assert abs(auc(curve["fpr"], curve["tpr"]) - auc(fpr, tpr)) < AUC_TOLERANCE
        assert curve["auc"].iloc[0] == auc(fpr, tpr)  # the reported AUC is the full curve's
    with sktrack.start_run() as run:
        for name, table in tables.items():
            run.log_table(table, f"curves/test/{name}")
    store_ = sktrack.get_store()
    size = sum(len(store_.read_artifact(run.run_id, p)) for p in sktrack.list_artifacts(run.run_id))
    assert size < 200_000


def test_a_large_regression_split_stays_small(store: object) -> None:
    X, y = make_regression(100_000, 5, noise=10.0, random_state=0)
    est = sktrack.TrackedEstimator(DecisionTreeRegressor(max_depth=6), log_model=False)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    est.fit(X_train, y_train).evaluate(X_test, y_test)
    store_ = sktrack.get_store()
    paths = sktrack.list_artifacts(est.run_id_, "curves/test")
    assert sum(len(store_.read_artifact(est.run_id_, p)) for p in paths) < 200_000


def test_evaluate_and_fit_log_the_curves(store: object) -> None:
    X_train, X_test, y_train, y_test = _split(300)
    est = sktrack.TrackedEstimator(LogisticRegression(), log_model=False).fit(X_train, y_train)
    est.evaluate(X_test, y_test, split="val")
    names = {p.split("/")[1] for p in sktrack.list_artifacts(est.run_id_, "curves")}
    assert names == {"training", "val"}
    roc = sktrack.load_table(est.run_id_, "curves/val/roc")
    fpr, _, _ = roc_curve(y_test, est.predict_proba(X_test)[:, 1])
    np.testing.assert_array_equal(roc["fpr"], fpr)


def test_training_curves_can_be_turned_off(store: object) -> None:
    X_train, _, y_train, _ = _split(200)
    est = sktrack.TrackedEstimator(LogisticRegression(), log_model=False, log_curves=False)
    est.fit(X_train, y_train)
    assert sktrack.list_artifacts(est.run_id_, "curves") == []
    with pytest.raises(sktrack.InvalidArgumentError, match="log_curves must be True or False"):
        sktrack.TrackedEstimator(LogisticRegression(), log_curves="yes").fit(X_train, y_train)


def test_search_logs_validation_curves_and_the_best_estimators_training_curves(
    store: object,
) -> None:
    from sklearn.tree import DecisionTreeClassifier

    X_train, X_test, y_train, y_test = _split(300)
    search = sktrack.TrackedGridSearchCV(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": [1, 2, 4], "min_samples_leaf": [1, 5]},
        scoring="roc_auc",
        return_train_score=True,
        log_model=False,
    ).fit(X_train, y_train)
    search.evaluate(X_test, y_test)
    paths = set(sktrack.list_artifacts(search.run_id_, "curves"))
    assert {"curves/cv/validation_curve.parquet", "curves/training/roc.parquet"} <= paths
    assert "curves/test/roc.parquet" in paths
    curve = sktrack.load_table(search.run_id_, "curves/cv/validation_curve")
    results = pd.DataFrame(search.cv_results_)
    for value in (1, 2, 4):
        best = results[results["param_max_depth"] == value]["mean_test_score"].max()
        row = curve[(curve["param"] == "max_depth") & (curve["value"] == str(value))]
        assert row["mean_test_score"].iloc[0] == best
        assert "mean_train_score" in row and "std_test_score" in row
    for child in search.child_run_ids_:
        assert sktrack.list_artifacts(child, "curves") == []
    fit_time = sktrack.load_table(search.run_id_, "curves/cv/fit_time_score")
    assert len(fit_time) == 6


def test_counted_tables_equal_scikit_learns_with_weights_and_labels_outside_the_classes() -> None:
    # the confusion matrix and the per-class table are counted, not asked of scikit-learn
    rng = np.random.default_rng(3)
    labels = np.array(["ham", "spam", "eggs"], dtype=object)  # not in sorted order
    y = rng.choice(np.array(["ham", "spam", "eggs", "toast"], dtype=object), 500)
    y_pred = rng.choice(labels, 500)
    weights = rng.uniform(0.0, 2.0, 500)
    for weight in (None, weights, rng.integers(0, 3, 500)):
        tables = classifier_curves(
            y, y_pred, labels, None, probabilities=False, sample_weight=weight
        )
        matrix = tables["confusion_matrix"]["count"].to_numpy().reshape(3, 3)
        expected = confusion_matrix(y, y_pred, labels=labels, sample_weight=weight)
        np.testing.assert_array_equal(matrix, expected)
        assert matrix.dtype == expected.dtype
        p, r, f, s = precision_recall_fscore_support(
            y, y_pred, labels=labels, sample_weight=weight, zero_division=0.0
        )
        per_class = tables["per_class"]
        for column, want in zip(
            ["precision", "recall", "f1", "support"], [p, r, f, s], strict=True
        ):
            np.testing.assert_allclose(per_class[column], want, rtol=1e-12, atol=0)
