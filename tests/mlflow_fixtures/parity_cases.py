"""Search cases ported from MLflow's own test suite, as plain data.

`tests/test_filter_parity.py` runs them against sktrack; ``parity_mlflow.py`` (this folder) runs
the very same scenarios and filters against real MLflow, so that the expectations below are
checked to be MLflow's behaviour, not a reading of it.  Sources (MLflow 3.x):

- SQL: ``tests/store/tracking/sqlalchemy_store/test_sqlalchemy_store_runs.py``
- UTILS: ``tests/utils/test_search_utils.py``

A scenario is a list of runs: ``label`` (the run name), ``experiment``, ``status``, ``params``
and ``tags`` (text, as MLflow logs them), ``metrics`` as ``(key, value, timestamp, step)``, and
``datasets`` as ``(name, digest, context)``.  A case is ``(scenario, filter, order_by, expected
labels, source)``: the labels sorted, or in order when ``order_by`` is given.  In filters,
``{uri:r1}`` stands for the artifact URI of run ``r1`` and ``{id:r1}`` for its id.
"""

from __future__ import annotations

SQL = "tests/store/tracking/sqlalchemy_store/test_sqlalchemy_store_runs.py"
UTILS = "tests/utils/test_search_utils.py"


def _run(label, experiment="e1", status="FINISHED", params=None, tags=None, metrics=(),
         datasets=()):  # fmt: skip
    return {
        "label": label,
        "experiment": experiment,
        "status": status,
        "params": params or {},
        "tags": tags or {},
        "metrics": [list(m) for m in metrics],
        "datasets": [list(d) for d in datasets],
    }


SCENARIOS = {
    # test_search_params
    "params": [
        _run("r1", params={"generic_param": "p_val", "generic_2": "some value", "p_a": "abc"}),
        _run("r2", params={"generic_param": "p_val", "generic_2": "another value", "p_b": "ABC"}),
    ],
    # test_search_tags
    "tags": [
        _run("r1", tags={"generic_tag": "p_val", "generic_2": "some value", "p_a": "abc"}),
        _run("r2", tags={"generic_tag": "p_val", "generic_2": "another value", "p_b": "ABC"}),
    ],
    # test_search_metrics (Metric(key, value, timestamp, step))
    "metrics": [
        _run("r1", metrics=[("common", 1.0, 1, 0), ("measure_a", 1.0, 1, 0), ("m_a", 2.0, 2, 0)]),
        _run(
            "r2",
            metrics=[
                ("common", 1.0, 1, 0),
                ("measure_a", 200.0, 2, 0),
                ("measure_a", 400.0, 3, 0),
                ("m_b", 3.0, 2, 0),
                ("m_b", 4.0, 8, 0),  # the last timestamp: the value searches see
                ("m_b", 8.0, 3, 0),
            ],
        ),
    ],
    # test_search_attrs (r2's status changed to FAILED)
    "attrs": [
        _run("r1", experiment="search_attributes_1", status="RUNNING"),
        _run("r2", experiment="search_attrs_2", status="FAILED"),
    ],
    # test_search_full
    "full": [
        _run(
            "r1",
            params={"generic_param": "p_val", "p_a": "abc"},
            metrics=[("common", 1.0, 1, 0), ("m_a", 2.0, 2, 0)],
        ),
        _run(
            "r2",
            params={"generic_param": "p_val", "p_b": "ABC"},
            metrics=[
                ("common", 1.0, 1, 0),
                ("m_b", 3.0, 2, 0),
                ("m_b", 4.0, 8, 0),
                ("m_b", 8.0, 3, 0),
            ],
        ),
    ],
    # test_search_runs_run_name
    "run_name": [_run("run_name1"), _run("run_name2")],
    # test_correct_filtering (runs hi, hi2, hi3; hi3 in another experiment there, here the same)
    "utils": [
        _run(
            "hi",
            status="FAILED",
            params={"my_param": "A"},
            metrics=[("key1", 121, 1, 0)],
            datasets=[("name1", "digest1", "train")],
        ),
        _run(
            "hi2",
            params={"my_param": "A"},
            tags={"tag1": "C"},
            metrics=[("key1", 123, 1, 0)],
            datasets=[("name1", "digest1", "")],
        ),
        _run(
            "hi3",
            status="FAILED",
            params={"my_param": "B"},
            tags={"tag1": "D"},
            metrics=[("key1", 125, 1, 0)],
            datasets=[("name2", "digest2", "")],
        ),
    ],
    # test_order_by_metric_with_nans_infs_nones ("None": a run without the metric)
    "nans": [
        _run(x, metrics=[] if x == "None" else [("x", float(x), 1, 0)])
        for x in ["nan", "inf", "-inf", "-1000", "0", "1000", "None"]
    ],
}

CASES = [
    # -- test_search_params (SQL)
    ("params", "params.generic_param = 'p_val'", None, ["r1", "r2"], SQL),
    ("params", "params.generic_2 = 'some value'", None, ["r1"], SQL),
    ("params", "params.generic_2 = 'another value'", None, ["r2"], SQL),
    ("params", "params.generic_param = 'wrong_val'", None, [], SQL),
    ("params", "params.generic_param != 'p_val'", None, [], SQL),
    ("params", "params.generic_param != 'wrong_val'", None, ["r1", "r2"], SQL),
    ("params", "params.generic_2 != 'wrong_val'", None, ["r1", "r2"], SQL),
    ("params", "params.p_a = 'abc'", None, ["r1"], SQL),
    ("params", "params.p_a = 'ABC'", None, [], SQL),
    ("params", "params.p_a != 'ABC'", None, ["r1"], SQL),
    ("params", "params.p_b = 'ABC'", None, ["r2"], SQL),
    ("params", "params.generic_2 LIKE '%other%'", None, ["r2"], SQL),
    ("params", "params.generic_2 LIKE 'other%'", None, [], SQL),
    ("params", "params.generic_2 LIKE '%other'", None, [], SQL),
    ("params", "params.generic_2 LIKE 'other'", None, [], SQL),
    ("params", "params.generic_2 LIKE '%Other%'", None, [], SQL),
    ("params", "params.generic_2 ILIKE '%Other%'", None, ["r2"], SQL),
    # -- test_search_tags (SQL)
    ("tags", "tags.generic_tag = 'p_val'", None, ["r1", "r2"], SQL),
    ("tags", "tags.generic_tag = 'P_VAL'", None, [], SQL),
    ("tags", "tags.generic_tag != 'P_VAL'", None, ["r1", "r2"], SQL),
    ("tags", "tags.generic_2 = 'some value'", None, ["r1"], SQL),
    ("tags", "tags.generic_2 = 'another value'", None, ["r2"], SQL),
    ("tags", "tags.generic_tag = 'wrong_val'", None, [], SQL),
    ("tags", "tags.generic_tag != 'p_val'", None, [], SQL),
    ("tags", "tags.generic_tag != 'wrong_val'", None, ["r1", "r2"], SQL),
    ("tags", "tags.generic_2 != 'wrong_val'", None, ["r1", "r2"], SQL),
    ("tags", "tags.p_a = 'abc'", None, ["r1"], SQL),
    ("tags", "tags.p_b = 'ABC'", None, ["r2"], SQL),
    ("tags", "tags.generic_2 LIKE '%other%'", None, ["r2"], SQL),
    ("tags", "tags.generic_2 LIKE '%Other%'", None, [], SQL),
    ("tags", "tags.generic_2 LIKE 'other%'", None, [], SQL),
    ("tags", "tags.generic_2 LIKE '%other'", None, [], SQL),
    ("tags", "tags.generic_2 LIKE 'other'", None, [], SQL),
    ("tags", "tags.generic_2 ILIKE '%Other%'", None, ["r2"], SQL),
    ("tags", "tags.generic_2 ILIKE '%Other%' and tags.generic_tag = 'p_val'", None, ["r2"], SQL),
    (
        "tags",
        "tags.generic_2 ILIKE '%Other%' and tags.generic_tag ILIKE 'p_val'",
        None,
        ["r2"],
        SQL,
    ),
    # -- test_search_metrics (SQL)
    ("metrics", "metrics.common = 1.0", None, ["r1", "r2"], SQL),
    ("metrics", "metrics.common > 0.0", None, ["r1", "r2"], SQL),
    ("metrics", "metrics.common >= 0.0", None, ["r1", "r2"], SQL),
    ("metrics", "metrics.common < 4.0", None, ["r1", "r2"], SQL),
    ("metrics", "metrics.common <= 4.0", None, ["r1", "r2"], SQL),
    ("metrics", "metrics.common != 1.0", None, [], SQL),
    ("metrics", "metrics.common >= 3.0", None, [], SQL),
    ("metrics", "metrics.common <= 0.75", None, [], SQL),
    ("metrics", "metrics.measure_a > 0.0", None, ["r1", "r2"], SQL),
    ("metrics", "metrics.measure_a < 50.0", None, ["r1"], SQL),
    ("metrics", "metrics.measure_a < 1000.0", None, ["r1", "r2"], SQL),
    ("metrics", "metrics.measure_a != -12.0", None, ["r1", "r2"], SQL),
    ("metrics", "metrics.measure_a > 50.0", None, ["r2"], SQL),
    ("metrics", "metrics.measure_a = 1.0", None, ["r1"], SQL),
    ("metrics", "metrics.measure_a = 400.0", None, ["r2"], SQL),
    ("metrics", "metrics.m_a > 1.0", None, ["r1"], SQL),
    ("metrics", "metrics.m_b > 1.0", None, ["r2"], SQL),
    ("metrics", "metrics.m_b > 5.0", None, [], SQL),
    ("metrics", "metrics.m_b = 4.0", None, ["r2"], SQL),
    # -- test_search_attrs (SQL)
    ("attrs", "", None, ["r1", "r2"], SQL),
    ("attrs", "attribute.status != 'blah'", None, ["r1", "r2"], SQL),
    ("attrs", "attribute.status = 'RUNNING'", None, ["r1"], SQL),
    ("attrs", "attribute.status = 'FAILED'", None, ["r2"], SQL),
    ("attrs", "attribute.status != 'SCHEDULED'", None, ["r1", "r2"], SQL),
    ("attrs", "attribute.status = 'SCHEDULED'", None, [], SQL),
    ("attrs", "attribute.status = 'KILLED'", None, [], SQL),
    ("attrs", "attr.artifact_uri = '{uri:r1}'", None, ["r1"], SQL),
    ("attrs", "attr.artifact_uri = '{URI:r1}'", None, [], SQL),
    ("attrs", "attr.artifact_uri != '{URI:r1}'", None, ["r1", "r2"], SQL),
    ("attrs", "attr.artifact_uri = '{uri:r1}/unexpected'", None, [], SQL),
    ("attrs", "attribute.artifact_uri = 'random_artifact_path'", None, [], SQL),
    ("attrs", "attribute.artifact_uri != 'random_artifact_path'", None, ["r1", "r2"], SQL),
    ("attrs", "attribute.artifact_uri LIKE '%{id:r1}%'", None, ["r1"], SQL),
    ("attrs", "attribute.artifact_uri LIKE '%{ID:r1}%'", None, [], SQL),
    ("attrs", "attribute.artifact_uri ILIKE '%{ID:r1}%'", None, ["r1"], SQL),
    # -- test_search_full (SQL)
    ("full", "params.generic_param = 'p_val' and metrics.common = 1.0", None, ["r1", "r2"], SQL),
    (
        "full",
        "params.generic_param = 'p_val' and metrics.common = 1.0 and metrics.m_a > 1.0",
        None,
        ["r1"],
        SQL,
    ),
    (
        "full",
        "params.generic_param = 'p_val' and metrics.common = 1.0 and metrics.m_a > 1.0 "
        "and params.p_a LIKE 'a%'",
        None,
        ["r1"],
        SQL,
    ),
    (
        "full",
        "params.generic_param = 'p_val' and metrics.common = 1.0 and metrics.m_a > 1.0 "
        "and params.p_a LIKE 'A%'",
        None,
        [],
        SQL,
    ),
    (
        "full",
        "params.generic_param = 'p_val' and metrics.common = 1.0 and metrics.m_a > 1.0 "
        "and params.p_a ILIKE 'A%'",
        None,
        ["r1"],
        SQL,
    ),
    (
        "full",
        "params.random_bad_name = 'p_val' and metrics.common = 1.0 and metrics.m_a > 1.0",
        None,
        [],
        SQL,
    ),
    (
        "full",
        "params.generic_param = 'p_val' and metrics.common = 1.0 and metrics.m_a > 100.0",
        None,
        [],
        SQL,
    ),
    # -- test_search_runs_run_name (SQL)
    ("run_name", "attributes.run_name = 'run_name1'", None, ["run_name1"], SQL),
    ("run_name", "attributes.`Run name` = 'run_name1'", None, ["run_name1"], SQL),
    ("run_name", "attributes.`run name` = 'run_name2'", None, ["run_name2"], SQL),
    ("run_name", "attributes.`Run Name` = 'run_name2'", None, ["run_name2"], SQL),
    ("run_name", "tags.`mlflow.runName` = 'run_name2'", None, ["run_name2"], SQL),
    # -- test_correct_filtering (UTILS)
    ("utils", "", None, ["hi", "hi2", "hi3"], UTILS),
    ("utils", "attributes.status = 'FAILED'", None, ["hi", "hi3"], UTILS),
    ("utils", "metrics.key1 = 123", None, ["hi2"], UTILS),
    ("utils", "metrics.key1 != 123", None, ["hi", "hi3"], UTILS),
    ("utils", "metrics.key1 >= 123", None, ["hi2", "hi3"], UTILS),
    ("utils", "params.my_param = 'A'", None, ["hi", "hi2"], UTILS),
    ("utils", "tags.tag1 = 'D'", None, ["hi3"], UTILS),
    ("utils", "tags.tag1 != 'D'", None, ["hi2"], UTILS),
    ("utils", "params.my_param = 'A' AND attributes.status = 'FAILED'", None, ["hi"], UTILS),
    ("utils", "datasets.name = 'name1'", None, ["hi", "hi2"], UTILS),
    ("utils", "datasets.name IN ('name1', 'name2')", None, ["hi", "hi2", "hi3"], UTILS),
    ("utils", "datasets.digest IN ('digest1', 'digest2')", None, ["hi", "hi2", "hi3"], UTILS),
    ("utils", "datasets.name = 'name1' AND datasets.digest = 'digest2'", None, [], UTILS),
    ("utils", "datasets.context = 'train'", None, ["hi"], UTILS),
    ("utils", "datasets.name = 'name1' AND datasets.context = 'train'", None, ["hi"], UTILS),
    ("utils", "dataset.name = 'name2'", None, ["hi3"], UTILS),  # test_filter: `dataset.`
    # -- test_filter (UTILS): spellings of the same keys
    ("utils", "metric.key1 >= 123", None, ["hi2", "hi3"], UTILS),
    ("utils", "metrics.key1>=123", None, ["hi2", "hi3"], UTILS),
    ("utils", "`metric`.key1 >= 123", None, ["hi2", "hi3"], UTILS),
    ("utils", "params.my_param!='A'", None, ["hi3"], UTILS),
    ("utils", 'params."my_param"!="A"', None, ["hi3"], UTILS),
    ("utils", "`params`.my_param = 'B'", None, ["hi3"], UTILS),
    ("utils", "`tags`.tag1 = 'C'", None, ["hi2"], UTILS),
    ("utils", "run.status = 'FAILED'", None, ["hi", "hi3"], UTILS),
    ("utils", 'params.my_param = "A"', None, ["hi", "hi2"], UTILS),  # test_correct_quote_trimming
    # -- test_order_by_metric_with_nans_infs_nones (UTILS)
    ("nans", "", ["metrics.x asc"], ["-inf", "-1000", "0", "1000", "inf", "nan", "None"], UTILS),
    ("nans", "", ["metrics.x desc"], ["inf", "1000", "0", "-1000", "-inf", "nan", "None"], UTILS),
    ("utils", "", ["metrics.key1 DESC"], ["hi3", "hi2", "hi"], UTILS),
    ("utils", "", ["params.my_param", "metrics.key1"], ["hi", "hi2", "hi3"], UTILS),
]

# Filters both refuse (test_error_filter, test_error_comparison_clauses, test_bad_quotes,
# test_invalid_clauses in UTILS; test_search_attrs's invalid attribute keys in SQL)
REFUSED = [
    ("metric.acc >= 0.94; metrics.rmse < 1", UTILS),
    ("m.acc >= 0.94", UTILS),
    ("acc >= 0.94", UTILS),
    ("p.model >= 'LR'", UTILS),
    ("attri.x != 1", UTILS),
    ("a.x != 1", UTILS),
    ("model >= 'LR'", UTILS),
    ("metrics.A > 0.1 NAND params.B = 'LR'", UTILS),
    ("`metrics.A > 0.1", UTILS),
    ("param`.A > 0.1", UTILS),
    ("`dummy.A > 0.1", UTILS),
    ("dummy`.A > 0.1", UTILS),
    ("attribute.start != 1", UTILS),
    ("attribute.experiment_id != 1", UTILS),
    ("attribute.lifecycle_stage = 'ACTIVE'", UTILS),
    ("attribute.name != 1", UTILS),
    ("attribute.time != 1", UTILS),
    ("attribute._status != 'RUNNING'", UTILS),
    ("attribute.status = true", UTILS),
    ("dataset.status = 'true'", UTILS),
    ("dataset.profile = 'num_rows: 10'", UTILS),
    ("metric.model = 'LR'", UTILS),
    ("metric.model = '5'", UTILS),
    ("tags.acc = 5", UTILS),
    ("metrics.acc != metrics.acc", UTILS),
    ("1.0 > metrics.acc", UTILS),
    ("attribute.status = 1", UTILS),
    ("params.acc = LR", UTILS),
    ("tags.acc = LR", UTILS),
    ("params.acc = `LR`", UTILS),
    ("params.'acc = LR", UTILS),
    ("params.acc = 'LR", UTILS),
    ("params.acc = LR'", UTILS),
    ("params.acc = \"LR'", UTILS),
    ("tags.acc = \"LR'", UTILS),
    ("tags.acc = = 'LR'", UTILS),
    ("attribute.status IS 'RUNNING'", UTILS),
    ("params.acc LR !=", UTILS),
    ("params.acc LR", UTILS),
    ("metric.acc !=", UTILS),
    ("acc != 1.0", UTILS),
    ("foo is null", UTILS),
    ("1=1", UTILS),
    ("1==2", UTILS),
    ("params.my_param > 'A'", UTILS),  # test_bad_comparators
    ("tags.tag1 >= 'A'", UTILS),
    ("attributes.status < 'A'", UTILS),
    ("attributes.start_time LIKE 1234", UTILS),
    ("datasets.name > 'name1'", UTILS),
    ("metrics.key1 ~ 1.0", UTILS),
]

# Where sktrack deliberately answers what MLflow refuses (docs/search.md): OR and parentheses,
# numeric comparison of numeric params, sktrack's own attributes.
EXTENSIONS = [
    ("utils", "metrics.key1 = 121 OR tags.tag1 = 'D'", ["hi", "hi3"], UTILS),
    ("utils", "metrics.key1 > 121 AND (params.my_param = 'A')", ["hi2"], UTILS),
    ("utils", "attribute.experiment_id != '-'", ["hi", "hi2", "hi3"], UTILS),
    ("utils", "params.acc = 5", [], UTILS),
]
