"""The search grammar: parse a filter or an order_by list, evaluate it over Arrow tables.

``search_runs`` hands this module the runs and their long-format params, metrics and tags as a
:class:`RunTables`; nothing here reads or writes the store.  A filter is parsed once into a small
tree of frozen nodes (:class:`Comparison`, :class:`And`, :class:`Or`, :class:`Not`), checked for
type errors before any data is touched, then evaluated with ``pyarrow.compute`` one comparison at a
time: select the key's rows of the long table, compare the value column, and turn the run ids that
match into a mask over the runs with ``pc.is_in``.  No Python loop runs per row.

Comparisons use SQL's three-valued logic: a run that lacks the key is *unknown*, neither a match
nor a non-match, so it never matches ``!=``, ``NOT IN`` or ``NOT (...)`` either.  The grammar is
documented for users in ``docs/search.md``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import pyarrow as pa
import pyarrow.compute as pc

from .exceptions import FilterSyntaxError

__all__ = [
    "And",
    "Comparison",
    "Node",
    "Not",
    "Or",
    "OrderKey",
    "RunTables",
    "evaluate_filter",
    "parse_filter",
    "parse_order_by",
    "sort_indices",
]

Entity = Literal["metrics", "params", "tags", "attributes"]
Value = str | float | tuple[str | float, ...] | None

_ENTITIES: dict[str, Entity] = {
    "metric": "metrics",
    "metrics": "metrics",
    "param": "params",
    "params": "params",
    "parameter": "params",
    "parameters": "params",
    "tag": "tags",
    "tags": "tags",
    "attribute": "attributes",
    "attributes": "attributes",
    "attr": "attributes",
    "run": "attributes",
}
_STRING_ATTRIBUTES = frozenset(
    {"run_id", "run_name", "experiment", "experiment_id", "status", "parent_run_id"}
)
_NUMERIC_ATTRIBUTES = frozenset({"start_time", "end_time"})
_ATTRIBUTE_ALIASES = {"created": "start_time"}  # MLflow's alias, kept for its users
_ALL_ATTRIBUTES = _STRING_ATTRIBUTES | _NUMERIC_ATTRIBUTES
_ATTRIBUTES_TEXT = ", ".join(sorted(_ALL_ATTRIBUTES))

_ORDERING = frozenset({"<", "<=", ">", ">="})
_LIKES = frozenset({"LIKE", "ILIKE", "NOT LIKE", "NOT ILIKE"})
_LISTS = frozenset({"IN", "NOT IN"})
_NULLS = frozenset({"IS NULL", "IS NOT NULL"})
_KEYWORDS = frozenset({"AND", "OR", "NOT", "IN", "LIKE", "ILIKE", "IS", "NULL", "ASC", "DESC"})
# Parentheses and NOT recurse; a bound keeps a hostile filter from reaching RecursionError.
_MAX_DEPTH = 100
_NO_ATTRIBUTE = "unknown attribute {!r}; attributes are: " + _ATTRIBUTES_TEXT


@dataclass(frozen=True)
class RunTables:
    """The runs to search and their params, metrics and tags, as Arrow tables.

    Parameters
    ----------
    runs : pyarrow.Table
        One row per run: ``run_id, run_name, experiment, experiment_id, status`` (strings),
        ``start_time, end_time`` (int64 ms since the epoch; ``end_time`` null while running),
        ``parent_run_id`` (string, null for a top-level run).
    params : pyarrow.Table
        ``run_id, key, value`` (the text form, e.g. ``"0.1"``, ``"True"``, ``"None"``),
        ``value_type`` (``"bool", "int", "float", "str", "none", "repr"``) and ``value_num``
        (float64, null unless the param is an int or a float).
    metrics : pyarrow.Table
        ``run_id, key, value`` (float64): the latest value of each metric of each run.
    tags : pyarrow.Table
        ``run_id, key, value`` (string).
    """

    runs: pa.Table
    params: pa.Table
    metrics: pa.Table
    tags: pa.Table


@dataclass(frozen=True)
class Comparison:
    """One ``<entity>.<key> <op> <value>`` clause.

    ``value`` is a ``str`` or ``float`` literal, a tuple of them for ``IN``/``NOT IN``, or
    ``None`` for ``IS NULL``/``IS NOT NULL``.  ``op`` is upper case (``"NOT IN"``, ``"ILIKE"``).
    """

    entity: Entity
    key: str
    op: str
    value: Value


@dataclass(frozen=True)
class And:
    """All of ``children`` hold."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    """At least one of ``children`` holds."""

    children: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    """``child`` is known not to hold (a run lacking the key stays unknown)."""

    child: Node


Node = Comparison | And | Or | Not


@dataclass(frozen=True)
class OrderKey:
    """One ``order_by`` item: sort on ``<entity>.<key>``, ascending or not."""

    entity: Entity
    key: str
    ascending: bool = True


# ----------------------------------------------------------------------------------------------
# Tokens

_TOKEN_RE = re.compile(
    r"""
    (?P<space>\s+)
    |(?P<number>[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)
    |(?P<word>[A-Za-z_][A-Za-z0-9_\-./:]*)
    |(?P<string>'(?:[^']|'')*'|"(?:[^"]|"")*")
    |(?P<backtick>`(?:[^`]|``)*`)
    |(?P<op><=|>=|!=|=|<|>)
    |(?P<punct>[(),])
    """,
    re.VERBOSE,
)
_WORD_CHAR = re.compile(r"[A-Za-z0-9_\-./:]")


@dataclass(frozen=True)
class _Token:
    kind: str  # number, word, string, backtick, op, punct, end
    text: str
    pos: int
    value: str | float = ""

    @property
    def end(self) -> int:
        return self.pos + len(self.text)

    @property
    def keyword(self) -> str | None:
        upper = self.text.upper()
        return upper if self.kind == "word" and upper in _KEYWORDS else None


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if match is None:
            raise FilterSyntaxError(text, pos, _bad_character(text[pos]))
        kind, raw = match.lastgroup or "", match.group()
        if kind == "number" and _WORD_CHAR.match(text, match.end()):
            raise FilterSyntaxError(text, pos, f"malformed number {raw + text[match.end()]!r}")
        if kind != "space":
            tokens.append(_Token(kind, raw, pos, _token_value(kind, raw)))
        pos = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


def _check_encodable(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:  # a lone surrogate: Arrow strings must be UTF-8
        raise FilterSyntaxError(text, error.start, "not valid Unicode text") from None


def _bad_character(char: str) -> str:
    if char == "`":
        return "unterminated quoted key: no closing `"
    if char in "'\"":
        return f"unterminated string: no closing {char}"
    return f"unexpected character {char!r}"


def _token_value(kind: str, raw: str) -> str | float:
    if kind == "number":
        return float(raw)
    if kind in ("string", "backtick"):
        quote = raw[0]  # a doubled quote stands for one quote character, as in SQL
        return raw[1:-1].replace(quote * 2, quote)
    return raw


# ----------------------------------------------------------------------------------------------
# Parsing


class _Parser:
    """A recursive-descent parser over the token list; AND binds tighter than OR."""

    def __init__(self, text: str) -> None:
        _check_encodable(text)
        self.text, self.tokens, self.index, self.depth = text, _tokenize(text), 0, 0

    def peek(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index = min(self.index + 1, len(self.tokens) - 1)
        return token

    def fail(self, pos: int, problem: str) -> FilterSyntaxError:
        return FilterSyntaxError(self.text, pos, problem)

    def expect_end(self, what: str) -> None:
        token = self.peek()
        if token.kind == "punct" and token.text == ")":
            raise self.fail(token.pos, "unmatched ')'")
        if token.kind != "end":
            raise self.fail(token.pos, f"expected {what}, got {token.text!r}")

    def parse_or(self) -> Node:
        children = [self.parse_and()]
        while self.peek().keyword == "OR":
            self.advance()
            children.append(self.parse_and())
        return children[0] if len(children) == 1 else Or(tuple(children))

    def parse_and(self) -> Node:
        children = [self.parse_unary()]
        while self.peek().keyword == "AND":
            self.advance()
            children.append(self.parse_unary())
        return children[0] if len(children) == 1 else And(tuple(children))

    def parse_unary(self) -> Node:
        token = self.peek()
        if token.keyword != "NOT" and (token.kind, token.text) != ("punct", "("):
            return self.parse_comparison()
        if self.depth >= _MAX_DEPTH:
            raise self.fail(token.pos, f"filter nested more than {_MAX_DEPTH} levels deep")
        self.advance()
        self.depth += 1
        node = Not(self.parse_unary()) if token.keyword == "NOT" else self.parse_group(token)
        self.depth -= 1
        return node

    def parse_group(self, opening: _Token) -> Node:
        node = self.parse_or()
        closing = self.advance()
        if closing.kind == "end":
            raise self.fail(opening.pos, "unclosed '('")
        if closing.text != ")" or closing.kind != "punct":
            raise self.fail(closing.pos, f"expected AND, OR or ')', got {closing.text!r}")
        return node

    def parse_identifier(self) -> tuple[Entity, str]:
        token = self.advance()
        if token.kind != "word" or token.keyword is not None:
            got = f"got {token.text!r}" if token.text else "got the end of the filter"
            raise self.fail(token.pos, f"expected a key such as metrics.r2, {got}")
        prefix, dot, key = token.text.partition(".")
        if not dot:  # a bare name is an attribute, as in MLflow
            if _ATTRIBUTE_ALIASES.get(prefix.lower(), prefix.lower()) not in _ALL_ATTRIBUTES:
                raise self.fail(
                    token.pos,
                    f"unknown key {prefix!r}: prefix it with metrics., params., tags. "
                    "or attributes.",
                )
            return "attributes", self.attribute(prefix, token.pos)
        entity = _ENTITIES.get(prefix.lower())
        if entity is None:
            raise self.fail(
                token.pos,
                f"unknown entity {prefix!r}; use metrics., params., tags. or attributes.",
            )
        if not key:
            key = self.quoted_key(token, entity)
        elif entity == "attributes":
            key = self.attribute(key, token.pos + len(prefix) + 1)
        return entity, key

    def quoted_key(self, entity_token: _Token, entity: Entity) -> str:
        token = self.peek()
        quoted = token.kind == "backtick" or (token.kind == "string" and token.text[0] == '"')
        if not quoted or token.pos != entity_token.end:
            raise self.fail(entity_token.end, f"missing key after {entity_token.text!r}")
        self.advance()
        if not token.value:
            raise self.fail(token.pos, "empty key")
        if entity == "attributes":
            return self.attribute(str(token.value), token.pos)
        return str(token.value)

    def attribute(self, name: str, pos: int) -> str:
        name = _ATTRIBUTE_ALIASES.get(name.lower(), name.lower())
        if name not in _ALL_ATTRIBUTES:
            raise self.fail(pos, _NO_ATTRIBUTE.format(name))
        return name

    def parse_operator(self) -> str:
        token = self.advance()
        if token.kind == "op":
            return token.text
        first = token.keyword
        if first in ("LIKE", "ILIKE", "IN"):
            return first
        second = self.peek().keyword
        if first == "NOT" and second in ("LIKE", "ILIKE", "IN"):
            self.advance()
            return f"NOT {second}"
        if first == "IS":
            return self.parse_is_null()
        raise self.fail(
            token.pos,
            "expected an operator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN, IS NULL), "
            f"got {token.text or 'the end of the filter'!r}",
        )

    def parse_is_null(self) -> str:
        negated = self.peek().keyword == "NOT"
        if negated:
            self.advance()
        token = self.advance()
        if token.keyword != "NULL":
            raise self.fail(token.pos, f"expected NULL after IS, got {token.text or 'the end'!r}")
        return "IS NOT NULL" if negated else "IS NULL"

    def parse_comparison(self) -> Comparison:
        entity, key = self.parse_identifier()
        op_token = self.peek()
        op = self.parse_operator()
        _check_operator(self, entity, key, op, op_token)
        if op in _NULLS:
            return Comparison(entity, key, op, None)
        literals = self.parse_list() if op in _LISTS else [self.parse_literal()]
        _check_literals(self, entity, key, op, op_token, literals)
        values = tuple(literal.value for literal in literals)
        return Comparison(entity, key, op, values if op in _LISTS else values[0])

    def parse_literal(self) -> _Token:
        token = self.advance()
        if token.kind == "number" or token.kind == "string":
            return token
        if token.kind == "backtick":
            raise self.fail(token.pos, "backticks quote keys; quote values with ' or \"")
        if token.text == "(":
            raise self.fail(token.pos, "a parenthesised list is only allowed after IN or NOT IN")
        if token.kind == "word":
            problem = f"expected a quoted string or a number, got {token.text!r}"
            raise self.fail(token.pos, f"{problem}; quote text values: '{token.text}'")
        raise self.fail(token.pos, f"expected a value, got {token.text or 'the end'!r}")

    def parse_list(self) -> list[_Token]:
        opening = self.advance()
        if opening.text != "(" or opening.kind != "punct":
            raise self.fail(opening.pos, "IN needs a parenthesised list, e.g. IN ('a', 'b')")
        if self.peek().text == ")" and self.peek().kind == "punct":
            raise self.fail(self.peek().pos, "empty list after IN")
        literals = [self.parse_literal()]
        while (separator := self.advance()).text == ",":
            literals.append(self.parse_literal())
        if separator.text != ")" or separator.kind != "punct":
            where = "the end of the filter" if separator.kind == "end" else repr(separator.text)
            raise self.fail(separator.pos, f"expected ',' or ')' in the list, got {where}")
        return literals


def _value_kind(entity: Entity, key: str) -> str:
    """What an entity's values are: 'number', 'text', or 'either' (params)."""
    if entity == "metrics" or (entity == "attributes" and key in _NUMERIC_ATTRIBUTES):
        return "number"
    return "either" if entity == "params" else "text"


def _check_operator(parser: _Parser, entity: Entity, key: str, op: str, token: _Token) -> None:
    kind = _value_kind(entity, key)
    if kind == "number" and op in _LIKES:
        raise parser.fail(token.pos, f"{op} compares text; {entity}.{key} is a number")
    if kind == "text" and op in _ORDERING:
        raise parser.fail(
            token.pos,
            f"{op!r} compares numbers; {entity}.{key} is text: "
            "use =, !=, LIKE, ILIKE, IN or NOT IN",
        )


def _check_literals(
    parser: _Parser, entity: Entity, key: str, op: str, op_token: _Token, literals: list[_Token]
) -> None:
    first = literals[0]
    for literal in literals[1:]:
        if literal.kind != first.kind:
            raise parser.fail(literal.pos, "a list mixes numbers and quoted strings")
    kind, name = _value_kind(entity, key), f"{entity}.{key}"
    if kind == "number" and first.kind == "string":
        raise parser.fail(
            first.pos, f"{name} is a number: compare it with a number, not a quoted string"
        )
    if kind == "text" and first.kind == "number":
        raise parser.fail(first.pos, f"{name} is text: quote the value, e.g. '{first.text}'")
    if first.kind == "string" and op in _ORDERING:
        raise parser.fail(
            op_token.pos,
            f"{op!r} needs a number: params compare numerically with an unquoted number "
            f"({name} {op} 0.1), as text only with =, !=, LIKE, ILIKE, IN or NOT IN",
        )
    if first.kind == "number" and op in _LIKES:
        raise parser.fail(first.pos, f"{op} needs a quoted pattern, e.g. '%{first.text}%'")


def parse_filter(text: str | None) -> Node | None:
    """Parse a search filter into a tree of nodes.

    Parameters
    ----------
    text : str or None
        A filter such as ``"metrics.r2 > 0.5 and params.solver = 'lbfgs'"``; the grammar is
        in ``docs/search.md``.

    Returns
    -------
    Node or None
        The parsed tree, or None for an empty or all-whitespace filter (every run matches).

    Raises
    ------
    FilterSyntaxError
        If the filter does not parse or compares a key with a value of the wrong type;
        ``position`` points at the offending token.

    Examples
    --------
    >>> parse_filter("metrics.r2 > 0.5")
    Comparison(entity='metrics', key='r2', op='>', value=0.5)
    >>> parse_filter("  ") is None
    True
    """
    if text is None:
        return None
    if not isinstance(text, str):
        raise FilterSyntaxError(repr(text), 0, "a filter must be a string")
    if not text.strip():
        return None
    parser = _Parser(text)
    node = parser.parse_or()
    parser.expect_end("AND, OR or the end of the filter")
    return node


# ----------------------------------------------------------------------------------------------
# Evaluation

_UNKNOWN = pa.scalar(None, pa.bool_())


def evaluate_filter(node: Node | None, tables: RunTables) -> pa.Array:
    """Evaluate a parsed filter into a boolean mask over ``tables.runs``.

    Parameters
    ----------
    node : Node or None
        What :func:`parse_filter` returned; None selects every run.
    tables : RunTables
        The runs and their params, metrics and tags.

    Returns
    -------
    pyarrow.BooleanArray
        One entry per row of ``tables.runs``, True where the run matches; never null.

    Examples
    --------
    >>> import pyarrow as pa
    >>> runs = pa.table({"run_id": ["a", "b", "c"], "status": ["FINISHED", "FAILED", "FINISHED"]})
    >>> metrics = pa.table({"run_id": ["a", "c"], "key": ["r2", "r2"], "value": [0.4, 0.9]})
    >>> nothing = metrics.slice(0, 0)
    >>> tables = RunTables(runs, params=nothing, metrics=metrics, tags=nothing)
    >>> evaluate_filter(parse_filter("metrics.r2 > 0.5 or status = 'FAILED'"), tables).to_pylist()
    [False, True, True]
    """
    run_ids = _plain(tables.runs.column("run_id"))
    if node is None:
        return pc.fill_null(pa.nulls(len(run_ids), pa.bool_()), True)
    return pc.fill_null(_evaluate(node, tables, run_ids, False), False)


def _evaluate(node: Node, tables: RunTables, run_ids: pa.Array, kleene: bool) -> pa.Array:
    """A mask over the runs; with ``kleene``, null where a run lacks the key.

    Outside a NOT, "unknown" and "false" select the same runs, so the (costly) mask of the runs
    that have the key is only computed under a NOT.
    """
    if isinstance(node, Comparison):
        return _compare(node, tables, run_ids, kleene)
    if isinstance(node, Not):
        return pc.invert(_evaluate(node.child, tables, run_ids, True))
    combine = pc.and_kleene if isinstance(node, And) else pc.or_kleene
    mask = _evaluate(node.children[0], tables, run_ids, kleene)
    for child in node.children[1:]:
        mask = combine(mask, _evaluate(child, tables, run_ids, kleene))
    return mask


def _compare(node: Comparison, tables: RunTables, run_ids: pa.Array, kleene: bool) -> pa.Array:
    if node.entity == "attributes":
        return _compare_attribute(node, tables.runs)
    long = getattr(tables, node.entity)
    column = "value_num" if node.entity == "params" and _numeric(node.value) else "value"
    selected = pc.and_(pc.equal(long.column("key"), node.key), pc.is_valid(long.column(column)))
    rows = long.select(["run_id", column]).filter(selected)
    if node.op in _NULLS:
        present = pc.is_in(run_ids, value_set=_plain(rows.column("run_id")))
        return present if node.op == "IS NOT NULL" else pc.invert(present)
    hits = rows.column("run_id").filter(_predicate(node, _plain(rows.column(column))))
    matched = pc.is_in(run_ids, value_set=_plain(hits))
    if not kleene:
        return matched
    present = pc.is_in(run_ids, value_set=_plain(rows.column("run_id")))
    return pc.if_else(present, matched, _UNKNOWN)


def _compare_attribute(node: Comparison, runs: pa.Table) -> pa.Array:
    values = _plain(runs.column(node.key))
    if node.key in _NUMERIC_ATTRIBUTES:
        values = _as_float(values)
    present = pc.is_valid(values)
    if node.op in _NULLS:
        return present if node.op == "IS NOT NULL" else pc.invert(present)
    return pc.if_else(present, _predicate(node, values), _UNKNOWN)


def _predicate(node: Comparison, values: pa.Array) -> pa.Array:
    """Compare a value column with the node's literal; nulls in ``values`` stay null."""
    op, value = node.op, node.value
    if op in _LISTS:
        choices = pa.array(value, pa.float64() if _numeric(value) else pa.string())
        found = pc.is_in(values, value_set=choices)
        return found if op == "IN" else pc.invert(found)
    if op in _LIKES:
        regex = _like_regex(str(value))
        found = pc.match_substring_regex(values, regex, ignore_case=op.endswith("ILIKE"))
        return pc.invert(found) if op.startswith("NOT") else found
    scalar = pa.scalar(value, pa.float64() if _numeric(value) else pa.string())
    return _COMPARE[op](values, scalar)


def _like_regex(pattern: str) -> str:
    """An anchored RE2 regex for a LIKE pattern: % is any text, _ one character, no escapes.

    pyarrow's own ``match_like`` mishandles escaped backslashes on some of its fast paths
    (``%\\`` never matches), so the translation is done here.
    """
    return "(?s)^" + "".join(_LIKE_TO_RE2.get(char, char) for char in pattern) + "$"


_LIKE_TO_RE2 = {"%": ".*", "_": "."} | {c: "\\" + c for c in string.punctuation if c not in "%_"}

_COMPARE = {
    "=": pc.equal,
    "!=": pc.not_equal,
    "<": pc.less,
    "<=": pc.less_equal,
    ">": pc.greater,
    ">=": pc.greater_equal,
}


def _numeric(value: Value) -> bool:
    first = value[0] if isinstance(value, tuple) else value
    return isinstance(first, float)


def _plain(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One contiguous, non-dictionary array (``is_in`` value sets must be plain arrays)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    return array


def _as_float(values: pa.Array) -> pa.Array:
    if pa.types.is_timestamp(values.type):  # a store may keep times as timestamp[ms]
        values = values.cast(pa.int64())
    return values.cast(pa.float64())


# ----------------------------------------------------------------------------------------------
# order_by

_DEFAULT_ORDER = (OrderKey("attributes", "start_time", False), OrderKey("attributes", "run_id"))


def parse_order_by(items: Sequence[str] | str | None) -> list[OrderKey]:
    """Parse ``order_by`` items such as ``"metrics.r2 DESC"``.

    Parameters
    ----------
    items : sequence of str, str or None
        Each item is a key (``metrics.r2``, ``params.alpha``, ``attributes.start_time``,
        ``metrics.`Neg. RMSE```) followed by an optional ``ASC`` (the default) or ``DESC``.
        A single string is taken as one item.

    Returns
    -------
    list of OrderKey
        One per item; for None or an empty list, MLflow's default: ``start_time`` descending,
        then ``run_id``.

    Raises
    ------
    FilterSyntaxError
        If an item does not parse; ``text`` is that item.

    Examples
    --------
    >>> parse_order_by(["metrics.r2 DESC"])
    [OrderKey(entity='metrics', key='r2', ascending=False)]
    """
    if items is None:
        return list(_DEFAULT_ORDER)
    if isinstance(items, str):
        items = [items]
    keys = [_parse_order_item(item) for item in items]
    return keys or list(_DEFAULT_ORDER)


def _parse_order_item(item: object) -> OrderKey:
    if not isinstance(item, str):
        raise FilterSyntaxError(repr(item), 0, "an order_by item must be a string")
    parser = _Parser(item)
    entity, key = parser.parse_identifier()
    direction = parser.peek().keyword
    if direction in ("ASC", "DESC"):
        parser.advance()
    parser.expect_end("ASC, DESC or the end of the order_by item")
    return OrderKey(entity, key, direction != "DESC")


def sort_indices(keys: list[OrderKey], tables: RunTables, indices: pa.Array) -> pa.Array:
    """Reorder run row indices by ``keys``.

    Parameters
    ----------
    keys : list of OrderKey
        What :func:`parse_order_by` returned, most significant first.
    tables : RunTables
        The runs and their params, metrics and tags.
    indices : pyarrow.Array of int
        Row indices into ``tables.runs`` (e.g. the rows a filter selected).

    Returns
    -------
    pyarrow.Array
        ``indices`` reordered.  Missing values (and NaN, and params logged as None) sort last
        in both directions; ties keep their order in ``indices``.  A param sorts numerically
        when every value present among ``indices`` is a number, otherwise as text.

    Examples
    --------
    >>> import pyarrow as pa
    >>> runs = pa.table({"run_id": ["a", "b", "c"]})
    >>> metrics = pa.table({"run_id": ["a", "c"], "key": ["r2", "r2"], "value": [0.4, 0.9]})
    >>> tables = RunTables(runs, params=metrics, metrics=metrics, tags=metrics)
    >>> keys = parse_order_by(["metrics.r2 DESC"])
    >>> sort_indices(keys, tables, pa.array([0, 1, 2])).to_pylist()  # b has no r2: last
    [2, 0, 1]
    """
    indices = _plain(indices)
    if not keys or len(indices) == 0:
        return indices
    run_ids = _plain(tables.runs.column("run_id"))
    columns: dict[str, pa.Array] = {}
    sort_keys: list[tuple[str, str]] = []
    for number, key in enumerate(keys):
        values = _sort_values(key, tables, run_ids, indices)
        # An explicit "missing" column keeps nulls last whatever the direction (and whatever
        # the pyarrow version: per-key null placement is recent).
        columns[f"missing{number}"] = pc.is_null(values)
        columns[f"value{number}"] = values
        sort_keys += [(f"missing{number}", "ascending")]
        sort_keys += [(f"value{number}", "ascending" if key.ascending else "descending")]
    order = pc.sort_indices(pa.table(columns), sort_keys=sort_keys)
    return indices.take(order)


_SORT_COLUMNS = {
    "params": ["run_id", "value", "value_type", "value_num"],
    "metrics": ["run_id", "value"],
    "tags": ["run_id", "value"],
}


def _sort_values(
    key: OrderKey, tables: RunTables, run_ids: pa.Array, indices: pa.Array
) -> pa.Array:
    """The key's value for each run in ``indices``, null where missing."""
    if key.entity == "attributes":
        values = _plain(tables.runs.column(key.key)).take(indices)
        return _as_float(values) if key.key in _NUMERIC_ATTRIBUTES else values
    long = getattr(tables, key.entity)
    rows = long.select(_SORT_COLUMNS[key.entity]).filter(pc.equal(long["key"], key.key))
    # For each selected run, the row of the long table that holds its value (null if none).
    where = pc.index_in(run_ids.take(indices), value_set=_plain(rows.column("run_id")))
    if key.entity == "metrics":
        values = _plain(rows.column("value")).take(where)
        return pc.if_else(pc.is_nan(values), pa.scalar(None, pa.float64()), values)
    text = _plain(rows.column("value")).take(where)
    if key.entity == "params":
        logged_none = pc.equal(_plain(rows.column("value_type")).take(where), "none")
        text = pc.if_else(pc.fill_null(logged_none, False), pa.scalar(None, text.type), text)
        numbers = _plain(rows.column("value_num")).take(where)
        if pc.all(pc.or_(pc.is_null(text), pc.is_valid(numbers))).as_py() is not False:
            return numbers
    return text
