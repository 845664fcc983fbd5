"""Filter parity with MLflow: the search cases of MLflow's own test suite, ported as data in
``tests/mlflow_fixtures/parity_cases.py`` (each cites its source file there).

Every case agrees, or is one of the documented extensions (docs/search.md: OR, parentheses,
numeric params, sktrack's own attributes).  The slow test runs the very same scenarios and
filters against real MLflow (``$SKTRACK_TEST_MLFLOW_PYTHON``), so the expectations are MLflow's
behaviour as it runs, not a reading of its tests.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
from mlflow_fixtures.parity_cases import CASES, EXTENSIONS, REFUSED, SCENARIOS

import sktrack
import sktrack.mlflow as compat
from sktrack._store import RunStatus, Store

MLFLOW_PYTHON = os.environ.get("SKTRACK_TEST_MLFLOW_PYTHON", "")
SCRIPT = Path(__file__).parent / "mlflow_fixtures" / "parity_mlflow.py"


def _build(store: Store, runs: list[dict[str, Any]]) -> dict[str, str]:
    """The scenario's runs in ``store``, logged through the store as MLflow's test logs them."""
    ids = {}
    for run in runs:
        exp = store.ensure_experiment(run["experiment"])
        tags = {**run["tags"], "sktrack.user": "parity"}  # as start_run tags every run
        for i, (name, digest, context) in enumerate(run["datasets"]):
            tags |= {f"sktrack.input.{i}.name": name, f"sktrack.input.{i}.digest": digest}
            if context:
                tags[f"sktrack.input.{i}.context"] = context
        info = store.create_run(exp, run["label"], None, tags, user="parity")
        if run["params"]:
            store.log(info.run_id, params=run["params"])
        # sktrack stamps values itself: logging in MLflow's (step, timestamp) order gives the
        # same latest value
        for key, value, _, step in sorted(run["metrics"], key=lambda m: (m[3], m[2])):
            store.log(info.run_id, metrics={key: value}, step=step)
        if run["status"] != "RUNNING":
            store.set_status(info.run_id, RunStatus.parse(run["status"]))
        ids[run["label"]] = info.run_id
    return ids


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, dict]]:
    built = {}
    for name, runs in SCENARIOS.items():
        path = tmp_path_factory.mktemp(f"parity-{name}") / "store"
        built[name] = (path, _build(sktrack.set_store(path), runs))
    return built


def _filled(text: str, ids: dict[str, str]) -> str:
    for label, run_id in ids.items():
        uri = compat.get_run(run_id).info.artifact_uri
        text = text.replace(f"{{uri:{label}}}", uri).replace(f"{{URI:{label}}}", uri.upper())
        text = text.replace(f"{{id:{label}}}", run_id).replace(f"{{ID:{label}}}", run_id.upper())
    return text


def _search(scenario: str, filter_string: str, order_by: Any, built: dict) -> list[str]:
    path, ids = built[scenario]
    sktrack.set_store(path)
    found = sktrack.search_runs("*", filter_string=_filled(filter_string, ids), order_by=order_by)
    labels = found["run_name"].tolist()
    return labels if order_by else sorted(labels)


@pytest.mark.parametrize(("scenario", "filter_string", "order_by", "expected", "source"), CASES)
def test_mlflow_search_cases_agree(
    scenario: str, filter_string: str, order_by: Any, expected: list[str], source: str,
    scenarios: dict,
) -> None:  # fmt: skip
    assert _search(scenario, filter_string, order_by, scenarios) == expected


@pytest.mark.parametrize(("filter_string", "source"), REFUSED)
def test_filters_mlflow_refuses_are_refused(filter_string: str, source: str) -> None:
    with pytest.raises(sktrack.FilterSyntaxError):
        sktrack.search_runs("*", filter_string=filter_string)


@pytest.mark.parametrize(("scenario", "filter_string", "expected", "source"), EXTENSIONS)
def test_documented_extensions(
    scenario: str, filter_string: str, expected: list[str], source: str, scenarios: dict
) -> None:
    assert _search(scenario, filter_string, None, scenarios) == expected


def test_user_id_is_the_runs_user(scenarios: dict) -> None:
    # test_filter_runs_by_user_id (tests/utils/test_search_utils.py)
    assert _search("utils", "attribute.user_id = 'parity'", None, scenarios) == ["hi", "hi2", "hi3"]
    assert _search("utils", "attribute.user_id = 'user-id2'", None, scenarios) == []
    assert _search("utils", "tags.mlflow.user LIKE 'par%'", None, scenarios) == ["hi", "hi2", "hi3"]


@pytest.mark.slow
@pytest.mark.skipif(
    not Path(MLFLOW_PYTHON or "/nonexistent").is_file(),
    reason="needs an interpreter with mlflow==3.17.2 in $SKTRACK_TEST_MLFLOW_PYTHON "
    "(.ci/run builds /tmp/venv-mlflow for it)",
)
def test_real_mlflow_gives_the_same_answers(tmp_path: Path) -> None:
    out = tmp_path / "mlflow.json"
    done = subprocess.run(
        [MLFLOW_PYTHON, str(SCRIPT), f"sqlite:///{tmp_path}/mlflow.db", str(out)],
        capture_output=True, text=True, check=False, timeout=600, cwd=tmp_path,
        env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "true"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    got = json.loads(out.read_text())
    disagree = [
        (case[1], case[2], case[3], theirs)
        for case, theirs in zip(CASES, got["cases"], strict=True)
        if theirs != case[3]
    ]
    assert disagree == []
    assert [f for (f, _), refused in zip(REFUSED, got["refused"], strict=True) if not refused] == []
    # what sktrack adds, MLflow refuses
    assert got["extensions"] == [True] * len(EXTENSIONS)
