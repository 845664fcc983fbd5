"""MLflow's small filter grammar for lists of records (experiments, registered models, model
versions): ``<attribute> <op> <value>`` and ``tags.<key> <op> <value>`` clauses joined by
``AND``, as ``SearchExperimentsUtils``, ``SearchModelUtils`` and ``SearchModelVersionUtils``
in ``mlflow/utils/search_utils.py`` take them.

Attributes take an optional ``attribute.``/``attributes.`` prefix; keys may be in backticks or
double quotes; strings in single or double quotes (a doubled quote escapes itself).  A record
lacking a tag matches no comparison on it but ``IS NULL``.  These lists are small (tens to
thousands of records), so a parsed filter is evaluated in Python over them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .._store import show
from ..exceptions import FilterSyntaxError, InvalidArgumentError

__all__ = ["EQUALITY", "LIKES", "ORDERING", "FilterSpec", "RecordClause", "parse_record_filter"]

EQUALITY = frozenset({"=", "!="})
LIKES = frozenset({"LIKE", "ILIKE"})
ORDERING = frozenset({"=", "!=", "<", "<=", ">", ">="})
_LISTS = frozenset({"IN", "NOT IN"})
_NULLS = frozenset({"IS NULL", "IS NOT NULL"})

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^']|'')*'|"(?:[^"]|"")*")
    | (?P<number>-?\d+(?:\.\d+)?)
    | (?P<op>!=|<=|>=|=|<|>|\(|\)|,)
    | (?P<ident>(?:[A-Za-z_]\w*\.)?(?:`[^`]+`|"[^"]+"|[A-Za-z_][\w.\-]*))
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class FilterSpec:
    """What a filter over one kind of record may say: each text attribute and number
    attribute with its operators, the operators on tags, and what the records are called."""

    what: str
    strings: Mapping[str, frozenset[str]]
    numbers: Mapping[str, frozenset[str]]
    tag_ops: frozenset[str]

    def attributes(self) -> list[str]:
        return sorted({*self.strings, *self.numbers})


@dataclass(frozen=True)
class RecordClause:
    """One parsed clause; ``value`` is a str, a float, a tuple of them (IN) or None."""

    kind: str  # "attribute" or "tag"
    key: str
    op: str
    value: Any

    def holds(self, attribute: Callable[[str], Any], tags: Mapping[str, str]) -> bool:
        """Whether a record (read through ``attribute(key)`` and its ``tags``) matches."""
        if self.kind == "tag":
            if self.op in _NULLS:
                return (self.key in tags) == (self.op == "IS NOT NULL")
            if self.key not in tags:
                return False
            left: Any = tags[self.key]
        else:
            left = attribute(self.key)
        if left is None:
            return False
        return _COMPARE[self.op](left, self.value)


def parse_record_filter(text: object, spec: FilterSpec) -> list[RecordClause]:
    """The clauses of ``text`` (None or ``""``: none), checked against ``spec``.

    Examples
    --------
    >>> spec = FilterSpec("model", {"name": EQUALITY | LIKES}, {}, EQUALITY)
    >>> [c.holds(lambda k: "prices", {}) for c in parse_record_filter("name LIKE 'pri%'", spec)]
    [True]
    """
    if text is None:
        return []
    if not isinstance(text, str):
        raise InvalidArgumentError(
            f"filter_string {show(text)} is a {type(text).__name__}; pass a str such as "
            f'"name LIKE \'prices%\'", or "" for every {spec.what}'
        )
    return _Parser(text, spec).clauses()


def _tokens(text: str, spec: FilterSpec) -> list[tuple[str, str, int]]:
    """(kind, text, position) of each token."""
    out, pos = [], 0
    while text[pos:].strip():
        match = _TOKEN.match(text, pos)
        if match is None:
            start = len(text) - len(text[pos:].lstrip())
            raise _error(text, start, f"cannot read {text[start:][:20]!r}", spec)
        kind = match.lastgroup or ""
        out.append((kind, match.group(kind), match.start(kind)))
        pos = match.end()
    return out


def _error(text: str, position: int, problem: str, spec: FilterSpec) -> FilterSyntaxError:
    return FilterSyntaxError(
        text,
        position,
        f"{problem} ({spec.what} filters: {', '.join(spec.attributes())} and tags.<key> "
        "clauses joined by AND)",
    )


def _literal(kind: str, raw: str) -> Any:
    if kind == "number":
        return float(raw)
    quote = raw[0]
    return raw[1:-1].replace(quote * 2, quote)


class _Parser:
    """Clauses joined by AND, read left to right from the tokens."""

    def __init__(self, text: str, spec: FilterSpec) -> None:
        self.text, self.spec, self.tokens, self.i = text, spec, _tokens(text, spec), 0

    def fail(self, problem: str) -> FilterSyntaxError:
        at = self.tokens[self.i][2] if self.i < len(self.tokens) else len(self.text)
        return _error(self.text, at, problem, self.spec)

    def peek(self) -> tuple[str, str]:
        if self.i < len(self.tokens):
            return self.tokens[self.i][0], self.tokens[self.i][1]
        return "", ""

    def clauses(self) -> list[RecordClause]:
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

    def clause(self) -> RecordClause:
        kind, raw = self.peek()
        if kind != "ident":
            raise self.fail(f"expected a name such as name or tags.<key>, found {raw!r}")
        entity, key = self.identifier(raw)
        self.i += 1
        op = self.operator()
        value: Any = None
        if op in _LISTS:
            value = self.values()
        elif op not in _NULLS:
            if self.peek()[0] not in ("string", "number"):
                raise self.fail(f"{raw} {op} needs a value")
            value = _literal(*self.peek())
            self.i += 1
        clause = RecordClause(entity, key, op, value)
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
        if entity == "attribute" and key not in self.spec.attributes():
            raise self.fail(f"unknown attribute {key!r}")
        return entity, key

    def operator(self) -> str:
        words = [raw.upper() for _, raw, _ in self.tokens[self.i : self.i + 3]]
        for candidate in (["IS", "NOT", "NULL"], ["IS", "NULL"], ["NOT", "IN"]):
            if words[: len(candidate)] == candidate:
                self.i += len(candidate)
                return " ".join(candidate)
        kind, raw = self.peek()
        if (kind == "op" and raw in ORDERING) or (
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

    def check(self, c: RecordClause) -> None:
        want: type
        if c.kind == "tag":
            ops, want = self.spec.tag_ops, str
        elif c.key in self.spec.numbers:
            ops, want = self.spec.numbers[c.key], float
        else:
            ops, want = self.spec.strings[c.key], str
        if c.op not in ops:
            self.i -= 1
            raise self.fail(f"{c.key} takes {sorted(ops)}, not {c.op}")
        values = c.value if isinstance(c.value, tuple) else (c.value,)
        if c.value is not None and not all(isinstance(v, want) for v in values):
            self.i -= 1
            kind = "a number" if want is float else "a quoted string"
            raise self.fail(f"{c.key} {c.op} needs {kind}")


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
    "LIKE": lambda a, b: _like(b).fullmatch(str(a)) is not None,
    "ILIKE": lambda a, b: _like(b, re.IGNORECASE).fullmatch(str(a)) is not None,
    "IN": lambda a, b: a in b,
    "NOT IN": lambda a, b: a not in b,
}
