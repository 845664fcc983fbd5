"""The UI's views on the demo's store, in headless Chromium: what matters first, the chart
view, comparing a search's candidates, and the differences of two runs.

The store is `sktrack demo --quick`'s, built once per session.  Every page is also shot at
1400x900 and 1024x768 into ``$SKTRACK_SHOTS`` (default ``/tmp/shots-12``) and checked for a
page wider than the window (a control pushed off-screen).
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from test_ui_browser import _Server, _watch_console

import sktrack
from sktrack._cli._demo import run_demo

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("SKTRACK_SHOTS", "/tmp/shots-12"))
SIZES = {"1400x900": (1400, 900), "1024x768": (1024, 768)}
RMSE = "neg_root_mean_squared_error"
SAVEABLE = "c => !!c.getOption().toolbox[0].feature.saveAsImage"


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    location = tmp_path_factory.mktemp("demo") / "store"
    result = run_demo(str(location), quick=True, out=io.StringIO())
    sktrack.set_store(location)
    frame = sktrack.search_runs(experiment_names="*")
    names = dict(zip(frame["run_id"], frame["run_name"], strict=True))
    searches = dict(zip(("elasticnet", "tree", "forest"), result.search_run_ids, strict=True))
    children = {
        key: list(frame.loc[frame["parent_run_id"] == run_id, "run_id"])
        for key, run_id in searches.items()
    }
    long_text = (
        "A long description, as teams write them: " + "trained on last quarter's data, " * 12
    )
    sktrack.registry.update_model_version("diabetes-regressor", result.version, long_text)
    experiment = next(e for e in sktrack.list_experiments() if e.name == "diabetes-demo")
    return {"location": location, "result": result, "searches": searches,
            "children": children, "names": names,
            "experiment_id": experiment.experiment_id}  # fmt: skip


@pytest.fixture(scope="session")
def base(demo: dict[str, Any]) -> Iterator[str]:
    with _Server(demo["location"]) as url:
        yield url


def _experiment_url(base: str, demo: dict[str, Any]) -> str:
    return f"{base}/experiments/{demo['experiment_id']}"


def _compare_url(base: str, run_ids: list[str], metric: str = "") -> str:
    query = "&".join(f"run={r}" for r in run_ids)
    return f"{base}/compare?{query}" + (f"&metric={metric}" if metric else "")


def _chart(page: Page, element_id: str, script: str) -> Any:
    """Evaluate ``script`` (a function of the ECharts instance) on a drawn chart."""
    from playwright.sync_api import expect

    expect(page.locator(f"#{element_id}")).to_have_attribute("data-rendered", "true")
    return page.evaluate(
        f"(() => {{ const chart = echarts.getInstanceByDom(document.getElementById("
        f"'{element_id}')); return ({script})(chart); }})()"
    )


def test_the_experiment_page_shows_test_rmse_and_a_chart_view(
    browser: Browser, base: str, demo: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1400, "height": 900})
    problems = _watch_console(page)
    page.goto(_experiment_url(base, demo))
    headers = page.locator("table.runs thead th")
    expect(headers.filter(has_text="test_root_mean_squared_error")).to_have_count(1)
    texts = [t.replace("\u200b", "") for t in headers.all_inner_texts()]
    metric_headers = [t for t in texts if t.startswith(("best_cv", "mean_test", "test_"))]
    assert metric_headers[:3] == [
        f"best_cv_{RMSE}",
        f"mean_test_{RMSE}",
        "test_root_mean_squared_error",
    ]
    started = page.locator("table.runs tbody tr").first.locator("time")
    expect(started).to_contain_text(re.compile(r"\d:\d\d:\d\d"))  # to the second
    expect(started.locator(".ago")).to_have_text(re.compile(r"^\d+ (s|min) ago$"))
    placeholder = page.locator("#filter").get_attribute("placeholder")
    assert placeholder.startswith("metrics.test_root_mean_squared_error <")

    page.get_by_role("link", name="Chart", exact=True).click()
    expect(page.locator("#metric")).to_have_value("test_root_mean_squared_error")
    labels = _chart(page, "bar-chart", "c => c.getOption().xAxis[0].data")
    assert len(labels) == 4 and labels[0].startswith("\u2605 ")  # best first, starred
    assert _chart(page, "bar-chart", SAVEABLE)  # saved as an image from the page
    page.locator("#param").select_option("max_depth")
    points = _chart(page, "scatter-chart", "c => c.getOption().series[0].data.length")
    assert points == 2  # the tree and the forest searched max_depth
    assert problems == []


def test_comparing_a_search_candidates_charts_the_refit_metric_best_visibly_best(
    browser: Browser, base: str, demo: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1400, "height": 900})
    problems = _watch_console(page)
    page.goto(_compare_url(base, demo["children"]["elasticnet"]))
    expect(page.locator("#metric")).to_have_value(f"mean_test_{RMSE}")
    bars = _chart(
        page,
        "bar-chart",
        """c => { const s = c.getModel().getSeriesByIndex(1).getData();
                  const out = [];
                  for (let i = 0; i < s.count(); i++) {
                    out.push({height: Math.abs(s.getItemLayout(i).height),
                              color: s.getItemVisual(i, 'style').fill,
                              label: c.getOption().xAxis[0].data[i]}); }
                  return out; }""",
    )
    best = [b for b in bars if b["label"].startswith("\u2605 ")]
    assert len(best) == 1 and best[0]["color"] == "#d97706"
    assert best[0]["height"] > max(b["height"] for b in bars if b is not best[0])
    axes = _chart(page, "parallel-chart", "c => c.getOption().parallelAxis.map(a => a.name)")
    assert axes == ["alpha", "l1_ratio", f"mean_test_{RMSE}"]  # exactly the searched params
    assert _chart(page, "bar-chart", SAVEABLE) and _chart(page, "parallel-chart", SAVEABLE)
    assert problems == []


def test_a_diff_of_two_runs_shows_only_what_differs(
    browser: Browser, base: str, demo: dict[str, Any]
) -> None:
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1400, "height": 900})
    problems = _watch_console(page)
    page.goto(_compare_url(base, demo["children"]["elasticnet"]))
    table = page.locator("table.diff")
    shown = table.locator("tbody tr.differs")
    expect(shown.first).to_be_visible()
    keys = shown.locator("th").all_inner_texts()
    assert "alpha" in keys and "l1_ratio" not in keys and "max_iter" not in keys
    for row in shown.all():
        values = row.locator("td").all_inner_texts()
        assert len(set(values)) == 2, values
    expect(table.locator("tr.same").first).to_be_hidden()
    page.get_by_label("show every field").check()
    expect(table.locator("tr.same", has_text="l1_ratio")).to_be_visible()
    assert problems == []


def _pages(base: str, demo: dict[str, Any]) -> dict[str, str]:
    experiment = _experiment_url(base, demo)
    searches, children = demo["searches"], demo["children"]
    top = [demo["result"].baseline_run_id, *searches.values()]
    return {
        "experiments": f"{base}/",
        "runs": experiment,
        "chart-view": f"{experiment}?view=chart",
        "chart-view-scatter": f"{experiment}?view=chart&param=max_depth",
        "compare-candidates": _compare_url(base, children["elasticnet"]),
        "compare-top-level": _compare_url(base, top),
        "run-search": f"{base}/runs/{searches['forest']}",
        "run-candidate": f"{base}/runs/{children['forest'][0]}",
        "run-baseline": f"{base}/runs/{demo['result'].baseline_run_id}",
        "models": f"{base}/models",
        "model": f"{base}/models/diabetes-regressor",
    }


@pytest.mark.parametrize("size", SIZES)
def test_every_page_fits_the_window(
    browser: Browser, base: str, demo: dict[str, Any], size: str
) -> None:
    width, height = SIZES[size]
    page = browser.new_page(viewport={"width": width, "height": height})
    problems = _watch_console(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, url in _pages(base, demo).items():
        page.goto(url)
        page.wait_for_load_state("load")
        if name == "runs":  # with a search unfolded
            page.locator("button[data-fold]").first.click()
        page.evaluate("document.fonts.ready")
        page.screenshot(path=str(SHOTS / f"{name}-{size}.png"), full_page=True)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} at {size} is {overflow}px wider than the window"
        if name == "model":  # a long description must not push the Move button off-screen
            box = page.get_by_role("button", name="Move").first.bounding_box()
            assert box is not None and box["x"] + box["width"] <= width
    assert problems == []


def test_the_run_column_stays_in_place_when_a_wide_table_scrolls(
    browser: Browser, base: str, demo: dict[str, Any]
) -> None:
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    problems = _watch_console(page)
    top = [demo["result"].baseline_run_id, *demo["searches"].values()]
    for url, first in (
        (_experiment_url(base, demo), "table.runs tbody tr td.name"),
        (
            _compare_url(base, [r for rs in demo["children"].values() for r in rs] + top),
            "table.diff tbody tr.differs th",
        ),
    ):
        page.goto(url)
        cell = page.locator(first).first
        before = cell.bounding_box()
        scrolled = page.evaluate(
            "sel => { const w = document.querySelector(sel).closest('.table-wrap');"
            " w.scrollLeft = w.scrollWidth; return w.scrollLeft; }",
            first,
        )
        after = cell.bounding_box()
        assert before is not None and after is not None
        assert scrolled > 0, f"{url}: the table is not wider than its frame"
        assert after["x"] == before["x"], url
    assert problems == []
