"""Property tests: whatever the API accepts reads back equal, also from a fresh process, before
and after compaction; whatever it refuses raises an `InvalidArgumentError`.

Text is drawn from every code point, lone surrogates included.  The default run keeps the
example count modest; ``-m slow`` runs a bigger profile.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sktrack
from sktrack.exceptions import InvalidArgumentError

ANY_TEXT = st.text(st.characters(blacklist_categories=()), max_size=40)  # surrogates too
KEYS = st.one_of(ANY_TEXT, st.text(min_size=1, max_size=30), st.integers(), st.none())
PARAM_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**1100), max_value=2**1100),
    st.floats(allow_nan=True, allow_infinity=True),
    ANY_TEXT,
    st.lists(st.integers(), max_size=3),
)
METRIC_VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**1100), max_value=2**1100),
    st.booleans(),
    ANY_TEXT,
)
TAG_VALUES = st.one_of(ANY_TEXT, st.integers(), st.floats(), st.none())
NAMES = st.one_of(ANY_TEXT, st.integers(), st.none())
STEPS = st.one_of(st.none(), st.integers(min_value=-(2**64), max_value=2**64))

_READER = """
import json, sys, sktrack
sktrack.set_store(sys.argv[1])
out = {}
for run_id in json.loads(sys.stdin.read()):
    run = sktrack.get_run(run_id)
    out[run_id] = {"name": run.info.run_name, "experiment": run.info.experiment,
                   "params": {k: repr(v) for k, v in run.params.items()},
                   "metrics": {k: repr(v) for k, v in run.metrics.items()},
                   "tags": {k: v for k, v in run.tags.items() if not k.startswith("sktrack.")}}
sys.stdout.write(json.dumps(out))
"""


def _fresh_read(location: str, run_ids: list[str]) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(Path(sktrack.__file__).parents[1])}
    done = subprocess.run(
        [sys.executable, "-c", _READER, location],
        input=json.dumps(run_ids), capture_output=True, text=True, env=env, check=True,
        timeout=300,
    )  # fmt: skip
    return json.loads(done.stdout)


def _accepted(fn: Any, *args: Any, **kwargs: Any) -> bool:
    try:
        fn(*args, **kwargs)
    except InvalidArgumentError:
        return False
    return True


def _expected_param(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)


def _same(got: Any, want: Any) -> bool:
    if isinstance(want, float) and math.isnan(want):
        return isinstance(got, float) and math.isnan(got)
    return type(got) is type(want) and got == want


def _property_run(tmp_path: Path, examples: int) -> None:
    store = sktrack.set_store(tmp_path / "store")
    expected: dict[str, dict[str, Any]] = {}

    @settings(max_examples=examples, deadline=None, suppress_health_check=list(HealthCheck))
    @given(
        name=NAMES, experiment=NAMES, key=KEYS, param=PARAM_VALUES, metric=METRIC_VALUES,
        step=STEPS, tag=TAG_VALUES,
    )  # fmt: skip
    def one_run(name, experiment, key, param, metric, step, tag) -> None:  # type: ignore[no-untyped-def]
        try:
            run = sktrack.start_run(run_name=name, experiment=experiment)
        except InvalidArgumentError:
            run = sktrack.start_run()
            name, experiment = None, None
        want: dict[str, Any] = {"params": {}, "metrics": {}, "tags": {}}
        with run:
            if _accepted(sktrack.log_param, key, param):
                want["params"][key] = _expected_param(param)
            if _accepted(sktrack.log_metric, key, metric, step=step):
                want["metrics"][key] = float(metric)
            if _accepted(sktrack.set_tag, key, tag):
                want["tags"][key] = str(tag)
        got = sktrack.get_run(run.run_id)
        if isinstance(name, str) and name:
            assert got.info.run_name == name
            want["name"] = name
        if experiment:  # None or "": the current experiment
            assert got.info.experiment == experiment
            want["experiment"] = experiment
        for part in ("params", "metrics"):
            for k, v in want[part].items():
                assert _same(getattr(got, part)[k], v), (part, k, v)
        for k, v in want["tags"].items():
            assert got.tags[k] == v
        expected[run.run_id] = want

    one_run()
    run_ids = list(expected)
    before = _fresh_read(store.location, run_ids)
    store.compact()
    after = _fresh_read(store.location, run_ids)
    assert after == before
    for run_id, want in expected.items():
        got = after[run_id]
        for part in ("params", "metrics"):
            assert got[part] == {k: repr(v) for k, v in want[part].items()}
        assert {k: got["tags"][k] for k in want["tags"]} == want["tags"]
        for field in ("name", "experiment"):
            if field in want:
                assert got[field] == want[field]


def test_whatever_is_accepted_reads_back_equal_from_a_fresh_process(tmp_path: Path) -> None:
    _property_run(tmp_path, examples=40)


@pytest.mark.slow
def test_whatever_is_accepted_reads_back_equal_many_examples(tmp_path: Path) -> None:
    _property_run(tmp_path, examples=600)
