"""How much of what the store writes survives a power loss: ``SKTRACK_DURABILITY``.

``process``
    What survives ``kill -9``: every log call is in the kernel when it returns, nothing is
    fsynced.  A power loss or a kernel crash may lose or empty recent files.
``run`` (the default)
    As ``process``, and: a run's segment is fsynced when the run ends, and every file the store
    publishes is fsynced before its rename, with its folder fsynced before anything the file
    supersedes is deleted, before a run is acknowledged as ended, and before a registry
    version or event is acknowledged.
``always``
    As ``run``, and every log call is fsynced before it returns.

The level is read once, when a store's location is first opened in the process.
"""

from __future__ import annotations

import enum
import os

from ..exceptions import InvalidArgumentError

__all__ = ["DURABILITY_ENV", "Durability", "durability_from_env", "parse_durability"]

DURABILITY_ENV = "SKTRACK_DURABILITY"


class Durability(enum.Enum):
    """A durability level; see the module docstring."""

    PROCESS = "process"
    RUN = "run"
    ALWAYS = "always"


def parse_durability(value: object) -> Durability:
    """The level named ``value`` (any case); an empty value is the default, ``run``."""
    if isinstance(value, Durability):
        return value
    text = value.strip().lower() if isinstance(value, str) else None
    if text == "":
        return Durability.RUN
    for level in Durability:
        if level.value == text:
            return level
    choices = ", ".join(repr(level.value) for level in Durability)
    raise InvalidArgumentError(
        f"{DURABILITY_ENV}={value!r} is not a durability level; use one of {choices} "
        "('run', the default, fsyncs a run's segment when it ends; see docs/store.md)"
    )


def durability_from_env() -> Durability:
    """The level ``$SKTRACK_DURABILITY`` asks for (``run`` when unset)."""
    return parse_durability(os.environ.get(DURABILITY_ENV, ""))
