"""The ``MLmodel`` file beside every model (`sktrack/_models/_mlmodel.py`): its content, and
real MLflow loading sktrack's folders (in the venv of ``$SKTRACK_TEST_MLFLOW_PYTHON``)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression

import sktrack
from sktrack._models._mlmodel import mlflow_signature
from sktrack._store import Store

MLFLOW_PYTHON = os.environ.get("SKTRACK_TEST_MLFLOW_PYTHON", "")


def _folder(store: Store, info: sktrack.ModelInfo) -> Path:
    return Path(store.fs.local_path(info.folder))


def test_every_model_folder_has_an_mlmodel_file(store: Store) -> None:
    X = pd.DataFrame({"a": np.arange(10.0), "b": np.arange(10)})
    with sktrack.start_run() as run:
        info = sktrack.log_model(
            LinearRegression().fit(X, X.a), signature=sktrack.infer_signature(X)
        )
    text = (_folder(store, info) / "MLmodel").read_text()
    assert "serialization_format: skops" in text
    assert 'pickled_model: "model.skops"' in text
    assert f'run_id: "{run.run_id}"' in text
    assert "loader_module: mlflow.sklearn" in text
    inputs = json.loads(json.loads(text.split("  inputs: ", 1)[1].splitlines()[0]))
    assert inputs == [
        {"type": "double", "required": True, "name": "a"},
        {"type": "long", "required": True, "name": "b"},
    ]


def test_signatures_in_mlflow_schema() -> None:
    tensor = sktrack.infer_signature(np.zeros((3, 2)), np.zeros(3)).to_dict()
    assert json.loads(mlflow_signature(tensor)["inputs"]) == [
        {"type": "tensor", "tensor-spec": {"dtype": "float64", "shape": [-1, 2]}}
    ]
    assert mlflow_signature(None) is None
    # a category column has no MLflow twin: no signature rather than a wrong one
    frame = pd.DataFrame({"c": pd.Categorical(["u", "v"])})
    assert mlflow_signature(sktrack.infer_signature(frame).to_dict()) is None


_LOAD = """
import json, sys, warnings
warnings.filterwarnings("ignore")
import mlflow, pandas as pd
X = pd.DataFrame(json.loads(sys.argv[3]))
sk = mlflow.sklearn.load_model(sys.argv[1])
py = mlflow.pyfunc.load_model(sys.argv[1])
forest = mlflow.sklearn.load_model(sys.argv[2])
print(json.dumps({
    "sklearn": sk.predict(X).tolist(),
    "pyfunc": [float(v) for v in py.predict(X)],
    "columns": py.metadata.get_input_schema().input_names(),
    "forest": forest.predict(X).tolist(),
}))
"""


@pytest.mark.skipif(
    not Path(MLFLOW_PYTHON or "/nonexistent").is_file(),
    reason="needs an interpreter with mlflow==3.17.2 in $SKTRACK_TEST_MLFLOW_PYTHON "
    "(.ci/run builds /tmp/venv-mlflow for it)",
)
def test_mlflow_loads_sktrack_models(store: Store) -> None:
    X = pd.DataFrame({"a": np.arange(20.0), "b": np.arange(20.0) ** 2})
    y = (X.a > 9).astype(int)
    linear = LinearRegression().fit(X, X.a * 2)
    forest = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)
    with sktrack.start_run():
        a = sktrack.log_model(linear, signature=sktrack.infer_signature(X))
        b = sktrack.log_model(forest, name="forest")  # its tree types are flagged by skops
    probe = X.head(3)
    out = subprocess.run(
        [MLFLOW_PYTHON, "-c", _LOAD, str(_folder(store, a)), str(_folder(store, b)),
         probe.to_json(orient="columns")],
        capture_output=True, text=True, check=False, timeout=300,
        env={**os.environ, "MLFLOW_ALLOW_PICKLE_DESERIALIZATION": "true"},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["sklearn"] == pytest.approx(linear.predict(probe).tolist())
    assert got["pyfunc"] == pytest.approx(linear.predict(probe).tolist())
    assert got["columns"] == ["a", "b"]
    assert got["forest"] == forest.predict(probe).tolist()
