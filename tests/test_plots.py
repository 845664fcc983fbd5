"""sktrack.plot: matplotlib figures from the logged curve tables."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

pytest.importorskip("matplotlib")

import matplotlib
from sklearn.datasets import load_diabetes, load_wine
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sktrack
from sktrack._plots import CURVES

matplotlib.use("Agg")


def test_every_curve_of_a_classifier_and_a_regressor_draws(store: Any) -> None:
    import matplotlib.pyplot as plt

    X, y = load_wine(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
    clf = sktrack.TrackedEstimator(make_pipeline(StandardScaler(), LogisticRegression()))
    clf.fit(X_train, y_train).evaluate(X_test, y_test)
    roc = sktrack.plot(clf.run_id_, "roc")
    lines = roc.axes[0].get_lines()
    assert len(lines) == 3 + 1  # a curve per class, and the diagonal
    table = sktrack.load_table(clf.run_id_, "curves/test/roc")
    np.testing.assert_array_equal(lines[0].get_xdata(), table[table["class"] == "0"]["fpr"])
    for curve in ("precision_recall", "calibration", "confusion_matrix", "per_class"):
        assert sktrack.plot(clf.run_id_, curve).axes
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    reg = sktrack.TrackedEstimator(Ridge()).fit(X_train, y_train)
    reg.evaluate(X_test, y_test)
    for curve in ("predicted_actual", "residuals", "residual_histogram"):
        assert sktrack.plot(reg.run_id_, curve, split="training").axes
    plt.close("all")


def test_unknown_or_missing_curves_are_refused(store: Any) -> None:
    X, y = load_diabetes(return_X_y=True)
    reg = sktrack.TrackedEstimator(Ridge(), log_model=False).fit(X, y)
    with pytest.raises(sktrack.InvalidArgumentError, match="plot cannot draw 'lift'"):
        sktrack.plot(reg.run_id_, "lift")
    with pytest.raises(
        sktrack.ArtifactNotFoundError, match="logged no 'roc' curve for split 'test'"
    ):
        sktrack.plot(reg.run_id_, "roc")
    assert "roc" in CURVES
