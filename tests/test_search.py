"""The tracked searches: parent and children runs, the cv_results table, progress, backends."""

from __future__ import annotations

import inspect
import json
import math
import pickle
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, KFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import estimator_checks_generator

import sktrack
from sktrack import InvalidArgumentError, RunStatus
from sktrack._sklearn._search import (
    HalvingGridSearchCV,
    HalvingRandomSearchCV,
    RandomizedSearchCV,
    TrackedGridSearchCV,
    TrackedHalvingGridSearchCV,
    TrackedHalvingRandomSearchCV,
    TrackedRandomizedSearchCV,
    log_search_results,
)

SCORERS = ["r2", "neg_root_mean_squared_error", "neg_mean_absolute_error"]
GRID = {"max_depth": [1, 2, 4, None], "min_samples_leaf": [1, 8]}
TRACKING_PARAMS = {
    "top_k": 5,
    "run_name": None,
    "experiment": None,
    "log_model": True,
    "log_curves": True,
}
# what a parent holds besides cv_results, the signature and the model
LOGGED_TABLES = ("curves/", "dataset/")


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    X, y = make_regression(n_samples=150, n_features=5, noise=20.0, random_state=0)
    return X, y


def tree() -> DecisionTreeRegressor:
    return DecisionTreeRegressor(random_state=0)


def make(cls: type, **kwargs: Any) -> Any:
    """A small search of each class over GRID (8 candidates), deterministic."""
    if cls in (TrackedGridSearchCV, TrackedHalvingGridSearchCV):
        kwargs.setdefault("cv", 3)
        return cls(tree(), GRID, **kwargs)
    kwargs.setdefault("random_state", 0)
    kwargs.setdefault("cv", 3)
    if cls is TrackedRandomizedSearchCV:
        kwargs.setdefault("n_iter", 6)
    if cls is TrackedHalvingRandomSearchCV:
        kwargs.setdefault("n_candidates", 6)
    return cls(tree(), GRID, **kwargs)


def child_runs(search: Any) -> list[sktrack.Run]:
    return [sktrack.get_run(run_id) for run_id in search.child_run_ids_]


def key_metrics(run: sktrack.Run) -> dict[str, float]:
    """A child's metrics without the timings (which differ from fit to fit)."""
    return {k: v for k, v in run.metrics.items() if "_time" not in k}


ALL_CLASSES = [
    TrackedGridSearchCV,
    TrackedRandomizedSearchCV,
    TrackedHalvingGridSearchCV,
    TrackedHalvingRandomSearchCV,
]

# -- the scikit-learn contract -------------------------------------------------------------


@pytest.mark.parametrize(
    ("tracked", "plain"),
    [
        (TrackedGridSearchCV, GridSearchCV),
        (TrackedRandomizedSearchCV, RandomizedSearchCV),
        (TrackedHalvingGridSearchCV, HalvingGridSearchCV),
        (TrackedHalvingRandomSearchCV, HalvingRandomSearchCV),
    ],
)
def test_restates_every_parameter_of_its_parent(tracked: type, plain: type) -> None:
    ours = inspect.signature(tracked.__init__).parameters
    theirs = inspect.signature(plain.__init__).parameters
    assert list(ours)[: len(theirs)] == list(theirs)
    for name, param in theirs.items():
        assert ours[name].kind == param.kind, name
        default = param.default
        assert ours[name].default is default or ours[name].default == default, name
    extra = {name: ours[name].default for name in list(ours)[len(theirs) :]}
    assert extra == TRACKING_PARAMS
    assert set(tracked._parameter_constraints) == set(plain._parameter_constraints) | set(
        TRACKING_PARAMS
    )


def test_clone_repr_and_pickle_keep_the_tracking_params(store: Any, data: Any) -> None:
    search = TrackedGridSearchCV(tree(), GRID, cv=3, top_k=2, run_name="trees", log_model=False)
    copy = clone(search)
    assert repr(copy) == repr(search)
    assert {k: getattr(copy, k) for k in TRACKING_PARAMS} == {
        "top_k": 2,
        "run_name": "trees",
        "experiment": None,
        "log_model": False,
        "log_curves": True,
    }
    assert "top_k=2" in repr(search) and "run_name='trees'" in repr(search)
    fitted = pickle.loads(pickle.dumps(search.fit(*data)))
    assert fitted.run_id_ == search.run_id_
    assert fitted.child_run_ids_ == search.child_run_ids_
    np.testing.assert_array_equal(fitted.predict(data[0]), search.predict(data[0]))


def test_nested_params_reach_the_inner_estimator() -> None:
    search = TrackedGridSearchCV(tree(), GRID).set_params(estimator__max_depth=3, top_k=1)
    assert search.estimator.max_depth == 3
    assert search.top_k == 1


@pytest.mark.parametrize("top_k", [-1, True, 2.5])
def test_invalid_top_k_is_refused(store: Any, data: Any, top_k: Any) -> None:
    search = TrackedGridSearchCV(tree(), GRID, top_k=top_k)
    if isinstance(top_k, float):  # not an int at all: scikit-learn's validation says so
        with pytest.raises(InvalidParameterError, match="The 'top_k' parameter"):
            search.fit(*data)
    else:
        with pytest.raises(InvalidArgumentError) as info:
            search.fit(*data)
        assert str(info.value) == (
            f"top_k={top_k!r} is not allowed: pass a whole number >= 0 (how many of the best "
            "candidates become child runs), or None to log every candidate"
        )
    assert sktrack.search_runs().empty  # refused before any run was opened


# -- one search of each class ------------------------------------------------------------------


def test_a_search_params_are_its_estimator_params_and_sktrack_arguments_are_tags(
    store: Any, data: Any
) -> None:
    grid = {"max_depth": [2, None], "min_samples_leaf": [1, 8]}
    search = TrackedGridSearchCV(
        DecisionTreeRegressor(random_state=0), grid, cv=3, top_k=2, run_name="tuned"
    ).fit(*data)
    parent = sktrack.get_run(search.run_id_)
    plain = GridSearchCV(DecisionTreeRegressor(random_state=0), grid, cv=3).get_params(deep=False)
    own = {k for k in parent.params if not k.startswith("best_")}
    assert own == set(plain)  # scikit-learn's own params of the search, nothing of sktrack's
    assert not own & {"top_k", "run_name", "experiment", "log_model", "log_curves"}
    assert {k: v for k, v in parent.tags.items() if k in OWN_TAGS} == {
        "sktrack.top_k": "2",
        "sktrack.run_name": "tuned",
        "sktrack.experiment": "null",
        "sktrack.log_model": "true",
        "sktrack.log_curves": "true",
    }
    assert json.loads(parent.tags["sktrack.searched_params"]) == sorted(grid)
    for child_id in search.child_run_ids_:  # a candidate's params: the estimator's, in full
        child = sktrack.get_run(child_id)
        assert set(child.params) == set(DecisionTreeRegressor().get_params())


OWN_TAGS = {
    "sktrack.top_k",
    "sktrack.run_name",
    "sktrack.experiment",
    "sktrack.log_model",
    "sktrack.log_curves",
}


@pytest.mark.parametrize("cls", ALL_CLASSES)
def test_each_search_logs_parent_top_k_children_and_the_table(
    store: Any, data: Any, cls: type
) -> None:
    search = make(cls, top_k=3, run_name="tree-search").fit(*data)
    results = search.cv_results_

    parent = sktrack.get_run(search.run_id_)
    assert parent.info.run_name == "tree-search"
    assert parent.info.status is RunStatus.FINISHED
    assert parent.params["estimator"] == "DecisionTreeRegressor"
    assert parent.tags["sktrack.top_k"] == "3"
    assert parent.params["cv"] == 3
    assert {k: v for k, v in parent.params.items() if k.startswith("best_")} == {
        f"best_{k}": v for k, v in search.best_params_.items()
    }
    assert parent.metrics["best_cv_score"] == search.best_score_
    assert parent.metrics["refit_time"] == search.refit_time_
    assert parent.metrics["training_r2_score"] == pytest.approx(search.score(*data))
    assert parent.tags["estimator_name"] == cls.__name__

    children = child_runs(search)
    assert len(children) == 3
    assert [c.info.parent_run_id for c in children] == [search.run_id_] * 3
    assert [c.tags["sktrack.best"] for c in children] == ["true", "false", "false"]
    indices = [int(c.tags["sktrack.candidate_index"]) for c in children]
    assert indices[0] == search.best_index_
    for child, index in zip(children, indices, strict=True):
        assert child.info.status is RunStatus.FINISHED
        assert child.info.run_name == f"candidate-{index}"
        assert child.params["max_depth"] == results["params"][index]["max_depth"]
        assert child.params["criterion"] == "squared_error"  # the base estimator's other params
        for key in ("mean_test_score", "std_test_score", "rank_test_score", "mean_fit_time"):
            assert child.metrics[key] == results[key][index], key
    search_runs = sktrack.search_runs(
        filter_string=f"attributes.parent_run_id = '{search.run_id_}'"
    )
    assert sorted(search_runs["run_id"]) == sorted(search.child_run_ids_)

    table = sktrack.load_table(search.run_id_, "cv_results")
    assert len(table) == len(results["params"])
    np.testing.assert_array_equal(table["mean_test_score"], results["mean_test_score"])
    np.testing.assert_array_equal(table["rank_test_score"], results["rank_test_score"])
    np.testing.assert_array_equal(table["split0_test_score"], results["split0_test_score"])
    assert table["param_min_samples_leaf"].tolist() == list(results["param_min_samples_leaf"])


def test_children_are_ranked_by_the_refit_metric_not_the_first_scorer(
    store: Any, data: Any
) -> None:
    # r2 (the first scorer) and mae (the refit metric, third) disagree on the best candidate
    grid = {"max_depth": [2, 3, 4, 5, 6, None], "min_samples_leaf": [1, 4, 8]}
    search = TrackedGridSearchCV(
        DecisionTreeRegressor(random_state=2),
        grid,
        cv=3,
        scoring=SCORERS,
        refit="neg_mean_absolute_error",
        top_k=4,
    ).fit(*data)
    results = search.cv_results_
    assert np.argmin(results["rank_test_r2"]) != search.best_index_
    children = child_runs(search)
    ranks = [c.metrics["rank_test_neg_mean_absolute_error"] for c in children]
    expected = sorted(results["rank_test_neg_mean_absolute_error"])[:4]
    assert ranks == expected
    assert int(children[0].tags["sktrack.candidate_index"]) == search.best_index_
    parent = sktrack.get_run(search.run_id_)
    for scorer in SCORERS:
        assert (
            parent.metrics[f"best_cv_{scorer}"]
            == results[f"mean_test_{scorer}"][search.best_index_]
        )
        for child in children:
            index = int(child.tags["sktrack.candidate_index"])
            for stat in ("mean", "std", "rank"):
                key = f"{stat}_test_{scorer}"
                assert child.metrics[key] == results[key][index]


def shallowest(results: dict[str, Any]) -> int:
    """A refit callable: the candidate with the smallest max_depth (None counts as deepest)."""
    depths = [p["max_depth"] or 99 for p in results["params"]]
    return int(np.argmin(depths))


def test_callable_refit_puts_its_choice_first_then_the_first_scorer(store: Any, data: Any) -> None:
    search = TrackedGridSearchCV(
        tree(), GRID, cv=3, scoring=SCORERS, refit=shallowest, top_k=3
    ).fit(*data)
    assert not hasattr(search, "best_score_")
    children = child_runs(search)
    indices = [int(c.tags["sktrack.candidate_index"]) for c in children]
    assert indices[0] == search.best_index_ == shallowest(search.cv_results_)
    assert children[0].tags["sktrack.best"] == "true"
    ranks = search.cv_results_["rank_test_r2"]
    rest = [i for i in np.lexsort((np.arange(len(ranks)), ranks)) if i != search.best_index_]
    assert indices[1:] == rest[:2]
    parent = sktrack.get_run(search.run_id_)
    assert parent.params["refit"] == "shallowest"
    assert parent.metrics["best_cv_r2"] == search.cv_results_["mean_test_r2"][search.best_index_]


def test_refit_false_logs_children_by_the_first_scorer_and_no_model(store: Any, data: Any) -> None:
    search = TrackedGridSearchCV(tree(), GRID, cv=3, scoring=SCORERS, refit=False, top_k=3)
    search.fit(*data)
    children = child_runs(search)
    assert [c.metrics["rank_test_r2"] for c in children] == sorted(
        search.cv_results_["rank_test_r2"]
    )[:3]
    assert [c.tags["sktrack.best"] for c in children] == ["false"] * 3  # no winner to tag
    parent = sktrack.get_run(search.run_id_)
    assert not [k for k in parent.params if k.startswith("best_")]
    assert not [k for k in parent.metrics if k.startswith(("best_", "training_"))]
    artifacts = sktrack.list_artifacts(search.run_id_)
    assert [a for a in artifacts if not a.startswith(LOGGED_TABLES)] == ["cv_results.parquet"]
    assert not [a for a in artifacts if a.startswith("curves/training/")]  # no best estimator


def test_pipeline_with_nested_params_and_swapped_steps(store: Any, data: Any) -> None:
    pipe = Pipeline([("scale", StandardScaler()), ("ridge", Ridge())])
    grid = {"scale": [StandardScaler(), MinMaxScaler()], "ridge__alpha": [0.1, 10.0]}
    search = TrackedGridSearchCV(pipe, grid, cv=3, top_k=None).fit(*data)
    parent = sktrack.get_run(search.run_id_)
    assert parent.params["estimator"] == "Pipeline"
    assert parent.params["best_ridge__alpha"] == search.best_params_["ridge__alpha"]
    assert parent.params["best_scale"] == type(search.best_params_["scale"]).__name__
    children = child_runs(search)
    assert len(children) == 4
    for child in children:
        candidate = search.cv_results_["params"][int(child.tags["sktrack.candidate_index"])]
        assert child.params["ridge__alpha"] == candidate["ridge__alpha"]
        assert child.params["scale"] == type(candidate["scale"]).__name__
        assert child.params["ridge__fit_intercept"] is True  # the untouched nested params
        # a swapped step brings its own nested params
        assert ("scale__feature_range" in child.params) == isinstance(
            candidate["scale"], MinMaxScaler
        )
    table = sktrack.load_table(search.run_id_, "cv_results")
    assert table["param_scale"].tolist() == [
        type(s).__name__ for s in search.cv_results_["param_scale"]
    ]
    assert table["param_ridge__alpha"].dtype == np.float64


def test_an_active_run_becomes_the_parent_and_stays_open(store: Any, data: Any) -> None:
    with sktrack.start_run(run_name="outer") as outer:
        search = make(TrackedGridSearchCV, top_k=2, run_name="ignored").fit(*data)
        assert sktrack.active_run() == outer
        assert sktrack.get_run(outer.run_id).info.status is RunStatus.RUNNING
    assert search.run_id_ == outer.run_id
    parent = sktrack.get_run(outer.run_id)
    assert parent.info.run_name == "outer"
    assert parent.info.status is RunStatus.FINISHED
    assert "best_max_depth" in parent.params
    assert [c.info.parent_run_id for c in child_runs(search)] == [outer.run_id] * 2


def test_inside_a_tracked_estimator_only_the_wrapper_logs(store: Any, data: Any) -> None:
    wrapped = sktrack.TrackedEstimator(make(TrackedGridSearchCV, top_k=3), run_name="outer")
    wrapped.fit(*data)
    runs = sktrack.search_runs()
    assert runs["run_name"].tolist() == ["outer"]
    assert wrapped.estimator_.run_id_ is None
    assert wrapped.estimator_.child_run_ids_ == []


def test_tracked_estimators_inside_the_search_log_nothing(store: Any, data: Any) -> None:
    inner = sktrack.TrackedEstimator(tree(), log_model=False)
    search = TrackedGridSearchCV(inner, {"estimator__max_depth": [1, 2, 3]}, cv=3, top_k=2)
    search.fit(*data)
    assert len(sktrack.search_runs()) == 1 + 2
    best = sktrack.get_run(search.child_run_ids_[0])
    assert best.params["estimator__max_depth"] == search.best_params_["estimator__max_depth"]


def test_new_parent_goes_to_the_given_experiment(store: Any, data: Any) -> None:
    search = make(TrackedGridSearchCV, top_k=1, experiment="trees").fit(*data)
    parent = sktrack.get_run(search.run_id_)
    assert parent.info.experiment == "trees"
    assert sktrack.get_run(search.child_run_ids_[0]).info.experiment == "trees"
    assert sktrack.active_run() is None


@pytest.mark.parametrize(("top_k", "expected"), [(None, 8), (0, 0), (20, 8)])
def test_top_k_none_logs_every_candidate_and_zero_none(
    store: Any, data: Any, top_k: int | None, expected: int
) -> None:
    search = make(TrackedGridSearchCV, top_k=top_k).fit(*data)
    assert len(search.child_run_ids_) == expected
    runs = sktrack.search_runs()
    assert len(runs) == expected + 1


def test_halving_logs_each_candidate_once_last_iteration_first(store: Any, data: Any) -> None:
    search = make(TrackedHalvingGridSearchCV, top_k=None).fit(*data)
    results = search.cv_results_
    children = child_runs(search)
    indices = [int(c.tags["sktrack.candidate_index"]) for c in children]
    assert len(children) == len(GRID["max_depth"]) * len(GRID["min_samples_leaf"])
    assert len(results["params"]) > len(children)  # survivors were evaluated more than once
    iters = [c.metrics["iter"] for c in children]
    assert iters == sorted(iters, reverse=True)
    assert indices[0] == search.best_index_
    assert children[0].metrics["n_resources"] == results["n_resources"][search.best_index_]
    seen = [tuple(sorted(results["params"][i].items(), key=str)) for i in indices]
    assert len(set(seen)) == len(seen)


# -- the best estimator ------------------------------------------------------------------------


def test_parent_model_is_the_best_estimator_with_a_signature(store: Any, data: Any) -> None:
    X = pd.DataFrame(data[0], columns=[f"f{i}" for i in range(5)])
    search = make(TrackedGridSearchCV, top_k=1).fit(X, data[1])
    model = sktrack.load_model(f"runs:/{search.run_id_}/model")
    np.testing.assert_array_equal(model.predict(X), search.best_estimator_.predict(X))
    assert "signature.json" in sktrack.list_artifacts(search.run_id_)
    parent = sktrack.get_run(search.run_id_)
    assert parent.tags["dataset.columns"] == '["f0", "f1", "f2", "f3", "f4"]'


def test_log_model_false_logs_no_model(store: Any, data: Any) -> None:
    search = make(TrackedGridSearchCV, top_k=1, log_model=False).fit(*data)
    artifacts = sktrack.list_artifacts(search.run_id_)
    assert sorted(a for a in artifacts if not a.startswith(LOGGED_TABLES)) == [
        "cv_results.parquet",
        "signature.json",
    ]


def test_a_tracked_search_saves_as_the_plain_search(store: Any, data: Any) -> None:
    search = make(TrackedGridSearchCV, top_k=0, log_model=False).fit(*data)
    with sktrack.start_run():
        info = sktrack.log_model(search, "search")
    loaded = sktrack.load_model(info.model_uri)
    assert type(loaded) is GridSearchCV
    assert not hasattr(loaded, "top_k")
    np.testing.assert_array_equal(loaded.predict(data[0]), search.predict(data[0]))


def test_classifier_search_logs_classifier_training_metrics(store: Any) -> None:
    X, y = make_classification(n_samples=120, random_state=0)
    search = TrackedGridSearchCV(
        DecisionTreeClassifier(random_state=0),
        {"max_depth": [1, 3]},
        cv=KFold(3),
        top_k=2,
        log_model=False,
    ).fit(X, y)
    parent = sktrack.get_run(search.run_id_)
    assert parent.metrics["training_accuracy_score"] == search.score(X, y)
    assert "criterion" not in parent.params  # the parent's params are the search's own
    assert parent.params["best_max_depth"] == search.best_params_["max_depth"]


# -- failures ----------------------------------------------------------------------------------


NON_FINITE = "ignore:One or more of the .* scores are non-finite:UserWarning"


@pytest.mark.filterwarnings(NON_FINITE)
def test_failed_fits_are_failed_children_with_the_error(store: Any, data: Any) -> None:
    search = TrackedGridSearchCV(tree(), {"max_depth": [-1, 2, 3]}, cv=3, top_k=None)
    with pytest.warns(FitFailedWarning, match="3 fits failed out of a total of 9"):
        search.fit(*data)
    children = {c.params["max_depth"]: c for c in child_runs(search)}
    failed = children[-1]
    assert failed.info.status is RunStatus.FAILED
    assert failed.tags["sktrack.error"] == (
        "sklearn.utils._param_validation.InvalidParameterError: The 'max_depth' parameter of "
        "DecisionTreeRegressor must be an int in the range [1, inf) or None. Got -1 instead."
    )
    assert failed.tags["sktrack.traceback"].startswith("Traceback (most recent call last):")
    assert math.isnan(failed.metrics["mean_test_score"])
    assert children[2].info.status is RunStatus.FINISHED
    assert "sktrack.error" not in children[2].tags
    assert sktrack.get_run(search.run_id_).info.status is RunStatus.FINISHED


@pytest.mark.filterwarnings(NON_FINITE)
def test_failed_fits_whose_warning_is_ignored_still_show_as_failed(store: Any, data: Any) -> None:
    search = TrackedGridSearchCV(tree(), {"max_depth": [-1, 2]}, cv=3, top_k=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitFailedWarning)
        search.fit(*data)
    failed = next(c for c in child_runs(search) if c.params["max_depth"] == -1)
    assert failed.info.status is RunStatus.FAILED
    assert failed.tags["sktrack.error"] == (
        "fit failed on 3 of 3 CV splits, scored error_score=nan; the traceback was only in "
        "scikit-learn's FitFailedWarning (fit with error_score='raise' to see it)"
    )


def test_an_error_of_the_search_propagates_and_fails_the_parent(store: Any, data: Any) -> None:
    search = TrackedGridSearchCV(tree(), {"max_depth": [-1]}, cv=3, run_name="doomed")
    with pytest.raises(ValueError, match="All the 3 fits failed"):
        search.fit(*data)
    runs = sktrack.search_runs()
    assert runs["run_name"].tolist() == ["doomed"]
    assert runs["status"].tolist() == ["FAILED"]
    assert not hasattr(search, "run_id_")
    assert sktrack.active_run() is None


# -- progress ----------------------------------------------------------------------------------


class ProgressProbe(RegressorMixin, BaseEstimator):
    """A regressor that, on each fit, reads the progress of the search it is fitted in.

    With n_jobs=1 the candidates are fitted in this process, with the search's parent as the
    active run, so the probe sees what the UI would see at that moment.
    """

    seen: list[tuple[int, dict[str, str]]] = []

    def __init__(self, depth: int = 1) -> None:
        self.depth = depth

    def fit(self, X: Any, y: Any) -> ProgressProbe:
        run = sktrack.active_run()
        assert run is not None
        tags = sktrack.get_run(run.run_id).tags
        progress = {k: v for k, v in tags.items() if k.startswith("sktrack.progress.")}
        ProgressProbe.seen.append((len(X), progress))
        self.mean_ = float(np.mean(y)) + self.depth / 1000
        return self

    def predict(self, X: Any) -> Any:
        return np.full(len(X), self.mean_)


def test_progress_is_readable_between_halving_iterations(store: Any, data: Any) -> None:
    ProgressProbe.seen = []
    search = TrackedHalvingGridSearchCV(
        ProgressProbe(), {"depth": list(range(9))}, cv=3, factor=3, log_model=False
    ).fit(*data)
    total = sum(search.n_candidates_)
    assert search.n_candidates_ == [9, 3, 1]
    by_size: dict[int, list[dict[str, str]]] = {}
    for size, progress in ProgressProbe.seen[:-1]:  # the last fit is the refit
        by_size.setdefault(size, []).append(progress)
    sizes = sorted(by_size)
    assert len(sizes) == 3  # one training size per iteration
    for iteration, size in enumerate(sizes):
        done = sum(search.n_candidates_[:iteration])
        for progress in by_size[size]:
            assert progress["sktrack.progress.candidates_done"] == str(done)
            assert progress["sktrack.progress.candidates_total"] == str(total)
            assert progress["sktrack.progress.phase"] == "search"
    assert by_size[sizes[0]][0]["sktrack.progress.best_score"] == "nan"
    scores = search.cv_results_["mean_test_score"][:9]
    assert by_size[sizes[1]][0]["sktrack.progress.best_score"] == repr(float(max(scores)))
    refit_progress = ProgressProbe.seen[-1][1]
    assert refit_progress["sktrack.progress.candidates_done"] == str(total)
    assert refit_progress["sktrack.progress.phase"] == "refit"
    final = sktrack.get_run(search.run_id_).tags
    assert final["sktrack.progress.phase"] == "done"
    assert final["sktrack.progress.candidates_done"] == str(total)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"factor": 2},
        {"factor": 3, "min_resources": 20},
        {"factor": 3, "min_resources": 40, "aggressive_elimination": True},
        {"factor": 2, "max_resources": 60},
    ],
)
def test_halving_total_is_known_at_the_first_iteration(
    store: Any, data: Any, kwargs: dict[str, Any]
) -> None:
    ProgressProbe.seen = []
    search = TrackedHalvingGridSearchCV(
        ProgressProbe(), {"depth": list(range(10))}, cv=3, log_model=False, **kwargs
    ).fit(*data)
    totals = {p["sktrack.progress.candidates_total"] for _, p in ProgressProbe.seen}
    assert totals == {str(sum(search.n_candidates_))}


def test_verbose_draws_a_progress_bar(store: Any, data: Any, capsys: Any) -> None:
    make(TrackedGridSearchCV, top_k=0, verbose=1).fit(*data)
    out = capsys.readouterr().out
    assert "Fitting 3 folds for each of 8 candidates" in out  # scikit-learn's own line
    assert "TrackedGridSearchCV: candidates" in out
    assert "100%" in out


# -- parallel backends ---------------------------------------------------------------------


def _children_summary(search: Any) -> list[tuple[dict[str, Any], dict[str, float], str]]:
    return [(dict(c.params), key_metrics(c), c.tags["sktrack.best"]) for c in child_runs(search)]


def test_n_jobs_minus_one_gives_the_same_runs(store: Any, data: Any) -> None:
    sequential = make(TrackedGridSearchCV, top_k=4, scoring=SCORERS, refit="r2").fit(*data)
    parallel = make(TrackedGridSearchCV, top_k=4, scoring=SCORERS, refit="r2", n_jobs=-1)
    parallel.fit(*data)
    assert _children_summary(parallel) == [
        ({**p, "n_jobs": -1} if "n_jobs" in p else p, m, b)
        for p, m, b in _children_summary(sequential)
    ]
    assert len(sktrack.search_runs()) == 2 * (1 + 4)  # nothing logged from the workers


@pytest.mark.slow
def test_dask_backend_gives_the_same_runs(store: Any, data: Any) -> None:
    joblib = pytest.importorskip("joblib")
    distributed = pytest.importorskip("distributed")
    sequential = make(TrackedRandomizedSearchCV, top_k=4, scoring=SCORERS, refit="r2").fit(*data)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
        joblib.parallel_config(backend="dask"),
    ):
        on_dask = make(TrackedRandomizedSearchCV, top_k=4, scoring=SCORERS, refit="r2", n_jobs=-1)
        on_dask.fit(*data)
    assert [(m, b) for _, m, b in _children_summary(on_dask)] == [
        (m, b) for _, m, b in _children_summary(sequential)
    ]
    assert len(sktrack.search_runs()) == 2 * (1 + 4)


# -- log_search_results (after the fact) -------------------------------------------------------


def test_log_search_results_logs_a_plain_search_like_a_tracked_one(store: Any, data: Any) -> None:
    plain = GridSearchCV(tree(), GRID, cv=3, scoring=SCORERS, refit="r2").fit(*data)
    tracked = TrackedGridSearchCV(tree(), GRID, cv=3, scoring=SCORERS, refit="r2", top_k=3)
    tracked.fit(*data)
    parent_id, child_ids = log_search_results(plain, *data, top_k=3, run_name="after")
    parent = sktrack.get_run(parent_id)
    assert parent.info.run_name == "after"
    assert parent.info.status is RunStatus.FINISHED
    assert parent.params["estimator"] == "DecisionTreeRegressor"
    assert parent.tags["estimator_name"] == "GridSearchCV"
    tracked_parent = sktrack.get_run(tracked.run_id_)
    assert {k: v for k, v in parent.metrics.items() if "time" not in k} == {
        k: v for k, v in tracked_parent.metrics.items() if "time" not in k
    }
    after = [(dict(sktrack.get_run(c).params), key_metrics(sktrack.get_run(c))) for c in child_ids]
    assert after == [(p, m) for p, m, _ in _children_summary(tracked)]


def test_log_search_results_into_a_given_run_leaves_it_open(store: Any, data: Any) -> None:
    plain = GridSearchCV(tree(), GRID, cv=3).fit(*data)
    run = sktrack.start_run(run_name="mine")
    sktrack.end_run()
    parent_id, child_ids = log_search_results(plain, *data, top_k=2, run=run)
    assert parent_id == run.run_id
    assert len(child_ids) == 2
    assert sktrack.load_model(f"runs:/{run.run_id}/model").predict(data[0][:3]).shape == (3,)


def test_log_search_results_needs_a_fitted_search(store: Any, data: Any) -> None:
    with pytest.raises(InvalidArgumentError) as info:
        log_search_results(GridSearchCV(tree(), GRID), *data)
    assert str(info.value) == (
        "log_search_results needs a fitted search; GridSearchCV has no cv_results_: call fit first"
    )


# -- scikit-learn's estimator checks -----------------------------------------------------------

# What the plain searches fail too: they score y of shape (n, 1) without the warning the check
# wants, and a halving search refuses one sample with its own message.
_PLAIN_FAILURES = {
    "check_supervised_y_2d": "GridSearchCV fails it too: no DataConversionWarning for 2-d y",
    "check_fit2d_1sample": "HalvingGridSearchCV fails it too: its own min_resources message",
}


def _checks() -> list[tuple[Any, Any]]:
    # a list, not parametrize_with_checks's generator, which pytest refuses on old scikit-learn
    grid = TrackedGridSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, top_k=1, log_model=False)
    halving = TrackedHalvingGridSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, top_k=1, log_model=False)
    failing = {"check_supervised_y_2d": _PLAIN_FAILURES["check_supervised_y_2d"]}
    return [
        *estimator_checks_generator(grid, expected_failed_checks=failing, mark="xfail"),
        *estimator_checks_generator(halving, expected_failed_checks=_PLAIN_FAILURES, mark="xfail"),
    ]


def _check_id(value: Any) -> str:
    if isinstance(value, BaseEstimator):
        return type(value).__name__
    return getattr(value, "func", value).__name__


@pytest.mark.parametrize(("estimator", "check"), _checks(), ids=_check_id)
# checks that feed bad data on purpose (object dtype, NaN) make any search warn of failed fits
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.FitFailedWarning")
@pytest.mark.filterwarnings(NON_FINITE)
@pytest.mark.filterwarnings("ignore:Scoring failed:UserWarning")
def test_scikit_learn_estimator_checks(estimator: Any, check: Any, store: Any) -> None:
    check(estimator)


# -- the docs ----------------------------------------------------------------------------------


def test_the_example_in_the_docs_runs(store: Any) -> None:
    doc = (Path(__file__).parent.parent / "docs" / "searches.md").read_text(encoding="utf-8")
    example = doc.split("```python\n", 1)[1].split("```", 1)[0]
    namespace: dict[str, Any] = {}
    exec(compile(example, "docs/searches.md", "exec"), namespace)
    search = namespace["search"]
    assert len(search.child_run_ids_) == 5
    assert len(namespace["table"]) == 12


# -- evaluate ----------------------------------------------------------------------------------


def test_evaluate_logs_test_metrics_into_the_ended_parent(store: Any, data: Any) -> None:
    X, y = data
    search = make(TrackedGridSearchCV, top_k=1, log_model=False).fit(X[:100], y[:100])
    metrics = search.evaluate(X[100:], y[100:])
    assert metrics["test_r2_score"] == search.score(X[100:], y[100:])
    assert sktrack.get_run(search.run_id_).metrics["test_r2_score"] == metrics["test_r2_score"]
    found = sktrack.search_runs(filter_string="metrics.test_r2_score > -100")
    assert found["run_id"].tolist() == [search.run_id_]
    assert search.evaluate(X[100:], y[100:], split="val")["val_score"] == metrics["test_score"]


def test_evaluate_needs_a_refitted_search(store: Any, data: Any) -> None:
    search = make(TrackedGridSearchCV, scoring=SCORERS, refit=False, top_k=0).fit(*data)
    with pytest.raises(InvalidArgumentError) as info:
        search.evaluate(*data)
    assert str(info.value) == (
        "evaluate needs the refitted best estimator, and TrackedGridSearchCV was fitted with "
        "refit=False: fit it with refit=True (or a scorer name)"
    )
    with pytest.raises(InvalidArgumentError, match="evaluate split must be a non-empty str"):
        search.evaluate(*data, split="")
