"""The metric set of each task: exact names, and values equal to sklearn.metrics computed directly."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics
from sklearn.cluster import DBSCAN, AgglomerativeClustering, KMeans
from sklearn.datasets import make_blobs, make_classification, make_regression
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, LinearSVC

from sktrack._sklearn import _metrics, compute_metrics, task_of
from sktrack.exceptions import InvalidArgumentError

REGRESSOR_NAMES = {
    "r2_score",
    "mean_squared_error",
    "root_mean_squared_error",
    "mean_absolute_error",
    "score",
}
CLASSIFIER_NAMES = {
    "accuracy_score",
    "precision_score",
    "recall_score",
    "f1_score",
    "log_loss",
    "roc_auc",
    "score",
}


def weights(n: int) -> np.ndarray:
    return np.random.RandomState(1).uniform(0.1, 3.0, n)


def strip(values: dict[str, float], prefix: str = "training_") -> dict[str, float]:
    assert all(name.startswith(prefix) for name in values)
    assert all(type(v) is float for v in values.values())
    return {name.removeprefix(prefix): v for name, v in values.items()}


@pytest.fixture(scope="module")
def regression() -> tuple[np.ndarray, np.ndarray]:
    return make_regression(120, 5, noise=10.0, random_state=0)


@pytest.fixture(scope="module")
def binary() -> tuple[np.ndarray, np.ndarray]:
    X, y = make_classification(150, 6, random_state=0)
    return X, np.array(["no", "yes"])[y]  # string labels: the positive class is "yes"


@pytest.fixture(scope="module")
def multiclass() -> tuple[np.ndarray, np.ndarray]:
    return make_classification(180, 6, n_informative=4, n_classes=3, random_state=0)


# --- task_of --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("estimator", "task"),
    [
        (Ridge(), "regressor"),
        (LogisticRegression(), "classifier"),
        (KMeans(), "clusterer"),
        (StandardScaler(), None),
        (make_pipeline(StandardScaler(), Ridge()), "regressor"),
        (make_pipeline(StandardScaler(), make_pipeline(SVC())), "classifier"),
        (make_pipeline(StandardScaler(), DBSCAN()), "clusterer"),
        (make_pipeline(StandardScaler(), "passthrough"), None),
        (GridSearchCV(Ridge(), {"alpha": [1.0]}), "regressor"),
    ],
    ids=lambda v: type(v).__name__ if not isinstance(v, str | type(None)) else str(v),
)
def test_task_of(estimator: object, task: str | None) -> None:
    assert task_of(estimator) == task


# --- regressors -----------------------------------------------------------------------------


@pytest.mark.parametrize("weighted", [False, True])
def test_regressor_metrics(regression: tuple[np.ndarray, np.ndarray], weighted: bool) -> None:
    X, y = regression
    w = weights(len(y)) if weighted else None
    model = Ridge(alpha=3.0).fit(X, y)
    got = strip(compute_metrics(model, X, y, sample_weight=w))
    y_pred = model.predict(X)
    assert got == {
        "r2_score": metrics.r2_score(y, y_pred, sample_weight=w),
        "mean_squared_error": metrics.mean_squared_error(y, y_pred, sample_weight=w),
        "root_mean_squared_error": metrics.root_mean_squared_error(y, y_pred, sample_weight=w),
        "mean_absolute_error": metrics.mean_absolute_error(y, y_pred, sample_weight=w),
        "score": model.score(X, y, sample_weight=w),
    }


def test_prefix_names_the_split(regression: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = regression
    model = LinearRegression().fit(X, y)
    assert set(compute_metrics(model, X, y, prefix="test")) == {
        f"test_{name}" for name in REGRESSOR_NAMES
    }
    assert set(compute_metrics(model, X, y, prefix="")) == REGRESSOR_NAMES


def test_pipeline_regressor_with_a_dataframe(regression: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = regression
    frame = pd.DataFrame(X, columns=list("abcde"))
    model = make_pipeline(StandardScaler(), Ridge()).fit(frame, y)
    got = strip(compute_metrics(model, frame, pd.Series(y), sample_weight=weights(len(y))))
    assert set(got) == REGRESSOR_NAMES
    assert got["score"] == model.score(frame, y, sample_weight=weights(len(y)))


def test_custom_score_is_called(regression: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = regression
    search = GridSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, scoring="neg_mean_absolute_error")
    search.fit(X, y)
    got = strip(compute_metrics(search, X, y))
    assert got["score"] == search.score(X, y)
    assert got["score"] == -got["mean_absolute_error"]


def test_score_without_sample_weight_is_left_out_of_a_weighted_run(
    regression: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = regression
    search = GridSearchCV(Ridge(), {"alpha": [1.0]}, scoring="r2").fit(X, y)
    assert set(strip(compute_metrics(search, X, y))) == REGRESSOR_NAMES
    weighted = strip(compute_metrics(search, X, y, sample_weight=weights(len(y))))
    assert set(weighted) == REGRESSOR_NAMES - {"score"}


def test_regressor_needs_y(regression: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = regression
    with pytest.raises(InvalidArgumentError) as caught:
        compute_metrics(Ridge().fit(X, y), X, None)
    assert (
        str(caught.value)
        == "cannot compute regressor metrics of Ridge without y: pass the true targets"
    )


# --- classifiers ----------------------------------------------------------------------------


@pytest.mark.parametrize("weighted", [False, True])
def test_binary_classifier_with_predict_proba(
    binary: tuple[np.ndarray, np.ndarray], weighted: bool
) -> None:
    X, y = binary
    w = weights(len(y)) if weighted else None
    model = LogisticRegression().fit(X, y)
    got = strip(compute_metrics(model, X, y, sample_weight=w))
    y_pred, proba = model.predict(X), model.predict_proba(X)
    assert got == {
        "accuracy_score": metrics.accuracy_score(y, y_pred, sample_weight=w),
        "precision_score": metrics.precision_score(y, y_pred, average="weighted", sample_weight=w),
        "recall_score": metrics.recall_score(y, y_pred, average="weighted", sample_weight=w),
        "f1_score": metrics.f1_score(y, y_pred, average="weighted", sample_weight=w),
        "log_loss": metrics.log_loss(y, proba, sample_weight=w),
        "roc_auc": metrics.roc_auc_score(y, proba[:, 1], sample_weight=w),
        "score": model.score(X, y, sample_weight=w),
    }


@pytest.mark.parametrize("weighted", [False, True])
def test_binary_classifier_with_only_decision_function(
    binary: tuple[np.ndarray, np.ndarray], weighted: bool
) -> None:
    X, y = binary
    w = weights(len(y)) if weighted else None
    model = LinearSVC().fit(X, y)
    assert not hasattr(model, "predict_proba")
    got = strip(compute_metrics(model, X, y, sample_weight=w))
    y_pred = model.predict(X)
    assert got == {
        "accuracy_score": metrics.accuracy_score(y, y_pred, sample_weight=w),
        "precision_score": metrics.precision_score(y, y_pred, average="weighted", sample_weight=w),
        "recall_score": metrics.recall_score(y, y_pred, average="weighted", sample_weight=w),
        "f1_score": metrics.f1_score(y, y_pred, average="weighted", sample_weight=w),
        "roc_auc": metrics.roc_auc_score(y, model.decision_function(X), sample_weight=w),
        "score": model.score(X, y, sample_weight=w),
    }


@pytest.mark.parametrize("weighted", [False, True])
def test_multiclass_classifier(multiclass: tuple[np.ndarray, np.ndarray], weighted: bool) -> None:
    X, y = multiclass
    w = weights(len(y)) if weighted else None
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    got = strip(compute_metrics(model, X, y, sample_weight=w))
    y_pred, proba = model.predict(X), model.predict_proba(X)
    expected = {
        "accuracy_score": metrics.accuracy_score(y, y_pred, sample_weight=w),
        "precision_score": metrics.precision_score(y, y_pred, average="weighted", sample_weight=w),
        "recall_score": metrics.recall_score(y, y_pred, average="weighted", sample_weight=w),
        "f1_score": metrics.f1_score(y, y_pred, average="weighted", sample_weight=w),
        "log_loss": metrics.log_loss(y, proba, sample_weight=w),
        "score": model.score(X, y, sample_weight=w),
    }
    if not weighted:  # scikit-learn has no weighted one-vs-one ROC AUC
        expected["roc_auc"] = metrics.roc_auc_score(y, proba, multi_class="ovo", average="weighted")
    assert got == expected


def test_multiclass_decision_function_gives_no_roc_auc(
    multiclass: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = multiclass
    got = strip(compute_metrics(LinearSVC().fit(X, y), X, y))
    assert set(got) == CLASSIFIER_NAMES - {"log_loss", "roc_auc"}


def test_classifier_on_a_split_missing_classes(
    multiclass: tuple[np.ndarray, np.ndarray],
) -> None:
    X, y = multiclass
    model = LogisticRegression().fit(X, y)
    part = y != 2  # a test split where class 2 never occurs
    got = strip(compute_metrics(model, X[part], y[part], prefix="test"), "test_")
    assert set(got) == CLASSIFIER_NAMES - {"roc_auc"}
    assert got["log_loss"] == metrics.log_loss(
        y[part], model.predict_proba(X[part]), labels=[0, 1, 2]
    )
    one_class = y == 0
    binary_model = LogisticRegression().fit(X, y == 0)
    got = strip(compute_metrics(binary_model, X[one_class], (y == 0)[one_class]))
    assert "roc_auc" not in got


def test_never_predicted_class_gives_zero_without_warning() -> None:
    # pytest turns warnings into errors: UndefinedMetricWarning would fail this test.
    X = np.array([[0.0], [0.1], [0.2], [5.0]])
    y = np.array([0, 0, 0, 1])
    model = KNeighborsClassifier(n_neighbors=3).fit(X, y)
    assert model.predict(X).tolist() == [0, 0, 0, 0]
    got = strip(compute_metrics(model, X, y))
    assert got["precision_score"] == metrics.precision_score(
        y, model.predict(X), average="weighted", zero_division=0.0
    )


def test_classifier_needs_y(binary: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = binary
    with pytest.raises(InvalidArgumentError, match=r"^cannot compute classifier metrics of"):
        compute_metrics(LogisticRegression().fit(X, y), X, None)


# --- clusterers -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def blobs() -> np.ndarray:
    return make_blobs(200, centers=3, random_state=0)[0]


@pytest.mark.parametrize("weighted", [False, True])
def test_kmeans(blobs: np.ndarray, weighted: bool) -> None:
    w = weights(len(blobs)) if weighted else None
    model = KMeans(3, n_init=2, random_state=0).fit(blobs, sample_weight=w)
    got = strip(compute_metrics(model, blobs, None, sample_weight=w))
    labels = model.predict(blobs)
    silhouette = (
        metrics.silhouette_score(blobs, labels)
        if w is None
        else np.average(metrics.silhouette_samples(blobs, labels), weights=w)
    )
    assert got == {
        "score": model.score(blobs, sample_weight=w),
        "silhouette_score": pytest.approx(silhouette, rel=1e-12),
    }


def test_clusterer_without_predict_uses_training_labels(blobs: np.ndarray) -> None:
    model = make_pipeline(StandardScaler(), AgglomerativeClustering(3)).fit(blobs)
    got = compute_metrics(model, blobs, None)
    scaled = StandardScaler().fit_transform(blobs)
    assert got == {
        "training_silhouette_score": pytest.approx(
            metrics.silhouette_score(scaled, model[-1].labels_), rel=1e-12
        )
    }
    assert compute_metrics(model, blobs, None, prefix="test") == {}


def test_silhouette_needs_two_labels_and_fewer_than_samples(blobs: np.ndarray) -> None:
    one_cluster = DBSCAN(eps=100.0).fit(blobs)
    assert compute_metrics(one_cluster, blobs, None) == {}
    every_point_alone = DBSCAN(eps=1e-9, min_samples=1).fit(blobs[:10])
    assert compute_metrics(every_point_alone, blobs[:10], None) == {}


def test_silhouette_is_subsampled_past_the_cap(
    blobs: np.ndarray, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_metrics, "_SILHOUETTE_MAX_SAMPLES", 50)
    model = KMeans(3, n_init=1, random_state=0).fit(blobs)
    rows = np.random.RandomState(0).choice(len(blobs), 50, replace=False)
    got = compute_metrics(model, blobs, None)["training_silhouette_score"]
    assert got == pytest.approx(
        metrics.silhouette_score(blobs[rows], model.predict(blobs)[rows]), rel=1e-12
    )


def test_transformer_has_no_metrics(blobs: np.ndarray) -> None:
    assert compute_metrics(StandardScaler().fit(blobs), blobs, None) == {}


def test_classifier_fitted_on_one_class_logs_no_undefined_metrics() -> None:
    import numpy as np
    from sklearn.tree import DecisionTreeClassifier

    from sktrack._sklearn import compute_metrics

    X = np.arange(20, dtype=float).reshape(10, 2)
    y = np.ones(10)
    values = compute_metrics(DecisionTreeClassifier().fit(X, y), X, y)
    assert "training_log_loss" not in values and "training_roc_auc" not in values
    assert values["training_accuracy_score"] == 1.0


def test_zero_weight_class_leaves_roc_auc_out() -> None:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from sktrack._sklearn import compute_metrics

    X = np.arange(40, dtype=float).reshape(20, 2)
    y = np.array([0, 1] * 10)
    weight = np.where(y == 1, 0.0, 1.0)
    values = compute_metrics(LogisticRegression().fit(X, y), X, y, sample_weight=weight)
    assert "training_roc_auc" not in values


def test_targets_that_only_define_array_are_accepted() -> None:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from sktrack._sklearn import compute_metrics

    class Labels:
        def __init__(self, values: np.ndarray) -> None:
            self.values = values

        def __array__(self, dtype=None, copy=None):  # type: ignore[no-untyped-def]
            return self.values

        def __len__(self) -> int:
            return len(self.values)

    X = np.arange(40, dtype=float).reshape(20, 2)
    y = np.array([0, 1] * 10)
    model = LogisticRegression().fit(X, y)
    assert compute_metrics(model, X, Labels(y)) == compute_metrics(model, X, y)
