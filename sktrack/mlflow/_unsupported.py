"""What lies outside the compatibility surface: MLflow names and arguments refused with an
error that names the sktrack way."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sktrack.exceptions import UnsupportedError

__all__ = ["UnsupportedAttributeError", "missing", "refuse", "refuse_arguments"]

DOCS = "docs/mlflow.md lists what sktrack.mlflow speaks"


class UnsupportedAttributeError(UnsupportedError, AttributeError):
    """An MLflow name `sktrack.mlflow` does not provide (also an `AttributeError`)."""


def refuse(what: str, instead: str) -> UnsupportedError:
    """The error for an MLflow call or argument outside the surface."""
    return UnsupportedError(f"sktrack.mlflow does not support {what}; {instead} ({DOCS})")


def refuse_arguments(call: str, given: Mapping[str, Any], ways: Mapping[str, str]) -> None:
    """Raise for the first argument of ``call`` given a value other than its default (None,
    False), naming the sktrack way from ``ways``."""
    for name, value in given.items():
        if value is not None and value is not False:
            raise refuse(f"{call}({name}=...)", ways[name])


def missing(module: str, name: str, ways: Mapping[str, str]) -> AttributeError:
    """The error for ``module.name`` where MLflow has that name and sktrack.mlflow does not."""
    if name.startswith("__"):
        return AttributeError(f"module {module!r} has no attribute {name!r}")
    instead = ways.get(name, "use sktrack's own API (import sktrack) for it")
    return UnsupportedAttributeError(
        f"sktrack.mlflow does not support {module.replace('sktrack.', '')}.{name}; "
        f"{instead} ({DOCS})"
    )
