"""The UI in a real browser: headless Chromium driven by Playwright, against a real uvicorn
server on a free loopback port.  The walkthrough: open the experiment, unfold a search to see
its five children, select runs and see the chart, open a run, register its model, move it to
Staging archiving the version there, and see the registry change.

Screenshots of each page go to ``test-artifacts/ui/`` (look at them after a change).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression
from sklearn.tree import DecisionTreeRegressor

import sktrack
from sktrack.exceptions import MethodologyWarning
from sktrack.ui import create_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "ui"
MODEL = "diabetes_model"


def _walkthrough_store(location: Path) -> dict[str, str]:
    """A baseline, and a grid search whose five best candidates are child runs; the baseline's
    model is already version 1 of MODEL, in Staging."""
    sktrack.set_store(location)
    sktrack.set_experiment("diabetes")
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    with sktrack.start_run(run_name="baseline") as baseline:
        with pytest.warns(MethodologyWarning, match="were fitted on"):
            sktrack.TrackedEstimator(LinearRegression()).fit(X, y).evaluate(X, y)
        for step, loss in enumerate([0.9, 0.6, 0.45, 0.4]):
            sktrack.log_metric("loss", loss, step=step)
    search = sktrack.TrackedGridSearchCV(
        DecisionTreeRegressor(random_state=0),
        {"max_depth": [2, 3, 4, 6], "min_samples_leaf": [1, 10]},
        scoring=["r2", "neg_root_mean_squared_error"],
        refit="r2",
        top_k=5,
        run_name="tree-search",
    ).fit(X, y)
    v1 = sktrack.registry.register_model(f"runs:/{baseline.run_id}/model", MODEL)
    sktrack.registry.transition_stage(MODEL, v1.version, "Staging")
    return {"baseline": baseline.run_id, "search": search.run_id_}


class _Server:
    """uvicorn serving the UI from a thread, on a port the OS picked."""

    def __init__(self, location: Path) -> None:
        import uvicorn

        config = uvicorn.Config(create_app(location), host="127.0.0.1", port=0, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the UI server did not start within 30 s")
            self.thread.join(timeout=0.05)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _watch_console(page: Page) -> list[str]:
    """Script errors and refused resources (CSP violations included) seen by the page."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: problems.append(message.text) if message.type == "error" else None,
    )
    return problems


def test_walkthrough_in_the_browser(tmp_path: Path, browser: Browser) -> None:
    from playwright.sync_api import expect

    ids = _walkthrough_store(tmp_path / "store")
    with _Server(tmp_path / "store") as base:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        problems = _watch_console(page)

        page.goto(base + "/")
        _shot(page, "1-experiments")
        page.get_by_role("link", name="diabetes").click()

        # the search's children are folded under its "+"
        search_row = page.locator("tr.run", has_text="tree-search")
        children = page.locator(f'tr.child[data-parent="{ids["search"]}"]')
        expect(children).to_have_count(5)
        expect(children.first).to_be_hidden()
        search_row.get_by_role("button", name="+").click()
        for i in range(5):
            expect(children.nth(i)).to_be_visible()
        expect(children.first.locator(".best")).to_have_text("★ best")
        _shot(page, "2-runs-unfolded")

        # select the baseline, the search and its children; compare them
        page.locator("tr.run", has_text="baseline").locator('input[name="run"]').check()
        search_row.locator('input[name="run"]').check()
        for i in range(5):
            children.nth(i).locator('input[name="run"]').check()
        compare = page.locator("#compare-button")
        expect(compare).to_have_text("Compare 7 selected")
        compare.click()
        expect(page.locator("#bar-chart")).to_have_attribute("data-rendered", "true")
        expect(page.locator("#bar-chart canvas")).to_have_count(1)
        page.locator("#metric").select_option("mean_test_r2")
        expect(page.get_by_role("heading", name="mean_test_r2 across runs")).to_be_visible()
        expect(page.locator("#bar-chart")).to_have_attribute("data-rendered", "true")
        expect(page.locator("#parallel-chart")).to_have_attribute("data-rendered", "true")
        expect(page.get_by_text("Not charted, as they have no mean_test_r2")).to_contain_text(
            "tree-search, baseline"
        )
        _shot(page, "3-compare")

        # open the search's run page and register its model
        page.get_by_role("link", name="tree-search").click()
        expect(page.locator("h1")).to_contain_text("tree-search")
        expect(page.locator("#children tbody tr")).to_have_count(5)
        expect(page.locator("pre.snippet").first).to_contain_text(
            f'sktrack.load_model("runs:/{ids["search"]}/model")'
        )
        _shot(page, "4-run")
        page.get_by_label("Name").fill(MODEL)
        page.get_by_role("button", name="Register").click()

        # the model page: v2 is new; move it to Staging, archiving v1
        expect(page.locator("h1")).to_contain_text(MODEL)
        v1, v2 = page.locator("tr#v1"), page.locator("tr#v2")
        expect(v1.locator(".stage")).to_have_text("Staging")
        expect(v2.locator(".stage")).to_have_text("None")
        v2.locator('select[name="stage"]').select_option("Staging")
        v2.locator('input[name="archive_existing"]').check()
        v2.get_by_role("button", name="Move").click()
        expect(page.locator("tr#v2 .stage")).to_have_text("Staging")
        expect(page.locator("tr#v1 .stage")).to_have_text("Archived")
        expect(page.locator("table.grid.compact").first).to_contain_text(
            "v2 moved to Staging, archiving v1"
        )
        _shot(page, "5-model")

        page.get_by_role("link", name="Models", exact=True).first.click()
        expect(page.locator("table.grid")).to_contain_text("Staging v2")
        _shot(page, "6-models")

        # the baseline's run page draws its loss history
        page.goto(f"{base}/runs/{ids['baseline']}")
        expect(page.locator("#history-chart")).to_have_attribute("data-rendered", "true")
        _shot(page, "7-run-with-history")
        assert problems == []

    assert sktrack.registry.get_model_version(MODEL, 1).stage == "Archived"
    assert sktrack.registry.get_model_version(MODEL, 2).stage == "Staging"
