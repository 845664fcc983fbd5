"""The commands a data scientist runs every day, on a fixed store: `sktrack experiments`,
`sktrack runs` (top-level, key metrics), `run show` (children best first), run-id prefixes,
`models register` and `models alias`, and how their errors read.

The fixed store is written through the store's own API with the clock, the process id and
the run ids pinned (the standard library's ``time.time_ns``, ``os.getpid`` and
``uuid.uuid4``), so the golden outputs below are byte for byte what the command prints.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import sktrack
from sktrack import RunStatus
from sktrack._cli import main

Cli = Callable[..., tuple[int, str, str]]
T0 = 1_767_323_045_000_000_000  # 2026-01-02 03:04:05 UTC, in ns
RMSE = "neg_root_mean_squared_error"


class _Pins:
    """The clock, pid and uuids the store sees while the fixed store is written."""

    def __init__(self) -> None:
        self.now = T0
        self.n = 0
        self.prefix = ""

    def uuid4(self) -> uuid.UUID:
        self.n += 1
        text = (self.prefix + f"{self.n:04x}" * 8)[:32]
        return uuid.UUID(hex=text)

    def time_ns(self) -> int:
        return self.now

    def tick(self, seconds: float) -> None:
        self.now += int(seconds * 1e9)


@pytest.fixture
def pins(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Pins]:
    pinned = _Pins()
    monkeypatch.setattr(uuid, "uuid4", pinned.uuid4)
    monkeypatch.setattr(time, "time_ns", pinned.time_ns)
    monkeypatch.setattr(os, "getpid", lambda: 4242)
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield pinned
    monkeypatch.undo()
    time.tzset()


def _run(store: sktrack.Store, exp: sktrack.Experiment, pins: _Pins, name: str,
         parent: str | None = None, *, params: dict | None = None,
         metrics: dict | None = None, tags: dict | None = None, seconds: float = 2) -> str:  # fmt: skip
    info = store.create_run(exp, name, parent, tags, user="ada", host="lab")
    store.log(info.run_id, params=params, metrics=metrics)
    pins.tick(seconds)
    store.set_status(info.run_id, RunStatus.FINISHED)
    pins.tick(1)
    return info.run_id


@pytest.fixture
def fixed(tmp_path: Path, pins: _Pins) -> dict[str, str]:
    """A baseline and a search with three candidates (logged worst first), in ``golden``;
    one run in ``other``."""
    store = sktrack.set_store(tmp_path / "store")
    exp = store.ensure_experiment("golden")
    ids = {"baseline": _run(store, exp, pins, "baseline", params={"fit_intercept": True},
                            metrics={"test_root_mean_squared_error": 58.25,
                                     "training_r2_score": 0.52})}  # fmt: skip
    search = store.create_run(exp, "tree-search", None, user="ada", host="lab").run_id
    store.log(
        search,
        params={"refit": RMSE, "cv": 3, "estimator": "DecisionTreeRegressor", "best_max_depth": 3},
        metrics={f"best_cv_{RMSE}": -55.5, "test_root_mean_squared_error": 54.125,
                 "training_r2_score": 0.61, "refit_time": 0.004},
        tags={"sktrack.searched_params": '["max_depth"]', "sktrack.top_k": "3"},
    )  # fmt: skip
    for depth, score, rank in [(8, -61.0, 3), (5, -57.25, 2), (3, -55.5, 1)]:
        ids[f"depth-{depth}"] = _run(
            store, exp, pins, f"depth-{depth}", search,
            params={"max_depth": depth, "random_state": 0},
            metrics={f"mean_test_{RMSE}": score, f"rank_test_{RMSE}": rank,
                     f"std_test_{RMSE}": 1.5, "mean_fit_time": 0.001},
            tags={"sktrack.best": "true" if rank == 1 else "false"}, seconds=0.5,
        )  # fmt: skip
    pins.tick(3)
    store.set_status(search, RunStatus.FINISHED)
    ids["tree-search"] = search
    pins.tick(60)
    pins.prefix = "c0ffee"  # two runs whose ids share their first 6 characters
    other = store.ensure_experiment("other")
    ids["twin-a"] = _run(store, other, pins, "twin-a", metrics={"r2": 0.25})
    ids["twin-b"] = _run(store, other, pins, "twin-b", metrics={"r2": 0.5})
    ids["store"] = str(tmp_path / "store")
    return ids


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


# -- golden outputs -------------------------------------------------------------------------


def test_golden_runs_lists_top_level_runs_with_their_key_metrics(
    cli: Cli, fixed: dict[str, str]
) -> None:
    code, out, err = cli("--store", fixed["store"], "runs", "--experiment", "golden")
    assert (code, err) == (0, "")
    assert out == GOLDEN_RUNS.format(**fixed)


GOLDEN_RUNS = """\
run_id                            run_name     experiment  status    start_time           metrics.best_cv_neg_root_mean_squared_error  metrics.test_root_mean_squared_error  metrics.training_r2_score
{tree-search}  tree-search  golden      FINISHED  2026-01-02 03:04:08                                        -55.5                                54.125                       0.61
{baseline}  baseline     golden      FINISHED  2026-01-02 03:04:05                                            -                                 58.25                       0.52
2 runs
"""


def test_golden_run_show_lists_children_best_first_ranked_and_starred(
    cli: Cli, fixed: dict[str, str]
) -> None:
    code, out, err = cli("--store", fixed["store"], "run", "show", fixed["tree-search"][:8])
    assert (code, err) == (0, "")
    assert out == GOLDEN_RUN_SHOW.format(**fixed)


GOLDEN_RUN_SHOW = """\
Run {tree-search}  tree-search

  experiment  golden
  status      FINISHED
  started     2026-01-02 03:04:08
  ended       2026-01-02 03:04:15  (7.5 s)
  parent      -
  user        ada on lab (pid 4242)

Params (4)
  best_max_depth  3
  cv              3
  estimator       DecisionTreeRegressor
  refit           neg_root_mean_squared_error

Metrics (4)
  best_cv_neg_root_mean_squared_error  -55.5
  refit_time                           0.004
  test_root_mean_squared_error         54.125
  training_r2_score                    0.61

Tags (2)
  sktrack.searched_params  ["max_depth"]
  sktrack.top_k            3

Artifacts (0)
  -

Children (3, best first)
  rank     run_id                            run_name  status    params.max_depth  metrics.mean_test_neg_root_mean_squared_error
     1  ★  {depth-3}  depth-3   FINISHED                 3                                          -55.5
     2     {depth-5}  depth-5   FINISHED                 5                                         -57.25
     3     {depth-8}  depth-8   FINISHED                 8                                            -61
"""


# -- experiments ----------------------------------------------------------------------------


def test_experiments_lists_each_with_its_runs_newest_first(cli: Cli, fixed: dict[str, str]) -> None:
    code, out, err = cli("--store", fixed["store"], "experiments")
    lines = out.splitlines()
    assert (code, err) == (0, "")
    assert lines[0].split() == ["experiment", "id", "runs", "top_level", "running", "last_started"]
    assert [line.split()[0] for line in lines[1:-1]] == ["other", "golden"]
    assert lines[2].split()[2:5] == ["5", "2", "0"]  # golden: 5 runs, 2 top-level, none running
    assert lines[-1] == "2 experiments"
    code, out, _ = cli("--store", fixed["store"], "experiments", "--json")
    records = json.loads(out)
    assert records[1]["experiment"] == "golden" and records[1]["runs"] == 5
    assert records[1]["last_started"] == "2026-01-02T03:04:11.000+00:00"


def test_experiments_on_an_empty_store_and_no_store(cli: Cli, tmp_path: Path) -> None:
    sktrack.set_store(tmp_path / "empty")
    sktrack.get_store().ensure_experiment("Default")
    code, out, _ = cli("--store", str(tmp_path / "empty"), "experiments")
    assert code == 0 and out.splitlines()[1].split()[0] == "Default"
    code, out, err = cli("--store", str(tmp_path / "nothing-here"), "experiments")
    assert (code, out) == (2, "")
    assert err.startswith("sktrack: error: no sktrack store at ")


# -- runs -----------------------------------------------------------------------------------


def test_runs_all_adds_the_candidates(cli: Cli, fixed: dict[str, str]) -> None:
    code, out, _ = cli("--store", fixed["store"], "runs", "--experiment", "golden", "--all")
    names = [line.split()[1] for line in out.splitlines()[1:-1]]
    assert code == 0 and sorted(names) == [
        "baseline", "depth-3", "depth-5", "depth-8", "tree-search"
    ]  # fmt: skip
    code, out, _ = cli(
        "--store", fixed["store"], "runs", "-f", f"metrics.mean_test_{RMSE} > -58"
    )  # a candidate whose search the filter leaves out is listed on its own
    assert sorted(line.split()[1] for line in out.splitlines()[1:-1]) == ["depth-3", "depth-5"]


def test_runs_bad_order_by_is_named_as_such(cli: Cli, fixed: dict[str, str]) -> None:
    code, out, err = cli("--store", fixed["store"], "runs", "--order-by", "metrics.r2 DOWN")
    assert (code, out) == (2, "")
    assert err == (
        "sktrack: error: --order-by 'metrics.r2 DOWN' does not parse: expected ASC, DESC or the "
        "end of the order_by item, got 'DOWN' at position 11:\n  metrics.r2 DOWN\n"
        "             ^\nWrite KEY [ASC|DESC], e.g. --order-by 'metrics.test_r2_score DESC' or "
        "--order-by attributes.start_time\n"
    )
    assert "filter" not in err


# -- run-id prefixes ------------------------------------------------------------------------


def test_a_unique_prefix_of_six_characters_names_a_run(cli: Cli, fixed: dict[str, str]) -> None:
    code, out, _ = cli("--store", fixed["store"], "run", "show", fixed["baseline"][:6], "--json")
    assert code == 0 and json.loads(out)["info"]["run_id"] == fixed["baseline"]


def test_an_ambiguous_prefix_is_refused_with_the_matches(cli: Cli, fixed: dict[str, str]) -> None:
    code, out, err = cli("--store", fixed["store"], "run", "show", "c0ffee")
    assert (code, out) == (2, "")
    assert err == (
        f"sktrack: error: run id prefix 'c0ffee' matches 2 runs: {fixed['twin-a']} (twin-a), "
        f"{fixed['twin-b']} (twin-b); type more characters of the id\n"
    )
    code, _, err = cli("--store", fixed["store"], "run", "show", "c0ff")
    assert code == 2 and "too short: type at least 6 characters" in err


# -- models register and alias --------------------------------------------------------------


def _with_model(store: str) -> str:
    """A run that logged a model; its id."""
    from sklearn.linear_model import LinearRegression

    sktrack.set_store(store)
    with sktrack.start_run(run_name="fitted") as run:
        sktrack.log_model(LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0]))
    return run.run_id


def test_models_register_a_run_by_prefix_or_uri_and_alias_it(cli: Cli, tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    run_id = _with_model(store)
    code, out, err = cli("--store", store, "models", "register", run_id[:7], "prices")
    assert (code, err) == (0, "")
    assert out == f"prices version 1: registered from runs:/{run_id}/model\n"
    code, out, _ = cli(
        "--store", store, "models", "register", f"runs:/{run_id[:8]}/model", "prices",
        "--description", "second",
    )  # fmt: skip
    assert (code, out) == (0, f"prices version 2: registered from runs:/{run_id}/model\n")
    assert sktrack.registry.get_model_version("prices", 2).description == "second"

    code, out, _ = cli("--store", store, "models", "alias", "prices", "champion", "1")
    assert (code, out) == (0, "prices@champion -> version 1\n")
    code, out, _ = cli("--store", store, "models", "alias", "prices", "champion", "2")
    assert (code, out) == (0, "prices@champion -> version 2 (was version 1)\n")
    assert sktrack.registry.get_model_version_by_alias("prices", "champion").version == 2


def test_models_register_and_alias_errors_speak_in_commands(cli: Cli, tmp_path: Path) -> None:
    store = str(tmp_path / "store")
    _with_model(store)
    code, out, err = cli("--store", store, "models", "register", "00ff00ff", "prices")
    assert (code, out) == (2, "")
    assert err == (
        "sktrack: error: no run with id '00ff00ff' in this store; list runs with "
        "`sktrack runs --all`, or check --store\n"
    )
    code, _, err = cli("--store", store, "models", "alias", "nosuch", "champion", "1")
    assert code == 2 and err.startswith("sktrack: error: no registered model named 'nosuch'")
    assert "sktrack models register RUN_ID NAME" in err and "sktrack.registry" not in err
    cli("--store", store, "models", "register", _with_model(store), "prices")
    code, _, err = cli("--store", store, "models", "alias", "prices", "champion", "7")
    assert code == 2 and err == (
        "sktrack: error: model 'prices' has no version 7; its versions are 1\n"
    )
    code, _, err = cli("--store", store, "models", "alias", "prices", "champion", "one")
    assert code == 2 and "invalid int value: 'one'" in err


# -- tables through rich on a terminal --------------------------------------------------------


def test_on_a_terminal_tables_go_through_rich(fixed: dict[str, str]) -> None:
    pytest.importorskip("rich")
    import pty
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root), "COLUMNS": "250", "TERM": "xterm"}
    store, golden = fixed["store"], ["runs", "--experiment", "golden"]
    command = [sys.executable, "-m", "sktrack", "--store", store, *golden]
    master, slave = pty.openpty()  # a real terminal as standard output
    done = subprocess.run(command, stdout=slave, stderr=subprocess.PIPE, env=env, timeout=120)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the terminal's other end is closed and drained
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    on_terminal = b"".join(chunks).decode()
    assert done.returncode == 0, done.stderr
    assert "─" in on_terminal  # rich's rule under the header; the plain table has none
    assert "tree-search" in on_terminal and "54.125" in on_terminal and "2 runs" in on_terminal
    plain = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
    assert plain.stdout == GOLDEN_RUNS.format(**fixed)
