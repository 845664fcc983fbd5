"""The examples run as shipped (slow: the walkthrough fits three grid searches)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import sktrack

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.slow
def test_the_walkthrough_runs_without_data_on_the_bundled_diabetes_set(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(EXAMPLES.parent)}
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / "walkthrough.py"), "--store", str(tmp_path / "store")],
        capture_output=True, text=True, check=False, env=env, cwd=tmp_path, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("no --data given: using scikit-learn's bundled diabetes")
    sktrack.set_store(tmp_path / "store")
    assert sktrack.registry.get_model_version("dt_amz_prices", 1).stage == "Staging"
