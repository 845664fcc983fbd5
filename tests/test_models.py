"""Model folders: round trips, hashes, trust, integrity, versions, log_model/load_model."""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import skops.io
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import (
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.linear_model import ElasticNet, LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler
from sklearn.svm import SVC, SVR
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

import sktrack
from sktrack._models._folder import (
    BUILTIN_TRUSTED_TYPES,
    describe_model_bytes,
    load_model_folder,
    trusted_types,
    write_model_folder,
)
from sktrack._store import LocalFileSystem
from sktrack.exceptions import (
    ArtifactNotFoundError,
    InvalidArgumentError,
    ModelIntegrityError,
    StoreError,
    UntrustedTypesError,
    VersionMismatchWarning,
)


@pytest.fixture(autouse=True)
def no_user_trust(tmp_path, monkeypatch):
    """Keep the developer's own trust configuration out of the tests."""
    monkeypatch.delenv("SKTRACK_TRUSTED_TYPES", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))


def double(X):
    """A user-defined function: skops does not trust it, so loading must ask."""
    return X * 2


DOUBLE = f"{double.__module__}.{double.__qualname__}"

Xc, yc = make_classification(120, 6, random_state=0)
Xr, yr = make_regression(120, 6, random_state=0)
FRAME = pd.DataFrame(Xc, columns=[f"x{i}" for i in range(6)]).assign(
    city=np.array(["ny", "sf", "la", "bo"])[np.arange(120) % 4]
)


def _column_pipeline():
    prep = ColumnTransformer(
        [
            ("num", StandardScaler(), [f"x{i}" for i in range(6)]),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["city"]),
        ]
    )
    return make_pipeline(prep, LogisticRegression())


ZOO = {
    "linear_regression": (LinearRegression, Xr, yr),
    "ridge": (lambda: Ridge(alpha=0.5), Xr, yr),
    "elastic_net": (lambda: ElasticNet(alpha=0.1), Xr, yr),
    "logistic_regression": (LogisticRegression, Xc, yc),
    "decision_tree_classifier": (lambda: DecisionTreeClassifier(random_state=0), Xc, yc),
    "decision_tree_regressor": (lambda: DecisionTreeRegressor(max_depth=4), Xr, yr),
    "random_forest_classifier": (lambda: RandomForestClassifier(10, random_state=0), Xc, yc),
    "random_forest_regressor": (lambda: RandomForestRegressor(10, random_state=0), Xr, yr),
    "extra_trees": (lambda: ExtraTreesClassifier(10, random_state=0), Xc, yc),
    "gradient_boosting_classifier": (lambda: GradientBoostingClassifier(n_estimators=10), Xc, yc),
    "gradient_boosting_regressor": (lambda: GradientBoostingRegressor(n_estimators=10), Xr, yr),
    "hist_gradient_boosting_classifier": (
        lambda: HistGradientBoostingClassifier(max_iter=10),
        Xc,
        yc,
    ),
    "hist_gradient_boosting_regressor": (
        lambda: HistGradientBoostingRegressor(max_iter=10),
        Xr,
        yr,
    ),
    "hist_gradient_boosting_categorical": (
        lambda: HistGradientBoostingClassifier(max_iter=5, categorical_features="from_dtype"),
        FRAME.astype({"city": "category"}),
        yc,
    ),
    "svc": (lambda: SVC(probability=True, random_state=0), Xc, yc),
    "svr": (SVR, Xr, yr),
    "knn_classifier": (KNeighborsClassifier, Xc, yc),
    "knn_regressor_ball_tree": (lambda: KNeighborsRegressor(algorithm="ball_tree"), Xr, yr),
    "column_transformer_pipeline": (_column_pipeline, FRAME, yc),
    "log1p_pipeline": (
        lambda: make_pipeline(FunctionTransformer(np.log1p), StandardScaler(), Ridge()),
        np.abs(Xr),
        yr,
    ),
    "grid_search": (lambda: GridSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, cv=3), Xr, yr),
    "grid_search_multimetric": (
        lambda: GridSearchCV(
            LogisticRegression(), {"C": [0.1, 1]}, scoring=["accuracy", "f1"], refit="accuracy"
        ),
        Xc,
        yc,
    ),
    "randomized_search_of_pipeline": (
        lambda: RandomizedSearchCV(
            _column_pipeline(), {"logisticregression__C": [0.1, 1, 10]}, n_iter=2, scoring="roc_auc"
        ),
        FRAME,
        yc,
    ),
}


def _predictions(model, X):
    out = [model.predict(X)]
    if hasattr(model, "predict_proba"):
        out.append(model.predict_proba(X))
    return out


@pytest.fixture(scope="module")
def fitted_zoo():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence warnings of tiny fits are not under test
        return {name: (make().fit(X, y), X) for name, (make, X, y) in ZOO.items()}


@pytest.mark.parametrize("name", sorted(ZOO))
def test_round_trip_predicts_identically_without_trusted(store, fitted_zoo, name):
    model, X = fitted_zoo[name]
    info = sktrack.log_model(model)
    loaded = sktrack.load_model(info.model_uri)
    assert type(loaded) is type(model)
    for before, after in zip(_predictions(model, X), _predictions(loaded, X), strict=True):
        np.testing.assert_array_equal(before, after)


def test_the_zoo_is_at_least_fifteen_estimators():
    assert len(ZOO) >= 15


@pytest.mark.parametrize("name", sorted(ZOO))
def test_flagged_types_match_what_skops_reports_on_the_whole_file(fitted_zoo, name):
    data = skops.io.dumps(fitted_zoo[name][0])
    assert describe_model_bytes(data)[2] == skops.io.get_untrusted_types(data=data)


def test_flagged_types_of_a_user_function_match_skops():
    data = skops.io.dumps(make_pipeline(FunctionTransformer(double), Ridge()).fit(Xr, yr))
    assert describe_model_bytes(data)[2] == [DOUBLE] == skops.io.get_untrusted_types(data=data)


def test_every_builtin_trusted_type_has_a_reason():
    assert all(len(reason) > 20 for reason in BUILTIN_TRUSTED_TYPES.values())
    assert len(BUILTIN_TRUSTED_TYPES) <= 20


# -- hashes ---------------------------------------------------------------------------------


def test_content_hash_is_stable_across_dumps_while_the_bytes_change(fitted_zoo):
    model = fitted_zoo["random_forest_regressor"][0]
    first = skops.io.dumps(model)
    again = skops.io.dumps(skops.io.loads(first, trusted=["sklearn.tree._tree.Tree"]))
    assert first != again  # object ids differ after a reload
    sha_first, content_first, _ = describe_model_bytes(first)
    sha_again, content_again, _ = describe_model_bytes(again)
    assert sha_first != sha_again
    assert content_first == content_again
    assert content_first.startswith("content-v1:")


def test_array_digests_ignore_the_padding_bytes_of_structured_dtypes():
    import io
    import zlib

    from sktrack._models._bytes import _array_print

    def digest(blob: bytes) -> str:
        return _array_print(blob, zlib.crc32(blob))

    # a layout like a tree's node array: fields with uninitialised bytes between them
    dtype = np.dtype(
        {"names": ["a", "b"], "formats": ["u1", "<i8"], "offsets": [0, 8], "itemsize": 24}
    )
    array = np.zeros(3, dtype)
    array["a"], array["b"] = [1, 2, 3], [4, 5, 6]
    buffer = io.BytesIO()
    np.save(buffer, array)
    clean = buffer.getvalue()
    start = len(clean) - 3 * 24
    noisy, changed = bytearray(clean), bytearray(clean)
    for row in range(3):
        noisy[start + row * 24 + 1] = 0xAB  # padding after "a"
        noisy[start + row * 24 + 20] = 0xCD  # padding at the end
    changed[start + 8] = 9  # a real value
    assert zlib.crc32(clean) != zlib.crc32(noisy)
    assert digest(clean) == digest(bytes(noisy)) == f"{zlib.crc32(clean):08x}-{len(clean)}"
    assert digest(clean) != digest(bytes(changed))


def test_content_hash_differs_between_models(fitted_zoo):
    hashes = {describe_model_bytes(skops.io.dumps(m))[1] for m, _ in fitted_zoo.values()}
    assert len(hashes) == len(fitted_zoo)


def test_model_json_records_hashes_versions_signature_and_flagged_types(tmp_path):
    import sklearn
    import skops

    fs = LocalFileSystem(tmp_path)
    model = RandomForestRegressor(5, random_state=0).fit(Xr, yr)
    meta = write_model_folder(fs, "rf", model, signature={"version": 1, "inputs": None})
    doc = json.loads((tmp_path / "rf" / "model.json").read_text())
    data = (tmp_path / "rf" / "model.skops").read_bytes()
    assert doc["format_version"] == 1
    assert doc["sha256"] == meta.sha256 == describe_model_bytes(data)[0]
    assert doc["content_hash"] == meta.content_hash
    assert doc["size"] == len(data)
    assert doc["estimator_class"] == "sklearn.ensemble._forest.RandomForestRegressor"
    assert doc["flagged_types"] == ["sklearn.tree._tree.Tree"]
    assert doc["signature"] == {"version": 1, "inputs": None}
    assert doc["versions"] == {
        "python": sys.version.split()[0],
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "skops": skops.__version__,
    }


# -- trust ----------------------------------------------------------------------------------


@pytest.fixture
def user_function_model(store):
    model = make_pipeline(FunctionTransformer(double), Ridge()).fit(Xr, yr)
    return model, sktrack.log_model(model)


def test_a_user_function_is_refused_without_trusted_and_named(user_function_model):
    _, info = user_function_model
    with pytest.raises(UntrustedTypesError) as caught:
        sktrack.load_model(info.model_uri)
    assert caught.value.types == [DOUBLE]
    assert str(caught.value) == (
        f"model {info.model_uri} needs types that are not trusted: {DOUBLE}. If you trust where "
        "this model comes from, pass trusted=[...] with these names to load_model(), or list "
        "them in $SKTRACK_TRUSTED_TYPES."
    )


def test_a_user_function_loads_when_the_caller_trusts_it(user_function_model):
    model, info = user_function_model
    loaded = sktrack.load_model(info.model_uri, trusted=[DOUBLE])
    np.testing.assert_array_equal(loaded.predict(Xr), model.predict(Xr))
    assert loaded.steps[0][1].func is double


def test_trusted_accepts_the_function_object_itself(user_function_model):
    model, info = user_function_model
    np.testing.assert_array_equal(
        sktrack.load_model(info.model_uri, trusted=[double]).predict(Xr), model.predict(Xr)
    )


def test_trust_from_the_environment_variable(user_function_model, monkeypatch):
    model, info = user_function_model
    monkeypatch.setenv("SKTRACK_TRUSTED_TYPES", f"numpy.something_else, {DOUBLE}")
    np.testing.assert_array_equal(sktrack.load_model(info.model_uri).predict(Xr), model.predict(Xr))


def test_trust_from_the_user_config_file(user_function_model, tmp_path):
    model, info = user_function_model
    config = tmp_path / "config" / "sktrack" / "trusted.txt"
    config.parent.mkdir(parents=True)
    config.write_text(f"# reviewed on 2026-11-26\n{DOUBLE}  # our feature code\n\n")
    np.testing.assert_array_equal(sktrack.load_model(info.model_uri).predict(Xr), model.predict(Xr))


def test_trust_is_never_read_from_the_model_folder(user_function_model, store):
    _, info = user_function_model
    folder = pathlib.Path(store.fs.local_path(info.folder))
    (folder / "trusted.txt").write_text(DOUBLE)
    meta = json.loads((folder / "model.json").read_text())
    meta["trusted"] = meta["flagged_types"] = [DOUBLE]
    (folder / "model.json").write_text(json.dumps(meta))
    with pytest.raises(UntrustedTypesError):
        sktrack.load_model(info.model_uri)


def test_a_model_json_that_lists_too_few_types_still_loads(store, fitted_zoo):
    model, X = fitted_zoo["hist_gradient_boosting_categorical"]
    info = sktrack.log_model(model)
    path = pathlib.Path(store.fs.local_path(f"{info.folder}/model.json"))
    meta = json.loads(path.read_text())
    assert meta["flagged_types"]
    meta["flagged_types"] = []
    path.write_text(json.dumps(meta))
    np.testing.assert_array_equal(sktrack.load_model(info.model_uri).predict(X), model.predict(X))


@pytest.mark.parametrize("bad", [True, "mymodule.f"])
def test_trusted_must_be_a_list(user_function_model, bad):
    _, info = user_function_model
    with pytest.raises(InvalidArgumentError) as caught:
        sktrack.load_model(info.model_uri, trusted=bad)
    assert str(caught.value) == (
        f"trusted={bad!r} is not allowed: pass a list of type names, e.g. "
        "trusted=['mymodule.my_function'], after checking that you trust them"
    )


def test_trusted_types_combines_builtin_scorers_caller_and_environment(monkeypatch):
    monkeypatch.setenv("SKTRACK_TRUSTED_TYPES", "a.b, c.d")
    names = trusted_types(["e.f"])
    assert {"a.b", "c.d", "e.f", "sklearn.tree._tree.Tree"} <= set(names)
    assert "sklearn.metrics._regression.r2_score" in names


def test_a_nested_function_is_refused_when_logging(store):
    def nested(X):
        return X

    with pytest.raises(InvalidArgumentError, match=f"it holds {__name__}.nested, which"):
        sktrack.log_model(FunctionTransformer(nested).fit(Xr))


def test_a_lambda_is_refused_when_logging(store):
    model = FunctionTransformer(lambda X: X).fit(Xr)
    with pytest.raises(InvalidArgumentError) as caught:
        sktrack.log_model(model)
    assert str(caught.value) == (
        "cannot save FunctionTransformer: it holds "
        f"{__name__}.<lambda>, which skops can "
        "save but never load. Replace lambdas and nested functions with functions defined at "
        "the top level of an importable module."
    )


# -- integrity and versions -----------------------------------------------------------------


def _flip_a_byte(path: pathlib.Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def test_a_flipped_byte_in_model_skops_refuses_to_load(store):
    info = sktrack.log_model(LogisticRegression().fit(Xc, yc))
    path = pathlib.Path(store.fs.local_path(f"{info.folder}/model.skops"))
    _flip_a_byte(path)
    with pytest.raises(ModelIntegrityError) as caught:
        sktrack.load_model(info.model_uri)
    actual = caught.value.actual
    assert actual != info.sha256
    assert str(caught.value) == (
        f"model file {path} has sha256 {actual}, but {info.sha256} was recorded when it was "
        "logged: the file was changed or damaged. Refusing to load it; log the model again."
    )


def test_a_version_mismatch_warns_naming_both_versions(store):
    import sklearn

    info = sktrack.log_model(LogisticRegression().fit(Xc, yc))
    path = pathlib.Path(store.fs.local_path(f"{info.folder}/model.json"))
    meta = json.loads(path.read_text())
    meta["versions"]["sklearn"] = "1.6.1"
    path.write_text(json.dumps(meta))
    with pytest.warns(VersionMismatchWarning) as caught:
        sktrack.load_model(info.model_uri)
    assert [str(w.message) for w in caught] == [
        f"model {info.model_uri} was saved with scikit-learn 1.6.1 and is loaded with "
        f"scikit-learn {sklearn.__version__}; its predictions may differ. Log it again with "
        f"scikit-learn {sklearn.__version__}, or load it where scikit-learn 1.6.1 is installed."
    ]


def test_a_python_patch_release_does_not_warn_but_a_minor_one_does(store):
    info = sktrack.log_model(LogisticRegression().fit(Xc, yc))
    path = pathlib.Path(store.fs.local_path(f"{info.folder}/model.json"))
    meta = json.loads(path.read_text())
    major, minor = sys.version_info[:2]
    meta["versions"]["python"] = f"{major}.{minor}.99"
    path.write_text(json.dumps(meta))
    sktrack.load_model(info.model_uri)  # no warning: warnings are errors in the tests
    meta["versions"]["python"] = f"{major}.{minor + 1}.0"
    path.write_text(json.dumps(meta))
    with pytest.warns(VersionMismatchWarning, match=f"saved with Python {major}.{minor + 1}"):
        sktrack.load_model(info.model_uri)


def test_a_missing_model_json_is_not_a_model(tmp_path):
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "model.skops").write_bytes(b"")
    with pytest.raises(ArtifactNotFoundError) as caught:
        sktrack.load_model(tmp_path / "half")
    assert str(caught.value) == (
        f"model {tmp_path / 'half'}: no model.json in {tmp_path / 'half'}; "
        "it is not a model folder, or its logging did not finish"
    )


def test_a_damaged_or_newer_model_json_raises_store_error(tmp_path):
    fs = LocalFileSystem(tmp_path)
    write_model_folder(fs, "m", Ridge().fit(Xr, yr))
    meta_path = tmp_path / "m" / "model.json"
    doc = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({**doc, "format_version": 99}))
    with pytest.raises(StoreError) as caught:
        load_model_folder(fs, "m", source="m")
    assert str(caught.value) == (
        f"model metadata {meta_path} has format version 99; this sktrack reads version 1. "
        "Upgrade sktrack to load it."
    )
    meta_path.write_text("{not json")
    with pytest.raises(StoreError, match=r"^model metadata .* is damaged \("):
        load_model_folder(fs, "m", source="m")


def test_a_missing_model_skops_raises_artifact_not_found(tmp_path):
    fs = LocalFileSystem(tmp_path)
    write_model_folder(fs, "m", Ridge().fit(Xr, yr))
    (tmp_path / "m" / "model.skops").unlink()
    with pytest.raises(ArtifactNotFoundError) as caught:
        load_model_folder(fs, "m", source="models:/x/1")
    assert str(caught.value) == f"model models:/x/1: {tmp_path / 'm' / 'model.skops'} is missing"


# -- what is saved --------------------------------------------------------------------------


def test_callbacks_are_not_saved_and_the_original_keeps_them(tmp_path):
    callback = pytest.importorskip("sklearn.callback", reason="callbacks need scikit-learn >= 1.9")
    ScoringMonitor = callback.ScoringMonitor

    model = LogisticRegression().set_callbacks(ScoringMonitor(scoring="accuracy"))
    pipe = make_pipeline(StandardScaler(), model).fit(Xc, yc)
    meta = write_model_folder(LocalFileSystem(tmp_path), "m", pipe)
    assert meta.flagged_types == ()
    loaded = skops.io.load(tmp_path / "m" / "model.skops")
    assert "_skl_callbacks" not in loaded[-1].__dict__
    assert "_skl_callbacks" in model.__dict__
    np.testing.assert_array_equal(loaded.predict(Xc), pipe.predict(Xc))


class Wrapper(BaseEstimator, RegressorMixin):
    """Stands in for TrackedEstimator: it names what should be saved in its place."""

    def __init__(self, estimator=None):
        self.estimator = estimator

    def fit(self, X, y):
        self.estimator_ = self.estimator.fit(X, y)
        self.tracking_state_ = object()  # skops could not save this
        return self

    def predict(self, X):
        return self.estimator_.predict(X)

    def _sktrack_model_to_save(self):
        return self.estimator_


def test_a_wrapper_is_saved_as_the_model_it_names(tmp_path):
    wrapper = Wrapper(Ridge()).fit(Xr, yr)
    meta = write_model_folder(LocalFileSystem(tmp_path), "m", wrapper)
    assert meta.estimator_class == "sklearn.linear_model._ridge.Ridge"
    loaded = load_model_folder(LocalFileSystem(tmp_path), "m", source="m")
    np.testing.assert_array_equal(loaded.predict(Xr), wrapper.predict(Xr))


def test_a_wrapper_nested_in_a_pipeline_is_unwrapped(tmp_path):
    pipe = make_pipeline(StandardScaler(), Wrapper(Ridge())).fit(Xr, yr)
    write_model_folder(LocalFileSystem(tmp_path), "m", pipe)
    loaded = load_model_folder(LocalFileSystem(tmp_path), "m", source="m")
    assert type(loaded.steps[-1][1]) is Ridge
    assert type(pipe.steps[-1][1]) is Wrapper
    np.testing.assert_array_equal(loaded.predict(Xr), pipe.predict(Xr))


# -- log_model and load_model ---------------------------------------------------------------


def test_log_model_without_an_active_run_opens_and_closes_one(store):
    info = sktrack.log_model(Ridge().fit(Xr, yr), "ridge")
    run = sktrack.get_run(info.run_id)
    assert run.info.status == "FINISHED"
    assert sktrack.active_run() is None
    assert info.model_uri == f"runs:/{info.run_id}/ridge"
    assert info.folder == f"artifacts/{info.run_id}/ridge"


def test_log_model_logs_into_the_active_run(store):
    with sktrack.start_run() as run:
        info = sktrack.log_model(Ridge().fit(Xr, yr))
        assert sktrack.active_run().run_id == run.run_id
    assert info.run_id == run.run_id


def test_log_model_records_a_signature_object(store):
    signature = sktrack.infer_signature(FRAME)
    info = sktrack.log_model(_column_pipeline().fit(FRAME, yc), signature=signature)
    assert info.signature == signature.to_dict()


def test_log_model_refuses_a_second_model_of_the_same_name(store):
    with sktrack.start_run() as run:
        sktrack.log_model(Ridge().fit(Xr, yr))
        with pytest.raises(InvalidArgumentError) as caught:
            sktrack.log_model(Ridge().fit(Xr, yr))
    assert str(caught.value) == (
        f"run {run.run_id} already has a model named 'model'; models are never overwritten: "
        "pass another name, or start a new run"
    )


@pytest.mark.parametrize("name", ["a/b", "..", "x" * 256])
def test_log_model_refuses_bad_names(store, name):
    with pytest.raises(InvalidArgumentError, match=r"^model name "):
        sktrack.log_model(Ridge().fit(Xr, yr), name)


def test_log_model_refuses_a_signature_of_the_wrong_type(store):
    with pytest.raises(InvalidArgumentError) as caught:
        sktrack.log_model(Ridge().fit(Xr, yr), signature=["x"])
    assert str(caught.value) == (
        "signature must be a Signature (see sktrack.infer_signature) or a dict, got list"
    )


def test_log_model_can_register_the_model(store):
    info = sktrack.log_model(Ridge().fit(Xr, yr), registered_model_name="ridge")
    assert info.registered_model_version.version == 1
    assert info.registered_model_version.sha256 == info.sha256
    assert sktrack.registry.get_model_version("ridge", 1).run_id == info.run_id


def test_load_model_from_a_folder_path_str_path_and_file_uri(tmp_path):
    model = Ridge().fit(Xr, yr)
    write_model_folder(LocalFileSystem(tmp_path), "m", model)
    for uri in (str(tmp_path / "m"), tmp_path / "m", f"file://{tmp_path / 'm'}"):
        np.testing.assert_array_equal(sktrack.load_model(uri).predict(Xr), model.predict(Xr))


def test_importing_the_model_modules_does_not_import_skops_or_sklearn():
    code = (
        "import sys, sktrack, sktrack._models, sktrack._models._uri, sktrack.registry; "
        "print(sorted(m for m in ('skops', 'sklearn') if m in sys.modules))"
    )
    root = pathlib.Path(__file__).parents[1]
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=root
    )
    assert out.stdout.strip() == "[]"


def test_doctor_names_a_model_file_whose_hash_fails(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    from sklearn.linear_model import LinearRegression

    import sktrack
    from sktrack._models import run_doctor

    store = sktrack.set_store(tmp_path / "doctor-store")
    info = sktrack.log_model(LinearRegression().fit([[0], [1]], [0, 1]))
    assert run_doctor(store).ok
    model_file = Path(store.fs.local_path(info.folder)) / "model.skops"
    data = bytearray(model_file.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model_file.write_bytes(bytes(data))
    report = run_doctor(store)
    assert not report.ok
    (problem,) = report.model_problems
    assert problem.startswith(f"model {info.folder}: model file {model_file} has sha256 ")
    assert "was recorded when it was logged" in report.model_problems[0]
