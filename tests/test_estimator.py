"""TrackedEstimator: the scikit-learn contract, what a fit logs, evaluate() and score()."""

from __future__ import annotations

import pickle
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn import config_context
from sklearn.base import clone, is_classifier, is_clusterer, is_regressor
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestRegressor
from sklearn.exceptions import NotFittedError, UnsetMetadataPassedError
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import (
    mean_absolute_error,
    mean_squared_error,
    r2_score,
    root_mean_squared_error,
)
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils.estimator_checks import check_estimator, parametrize_with_checks

import sktrack
from sktrack import TrackedEstimator, read_artifact
from sktrack._sklearn import SIGNATURE_ARTIFACT
from sktrack.exceptions import InvalidArgumentError, MethodologyWarning, SignatureError

# scikit-learn 1.6 with SciPy >= 1.15 warns inside LogisticRegression's solver; not ours.
pytestmark = pytest.mark.filterwarnings("ignore:scipy.optimize.:DeprecationWarning")

# Fixed seeds: the contract checks set random_state only on the estimator they are given,
# and cannot reach the one inside the wrapper.
CONTRACT_ESTIMATORS = [
    LogisticRegression(random_state=0),
    Ridge(),
    DecisionTreeClassifier(random_state=0),
    RandomForestRegressor(n_estimators=5, random_state=0),
    StandardScaler(),
    KMeans(n_clusters=2, n_init=1, random_state=0),
    HistGradientBoostingClassifier(max_iter=5, random_state=0),
    make_pipeline(
        ColumnTransformer([("scale", StandardScaler(), [0])], remainder="passthrough"),
        LogisticRegression(random_state=0),
    ),
]

# Checks the bare Pipeline(ColumnTransformer, LogisticRegression) fails by itself, on every
# supported scikit-learn (ColumnTransformer's own messages); the wrapper passes on the
# estimator's errors unchanged, so it fails them the same way.  The test below keeps this
# list honest.
BARE_PIPELINE_FAILURES = {
    "check_estimators_empty_data_messages": "ColumnTransformer indexes an empty X before checking it",
    "check_estimator_sparse_array": "ColumnTransformer cannot index a dia sparse array",
    "check_estimator_sparse_matrix": "ColumnTransformer cannot index a dia sparse matrix",
    "check_fit1d": "ColumnTransformer raises an IndexError on 1-D X",
    "check_fit2d_predict1d": "ColumnTransformer's message does not say 'Reshape your data'",
}


def _expected_failures(estimator: Any) -> dict[str, str]:
    inner = getattr(estimator, "estimator", estimator)
    return dict(BARE_PIPELINE_FAILURES) if isinstance(inner, Pipeline) else {}


def _parametrize(estimators: list[Any]) -> Any:
    # scikit-learn 1.6 hands pytest a generator, which pytest 9 deprecates: make it a list
    mark = parametrize_with_checks(estimators, expected_failed_checks=_expected_failures)
    return pytest.mark.parametrize(mark.args[0], list(mark.args[1]), **mark.kwargs)


# Each check fits many times: every fit logs a run into this test's own store (conftest),
# without the model to keep it fast; one estimator keeps log_model=True.
@_parametrize(
    [TrackedEstimator(est, log_model=False) for est in CONTRACT_ESTIMATORS]
    + [TrackedEstimator(Ridge(alpha=2.0), log_model=True)]
)
def test_scikit_learn_contract(estimator: Any, check: Any) -> None:
    check(estimator)


def test_the_bare_pipeline_fails_the_checks_listed_for_it() -> None:
    bare = clone(CONTRACT_ESTIMATORS[-1])
    results = check_estimator(bare, on_fail=None, on_skip=None)
    failed = {r["check_name"] for r in results if r["status"] == "failed"}
    assert set(BARE_PIPELINE_FAILURES) <= failed


# -- data ------------------------------------------------------------------------------


@pytest.fixture
def regression() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    return X, X @ np.array([1.0, -2.0, 0.5]) + rng.normal(scale=0.1, size=60)


@pytest.fixture
def frame() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.RandomState(1)
    X = pd.DataFrame({"age": rng.randint(18, 80, 40), "income": rng.normal(50, 10, 40)})
    return X, (X["income"] > 50).to_numpy().astype(int)


# -- what a fit logs ---------------------------------------------------------------------


def test_fit_logs_params_metrics_tags_signature_and_model(store: Any, regression: Any) -> None:
    X, y = regression
    est = TrackedEstimator(Ridge(alpha=0.5), run_name="baseline", experiment="prices")
    assert est.fit(X, y) is est

    run = sktrack.get_run(est.run_id_)
    assert (run.info.run_name, run.info.experiment) == ("baseline", "prices")
    assert run.info.status == "FINISHED"
    assert run.params["alpha"] == 0.5 and run.params["solver"] == "auto"
    y_pred = est.estimator_.predict(X)
    assert run.metrics["training_r2_score"] == r2_score(y, y_pred)
    assert run.metrics["training_root_mean_squared_error"] == root_mean_squared_error(y, y_pred)
    assert run.tags["estimator_name"] == "Ridge"
    assert run.tags["estimator_class"] == "sklearn.linear_model._ridge.Ridge"
    assert run.tags["dataset.shape"] == "[60, 3]" and len(run.tags["dataset.hash"]) == 64
    assert run.tags["sktrack.sklearn_version"]
    assert est.signature_ == sktrack.Signature.from_json(
        read_artifact(est.run_id_, SIGNATURE_ARTIFACT).decode()
    )
    model = sktrack.load_model(f"runs:/{est.run_id_}/model")
    assert type(model) is Ridge
    np.testing.assert_array_equal(model.predict(X), est.predict(X))


def test_inside_an_active_run_fit_logs_into_it_and_leaves_it_open(
    store: Any, regression: Any
) -> None:
    X, y = regression
    with sktrack.start_run(run_name="outer") as outer:
        est = TrackedEstimator(Ridge(), run_name="unused", log_model=False).fit(X, y)
        assert sktrack.active_run() == outer
    assert est.run_id_ == outer.run_id
    run = sktrack.get_run(outer.run_id)
    assert run.info.run_name == "outer" and "training_r2_score" in run.metrics
    assert len(sktrack.search_runs()) == 1


def test_the_estimators_own_error_propagates_unchanged_and_fails_the_run(store: Any) -> None:
    X, y = np.zeros((4, 2)), np.array([0.1, 0.2, 0.3, 0.4])
    with pytest.raises(ValueError) as bare:
        LogisticRegression().fit(X, y)
    with pytest.raises(ValueError) as tracked:
        TrackedEstimator(LogisticRegression()).fit(X, y)
    assert str(tracked.value) == str(bare.value)
    assert "Unknown label type" in str(tracked.value)
    assert sktrack.search_runs()["status"].tolist() == ["FAILED"]


def test_tracking_does_not_change_the_model(regression: Any, store: Any) -> None:
    X, y = regression
    bare = RandomForestRegressor(n_estimators=5, random_state=0).fit(X, y)
    tracked = TrackedEstimator(RandomForestRegressor(n_estimators=5, random_state=0)).fit(X, y)
    np.testing.assert_array_equal(tracked.predict(X), bare.predict(X))
    assert tracked.score(X, y) == bare.score(X, y)


def test_a_tracked_estimator_inside_a_tracked_estimator_logs_once(
    store: Any, regression: Any
) -> None:
    X, y = regression
    outer = TrackedEstimator(make_pipeline(StandardScaler(), TrackedEstimator(Ridge())))
    outer.fit(X, y)
    assert len(sktrack.search_runs()) == 1
    inner = outer.estimator_[-1]
    assert inner.run_id_ is None and inner.signature_ is not None
    np.testing.assert_allclose(outer.predict(X), inner.predict(outer.estimator_[0].transform(X)))


def test_log_model_false_logs_no_model(store: Any, regression: Any) -> None:
    X, y = regression
    est = TrackedEstimator(Ridge(), log_model=False).fit(X, y)
    artifacts = sktrack.list_artifacts(est.run_id_)
    assert [a for a in artifacts if not a.startswith(("curves/", "dataset/"))] == [
        SIGNATURE_ARTIFACT
    ]


# -- evaluate and score -------------------------------------------------------------------


def test_evaluate_logs_split_metrics_after_the_run_ended(store: Any, regression: Any) -> None:
    X, y = regression
    est = TrackedEstimator(LinearRegression(), log_model=False).fit(X[:40], y[:40])
    assert sktrack.get_run(est.run_id_).info.status == "FINISHED"

    with pytest.warns(MethodologyWarning, match="has 20 rows, too few"):
        metrics = est.evaluate(X[40:], y[40:])

    y_pred = est.estimator_.predict(X[40:])
    assert metrics == {
        "test_r2_score": r2_score(y[40:], y_pred),
        "test_mean_squared_error": mean_squared_error(y[40:], y_pred),
        "test_root_mean_squared_error": root_mean_squared_error(y[40:], y_pred),
        "test_mean_absolute_error": mean_absolute_error(y[40:], y_pred),
        "test_score": r2_score(y[40:], y_pred),
    }
    logged = sktrack.get_run(est.run_id_).metrics
    assert {k: logged[k] for k in metrics} == metrics


def test_evaluate_with_another_split_and_weights(store: Any, frame: Any) -> None:
    X, y = frame
    weights = np.linspace(0.5, 2.0, len(y))
    est = TrackedEstimator(LogisticRegression(), log_model=False).fit(X, y)
    with pytest.warns(MethodologyWarning, match="100% of the rows evaluated as 'holdout'"):
        metrics = est.evaluate(X, y, split="holdout", sample_weight=weights)
    assert sorted(metrics) == [
        "holdout_accuracy_score",
        "holdout_f1_score",
        "holdout_log_loss",
        "holdout_precision_score",
        "holdout_recall_score",
        "holdout_roc_auc",
        "holdout_score",
    ]
    bare = LogisticRegression().fit(X, y)
    assert metrics["holdout_score"] == bare.score(X, y, sample_weight=weights)


def test_evaluate_refuses_an_empty_split(store: Any, regression: Any) -> None:
    X, y = regression
    est = TrackedEstimator(Ridge(), log_model=False).fit(X, y)
    with pytest.raises(InvalidArgumentError, match="evaluate split must be a non-empty str"):
        est.evaluate(X, y, split="")


def test_score_returns_the_inner_score_and_logs_test_score(store: Any, regression: Any) -> None:
    X, y = regression
    est = TrackedEstimator(Ridge(), log_model=False).fit(X[:40], y[:40])
    first, second = est.score(X[40:], y[40:]), est.score(X[:40], y[:40])
    assert first == Ridge().fit(X[:40], y[:40]).score(X[40:], y[40:])
    history = sktrack.get_metric_history(est.run_id_, "test_score")
    assert history["value"].tolist() == [first, second]


# -- the estimator protocol ----------------------------------------------------------------


def test_methods_show_only_when_the_inner_estimator_has_them() -> None:
    assert hasattr(TrackedEstimator(LogisticRegression()), "predict_proba")
    assert not hasattr(TrackedEstimator(Ridge()), "predict_proba")
    assert not hasattr(TrackedEstimator(Ridge()), "transform")
    assert hasattr(TrackedEstimator(StandardScaler()), "fit_transform")
    assert hasattr(TrackedEstimator(KMeans()), "fit_predict")
    assert not hasattr(TrackedEstimator(Ridge()), "set_output")


def test_tags_come_from_the_inner_estimator() -> None:
    assert is_classifier(TrackedEstimator(LogisticRegression()))
    assert is_regressor(TrackedEstimator(Ridge()))
    assert is_clusterer(TrackedEstimator(KMeans()))


def test_fitted_attributes_of_the_inner_estimator_show_through(store: Any, frame: Any) -> None:
    X, y = frame
    est = TrackedEstimator(LogisticRegression(), log_model=False)
    assert not hasattr(est, "classes_")
    est.fit(X, y)
    assert est.classes_.tolist() == [0, 1]
    assert est.n_features_in_ == 2
    assert est.feature_names_in_.tolist() == ["age", "income"]
    assert est.coef_.shape == (1, 2)
    with pytest.raises(AttributeError, match="'TrackedEstimator' object has no attribute 'nope_'"):
        _ = est.nope_


def test_unfitted_predict_raises_not_fitted() -> None:
    with pytest.raises(NotFittedError):
        TrackedEstimator(Ridge()).predict(np.zeros((2, 3)))


def test_clone_and_nested_params() -> None:
    est = TrackedEstimator(Ridge(alpha=1.0), run_name="r", log_model=False)
    est.set_params(estimator__alpha=3.0)
    params = clone(est).get_params()
    assert params["estimator__alpha"] == 3.0
    assert (params["run_name"], params["log_model"]) == ("r", False)


def test_pickling_a_fitted_estimator_keeps_its_run(store: Any, regression: Any) -> None:
    X, y = regression
    est = TrackedEstimator(Ridge(), log_model=False).fit(X, y)
    copy = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(copy.predict(X), est.predict(X))
    with pytest.warns(MethodologyWarning, match="were fitted on"):  # the rows came along
        copy.evaluate(X, y, split="again")
    assert "again_r2_score" in sktrack.get_run(est.run_id_).metrics


def test_invalid_arguments_are_refused_at_fit(regression: Any) -> None:
    X, y = regression
    with pytest.raises(InvalidArgumentError, match="log_model must be True or False, got 'yes'"):
        TrackedEstimator(Ridge(), log_model="yes").fit(X, y)
    with pytest.raises(InvalidArgumentError, match="run_name must be a str or None, got 3"):
        TrackedEstimator(Ridge(), run_name=3).fit(X, y)
    with pytest.raises(InvalidArgumentError, match="needs an estimator with a fit method, got str"):
        TrackedEstimator("ridge").fit(X, y)


def test_fit_transform_and_fit_predict_log_the_fit(store: Any, regression: Any) -> None:
    X, _ = regression
    out = TrackedEstimator(StandardScaler(), log_model=False).fit_transform(X)
    np.testing.assert_array_equal(out, StandardScaler().fit_transform(X))
    labels = TrackedEstimator(KMeans(n_clusters=2, n_init=1, random_state=0)).fit_predict(X)
    np.testing.assert_array_equal(
        labels, KMeans(n_clusters=2, n_init=1, random_state=0).fit_predict(X)
    )
    runs = sktrack.search_runs()
    assert sorted(runs["tags.estimator_name"]) == ["KMeans", "StandardScaler"]
    assert "metrics.training_silhouette_score" in runs


def test_the_saved_model_is_the_bare_inner_estimator(store: Any, regression: Any) -> None:
    X, y = regression
    est = TrackedEstimator(Ridge(), log_model=False).fit(X, y)
    with sktrack.start_run():
        info = sktrack.log_model(est)
    assert type(sktrack.load_model(info.model_uri)) is Ridge


# -- metadata routing -------------------------------------------------------------------


def test_sample_weight_reaches_the_fit_and_weights_the_metrics(store: Any, regression: Any) -> None:
    X, y = regression
    weights = np.linspace(0.1, 3.0, len(y))
    est = TrackedEstimator(Ridge(), log_model=False).fit(X, y, sample_weight=weights)
    bare = Ridge().fit(X, y, sample_weight=weights)
    np.testing.assert_array_equal(est.coef_, bare.coef_)
    logged = sktrack.get_run(est.run_id_).metrics["training_r2_score"]
    assert logged == r2_score(y, bare.predict(X), sample_weight=weights)


def test_with_metadata_routing_sample_weight_goes_where_requested(
    store: Any, regression: Any
) -> None:
    X, y = regression
    weights = np.linspace(0.1, 3.0, len(y))
    with config_context(enable_metadata_routing=True):
        requested = TrackedEstimator(Ridge().set_fit_request(sample_weight=True), log_model=False)
        requested.fit(X, y, sample_weight=weights)
        np.testing.assert_array_equal(
            requested.coef_, Ridge().fit(X, y, sample_weight=weights).coef_
        )
        with pytest.raises(UnsetMetadataPassedError):
            TrackedEstimator(Ridge(), log_model=False).fit(X, y, sample_weight=weights)


# -- inside pipelines and searches -------------------------------------------------------


def test_inside_a_pipeline_with_pandas_output(store: Any, frame: Any) -> None:
    X, y = frame
    pipe = make_pipeline(TrackedEstimator(StandardScaler(), log_model=False), LogisticRegression())
    pipe.set_output(transform="pandas")
    pipe.fit(X, y)
    out = pipe[0].transform(X)
    assert isinstance(out, pd.DataFrame) and out.columns.tolist() == ["age", "income"]
    assert pipe.score(X, y) == make_pipeline(StandardScaler(), LogisticRegression()).fit(
        X, y
    ).score(X, y)
    assert sktrack.search_runs()["tags.estimator_name"].tolist() == ["StandardScaler"]


def test_inside_grid_search_each_fit_is_a_run(store: Any, regression: Any) -> None:
    X, y = regression
    search = GridSearchCV(
        TrackedEstimator(Ridge(), log_model=False), {"estimator__alpha": [0.1, 10.0]}, cv=3
    )
    search.fit(X, y)
    assert search.best_params_ == {"estimator__alpha": 0.1}
    assert search.best_estimator_.run_id_ is not None
    assert len(sktrack.search_runs()) == 2 * 3 + 1


def test_inside_cross_val_score(store: Any, regression: Any) -> None:
    X, y = regression
    scores = cross_val_score(TrackedEstimator(Ridge(), log_model=False), X, y, cv=3)
    np.testing.assert_array_equal(scores, cross_val_score(Ridge(), X, y, cv=3))


# -- checking input against the signature ---------------------------------------------------


def test_a_safe_cast_passes_and_gives_the_same_predictions(store: Any, frame: Any) -> None:
    X, y = frame
    est = TrackedEstimator(LogisticRegression(), log_model=False).fit(X, y)
    narrower = X.astype({"age": "int8", "income": "float32"})
    widened = X.assign(income=narrower["income"].astype("float64"))
    np.testing.assert_array_equal(est.predict_proba(narrower), est.predict_proba(widened))


def test_an_unsafe_dtype_change_raises_a_signature_error_naming_the_column(
    store: Any, frame: Any
) -> None:
    X, y = frame
    est = TrackedEstimator(LogisticRegression(), log_model=False).fit(X, y)
    bad = X.assign(age=X["age"].astype(str))
    # pandas 3 names the text dtype "str", pandas 2 keeps text as object
    got = r"(str|object \(strings\))"
    with pytest.raises(SignatureError, match=f"column 'age': expected int64, got {got}"):
        est.predict(bad)


def test_columns_out_of_order_are_refused_as_the_bare_estimator_refuses_them(
    store: Any, frame: Any
) -> None:
    X, y = frame
    est = TrackedEstimator(LogisticRegression(), log_model=False).fit(X, y)
    with pytest.raises(ValueError, match="Feature names must be in the same order"):
        est.predict(X[["income", "age"]])
    with pytest.raises(ValueError, match="Feature names seen at fit time, yet now missing"):
        est.predict(X[["age"]])


def test_an_array_of_another_width_gets_the_bare_estimators_error(
    store: Any, regression: Any
) -> None:
    X, y = regression
    est = TrackedEstimator(Ridge(), log_model=False).fit(X, y)
    with pytest.raises(ValueError, match="X has 2 features, but Ridge is expecting 3"):
        est.predict(X[:, :2])
