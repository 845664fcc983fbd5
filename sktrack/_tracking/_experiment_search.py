"""Experiments searched with a filter, as MLflow's ``search_experiments``, and their tags.

The filter grammar is MLflow's for experiments (``mlflow/utils/search_utils.py``,
``SearchExperimentsUtils``): clauses joined by ``AND`` over

- ``name`` and ``experiment_id`` (``=, !=, LIKE, ILIKE``; ``experiment_id IN (...)`` too),
- ``creation_time`` and ``last_update_time`` (ms since the epoch; ``=, !=, <, <=, >, >=``),
- ``tags.<key>`` (``=, !=, LIKE, ILIKE, IS NULL, IS NOT NULL``; a missing tag matches none
  but ``IS NULL``),

with an optional ``attribute.``/``attributes.`` prefix and keys in backticks or quotes.
Experiments are few, so the filter runs in Python over the list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from .._store import (
    Experiment,
    deleted_experiment_ids,
    experiment_tag_events,
    experiment_tags,
    lifecycle_changed_at,
    show,
    write_experiment_tag,
)
from ..exceptions import InvalidArgumentError
from ._everyday import _experiment
from ._fluent import get_store
from ._record_filter import EQUALITY, LIKES, ORDERING, FilterSpec, parse_record_filter
from ._runs_frame import parse_view

__all__ = [
    "delete_experiment_tag",
    "get_experiment_tags",
    "search_experiments",
    "set_experiment_tag",
]

_SPEC = FilterSpec(
    "experiment",
    strings={"name": EQUALITY | LIKES, "experiment_id": EQUALITY | LIKES | {"IN"}},
    numbers={"creation_time": ORDERING, "last_update_time": ORDERING},
    tag_ops=EQUALITY | LIKES | {"IS NULL", "IS NOT NULL"},
)
_ORDER_KEYS = frozenset({"name", "experiment_id", "creation_time", "last_update_time"})


@dataclass(frozen=True)
class _Row:
    experiment: Experiment
    last_update_time: int
    tags: dict[str, str]

    def attribute(self, key: str) -> Any:
        if key == "creation_time":
            return self.experiment.created_at
        if key == "last_update_time":
            return self.last_update_time
        return getattr(self.experiment, key)


def search_experiments(
    filter_string: str = "",
    *,
    view: str | int = "active",
    order_by: Sequence[str] | str | None = None,
    max_results: int | None = None,
) -> list[Experiment]:
    """The experiments of the store in use that match ``filter_string``, as MLflow's
    ``search_experiments``.

    Parameters
    ----------
    filter_string : str
        MLflow's experiment filter: ``name``, ``experiment_id``, ``creation_time``,
        ``last_update_time`` and ``tags.<key>`` clauses joined by ``AND``, e.g.
        ``"name LIKE 'prices%' AND tags.team = 'pricing'"``; ``""`` keeps every one.
    view : {"active", "deleted", "all"}, default "active"
        Which experiments by lifecycle (`delete_experiment`); MLflow's ``ViewType`` values
        are understood.
    order_by : list of str, optional
        ``name``, ``experiment_id``, ``creation_time`` or ``last_update_time``, each with
        ``ASC`` or ``DESC``; default ``["creation_time DESC", "experiment_id ASC"]``, MLflow's.
    max_results : int, optional
        At most this many.

    Returns
    -------
    list of Experiment

    Examples
    --------
    >>> import sktrack, tempfile
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> for name in ("prices-lr", "prices-tree", "churn"):
    ...     _ = sktrack.set_experiment(name)
    >>> sktrack.set_experiment_tag("churn", "team", "growth")
    >>> [e.name for e in sktrack.search_experiments("name LIKE 'prices%'", order_by="name")]
    ['prices-lr', 'prices-tree']
    >>> [e.name for e in sktrack.search_experiments("tags.team = 'growth'")]
    ['churn']
    """
    clauses = parse_record_filter(filter_string, _SPEC)
    keys = _parse_order(order_by)
    limit = _max_results(max_results)
    rows = [
        row for row in _rows(_view(view)) if all(c.holds(row.attribute, row.tags) for c in clauses)
    ]
    for key, ascending in reversed(keys):
        rows.sort(key=partial(_Row.attribute, key=key), reverse=not ascending)
    found = [r.experiment for r in rows]
    return found if limit is None else found[:limit]


def set_experiment_tag(name_or_id: str, key: str, value: Any) -> None:
    """Set a tag (text) of an experiment, given by name or id, as MLflow's
    ``set_experiment_tag``; setting it again replaces the value.  `search_experiments`
    filters on it (``tags.<key>``) and `get_experiment_tags` reads it."""
    exp = _experiment(name_or_id)
    write_experiment_tag(get_store(), exp.experiment_id, key, value)


def delete_experiment_tag(name_or_id: str, key: str) -> None:
    """Remove a tag of an experiment (as MLflow's ``delete_experiment_tag``); removing a tag
    it does not have raises `InvalidArgumentError` naming the tags it has."""
    exp = _experiment(name_or_id)
    tags = experiment_tags(get_store(), exp.experiment_id)
    if key not in tags:
        raise InvalidArgumentError(
            f"experiment {exp.name!r} has no tag {key!r}; its tags: {sorted(tags) or 'none'}"
        )
    write_experiment_tag(get_store(), exp.experiment_id, key, None)


def get_experiment_tags(name_or_id: str) -> dict[str, str]:
    """The tags of an experiment, given by name or id."""
    return experiment_tags(get_store(), _experiment(name_or_id).experiment_id)


# -- the experiments and their facts ----------------------------------------------------------


def _view(view: object) -> str:
    try:
        return parse_view(view)
    except InvalidArgumentError:
        raise InvalidArgumentError(
            f"view={view!r}; pass 'active', 'deleted' or 'all' (or MLflow's ViewType)"
        ) from None


def _rows(view: str) -> list[_Row]:
    store = get_store()
    gone = deleted_experiment_ids(store)
    rows = []
    for exp in store.list_experiments():
        deleted = exp.experiment_id in gone
        if (view == "active" and deleted) or (view == "deleted" and not deleted):
            continue
        events = experiment_tag_events(store, exp.experiment_id)
        times = [exp.created_at, lifecycle_changed_at(store, exp.experiment_id) or 0]
        times += [int(e.get("timestamp") or 0) for e in events]  # type: ignore[call-overload]
        rows.append(_Row(exp, max(times), experiment_tags(store, exp.experiment_id)))
    return rows


def _max_results(max_results: object) -> int | None:
    if max_results is None:
        return None
    if isinstance(max_results, bool) or not isinstance(max_results, int) or max_results < 0:
        raise InvalidArgumentError(
            f"max_results {show(max_results)} must be a whole number >= 0, or None for all"
        )
    return max_results


# -- order_by ---------------------------------------------------------------------------------

_DEFAULT_ORDER = [("creation_time", False), ("experiment_id", True)]


def _parse_order(order_by: object) -> list[tuple[str, bool]]:
    if order_by is None or order_by == []:
        return _DEFAULT_ORDER
    items = [order_by] if isinstance(order_by, str) else order_by
    if not isinstance(items, Sequence):
        raise InvalidArgumentError(
            f"order_by {show(order_by)}; pass a list such as ['name ASC', 'creation_time DESC']"
        )
    keys = [_order_item(item) for item in items]
    if all(key != "experiment_id" for key, _ in keys):
        keys.append(("experiment_id", True))  # MLflow's tie-breaker
    return keys


def _order_item(item: object) -> tuple[str, bool]:
    words = item.split() if isinstance(item, str) else []
    if len(words) in (1, 2):
        key = words[0]
        for prefix in ("attributes.", "attribute."):
            key = key.removeprefix(prefix)
        direction = words[1].upper() if len(words) == 2 else "ASC"
        if key in _ORDER_KEYS and direction in ("ASC", "DESC"):
            return key, direction == "ASC"
    allowed = sorted(_ORDER_KEYS)
    raise InvalidArgumentError(
        f"order_by item {show(item)}: order experiments by one of {allowed}, with ASC or "
        "DESC, e.g. 'name ASC'"
    )
