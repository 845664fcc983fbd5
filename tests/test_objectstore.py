"""The store on object storage, against a real S3-compatible server on loopback.

`.ci/run` starts a moto server and passes its address in $SKTRACK_TEST_S3_ENDPOINT; without
it, the fixture starts one in this process.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import uuid
from collections.abc import Iterator

import pytest

import sktrack
from sktrack._store import ObjectStoreFileSystem, open_filesystem
from sktrack.exceptions import InvalidArgumentError

boto3 = pytest.importorskip("boto3")

CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "test",
    "AWS_SECRET_ACCESS_KEY": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    endpoint = os.environ.get("SKTRACK_TEST_S3_ENDPOINT")
    if endpoint:
        yield endpoint
        return
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"{host}:{port}"
    server.stop()


@pytest.fixture
def s3_uri(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    bucket = f"sktrack-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=f"http://{s3_endpoint}", region_name="us-east-1")
    client.create_bucket(Bucket=bucket)
    return f"s3://{bucket}/store?endpoint_override={s3_endpoint}&scheme=http&region=us-east-1"


def _log_on_s3(uri: str, worker: int) -> None:
    for key, value in CREDENTIALS.items():
        os.environ[key] = value
    sktrack.set_store(uri)
    for i in range(5):
        with sktrack.start_run(run_name=f"w{worker}-{i}") as run:
            run.log_params({"worker": worker, "i": i})
            run.log_metrics({"m": worker * 10 + i})


def test_runs_search_and_compaction_on_s3(s3_uri: str) -> None:
    store = sktrack.set_store(s3_uri)
    assert isinstance(store.fs, ObjectStoreFileSystem)
    sktrack.set_experiment("remote")
    with sktrack.start_run(run_name="on-s3") as run:
        sktrack.log_params({"alpha": 0.1, "solver": "saga"})
        for step in range(5):
            sktrack.log_metric("loss", 1 / (step + 1), step=step)
        sktrack.log_table(__import__("pandas").DataFrame({"a": [1, 2]}), "table")
    before = sktrack.search_runs(filter_string="params.alpha < 0.5")
    assert before["run_name"].tolist() == ["on-s3"]
    result = sktrack.compact()
    assert result["published"] == 5
    after = sktrack.search_runs(filter_string="metrics.loss < 0.3")
    assert after["run_id"].tolist() == [run.run_id]
    assert len(sktrack.get_metric_history(run.run_id, "loss")) == 5
    from sktrack import load_table

    assert load_table(run.run_id, "table")["a"].tolist() == [1, 2]


def test_exclusive_create_is_a_conditional_put(s3_uri: str) -> None:
    fs = open_filesystem(s3_uri)
    assert fs.create_exclusive("registry/x/1", b"first") is True
    assert fs.create_exclusive("registry/x/1", b"second") is False
    assert fs.read_bytes("registry/x/1") == b"first"
    with pytest.raises(FileNotFoundError):
        fs.read_bytes("registry/x/2")


def test_two_processes_log_to_one_bucket(s3_uri: str) -> None:
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_log_on_s3, args=(s3_uri, w)) for w in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=120)
        assert p.exitcode == 0
    sktrack.set_store(s3_uri)
    runs = sktrack.search_runs()
    assert sorted(runs["run_name"]) == sorted(f"w{w}-{i}" for w in range(2) for i in range(5))
    assert set(runs["status"]) == {"FINISHED"}


def test_bad_uri_is_refused_with_the_fix() -> None:
    with pytest.raises(InvalidArgumentError, match="is not one pyarrow can open"):
        open_filesystem("nosuchscheme://bucket/prefix")


def test_models_and_the_registry_on_s3(s3_uri: str) -> None:
    from sklearn.linear_model import LinearRegression

    sktrack.set_store(s3_uri)
    X, y = [[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0]
    with sktrack.start_run(run_name="model-on-s3"):
        info = sktrack.log_model(LinearRegression().fit(X, y))
    first = sktrack.registry.register_model(info.model_uri, "s3-model")
    second = sktrack.registry.register_model(info.model_uri, "s3-model")
    assert (first.version, second.version) == (1, 2)
    sktrack.registry.transition_stage("s3-model", 2, "Staging", archive_existing=True)
    model = sktrack.load_model("models:/s3-model/staging")
    assert model.predict([[3.0]]).round(6).tolist() == [3.0]
