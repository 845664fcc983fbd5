"""The evaluation curves in a real browser: the run pages of a binary classifier, a multiclass
classifier and a regressor, and a compare page overlaying the ROC curves of five candidates.

Headless Chromium through Playwright, against a real uvicorn server (the launch and the server
come from conftest.py and test_ui_browser.py).  Screenshots go to ``$SKTRACK_SHOTS`` (default
``test-artifacts/curves/``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier
from test_ui_browser import _Server, _watch_console

import sktrack
from sktrack.exceptions import MethodologyWarning

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

SHOTS = Path(
    os.environ.get(
        "SKTRACK_SHOTS", Path(__file__).resolve().parent.parent / "test-artifacts" / "curves"
    )
)
CANDIDATES = {
    "logistic": make_pipeline(StandardScaler(), LogisticRegression()),
    "forest": RandomForestClassifier(n_estimators=50, random_state=0),
    "tree": DecisionTreeClassifier(max_depth=3, random_state=0),
    "knn": make_pipeline(StandardScaler(), KNeighborsClassifier()),
    "bayes": GaussianNB(),
}


def _store(location: Path) -> dict[str, str]:
    sktrack.set_store(location)
    sktrack.set_experiment("curves")
    ids = {}
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
    for name, model in CANDIDATES.items():
        est = sktrack.TrackedEstimator(model, run_name=name, log_model=False).fit(X_train, y_train)
        est.evaluate(X_test, y_test)
        ids[name] = est.run_id_
    # digits with naive Bayes: ten classes whose curves differ (wine's would all be perfect)
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
    est = sktrack.TrackedEstimator(GaussianNB(), run_name="digits", log_model=False)
    est.fit(X_train, y_train).evaluate(X_test, y_test)
    ids["digits"] = est.run_id_
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    est = sktrack.TrackedEstimator(Ridge(), run_name="ridge", log_model=False).fit(X_train, y_train)
    est.evaluate(X_test, y_test)
    with pytest.warns(MethodologyWarning, match="were fitted on"):
        est.evaluate(X_train, y_train, split="resubstitution")  # a badge to see
    ids["ridge"] = est.run_id_
    return ids


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _drawn(page: Page) -> int:
    page.wait_for_selector("body[data-curves-drawn]")
    return int(page.locator("body").get_attribute("data-curves-drawn") or 0)


def _chart_option(page: Page, chart_id: str) -> dict:
    return page.evaluate(
        "id => { const c = echarts.getInstanceByDom(document.getElementById(id));"
        " const o = c.getOption(); return {series: o.series.map(s => s.name),"
        " save: !!o.toolbox[0].feature.saveAsImage, zoom: !!o.toolbox[0].feature.dataZoom,"
        " png: c.getDataURL({type: 'png'}).slice(0, 22)}; }",
        chart_id,
    )


def _saveable(page: Page) -> list[bool]:
    """For every chart on the page, whether its toolbar saves it as an image."""
    return page.evaluate(
        "() => Array.from(document.querySelectorAll('[_echarts_instance_]')).map(el => {"
        " const t = echarts.getInstanceByDom(el).getOption().toolbox;"
        " return !!(t && t[0] && t[0].feature && t[0].feature.saveAsImage); })"
    )


def _hover(page: Page, chart_id: str, fx: float, fy: float) -> None:
    box = page.locator(f"#{chart_id}").bounding_box()
    assert box is not None
    page.locator(f"#{chart_id}").scroll_into_view_if_needed()
    box = page.locator(f"#{chart_id}").bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)


def test_curves_in_the_browser(tmp_path: Path, browser: Browser) -> None:
    from playwright.sync_api import expect

    ids = _store(tmp_path / "store")
    with _Server(tmp_path / "store") as base:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        problems = _watch_console(page)

        # a binary classifier: ROC, PR, calibration, confusion matrix... for test and training
        page.goto(f"{base}/runs/{ids['logistic']}")
        assert _drawn(page) == 12
        roc = _chart_option(page, "curve-test-roc")
        assert roc["series"][0].startswith("class 1 (auc 0.99")
        assert roc["save"] and roc["zoom"] and roc["png"] == "data:image/png;base64,"
        expect(page.locator("#warnings")).to_have_count(0)
        assert _saveable(page) == [True] * 12  # every chart can be saved as an image
        _hover(page, "curve-test-roc", 0.2, 0.25)
        _shot(page, "1-binary-run")

        # a multiclass classifier: one curve per class
        page.goto(f"{base}/runs/{ids['digits']}")
        assert _drawn(page) == 12
        assert len(_chart_option(page, "curve-test-roc")["series"]) == 10 + 1  # + the diagonal
        _hover(page, "curve-test-roc", 0.3, 0.3)
        _shot(page, "2-multiclass-run")

        # a regressor: predicted vs actual, residuals, and the badge of a methodology warning
        page.goto(f"{base}/runs/{ids['ridge']}")
        assert _drawn(page) == 9
        expect(page.locator("#warnings")).to_contain_text("were fitted on")
        _hover(page, "curve-test-predicted_actual", 0.5, 0.5)
        _shot(page, "3-regressor-run")

        # the runs table shows the warning as a badge
        page.get_by_role("link", name="curves", exact=True).first.click()
        expect(page.locator("tr.run", has_text="ridge").locator(".warning-badge")).to_have_text(
            "⚠ training rows"
        )
        expect(page.locator("tr.run", has_text="forest").locator(".warning-badge")).to_have_count(0)
        _shot(page, "4-runs-table")

        # five candidates' ROC curves on one chart
        query = "&".join(f"run={ids[name]}" for name in CANDIDATES)
        page.goto(f"{base}/compare?{query}")
        assert _drawn(page) >= 3
        assert all(_saveable(page))
        overlay = _chart_option(page, "curve-test-overlay-roc")
        assert [s.split(" (")[0] for s in overlay["series"][:5]] == list(CANDIDATES)
        _hover(page, "curve-test-overlay-roc", 0.2, 0.2)
        _shot(page, "5-compare-roc")
        assert problems == []
