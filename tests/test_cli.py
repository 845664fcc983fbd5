"""The ``sktrack`` command, called through ``main([...])`` on real stores in tmp_path."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

import sktrack
from sktrack._cli import format_table, main, runs_table
from sktrack._store._compact import compact

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run ``sktrack ARGS``; returns (exit status, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def store_path(tmp_path: Path) -> str:
    """A store with two experiments: a parent with three children, and one other run."""
    path = str(tmp_path / "store")
    sktrack.set_store(path)
    sktrack.set_experiment("tuning")
    with sktrack.start_run(run_name="search"):
        sktrack.log_params({"alpha": 0.1, "solver": "lbfgs"})
        sktrack.log_metrics({"r2": 0.5, "rmse": 53.12345})
        for i in range(3):
            with sktrack.start_run(run_name=f"child-{i}"):
                sktrack.log_param("alpha", i / 10)
                sktrack.log_metric("r2", 0.1 * i)
    with sktrack.start_run(run_name="lonely", experiment="other"):
        sktrack.log_metric("r2", 0.9)
    return path


def _run_id(path: str, name: str) -> str:
    sktrack.set_store(path)
    frame = sktrack.search_runs("*", filter_string=f"attributes.run_name = '{name}'")
    return str(frame["run_id"].iloc[0])


def _lines(text: str) -> list[str]:
    return text.rstrip("\n").split("\n")


# -- runs ------------------------------------------------------------------------------------


def test_runs_lists_the_top_level_runs_of_every_experiment_by_default(
    cli: Cli, store_path: str
) -> None:
    code, out, err = cli("--store", store_path, "runs")
    lines = _lines(out)
    assert code == 0 and err == ""
    assert lines[0].split() == [
        "run_id", "run_name", "experiment", "status", "start_time", "metrics.r2", "metrics.rmse"
    ]  # fmt: skip
    assert sorted(line.split()[1] for line in lines[1:-1]) == ["lonely", "search"]
    assert lines[-1] == "2 runs"
    code, out, err = cli("--store", store_path, "runs", "--all")
    names = [line.split()[1] for line in _lines(out)[1:-1]]
    assert sorted(names) == ["child-0", "child-1", "child-2", "lonely", "search"]
    assert _lines(out)[-1] == "5 runs"


def test_runs_filter_and_order_add_the_columns_they_name(cli: Cli, store_path: str) -> None:
    code, out, _ = cli(
        "--store", store_path, "runs", "-f", "params.alpha >= 0.1", "--order-by", "metrics.r2 DESC",
        "--all",
    )  # fmt: skip
    lines = _lines(out)
    assert code == 0
    assert lines[0].split()[-3:] == ["metrics.r2", "metrics.rmse", "params.alpha"]
    assert [line.split()[1] for line in lines[1:-1]] == ["search", "child-2", "child-1"]
    assert [line.split()[-1] for line in lines[1:-1]] == ["0.1", "0.2", "0.1"]
    assert lines[-1] == "3 runs"


def test_runs_order_by_repeats_and_max_results_cuts(cli: Cli, store_path: str) -> None:
    code, out, _ = cli(
        "--store", store_path, "runs", "--experiment", "tuning",
        "--order-by", "params.alpha DESC", "--order-by", "attributes.run_name",
        "--max-results", "2", "--columns", "run_name,params.alpha", "--all",
    )  # fmt: skip
    assert code == 0
    assert _lines(out) == [
        "run_name  params.alpha",
        "child-2            0.2",
        "child-1            0.1",
        "2 runs",
    ]


def test_runs_columns_take_patterns_and_json_prints_records(cli: Cli, store_path: str) -> None:
    code, out, _ = cli(
        "--store", store_path, "runs", "--experiment", "tuning", "--json",
        "--columns", "run_name, metrics.*", "--order-by", "attributes.run_name", "--all",
    )  # fmt: skip
    assert code == 0
    assert json.loads(out) == [
        {"run_name": "child-0", "metrics.r2": 0.0, "metrics.rmse": None},
        {"run_name": "child-1", "metrics.r2": 0.1, "metrics.rmse": None},
        {"run_name": "child-2", "metrics.r2": 0.2, "metrics.rmse": None},
        {"run_name": "search", "metrics.r2": 0.5, "metrics.rmse": 53.12345},
    ]


def test_runs_json_without_columns_has_every_column(cli: Cli, store_path: str) -> None:
    code, out, _ = cli(
        "--store", store_path, "runs", "--json", "-f", "attributes.run_name = 'search'"
    )
    (record,) = json.loads(out)
    assert code == 0
    assert record["params.alpha"] == 0.1 and record["params.solver"] == "lbfgs"
    assert record["status"] == "FINISHED" and record["parent_run_id"] is None
    assert record["start_time"].endswith("+00:00")
    assert record["tags.sktrack.user"] == sktrack.get_run(record["run_id"]).tags["sktrack.user"]


def test_runs_star_means_every_experiment(cli: Cli, store_path: str) -> None:
    code, out, _ = cli("--store", store_path, "runs", "--experiment", "*", "--experiment", "other")
    assert code == 0 and _lines(out)[-1] == "2 runs"
    code, out, _ = cli("--store", store_path, "runs", "--experiment", "other")
    assert code == 0 and _lines(out)[-1] == "1 run"


def test_runs_with_no_match_says_so(cli: Cli, store_path: str) -> None:
    code, out, _ = cli("--store", store_path, "runs", "-f", "metrics.r2 > 5")
    assert (code, out) == (0, "no runs found\n")
    code, out, _ = cli("--store", store_path, "runs", "-f", "metrics.r2 > 5", "--json")
    assert (code, json.loads(out)) == (0, [])


def test_unknown_experiment_is_an_error(cli: Cli, store_path: str) -> None:
    code, out, err = cli("--store", store_path, "runs", "--experiment", "nope")
    assert (code, out) == (2, "")
    location = os.path.abspath(store_path)
    assert err == (
        f"sktrack: error: no experiment named 'nope' in store {location}; "
        "existing: 'tuning', 'other'; list them with `sktrack experiments`\n"
    )


def test_malformed_filter_is_an_error_pointing_at_the_token(cli: Cli, store_path: str) -> None:
    code, out, err = cli("--store", store_path, "runs", "-f", "metrics.r2 >")
    assert (code, out) == (2, "")
    assert err.startswith("sktrack: error: expected a value, got 'the end' at position 12")
    assert "  metrics.r2 >\n              ^\n" in err
    assert "Traceback" not in err


def test_unknown_column_is_an_error(cli: Cli, store_path: str) -> None:
    code, _, err = cli("--store", store_path, "runs", "--columns", "run_name,metrics.r3")
    assert code == 2
    assert err.startswith("sktrack: error: no column 'metrics.r3' among the runs found. Columns")


def test_bad_arguments_are_usage_errors(cli: Cli, store_path: str) -> None:
    code, out, err = cli("--store", store_path, "runs", "--max-results", "many")
    assert (code, out) == (2, "")
    assert "argument --max-results: invalid int value: 'many'" in err
    code, _, err = cli("--store", store_path, "runs", "--max-results", "-1")
    assert code == 2
    assert err == (
        "sktrack: error: --max-results -1: pass a whole number >= 0 (how many runs to list)\n"
    )
    code, _, err = cli()
    assert code == 2 and "the following arguments are required: COMMAND" in err


def test_help_exits_zero(cli: Cli) -> None:
    code, out, _ = cli("--help")
    assert code == 0
    for command in ("runs", "run", "models", "compact", "doctor", "ui", "demo"):
        assert command in out


def test_store_comes_from_option_either_place_or_environment(
    cli, store_path: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = cli("runs", "--store", store_path)
    assert code == 0 and _lines(out)[-1] == "2 runs"
    monkeypatch.setenv("SKTRACK_STORE", store_path)
    code, out, _ = cli("runs")
    assert code == 0 and _lines(out)[-1] == "2 runs"
    monkeypatch.delenv("SKTRACK_STORE")
    code, _, err = cli("runs")  # ./sktrack-store, in tmp_path (the test's working directory)
    assert code == 2
    assert err == (
        f"sktrack: error: no sktrack store at {tmp_path / 'sktrack-store'}; pass --store PATH "
        "or set $SKTRACK_STORE (`sktrack demo` makes one)\n"
    )


def test_a_command_leaves_the_callers_store_alone(
    cli: Cli, store_path: str, tmp_path: Path
) -> None:
    mine = sktrack.set_store(tmp_path / "mine")
    sktrack.set_experiment("mine")
    assert cli("--store", store_path, "runs")[0] == 0
    assert sktrack.get_store() is mine
    assert sktrack._tracking.current_experiment_name() == "mine"


def test_control_characters_in_names_are_shown_escaped(cli: Cli, tmp_path: Path) -> None:
    sktrack.set_store(tmp_path / "s")
    with sktrack.start_run(run_name="red\x1b[31malert"):
        pass
    code, out, _ = cli("--store", str(tmp_path / "s"), "runs", "--columns", "run_name")
    assert code == 0
    assert _lines(out) == ["run_name", "red\\x1b[31malert", "1 run"]


# -- run show --------------------------------------------------------------------------------


def test_run_show_prints_info_params_metrics_tags_and_children(cli: Cli, store_path: str) -> None:
    run_id = _run_id(store_path, "search")
    code, out, _ = cli("--store", store_path, "run", "show", run_id)
    assert code == 0
    assert out.startswith(f"Run {run_id}  search\n\n  experiment  tuning\n  status      FINISHED\n")
    assert "\nParams (2)\n  alpha   0.1\n  solver  lbfgs\n" in out
    assert "\nMetrics (2)\n  r2    0.5\n  rmse  53.123\n" in out
    assert "\nTags (" in out and "  sktrack.python_version " in out
    assert "\nArtifacts (0)\n  -\n" in out
    children = out.split("\nChildren (3, best first)\n")[1].split("\n\n")[0].splitlines()
    assert children[0].split() == ["rank", "run_id", "run_name", "status", "metrics.r2"]
    assert sorted(line.split()[2] for line in children[1:]) == ["child-0", "child-1", "child-2"]
    assert [line.split()[0] for line in children[1:]] == ["1", "2", "3"]


def test_run_show_json(cli: Cli, store_path: str) -> None:
    run_id = _run_id(store_path, "search")
    code, out, _ = cli("--store", store_path, "run", "show", run_id, "--json")
    data = json.loads(out)
    assert code == 0
    assert data["info"]["run_id"] == run_id and data["info"]["run_name"] == "search"
    assert data["info"]["experiment"] == "tuning" and data["info"]["status"] == "FINISHED"
    assert data["info"]["pid"] == os.getpid()
    assert data["params"] == {"alpha": 0.1, "solver": "lbfgs"}
    assert data["metrics"] == {"r2": 0.5, "rmse": 53.12345}
    assert len(data["children"]) == 3 and data["artifacts"] == [] and data["models"] == []


def test_run_show_offers_a_snippet_to_load_the_model(cli: Cli, tmp_path: Path) -> None:
    sktrack.set_store(tmp_path / "s")
    with sktrack.start_run(run_name="fitted") as run:
        sktrack.log_model(LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0]))
    code, out, _ = cli("--store", str(tmp_path / "s"), "run", "show", run.run_id)
    assert code == 0
    assert "\nArtifacts (3)\n  model/MLmodel\n  model/model.json\n  model/model.skops\n" in out
    assert out.endswith(
        f'Load the model\n  import sktrack\n  sktrack.load_model("runs:/{run.run_id}/model")\n'
    )
    code, out, _ = cli("--store", str(tmp_path / "s"), "run", "show", run.run_id, "--json")
    assert json.loads(out)["models"] == [f"runs:/{run.run_id}/model"]


def test_run_show_unknown_id_is_an_error(cli: Cli, store_path: str) -> None:
    code, out, err = cli("--store", store_path, "run", "show", "nope00")
    assert (code, out) == (2, "")
    assert err == (
        "sktrack: error: no run with id 'nope00' in this store; list runs with "
        "`sktrack runs --all`, or check --store\n"
    )
    code, out, err = cli("--store", store_path, "run", "show", "nope")
    assert (code, out) == (2, "")
    assert err == (
        "sktrack: error: run id 'nope' is too short: type at least 6 characters of the id "
        "(a unique prefix), or the whole id\n"
    )


# -- models ----------------------------------------------------------------------------------


@pytest.fixture
def registry_path(tmp_path: Path) -> str:
    """A store where "prices" has two versions, neither staged."""
    path = str(tmp_path / "reg")
    sktrack.set_store(path)
    for i in range(2):
        with sktrack.start_run(run_name=f"fit-{i}"):
            info = sktrack.log_model(LinearRegression().fit([[0.0], [1.0]], [0.0, i + 1.0]))
        sktrack.registry.register_model(info.model_uri, "prices", description=f"fit {i}")
    return path


def test_models_lists_registered_models(cli: Cli, registry_path: str) -> None:
    code, out, _ = cli("--store", registry_path, "models")
    lines = _lines(out)
    assert code == 0
    assert lines[0].split() == [
        "name", "latest", "staging", "production", "aliases", "updated", "description"
    ]  # fmt: skip
    assert lines[1].split()[:2] == ["prices", "2"]
    code, out, _ = cli("--store", registry_path, "models", "--json")
    (model,) = json.loads(out)
    assert model["name"] == "prices" and [v["version"] for v in model["latest_versions"]] == [2]


def test_models_on_an_empty_registry(cli: Cli, store_path: str) -> None:
    code, out, _ = cli("--store", store_path, "models")
    assert (code, out) == (
        0,
        "no registered models; register one with `sktrack models register RUN_ID NAME`\n",
    )
    assert json.loads(cli("--store", store_path, "models", "--json")[1]) == []


def test_models_transition_with_archive_existing_and_show(cli: Cli, registry_path: str) -> None:
    code, out, _ = cli("--store", registry_path, "models", "transition", "prices", "1", "staging")
    assert (code, out) == (0, "prices version 1: None -> Staging\n")
    code, out, _ = cli(
        "--store", registry_path, "models", "transition", "prices", "2", "Staging",
        "--archive-existing",
    )  # fmt: skip
    assert (code, out) == (0, "prices version 2: None -> Staging; archived version 1\n")
    code, out, _ = cli("--store", registry_path, "models", "show", "prices")
    lines = _lines(out)
    assert code == 0 and lines[0] == "Model prices"
    table = lines[lines.index("") + 1 :]
    assert table[0].split() == ["version", "stage", "aliases", "run_id", "created", "description"]
    assert [row.split()[:2] for row in table[1:]] == [["1", "Archived"], ["2", "Staging"]]
    code, out, _ = cli("--store", registry_path, "models", "show", "prices", "--json")
    data = json.loads(out)
    assert [(v["version"], v["stage"]) for v in data["versions"]] == [
        (1, "Archived"),
        (2, "Staging"),
    ]
    assert data["versions"][0]["description"] == "fit 0"
    assert data["versions"][0]["source"] == f"runs:/{data['versions'][0]['run_id']}/model"


def test_models_errors(cli: Cli, registry_path: str) -> None:
    code, _, err = cli("--store", registry_path, "models", "show", "nope")
    assert code == 2 and err.startswith("sktrack: error: no registered model named 'nope'")
    code, _, err = cli("--store", registry_path, "models", "transition", "prices", "1", "Live")
    assert code == 2 and err.startswith("sktrack: error: unknown stage 'Live'")
    code, _, err = cli("--store", registry_path, "models", "transition", "prices", "9", "Staging")
    assert code == 2 and err.startswith("sktrack: error: ")
    assert "Traceback" not in err


# -- compact and doctor ----------------------------------------------------------------------


def test_compact_folds_segments_and_keeps_every_run(cli: Cli, store_path: str) -> None:
    before = json.loads(cli("--store", store_path, "runs", "--json")[1])
    code, out, _ = cli("--store", store_path, "compact")
    location = os.path.abspath(store_path)
    assert code == 0
    assert out.startswith(f"{location}: folded 7 closed segments; wrote ")
    assert json.loads(cli("--store", store_path, "runs", "--json")[1]) == before
    assert cli("--store", store_path, "compact")[1] == f"{location}: nothing to compact\n"


def test_doctor_on_a_healthy_store(cli: Cli, store_path: str) -> None:
    code, out, _ = cli("--store", store_path, "doctor")
    location = os.path.abspath(store_path)
    assert (code, out) == (0, f"{location}: no problems found (0 runs still RUNNING)\n")
    code, out, _ = cli("--store", store_path, "doctor", "--json")
    assert code == 0
    assert json.loads(out) == {
        "store": location,
        "ok": True,
        "problems": [],
        "damaged_files": [],
        "dead_runs": [],
        "open_runs": [],
        "model_problems": [],
        "orphaned_copies": [],
        "repairs": [],
    }


def _damage_a_runs_file(path: str) -> str:
    """Compact, then cut a runs file in half; returns its store-relative path."""
    compact(sktrack.set_store(path).fs, full=True)
    (victim,) = sorted((Path(path) / "tables" / "runs").glob("*.parquet"))
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])
    return victim.relative_to(path).as_posix()


def test_doctor_names_damaged_files_and_exits_1(cli: Cli, store_path: str) -> None:
    damaged = _damage_a_runs_file(store_path)
    code, out, _ = cli("--store", store_path, "doctor")
    assert code == 1
    assert f"\n  damaged file: {damaged} (cannot be read (" in out
    assert out.endswith(
        "Damaged files are skipped when reading; `sktrack doctor --repair` moves them into "
        "quarantine/ of the store and rebuilds what it can.\n"
    )
    code, out, _ = cli("--store", store_path, "doctor", "--json")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False and data["damaged_files"] == [damaged]


def test_runs_warns_about_a_damaged_file_and_goes_on(cli: Cli, store_path: str) -> None:
    damaged = _damage_a_runs_file(store_path)
    sktrack.set_store(store_path)
    code, out, err = cli("--store", store_path, "runs")
    assert code == 0 and out == "no runs found\n"
    assert err.startswith("sktrack: warning: ") and damaged in err


def test_doctor_names_a_run_whose_process_died(cli: Cli, tmp_path: Path) -> None:
    path = str(tmp_path / "s")
    script = (
        "import os, sktrack; sktrack.set_store(os.environ['S']); "
        "run = sktrack.start_run(run_name='doomed'); print(run.run_id, os.getpid(), flush=True); "
        "os._exit(0)"  # no atexit: the run stays RUNNING
    )
    child = subprocess.run(
        [sys.executable, "-c", script], env={**os.environ, "S": path},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    run_id, pid = child.stdout.split()
    code, out, _ = cli("--store", path, "doctor")
    assert code == 1
    assert f"  run {run_id} (doomed) is RUNNING but its process {pid} on " in out
    assert out.endswith('mark it with sktrack.get_run(RUN_ID).end("KILLED").\n')
    data = json.loads(cli("--store", path, "doctor", "--json")[1])
    assert [(d["run_id"], d["run_name"], d["pid"]) for d in data["dead_runs"]] == [
        (run_id, "doomed", int(pid))
    ]
    assert data["open_runs"] == [run_id]


# -- ui --------------------------------------------------------------------------------------


def test_ui_without_its_packages_says_what_to_install(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for present in ("starlette", "jinja2"):  # the extra installed but for uvicorn
        pytest.importorskip(present)
    monkeypatch.setitem(sys.modules, "uvicorn", None)  # what an import of a missing package does
    code, out, err = cli("--store", str(tmp_path / "s"), "ui")
    assert (code, out) == (2, "")
    assert err == (
        "sktrack: error: the web UI needs uvicorn, which is not installed: "
        "pip install 'sktrack[ui]'\n"
    )


def test_ui_serves_the_store_until_stopped(tmp_path: Path, store_path: str) -> None:
    import socket

    httpx = pytest.importorskip("httpx")
    for needed in ("starlette", "uvicorn", "jinja2"):  # the ui extra
        pytest.importorskip(needed)
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "sktrack", "ui", "--store", store_path, "--port", str(port)]
    with subprocess.Popen(command, stderr=subprocess.PIPE, text=True) as server:
        try:
            assert server.stderr is not None
            lines: list[str] = []
            while not lines or "Uvicorn running on" not in lines[-1]:
                line = server.stderr.readline()
                assert line, "".join(lines)  # the server ended before it listened
                lines.append(line)
            page = httpx.get(f"http://127.0.0.1:{port}/")
            assert page.status_code == 200 and "tuning" in page.text
        finally:
            server.terminate()


# -- python -m sktrack and the table helpers -------------------------------------------------


def test_python_dash_m_runs_the_command(store_path: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "sktrack", "--store", store_path, "runs", "--columns", "run_name"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and done.stdout.endswith("2 runs\n")
    done = subprocess.run(
        [sys.executable, "-m", "sktrack", "--store", store_path, "run", "show", "nope00"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2 and done.stderr.startswith("sktrack: error: no run with id")


def test_format_table_aligns_numbers_right_and_cuts_long_text() -> None:
    table = format_table(["name", "r2", "note"], [["lr", 0.45, "x" * 50], ["tree", 0.312345, None]])
    assert table.split("\n") == [
        "name       r2  note",
        "lr       0.45  " + "x" * 39 + "…",
        "tree  0.31234  -",
    ]


def test_runs_table_counts_and_shows_missing_values_as_a_dash() -> None:
    frame = pd.DataFrame({"run_name": ["a", "b"], "metrics.r2": [0.5, float("nan")]})
    assert runs_table(frame, ["run_name", "metrics.r2"]).split("\n") == [
        "run_name  metrics.r2",
        "a                0.5",
        "b                  -",
        "2 runs",
    ]


def test_every_command_in_the_docs_parses() -> None:
    import re
    import shlex

    from sktrack._cli import build_parser

    doc = (Path(__file__).parent.parent / "docs" / "cli.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```(?:bash|text)\n(.*?)```", doc, flags=re.DOTALL)
    commands = [
        line.removeprefix("$ ").split("  #")[0]
        for block in blocks
        for line in block.splitlines()
        if line.removeprefix("$ ").startswith("sktrack ")
    ]
    assert len(commands) >= 6
    for command in commands:
        args = build_parser().parse_args(shlex.split(command)[1:])
        assert callable(args.handler)
