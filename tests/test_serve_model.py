"""The version served: the fast path's probe, and, as real server processes, following a stage
when another version is promoted to it and answering with several workers (``--workers``)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from sklearn.compose import make_column_transformer
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import sktrack
from sktrack._serve import load_served
from sktrack._tracking import scoped_defaults

httpx = pytest.importorskip("httpx")
pytest.importorskip("uvicorn")

from test_serve import FLOATS, _float_frame, _rows, _start, _wait_ready  # noqa: E402


def _two_versions(location: Path) -> tuple[Ridge, Ridge]:
    """``prices`` version 1 in Production, version 2 (predicting tenfold) registered."""
    X = _float_frame()
    y = X.to_numpy() @ np.array([1.0, 2.0, 3.0, 4.0])
    models = Ridge(alpha=0.01).fit(X, y), Ridge(alpha=0.01).fit(X, 10 * y)
    with scoped_defaults():
        sktrack.set_store(location)
        for model in models:
            sktrack.log_model(
                model, signature=sktrack.infer_signature(X), registered_model_name="prices"
            )
        sktrack.registry.transition_stage("prices", 1, "Production")
    return models


def _answer(url: str, body: dict) -> tuple[str, float]:
    response = httpx.post(f"{url}/invocations", json=body, timeout=30)
    assert response.status_code == 200, response.text
    return response.headers["sktrack-model-version"], response.json()["predictions"][0]


def test_promoting_another_version_to_the_stage_swaps_it_in(tmp_path: Path) -> None:
    location = tmp_path / "store"
    old, new = _two_versions(location)
    X = _float_frame().head(1)
    body = {"dataframe_split": {"columns": FLOATS, "data": _rows(X)}}
    server = _start(location, "models:/prices/production", "--poll-seconds", "0.1")
    try:
        _wait_ready(server)
        version, value = _answer(server.url, body)
        assert version == "1" and np.isclose(value, old.predict(X)[0])
        with scoped_defaults():
            sktrack.set_store(location)
            sktrack.registry.transition_stage("prices", 2, "Production", archive_existing=True)
        deadline = time.monotonic() + 60
        while (answer := _answer(server.url, body))[0] != "2":
            assert answer[0] == "1" and time.monotonic() < deadline, answer
        assert np.isclose(answer[1], new.predict(X)[0])
        metadata = httpx.get(f"{server.url}/metadata", timeout=30).json()
        assert (metadata["version"], metadata["stage"]) == (2, "Production")
    finally:
        server.process.terminate()
        server.process.wait(30)
    assert "now serves version 2 (was 1)" in server.log.read_text()


def test_several_workers_answer(tmp_path: Path) -> None:
    location = tmp_path / "store"
    old, _ = _two_versions(location)
    X = _float_frame().head(5)
    server = _start(location, "models:/prices/1", "--workers", "2")
    try:
        _wait_ready(server)
        children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
        if children.exists():  # Linux: the supervisor runs the two workers
            assert len(children.read_text().split()) >= 2
        for _ in range(20):
            response = server.post({"instances": _rows(X)})
            assert response.status_code == 200, response.text
            assert np.allclose(response.json()["predictions"], old.predict(X))
    finally:
        server.process.terminate()
        server.process.wait(30)


def test_only_a_model_that_answers_a_float_array_alike_takes_the_fast_path(tmp_path: Path) -> None:
    X = _float_frame()
    y = X.to_numpy() @ np.array([1.0, 2.0, 3.0, 4.0])
    by_name = make_pipeline(  # selects columns by name: a bare array cannot say which is which
        make_column_transformer((StandardScaler(), ["b", "d"]), remainder="drop"), Ridge()
    )
    with scoped_defaults():
        sktrack.set_store(tmp_path / "store")
        for name, model in (("plain", Ridge()), ("by-name", by_name)):
            sktrack.log_model(
                model.fit(X, y), signature=sktrack.infer_signature(X), registered_model_name=name
            )
        assert load_served("models:/plain/1").fast_methods == {"predict"}
        assert load_served("models:/by-name/1").fast_methods == frozenset()
