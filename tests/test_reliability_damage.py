"""Damage of every file kind the store writes: each is skipped by readers (costing only what
it held, with a `DamagedFileWarning` naming it), found by `sktrack doctor`, and set aside by
`sktrack doctor --repair`, after which the store reads without a warning."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import sktrack
from sktrack import registry
from sktrack._cli import main
from sktrack._models import run_doctor
from sktrack._store import LocalFileSystem, Store
from sktrack.exceptions import DamagedFileWarning

Damage = Callable[[Path], None]
PATH = os.pathsep.join(
    p for p in (str(Path(__file__).parents[1]), os.environ.get("PYTHONPATH")) if p
)


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: max(1, path.stat().st_size // 2)])


def _random(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 3)


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _edit_json(change: Callable[[dict], None]) -> Damage:
    def damage(path: Path) -> None:
        doc = json.loads(path.read_bytes())
        change(doc)
        path.write_text(json.dumps(doc))

    return damage


def _parquet(change: Callable[[pa.Table], pa.Table]) -> Damage:
    def damage(path: Path) -> None:
        table = pq.read_table(path)
        sink = io.BytesIO()
        pq.write_table(change(table), sink)
        path.write_bytes(sink.getvalue())

    return damage


def _newer_schema(table: pa.Table) -> pa.Table:
    meta = dict(table.schema.metadata)
    meta[b"sktrack.schema_version"] = b"99"
    return table.replace_schema_metadata(meta)


def _missing_column(table: pa.Table) -> pa.Table:
    return table.drop_columns(["status"]).replace_schema_metadata(table.schema.metadata)


def _wrong_types(table: pa.Table) -> pa.Table:
    return pa.table({"x": [1, 2]}).replace_schema_metadata(table.schema.metadata)


def _segment_lines(*lines: str) -> Damage:
    def damage(path: Path) -> None:
        with open(path, "ab") as f:
            f.write("".join(line + "\n" for line in lines).encode())

    return damage


def _segment_newer(path: Path) -> None:
    lines = path.read_bytes().splitlines(keepends=True)
    head = json.loads(lines[0])
    head[1] = 99
    path.write_bytes(json.dumps(head).encode() + b"\n" + b"".join(lines[1:]))


def _segment_cut_line(path: Path) -> None:
    data = path.read_bytes()
    lines = data.splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:2]) + lines[2][:7] + b"".join(lines[2:]))


# -- the store every case damages --------------------------------------------------------------


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two compacted runs, a registered model with two versions and events, then a run in a
    segment of its own and a late experiment (also in a segment)."""
    from sklearn.linear_model import LinearRegression

    from sktrack._tracking import _fluent

    root = tmp_path_factory.mktemp("damage") / "store"
    _fluent._reset()
    try:
        sktrack.set_store(root)
        sktrack.set_experiment("kept")
        for name in ("a", "b"):
            with sktrack.start_run(run_name=name):
                sktrack.log_params({"alpha": 0.5})
                sktrack.log_metric("r2", 0.9)
                info = sktrack.log_model(LinearRegression().fit([[0], [1]], [0, 1]))
        for _ in range(2):
            registry.register_model(info.model_uri, "prices")
        registry.transition_stage("prices", 1, "Staging")
        registry.set_alias("prices", "champion", 2)
        sktrack.compact()
    finally:
        _fluent._reset()
    # logged by a process that has ended since, as the segments a doctor repairs are
    script = (
        "import sktrack\n"
        f"sktrack.set_store({str(root)!r}); sktrack.set_experiment('late')\n"
        "with sktrack.start_run(run_name='c'):\n"
        "    sktrack.log_metric('r2', 0.7); sktrack.set_tag('team', 'x')\n"
    )
    subprocess.run(
        [sys.executable, "-c", script], check=True, env={**os.environ, "PYTHONPATH": PATH}
    )
    return root


@pytest.fixture
def copy(template: Path, tmp_path: Path) -> Path:
    target = tmp_path / "store"
    shutil.copytree(template, target)
    return target


def _one(root: Path, pattern: str) -> Path:
    matches = sorted(root.glob(pattern))
    assert matches, pattern
    return matches[-1]


def _run_segment(root: Path) -> Path:
    return (
        _one(root, "wal/*.jsonl")
        if not list(root.glob("wal/*.experiments.jsonl"))
        else next(
            p for p in sorted(root.glob("wal/*.jsonl")) if not p.name.endswith(".experiments.jsonl")
        )
    )


TARGETS: dict[str, Callable[[Path], Path]] = {
    "segment": _run_segment,
    "experiments-segment": lambda root: _one(root, "wal/*.experiments.jsonl"),
    "runs-table": lambda root: _one(root, "tables/runs/*.parquet"),
    "metrics-table": lambda root: _one(root, "tables/metrics/*.parquet"),
    "version-file": lambda root: _one(root, "registry/models/prices/versions/0000000001.json"),
    "event-file": lambda root: _one(root, "registry/models/prices/events/*.json"),
    "model-json": lambda root: _one(root, "artifacts/*/model/model.json"),
    "copy-model-json": lambda root: _one(root, "registry/models/prices/copies/*/model.json"),
    "model-file": lambda root: _one(root, "artifacts/*/model/model.skops"),
}

CASES: list[tuple[str, str, Damage]] = [
    ("segment", "truncated", _truncate),
    ("segment", "cut-line", _segment_cut_line),
    ("segment", "random-bytes", _random),
    ("segment", "empty", _empty),
    ("segment", "wrong-shape", _segment_lines('["m","loss","high",1,2]', '{"a": 1}', '["r"]')),
    ("segment", "wrong-status", _segment_lines('["r","x","e","n","BOGUS",1,2,null,"","",1,3]')),
    ("segment", "newer-format", _segment_newer),
    ("experiments-segment", "empty", _empty),
    ("experiments-segment", "wrong-shape", _segment_lines('["e", 5]')),
    ("runs-table", "truncated", _truncate),
    ("runs-table", "random-bytes", _random),
    ("runs-table", "empty", _empty),
    ("runs-table", "wrong-columns", _parquet(_wrong_types)),
    ("runs-table", "newer-schema", _parquet(_newer_schema)),
    ("runs-table", "missing-column", _parquet(_missing_column)),
    ("metrics-table", "truncated", _truncate),
    ("metrics-table", "newer-schema", _parquet(_newer_schema)),
    ("version-file", "truncated", _truncate),
    ("version-file", "random-bytes", _random),
    ("version-file", "empty", _empty),
    ("version-file", "version-as-text", _edit_json(lambda d: d.update(version="1"))),
    ("version-file", "newer-format", _edit_json(lambda d: d.update(format_version=99))),
    ("event-file", "truncated", _truncate),
    ("event-file", "random-bytes", _random),
    ("event-file", "empty", _empty),
    ("event-file", "unknown-stage", _edit_json(lambda d: d.update(kind="stage", stage="Prod"))),
    ("event-file", "newer-format", _edit_json(lambda d: d.update(format_version=99))),
    ("model-json", "truncated", _truncate),
    ("model-json", "random-bytes", _random),
    ("model-json", "empty", _empty),
    ("model-json", "no-sha256", _edit_json(lambda d: d.pop("sha256"))),
    ("model-json", "newer-format", _edit_json(lambda d: d.update(format_version=99))),
    ("copy-model-json", "no-sha256", _edit_json(lambda d: d.pop("sha256"))),
    ("model-file", "random-bytes", _random),
]


def _fresh(root: Path) -> Store:
    return sktrack.set_store(Store(LocalFileSystem(root)))


def _read_everything(root: Path) -> dict[str, object]:
    """What a user sees: runs, and the registry's versions."""
    store = _fresh(root)
    runs = sktrack.search_runs(experiment_names="*")
    versions = registry.list_model_versions("prices")
    return {"store": store, "runs": set(runs["run_name"]), "versions": len(versions)}


@pytest.mark.parametrize(("target", "how", "damage"), CASES, ids=[f"{t}-{h}" for t, h, _ in CASES])
def test_damage_is_skipped_found_and_repaired(copy: Path, target: str, how: str, damage: Damage):
    victim = TARGETS[target](copy)
    relative = victim.relative_to(copy).as_posix()
    damage(victim)

    # readers skip exactly the damage, and name it
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        seen = _read_everything(copy)
    named = [w for w in caught if issubclass(w.category, DamagedFileWarning)]
    if target.startswith(("model", "copy")):
        assert not named  # model files are checked when a model is loaded, not when listing
    else:
        assert named and all(relative in str(w.message) for w in named), [
            str(w.message) for w in caught
        ]
    # everything the damaged file did not hold is still there
    assert ({"c"} if target == "runs-table" else {"a", "b"}) <= seen["runs"]
    assert seen["versions"] >= (1 if target == "version-file" else 2)

    # the doctor finds it, and never raises
    report = run_doctor(_fresh(copy))
    assert not report.ok
    assert relative in report.damaged_files or any(
        relative.rsplit("/", 1)[0] in p for p in report.model_problems
    ), report.problems

    # the repair sets it aside (nothing deleted), and the store then reads without a warning
    repaired = run_doctor(_fresh(copy), repair=True)
    assert any(relative in line for line in repaired.repairs), repaired.repairs
    assert (copy / "quarantine" / relative).exists()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        after = _read_everything(copy)
        final = run_doctor(_fresh(copy))
    assert not final.damaged_files, final.problems
    assert after["runs"] >= seen["runs"] - {None}


def test_a_damaged_segment_line_costs_only_that_line(copy: Path) -> None:
    segment = _run_segment(copy)
    _segment_lines('["m","r2","high",1,2]', '["m","loss",0.25,3,4]')(segment)
    with pytest.warns(DamagedFileWarning, match=r"has 1 metrics record\(s\) of the wrong shape"):
        _fresh(copy)
        (run,) = sktrack.search_runs(experiment_names="late").itertuples()
        got = sktrack.get_run(run.run_id)
    assert got.metrics == {"r2": 0.7, "loss": 0.25} and got.tags["team"] == "x"


def test_one_bad_event_costs_only_itself(copy: Path) -> None:
    events = sorted((copy / "registry/models/prices/events").glob("*.json"))
    _edit_json(lambda d: d.update(stage="Prod"))(events[0])  # the transition to Staging
    with pytest.warns(DamagedFileWarning, match=events[0].name):
        _fresh(copy)
        mv = registry.get_model_version_by_alias("prices", "champion")
        assert mv.version == 2 and registry.get_model_version("prices", 1).stage == "None"


def test_a_repaired_version_number_is_never_given_again(copy: Path) -> None:
    version = copy / "registry/models/prices/versions/0000000002.json"
    _truncate(version)
    run_doctor(_fresh(copy), repair=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _fresh(copy)
        assert [mv.version for mv in registry.list_model_versions("prices")] == [1]
        run_id = sktrack.search_runs(
            experiment_names="*", filter_string="attributes.run_name = 'a'"
        ).run_id.iloc[0]
        assert registry.register_model(f"runs:/{run_id}/model", "prices").version == 3


def test_an_orphaned_copy_is_found_and_set_aside(copy: Path) -> None:
    orphan = copy / "registry/models/prices/copies/orphan"
    orphan.mkdir()
    (orphan / "model.skops").write_bytes(b"half a registration")
    old = 1_000_000_000
    os.utime(orphan / "model.skops", (old, old))
    report = run_doctor(_fresh(copy))
    assert report.orphaned_copies == ["registry/models/prices/copies/orphan"]
    repaired = run_doctor(_fresh(copy), repair=True)
    assert repaired.ok, repaired.problems
    assert (copy / "quarantine/registry/models/prices/copies/orphan/model.skops").exists()


def test_doctor_repair_on_the_command_line_reports_each_move(copy: Path, capsys) -> None:
    victim = TARGETS["runs-table"](copy)
    _random(victim)
    relative = victim.relative_to(copy).as_posix()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DamagedFileWarning)
        code = main(["--store", str(copy), "doctor", "--repair"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"repaired: moved {relative} to quarantine/{relative}\n" in out
    assert out.endswith("no problems found (0 runs still RUNNING)\n")
