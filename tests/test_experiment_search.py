"""`search_experiments` and experiment tags (`sktrack/_tracking/_experiment_search.py`): MLflow's
experiment filter (``SearchExperimentsUtils`` in ``mlflow/utils/search_utils.py``: name,
experiment_id, creation_time, last_update_time, tags, joined by AND), lifecycle views and
MLflow's default order (``creation_time DESC, experiment_id ASC``)."""

from __future__ import annotations

import pytest

import sktrack
from sktrack._store import Store


@pytest.fixture
def three(store: Store) -> dict[str, sktrack.Experiment]:
    out = {name: sktrack.set_experiment(name) for name in ("prices-lr", "prices-tree", "Churn")}
    sktrack.set_experiment_tag("prices-lr", "team", "pricing")
    sktrack.set_experiment_tag("prices-tree", "team", "pricing-2")
    sktrack.set_experiment_tag("Churn", "owner", "ana")
    return out


def _names(filter_string: str = "", **kwargs: object) -> list[str]:
    return [e.name for e in sktrack.search_experiments(filter_string, **kwargs)]  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("filter_string", "expected"),
    [
        ("", {"prices-lr", "prices-tree", "Churn"}),
        ("name = 'Churn'", {"Churn"}),
        ("attribute.name != 'Churn'", {"prices-lr", "prices-tree"}),
        ("attributes.name LIKE 'prices%'", {"prices-lr", "prices-tree"}),
        ("name LIKE 'churn'", set()),
        ("name ILIKE 'churn'", {"Churn"}),
        ("name LIKE 'prices-__'", {"prices-lr"}),
        ("tags.team = 'pricing'", {"prices-lr"}),
        ("tags.team LIKE 'pricing%'", {"prices-lr", "prices-tree"}),
        ("tags.`team` ILIKE 'PRICING-2'", {"prices-tree"}),
        ("tags.\"team\" != 'pricing'", {"prices-tree"}),  # a missing tag matches no !=
        ("tags.team IS NULL", {"Churn"}),
        ("tags.owner IS NOT NULL", {"Churn"}),
        ("tags.team LIKE 'pricing%' AND name LIKE '%tree'", {"prices-tree"}),
        ("creation_time > 0 and tags.owner = 'ana'", {"Churn"}),
        ("creation_time < 0", set()),
        ("last_update_time >= 0", {"prices-lr", "prices-tree", "Churn"}),
        ("name = 'it''s'", set()),
    ],
)
def test_filters_as_mlflow(three: object, filter_string: str, expected: set[str]) -> None:
    assert set(_names(filter_string)) == expected


def test_experiment_id_equals_and_in(three: dict[str, sktrack.Experiment]) -> None:
    lr, tree = three["prices-lr"].experiment_id, three["prices-tree"].experiment_id
    assert _names(f"experiment_id = '{lr}'") == ["prices-lr"]
    assert set(_names(f"experiment_id IN ('{lr}', '{tree}')")) == {"prices-lr", "prices-tree"}


def test_default_order_is_newest_first_then_by_id(three: object) -> None:
    found = sktrack.search_experiments()
    keys = [(-e.created_at, e.experiment_id) for e in found]
    assert keys == sorted(keys)


def test_order_by_and_max_results(three: object) -> None:
    assert _names(order_by=["name ASC"]) == ["Churn", "prices-lr", "prices-tree"]
    assert _names(order_by="attributes.name DESC", max_results=2) == ["prices-tree", "prices-lr"]
    assert _names(max_results=0) == []


def test_last_update_time_moves_with_tags_and_lifecycle(three: dict[str, object]) -> None:
    before = {e.name: e for e in sktrack.search_experiments()}
    sktrack.set_experiment_tag("Churn", "stage", "done")
    newest = _names(order_by=["last_update_time DESC"])
    assert newest[0] == "Churn"
    stamp = max(e.created_at for e in before.values())
    assert "Churn" in _names(f"last_update_time >= {stamp}")


def test_views_by_lifecycle(three: object) -> None:
    sktrack.delete_experiment("Churn")
    assert set(_names()) == {"prices-lr", "prices-tree"}
    assert _names(view="deleted") == ["Churn"]
    assert set(_names(view="all")) == {"prices-lr", "prices-tree", "Churn"}
    assert _names("tags.owner = 'ana'", view=2) == ["Churn"]  # MLflow's ViewType.DELETED_ONLY
    sktrack.restore_experiment("Churn")
    assert _names(view="deleted") == []


def test_experiment_tags_set_replace_delete(three: object) -> None:
    assert sktrack.get_experiment_tags("prices-lr") == {"team": "pricing"}
    sktrack.set_experiment_tag("prices-lr", "team", "core")
    sktrack.set_experiment_tag("prices-lr", "n", 3)  # stored as text
    assert sktrack.get_experiment_tags("prices-lr") == {"team": "core", "n": "3"}
    sktrack.delete_experiment_tag("prices-lr", "team")
    assert sktrack.get_experiment_tags("prices-lr") == {"n": "3"}
    with pytest.raises(sktrack.InvalidArgumentError, match=r"no tag 'team'; its tags: \['n'\]"):
        sktrack.delete_experiment_tag("prices-lr", "team")


def test_experiment_tags_by_id_and_unknown_experiment(three: dict[str, sktrack.Experiment]) -> None:
    sktrack.set_experiment_tag(three["Churn"].experiment_id, "k", "v")
    assert sktrack.get_experiment_tags("Churn")["k"] == "v"
    with pytest.raises(sktrack.ExperimentNotFoundError, match="'nope'"):
        sktrack.set_experiment_tag("nope", "k", "v")


def test_a_bad_tag_is_refused_and_writes_nothing(three: object) -> None:
    with pytest.raises(sktrack.InvalidArgumentError):
        sktrack.set_experiment_tag("Churn", "bad\nkey", "v")
    with pytest.raises(sktrack.InvalidArgumentError, match="lone surrogate"):
        sktrack.set_experiment_tag("Churn", "k", "\udcff")
    assert sktrack.get_experiment_tags("Churn") == {"owner": "ana"}


def test_a_damaged_tag_file_costs_only_itself(store: Store, three: object) -> None:
    exp_id = sktrack.get_experiment_by_name("Churn").experiment_id
    (store.fs.root / "experiment-tags" / exp_id / "00000000000000000000-1-00.json").write_text("{")
    assert sktrack.get_experiment_tags("Churn") == {"owner": "ana"}


@pytest.mark.parametrize(
    ("filter_string", "match"),
    [
        ("name = 'a' OR name = 'b'", r"expected AND, found 'OR'"),
        ("params.a = 'b'", r"unknown entity 'params'"),
        ("status = 'FINISHED'", r"unknown attribute 'status'"),
        ("name > 'a'", r"name takes \['!=', '=', 'ILIKE', 'LIKE'\], not >"),
        ("creation_time LIKE '1%'", r"creation_time takes .* not LIKE"),
        ("creation_time = 'yesterday'", r"creation_time = needs a number"),
        ("name = 5", r"name = needs a quoted string"),
        ("name IS NULL", r"name takes .* not IS NULL"),
        ("name IN ('a')", r"name takes .* not IN"),
        ("name =", r"name = needs a value"),
        ("name = 'a' AND", r"nothing after AND"),
        ("tags.team", r"expected a comparison"),
        ("name = 'a", r"cannot read"),
    ],
)
def test_bad_filters_say_what_is_wrong(three: object, filter_string: str, match: str) -> None:
    with pytest.raises(sktrack.FilterSyntaxError, match=match) as caught:
        sktrack.search_experiments(filter_string)
    assert "joined by AND" in str(caught.value)
    assert caught.value.text == filter_string


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"filter_string": 5}, r"filter_string 5 is a int"),
        ({"view": "gone"}, r"view='gone'; pass 'active', 'deleted' or 'all'"),
        ({"order_by": ["status"]}, r"order_by item 'status'"),
        ({"order_by": ["name UP"]}, r"order_by item 'name UP'"),
        ({"max_results": -1}, r"max_results -1 must be a whole number >= 0"),
    ],
)
def test_bad_arguments_are_refused(three: object, kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(sktrack.InvalidArgumentError, match=match):
        sktrack.search_experiments(**kwargs)  # type: ignore[arg-type]


def test_the_compatibility_module_searches_and_tags(store: Store) -> None:
    import sktrack.mlflow as mlflow

    exp_id = mlflow.create_experiment("prices", tags={"team": "pricing"})
    mlflow.create_experiment("churn")
    client = mlflow.MlflowClient()
    client.set_experiment_tag(exp_id, "stage", "dev")
    found = mlflow.search_experiments(filter_string="tags.team = 'pricing'")
    assert [(e.name, e.tags) for e in found] == [("prices", {"team": "pricing", "stage": "dev"})]
    client.delete_experiment_tag(exp_id, "stage")
    mlflow.delete_experiment(exp_id)
    deleted = client.search_experiments(view_type=mlflow.entities.ViewType.DELETED_ONLY)
    assert [(e.name, e.lifecycle_stage) for e in deleted] == [("prices", "deleted")]
    ordered = mlflow.search_experiments(view_type=3, order_by=["name ASC"], max_results=2)
    assert [e.name for e in ordered] == ["churn", "prices"]
