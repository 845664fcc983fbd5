"""The web UI over HTTP, with Starlette's test client: every page and action, and the
security rules (hosts, cross-site writes, the CSRF token, escaping, artifact paths, read-only).
"""

from __future__ import annotations

import contextvars
import json
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("starlette")

from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression
from sklearn.tree import DecisionTreeRegressor

import sktrack
from sktrack._store import open_store
from sktrack._tracking import scoped_defaults
from sktrack.exceptions import MethodologyWarning
from sktrack.ui import create_app

with warnings.catch_warnings():
    # Starlette asks for httpx2 over httpx; either drives the app the same way.
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

BASE = "http://127.0.0.1:5000"
XSS = '<script>alert("pwned")</script>'
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@dataclass(frozen=True)
class Ids:
    baseline: str
    search: str
    children: list[str]
    running: str
    xss: str


def _build(location: Path) -> Ids:
    """One experiment with a baseline (model, signature, fingerprint, history, artifacts), a grid
    search with five children, a search still running, and a run named with markup."""
    sktrack.set_store(location)
    sktrack.set_experiment("diabetes")
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    with sktrack.start_run(run_name="baseline", tags={"team": "pricing"}) as baseline:
        with pytest.warns(MethodologyWarning, match="were fitted on"):
            sktrack.TrackedEstimator(LinearRegression()).fit(X, y).evaluate(X, y)
        for step, loss in enumerate([0.9, 0.5, 0.3]):
            sktrack.log_metric("loss", loss, step=step)
        sktrack.log_table(X.head(30), "sample")
        image = location.parent / "plot.png"
        image.write_bytes(PNG)
        sktrack.log_artifact(image, "plots")
        notes = location.parent / "notes.txt"
        notes.write_text("first try\n")
        sktrack.log_artifact(notes)
    search = sktrack.TrackedGridSearchCV(
        DecisionTreeRegressor(random_state=0),
        {"max_depth": [2, 3, 4], "min_samples_leaf": [1, 10]},
        scoring=["r2", "neg_root_mean_squared_error"],
        refit="r2",
        cv=3,
        top_k=5,
        run_name="tree-search",
    ).fit(X, y)
    running = sktrack.start_run(run_name="long-search")
    running.set_tags(
        {"sktrack.progress.candidates_done": "3", "sktrack.progress.candidates_total": "10"}
    )
    with sktrack.start_run(run_name=XSS, experiment="other") as xss:
        sktrack.log_param("kernel", "<img src=x onerror=alert(1)>")
        sktrack.set_tag("note", "<b>bold</b>")
        sktrack.log_metric("r2", 0.5)
    # the running search stays RUNNING (the test's clean-up marks it KILLED)
    return Ids(baseline.run_id, search.run_id_, search.child_run_ids_, running.run_id, xss.run_id)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Ids]]:
    """A store shared by the tests that only read (built once: fitting takes a few seconds)."""
    location = tmp_path_factory.mktemp("ui") / "store"
    context = contextvars.copy_context()
    ids = context.run(_build_scoped, location)
    yield location, ids
    open_store(location).get_run(ids.running).end("KILLED")


def _build_scoped(location: Path) -> Ids:
    # the store and experiment are process-wide: keep this module's choice out of other tests
    with scoped_defaults():
        return _build(location)


@pytest.fixture
def client(built: tuple[Path, Ids]) -> TestClient:
    return TestClient(create_app(built[0]), base_url=BASE)


@pytest.fixture
def ids(built: tuple[Path, Ids]) -> Ids:
    return built[1]


def _experiment_url(client: TestClient, name: str) -> str:
    page = client.get("/").text
    match = re.search(rf'href="(/experiments/[0-9a-f]+)">{re.escape(name)}</a>', page)
    assert match is not None, page
    return match.group(1)


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None
    return match.group(1)


def _chart_json(html: str) -> str:
    """The text of the compare page's JSON block, as the page holds it."""
    match = re.search(r'id="compare-data">(.*?)</script>', html, re.S)
    assert match is not None
    return match.group(1)


def _squash(html: str) -> str:
    """The page without the whitespace between tags."""
    return re.sub(r">\s+<", "><", html)


def _rows(html: str) -> list[str]:
    """The run names of the runs table's top-level rows, in order."""
    return re.findall(
        r'<tr class="run">.*?<td class="name">\s*<a href="[^"]+">([^<]+)</a>', html, re.S
    )


# -- reading ----------------------------------------------------------------------------------


def test_experiments_page_lists_each_experiment_with_its_run_counts(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    rows = re.findall(
        r"<tr>\s*<td><a [^>]+>([^<]+)</a></td>\s*<td class=\"num\">(\d+)</td>", response.text
    )
    assert sorted(rows) == [("diabetes", "8"), ("other", "1")]


def test_runs_page_folds_a_search_s_children_under_it_best_first(
    client: TestClient, ids: Ids
) -> None:
    html = client.get(_experiment_url(client, "diabetes")).text
    assert _rows(html) == ["long-search", "tree-search", "baseline"]
    children = re.findall(rf'<tr class="child" data-parent="{ids.search}" hidden>', html)
    assert len(children) == 5
    assert f'data-fold="{ids.search}"' in html
    assert "5 children" in html
    child_links = re.findall(
        rf'data-parent="{ids.search}" hidden>.*?href="/runs/([0-9a-f]+)"', html, re.S
    )
    assert child_links == ids.children  # the order the search ranked them, best first
    assert html.count("★ best") == 1
    assert "3 runs and 5 child runs" in " ".join(html.split())


def test_runs_page_has_metric_and_param_columns_and_sorts_by_them(
    client: TestClient, ids: Ids, built: tuple[Path, Ids]
) -> None:
    sktrack.set_store(built[0])
    url = _experiment_url(client, "diabetes")
    r2 = {
        name: sktrack.get_run(run_id).metrics["training_r2_score"]
        for name, run_id in (("baseline", ids.baseline), ("tree-search", ids.search))
    }
    low_to_high = sorted(r2, key=r2.__getitem__)
    html = client.get(url, params={"order": "metrics.training_r2_score ASC"}).text
    assert ">training_<wbr>r2_<wbr>score&nbsp;▲</a>" in html  # shown, as the table is sorted by it
    assert _rows(html) == [*low_to_high, "long-search"]  # runs without it come last
    html = client.get(url, params={"order": "metrics.training_r2_score DESC"}).text
    assert _rows(html) == [*reversed(low_to_high), "long-search"]
    chosen = client.get(url, params=[("col", "params.max_depth"), ("col", "metrics.loss")]).text
    headers = re.findall(r'<th class="(metrics|params)[^"]*">\s*<a [^>]*title="([^"]+):', chosen)
    assert headers == [("params", "params.max_depth"), ("metrics", "metrics.loss")]


def test_runs_page_filters_with_the_search_grammar(client: TestClient) -> None:
    url = _experiment_url(client, "diabetes")
    html = client.get(url, params={"filter": "metrics.test_r2_score > 0.3"}).text
    assert _rows(html) == ["baseline"]
    # children match on their own: with their parent left out they are top-level rows
    html = client.get(url, params={"filter": "params.max_depth = 4"}).text
    assert set(_rows(html)) <= {"candidate-4", "candidate-5"} and _rows(html)
    assert "child run</a>" in html


def test_runs_page_shows_a_filter_error_instead_of_failing(client: TestClient) -> None:
    url = _experiment_url(client, "diabetes")
    response = client.get(url, params={"filter": "metrics.r2 >> 1"})
    assert response.status_code == 200
    error = re.search(r'<p class="error" role="alert">(.*?)</p>', response.text, re.S)
    assert error is not None
    with pytest.raises(sktrack.FilterSyntaxError) as raised:
        sktrack.search_runs("*", filter_string="metrics.r2 >> 1")
    assert error.group(1) == str(raised.value).replace(">", "&gt;").replace("'", "&#39;")
    assert _rows(response.text) == []


def test_runs_page_pages_on_the_server(store: sktrack._store.Store) -> None:
    for i in range(60):
        with sktrack.start_run(run_name=f"run-{i:02d}", experiment="many"):
            sktrack.log_metric("i", i)
    client = TestClient(create_app(store), base_url=BASE)
    url = _experiment_url(client, "many")
    first = client.get(url, params={"per_page": 25, "order": "metrics.i"}).text
    assert _rows(first) == [f"run-{i:02d}" for i in range(25)]
    assert "Page 1 of 3" in first
    last = client.get(url, params={"per_page": 25, "order": "metrics.i", "page": 3}).text
    assert _rows(last) == [f"run-{i:02d}" for i in range(50, 60)]
    beyond = client.get(url, params={"per_page": 25, "order": "metrics.i", "page": 99}).text
    assert "Page 3 of 3" in beyond
    odd_size = client.get(url, params={"per_page": 7}).text
    assert len(_rows(odd_size)) == 50  # only the offered sizes; otherwise the default


def test_a_running_search_shows_its_progress(client: TestClient, ids: Ids) -> None:
    html = client.get(_experiment_url(client, "diabetes")).text
    assert f'data-progress-run="{ids.running}"' in html
    assert '<progress max="10" value="3"></progress>' in html
    assert "3 / 10 candidates" in html
    response = client.get("/api/progress", params=[("run", ids.running), ("run", ids.baseline)])
    assert response.json() == {
        "runs": {
            ids.running: {"status": "RUNNING", "done": 3, "total": 10, "phase": None},
            ids.baseline: {"status": "FINISHED", "done": None, "total": None, "phase": None},
        }
    }
    assert client.get("/api/progress", params={"run": "nope"}).status_code == 404


def test_run_page_shows_everything_about_a_run(client: TestClient, ids: Ids) -> None:
    html = _squash(client.get(f"/runs/{ids.baseline}").text)
    for expected in (
        "<h2>Metrics</h2>",
        '<th scope="row">training_<wbr>r2_<wbr>score</th>',
        '<th scope="row">fit_<wbr>intercept</th><td>True</td>',  # a param, as logged
        '<th scope="row">team</th><td>pricing</td>',  # a tag of the user's own
        "<h2>Signature</h2>",
        "<td>bmi</td><td><code>float64</code></td>",
        "<h2>Dataset fingerprint</h2>",
        '<th scope="row">shape</th><td>[442, 10]</td>',
        'id="history-chart"',  # loss was logged at three steps
        f'href="/runs/{ids.baseline}/artifacts/plots/plot.png" download',
        f'<img src="/runs/{ids.baseline}/artifacts/plots/plot.png?inline=1"',
        '<pre class="text-preview">first try\n</pre>',
        "First 20 of 30 rows.",
        f'action="/runs/{ids.baseline}/register"',
        f'model = sktrack.load_model("runs:/{ids.baseline}/model")',
    ):
        assert expected in html, expected
    history = re.search(r'id="history-data">(.*?)</script>', html, re.S)
    assert history is not None
    assert json.loads(history.group(1)) == {"loss": [[0, 0.9], [1, 0.5], [2, 0.3]]}


def test_run_page_of_a_search_lists_its_children(client: TestClient, ids: Ids) -> None:
    html = client.get(f"/runs/{ids.search}").text
    assert "Child runs (5)" in html
    listed = re.findall(r'<td><a href="/runs/([0-9a-f]+)">candidate-', html)
    assert listed == ids.children
    child = client.get(f"/runs/{ids.children[0]}").text
    assert f'<a class="up" href="/runs/{ids.search}">tree-search</a>' in child


def test_compare_page_charts_a_metric_across_the_selected_runs(
    client: TestClient, ids: Ids
) -> None:
    chosen = [("run", i) for i in ids.children] + [("metric", "mean_test_r2")]
    html = client.get("/compare", params=chosen).text
    data = json.loads(_chart_json(html))
    assert data["metric"] == "mean_test_r2"
    assert [b["label"] for b in data["bars"]] == [f"candidate-{c}" for c in _indices(client, ids)]
    assert [b["best"] for b in data["bars"]] == [True, False, False, False, False]
    values = [b["value"] for b in data["bars"]]
    assert values == sorted(values, reverse=True)
    assert data["histories"] == []  # each child logged its metrics once
    axes = data["parallel"]["axes"]
    assert [a["name"] for a in axes] == ["max_depth", "min_samples_leaf", "mean_test_r2"]
    assert len(data["parallel"]["lines"]) == 5
    assert 'id="bar-chart"' in html and 'id="parallel-chart"' in html


def _indices(client: TestClient, ids: Ids) -> list[str]:
    html = client.get(f"/runs/{ids.search}").text
    return re.findall(r'<td><a href="/runs/[0-9a-f]+">candidate-(\d+)</a>', html)


def test_compare_page_draws_histories_and_names_the_runs_without_the_metric(
    client: TestClient, ids: Ids
) -> None:
    html = client.get(
        "/compare", params=[("run", ids.baseline), ("run", ids.search), ("metric", "loss")]
    ).text
    data = json.loads(_chart_json(html))
    assert data["histories"] == [{"label": "baseline", "points": [[0, 0.9], [1, 0.5], [2, 0.3]]}]
    assert "Not charted, as they have no loss: tree-search." in html


def test_compare_page_refuses_what_it_cannot_compare(client: TestClient) -> None:
    none = client.get("/compare")
    assert none.status_code == 400
    assert "no runs to compare: select at least one run" in none.text
    unknown = client.get("/compare", params={"run": "0" * 32})
    assert unknown.status_code == 404
    assert "0" * 32 in unknown.text
    hostile = client.get("/compare", params={"run": "x') OR (attributes.run_id LIKE '%"})
    assert hostile.status_code == 404


def test_unknown_pages_are_404(client: TestClient) -> None:
    assert client.get("/runs/" + "f" * 32).status_code == 404
    assert client.get("/experiments/nope").status_code == 404
    assert client.get("/models/nope").status_code == 404
    assert client.get("/nowhere").status_code == 404


def test_models_page_and_empty_registry(client: TestClient) -> None:
    html = client.get("/models").text
    assert "No registered models yet." in html


def test_static_files_ship_with_the_package(client: TestClient) -> None:
    for path in ("style.css", "app.js", "charts.js", "vendor/echarts/echarts.min.js"):
        assert client.get(f"/static/{path}").status_code == 200, path
    license_text = client.get("/static/vendor/echarts/LICENSE").text
    assert "Apache License" in license_text


# -- artifacts --------------------------------------------------------------------------------


def test_artifact_download_gives_the_bytes_as_an_attachment(client: TestClient, ids: Ids) -> None:
    response = client.get(f"/runs/{ids.baseline}/artifacts/plots/plot.png")
    assert response.content == PNG
    assert response.headers["content-disposition"] == "attachment; filename*=UTF-8''plot.png"
    assert response.headers["content-security-policy"].endswith("sandbox")
    inline = client.get(f"/runs/{ids.baseline}/artifacts/plots/plot.png", params={"inline": 1})
    assert inline.headers["content-type"] == "image/png"
    assert inline.headers["content-disposition"].startswith("inline;")
    text = client.get(f"/runs/{ids.baseline}/artifacts/notes.txt", params={"inline": 1})
    assert text.headers["content-disposition"].startswith("attachment;")  # images only inline


@pytest.mark.parametrize(
    "path",
    ["../../FORMAT", "plots/../../../FORMAT", "%2e%2e/%2e%2e/FORMAT", "..%2F..%2FFORMAT"],
)
def test_artifact_paths_that_leave_the_run_are_refused(
    client: TestClient, ids: Ids, path: str
) -> None:
    response = client.get(f"/runs/{ids.baseline}/artifacts/{path}")
    assert response.status_code in (400, 404)
    assert b"sktrack-store" not in response.content


def test_artifact_requests_outside_a_real_run_are_refused(client: TestClient, ids: Ids) -> None:
    assert client.get(f"/runs/{ids.baseline}/artifacts/nope.txt").status_code == 404
    assert client.get("/runs/..%2F..%2Ftables/artifacts/FORMAT").status_code == 404
    escaped = client.get(f"/runs/{ids.baseline}/artifacts/..%2F{ids.search}/model/model.json")
    assert escaped.status_code == 400
    assert escaped.text == (
        f"artifact path '../{ids.search}/model/model.json' leaves the run's folder; it was refused"
    )


# -- escaping ---------------------------------------------------------------------------------


def test_markup_in_run_names_params_and_tags_is_rendered_inert(
    client: TestClient, ids: Ids
) -> None:
    pages = [
        client.get(_experiment_url(client, "other")).text,
        client.get(f"/runs/{ids.xss}").text,
        client.get(
            "/compare", params=[("run", ids.xss), ("run", ids.baseline), ("metric", "r2")]
        ).text,
    ]
    for html in pages:
        assert XSS not in html
        assert "<img src=x" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in pages[1]
    assert "&lt;img src=x onerror=alert(1)&gt;" in pages[1]
    # in the charts' JSON, < and > are escaped so the script block cannot be closed early
    data = _chart_json(pages[2])
    assert "\\u003cscript\\u003e" in data
    assert json.loads(data)["bars"][0]["label"] == XSS


def test_every_page_carries_the_security_headers(client: TestClient) -> None:
    headers = client.get("/").headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"


def test_hosts_other_than_loopback_are_refused(built: tuple[Path, Ids]) -> None:
    """A web page whose name resolves to 127.0.0.1 (DNS rebinding) cannot read the UI."""
    app = create_app(built[0])
    refused = TestClient(app, base_url="http://evil.example:5000").get("/")
    assert refused.status_code == 400
    assert refused.text.startswith("Host 'evil.example' is not served here.")
    for base in ("http://localhost:5000", "http://[::1]:5000", "http://127.0.0.1"):
        assert TestClient(app, base_url=base).get("/").status_code == 200, base
    anyone = create_app(built[0], allowed_hosts=["*"])
    assert TestClient(anyone, base_url="http://evil.example").get("/").status_code == 200


# -- writing ----------------------------------------------------------------------------------


@pytest.fixture
def model_runs(store: sktrack._store.Store) -> list[str]:
    """Two runs that each logged a model, in a fresh store."""
    X, y = load_diabetes(return_X_y=True)
    out = []
    for name in ("first", "second"):
        with sktrack.start_run(run_name=name) as run:
            sktrack.TrackedEstimator(LinearRegression()).fit(X, y)
        out.append(run.run_id)
    return out


def _post(client: TestClient, url: str, form: dict[str, str], token: str, **headers: str):
    return client.post(
        url,
        data={**form, "csrf_token": token},
        headers={"origin": BASE, **headers},
        follow_redirects=False,
    )


def test_register_transition_and_aliases_from_the_ui(
    store: sktrack._store.Store, model_runs: list[str]
) -> None:
    client = TestClient(create_app(store), base_url=BASE)
    token = _token(client.get(f"/runs/{model_runs[0]}").text)
    for run_id in model_runs:
        response = _post(
            client, f"/runs/{run_id}/register", {"model": "model", "name": "prices"}, token
        )
        assert response.status_code == 303
    assert response.headers["location"] == "/models/prices#v2"
    registry = sktrack.registry
    assert [mv.run_id for mv in registry.list_model_versions("prices")] == model_runs

    _post(client, "/models/prices/versions/1/stage", {"stage": "Staging"}, token)
    moved = _post(
        client,
        "/models/prices/versions/2/stage",
        {"stage": "Staging", "archive_existing": "on"},
        token,
    )
    assert moved.status_code == 303 and moved.headers["location"] == "/models/prices"
    assert [mv.stage for mv in registry.list_model_versions("prices")] == ["Archived", "Staging"]

    _post(client, "/models/prices/aliases", {"alias": "champion", "version": "1"}, token)
    _post(client, "/models/prices/aliases", {"alias": "champion", "version": "2"}, token)
    assert registry.get_model_version_by_alias("prices", "champion").version == 2
    _post(client, "/models/prices/description", {"description": "house <prices>"}, token)
    assert registry.get_registered_model("prices").description == "house <prices>"

    html = client.get("/models/prices").text
    assert '<tr id="v2">' in html and '<span class="alias">@champion</span>' in html
    assert "<p>house &lt;prices&gt;</p>" in html
    assert "v2 moved to" in html and "archiving v1" in html
    assert "v1 registered from run" in html and "v2 registered from run" in html
    assert html.count("archiving") == 1  # v1's move to Staging archived nothing
    assert f'<a href="/runs/{model_runs[1]}">second</a>' in html
    listing = client.get("/models").text
    assert '<a href="/models/prices">prices</a>' in listing

    _post(client, "/models/prices/aliases/champion/delete", {}, token)
    assert registry.get_registered_model("prices").aliases == {}


def test_registry_errors_come_back_as_pages(
    store: sktrack._store.Store, model_runs: list[str]
) -> None:
    client = TestClient(create_app(store), base_url=BASE)
    token = _token(client.get(f"/runs/{model_runs[0]}").text)
    bad_name = _post(
        client, f"/runs/{model_runs[0]}/register", {"model": "model", "name": "a b"}, token
    )
    assert bad_name.status_code == 400
    with pytest.raises(sktrack.InvalidArgumentError) as raised:
        sktrack.registry.register_model(f"runs:/{model_runs[0]}/model", "a b")
    assert str(raised.value).replace("'", "&#39;") in bad_name.text
    no_model = _post(
        client, f"/runs/{model_runs[0]}/register", {"model": "../x", "name": "ok"}, token
    )
    assert no_model.status_code == 400
    assert f"run {model_runs[0]} has no model &#39;../x&#39;; its models: &#39;model&#39;" in (
        no_model.text
    )
    missing = _post(client, "/models/nope/versions/1/stage", {"stage": "Staging"}, token)
    assert missing.status_code == 404
    assert sktrack.registry.list_registered_models() == []


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"origin": "http://evil.example"}, "Origin 'http://evil.example' is not"),
        ({"origin": "null"}, "Origin 'null' is not"),
        ({"sec-fetch-site": "cross-site"}, "Sec-Fetch-Site is 'cross-site'"),
        (
            {"origin": None, "referer": "http://evil.example/page"},
            "Referer 'http://evil.example/page' is not from",
        ),
    ],
)
def test_cross_site_writes_are_refused(
    store: sktrack._store.Store,
    model_runs: list[str],
    headers: dict[str, str | None],
    reason: str,
) -> None:
    client = TestClient(create_app(store), base_url=BASE)
    token = _token(client.get(f"/runs/{model_runs[0]}").text)
    sent = {"origin": BASE, **headers}
    response = client.post(
        f"/runs/{model_runs[0]}/register",
        data={"model": "model", "name": "prices", "csrf_token": token},
        headers={k: v for k, v in sent.items() if v is not None},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert response.text.startswith(f"Refused a cross-site request: {reason}")
    assert sktrack.registry.list_registered_models() == []


@pytest.mark.parametrize("token", [None, "", "forged"])
def test_writes_without_the_page_s_token_are_refused(
    store: sktrack._store.Store, model_runs: list[str], token: str | None
) -> None:
    client = TestClient(create_app(store), base_url=BASE)
    form = {"model": "model", "name": "prices"} | ({} if token is None else {"csrf_token": token})
    response = client.post(f"/runs/{model_runs[0]}/register", data=form, headers={"origin": BASE})
    assert response.status_code == 403
    assert response.text == (
        "Refused: the form's security token is missing or out of date. Reload the page and "
        "try again."
    )
    assert sktrack.registry.list_registered_models() == []


def test_read_only_hides_and_refuses_every_write(
    store: sktrack._store.Store, model_runs: list[str]
) -> None:
    mv = sktrack.registry.register_model(f"runs:/{model_runs[0]}/model", "prices")
    client = TestClient(create_app(store, read_only=True), base_url=BASE)
    for url in (f"/runs/{model_runs[0]}", "/models/prices", "/"):
        html = client.get(url).text
        assert 'method="post"' not in html and "csrf_token" not in html, url
    assert "read-only" in client.get("/").text
    writes = [
        (f"/runs/{model_runs[1]}/register", {"model": "model", "name": "prices"}),
        ("/models/prices/versions/1/stage", {"stage": "Production"}),
        ("/models/prices/aliases", {"alias": "champion", "version": "1"}),
        ("/models/prices/description", {"description": "x"}),
        ("/models/prices/aliases/champion/delete", {}),
    ]
    for url, form in writes:
        response = client.post(url, data=form, headers={"origin": BASE})
        assert response.status_code == 403, url
        assert response.text == "This UI is read-only: it changes nothing."
    assert sktrack.registry.list_model_versions("prices") == [mv]


def test_pages_refuse_other_methods(client: TestClient, ids: Ids) -> None:
    assert client.post("/", headers={"origin": BASE}).status_code == 405
    assert client.get(f"/runs/{ids.baseline}/register").status_code == 405


# -- creating the app -------------------------------------------------------------------------


def test_docstring_examples_run() -> None:
    import doctest

    import sktrack.ui

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        results = doctest.testmod(sktrack.ui)
    assert results.attempted > 0
    assert results.failed == 0


def test_create_app_leaves_the_callers_store_alone(tmp_path: Path) -> None:
    mine = sktrack.set_store(tmp_path / "mine")
    create_app(tmp_path / "shown")
    assert sktrack.get_store() is mine
    assert TestClient(create_app(), base_url=BASE).get("/").status_code == 200
