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

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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
from ..exceptions import FilterSyntaxError, InvalidArgumentError
from ._everyday import _experiment
from ._fluent import get_store
from ._runs_frame import parse_view

__all__ = [
    "delete_experiment_tag",
    "get_experiment_tags",
    "search_experiments",
    "set_experiment_tag",
]

_STRING_KEYS = frozenset({"name", "experiment_id"})
_NUMERIC_KEYS = frozenset({"creation_time", "last_update_time"})
_STRING_OPS = frozenset({"=", "!=", "LIKE", "ILIKE"})
_NUMERIC_OPS = frozenset({"=", "!=", "<", "<=", ">", ">="})
_TAG_OPS = _STRING_OPS | {"IS NULL", "IS NOT NULL"}

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^']|'')*'|"(?:[^"]|"")*")
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<op>!=|<=|>=|=|<|>|\(|\)|,)
    | (?P<ident>(?:[A-Za-z_][\w]*\.)?(?:`[^`]+`|"[^"]+"|[A-Za-z_][\w.\-]*))
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Clause:
    kind: str  # "attribute" or "tag"
    key: str
    op: str
    value: Any


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
    clauses = _parse(filter_string)
    keys = _parse_order(order_by)
    limit = _max_results(max_results)
    rows = [row for row in _rows(_view(view)) if all(_holds(c, row) for c in clauses)]
    for key, ascending in reversed(keys):
        rows.sort(key=lambda r, k=key: r.attribute(k), reverse=not ascending)
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


# -- the filter -------------------------------------------------------------------------------


def _tokens(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, position) of each token."""
    out, pos = [], 0
    while text[pos:].strip():
        match = _TOKEN.match(text, pos)
        if match is None:
            start = len(text) - len(text[pos:].lstrip())
            raise _error(text, start, f"cannot read {text[start:][:20]!r}")
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind), match.start(kind)))
        pos = match.end()
    return out


def _error(text: str, position: int, problem: str) -> FilterSyntaxError:
    return FilterSyntaxError(
        text,
        position,
        f"{problem} (experiment filters: name, experiment_id, creation_time, last_update_time "
        "and tags.<key> clauses joined by AND)",
    )


def _parse(text: object) -> list[_Clause]:
    if text is None:
        return []
    if not isinstance(text, str):
        raise InvalidArgumentError(
            f"filter_string {show(text)} is a {type(text).__name__}; pass a str such as "
            '"name LIKE \'prices%\'", or "" for every experiment'
        )
    return _Parser(text).clauses()


class _Parser:
    """Clauses joined by AND, read left to right from the tokens."""

    def __init__(self, text: str) -> None:
        self.text, self.tokens, self.i = text, _tokens(text), 0

    def fail(self, problem: str) -> FilterSyntaxError:
        at = self.tokens[self.i][2] if self.i < len(self.tokens) else len(self.text)
        return _error(self.text, at, problem)

    def peek(self) -> tuple[str, str]:
        if self.i < len(self.tokens):
            return self.tokens[self.i][0], self.tokens[self.i][1]
        return "", ""

    def clauses(self) -> list[_Clause]:
        out = []
        while self.i < len(self.tokens):
            out.append(self.clause())
            if self.i < len(self.tokens):
                kind, raw = self.peek()
                if kind != "ident" or raw.upper() != "AND":
                    raise self.fail(f"expected AND, found {raw!r} (OR is not supported)")
                self.i += 1
                if self.i == len(self.tokens):
                    raise self.fail("nothing after AND")
        return out

    def clause(self) -> _Clause:
        kind, raw = self.peek()
        if kind != "ident":
            raise self.fail(f"expected a name such as name or tags.<key>, found {raw!r}")
        entity, key = self.identifier(raw)
        self.i += 1
        op = self.operator()
        value: Any = None
        if op == "IN":
            value = self.values()
        elif op not in ("IS NULL", "IS NOT NULL"):
            if self.peek()[0] not in ("string", "number"):
                raise self.fail(f"{raw} {op} needs a value")
            value = _literal(*self.peek())
            self.i += 1
        clause = _Clause(entity, key, op, value)
        self.check(clause)
        return clause

    def identifier(self, raw: str) -> tuple[str, str]:
        entity, dot, key = raw.partition(".")
        if not dot:
            entity, key = "attribute", raw
        elif entity in ("attribute", "attributes"):
            entity = "attribute"
        elif entity in ("tag", "tags"):
            entity = "tag"
        else:
            raise self.fail(f"unknown entity {entity!r} (use attribute or tags)")
        if len(key) >= 2 and key[0] == key[-1] and key[0] in '`"':
            key = key[1:-1]
        if entity == "attribute" and key not in _STRING_KEYS | _NUMERIC_KEYS:
            raise self.fail(f"unknown attribute {key!r}")
        return entity, key

    def operator(self) -> str:
        words = [raw.upper() for _, raw, _ in self.tokens[self.i : self.i + 3]]
        for candidate in (["IS", "NOT", "NULL"], ["IS", "NULL"]):
            if words[: len(candidate)] == candidate:
                self.i += len(candidate)
                return " ".join(candidate)
        kind, raw = self.peek()
        if (kind == "op" and raw in _NUMERIC_OPS) or (
            kind == "ident" and raw.upper() in ("LIKE", "ILIKE", "IN")
        ):
            self.i += 1
            return raw.upper()
        raise self.fail("expected a comparison (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, IS NULL)")

    def values(self) -> tuple[Any, ...]:
        if self.peek()[1] != "(":
            raise self.fail("IN needs a list such as ('1', '2')")
        self.i += 1
        values = []
        while self.peek()[0] in ("string", "number"):
            values.append(_literal(*self.peek()))
            self.i += 1
            if self.peek()[1] == ",":
                self.i += 1
        if self.peek()[1] != ")" or not values:
            raise self.fail("IN needs a list such as ('1', '2')")
        self.i += 1
        return tuple(values)

    def check(self, c: _Clause) -> None:
        if c.kind == "tag":
            ops, want = _TAG_OPS, str
        elif c.key in _NUMERIC_KEYS:
            ops, want = _NUMERIC_OPS, float
        else:
            ops, want = _STRING_OPS | ({"IN"} if c.key == "experiment_id" else set()), str
        if c.op not in ops:
            self.i -= 1
            raise self.fail(f"{c.key} takes {sorted(ops)}, not {c.op}")
        values = c.value if isinstance(c.value, tuple) else (c.value,)
        if c.value is not None and not all(isinstance(v, want) for v in values):
            self.i -= 1
            raise self.fail(
                f"{c.key} {c.op} needs {'a number' if want is float else 'a quoted string'}"
            )


def _literal(kind: str, raw: str) -> Any:
    if kind == "number":
        return float(raw)
    quote = raw[0]
    return raw[1:-1].replace(quote * 2, quote)


def _holds(c: _Clause, row: _Row) -> bool:
    if c.kind == "tag":
        if c.op in ("IS NULL", "IS NOT NULL"):
            return (c.key in row.tags) == (c.op == "IS NOT NULL")
        if c.key not in row.tags:
            return False
        left: Any = row.tags[c.key]
    else:
        left = row.attribute(c.key)
    return _COMPARE[c.op](left, c.value)


def _like(pattern: str, flags: int = 0) -> re.Pattern[str]:
    parts = [".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern]
    return re.compile("".join(parts), flags | re.DOTALL)


_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "LIKE": lambda a, b: _like(b).fullmatch(a) is not None,
    "ILIKE": lambda a, b: _like(b, re.IGNORECASE).fullmatch(a) is not None,
    "IN": lambda a, b: a in b,
}


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
        if key in _STRING_KEYS | _NUMERIC_KEYS and direction in ("ASC", "DESC"):
            return key, direction == "ASC"
    allowed = sorted(_STRING_KEYS | _NUMERIC_KEYS)
    raise InvalidArgumentError(
        f"order_by item {show(item)}: order experiments by one of {allowed}, with ASC or "
        "DESC, e.g. 'name ASC'"
    )
