"""StagedModel: a registered model as a pipeline step, pinned, checked, never retrained."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone, is_classifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils.validation import check_is_fitted

import sktrack
from sktrack import StagedModel, registry
from sktrack.exceptions import (
    ModelNotFoundError,
    SignatureError,
    UntrustedTypesError,
)

rng = np.random.default_rng(0)
FRAME = pd.DataFrame(rng.normal(size=(60, 3)), columns=["age", "income", "score"])
LABELS = (FRAME["age"] + FRAME["score"] > 0).astype(int)


def double(X):
    return X * 2


@pytest.fixture
def champion(store):
    """Two registered classifiers that disagree; the alias 'champion' points at version 1."""
    signature = sktrack.infer_signature(FRAME)
    first = LogisticRegression().fit(FRAME, LABELS)
    second = LogisticRegression().fit(FRAME, 1 - LABELS)
    for model in (first, second):
        sktrack.log_model(model, signature=signature, registered_model_name="clf")
    registry.set_alias("clf", "champion", 1)
    return first, second


def _identity():
    # keeps the DataFrame as it is, so the step after it sees the column names
    return FunctionTransformer(feature_names_out="one-to-one")


def test_predictions_in_a_pipeline_equal_the_registered_models(champion):
    first, _ = champion
    pipe = Pipeline([("prep", _identity()), ("model", StagedModel("models:/clf@champion"))])
    pipe.fit(FRAME, LABELS)
    np.testing.assert_array_equal(pipe.predict(FRAME), first.predict(FRAME))
    np.testing.assert_array_equal(pipe.predict_proba(FRAME), first.predict_proba(FRAME))
    np.testing.assert_array_equal(
        pipe.predict(FRAME), sktrack.load_model("models:/clf/1").predict(FRAME)
    )
    assert pipe.score(FRAME, LABELS) == first.score(FRAME, LABELS)


def test_it_counts_as_fitted_from_the_start(champion):
    staged = StagedModel("models:/clf@champion")
    check_is_fitted(staged)
    pipe = make_pipeline(StagedModel("models:/clf/1"))
    np.testing.assert_array_equal(pipe.predict(FRAME), champion[0].predict(FRAME))


def test_the_version_stays_pinned_after_the_alias_moves(champion):
    first, second = champion
    staged = StagedModel("models:/clf@champion")
    np.testing.assert_array_equal(staged.predict(FRAME), first.predict(FRAME))
    assert staged.version_ == 1
    registry.set_alias("clf", "champion", 2)
    assert staged.version_ == 1
    np.testing.assert_array_equal(staged.predict(FRAME), first.predict(FRAME))
    staged.fit(FRAME, LABELS)
    assert staged.version_ == 1
    fresh = StagedModel("models:/clf@champion")
    np.testing.assert_array_equal(fresh.predict(FRAME), second.predict(FRAME))
    assert fresh.version_ == 2


def test_fit_never_retrains_the_model(champion):
    first, _ = champion
    staged = StagedModel("models:/clf/1")
    coef = staged.fit(FRAME, 1 - LABELS).estimator_.coef_.copy()
    np.testing.assert_array_equal(coef, first.coef_)
    assert staged.fit(FRAME.iloc[:5], LABELS.iloc[:5]) is staged
    np.testing.assert_array_equal(staged.estimator_.coef_, first.coef_)


def test_a_missing_column_raises_signature_error(champion):
    pipe = make_pipeline(StagedModel("models:/clf@champion"))
    with pytest.raises(SignatureError) as caught:
        pipe.predict(FRAME.drop(columns=["income"]))
    assert str(caught.value) == (
        "input does not match the model's signature: missing column 'income' (float64). "
        "Pass data with the columns and dtypes the model was trained on."
    )


def test_columns_in_another_order_are_put_back_in_order(champion):
    staged = StagedModel("models:/clf/1")
    shuffled = FRAME[["score", "age", "income"]]
    np.testing.assert_array_equal(staged.predict(shuffled), champion[0].predict(FRAME))


def test_the_model_version_and_signature_are_exposed(champion):
    staged = StagedModel("models:/clf/2").fit(FRAME)
    assert staged.model_version_ == registry.get_model_version("clf", 2)
    assert staged.signature_.input_names == ["age", "income", "score"]
    np.testing.assert_array_equal(staged.classes_, [0, 1])
    assert staged.n_features_in_ == 3
    assert list(staged.feature_names_in_) == ["age", "income", "score"]
    assert is_classifier(staged)


def test_a_run_uri_has_no_version(store):
    info = sktrack.log_model(Ridge().fit(FRAME, LABELS))
    staged = StagedModel(info.model_uri).fit(FRAME)
    assert (staged.version_, staged.model_version_, staged.signature_) == (None, None, None)


def test_clone_before_use_resolves_again_and_after_use_keeps_the_pinned_model(champion):
    before = clone(StagedModel("models:/clf@champion"))
    assert before.get_params() == {"uri": "models:/clf@champion", "trusted": None}
    assert "estimator_" not in before.__dict__
    used = StagedModel("models:/clf@champion").fit(FRAME)
    registry.set_alias("clf", "champion", 2)
    assert clone(used).version_ == 1
    assert before.fit(FRAME).version_ == 2


def test_get_params_set_params_and_pickle(champion):
    staged = StagedModel("models:/clf/1")
    staged.set_params(uri="models:/clf/2", trusted=["x.y"])
    assert staged.get_params() == {"uri": "models:/clf/2", "trusted": ["x.y"]}
    staged.set_params(trusted=None).fit(FRAME)
    restored = pickle.loads(pickle.dumps(staged))
    assert restored.version_ == 2
    np.testing.assert_array_equal(restored.predict(FRAME), staged.predict(FRAME))


def test_cross_validation_of_a_pipeline_with_a_staged_step(champion):
    pipe = make_pipeline(_identity(), StagedModel("models:/clf/1"))
    scores = cross_val_score(pipe, FRAME, LABELS, cv=3)
    assert scores.shape == (3,)


def test_a_registered_transformer_transforms_and_follows_set_output(store):
    scaler = StandardScaler().fit(FRAME)
    sktrack.log_model(scaler, registered_model_name="scaler")
    pipe = make_pipeline(StagedModel("models:/scaler/latest"), Ridge())
    pipe.set_output(transform="pandas")
    pipe.fit(FRAME, LABELS)
    out = pipe[0].transform(FRAME)
    assert list(out.columns) == ["age", "income", "score"]
    np.testing.assert_allclose(out.to_numpy(), scaler.transform(FRAME))
    assert list(pipe[0].get_feature_names_out()) == ["age", "income", "score"]


def test_methods_the_model_lacks_are_absent(store):
    sktrack.log_model(Ridge().fit(FRAME, LABELS), registered_model_name="reg")
    staged = StagedModel("models:/reg/1")
    assert hasattr(staged, "predict")
    assert not hasattr(staged, "predict_proba")
    assert not hasattr(staged, "transform")


def test_an_unknown_model_raises_at_first_use(store):
    staged = StagedModel("models:/nothing/1")
    with pytest.raises(ModelNotFoundError):
        staged.fit(FRAME)


def test_trusted_is_passed_to_loading(store):
    model = make_pipeline(FunctionTransformer(double), Ridge()).fit(FRAME, LABELS)
    sktrack.log_model(model, registered_model_name="custom")
    with pytest.raises(UntrustedTypesError):
        StagedModel("models:/custom/1").predict(FRAME)
    staged = StagedModel("models:/custom/1", trusted=[f"{__name__}.double"])
    np.testing.assert_array_equal(staged.predict(FRAME), model.predict(FRAME))


# scikit-learn's own checks of the estimator API; the checks that fit on their own data and
# expect a model trained on it do not apply (scikit-learn skips them for FrozenEstimator too)
API_CHECKS = [
    "check_no_attributes_set_in_init",
    "check_parameters_default_constructible",
    "check_get_params_invariance",
    "check_set_params",
    "check_do_not_raise_errors_in_init_or_set_params",
    "check_estimator_cloneable",
    "check_estimator_repr",
    "check_estimators_overwrite_params",
    "check_dont_overwrite_parameters",
    "check_estimators_fit_returns_self",
    "check_mixin_order",
    "check_valid_tag_types",
    "check_estimator_tags_renamed",
    "check_n_features_in_after_fitting",
]


@pytest.mark.parametrize("check", API_CHECKS)
def test_scikit_learn_api_checks(store, check):
    from sklearn.utils import estimator_checks

    X = np.random.default_rng(0).normal(size=(30, 4))
    sktrack.log_model(LogisticRegression().fit(X, X[:, 0] > 0), registered_model_name="api")
    getattr(estimator_checks, check)("StagedModel", StagedModel("models:/api/1"))
