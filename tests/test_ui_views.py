"""What the pages put first, read from the HTML a real app serves (no browser): key metric
columns, a filter example that fits, the chart view's data, compare's default metric and axes,
the differences of two runs, run pages by id prefix."""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path

import pytest

pytest.importorskip("starlette")

from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression
from sklearn.tree import DecisionTreeRegressor

import sktrack
from sktrack.ui import create_app

with warnings.catch_warnings():
    # Starlette asks for httpx2 over httpx; either drives the app the same way.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

RMSE = "neg_root_mean_squared_error"


@pytest.fixture
def logged(tmp_path: Path) -> dict[str, object]:
    sktrack.set_store(tmp_path / "store")
    sktrack.set_experiment("diabetes")
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X_train, X_test, y_train, y_test = X[:300], X[300:], y[:300], y[300:]
    with sktrack.start_run(run_name="baseline") as baseline:
        sktrack.TrackedEstimator(LinearRegression()).fit(X_train, y_train).evaluate(X_test, y_test)
    search = sktrack.TrackedGridSearchCV(
        DecisionTreeRegressor(random_state=0),
        {"max_depth": [2, 4, 8], "min_samples_leaf": [5]},
        scoring=["r2", RMSE], refit=RMSE, cv=3, top_k=3, run_name="tree",
    ).fit(X_train, y_train)  # fmt: skip
    search.evaluate(X_test, y_test)
    experiment = next(e for e in sktrack.list_experiments() if e.name == "diabetes")
    return {"baseline": baseline.run_id, "search": search, "experiment": experiment,
            "client": TestClient(create_app(tmp_path / "store"), base_url="http://127.0.0.1:5000")}  # fmt: skip


def _json(html: str, element_id: str) -> dict:
    match = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html)
    assert match is not None, element_id
    return json.loads(match.group(1))


def test_the_runs_table_puts_key_metrics_first_and_a_fitting_example(logged: dict) -> None:
    html = logged["client"].get(f"/experiments/{logged['experiment'].experiment_id}").text
    headers = re.findall(r'title="((?:metrics|params)\.[^":]+)(?::[^"]*)?"', html)
    metrics = [h for h in dict.fromkeys(headers) if h.startswith("metrics.")]
    assert metrics[:3] == [
        f"metrics.best_cv_{RMSE}", f"metrics.mean_test_{RMSE}", "metrics.test_root_mean_squared_error"
    ]  # fmt: skip
    assert not any(re.search(r"(std_|rank_|_time$|test_score$)", m) for m in metrics)
    params = [h for h in dict.fromkeys(headers) if h.startswith("params.")]
    assert params[:2] == ["params.max_depth", "params.min_samples_leaf"]  # the searched ones
    assert not {"params.cv", "params.n_jobs", "params.top_k", "params.run_name"} & set(params)
    assert 'placeholder="metrics.test_root_mean_squared_error &lt; ' in html


def test_the_chart_view_charts_the_key_metric_best_first(logged: dict) -> None:
    url = f"/experiments/{logged['experiment'].experiment_id}?view=chart"
    data = _json(logged["client"].get(url).text, "view-data")
    assert data["metric"] == "test_root_mean_squared_error" and not data["higher_is_better"]
    values = [b["value"] for b in data["bars"]]
    assert values == sorted(values) and data["bars"][0]["best"]
    scatter = _json(logged["client"].get(url + "&param=max_depth").text, "view-data")
    assert [p["x"] for p in scatter["points"]] == [logged["search"].best_params_["max_depth"]]
    bad = logged["client"].get(url + "&filter=metrics.x%20%3E").text
    assert 'class="error"' in bad


def test_compare_candidates_defaults_to_the_refit_metric_and_searched_axes(logged: dict) -> None:
    children = logged["search"].child_run_ids_
    html = logged["client"].get("/compare?" + "&".join(f"run={c}" for c in children)).text
    chart = _json(html, "compare-data")
    assert chart["metric"] == f"mean_test_{RMSE}" and chart["higher_is_better"]
    assert [b["best"] for b in chart["bars"]] == [True, False, False]
    assert [a["name"] for a in chart["parallel"]["axes"]] == [
        "max_depth", "min_samples_leaf", f"mean_test_{RMSE}"
    ]  # fmt: skip


def test_a_diff_shows_what_differs_and_hides_the_rest(logged: dict) -> None:
    a, b = logged["search"].child_run_ids_[:2]
    html = logged["client"].get(f"/compare?run={a}&run={b}").text
    differs = re.findall(r'<tr class="differs">\s*<th scope="row">([^<]+)</th>', html)
    same = re.findall(r'<tr class="same" hidden>\s*<th scope="row">([^<]+)</th>', html)
    assert "max_depth" in differs and f"mean_test_{RMSE}" in differs
    assert "min_samples_leaf" in same and "sktrack.python_version" in same
    assert not set(differs) & set(same)


def test_a_run_page_opens_by_a_unique_id_prefix(logged: dict) -> None:
    response = logged["client"].get(f"/runs/{logged['baseline'][:8]}")
    assert response.status_code == 200 and "baseline" in response.text
    assert "<code title=\"sklearn.linear_model._base.LinearRegression\">sklearn.linear_model." \
        "LinearRegression</code>" in response.text  # fmt: skip
    assert logged["client"].get("/runs/abc").status_code == 400  # too short to be a prefix


def test_a_run_header_names_the_public_class_and_the_time_to_the_second(logged: dict) -> None:
    search = logged["search"]
    html = logged["client"].get(f"/runs/{search.run_id_}").text
    assert '">sktrack.TrackedGridSearchCV</code>' in html  # not sktrack._sklearn._search...
    stamp = re.search(r'<dt>Started</dt><dd><time datetime="([^"]+)">', html)
    assert stamp is not None and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp[1])
    with sktrack.start_run(run_name="still-running") as run:  # no end time yet: one spelling
        running = logged["client"].get(f"/runs/{run.run_id}").text
    assert "<dt>Duration</dt><dd>-</dd>" in running


def test_columns_empty_on_every_visible_row_are_hidden(logged: dict) -> None:
    url = f"/experiments/{logged['experiment'].experiment_id}"
    every = logged["client"].get(url).text
    assert f'title="metrics.best_cv_{RMSE}' in every  # the search's row has it
    only_baseline = logged["client"].get(url, params={"filter": "attributes.run_name = 'baseline'"})
    html = only_baseline.text
    assert logged["baseline"] in html and logged["search"].run_id_ not in html
    assert f'title="metrics.best_cv_{RMSE}' not in html  # no visible row has it
    assert 'title="params.max_depth' not in html
    assert 'title="metrics.test_root_mean_squared_error' in html
