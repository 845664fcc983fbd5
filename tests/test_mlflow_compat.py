"""`import sktrack.mlflow as mlflow` (`sktrack/mlflow/`): a typical MLflow script with only its
import line changed, MLflow's shapes (text params, ``run.info``, ``version.current_stage``), and
the errors naming the sktrack way outside the surface.

``tests/mlflow_fixtures/typical_script.py`` is run as it is under real MLflow (in the venv of
``$SKTRACK_TEST_MLFLOW_PYTHON``, a slow test) and with its import line swapped under sktrack;
both print the same summary but for the documented difference (MLflow's autolog logs the
search itself as the model, sktrack the best estimator).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

import sktrack
import sktrack.mlflow as mlflow
from sktrack._store import Store

SCRIPT = Path(__file__).parent / "mlflow_fixtures" / "typical_script.py"
MLFLOW_PYTHON = os.environ.get("SKTRACK_TEST_MLFLOW_PYTHON", "")
SWAPPED = "import sktrack.mlflow as mlflow"


def _run_script(python: str, text: str, uri: str, work: Path, env: dict[str, str]) -> dict:
    script = work / "script.py"
    script.write_text(text)
    out = subprocess.run(
        [python, str(script), uri, str(work)],
        capture_output=True, text=True, check=False, timeout=600, cwd=work, env=env,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-4000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def _sktrack_run(tmp_path: Path) -> tuple[dict, Path]:
    original = SCRIPT.read_text()
    assert original.count("\nimport mlflow\n") == 1
    swapped = original.replace("\nimport mlflow\n", f"\n{SWAPPED}\n")
    assert [a for a, b in zip(original.splitlines(), swapped.splitlines(), strict=True)
            if a != b] == ["import mlflow"]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(Path(sktrack.__file__).parent.parent)}
    store = tmp_path / "store"
    return _run_script(sys.executable, swapped, str(store), tmp_path, env), store


def test_a_typical_mlflow_script_runs_with_its_import_line_changed(tmp_path: Path) -> None:
    got, store = _sktrack_run(tmp_path)
    assert got["children"] == 3 and got["child_param_types"] == ["str"]
    assert got["best_child_depth"] == got["best_params"]["max_depth"]
    assert got["depth_three"] == ["3", "3"]
    assert got["baseline_params"]["alpha"] == "1.0" and got["baseline_params"]["split_seed"] == "0"
    assert got["baseline_note"] == "ridge on every feature"
    assert got["loss_steps"] == [0, 1, 2, 3, 4] and got["holdout_parent"]
    assert (got["version"], got["stage"], got["champion"]) == ("1", "Staging", "1")
    assert got["same_predictions"] and got["search_predictions"]
    # what it wrote is an sktrack store, read with sktrack's own API
    sktrack.set_store(store)
    runs = sktrack.search_runs(["diabetes"])
    assert len(runs) == 6 and set(runs["status"]) == {"FINISHED"}
    search = runs[runs.run_name == "tree-search"].iloc[0]
    children = runs[runs.parent_run_id == search.run_id]
    assert set(children.run_name) >= {"holdout"} and len(children) == 4
    depths = [sktrack.get_run(r).params.get("max_depth") for r in children.run_id]
    assert sorted(d for d in depths if d is not None) == [3, 3, 4]  # typed in sktrack
    (mv,) = sktrack.registry.list_model_versions("diabetes-tree")
    assert (mv.stage, mv.aliases, mv.description) == ("Staging", ("champion",), "depth search")
    baseline = runs[runs.run_name == "baseline"].run_id.iloc[0]
    assert {"features.json", "notes/readme.txt", "coefs.csv", "more/coefs.csv"} <= set(
        sktrack.list_artifacts(baseline)
    )


@pytest.mark.slow
@pytest.mark.skipif(
    not Path(MLFLOW_PYTHON or "/nonexistent").is_file(),
    reason="needs an interpreter with mlflow==3.17.2 in $SKTRACK_TEST_MLFLOW_PYTHON "
    "(.ci/run builds /tmp/venv-mlflow for it)",
)
def test_the_same_script_under_real_mlflow_prints_the_same(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    env = {**os.environ, "MLFLOW_ALLOW_PICKLE_DESERIALIZATION": "true",
           "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"}  # fmt: skip
    theirs = _run_script(
        MLFLOW_PYTHON, SCRIPT.read_text(), f"sqlite:///{tmp_path}/a/mlflow.db", tmp_path / "a", env
    )
    ours, _ = _sktrack_run(tmp_path / "b")
    # MLflow's autolog logs the search itself as the model; sktrack logs the best estimator
    assert (theirs.pop("model_class"), ours.pop("model_class")) == (
        "GridSearchCV",
        "DecisionTreeRegressor",
    )
    assert ours == theirs


# -- MLflow's shapes -------------------------------------------------------------------------


def test_runs_read_as_mlflow_runs(store: Store) -> None:
    mlflow.set_experiment("prices")
    with mlflow.start_run(run_name="parent", tags={"team": "a"}) as parent:
        mlflow.log_params({"alpha": 0.1, "depth": None, "fit": True})
        with mlflow.start_run(run_name="child", nested=True) as child:
            mlflow.log_param("beta", 2)
    run = mlflow.get_run(parent.info.run_id)
    assert run.data.params == {"alpha": "0.1", "depth": "None", "fit": "True"}
    assert run.data.tags["mlflow.runName"] == "parent" and run.data.tags["team"] == "a"
    assert run.info.status == "FINISHED" and run.info.lifecycle_stage == "active"
    assert run.info.artifact_uri.startswith("file://") and run.info.run_uuid == run.info.run_id
    assert mlflow.get_run(child.info.run_id).data.tags["mlflow.parentRunId"] == run.info.run_id
    frame = mlflow.search_runs(experiment_names=["prices"], order_by=["attributes.run_name"])
    assert list(frame.columns[:6]) == [
        "run_id", "experiment_id", "status", "artifact_uri", "start_time", "end_time",
    ]  # fmt: skip
    # text params, as MLflow's; a param logged as None is "None", a missing one None
    assert frame["params.depth"].tolist() == [None, "None"]
    assert frame["params.beta"].tolist() == ["2", None]
    assert frame["tags.mlflow.runName"].tolist() == ["child", "parent"]
    exp = mlflow.get_experiment_by_name("prices")
    assert frame["experiment_id"].unique().tolist() == [exp.experiment_id]
    assert len(mlflow.search_runs([exp.experiment_id])) == 2
    assert len(mlflow.search_runs(exp.experiment_id, filter_string="params.alpha = '0.1'")) == 1
    listed = mlflow.search_runs(experiment_names=["prices"], output_format="list")
    assert {r.info.run_name for r in listed} == {"parent", "child"}


def test_start_run_refuses_a_second_top_level_run_as_mlflow_does(store: Store) -> None:
    with mlflow.start_run() as outer:
        with pytest.raises(sktrack.RunStateError, match="start_run\\(nested=True\\)"):
            mlflow.start_run()
        assert mlflow.active_run().info.run_id == outer.info.run_id
    assert mlflow.active_run() is None
    mlflow.end_run()  # with no active run, as in MLflow: nothing happens
    assert mlflow.last_active_run().info.run_id == outer.info.run_id


def test_client_runs_metrics_and_artifacts(store: Store, tmp_path: Path) -> None:
    from sktrack.mlflow.entities import Metric, Param, RunTag

    client = mlflow.MlflowClient()
    with mlflow.start_run() as run:
        run_id = run.info.run_id
    client.log_batch(
        run_id,
        metrics=[Metric("loss", 1.0 / (s + 1), 0, s) for s in range(3)],
        params=[Param("p", "x")],
        tags=[RunTag("t", "y")],
    )
    assert [m.step for m in client.get_metric_history(run_id, "loss")] == [0, 1, 2]
    (tmp_path / "d" / "sub").mkdir(parents=True)
    (tmp_path / "d" / "sub" / "a.txt").write_text("abc")
    client.log_artifacts(run_id, str(tmp_path / "d"), "out")
    assert client.list_artifacts(run_id) == [mlflow.entities.FileInfo("out", True, None)]
    assert client.list_artifacts(run_id, "out/sub") == [
        mlflow.entities.FileInfo("out/sub/a.txt", False, 3)
    ]
    local = client.download_artifacts(run_id, "out", str(tmp_path / "dl"))
    assert (Path(local) / "sub" / "a.txt").read_text() == "abc"
    client.delete_run(run_id)
    assert mlflow.search_runs(run_view_type=mlflow.entities.ViewType.DELETED_ONLY)[
        "run_id"
    ].tolist() == [run_id]
    client.restore_run(run_id)
    assert mlflow.get_run(run_id).data.params == {"p": "x"}


def test_registry_calls(store: Store) -> None:
    X = pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10.0) ** 2})
    with mlflow.start_run() as run:
        info = mlflow.sklearn.log_model(LinearRegression().fit(X, X.a), name="m", input_example=X)
    client = mlflow.MlflowClient()
    v1 = mlflow.register_model(info.model_uri, "prices", tags={"k": "v"})
    v2 = client.create_model_version("prices", info.model_uri, run_id=run.info.run_id)
    assert (v1.version, v2.version) == ("1", "2")
    client.transition_model_version_stage("prices", "1", "Production")
    client.transition_model_version_stage("prices", v2.version, "Production", True)
    assert client.get_model_version("prices", 1).current_stage == "Archived"
    assert [v.version for v in client.get_latest_versions("prices", ["Production"])] == ["2"]
    client.set_registered_model_alias("prices", "champion", "2")
    assert client.get_model_version_by_alias("prices", "champion").aliases == ["champion"]
    client.delete_registered_model_alias("prices", "champion")
    assert client.get_registered_model("prices").aliases == {}
    client.update_registered_model("prices", description="the model")
    client.set_registered_model_tag("prices", "owner", "ana")
    found = client.search_registered_models("name LIKE 'pri%' AND tags.owner = 'ana'")
    assert [m.description for m in found] == ["the model"]
    assert [v.version for v in client.search_model_versions("name='prices'")] == ["1", "2"]
    assert [v.version for v in client.search_model_versions("tags.k = 'v'")] == ["1"]
    assert [v.version for v in client.search_model_versions("version_number > 1")] == ["2"]
    with pytest.raises(sktrack.FilterSyntaxError, match="expected AND, found 'OR'"):
        client.search_model_versions("name = 'a' OR name = 'b'")
    model = mlflow.pyfunc.load_model("models:/prices/Production")
    assert model.predict(X.head(2)) == pytest.approx([0.0, 1.0])
    with pytest.raises(sktrack.SignatureError, match="'b'"):
        model.predict(X[["a"]])
    assert type(mlflow.sklearn.load_model(info.model_uri)).__name__ == "LinearRegression"
    renamed = client.rename_registered_model("prices", "prices-eu")
    assert (renamed.name, [v.version for v in renamed.latest_versions]) == ("prices-eu", ["1", "2"])
    client.delete_registered_model("prices-eu")
    assert client.search_registered_models() == []


# -- outside the surface: an error naming the sktrack way --------------------------------------


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: mlflow.MlflowClient().log_inputs, "mlflow.log_input"),
        (lambda: mlflow.log_input(mlflow.data.from_numpy(np.eye(2)), tags={"a": "b"}), "set_tags"),
        (lambda: mlflow.log_image(np.zeros((2, 2)), key="sample", step=1), "artifact_file="),
        (lambda: mlflow.sklearn.save_model, "mlflow.sklearn.log_model"),
        (lambda: mlflow.MlflowClient().create_registered_model, "with its first version"),
        (lambda: mlflow.set_tracking_uri("sqlite:///mlflow.db"), "sktrack import-mlflow"),
        (lambda: mlflow.set_tracking_uri("http://127.0.0.1:5000"), "sktrack.set_store"),
        (lambda: mlflow.sklearn.autolog(serialization_format="cloudpickle"), "skops only"),
        (lambda: mlflow.sklearn.autolog(registered_model_name="m"), "mlflow.register_model"),
        (lambda: mlflow.start_run(run_id="abc"), "does not reopen a run"),
        (lambda: mlflow.start_run(log_system_metrics=True), "no system metrics"),
        (lambda: mlflow.set_experiment_tag("a", "b"), "client.set_experiment_tag|MlflowClient"),
        (
            lambda: mlflow.sklearn.log_model(object(), name="m", serialization_format="pickle"),
            "never pickle",
        ),
    ],
)
def test_outside_the_surface_the_error_names_the_sktrack_way(
    store: Store, call: object, match: str
) -> None:
    with pytest.raises(mlflow.UnsupportedError, match=match) as caught:
        call()  # type: ignore[operator]
    assert "docs/mlflow.md" in str(caught.value)
    assert isinstance(caught.value, sktrack.SktrackError | NotImplementedError)


def test_missing_names_are_also_attribute_errors() -> None:
    assert not hasattr(mlflow, "set_experiment_tag")  # UnsupportedAttributeError is one
    assert not hasattr(mlflow.MlflowClient(), "create_run")
    with pytest.raises(AttributeError):
        mlflow.__wrapped__  # noqa: B018  (dunders are plain attribute errors)


def test_tracking_uris_name_an_sktrack_store(tmp_path: Path) -> None:
    mlflow.set_tracking_uri(f"file://{tmp_path}/s")
    assert mlflow.get_tracking_uri() == str(tmp_path / "s")
    mlflow.set_tracking_uri(tmp_path / "t")
    assert mlflow.get_tracking_uri() == str(tmp_path / "t")
    with pytest.raises(mlflow.UnsupportedError, match="process-wide"):
        mlflow.MlflowClient(str(tmp_path / "other"))
    assert mlflow.MlflowClient(str(tmp_path / "t")) is not None
