"""`sktrack serve` against real server processes: every input format, every error naming its
column, the GET endpoints, limits, and the alias moved under a steady load."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

import sktrack
from sktrack._tracking import scoped_defaults

httpx = pytest.importorskip("httpx")
pytest.importorskip("uvicorn")

ROOT = Path(__file__).resolve().parents[1]
FLOATS = ["a", "b", "c", "d"]


def _float_frame(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(rng.normal(size=(n, 4)), columns=FLOATS)


def _mixed_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": np.array([25, 32, 47, 51, 62, 23, 36, 44], dtype="int64"),
            "city": pd.Categorical(["NY", "SF", "NY", "LA", "SF", "LA", "NY", "SF"]),
            "income": [30.0, 52.5, 61.0, 80.0, 45.0, 28.0, 70.0, 66.0],
        }
    )


def _build_store(location: Path) -> dict[str, Any]:
    """ridge (float columns), clf (a pipeline over int, category and float columns), and
    swap with two versions whose predictions differ tenfold."""
    with scoped_defaults():
        sktrack.set_store(location)
        X = _float_frame()
        y = X.to_numpy() @ np.array([1.0, 2.0, 3.0, 4.0])
        ridge = Ridge(alpha=0.01).fit(X, y)
        signature = sktrack.infer_signature(X)
        sktrack.log_model(ridge, signature=signature, registered_model_name="ridge")
        mixed = _mixed_frame()
        clf = make_pipeline(
            make_column_transformer((OneHotEncoder(), ["city"]), remainder="passthrough"),
            LogisticRegression(),
        ).fit(mixed, [0, 1, 0, 1, 1, 0, 0, 1])
        sig = sktrack.infer_signature(mixed)
        sktrack.log_model(clf, signature=sig, registered_model_name="clf")
        for scale in (1.0, 10.0):
            model = Ridge(alpha=0.01).fit(X, scale * y)
            sktrack.log_model(model, signature=signature, registered_model_name="swap")
        sktrack.registry.set_alias("swap", "champion", 1)
        sktrack.registry.transition_stage("clf", 1, "Production")
        return {"ridge_model": ridge, "clf_model": clf, "X": X}


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def post(self, body: Any = None, **kwargs: Any) -> httpx.Response:
        kwargs.setdefault("timeout", 30)
        if body is not None:
            kwargs["json"] = body
        return httpx.post(f"{self.url}/invocations", **kwargs)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(store: Path, uri: str, *options: str) -> Server:
    port = _free_port()
    log = (store.parent / f"server-{port}.log").open("wb")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "sktrack", "--store", str(store), "serve", uri]
    process = subprocess.Popen([*command, "--port", str(port), *options], env=env, stderr=log)
    log.close()  # the child holds its own copy
    return Server(f"http://127.0.0.1:{port}", process, store.parent / f"server-{port}.log")


def _wait_ready(server: Server, deadline_s: float = 90.0) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"server exited: {server.log.read_text()}")
        try:
            if httpx.get(f"{server.url}/ping", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            threading.Event().wait(0.05)
    raise AssertionError(f"{server.url} did not answer /ping within {deadline_s} s")


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    location = tmp_path_factory.mktemp("serve") / "store"
    models = _build_store(location)
    started = {
        "ridge": _start(
            location, "models:/ridge/1", "--max-rows", "50", "--max-request-bytes", "20000"
        ),
        "clf": _start(location, "models:/clf/production"),
        "swap": _start(location, "models:/swap@champion", "--poll-seconds", "0.1"),
    }
    try:
        for server in started.values():
            _wait_ready(server)
        yield {**started, **models, "store": location}
    finally:
        for server in started.values():
            server.process.terminate()
            server.process.wait(30)


# -- formats -----------------------------------------------------------------------------


def _rows(X: pd.DataFrame) -> list[list[float]]:
    return X.to_numpy().tolist()


def test_every_json_format_and_csv_answer_as_the_model_does(servers: dict[str, Any]) -> None:
    X, server = servers["X"].head(3), servers["ridge"]
    expected = servers["ridge_model"].predict(X)
    bodies = {
        "dataframe_split": {"dataframe_split": {"columns": FLOATS, "data": _rows(X)}},
        "dataframe_split, other column order": {
            "dataframe_split": {"columns": FLOATS[::-1], "data": _rows(X[FLOATS[::-1]])}
        },
        "dataframe_split, an extra column": {
            "dataframe_split": {"columns": [*FLOATS, "id"], "data": [[*r, 7] for r in _rows(X)]}
        },
        "dataframe_records": {"dataframe_records": X.to_dict(orient="records")},
        "instances, rows": {"instances": _rows(X)},
        "instances, records": {"instances": X.to_dict(orient="records")},
        "inputs, columns": {"inputs": X.to_dict(orient="list")},
        "inputs, rows": {"inputs": _rows(X)},
        "integers for float columns": {"instances": [[1, 2, 3, 4]]},
    }
    for name, body in bodies.items():
        response = server.post(body)
        assert response.status_code == 200, (name, response.text)
        if name == "integers for float columns":
            expected_here = servers["ridge_model"].predict(
                pd.DataFrame([[1.0, 2.0, 3.0, 4.0]], columns=FLOATS)
            )
        else:
            expected_here = expected
        assert np.allclose(response.json()["predictions"], expected_here), name
        assert response.headers["sktrack-model-version"] == "1"
    csv = server.post(content=X.to_csv(index=False), headers={"content-type": "text/csv"})
    assert csv.status_code == 200
    assert np.allclose(csv.json()["predictions"], expected)


def test_a_pipeline_over_mixed_columns_and_its_other_methods(servers: dict[str, Any]) -> None:
    server, model = servers["clf"], servers["clf_model"]
    rows = [{"age": 30, "city": "SF", "income": 50.0}, {"age": 60, "city": "LA", "income": 20.0}]
    frame = pd.DataFrame(rows).astype({"city": _mixed_frame()["city"].dtype})
    predict = server.post({"dataframe_records": rows})
    assert predict.status_code == 200, predict.text
    assert predict.json()["predictions"] == model.predict(frame).tolist()
    by_query = server.post({"dataframe_records": rows}, params={"method": "predict_proba"})
    by_params = server.post({"dataframe_records": rows, "params": {"method": "predict_proba"}})
    for response in (by_query, by_params):
        assert response.status_code == 200, response.text
        assert np.allclose(response.json()["predictions"], model.predict_proba(frame))
    decision = server.post({"dataframe_records": rows}, params={"method": "decision_function"})
    assert np.allclose(decision.json()["predictions"], model.decision_function(frame))
    csv = "age,city,income\n30,SF,50.0\n60,LA,20.0\n"
    answered = server.post(content=csv, headers={"content-type": "text/csv"})
    assert answered.json()["predictions"] == model.predict(frame).tolist()


# -- errors --------------------------------------------------------------------------------


def _refused(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body: dict[str, Any] = response.json()
    assert body["error_code"] and body["message"]
    return body


def test_a_missing_column_is_named(servers: dict[str, Any]) -> None:
    records = servers["X"].head(2).drop(columns="c").to_dict(orient="records")
    body = _refused(servers["ridge"].post({"dataframe_records": records}), 422)
    assert body["columns"] == ["c"]
    assert body["problems"] == ["missing column 'c' (float64)"]
    assert body["error_code"] == "INVALID_PARAMETER_VALUE"


def test_several_problems_name_each_column(servers: dict[str, Any]) -> None:
    split = {"columns": ["a", "c", "d"], "data": [[1.0, "x", 2.0]]}
    body = _refused(servers["ridge"].post({"dataframe_split": split}), 422)
    assert body["columns"] == ["b", "c"]
    assert "missing column 'b' (float64)" in body["problems"]
    assert any(p.startswith("column 'c': expected float64") for p in body["problems"])


def test_an_unsafe_dtype_change_is_named(servers: dict[str, Any]) -> None:
    rows = [{"age": 30.5, "city": "SF", "income": 50.0}]
    body = _refused(servers["clf"].post({"dataframe_records": rows}), 422)
    assert body["columns"] == ["age"]
    assert body["problems"] == ["column 'age': expected int64, got float64"]


def test_an_unknown_category_is_named_with_its_value(servers: dict[str, Any]) -> None:
    rows = [{"age": 30, "city": "Paris", "income": 50.0}]
    body = _refused(servers["clf"].post({"dataframe_records": rows}), 422)
    assert body["columns"] == ["city"]
    assert "unknown category level(s) 'Paris'" in body["problems"][0]


def test_strings_in_a_csv_float_column_are_named(servers: dict[str, Any]) -> None:
    csv = "a,b,c,d\n1,2,3,4\n5,6,7,oops\n"
    response = servers["ridge"].post(content=csv, headers={"content-type": "text/csv"})
    assert _refused(response, 422)["columns"] == ["d"]


def test_rows_without_names_must_have_the_signature_s_width(servers: dict[str, Any]) -> None:
    body = _refused(servers["ridge"].post({"instances": [[1.0, 2.0]]}), 422)
    assert body["columns"] == FLOATS
    assert "4 columns of the signature in order (a, b, c, d), got 2" in body["message"]


@pytest.mark.parametrize(
    ("request_body", "status", "words"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"null", 400, "expected a JSON object"),
        (b"[]", 400, "expected a JSON object"),
        (b'{"data": [[1, 2, 3, 4]]}', 400, "expected exactly one of the keys"),
        (b'{"instances": [[1,2,3,4]], "inputs": [[1,2,3,4]]}', 400, "exactly one"),
        (b'{"instances": "abc"}', 400, "must be a list of rows"),
        (b'{"instances": [[1, 2, 3, 4], [1, 2]]}', 400, "rows have different lengths"),
        (b'{"inputs": {"a": [1, 2], "b": [1]}}', 400, "different lengths"),
        (b'{"dataframe_split": {"columns": ["a"], "data": [[1, 2]]}}', 400, "1 columns named"),
        (b'{"dataframe_records": [1, 2]}', 400, "a list of objects"),
        (b'{"instances": [[1, 2, 3, 4]], "params": 3}', 400, "'params' must be"),
        (b'{"instances": [[null, 1, 2, 3]]}', 422, "column 'a': expected float64"),
        (b'{"instances": [[NaN, 1, 2, 3], [1, 2, 3, 4]]}', 422, "the model refused the input"),
        (b'{"instances": [[true, 1, 2, 3]]}', 422, "column 'a': expected float64"),
    ],
)
def test_bad_input_is_a_json_error_never_a_500(
    servers: dict[str, Any], request_body: bytes, status: int, words: str
) -> None:
    response = servers["ridge"].post(
        content=request_body, headers={"content-type": "application/json"}
    )
    assert words in _refused(response, status)["message"]


def test_unknown_methods_content_types_and_hosts_are_refused(servers: dict[str, Any]) -> None:
    server = servers["ridge"]
    body = {"instances": [[1.0, 2.0, 3.0, 4.0]]}
    assert (
        "unknown method 'fit'"
        in _refused(server.post(body, params={"method": "fit"}), 400)["message"]
    )
    no_proba = _refused(server.post(body, params={"method": "predict_proba"}), 400)
    assert no_proba["message"] == "this model has no predict_proba; it answers predict"
    xml = server.post(content=b"<x/>", headers={"content-type": "application/xml"})
    assert "content type 'application/xml' is not supported" in _refused(xml, 415)["message"]
    elsewhere = server.post(body, headers={"host": "evil.example"})
    assert elsewhere.status_code == 400
    assert elsewhere.text.startswith("Host 'evil.example' is not served here.")


def test_request_limits_answer_413(servers: dict[str, Any]) -> None:
    server = servers["ridge"]
    too_many = _refused(server.post({"instances": [[1.0, 2.0, 3.0, 4.0]] * 51}), 413)
    assert too_many["error_code"] == "REQUEST_LIMIT_EXCEEDED"
    assert "51 rows is over this server's limit of 50 rows" in too_many["message"]
    big = b'{"instances": [[' + b"1.0, " * 6000 + b"1.0]]}"
    too_big = server.post(content=big, headers={"content-type": "application/json"})
    assert "over this server's limit of 20000 bytes" in _refused(too_big, 413)["message"]
    csv = "a,b,c,d\n" + "1,2,3,4\n" * 60
    many_lines = server.post(content=csv, headers={"content-type": "text/csv"})
    assert _refused(many_lines, 413)["error_code"] == "REQUEST_LIMIT_EXCEEDED"


# -- the GET endpoints ------------------------------------------------------------------


def test_ping_health_version_and_metadata(servers: dict[str, Any]) -> None:
    url = servers["clf"].url
    assert httpx.get(f"{url}/ping").status_code == 200
    assert httpx.get(f"{url}/health").status_code == 200
    assert httpx.get(f"{url}/version").text == sktrack.__version__
    metadata = httpx.get(f"{url}/metadata").json()
    with scoped_defaults():
        sktrack.set_store(servers["store"])
        mv = sktrack.registry.get_model_version("clf", 1)
    assert metadata["name"] == "clf"
    assert metadata["version"] == 1
    assert metadata["stage"] == "Production"
    assert metadata["uri"] == "models:/clf/production"
    assert metadata["run_id"] == mv.run_id
    assert metadata["sha256"] == mv.sha256
    assert metadata["methods"] == [
        "predict", "predict_proba", "predict_log_proba", "decision_function"
    ]  # fmt: skip
    columns = metadata["signature"]["inputs"]["columns"]
    assert [(c["name"], c["type"]) for c in columns] == [
        ("age", "integer"), ("city", "category"), ("income", "float")
    ]  # fmt: skip


# -- the alias moved under load ----------------------------------------------------------


def test_moving_the_alias_swaps_versions_under_load_without_a_failed_request(
    servers: dict[str, Any], store: sktrack._store.Store
) -> None:
    server, X = servers["swap"], servers["X"].head(1)
    expected = {"1": servers["ridge_model"].predict(X)[0]}
    expected["2"] = 10 * expected["1"]
    body = {"dataframe_split": {"columns": FLOATS, "data": _rows(X)}}
    answers: list[tuple[int, str, float]] = []
    stop, lock = threading.Event(), threading.Lock()

    def client() -> None:
        with httpx.Client(timeout=30) as http:
            while not stop.is_set():
                response = http.post(f"{server.url}/invocations", json=body)
                version = response.headers.get("sktrack-model-version", "?")
                value = response.json()["predictions"][0] if response.is_success else np.nan
                with lock:
                    answers.append((response.status_code, version, value))

    def count(version: str) -> int:
        with lock:
            return sum(1 for _, v, _ in answers if v == version)

    def wait_for(version: str, n: int) -> None:
        deadline = time.monotonic() + 60
        while count(version) < n:
            assert time.monotonic() < deadline, f"no {n} answers from version {version}"
            threading.Event().wait(0.02)

    threads = [threading.Thread(target=client) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        wait_for("1", 20)
        sktrack.set_store(servers["store"])
        sktrack.registry.set_alias("swap", "champion", 2)
        wait_for("2", 20)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert {status for status, _, _ in answers} == {200}
    assert {version for _, version, _ in answers} == {"1", "2"}
    for _, version, value in answers:  # each answer comes whole from the version it names
        assert np.isclose(value, expected[version])
    first_new = next(i for i, (_, v, _) in enumerate(answers) if v == "2")
    late_old = [i for i, (_, v, _) in enumerate(answers) if v == "1" and i > first_new + 8]
    assert not late_old  # once swapped, the old version stops answering (threads in flight aside)
    metadata = httpx.get(f"{server.url}/metadata").json()
    assert (metadata["version"], metadata["aliases"]) == (2, ["champion"])
    assert "now serves version 2 (was 1)" in server.log.read_text()


def test_concurrent_one_row_requests_each_get_their_own_answer(servers: dict[str, Any]) -> None:
    server, model = servers["ridge"], servers["ridge_model"]
    rows = [[float(i), 1.0, 2.0, 3.0] for i in range(12)]
    rows[5][2] = float("nan")  # refused by the model: only its own request may fail
    answers: dict[int, httpx.Response] = {}
    start = threading.Barrier(len(rows))

    def send(i: int) -> None:
        start.wait()
        body = json.dumps(
            {"instances": [rows[i]]}
        )  # NaN as JSON's NaN token, as MLflow's clients send
        answers[i] = server.post(content=body, headers={"content-type": "application/json"})

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(rows))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert "the model refused the input" in _refused(answers[5], 422)["message"]
    for i, response in answers.items():
        if i != 5:
            expected = model.predict(pd.DataFrame([rows[i]], columns=FLOATS))
            assert np.allclose(response.json()["predictions"], expected), i
    batching = httpx.get(f"{server.url}/metadata").json()["batching"]
    assert batching["rows"] >= len(rows)  # the one-row requests went through the fast path


def test_a_model_that_cannot_be_served_fails_before_binding(tmp_path: Path, capsys) -> None:
    from sktrack._cli import main

    sktrack.set_store(tmp_path / "s")
    sktrack.set_experiment("x")  # makes the store
    status = main(["--store", str(tmp_path / "s"), "serve", "models:/nope@champion"])
    assert status == 2
    assert "no registered model named 'nope'" in capsys.readouterr().err
