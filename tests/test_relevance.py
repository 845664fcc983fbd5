"""Which metrics matter first, which way each is better, and which params describe a model."""

from __future__ import annotations

from sktrack._tracking import (
    common_key_metric,
    describing_params,
    higher_is_better,
    key_metrics,
    refit_scorer,
    searched_params,
)

CLASSIFIER_PARENT = [
    "training_accuracy_score", "training_roc_auc", "training_log_loss", "training_score",
    "test_accuracy_score", "test_roc_auc", "test_log_loss", "test_score",
    "best_cv_roc_auc", "best_cv_accuracy", "refit_time",
]  # fmt: skip


def test_key_metrics_put_the_refit_scorer_then_held_out_then_cv_then_training() -> None:
    assert key_metrics(CLASSIFIER_PARENT, "roc_auc") == [
        "best_cv_roc_auc",
        "test_roc_auc",  # the held-out metric measuring the refit scorer comes first
        "test_accuracy_score", "test_log_loss", "test_score",
        "best_cv_accuracy",
        "training_accuracy_score", "training_log_loss", "training_roc_auc", "training_score",
    ]  # fmt: skip
    candidate = ["mean_test_accuracy", "mean_test_roc_auc", "std_test_roc_auc", "rank_test_roc_auc",
                 "mean_fit_time"]  # fmt: skip
    assert key_metrics(candidate, "roc_auc") == ["mean_test_roc_auc", "mean_test_accuracy"]
    assert key_metrics(["test_r2_score", "best_cv_r2", "loss"], "r2")[:2] == [
        "best_cv_r2", "test_r2_score"
    ]  # fmt: skip


def test_the_refit_scorer_comes_from_the_search_params() -> None:
    assert refit_scorer({"refit": "neg_root_mean_squared_error"}) == "neg_root_mean_squared_error"
    assert refit_scorer({"refit": True, "scoring": None}) == "score"
    assert refit_scorer({"refit": True, "scoring": "roc_auc"}) == "roc_auc"
    assert refit_scorer({"refit": False}) is None and refit_scorer({}) is None


def test_the_common_key_metric_ranks_plain_runs_as_the_searches_do() -> None:
    baseline = (["test_mean_absolute_error", "test_root_mean_squared_error"], None)
    search = (["best_cv_neg_root_mean_squared_error", "test_mean_absolute_error",
               "test_root_mean_squared_error"], "neg_root_mean_squared_error")  # fmt: skip
    assert common_key_metric([baseline, search, search]) == "test_root_mean_squared_error"
    assert common_key_metric([]) == ""


def test_direction_of_scores_errors_and_negated_errors() -> None:
    assert higher_is_better("mean_test_neg_root_mean_squared_error")
    assert higher_is_better("test_roc_auc") and higher_is_better("best_cv_r2")
    assert not higher_is_better("test_root_mean_squared_error")
    assert not higher_is_better("training_log_loss") and not higher_is_better("mean_fit_time")


def test_params_that_describe_a_model() -> None:
    keys = ["alpha", "cv", "n_jobs", "verbose", "scoring", "refit", "top_k", "run_name",
            "best_alpha", "param_grid", "max_depth"]  # fmt: skip
    assert describing_params(keys) == ["alpha", "max_depth"]
    tags = {"sktrack.searched_params": '["alpha", "l1_ratio"]'}
    assert searched_params({}, tags) == ["alpha", "l1_ratio"]
    assert searched_params({"best_max_depth": 3, "cv": 5}, {}) == ["max_depth"]  # older stores
    assert searched_params({"best_c": 1}, {"sktrack.searched_params": "not json"}) == ["c"]
