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

It sits beside `sktrack._store`, as its peer: it imports only `sktrack.exceptions` (and pyarrow),
and neither package imports the other; `sktrack._tracking` brings the two together.
"""

from __future__ import annotations

from ._evaluate import evaluate_filter
from ._nodes import And, Comparison, Node, Not, Or, OrderKey, RunTables
from ._order import parse_order_by, sort_indices
from ._parse import parse_filter

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

# doctest.testmod(sktrack._query) collects only what a module defines itself: name the examples.
__test__ = {
    "evaluate_filter": evaluate_filter,
    "parse_filter": parse_filter,
    "parse_order_by": parse_order_by,
    "sort_indices": sort_indices,
}
