"""The UI draws the evaluation curves without matplotlib: the run page's chart data comes from
the logged tables, and matplotlib is only for `sktrack.plot` (the ``plots`` extra)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("starlette")
pytest.importorskip("httpx")

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
import json, sys, warnings
sys.modules["matplotlib"] = None  # what an import of a package that is not installed does
import sktrack
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.tree import DecisionTreeClassifier
sktrack.set_store(sys.argv[1])
X, y = load_breast_cancer(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
est = sktrack.TrackedEstimator(DecisionTreeClassifier(max_depth=3), log_model=False)
est.fit(X_train, y_train).evaluate(X_test, y_test)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette's note about its httpx client
    from starlette.testclient import TestClient
from sktrack.ui import create_app
with TestClient(create_app(sys.argv[1]), base_url="http://127.0.0.1:5000") as client:
    page = client.get(f"/runs/{est.run_id_}")
data = page.text.split('id="curves-data">', 1)[1].split("</script>", 1)[0]
groups = json.loads(data)
print(json.dumps({"status": page.status_code, "splits": [g["split"] for g in groups],
                  "charts": sum(len(g["charts"]) for g in groups)}))
"""


def test_the_run_page_draws_curves_without_matplotlib(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "store")],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    page = json.loads(done.stdout.strip().splitlines()[-1])
    assert page["status"] == 200
    assert page["splits"] == ["test", "training"]
    assert page["charts"] >= 10  # ROC, PR, calibration, confusion... of each split
