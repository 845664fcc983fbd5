"""TrackingCallback: a plain scikit-learn search (or estimator) logged through set_callbacks."""

from __future__ import annotations

import math
import sys
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import make_regression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.tree import DecisionTreeRegressor

import sktrack
from sktrack import RunStatus, SktrackError, TrackingCallback
from sktrack._sklearn._search import HalvingGridSearchCV, TrackedGridSearchCV

pytest.importorskip("sklearn.callback", reason="callbacks need scikit-learn >= 1.9")

SCORERS = ["r2", "neg_root_mean_squared_error", "neg_mean_absolute_error"]
GRID = {"max_depth": [1, 2, 4, None], "min_samples_leaf": [1, 8]}
NON_FINITE = "ignore:One or more of the .* scores are non-finite:UserWarning"


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    X, y = make_regression(n_samples=150, n_features=5, noise=20.0, random_state=0)
    return X, y


def tree() -> DecisionTreeRegressor:
    return DecisionTreeRegressor(random_state=0)


def summary(run_ids: list[str]) -> list[tuple[dict[str, Any], dict[str, float], str]]:
    """What two logs of the same search must share: params, scores (not times), the winner."""
    runs = [sktrack.get_run(r) for r in run_ids]
    return [
        (
            {k: v for k, v in r.params.items() if k != "n_jobs"},
            {k: v for k, v in r.metrics.items() if "_time" not in k},
            r.tags["sktrack.best"],
        )
        for r in runs
    ]


def test_a_search_with_the_callback_logs_what_a_tracked_search_logs(store: Any, data: Any) -> None:
    callback = TrackingCallback(top_k=3, run_name="via-callback")
    search = GridSearchCV(tree(), GRID, cv=3, scoring=SCORERS, refit="neg_mean_absolute_error")
    search.set_callbacks(callback).fit(*data)
    tracked = TrackedGridSearchCV(
        tree(), GRID, cv=3, scoring=SCORERS, refit="neg_mean_absolute_error", top_k=3
    ).fit(*data)

    [run_id] = callback.run_ids_
    parent = sktrack.get_run(run_id)
    assert parent.info.run_name == "via-callback"
    assert parent.info.status is RunStatus.FINISHED
    assert parent.params["best_max_depth"] == search.best_params_["max_depth"]
    assert parent.tags["estimator_name"] == "GridSearchCV"
    tracked_parent = sktrack.get_run(tracked.run_id_)
    assert {k: v for k, v in parent.metrics.items() if "time" not in k} == {
        k: v for k, v in tracked_parent.metrics.items() if "time" not in k
    }
    assert summary(callback.child_run_ids_[run_id]) == summary(tracked.child_run_ids_)
    table = sktrack.load_table(run_id, "cv_results")
    np.testing.assert_array_equal(table["mean_test_r2"], search.cv_results_["mean_test_r2"])
    assert sorted(sktrack.list_artifacts(run_id)) == [
        "cv_results.parquet",
        "model/MLmodel",
        "model/model.json",
        "model/model.skops",
        "signature.json",
    ]
    assert sktrack.active_run() is None


def test_parallel_workers_log_nothing_and_give_the_same_children(store: Any, data: Any) -> None:
    sequential, parallel = TrackingCallback(top_k=4), TrackingCallback(top_k=4)
    GridSearchCV(tree(), GRID, cv=3).set_callbacks(sequential).fit(*data)
    GridSearchCV(tree(), GRID, cv=3, n_jobs=2).set_callbacks(parallel).fit(*data)
    assert summary(parallel.child_run_ids_[parallel.run_ids_[0]]) == summary(
        sequential.child_run_ids_[sequential.run_ids_[0]]
    )
    assert len(sktrack.search_runs()) == 2 * (1 + 4)


def test_an_active_run_is_the_parent(store: Any, data: Any) -> None:
    callback = TrackingCallback(top_k=2)
    with sktrack.start_run(run_name="outer") as outer:
        GridSearchCV(tree(), GRID, cv=3).set_callbacks(callback).fit(*data)
        assert sktrack.active_run() == outer
    assert callback.run_ids_ == [outer.run_id]
    children = [sktrack.get_run(c) for c in callback.child_run_ids_[outer.run_id]]
    assert [c.info.parent_run_id for c in children] == [outer.run_id] * 2


def test_each_fit_is_a_run_of_its_own(store: Any, data: Any) -> None:
    callback = TrackingCallback(top_k=1, log_model=False)
    search = GridSearchCV(tree(), GRID, cv=3).set_callbacks(callback)
    search.fit(*data)
    search.fit(*data)
    assert len(set(callback.run_ids_)) == 2


def test_halving_search_with_the_callback(store: Any, data: Any) -> None:
    callback = TrackingCallback(top_k=2, log_model=False)
    search = HalvingGridSearchCV(tree(), GRID, cv=3, random_state=0).set_callbacks(callback)
    search.fit(*data)
    [run_id] = callback.run_ids_
    best = sktrack.get_run(callback.child_run_ids_[run_id][0])
    assert best.tags["sktrack.candidate_index"] == str(search.best_index_)
    assert best.metrics["iter"] == search.n_iterations_ - 1


def test_a_fitted_search_carrying_the_callback_saves_with_skops(store: Any, data: Any) -> None:
    search = GridSearchCV(tree(), GRID, cv=3).set_callbacks(TrackingCallback(top_k=0))
    search.fit(*data)
    with sktrack.start_run():
        info = sktrack.log_model(search, "search")
    loaded = sktrack.load_model(info.model_uri)
    assert not hasattr(loaded, "_skl_callbacks")
    np.testing.assert_array_equal(loaded.predict(data[0]), search.predict(data[0]))


def test_an_estimator_that_is_not_a_search_is_logged_as_one_fit(store: Any) -> None:
    X, y = make_regression(n_samples=80, n_features=3, random_state=0)
    labels = (y > 0).astype(int)
    callback = TrackingCallback(run_name="logreg")
    model = LogisticRegression(C=0.5).set_callbacks(callback).fit(X, labels)
    [run_id] = callback.run_ids_
    run = sktrack.get_run(run_id)
    assert run.info.run_name == "logreg"
    assert run.params["C"] == 0.5
    assert run.metrics["training_accuracy_score"] == model.score(X, labels)
    assert run_id not in callback.child_run_ids_
    loaded = sktrack.load_model(f"runs:/{run_id}/model")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_a_failing_fit_fails_the_run_and_propagates(store: Any, data: Any) -> None:
    callback = TrackingCallback(run_name="doomed")
    search = GridSearchCV(tree(), {"max_depth": [-1]}, cv=3).set_callbacks(callback)
    with pytest.raises(ValueError, match="All the 3 fits failed"):
        search.fit(*data)
    runs = sktrack.search_runs()
    assert runs["run_name"].tolist() == ["doomed"]
    assert runs["status"].tolist() == ["FAILED"]
    assert callback.run_ids_ == []
    assert sktrack.active_run() is None


@pytest.mark.filterwarnings(NON_FINITE)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.FitFailedWarning")
def test_failed_candidates_are_failed_children(store: Any, data: Any) -> None:
    callback = TrackingCallback(top_k=None)
    GridSearchCV(tree(), {"max_depth": [-1, 3]}, cv=3).set_callbacks(callback).fit(*data)
    children = [sktrack.get_run(c) for c in callback.child_run_ids_[callback.run_ids_[0]]]
    failed = children[-1]
    assert failed.params["max_depth"] == -1
    assert failed.info.status is RunStatus.FAILED
    assert math.isnan(failed.metrics["mean_test_score"])
    assert failed.tags["sktrack.error"].startswith("fit failed on 3 of 3 CV splits")


def test_refuses_older_scikit_learn(monkeypatch: pytest.MonkeyPatch) -> None:
    import sklearn

    monkeypatch.setitem(sys.modules, "sklearn.callback", None)  # as if it did not exist
    with pytest.raises(SktrackError) as info:
        TrackingCallback()
    assert str(info.value) == (
        f"TrackingCallback needs scikit-learn >= 1.9 (callbacks); scikit-learn "
        f"{sklearn.__version__} is installed. Upgrade it, or use TrackedGridSearchCV (and the "
        "other tracked searches) or TrackedEstimator, which work on any supported version"
    )


@pytest.mark.slow
def test_dask_backend_gives_the_same_children(store: Any, data: Any) -> None:
    joblib = pytest.importorskip("joblib")
    distributed = pytest.importorskip("distributed")
    sequential, on_dask = TrackingCallback(top_k=4), TrackingCallback(top_k=4)
    GridSearchCV(tree(), GRID, cv=3).set_callbacks(sequential).fit(*data)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
        joblib.parallel_config(backend="dask"),
    ):
        GridSearchCV(tree(), GRID, cv=3, n_jobs=-1).set_callbacks(on_dask).fit(*data)
    assert summary(on_dask.child_run_ids_[on_dask.run_ids_[0]]) == summary(
        sequential.child_run_ids_[sequential.run_ids_[0]]
    )
    assert len(sktrack.search_runs()) == 2 * (1 + 4)
