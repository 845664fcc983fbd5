"""Errors as the ``sktrack`` command says them: the command to run instead of the Python call.

The library's messages name its own API (``sktrack.search_runs()``); a terminal user wants
the command.  A few known hints are rewritten; an error in an ``--order-by`` is said to be one
(the library reports it as a filter's syntax error).
"""

from __future__ import annotations

import re

from ..exceptions import (
    ExperimentNotFoundError,
    FilterSyntaxError,
    InvalidArgumentError,
    ModelNotFoundError,
    RunNotFoundError,
    SktrackError,
)

__all__ = ["cli_message", "order_by_error"]

_REWRITES = [
    (
        re.compile(r"list runs with sktrack\.search_runs\(\) or check that set_store\(\) "
                   r"points at the right store"),
        "list runs with `sktrack runs --all`, or check --store",
    ),
    (
        re.compile(r"Register one with sktrack\.registry\.register_model\(model_uri, name\)\."),
        "Register one with `sktrack models register RUN_ID NAME`.",
    ),
    (
        re.compile(r"move one there with sktrack\.registry\.transition_stage\("
                   r"'([^']*)', <version>, '([^']*)'\)"),
        r"move one there with `sktrack models transition \1 VERSION \2`",
    ),
]  # fmt: skip


def order_by_error(error: FilterSyntaxError) -> InvalidArgumentError:
    """A ``--order-by`` that does not parse, said as such (not as a filter's error)."""
    pointer = " " * error.position + "^"
    return InvalidArgumentError(
        f"--order-by {error.text!r} does not parse: {error.problem} at position "
        f"{error.position}:\n  {error.text}\n  {pointer}\nWrite KEY [ASC|DESC], e.g. "
        "--order-by 'metrics.test_r2_score DESC' or --order-by attributes.start_time"
    )


def cli_message(error: SktrackError) -> str:
    """``error``'s message with the commands a terminal user runs instead."""
    text = str(error)
    for pattern, replacement in _REWRITES:
        text = pattern.sub(replacement, text)
    if isinstance(error, ExperimentNotFoundError):
        text += "; list them with `sktrack experiments`"
    elif isinstance(error, ModelNotFoundError) and "sktrack models" not in text:
        text += " List them with `sktrack models`."
    elif isinstance(error, RunNotFoundError) and "sktrack runs" not in text:
        text += "; list runs with `sktrack runs --all`"
    return text
