"""Parsing: the tokenizer, and the recursive-descent parser that turns a filter into nodes,
rejecting type errors (a text key compared with ``<``, a metric with a quoted string) up front."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..exceptions import FilterSyntaxError
from ._nodes import (
    ALL_ATTRIBUTES,
    DATASET_KEYS,
    LIKES,
    LISTS,
    NULLS,
    NUMERIC_ATTRIBUTES,
    ORDERING,
    And,
    Comparison,
    Entity,
    Node,
    Not,
    Or,
)

__all__ = ["TAG_ALIASES", "Parser", "parse_filter"]

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
    "dataset": "datasets",
    "datasets": "datasets",
}
# MLflow's aliases, kept for its users (``attributes.`Run name` ``)
_ATTRIBUTE_ALIASES = {"created": "start_time", "run name": "run_name"}
# MLflow's attributes that sktrack keeps elsewhere
_ATTRIBUTE_FIELDS: dict[str, tuple[Entity, str]] = {"user_id": ("tags", "sktrack.user")}
# MLflow's system tags, as scripts written for MLflow filter on them: each names the sktrack
# field (or tag) that holds what MLflow keeps in that tag
TAG_ALIASES: dict[str, tuple[Entity, str]] = {
    "mlflow.runName": ("attributes", "run_name"),
    "mlflow.parentRunId": ("attributes", "parent_run_id"),
    "mlflow.user": ("tags", "sktrack.user"),
    "mlflow.note.content": ("tags", "sktrack.description"),
}
_ATTRIBUTES_TEXT = ", ".join(sorted(ALL_ATTRIBUTES | set(_ATTRIBUTE_FIELDS)))
_KEYWORDS = frozenset({"AND", "OR", "NOT", "IN", "LIKE", "ILIKE", "IS", "NULL", "ASC", "DESC"})
# Parentheses and NOT recurse; a bound keeps a hostile filter from reaching RecursionError.
_MAX_DEPTH = 100
_NO_ATTRIBUTE = "unknown attribute {!r}; attributes are: " + _ATTRIBUTES_TEXT


# ----------------------------------------------------------------------------------------------
# Tokens

_TOKEN_RE = re.compile(
    r"""
    (?P<space>\s+)
    |(?P<number>[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?)
    |(?P<word>[A-Za-z_][A-Za-z0-9_\-./:]*)
    |(?P<string>'(?:[^']|'')*'|"(?:[^"]|"")*")
    |(?P<qentity>`(?:[^`]|``)*`\.)
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
    if kind == "qentity":  # `metrics`. : a backticked entity name, as MLflow allows
        return raw[1:-2].replace("``", "`")
    if kind in ("string", "backtick"):
        quote = raw[0]  # a doubled quote stands for one quote character, as in SQL
        return raw[1:-1].replace(quote * 2, quote)
    return raw


# ----------------------------------------------------------------------------------------------
# Parsing


class Parser:
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
        if token.kind == "qentity":
            return self.entity_key(token, str(token.value), "", token.end)
        if token.kind != "word" or token.keyword is not None:
            got = f"got {token.text!r}" if token.text else "got the end of the filter"
            raise self.fail(token.pos, f"expected a key such as metrics.r2, {got}")
        prefix, dot, key = token.text.partition(".")
        if not dot:  # a bare name is an attribute, as in MLflow
            name = prefix.lower()
            if _ATTRIBUTE_ALIASES.get(name, name) not in ALL_ATTRIBUTES | set(_ATTRIBUTE_FIELDS):
                raise self.fail(
                    token.pos,
                    f"unknown key {prefix!r}: prefix it with metrics., params., tags. "
                    "or attributes.",
                )
            return self.resolve("attributes", self.attribute(prefix, token.pos))
        return self.entity_key(token, prefix, key, token.pos + len(prefix) + 1)

    def entity_key(self, token: _Token, prefix: str, key: str, key_pos: int) -> tuple[Entity, str]:
        entity = _ENTITIES.get(prefix.lower())
        if entity is None:
            raise self.fail(
                token.pos,
                f"unknown entity {prefix!r}; use metrics., params., tags., attributes. "
                "or datasets.",
            )
        if not key:
            key = self.quoted_key(token, entity)
        elif entity == "attributes":
            key = self.attribute(key, key_pos)
        if entity == "datasets" and key not in DATASET_KEYS:
            raise self.fail(
                key_pos, f"unknown dataset key {key!r}; datasets. takes name, digest or context"
            )
        return self.resolve(entity, key)

    def resolve(self, entity: Entity, key: str) -> tuple[Entity, str]:
        """MLflow's system tags and attributes as the sktrack fields that hold them."""
        if entity == "tags" and key in TAG_ALIASES:
            return TAG_ALIASES[key]
        if entity == "attributes" and key in _ATTRIBUTE_FIELDS:
            return _ATTRIBUTE_FIELDS[key]
        return entity, key

    def quoted_key(self, entity_token: _Token, entity: Entity) -> str:
        token = self.peek()
        quoted = token.kind == "backtick" or (token.kind == "string" and token.text[0] == '"')
        if token.kind == "word" and entity_token.kind == "qentity" and token.keyword is None:
            quoted = True  # `metrics`.r2
        if not quoted or token.pos != entity_token.end:
            raise self.fail(entity_token.end, f"missing key after {entity_token.text!r}")
        self.advance()
        if not token.value:
            raise self.fail(token.pos, "empty key")
        if entity == "attributes" and token.kind == "word":
            return self.attribute(str(token.value), token.pos)
        if entity == "attributes":
            return self.attribute(str(token.value), token.pos)
        return str(token.value)

    def attribute(self, name: str, pos: int) -> str:
        name = _ATTRIBUTE_ALIASES.get(name.lower(), name.lower())
        if name not in ALL_ATTRIBUTES and name not in _ATTRIBUTE_FIELDS:
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
        if op in NULLS:
            return Comparison(entity, key, op, None)
        literals = self.parse_list() if op in LISTS else [self.parse_literal()]
        _check_literals(self, entity, key, op, op_token, literals)
        values = tuple(literal.value for literal in literals)
        return Comparison(entity, key, op, values if op in LISTS else values[0])

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
    if entity == "metrics" or (entity == "attributes" and key in NUMERIC_ATTRIBUTES):
        return "number"
    return "either" if entity == "params" else "text"


def _check_operator(parser: Parser, entity: Entity, key: str, op: str, token: _Token) -> None:
    kind = _value_kind(entity, key)
    if kind == "number" and op in LIKES:
        raise parser.fail(token.pos, f"{op} compares text; {entity}.{key} is a number")
    if kind == "text" and op in ORDERING:
        raise parser.fail(
            token.pos,
            f"{op!r} compares numbers; {entity}.{key} is text: "
            "use =, !=, LIKE, ILIKE, IN or NOT IN",
        )


def _check_literals(
    parser: Parser, entity: Entity, key: str, op: str, op_token: _Token, literals: list[_Token]
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
    if first.kind == "string" and op in ORDERING:
        raise parser.fail(
            op_token.pos,
            f"{op!r} needs a number: params compare numerically with an unquoted number "
            f"({name} {op} 0.1), as text only with =, !=, LIKE, ILIKE, IN or NOT IN",
        )
    if first.kind == "number" and op in LIKES:
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
    parser = Parser(text)
    node = parser.parse_or()
    parser.expect_end("AND, OR or the end of the filter")
    return node
