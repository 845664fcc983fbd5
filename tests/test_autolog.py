"""autolog(): top-level fits log themselves, nested ones do not, and disable restores exactly."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

import joblib
import numpy as np
import pytest
from sklearn.base import TransformerMixin
from sklearn.ensemble import VotingRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, cross_val_predict, cross_val_score
from sklearn.model_selection._search import BaseSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils.validation import has_fit_parameter

import sktrack
from sktrack import TrackedEstimator
from sktrack._sklearn._autolog import _patch_targets
from sktrack.exceptions import InvalidArgumentError, SktrackWarning


@pytest.fixture
def autologged(store: Any) -> Iterator[None]:
    """autolog() for one test; scikit-learn is restored even if the test fails."""
    sktrack.autolog(log_models=False)
    try:
        yield
    finally:
        sktrack.autolog(disable=True)


@pytest.fixture
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3))
    return X, X @ np.array([1.0, 2.0, -1.0]) + 0.5


def runs() -> Any:
    return sktrack.search_runs(order_by=["attributes.start_time"])


def test_a_baseline_fit_logs_one_run_with_params_metrics_and_model(store: Any, data: Any) -> None:
    X, y = data
    sktrack.autolog()
    try:
        model = LinearRegression().fit(X, y)
    finally:
        sktrack.autolog(disable=True)

    (run_id,) = runs()["run_id"]
    run = sktrack.get_run(run_id)
    assert run.params["fit_intercept"] is True
    assert run.metrics["training_r2_score"] == model.score(X, y)
    assert run.tags["estimator_name"] == "LinearRegression"
    assert run.tags["sktrack.autolog"] == "true"
    loaded = sktrack.load_model(f"runs:/{run_id}/model")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_cross_validation_logs_no_runs(autologged: None, data: Any) -> None:
    X, y = data
    cross_val_score(Ridge(), X, y, cv=3)
    cross_val_predict(Ridge(), X, y, cv=3)
    assert runs().empty


def test_cross_validation_in_threads_logs_no_runs(autologged: None, data: Any) -> None:
    X, y = data
    with joblib.parallel_backend("threading", n_jobs=2):
        cross_val_score(Ridge(), X, y, cv=3, n_jobs=2)
    assert runs().empty


def test_a_pipeline_is_one_run_not_one_per_step(autologged: None, data: Any) -> None:
    X, y = data
    make_pipeline(StandardScaler(), Ridge()).fit(X, y)
    VotingRegressor([("a", Ridge()), ("b", LinearRegression())]).fit(X, y)
    assert runs()["tags.estimator_name"].tolist() == ["Pipeline", "VotingRegressor"]


def test_fit_transform_is_one_run(autologged: None, data: Any) -> None:
    X, _ = data
    StandardScaler().fit_transform(X)
    make_pipeline(StandardScaler()).fit_transform(X)  # an available_if method
    assert runs()["tags.estimator_name"].tolist() == ["StandardScaler", "Pipeline"]


def test_a_search_is_a_parent_with_its_best_candidates(autologged: None, data: Any) -> None:
    X, y = data
    GridSearchCV(Ridge(), {"alpha": [0.01, 1.0, 100.0]}, cv=3).fit(X, y)
    frame = runs()
    parent = frame[frame["parent_run_id"].isna()]
    assert parent["tags.estimator_name"].tolist() == ["GridSearchCV"]
    children = frame[frame["parent_run_id"] == parent["run_id"].iloc[0]]
    assert len(children) == 3 and len(frame) == 4


def test_top_k_limits_the_children(store: Any, data: Any) -> None:
    X, y = data
    sktrack.autolog(log_models=False, top_k=1)
    try:
        GridSearchCV(Ridge(), {"alpha": [0.01, 1.0, 100.0]}, cv=3).fit(X, y)
    finally:
        sktrack.autolog(disable=True)
    assert len(runs()) == 2


def test_inside_an_active_run_the_fit_logs_into_it(autologged: None, data: Any) -> None:
    X, y = data
    with sktrack.start_run(run_name="mine") as run:
        Ridge().fit(X, y)
    assert runs()["run_name"].tolist() == ["mine"]
    assert sktrack.get_run(run.run_id).tags["estimator_name"] == "Ridge"


def test_a_tracked_estimator_logs_once(autologged: None, data: Any) -> None:
    X, y = data
    TrackedEstimator(make_pipeline(StandardScaler(), Ridge()), log_model=False).fit(X, y)
    frame = runs()
    assert frame["tags.estimator_name"].tolist() == ["Pipeline"]
    assert "tags.sktrack.autolog" not in frame or frame["tags.sktrack.autolog"].isna().all()


def test_a_tracked_search_is_logged_once(autologged: None, data: Any) -> None:
    X, y = data
    search = sktrack.TrackedGridSearchCV(
        Ridge(), {"alpha": [0.01, 1.0]}, cv=3, top_k=2, log_model=False
    ).fit(X, y)
    frame = runs()
    assert len(frame) == 3
    assert "tags.sktrack.autolog" not in frame or frame["tags.sktrack.autolog"].isna().all()
    assert frame["parent_run_id"].dropna().unique().tolist() == [search.run_id_]


def test_the_estimators_own_error_propagates_and_fails_the_run(autologged: None, data: Any) -> None:
    X, _ = data
    with pytest.raises(ValueError, match="Unknown label type"):
        LogisticRegression().fit(X, X[:, 0])
    assert runs()["status"].tolist() == ["FAILED"]


def test_a_failure_to_log_warns_and_leaves_the_model_fitted(store: Any, data: Any) -> None:
    X, y = data
    sktrack.autolog()  # with models: a lambda cannot be saved
    try:
        with pytest.warns(SktrackWarning, match="autolog could not log the fit of Pipeline"):
            pipe = make_pipeline(FunctionTransformer(lambda v: v), Ridge()).fit(X, y)
    finally:
        sktrack.autolog(disable=True)
    assert pipe.predict(X).shape == (40,)


def test_the_patched_methods_keep_their_signatures(autologged: None) -> None:
    assert "sample_weight" in inspect.signature(Ridge.fit).parameters
    assert has_fit_parameter(Ridge(), "sample_weight")
    assert Ridge.fit.__name__ == "fit"


def test_disable_restores_exactly_the_original_methods(store: Any) -> None:
    targets = _patch_targets()
    before = {(owner, name): vars(owner)[name] for owner, name in targets}
    assert (BaseSearchCV, "fit") in before and (TransformerMixin, "fit_transform") in before
    assert (Pipeline, "fit_transform") in before  # an available_if descriptor

    sktrack.autolog()
    sktrack.autolog(log_models=False)  # enabling twice wraps once
    assert all(vars(owner)[name] is not before[(owner, name)] for owner, name in targets)
    assert getattr(vars(Ridge)["fit"], "__sktrack_original__", None) is before[(Ridge, "fit")]
    sktrack.autolog(disable=True)

    assert all(vars(owner)[name] is before[(owner, name)] for owner, name in targets)
    sktrack.autolog(disable=True)  # disabling twice is harmless
    assert all(vars(owner)[name] is before[(owner, name)] for owner, name in targets)


def test_after_disable_fits_log_nothing(store: Any, data: Any) -> None:
    X, y = data
    sktrack.autolog()
    sktrack.autolog(disable=True)
    Ridge().fit(X, y)
    assert runs().empty


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"disable": "no"}, "autolog disable must be True or False, got 'no'"),
        ({"log_models": 1}, "autolog log_models must be True or False, got 1"),
    ],
)
def test_invalid_options_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        sktrack.autolog(**options)
