"""Tests for sktrack._query: the filter grammar, its evaluation, and order_by.

Every filter is checked against a plain-pandas evaluation of the same synthetic runs, written
by hand per case on a wide DataFrame, so the reference never shares code with the evaluator.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sktrack._query import (
    And,
    Comparison,
    Not,
    Or,
    OrderKey,
    RunTables,
    evaluate_filter,
    parse_filter,
    parse_order_by,
    sort_indices,
)
from sktrack.exceptions import FilterSyntaxError

BASE = 1_700_000_000_000
N_RUNS = 30
MISSING = object()  # a key the run never logged

# ----------------------------------------------------------------------------------------------
# Synthetic runs: one source of truth, turned into RunTables and, separately, a wide DataFrame.


def _run_attributes(i: int) -> dict[str, Any]:
    status = "RUNNING" if i % 10 == 9 else "FAILED" if i % 7 == 3 else "FINISHED"
    start = BASE + (i // 2) * 1000  # pairs of runs share a start time: ties for order_by
    parent = "r10" if 11 <= i <= 15 else "r20" if 21 <= i <= 24 else None
    return {
        "run_id": f"r{i:02d}",
        "run_name": ["baseline", "grid-en", "grid-dt", "grid-ridge"][i % 4] + f"-{i}",
        "experiment": "exp-a" if i < 18 else "exp-b",
        "experiment_id": "1" if i < 18 else "2",
        "status": status,
        "start_time": start,
        "end_time": None if status == "RUNNING" else start + 500 + 37 * i,
        "parent_run_id": parent,
    }


def _run_params(i: int) -> dict[str, Any]:
    params = {
        "alpha": [0.001, 0.01, 0.1, 1.0, 10.0, 1, 5, "auto", None, MISSING][i % 10],
        "solver": ["lbfgs", "saga", "liblinear", "it's", "LBFGS", MISSING][i % 6],
        "fit_intercept": MISSING if i % 5 == 4 else i % 3 != 0,
        "max_iter": [100, 200, 1000][i % 3],
        "estimator.alpha": (i % 8) / 4 if i % 2 == 0 else MISSING,
        "n jobs": [-1, None, 4][i % 3] if i < 20 else MISSING,
        "class_weight": [{0: 1, 1: i % 3}, "balanced", MISSING, MISSING][i % 4],
    }
    return {key: value for key, value in params.items() if value is not MISSING}


def _run_metrics(i: int) -> dict[str, float]:
    metrics: dict[str, float] = {"rank": float(i % 5 + 1)}
    if i % 9 != 8:
        metrics["r2"] = [0.75, 0.5, -0.25, 0.9, 0.1, 0.75, 0.3, -1.0, 0.6, 0.5][i % 10]
    if i == 5:
        metrics["r2"] = float("nan")
    if i % 4 != 3:
        metrics["Neg. RMSE"] = -(i % 7) * 0.5 - 1
    if i < 12:
        metrics["test_r2_score"] = 0.1 * (i % 6)
    return metrics


def _run_tags(i: int) -> dict[str, str]:
    tags = {"estimator_name": ["Ridge", "Lasso", "ElasticNet", "DecisionTreeRegressor"][i % 4]}
    if i in (2, 11, 21):
        tags["sktrack.best"] = "true"
    if i % 8 != 7:
        notes = ["Good run", "bad RUN", "100% done", "under_score", "C:\\tmp\\x", "running late"]
        tags["note"] = [*notes, "plain"][i % 7]
    return tags


RUNS = [
    {"run": _run_attributes(i), "params": _run_params(i), "metrics": _run_metrics(i)}
    | {"tags": _run_tags(i)}
    for i in range(N_RUNS)
]


def _value_type(value: object) -> str:
    if value is None:
        return "none"
    for kind in (bool, int, float, str):  # bool before int: True is an int too
        if isinstance(value, kind):
            return kind.__name__
    return "repr"


def _text_form(value: object) -> str:
    return repr(value) if _value_type(value) == "repr" else str(value)


def _long_rows(entity: str) -> list[dict[str, Any]]:
    return [
        {"run_id": run["run"]["run_id"], "key": key, "value": value}
        for run in RUNS
        for key, value in run[entity].items()
    ]


def _build_tables() -> RunTables:
    runs = pa.Table.from_pylist(
        [run["run"] for run in RUNS],
        schema=pa.schema(
            [(name, pa.string()) for name in ("run_id", "run_name", "experiment")]
            + [("experiment_id", pa.string()), ("status", pa.string())]
            + [("start_time", pa.int64()), ("end_time", pa.int64())]
            + [("parent_run_id", pa.string())]
        ),
    )
    params = _long_rows("params")
    for row in params:
        value = row["value"]
        row["value_type"] = _value_type(value)
        row["value_num"] = float(value) if row["value_type"] in ("int", "float") else None
        row["value"] = _text_form(value)
    long_schema = [("run_id", pa.string()), ("key", pa.string())]
    param_schema = [
        ("value", pa.string()),
        ("value_type", pa.string()),
        ("value_num", pa.float64()),
    ]
    return RunTables(
        runs=runs,
        params=pa.Table.from_pylist(params, schema=pa.schema([*long_schema, *param_schema])),
        metrics=pa.Table.from_pylist(
            _long_rows("metrics"), schema=pa.schema([*long_schema, ("value", pa.float64())])
        ),
        tags=pa.Table.from_pylist(
            _long_rows("tags"), schema=pa.schema([*long_schema, ("value", pa.string())])
        ),
    )


def _build_frame() -> pd.DataFrame:
    """One row per run; ``has:<column>`` says whether the run logged that key at all."""
    rows = []
    for run in RUNS:
        row: dict[str, Any] = dict(run["run"])
        for key, value in run["params"].items():
            row[f"params.{key}"] = _text_form(value)
            numeric = _value_type(value) in ("int", "float")
            row[f"params_num.{key}"] = float(value) if numeric else float("nan")
        row |= {f"metrics.{key}": value for key, value in run["metrics"].items()}
        row |= {f"tags.{key}": value for key, value in run["tags"].items()}
        rows.append(row)
    frame = pd.DataFrame(rows)
    for column in list(frame.columns):
        if column.startswith(("params.", "metrics.", "tags.")):
            frame[f"has:{column}"] = [column in row for row in rows]
        if column.startswith("params_num."):
            frame[column] = frame[column].astype(float)
    return frame


@functools.cache
def tables() -> RunTables:
    return _build_tables()


@functools.cache
def frame() -> pd.DataFrame:
    return _build_frame()


def like(series: pd.Series, pattern: str, ignore_case: bool = False) -> pd.Series:
    """SQL LIKE, written with Python's re: % is any text, _ one character, no escapes."""
    regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
    flags = re.DOTALL | (re.IGNORECASE if ignore_case else 0)
    return series.map(lambda v: isinstance(v, str) and re.fullmatch(regex, v, flags) is not None)


def selected(mask: pa.Array) -> list[str]:
    return tables().runs.column("run_id").filter(mask).to_pylist()


# ----------------------------------------------------------------------------------------------
# Filters against pandas

T10 = BASE + 10_000  # runs 20.. start at or after this
Frame = pd.DataFrame
CASES: list[tuple[str, Callable[[Frame], pd.Series]]] = [
    # metrics
    ("metrics.r2 > 0.5", lambda d: d["metrics.r2"] > 0.5),
    ("metrics.r2 >= 0.5", lambda d: d["metrics.r2"] >= 0.5),
    ("metrics.r2 < 0", lambda d: d["metrics.r2"] < 0),
    ("metrics.r2 <= 0.3", lambda d: d["metrics.r2"] <= 0.3),
    ("metrics.r2 = 0.75", lambda d: d["metrics.r2"] == 0.75),
    ("metrics.r2 != 0.75", lambda d: d["has:metrics.r2"] & (d["metrics.r2"] != 0.75)),
    ("metrics.r2 IN (0.75, 0.5, -1)", lambda d: d["metrics.r2"].isin([0.75, 0.5, -1])),
    (
        "metrics.r2 not in (0.75, 0.5)",
        lambda d: d["has:metrics.r2"] & ~d["metrics.r2"].isin([0.75, 0.5]),
    ),
    ("metrics.`Neg. RMSE` > -2.5", lambda d: d["metrics.Neg. RMSE"] > -2.5),
    ('metrics."Neg. RMSE" <= -1e0', lambda d: d["metrics.Neg. RMSE"] <= -1),
    ("METRICS.r2 > .5", lambda d: d["metrics.r2"] > 0.5),
    ("metric.rank = 1", lambda d: d["metrics.rank"] == 1),
    ("metrics.test_r2_score >= 0.3", lambda d: d["metrics.test_r2_score"] >= 0.3 - 1e-9),
    ("metrics.no_such_metric > 0", lambda d: d["run_id"] == ""),
    # params, numerically
    ("params.alpha = 0.1", lambda d: d["params_num.alpha"] == 0.1),
    ("params.alpha > 0.05", lambda d: d["params_num.alpha"] > 0.05),
    ("params.alpha <= 1", lambda d: d["params_num.alpha"] <= 1),
    ("params.alpha = 1e1", lambda d: d["params_num.alpha"] == 10),
    (
        "params.alpha != 0.1",
        lambda d: d["params_num.alpha"].notna() & (d["params_num.alpha"] != 0.1),
    ),
    ("params.alpha IN (0.1, 1, 10)", lambda d: d["params_num.alpha"].isin([0.1, 1, 10])),
    (
        "params.alpha NOT IN (0.1, 1)",
        lambda d: d["params_num.alpha"].notna() & ~d["params_num.alpha"].isin([0.1, 1]),
    ),
    ("params.max_iter >= 200", lambda d: d["params_num.max_iter"] >= 200),
    ("params.estimator.alpha < 0.5", lambda d: d["params_num.estimator.alpha"] < 0.5),
    ('params."n jobs" = -1', lambda d: d["params_num.n jobs"] == -1),
    ("params.fit_intercept = 1", lambda d: d["params_num.fit_intercept"] == 1),
    # params, as text
    ("params.alpha = '0.1'", lambda d: d["params.alpha"] == "0.1"),
    ("params.alpha != '0.1'", lambda d: d["has:params.alpha"] & (d["params.alpha"] != "0.1")),
    ("params.solver = 'lbfgs'", lambda d: d["params.solver"] == "lbfgs"),
    (
        "params.solver != 'lbfgs'",
        lambda d: d["has:params.solver"] & (d["params.solver"] != "lbfgs"),
    ),
    ("params.solver LIKE 'lib%'", lambda d: like(d["params.solver"], "lib%")),
    ("params.solver ILIKE 'L%S'", lambda d: like(d["params.solver"], "L%S", ignore_case=True)),
    ("params.solver = 'it''s'", lambda d: d["params.solver"] == "it's"),
    ("params.solver IN ('saga', \"it's\")", lambda d: d["params.solver"].isin(["saga", "it's"])),
    (
        "params.solver NOT IN ('saga', 'lbfgs')",
        lambda d: d["has:params.solver"] & ~d["params.solver"].isin(["saga", "lbfgs"]),
    ),
    ("params.fit_intercept = 'True'", lambda d: d["params.fit_intercept"] == "True"),
    ("params.`n jobs` = 'None'", lambda d: d["params.n jobs"] == "None"),
    ("parameters.class_weight LIKE '{%'", lambda d: like(d["params.class_weight"], "{%")),
    ("param.alpha = 'auto'", lambda d: d["params.alpha"] == "auto"),
    # tags
    ("tags.estimator_name = 'Ridge'", lambda d: d["tags.estimator_name"] == "Ridge"),
    ("tags.estimator_name != 'Ridge'", lambda d: d["tags.estimator_name"] != "Ridge"),
    ("tags.note LIKE '%run%'", lambda d: like(d["tags.note"], "%run%")),
    ("tags.note ILIKE '%RUN%'", lambda d: like(d["tags.note"], "%RUN%", ignore_case=True)),
    ("tags.note NOT LIKE '%run%'", lambda d: d["has:tags.note"] & ~like(d["tags.note"], "%run%")),
    ("tags.note LIKE 'under_score'", lambda d: like(d["tags.note"], "under_score")),
    ("tags.note LIKE '100_%'", lambda d: like(d["tags.note"], "100_%")),
    ("tags.note = '100% done'", lambda d: d["tags.note"] == "100% done"),
    ("tags.note LIKE 'C:\\%'", lambda d: like(d["tags.note"], "C:\\%")),
    ("tag.sktrack.best = 'true'", lambda d: d["tags.sktrack.best"] == "true"),
    (
        "tags.estimator_name IN ('Lasso', 'ElasticNet')",
        lambda d: d["tags.estimator_name"].isin(["Lasso", "ElasticNet"]),
    ),
    # attributes
    ("attributes.status = 'FINISHED'", lambda d: d["status"] == "FINISHED"),
    ("attributes.status != 'FINISHED'", lambda d: d["status"] != "FINISHED"),
    ("status = 'FAILED'", lambda d: d["status"] == "FAILED"),
    ("attr.run_name LIKE 'grid-%'", lambda d: d["run_name"].str.startswith("grid-")),
    ("run.experiment = 'exp-b'", lambda d: d["experiment"] == "exp-b"),
    ("attributes.experiment_id IN ('1')", lambda d: d["experiment_id"] == "1"),
    ("attributes.run_id = 'r03'", lambda d: d["run_id"] == "r03"),
    (f"attributes.start_time >= {T10}", lambda d: d["start_time"] >= T10),
    (f"attributes.created < {T10}", lambda d: d["start_time"] < T10),
    (f"attributes.end_time < {T10}", lambda d: d["end_time"] < T10),
    (
        f"attributes.end_time != {T10 + 1240}",  # the end time of r20
        lambda d: d["end_time"].notna() & (d["end_time"] != T10 + 1240),
    ),
    ("attributes.parent_run_id = 'r10'", lambda d: d["parent_run_id"] == "r10"),
    (
        "attributes.parent_run_id != 'r10'",
        lambda d: d["parent_run_id"].notna() & (d["parent_run_id"] != "r10"),
    ),
    ("attributes.parent_run_id IS NULL", lambda d: d["parent_run_id"].isna()),
    ("attributes.end_time IS NOT NULL", lambda d: d["end_time"].notna()),
    ("metrics.r2 IS NULL", lambda d: ~d["has:metrics.r2"]),
    ("params.solver is not null", lambda d: d["has:params.solver"]),
    # AND, OR, parentheses, NOT
    (
        "metrics.r2 > 0.5 OR params.solver = 'saga' AND tags.estimator_name = 'Lasso'",
        lambda d: (
            (d["metrics.r2"] > 0.5)
            | ((d["params.solver"] == "saga") & (d["tags.estimator_name"] == "Lasso"))
        ),
    ),
    (
        "(metrics.r2 > 0.5 OR params.solver = 'saga') AND tags.estimator_name = 'Lasso'",
        lambda d: (
            ((d["metrics.r2"] > 0.5) | (d["params.solver"] == "saga"))
            & (d["tags.estimator_name"] == "Lasso")
        ),
    ),
    (
        "metrics.r2 > 0 and params.alpha < 1 and attributes.status = 'FINISHED'",
        lambda d: (d["metrics.r2"] > 0) & (d["params_num.alpha"] < 1) & (d["status"] == "FINISHED"),
    ),
    ("NOT metrics.r2 > 0.5", lambda d: d["has:metrics.r2"] & ~(d["metrics.r2"] > 0.5)),
    (
        "not (params.solver = 'lbfgs' or metrics.r2 < 0)",
        lambda d: (
            d["has:params.solver"]
            & (d["params.solver"] != "lbfgs")
            & d["has:metrics.r2"]
            & ~(d["metrics.r2"] < 0)
        ),
    ),
    (
        "NOT (params.solver = 'lbfgs' AND metrics.r2 < 0)",
        lambda d: (
            (d["has:params.solver"] & (d["params.solver"] != "lbfgs"))
            | (d["has:metrics.r2"] & ~(d["metrics.r2"] < 0))
        ),
    ),
    ("NOT NOT tags.note = 'plain'", lambda d: d["tags.note"] == "plain"),
    ("NOT attributes.end_time > 0", lambda d: d["end_time"] < 0),
    (
        "((metrics.rank = 1) or (metrics.rank = 5)) and not (params.max_iter = 100)",
        lambda d: d["metrics.rank"].isin([1, 5]) & (d["params_num.max_iter"] != 100),
    ),
]


@pytest.mark.parametrize(("text", "reference"), CASES, ids=[case[0] for case in CASES])
def test_filter_matches_pandas(text: str, reference: Callable[[Frame], pd.Series]) -> None:
    d = frame()
    expected = d["run_id"][reference(d).fillna(False).astype(bool)].tolist()
    assert selected(evaluate_filter(parse_filter(text), tables())) == expected


def test_cases_are_many_and_discriminating() -> None:
    d = frame()
    counts = [int(reference(d).fillna(False).astype(bool).sum()) for _, reference in CASES]
    assert len(CASES) >= 40
    # Most cases must select some runs but not all, or they would not tell evaluators apart.
    assert sum(0 < count < N_RUNS for count in counts) >= len(CASES) - 4


def test_empty_filter_selects_every_run() -> None:
    for text in ("", "   \n\t", None):
        assert parse_filter(text) is None
    mask = evaluate_filter(None, tables())
    assert mask.type == pa.bool_() and mask.null_count == 0
    assert mask.to_pylist() == [True] * N_RUNS


def test_mask_is_a_plain_boolean_array_without_nulls() -> None:
    mask = evaluate_filter(parse_filter("NOT metrics.r2 > 0.5"), tables())
    assert isinstance(mask, pa.BooleanArray)
    assert len(mask) == N_RUNS and mask.null_count == 0


def test_chunked_and_dictionary_columns_give_the_same_result() -> None:
    plain = tables()

    def reshaped(table: pa.Table) -> pa.Table:
        half = len(table) // 2
        chunked = pa.concat_tables([table.slice(0, half), table.slice(half)])
        index = chunked.schema.get_field_index("run_id")
        return chunked.set_column(index, "run_id", pc.dictionary_encode(chunked["run_id"]))

    odd = RunTables(*(reshaped(t) for t in (plain.runs, plain.params, plain.metrics, plain.tags)))
    for text, _ in CASES:
        node = parse_filter(text)
        assert evaluate_filter(node, odd).equals(evaluate_filter(node, plain)), text


# ----------------------------------------------------------------------------------------------
# The parsed tree


def test_and_binds_tighter_than_or() -> None:
    a = Comparison("metrics", "a", ">", 1.0)
    b = Comparison("params", "b", "=", "x")
    c = Comparison("tags", "c", "LIKE", "%y")
    assert parse_filter("metrics.a > 1 or params.b = 'x' and tags.c like '%y'") == Or(
        (a, And((b, c)))
    )
    assert parse_filter("(metrics.a > 1 or params.b = 'x') and tags.c like '%y'") == And(
        (Or((a, b)), c)
    )
    assert parse_filter("not metrics.a > 1") == Not(a)


def test_literals_and_keys() -> None:
    assert parse_filter("params.x = 'it''s'") == Comparison("params", "x", "=", "it's")
    assert parse_filter('params.x = "say ""hi"""') == Comparison("params", "x", "=", 'say "hi"')
    assert parse_filter("params.x = 'a\\b'") == Comparison("params", "x", "=", "a\\b")
    assert parse_filter("metrics.x IN (-1, +2.5, 3e-2, .5, 5.)") == Comparison(
        "metrics", "x", "IN", (-1.0, 2.5, 0.03, 0.5, 5.0)
    )
    assert parse_filter("metrics.`a ``b`` c` = 1") == Comparison("metrics", "a `b` c", "=", 1.0)
    assert parse_filter("params.a-b/c:d.e = 1") == Comparison("params", "a-b/c:d.e", "=", 1.0)
    assert parse_filter("Attributes.Status = 'x'") == Comparison("attributes", "status", "=", "x")
    assert parse_filter("tags.x not ilike 'a'") == Comparison("tags", "x", "NOT ILIKE", "a")


def test_every_example_in_the_docs_parses_and_evaluates() -> None:
    doc = (Path(__file__).parent.parent / "docs" / "search.md").read_text(encoding="utf-8")
    section = doc[doc.index("### Examples") : doc.index("## order_by")]
    examples = re.findall(r"^\| (``?)(.+?)\1 \|", section, flags=re.MULTILINE)
    assert len(examples) >= 8
    for _, text in examples:
        evaluate_filter(parse_filter(text.strip()), tables())


# ----------------------------------------------------------------------------------------------
# Errors

ERRORS = [
    (
        "metrics.r2 > 'high'",
        13,
        "metrics.r2 is a number: compare it with a number, not a quoted string",
    ),
    ("metrics.r2 LIKE '%'", 11, "LIKE compares text; metrics.r2 is a number"),
    ("tags.x LIKE 5", 12, "tags.x is text: quote the value, e.g. '5'"),
    (
        "tags.x > 'a'",
        7,
        "'>' compares numbers; tags.x is text: use =, !=, LIKE, ILIKE, IN or NOT IN",
    ),
    (
        "params.alpha < 'x'",
        13,
        "'<' needs a number: params compare numerically with an unquoted number "
        "(params.alpha < 0.1), as text only with =, !=, LIKE, ILIKE, IN or NOT IN",
    ),
    ("params.x LIKE 5", 14, "LIKE needs a quoted pattern, e.g. '%5%'"),
    ("metrics.r2 > 0.5 AND", 20, "expected a key such as metrics.r2, got the end of the filter"),
    ("(metrics.r2 > 0.5", 0, "unclosed '('"),
    ("metrics.r2 > 0.5)", 16, "unmatched ')'"),
    (
        "metrics.r2 > 0.5 params.a = 1",
        17,
        "expected AND, OR or the end of the filter, got 'params.a'",
    ),
    (
        "attributes.colour = 'red'",
        11,
        "unknown attribute 'colour'; attributes are: artifact_uri, end_time, experiment, "
        "experiment_id, parent_run_id, run_id, run_name, start_time, status, user_id",
    ),
    (
        "foo.bar = 'x'",
        0,
        "unknown entity 'foo'; use metrics., params., tags., attributes. or datasets.",
    ),
    ("r2 > 1", 0, "unknown key 'r2': prefix it with metrics., params., tags. or attributes."),
    (
        "params.solver = lbfgs",
        16,
        "expected a quoted string or a number, got 'lbfgs'; quote text values: 'lbfgs'",
    ),
    ("tags.note = 'abc", 12, "unterminated string: no closing '"),
    ("metrics.`r2 > 1", 8, "unterminated quoted key: no closing `"),
    ("metrics.r2 ~ 1", 11, "unexpected character '~'"),
    ("metrics.r2 IN (1, 'a')", 18, "a list mixes numbers and quoted strings"),
    ("metrics.r2 IN ()", 15, "empty list after IN"),
    ("metrics.r2 IN (1 2)", 17, "expected ',' or ')' in the list, got '2'"),
    ("metrics.r2 IN 1", 14, "IN needs a parenthesised list, e.g. IN ('a', 'b')"),
    ("metrics.r2 = (1)", 13, "a parenthesised list is only allowed after IN or NOT IN"),
    ("metrics. > 1", 8, "missing key after 'metrics.'"),
    ("metrics.`` > 1", 8, "empty key"),
    ("metrics.r2 > 1e", 13, "malformed number '1e'"),
    ("metrics.r2 IS 5", 14, "expected NULL after IS, got '5'"),
    ("params.x = `y`", 11, "backticks quote keys; quote values with ' or \""),
    (
        "metrics.r2 0.5",
        11,
        "expected an operator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN, IS NULL), got '0.5'",
    ),
    ("()", 1, "expected a key such as metrics.r2, got ')'"),
    ("(" * 101 + "metrics.a > 1" + ")" * 101, 100, "filter nested more than 100 levels deep"),
]


@pytest.mark.parametrize(("text", "position", "problem"), ERRORS, ids=[e[0] for e in ERRORS])
def test_malformed_filter_points_at_the_offending_token(
    text: str, position: int, problem: str
) -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        parse_filter(text)
    assert (caught.value.text, caught.value.position, caught.value.problem) == (
        text,
        position,
        problem,
    )


def test_error_message_draws_a_pointer() -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        parse_filter("metrics.r2 > 'high'")
    assert str(caught.value) == (
        "metrics.r2 is a number: compare it with a number, not a quoted string at position 13 "
        "of the filter:\n  metrics.r2 > 'high'\n               ^\n"
        "Filters look like: metrics.r2 > 0.5 and params.alpha = '0.1' "
        "(see the search grammar in docs/search.md)."
    )
    assert isinstance(caught.value, ValueError)


def test_a_filter_that_is_not_text_is_a_syntax_error() -> None:
    with pytest.raises(FilterSyntaxError, match="a filter must be a string") as caught:
        parse_filter(42)  # type: ignore[arg-type]
    assert (caught.value.text, caught.value.position) == ("42", 0)


# ----------------------------------------------------------------------------------------------
# order_by


def ordered(items: list[str] | str | None, indices: list[int] | None = None) -> list[str]:
    rows = pa.array(range(N_RUNS) if indices is None else indices, pa.int64())
    order = sort_indices(parse_order_by(items), tables(), rows)
    return tables().runs.column("run_id").take(order).to_pylist()


def pandas_order(d: Frame, columns: list[str], ascending: list[bool]) -> list[str]:
    # pandas sorts by one key at a time when applied from the least significant key, stably.
    for column, up in reversed(list(zip(columns, ascending, strict=True))):
        d = d.sort_values(column, ascending=up, kind="stable", na_position="last")
    return d["run_id"].tolist()


def test_parse_order_by() -> None:
    assert parse_order_by(
        ["metrics.r2 DESC", "params.alpha", "attributes.start_time ASC", "metrics.`Neg. RMSE` desc"]
    ) == [
        OrderKey("metrics", "r2", False),
        OrderKey("params", "alpha", True),
        OrderKey("attributes", "start_time", True),
        OrderKey("metrics", "Neg. RMSE", False),
    ]
    default = [OrderKey("attributes", "start_time", False), OrderKey("attributes", "run_id", True)]
    assert parse_order_by(None) == default
    assert parse_order_by([]) == default
    assert parse_order_by("metrics.r2 desc") == [OrderKey("metrics", "r2", False)]


def test_order_by_metric_puts_missing_and_nan_last_in_both_directions() -> None:
    d = frame()
    assert ordered(["metrics.r2 DESC"]) == pandas_order(d, ["metrics.r2"], [False])
    assert ordered(["metrics.r2"]) == pandas_order(d, ["metrics.r2"], [True])
    tail = {"r05", "r08", "r17", "r26"}  # r05 is NaN, the others never logged r2
    assert set(ordered(["metrics.r2 DESC"])[-4:]) == tail
    assert set(ordered(["metrics.r2 ASC"])[-4:]) == tail


def test_order_by_several_keys_is_stable() -> None:
    d = frame()
    items = ["tags.estimator_name ASC", "metrics.`Neg. RMSE` desc"]
    expected = pandas_order(d, ["tags.estimator_name", "metrics.Neg. RMSE"], [True, False])
    assert ordered(items) == expected
    # Pairs of runs share a start time: ties keep the order the indices came in.
    reverse = list(range(N_RUNS))[::-1]
    assert ordered(["attributes.start_time"], reverse) == [
        f"r{i:02d}" for pair in range(15) for i in (2 * pair + 1, 2 * pair)
    ]


def test_order_by_attributes() -> None:
    d = frame()
    assert ordered(["attributes.end_time DESC"]) == pandas_order(d, ["end_time"], [False])
    assert ordered(["run_name"]) == pandas_order(d, ["run_name"], [True])
    assert ordered(None) == pandas_order(d, ["start_time", "run_id"], [False, True])


def test_params_sort_numerically_only_when_every_value_is_a_number() -> None:
    d = frame()
    # max_iter is always an int: numeric order puts 1000 after 200 (text order would not).
    assert ordered(["params.max_iter DESC"]) == pandas_order(d, ["params_num.max_iter"], [False])
    # alpha holds 'auto' in some runs: text order, with params logged as None last.
    text = d["params.alpha"].where(d["params.alpha"] != "None")
    assert ordered(["params.alpha"]) == pandas_order(d.assign(a=text), ["a"], [True])
    # Among runs whose alpha is numeric, the order is numeric again.
    numeric_rows = [i for i in range(N_RUNS) if i % 10 < 7]
    subset = d.iloc[numeric_rows]
    assert ordered(["params.alpha DESC"], numeric_rows) == pandas_order(
        subset, ["params_num.alpha"], [False]
    )


def test_filter_then_sort_as_search_runs_does() -> None:
    mask = evaluate_filter(parse_filter("params.solver IN ('saga', 'lbfgs')"), tables())
    order = sort_indices(parse_order_by(["metrics.r2 DESC"]), tables(), pc.indices_nonzero(mask))
    d = frame()
    chosen = d[d["params.solver"].isin(["saga", "lbfgs"])]
    expected = pandas_order(chosen, ["metrics.r2"], [False])
    assert tables().runs.column("run_id").take(order).to_pylist() == expected


def test_sort_of_nothing_and_of_no_keys() -> None:
    assert sort_indices([], tables(), pa.array([3, 1, 2])).to_pylist() == [3, 1, 2]
    empty = pa.array([], pa.int64())
    assert sort_indices(parse_order_by(None), tables(), empty).to_pylist() == []
    # A key no run logged: every value is missing, so the input order stays.
    assert ordered(["metrics.nope DESC", "params.nope"], [4, 2, 9]) == ["r04", "r02", "r09"]


def test_no_runs_at_all() -> None:
    full = tables()
    nothing = RunTables(*(t.slice(0, 0) for t in (full.runs, full.params, full.metrics, full.tags)))
    for text in ("", "metrics.r2 > 0", "not params.alpha IN (1, 2)", "status IS NULL"):
        assert evaluate_filter(parse_filter(text), nothing).to_pylist() == []
    empty = pa.array([], pa.int64())
    assert sort_indices(parse_order_by(["params.alpha"]), nothing, empty).to_pylist() == []


ORDER_ERRORS = [
    ("metrics.r2 DOWN", 11, "expected ASC, DESC or the end of the order_by item, got 'DOWN'"),
    ("metrics.r2 DESC x", 16, "expected ASC, DESC or the end of the order_by item, got 'x'"),
    ("", 0, "expected a key such as metrics.r2, got the end of the filter"),
    ("DESC", 0, "expected a key such as metrics.r2, got 'DESC'"),
    ("foo.x", 0, "unknown entity 'foo'; use metrics., params., tags., attributes. or datasets."),
    ("metrics.`r2", 8, "unterminated quoted key: no closing `"),
]


@pytest.mark.parametrize(("item", "position", "problem"), ORDER_ERRORS)
def test_malformed_order_by_item(item: str, position: int, problem: str) -> None:
    with pytest.raises(FilterSyntaxError) as caught:
        parse_order_by(["metrics.r2", item])
    assert (caught.value.text, caught.value.position, caught.value.problem) == (
        item,
        position,
        problem,
    )


def test_order_by_item_that_is_not_text() -> None:
    with pytest.raises(FilterSyntaxError, match="an order_by item must be a string"):
        parse_order_by([None])  # type: ignore[list-item]


# ----------------------------------------------------------------------------------------------
# Fuzzing: whatever the input, a FilterSyntaxError or a filter that evaluates.

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOKENS = [
    *["metrics.r2", "params.alpha", "params.solver", "tags.note", "attributes.status"],
    *["attributes.end_time", "metrics.`Neg. RMSE`", 'params."n jobs"', "run_name", "x.y"],
    *["=", "!=", "<", "<=", ">", ">=", "LIKE", "ILIKE", "IN", "NOT", "IS", "NULL", "AND", "OR"],
    *["(", ")", ",", "0.5", "-1", "1e3", "'lbfgs'", "'%a_'", '"x"', "''", "`k`", "'"],
]


def check_parses_or_raises(text: str) -> None:
    try:
        node = parse_filter(text)
    except FilterSyntaxError as error:
        assert 0 <= error.position <= len(text)
        return
    mask = evaluate_filter(node, tables())
    assert isinstance(mask, pa.BooleanArray)
    assert len(mask) == N_RUNS and mask.null_count == 0


@FUZZ
@given(st.text())
def test_fuzz_arbitrary_text(text: str) -> None:
    check_parses_or_raises(text)


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=12), st.sampled_from([" ", ""]))
def test_fuzz_token_soup(tokens: list[str], separator: str) -> None:
    check_parses_or_raises(separator.join(tokens))


_SPLIT = re.compile(r"`(?:[^`]|``)*`|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|[()',]|[^\s()',]+")


@st.composite
def mutated_filters(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from([case[0] for case in CASES]))
    tokens = _SPLIT.findall(text)
    for _ in range(draw(st.integers(1, 3))):
        if not tokens:
            break
        i = draw(st.integers(0, len(tokens) - 1))
        j = draw(st.integers(0, len(tokens) - 1))
        action = draw(st.sampled_from(["drop", "duplicate", "swap"]))
        if action == "drop":
            del tokens[i]
        elif action == "duplicate":
            tokens.insert(i, tokens[i])
        else:
            tokens[i], tokens[j] = tokens[j], tokens[i]
    return draw(st.sampled_from([" ", ""])).join(tokens)


@FUZZ
@given(mutated_filters())
def test_fuzz_mutated_valid_filters(text: str) -> None:
    check_parses_or_raises(text)


@pytest.mark.slow
@settings(max_examples=4000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(),
        st.lists(st.sampled_from(TOKENS), max_size=16).map(" ".join),
        st.lists(st.sampled_from(TOKENS), max_size=16).map("".join),
        mutated_filters(),
    )
)
def test_fuzz_deep(text: str) -> None:
    check_parses_or_raises(text)


@FUZZ
@given(st.lists(st.text(max_size=8), max_size=4))
def test_fuzz_order_by(items: list[str]) -> None:
    try:
        keys = parse_order_by(items)
    except FilterSyntaxError:
        return
    order = sort_indices(keys, tables(), pa.array(range(N_RUNS), pa.int64()))
    assert sorted(order.to_pylist()) == list(range(N_RUNS))


LIKE_TEXT = st.text(alphabet="ab_%\\.*[]()^$?+{}|Aé\n\x00\U0001f600", max_size=6)


@FUZZ
@given(st.lists(LIKE_TEXT, min_size=1, max_size=6), LIKE_TEXT, st.booleans())
def test_fuzz_like_matches_python_regex(values: list[str], pattern: str, ignore_case: bool) -> None:
    run_ids = [f"r{i}" for i in range(len(values))]
    long = pa.table({"run_id": run_ids, "key": ["k"] * len(values), "value": values})
    empty = long.slice(0, 0)
    numeric = pa.table(
        {"run_id": run_ids, "key": ["k"] * len(values), "value": [0.0] * len(values)}
    )
    runs = pa.table({"run_id": run_ids})
    table = RunTables(runs=runs, params=empty, metrics=numeric.slice(0, 0), tags=long)
    quoted = "'" + pattern.replace("'", "''") + "'"
    node = parse_filter(f"tags.k {'ILIKE' if ignore_case else 'LIKE'} {quoted}")
    expected = like(pd.Series(values, dtype=object), pattern, ignore_case).tolist()
    assert evaluate_filter(node, table).to_pylist() == expected
