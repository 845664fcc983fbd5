"""Model URIs, parsed once into typed values.

The forms, all resolved offline against the store::

    runs:/<run_id>/<name>          a model folder logged in a run
    models:/<name>/<version>       a registered version (1, 2, ...)
    models:/<name>/<stage>         the newest version in a stage (case-insensitive)
    models:/<name>/latest          the newest version that is not deleted
    models:/<name>@<alias>         the version an alias points at
    /a/path or file:///a/path      a model folder on the local disk

Past `parse_model_uri`, code takes one of the dataclasses below, never the raw string;
``_resolve`` finds the folder one names.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .._store import Stage
from ..exceptions import InvalidArgumentError, InvalidURIError

if TYPE_CHECKING:
    pass

__all__ = [
    "MAX_NAME_LENGTH",
    "URI_TYPES",
    "AliasURI",
    "FolderURI",
    "LatestURI",
    "ModelURI",
    "RunModelURI",
    "StageURI",
    "VersionURI",
    "check_name",
    "parse_model_uri",
    "parse_stage",
]

MAX_NAME_LENGTH = 255
_NAME = re.compile(r"[A-Za-z0-9_.\-]+")
_RESERVED_ALIASES = frozenset({"latest"})


@dataclass(frozen=True)
class RunModelURI:
    """``runs:/<run_id>/<name>``: the model folder ``name`` in the artifacts of a run."""

    run_id: str
    name: str

    def __str__(self) -> str:
        return f"runs:/{self.run_id}/{self.name}"


@dataclass(frozen=True)
class VersionURI:
    """``models:/<name>/<version>``."""

    name: str
    version: int

    def __str__(self) -> str:
        return f"models:/{self.name}/{self.version}"


@dataclass(frozen=True)
class StageURI:
    """``models:/<name>/<stage>``: the newest version currently in ``stage``."""

    name: str
    stage: Stage

    def __str__(self) -> str:
        return f"models:/{self.name}/{self.stage.value}"


@dataclass(frozen=True)
class LatestURI:
    """``models:/<name>/latest``: the newest version that is not deleted."""

    name: str

    def __str__(self) -> str:
        return f"models:/{self.name}/latest"


@dataclass(frozen=True)
class AliasURI:
    """``models:/<name>@<alias>``."""

    name: str
    alias: str

    def __str__(self) -> str:
        return f"models:/{self.name}@{self.alias}"


@dataclass(frozen=True)
class FolderURI:
    """A model folder on the local disk (holding ``model.skops`` and ``model.json``)."""

    path: str

    def __str__(self) -> str:
        return self.path


ModelURI = RunModelURI | VersionURI | StageURI | LatestURI | AliasURI | FolderURI


def check_name(name: object, what: str = "model name") -> str:
    """Return ``name`` if it is a valid registry/artifact name, else raise.

    Valid: letters, digits, ``-``, ``_`` and ``.``; 1 to 255 characters; not made of dots only
    (so never ``.`` or ``..``).  Such a name is always a single, safe path segment.

    Raises
    ------
    InvalidArgumentError
        Naming the value and the rule it broke.
    """
    if not isinstance(name, str):
        raise InvalidArgumentError(f"{what} must be a str, got {type(name).__name__} {name!r}")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidArgumentError(
            f"{what} {name[:40]!r}... is {len(name)} characters long; "
            f"the limit is {MAX_NAME_LENGTH}. Choose a shorter name."
        )
    if not _NAME.fullmatch(name) or set(name) == {"."}:
        raise InvalidArgumentError(
            f"{what} {name!r} is not allowed: use 1 to {MAX_NAME_LENGTH} letters, digits, "
            "'-', '_' or '.', not only dots (a name is never a path)"
        )
    return name


def parse_stage(stage: object) -> Stage:
    """A `Stage` from its name, case-insensitive (``"staging"``, ``"None"``, `Stage.ARCHIVED`)."""
    if isinstance(stage, Stage):
        return stage
    if stage is None:
        return Stage.NONE
    if isinstance(stage, str):
        for member in Stage:
            if member.value.lower() == stage.lower():
                return member
    allowed = ", ".join(s.value for s in Stage)
    raise InvalidArgumentError(f"unknown stage {stage!r}; the stages are {allowed}")


def parse_model_uri(uri: str | os.PathLike[str]) -> ModelURI:
    """Parse any accepted model URI (see the module docstring) into its typed form.

    Raises
    ------
    InvalidURIError
        If ``uri`` matches no form, or names something that is not a valid name.

    Examples
    --------
    >>> parse_model_uri("models:/prices@champion")
    AliasURI(name='prices', alias='champion')
    >>> parse_model_uri("models:/prices/Staging")
    StageURI(name='prices', stage=<Stage.STAGING: 'Staging'>)
    """
    if isinstance(uri, os.PathLike):
        return FolderURI(os.fspath(uri))
    if not isinstance(uri, str):
        raise InvalidURIError(repr(uri), f"expected a str or a path, got {type(uri).__name__}")
    if uri.startswith("runs:"):
        return _parse_runs(uri)
    if uri.startswith("models:"):
        return _parse_models(uri)
    if uri.startswith("file://"):
        return FolderURI(uri[len("file://") :])
    scheme = re.match(r"[A-Za-z][A-Za-z0-9+.\-]*://", uri)
    if scheme:
        raise InvalidURIError(uri, f"the scheme {scheme.group(0)!r} is not a model URI")
    if not uri:
        raise InvalidURIError(uri, "the URI is empty")
    return FolderURI(uri)


def _parse_runs(uri: str) -> RunModelURI:
    if not uri.startswith("runs:/"):
        raise InvalidURIError(uri, "a run URI starts with 'runs:/'")
    parts = uri[len("runs:/") :].split("/")
    if len(parts) != 2 or not all(parts):
        raise InvalidURIError(uri, "a run URI is runs:/<run_id>/<name>")
    run_id, name = parts
    return RunModelURI(_checked(uri, run_id, "run id"), _checked(uri, name, "model name"))


def _parse_models(uri: str) -> VersionURI | StageURI | LatestURI | AliasURI:
    if not uri.startswith("models:/"):
        raise InvalidURIError(uri, "a registry URI starts with 'models:/'")
    rest = uri[len("models:/") :]
    if "@" in rest:
        name, _, alias = rest.partition("@")
        return AliasURI(_checked(uri, name, "model name"), _checked(uri, alias, "alias"))
    parts = rest.split("/")
    if len(parts) != 2 or not all(parts):
        raise InvalidURIError(
            uri, "a registry URI is models:/<name>/<version|stage|latest> or models:/<name>@<alias>"
        )
    name, selector = _checked(uri, parts[0], "model name"), parts[1]
    if selector.isascii() and selector.isdigit():  # "²".isdigit() too, but int() refuses it
        version = int(selector)
        if version < 1:
            raise InvalidURIError(uri, "versions start at 1")
        return VersionURI(name, version)
    if selector.lower() == "latest":
        return LatestURI(name)
    try:
        return StageURI(name, parse_stage(selector))
    except InvalidArgumentError:
        raise InvalidURIError(
            uri,
            f"{selector!r} is neither a version number, 'latest', nor a stage "
            f"({', '.join(s.value for s in Stage)})",
        ) from None


def _checked(uri: str, value: str, what: str) -> str:
    try:
        return check_name(value, what)
    except InvalidArgumentError as exc:
        raise InvalidURIError(uri, str(exc)) from None


URI_TYPES = (RunModelURI, VersionURI, StageURI, LatestURI, AliasURI, FolderURI)
