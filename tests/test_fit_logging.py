"""What one tracked fit records (`log_fit`), and the marks that keep nested fits quiet."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

import sktrack
from sktrack import list_artifacts, read_artifact
from sktrack._sklearn import dataset_fingerprint
from sktrack._sklearn._fit_logging import (
    SIGNATURE_ARTIFACT,
    dataset_tags,
    estimator_params,
    fit_run,
    in_tracked_fit,
    log_fit,
    tracked_fit,
)
from sktrack.exceptions import RunStateError

# scikit-learn 1.6 with SciPy >= 1.15 warns inside LogisticRegression's solver; not ours.
pytestmark = pytest.mark.filterwarnings("ignore:scipy.optimize.:DeprecationWarning")


@pytest.fixture
def data() -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"a": rng.normal(size=30), "b": rng.randint(0, 5, 30)})
    return X, (X["a"] > 0).to_numpy().astype(int)


# -- log_fit ---------------------------------------------------------------------------


def test_log_fit_records_one_fit(store: Any, data: Any) -> None:
    X, y = data
    est = LogisticRegression(C=2.0).fit(X, y)
    with sktrack.start_run() as run:
        signature = log_fit(run, est, X, y, log_model=False)

    logged = sktrack.get_run(run.run_id)
    assert logged.params["C"] == 2.0 and logged.params["penalty"] == est.penalty
    assert logged.metrics["training_accuracy_score"] == est.score(X, y)
    assert logged.tags["estimator_name"] == "LogisticRegression"
    assert logged.tags["dataset.columns"] == '["a", "b"]'
    assert logged.tags["dataset.hash"] == dataset_fingerprint(X, y)["hash"]
    assert signature is not None and signature.input_names == ["a", "b"]
    assert signature.outputs is not None  # from predictions on the first rows
    assert read_artifact(run.run_id, SIGNATURE_ARTIFACT).decode() == signature.to_json()
    assert list_artifacts(run.run_id) == [SIGNATURE_ARTIFACT]


def test_log_fit_with_a_model_needs_the_run_to_be_active(store: Any, data: Any) -> None:
    X, y = data
    est = LogisticRegression().fit(X, y)
    with sktrack.start_run() as run:
        pass
    with pytest.raises(RunStateError, match=f"run {run.run_id} is not active"):
        log_fit(run, est, X, y)


def test_log_fit_logs_the_model_with_its_signature(store: Any, data: Any) -> None:
    X, y = data
    est = LogisticRegression().fit(X, y)
    with sktrack.start_run() as run:
        signature = log_fit(run, est, X, y, sample_weight=np.ones(len(y)))
    meta = json.loads(read_artifact(run.run_id, "model/model.json"))
    assert signature is not None and meta["signature"] == signature.to_dict()


def test_a_one_pass_iterable_is_fitted_but_not_described(store: Any) -> None:
    documents = ["a cat", "a dog", "the cat"]
    vectorizer = CountVectorizer().fit(iter(documents))
    with sktrack.start_run() as run:
        signature = log_fit(run, vectorizer, iter(documents), None, log_model=False)
    assert signature is None
    tags = sktrack.get_run(run.run_id).tags
    assert tags["estimator_name"] == "CountVectorizer" and "dataset.hash" not in tags


# -- params ------------------------------------------------------------------------------


def test_sub_estimators_become_class_names() -> None:
    params = estimator_params(make_pipeline(StandardScaler(), Ridge(alpha=2.0)))
    assert params["ridge"] == "Ridge" and params["standardscaler"] == "StandardScaler"
    assert params["ridge__alpha"] == 2.0
    assert params["steps"] == "[('standardscaler', 'StandardScaler'), ('ridge', 'Ridge')]"


def test_functions_types_and_numpy_values_become_plain() -> None:
    params = estimator_params(FunctionTransformer(np.log1p, kw_args={"k": np.int64(3)}))
    assert params["func"] == "log1p"
    assert params["kw_args"] == "{'k': 3}"
    assert estimator_params(OneHotEncoder(dtype=np.float32))["dtype"] == "numpy.float32"


def test_reprs_lose_memory_addresses_and_are_cut() -> None:
    params = estimator_params(Ridge(random_state=np.random.RandomState(0)))
    assert params["random_state"] == "RandomState(MT19937)"
    long_list = estimator_params(OneHotEncoder(categories=[list(range(1000))]))["categories"]
    assert len(long_list) == 500 and long_list.endswith("...")


# -- dataset tags --------------------------------------------------------------------------


def test_dataset_tags_describe_x_and_y() -> None:
    tags = dataset_tags(dataset_fingerprint(np.zeros((4, 2), dtype=np.float32), np.arange(4)))
    assert tags == {
        "dataset.hash": dataset_fingerprint(np.zeros((4, 2), dtype=np.float32), np.arange(4))[
            "hash"
        ],
        "dataset.hash_version": "1",
        "dataset.kind": "ndarray",
        "dataset.shape": "[4, 2]",
        "dataset.dtypes": '["float32"]',
        "dataset.y_shape": "[4]",
        "dataset.y_dtypes": '["int64"]',
    }


def test_dataset_tags_list_at_most_100_columns() -> None:
    wide = pd.DataFrame(np.zeros((2, 250)), columns=[f"c{i}" for i in range(250)])
    columns = json.loads(dataset_tags(dataset_fingerprint(wide))["dataset.columns"])
    assert len(columns) == 101 and columns[-1] == "... 150 more"


# -- nesting and the run of a fit ------------------------------------------------------------


def test_tracked_fit_marks_the_code_inside() -> None:
    assert not in_tracked_fit()
    with tracked_fit():
        assert in_tracked_fit()
        with tracked_fit():
            assert in_tracked_fit()
        assert in_tracked_fit()
    assert not in_tracked_fit()


def test_fit_run_uses_the_active_run_and_leaves_it_open(store: Any) -> None:
    with sktrack.start_run() as outer:
        with fit_run(run_name="ignored", tags={"k": "v"}) as run:
            assert run.run_id == outer.run_id
        assert sktrack.active_run() == outer
    assert sktrack.get_run(outer.run_id).tags["k"] == "v"


def test_fit_run_opens_a_run_and_fails_it_on_error(store: Any) -> None:
    with pytest.raises(KeyError, match="boom"), fit_run(run_name="mine", experiment="exp"):
        raise KeyError("boom")
    runs = sktrack.search_runs("exp")
    assert runs[["run_name", "status"]].values.tolist() == [["mine", "FAILED"]]
    assert sktrack.active_run() is None
