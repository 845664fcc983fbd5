"""Values at the door: a table of good and bad values through the public API.

Every accepted value reads back exactly (in this process and in a fresh one, before and after
compaction); every refused one raises an `SktrackError` subclass whose message names it.  After
the whole table the store still searches, compacts, passes `sktrack doctor` and serves the UI.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import warnings
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import sktrack
from sktrack import registry
from sktrack.exceptions import (
    InvalidArgumentError,
    InvalidURIError,
    NotFoundError,
    ParamConflictError,
    RunNotFoundError,
    RunStateError,
    SktrackError,
    StoreError,
)

SURROGATE = "data_\udcff.csv"  # what os.listdir returns for an undecodable file name


def _ui_client(store):
    """A test client on the UI of ``store``; skips where the ui extra is not installed (the
    core suite on the dependency floors), after everything before it has been checked."""
    pytest.importorskip("starlette")
    with warnings.catch_warnings():
        # Starlette asks for httpx2 over httpx; either drives the app the same way.
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        from starlette.testclient import TestClient
    from sktrack.ui import create_app

    return TestClient(create_app(store), base_url="http://127.0.0.1:5000")


class _BadRepr:
    def __repr__(self) -> str:
        raise RuntimeError("no repr")

    __str__ = __repr__


class _SurrogateRepr:
    def __repr__(self) -> str:
        return "bad \ud800"

    __str__ = __repr__


# -- accepted: (key, value logged, value read back) ----------------------------------------

PARAMS: list[tuple[str, Any, Any]] = [
    ("float", 0.1, 0.1),
    ("int", 5, 5),
    ("negative", -3, -3),
    ("zero", 0, 0),
    ("int64_overflow", 2**63, 2**63),
    ("int_1e300", 10**300, 10**300),
    ("int_neg_big", -(2**1023), -(2**1023)),
    ("true", True, True),
    ("false", False, False),
    ("none", None, None),
    ("text", "rbf", "rbf"),
    ("empty_text", "", ""),
    ("accents", "naïve café", "naïve café"),
    ("cjk", "日本語", "日本語"),
    ("emoji", "🚀✨", "🚀✨"),
    ("newline", "a\nb", "a\nb"),
    ("tab", "a\tb", "a\tb"),
    ("nul_in_value", "a\x00b", "a\x00b"),
    ("quotes", 'it\'s "q"', 'it\'s "q"'),
    ("nan", float("nan"), float("nan")),
    ("inf", float("inf"), float("inf")),
    ("minus_inf", float("-inf"), float("-inf")),
    ("subnormal", 5e-324, 5e-324),
    ("float_max", 1.7976931348623157e308, 1.7976931348623157e308),
    ("np_int", np.int64(7), 7),
    ("np_uint", np.uint64(2**64 - 1), 2**64 - 1),
    ("np_float", np.float64(0.25), 0.25),
    ("np_bool", np.bool_(True), True),
    ("fraction", Fraction(1, 4), 0.25),
    ("tuple", (1, 2), "(1, 2)"),
    ("list", [1, "a"], "[1, 'a']"),
    ("dict", {"a": 1}, "{'a': 1}"),
    ("decimal", Decimal("1.5"), "Decimal('1.5')"),
    ("long_text", "x" * 64_000, "x" * 64_000),
    ("key with spaces", 1, 1),
    ("key/with/slashes", 1, 1),
    ("日本語キー", 1, 1),
    ("k" * 250, 1, 1),
    ("quote'key", 1, 1),
]

METRICS: list[tuple[str, Any, float]] = [
    ("half", 0.5, 0.5),
    ("int", 1, 1.0),
    ("negative", -2.5, -2.5),
    ("float_max", 1.7976931348623157e308, 1.7976931348623157e308),
    ("float_min", -1.7976931348623157e308, -1.7976931348623157e308),
    ("subnormal", 5e-324, 5e-324),
    ("int_1e308", 10**308, float(10**308)),
    ("nan", float("nan"), float("nan")),
    ("inf", float("inf"), float("inf")),
    ("minus_inf", float("-inf"), float("-inf")),
    ("np_float32", np.float32(0.5), 0.5),
    ("np_int", np.int64(3), 3.0),
    ("np_0d", np.array(2.5), 2.5),
    ("np_1_item", np.array([3.0]), 3.0),
    ("fraction", Fraction(1, 4), 0.25),
    ("Neg. RMSE", 1.0, 1.0),
    ("m" * 250, 1.0, 1.0),
]

STEPS: list[tuple[Any, int]] = [
    (None, 0),
    (0, 0),
    (7, 7),
    (-1, -1),
    (2**63 - 1, 2**63 - 1),
    (-(2**63), -(2**63)),
    (np.int64(5), 5),
    (np.uint8(9), 9),
]

TAGS: list[tuple[str, Any, str]] = [
    ("text", "v", "v"),
    ("empty", "", ""),
    ("accents", "naïve", "naïve"),
    ("emoji", "🚀", "🚀"),
    ("multiline", "a\nb\n", "a\nb\n"),
    ("int", 5, "5"),
    ("float", 1.5, "1.5"),
    ("none", None, "None"),
    ("bool", True, "True"),
    ("long", "t" * 64_000, "t" * 64_000),
    ("sktrack.custom", "x", "x"),
    ("t" * 250, "x", "x"),
]

RUN_NAMES = ["baseline", "naïve run", "🚀 rocket", "r" * 250, "red\x1b[31malert", "a/b"]
EXPERIMENTS = ["exp ☃", "e" * 250, "with.dots-and_more"]


# -- refused: (id, action, needles the message must hold) ------------------------------------

Action = Callable[[dict[str, Any]], object]


def _in_run(fn: Callable[[], object]) -> Action:
    def act(ctx: dict[str, Any]) -> object:
        with sktrack.start_run():
            return fn()

    return act


_KEYS = [
    ("", "'' is empty"),
    ("   ", "is empty"),
    (5, "5 is a int"),
    (None, "None is a NoneType"),
    (b"k", "b'k' is a bytes"),
    (("t",), "('t',) is a tuple"),
    ("a\nb", "control character"),
    ("a\tb", "control character"),
    ("\ud800", "'\\ud800'"),
    ("x" * 251, "251 characters"),
]


def _refusals() -> list[tuple[str, Action, type[SktrackError], tuple[str, ...]]]:
    cases: list[tuple[str, Action, type[SktrackError], tuple[str, ...]]] = []
    bad = InvalidArgumentError

    def add(name: str, act: Action, needles: tuple[str, ...], error: type = bad) -> None:
        cases.append((name, act, error, needles))

    for i, (key, needle) in enumerate(_KEYS):
        add(f"param-key-{i}", _in_run(lambda k=key: sktrack.log_param(k, 1)), ("param key", needle))
        add(f"metric-key-{i}", _in_run(lambda k=key: sktrack.log_metric(k, 1.0)), (needle,))
        add(f"tag-key-{i}", _in_run(lambda k=key: sktrack.set_tag(k, "v")), ("tag key", needle))
    params = [
        ("surrogate", SURROGATE, "data_\\udcff.csv"),
        ("lone-high", "bad \ud800", "\\ud800"),
        ("10**5000", 10**5000, "bits"),
        ("2**1024", 2**1024, "1025 bits"),
        ("-2**1024", -(2**1024), "1025 bits"),
        ("fraction-overflow", Fraction(10**400), "Fraction("),
        ("too-long", "x" * 64_001, "64001 characters"),
        ("bad-repr", _BadRepr(), "repr() of the _BadRepr failed"),
        ("surrogate-repr", _SurrogateRepr(), "\\ud800"),
    ]
    for name, value, needle in params:
        add(f"param-{name}", _in_run(lambda v=value: sktrack.log_param("p", v)), ("'p'", needle))
    metrics = [
        ("10**400", 10**400, "1329 bits"),
        ("-10**400", -(10**400), "1329 bits"),
        ("10**5000", 10**5000, "bits"),
        ("fraction-overflow", Fraction(10**400), "Fraction("),
        ("text", "1.0", "'1.0'"),
        ("none", None, "None"),
        ("bool", True, "True"),
        ("np-bool", np.bool_(True), "True"),
        ("list", [1.0], "[1.0]"),
        ("dict", {"a": 1}, "{'a': 1}"),
        ("complex", 1 + 2j, "(1+2j)"),
        ("np-vector", np.array([1.0, 2.0]), "array([1., 2.])"),
        ("decimal", Decimal("1.5"), "Decimal('1.5')"),
        ("bytes", b"1", "b'1'"),
    ]
    for name, value, needle in metrics:
        add(f"metric-{name}", _in_run(lambda v=value: sktrack.log_metric("m", v)), ("'m'", needle))
    steps = [
        ("2**63", 2**63, "9223372036854775808"),
        ("-2**63-1", -(2**63) - 1, "-9223372036854775809"),
        ("10**5000", 10**5000, "bits"),
        ("float", 1.5, "1.5"),
        ("np-float", np.float64(1.0), "1.0"),
        ("text", "1", "'1'"),
        ("bool", True, "True"),
    ]
    for name, value, needle in steps:
        add(
            f"step-{name}",
            _in_run(lambda v=value: sktrack.log_metric("m", 1.0, step=v)),
            ("step", needle),
        )
    tags = [
        ("surrogate", SURROGATE, "data_\\udcff.csv"),
        ("lone-high", "bad \ud800", "\\ud800"),
        ("too-long", "t" * 64_001, "64001 characters"),
        ("bad-str", _BadRepr(), "str() of the _BadRepr failed"),
        ("surrogate-str", _SurrogateRepr(), "\\ud800"),
    ]
    for name, value, needle in tags:
        add(f"tag-{name}", _in_run(lambda v=value: sktrack.set_tag("t", v)), ("'t'", needle))
    for name, verb in (("log_params", sktrack.log_params), ("log_metrics", sktrack.log_metrics)):
        for label, value, needle in (
            ("list", [("a", 1)], "list"),
            ("str", "a=1", "str"),
            ("none", None, "NoneType"),
        ):
            add(f"{name}-{label}", _in_run(lambda f=verb, v=value: f(v)), ("mapping", needle))
    for label, value, needle in (("list", [("a", "b")], "list"), ("none", None, "NoneType")):
        add(f"set_tags-{label}", _in_run(lambda v=value: sktrack.set_tags(v)), ("mapping", needle))
    add(
        "param-conflict",
        _in_run(lambda: (sktrack.log_param("p", 1), sktrack.log_param("p", 2))),
        ("'p'", "1", "2"),
        ParamConflictError,
    )
    names = [
        ("int", 3, "3 is a int"),
        ("float", 3.5, "3.5 is a float"),
        ("bytes", b"n", "b'n' is a bytes"),
        ("list", ["a"], "['a'] is a list"),
        ("bool", True, "True is a bool"),
        ("surrogate", "bad \udcff", "\\udcff"),
        ("too-long", "r" * 251, "251 characters"),
    ]
    for name, value, needle in names:
        add(
            f"run_name-{name}",
            lambda c, v=value: sktrack.start_run(run_name=v),
            ("run_name" if not isinstance(value, str) else "run name", needle),
        )
    experiments = [
        ("empty", "", "'' is empty"),
        ("blank", "  ", "is empty"),
        ("none", None, "None is a NoneType"),
        ("int", 5, "5 is a int"),
        ("tab", "a\tb", "control character"),
        ("surrogate", "\udcff", "\\udcff"),
        ("too-long", "e" * 251, "251 characters"),
    ]
    for name, value, needle in experiments:
        add(
            f"set_experiment-{name}",
            lambda c, v=value: sktrack.set_experiment(v),
            ("experiment name", needle),
        )
    for name, value, needle in experiments[3:]:  # None: the current experiment
        add(
            f"start_run-experiment-{name}",
            lambda c, v=value: sktrack.start_run(experiment=v),
            ("experiment name", needle),
        )
    start_tags = [
        ("list", [("a", "b")], "mapping"),
        ("str", "a", "mapping"),
        ("surrogate-value", {"k": SURROGATE}, "data_\\udcff.csv"),
        ("int-key", {5: "v"}, "5 is a int"),
    ]
    for name, value, needle in start_tags:
        add(f"start_run-tags-{name}", lambda c, v=value: sktrack.start_run(tags=v), (needle,))
    add(
        "start_run-parent-missing",
        lambda c: sktrack.start_run(parent_run_id="nope"),
        ("'nope'",),
        RunNotFoundError,
    )
    add(
        "start_run-parent-int",
        lambda c: sktrack.start_run(parent_run_id=5),
        ("'5'",),
        RunNotFoundError,
    )
    for status in ("done", "finish", "", 5, None):
        add(
            f"end_run-{status!r}",
            _in_run(lambda s=status: sktrack.end_run(s)),
            (repr(status), "FINISHED"),
        )
        add(
            f"Run.end-{status!r}",
            lambda c, s=status: sktrack.start_run().end(s),
            (repr(status), "FINISHED"),
        )
    add("end_run-no-active-run", lambda c: sktrack.end_run(), ("no active run",), RunStateError)
    add("re-enter-ended-run", _reenter, ("already ended", "FINISHED"), RunStateError)
    add("re-enter-ended-snapshot", _reenter_snapshot, ("already ended",), RunStateError)
    search = [
        ("names-int-item", {"experiment_names": [5]}, "holds 5"),
        ("names-none-item", {"experiment_names": [None]}, "holds None"),
        ("names-int", {"experiment_names": 5}, "5 is a int"),
        ("names-dict", {"experiment_names": {"a": 1}}, "is a dict"),
        ("max-negative", {"max_results": -1}, "max_results=-1"),
        ("max-float", {"max_results": 1.5}, "max_results=1.5"),
        ("max-text", {"max_results": "3"}, "max_results='3'"),
        ("max-bool", {"max_results": True}, "max_results=True"),
        ("max-huge-negative", {"max_results": -(10**5000)}, "bits"),
        ("filter-int", {"filter_string": 5}, "filter_string 5"),
        ("filter-syntax", {"filter_string": "metrics.r2 >"}, "metrics.r2 >"),
        ("order-syntax", {"order_by": ["metrics.r2 SIDEWAYS"]}, "SIDEWAYS"),
    ]
    for name, kwargs, needle in search:
        add(f"search_runs-{name}", lambda c, k=kwargs: sktrack.search_runs(**k), (needle,))
    add("get_run-int", lambda c: sktrack.get_run(5), ("'5'",), RunNotFoundError)
    add("get_run-empty", lambda c: sktrack.get_run(""), ("''",), RunNotFoundError)
    add(
        "get_metric_history-int-key",
        lambda c: sktrack.get_metric_history(c["run_id"], 5),
        ("5 is a int",),
    )
    locations = [
        ("empty", "", "''"),
        ("blank", "   ", "'   '"),
        ("none", None, "None is a NoneType"),
        ("int", 5, "5 is a int"),
        ("bytes", b"/tmp/store", "is a bytes"),
        ("nul", "a\x00b", "NUL"),
    ]
    for name, value, needle in locations:
        add(
            f"set_store-{name}", lambda c, v=value: sktrack.set_store(v), ("store location", needle)
        )
    add(
        "set_store-on-a-file",
        lambda c: sktrack.set_store(c["file"]),
        (str(Path("afile")), "is a file"),
        StoreError,
    )
    add(
        "set_store-under-a-file",
        lambda c: sktrack.set_store(Path(c["file"]) / "sub"),
        ("lies under", "afile"),
        StoreError,
    )
    reg = [
        (
            "version-tag-surrogate",
            lambda c: registry.set_model_version_tag(c["model"], 1, "k", "bad \ud800"),
            ("\\ud800",),
        ),
        (
            "version-tag-empty-key",
            lambda c: registry.set_model_version_tag(c["model"], 1, "", "v"),
            ("tag key ''",),
        ),
        (
            "version-tag-int-key",
            lambda c: registry.set_model_version_tag(c["model"], 1, 5, "v"),
            ("5 is a int",),
        ),
        (
            "model-tag-surrogate",
            lambda c: registry.set_registered_model_tag(c["model"], "k", SURROGATE),
            ("data_\\udcff.csv",),
        ),
        (
            "register-tag-surrogate",
            lambda c: registry.register_model(c["model_uri"], "other", tags={"k": SURROGATE}),
            ("data_\\udcff.csv",),
        ),
        (
            "register-tags-list",
            lambda c: registry.register_model(c["model_uri"], "other", tags=[("k", "v")]),
            ("mapping",),
        ),
        (
            "register-name-unicode",
            lambda c: registry.register_model(c["model_uri"], "prix²"),
            ("'prix²'",),
        ),
        (
            "description-surrogate",
            lambda c: registry.update_model_version(c["model"], 1, "bad \udcff"),
            ("\\udcff",),
        ),
        ("description-int", lambda c: registry.update_registered_model(c["model"], 5), ("5",)),
        (
            "latest-unknown-stage",
            lambda c: registry.get_latest_versions(c["model"], ["Prod"]),
            ("'Prod'",),
        ),
        ("latest-int", lambda c: registry.get_latest_versions(c["model"], 5), ("5 is a int",)),
        (
            "transition-unknown-stage",
            lambda c: registry.transition_stage(c["model"], 1, "Prod"),
            ("'Prod'",),
        ),
        ("version-superscript", lambda c: registry.get_model_version(c["model"], "²"), ("'²'",)),
        ("version-float", lambda c: registry.get_model_version(c["model"], 1.5), ("1.5",)),
        ("alias-surrogate", lambda c: registry.set_alias(c["model"], "bad\ud800", 1), ("alias",)),
        ("alias-reserved", lambda c: registry.set_alias(c["model"], "latest", 1), ("'latest'",)),
    ]
    for name, act, needles in reg:
        add(f"registry-{name}", act, needles)
    uris = [
        "models:/n/²",
        "models:/n/0",
        "models:/n/-1",
        "models:/",
        "runs:/x",
        "s3x://a/b",
        "models:/n@",
        "",
    ]
    for uri in uris:
        add(
            f"load_model-{uri!r}",
            lambda c, u=uri: sktrack.load_model(u),
            (repr(uri),),
            InvalidURIError,
        )
    add(
        "load_model-missing-version",
        lambda c: sktrack.load_model(f"models:/{c['model']}/99"),
        ("99",),
        NotFoundError,
    )
    return cases


def _reenter(ctx: dict[str, Any]) -> None:
    run = sktrack.start_run()
    run.end()
    with run:
        sktrack.log_metric("y", 2.0)


def _reenter_snapshot(ctx: dict[str, Any]) -> None:
    with sktrack.get_run(ctx["run_id"]):
        pass


REFUSALS = _refusals()


# -- fixtures and helpers ---------------------------------------------------------------------


@pytest.fixture
def ctx(store, tmp_path: Path) -> dict[str, Any]:
    """What the refusals act on: an ended run, a registered model, a plain file."""
    from sklearn.linear_model import LinearRegression

    with sktrack.start_run() as run:
        info = sktrack.log_model(LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0]))
    registry.register_model(info.model_uri, "prices")
    afile = tmp_path / "afile"
    afile.write_text("not a store")
    return {
        "run_id": run.run_id,
        "model": "prices",
        "model_uri": info.model_uri,
        "file": str(afile),
    }


def _same(got: object, want: object) -> bool:
    if isinstance(want, float) and math.isnan(want):
        return isinstance(got, float) and math.isnan(got)
    return type(got) is type(want) and got == want


def _log_accepted() -> dict[str, dict[str, Any]]:
    """Log every accepted value; return what each run must read back, by run id."""
    expected: dict[str, dict[str, Any]] = {}
    with sktrack.start_run(run_name="values") as run:
        sktrack.log_params({key: value for key, value, _ in PARAMS})
        for key, value, _ in METRICS:
            sktrack.log_metric(key, value)
        sktrack.set_tags({key: value for key, value, _ in TAGS})
    expected[run.run_id] = {
        "params": {k: w for k, _, w in PARAMS},
        "metrics": {k: w for k, _, w in METRICS},
        "tags": {k: w for k, _, w in TAGS},
    }
    for name in RUN_NAMES:
        with sktrack.start_run(run_name=name) as named:
            pass
        expected[named.run_id] = {"run_name": name}
    return expected


def _check(run_id: str, want: dict[str, Any], got: dict[str, Any]) -> None:
    if "run_name" in want:
        assert got["run_name"] == want["run_name"]
        return
    for part in ("params", "metrics", "tags"):
        for key, value in want[part].items():
            assert _same(got[part][key], value), (run_id, part, key, got[part][key], value)


_READER = """
import json, sys, sktrack
sktrack.set_store(sys.argv[1])
out = {}
for run_id in json.loads(sys.argv[2]):
    run = sktrack.get_run(run_id)
    out[run_id] = {"run_name": run.info.run_name, "params": {k: repr(v) for k, v in run.params.items()},
                   "metrics": {k: repr(v) for k, v in run.metrics.items()}, "tags": dict(run.tags)}
sys.stdout.write(json.dumps(out))
"""


def read_in_fresh_process(location: str, run_ids: list[str]) -> dict[str, Any]:
    """get_run of each run in a new interpreter: params and metrics as their repr."""
    env = {**os.environ, "PYTHONPATH": str(Path(sktrack.__file__).parents[1])}
    done = subprocess.run(
        [sys.executable, "-c", _READER, location, json.dumps(run_ids)],
        capture_output=True, text=True, env=env, check=True, timeout=120,
    )  # fmt: skip
    return json.loads(done.stdout)


def _check_fresh(run_id: str, want: dict[str, Any], got: dict[str, Any]) -> None:
    if "run_name" in want:
        assert got["run_name"] == want["run_name"]
        return
    for part in ("params", "metrics"):
        for key, value in want[part].items():
            assert got[part][key] == repr(value), (part, key)
    assert got["tags"] == {**got["tags"], **want["tags"]}


# -- the table --------------------------------------------------------------------------------


def test_the_table_has_at_least_150_cases() -> None:
    accepted = (
        len(PARAMS) + len(METRICS) + len(STEPS) + len(TAGS) + len(RUN_NAMES) + len(EXPERIMENTS)
    )
    assert accepted + len(REFUSALS) >= 150
    assert len({name for name, *_ in REFUSALS}) == len(REFUSALS)


@pytest.mark.parametrize(("key", "value", "want"), PARAMS, ids=[p[0][:30] for p in PARAMS])
def test_an_accepted_param_reads_back_exactly(store, key: str, value: Any, want: Any) -> None:
    with sktrack.start_run() as run:
        sktrack.log_param(key, value)
    assert _same(sktrack.get_run(run.run_id).params[key], want)


@pytest.mark.parametrize(("key", "value", "want"), METRICS, ids=[m[0][:30] for m in METRICS])
def test_an_accepted_metric_reads_back_exactly(store, key: str, value: Any, want: float) -> None:
    with sktrack.start_run() as run:
        sktrack.log_metric(key, value)
    assert _same(sktrack.get_run(run.run_id).metrics[key], want)


@pytest.mark.parametrize(("step", "want"), STEPS, ids=[repr(s[0]) for s in STEPS])
def test_an_accepted_step_reads_back_exactly(store, step: Any, want: int) -> None:
    with sktrack.start_run() as run:
        sktrack.log_metric("m", 1.0, step=step)
    assert sktrack.get_metric_history(run.run_id, "m")["step"].tolist() == [want]


@pytest.mark.parametrize(("key", "value", "want"), TAGS, ids=[t[0][:30] for t in TAGS])
def test_an_accepted_tag_reads_back_exactly(store, key: str, value: Any, want: str) -> None:
    with sktrack.start_run() as run:
        sktrack.set_tag(key, value)
    assert sktrack.get_run(run.run_id).tags[key] == want


@pytest.mark.parametrize("name", RUN_NAMES, ids=range(len(RUN_NAMES)))
def test_an_accepted_run_name_reads_back_exactly(store, name: str) -> None:
    with sktrack.start_run(run_name=name) as run:
        pass
    assert sktrack.get_run(run.run_id).info.run_name == name
    assert sktrack.search_runs(filter_string=f"attributes.run_id = '{run.run_id}'")[
        "run_name"
    ].tolist() == [name]


@pytest.mark.parametrize("name", EXPERIMENTS, ids=range(len(EXPERIMENTS)))
def test_an_accepted_experiment_name_reads_back_exactly(store, name: str) -> None:
    assert sktrack.set_experiment(name).name == name
    with sktrack.start_run() as run:
        pass
    assert sktrack.get_run(run.run_id).info.experiment == name
    assert name in [e.name for e in sktrack.list_experiments()]


@pytest.mark.parametrize(
    ("name", "act", "error", "needles"), REFUSALS, ids=[r[0] for r in REFUSALS]
)
def test_a_refused_value_raises_an_error_naming_it(ctx, name, act, error, needles) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(error) as caught:
        act(ctx)
    assert isinstance(caught.value, SktrackError)
    message = str(caught.value)
    for needle in needles:
        assert needle in message, (needle, message)


def test_a_batch_with_one_bad_value_writes_nothing(store) -> None:
    with sktrack.start_run() as run:
        with pytest.raises(InvalidArgumentError, match="'bad'"):
            sktrack.log_metrics({"good": 1.0, "bad": "x"})
        with pytest.raises(InvalidArgumentError, match="data_"):
            sktrack.log_params({"good": 1, "bad": SURROGATE})
        with pytest.raises(InvalidArgumentError, match="data_"):
            sktrack.set_tags({"good": "v", "bad": SURROGATE})
    got = sktrack.get_run(run.run_id)
    assert "good" not in got.metrics and "good" not in got.params and "good" not in got.tags


def test_end_run_and_run_end_take_the_same_statuses(store) -> None:
    for status in ("finished", "FAILED", "Killed", sktrack.RunStatus.FINISHED):
        with sktrack.start_run() as run:
            pass
        ended = sktrack.start_run()
        ended.end(status)
        sktrack.start_run()
        sktrack.end_run(status)
        assert sktrack.get_run(ended.run_id).info.status == sktrack.RunStatus.parse(status)
    assert run.run_id


def test_reentering_an_ended_run_changes_nothing(store) -> None:
    run = sktrack.start_run()
    run.end()
    before = sktrack.get_run(run.run_id).info
    with pytest.raises(RunStateError), run:
        sktrack.log_metric("y", 2.0)  # pragma: no cover - never reached
    assert sktrack.active_run() is None
    assert sktrack.get_run(run.run_id).info == before
    assert len(sktrack.search_runs()) == 1


def test_max_results_beyond_the_runs_returns_them_all(store) -> None:
    for _ in range(3):
        with sktrack.start_run():
            pass
    assert len(sktrack.search_runs(max_results=10**20)) == 3


def test_a_single_stage_string_is_one_stage(ctx) -> None:
    registry.transition_stage("prices", 1, "Staging")
    assert [mv.version for mv in registry.get_latest_versions("prices", "Staging")] == [1]
    assert [mv.version for mv in registry.get_latest_versions("prices", "staging")] == [1]
    assert registry.get_latest_versions("prices", "Production") == []


def test_registry_tags_with_valid_text_read_back_and_the_ui_shows_them(ctx) -> None:
    registry.set_model_version_tag("prices", 1, "note", "naïve 🚀")
    assert registry.get_model_version("prices", 1).tags["note"] == "naïve 🚀"
    client = _ui_client(sktrack.get_store())
    page = client.get("/models/prices")
    assert page.status_code == 200
    assert "naïve 🚀" in page.text


def test_the_ui_shows_a_surrogate_written_before_values_were_checked(ctx) -> None:
    store = sktrack.get_store()
    folder = Path(store.fs.local_path("registry/models/prices/events"))
    # an event file as an older sktrack wrote it (JSON escapes the lone surrogate)
    doc = {"format_version": 1, "kind": "tag", "version": 1, "key": "k", "value": "bad \ud800",
           "timestamp": 1, "user": ""}  # fmt: skip
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "s9999999999.json").write_text(json.dumps(doc))
    client = _ui_client(store)
    page = client.get("/models/prices")
    assert page.status_code == 200
    assert "bad \\ud800" in page.text


# -- after the whole table ------------------------------------------------------------------


def test_after_the_whole_table_the_store_searches_compacts_passes_doctor_and_serves(ctx) -> None:
    store = sktrack.get_store()
    expected = _log_accepted()
    for name, act, error, _ in REFUSALS:
        if name.startswith("set_store-"):
            continue  # the refusals of other locations do not touch this store
        with pytest.raises(error):
            act(ctx)
        sktrack.set_store(store)
        while sktrack.active_run() is not None:
            sktrack.end_run("KILLED")
    run_ids = list(expected)
    for run_id, want in expected.items():
        _check(run_id, want, _snapshot(run_id))
    fresh = read_in_fresh_process(store.location, run_ids)
    assert len(sktrack.search_runs("*")) >= len(run_ids)
    store.compact()
    assert read_in_fresh_process(store.location, run_ids) == fresh
    for run_id, want in expected.items():
        _check_fresh(run_id, want, fresh[run_id])
        _check(run_id, want, _snapshot(run_id))
    env = {**os.environ, "PYTHONPATH": str(Path(sktrack.__file__).parents[1])}
    doctor = subprocess.run(
        [sys.executable, "-m", "sktrack", "--store", store.location, "doctor"],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    client = _ui_client(store)
    experiment = sktrack.set_experiment("Default").experiment_id
    for path in ("/", f"/experiments/{experiment}", f"/runs/{run_ids[0]}", "/models/prices"):
        assert client.get(path).status_code == 200, path


def _snapshot(run_id: str) -> dict[str, Any]:
    run = sktrack.get_run(run_id)
    return {
        "run_name": run.info.run_name,
        "params": run.params,
        "metrics": run.metrics,
        "tags": run.tags,
    }
