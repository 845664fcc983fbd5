"""The registry's verbs, public as `sktrack.registry` (the layout is drawn in its docstring)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .._store import (
    ModelVersion,
    Stage,
    check_mapping,
    check_text,
    tag_value,
    unique_name,
    validate_key,
)
from .._tracking import get_store
from ..exceptions import (
    InvalidArgumentError,
    ModelIntegrityError,
)
from ._folder import MODEL_FILE, join, read_model_meta
from ._mlmodel import MLMODEL_FILE
from ._registry_store import (
    FORMAT_VERSION,
    RegistryEvent,
    allocate_version,
    append_event,
    by_alias,
    current_user,
    get_version,
    last_event_number,
    model_dir,
    model_names,
    now_ms,
    read_state,
    version_from_record,
)
from ._resolve import resolve_model_uri
from ._uri import (
    check_name,
    parse_stage,
)

if TYPE_CHECKING:
    from .._store import FileSystem

__all__ = [
    "RegisteredModel",
    "RegistryEvent",
    "delete_alias",
    "delete_model_version",
    "delete_model_version_tag",
    "delete_registered_model_tag",
    "get_alias_history",
    "get_latest_versions",
    "get_model_version",
    "get_model_version_by_alias",
    "get_registered_model",
    "list_events",
    "list_model_versions",
    "list_registered_models",
    "register_model",
    "set_alias",
    "set_model_version_tag",
    "set_registered_model_tag",
    "transition_stage",
    "update_model_version",
    "update_registered_model",
]

_MAX_TAG_KEY = 250


@dataclass(frozen=True)
class RegisteredModel:
    """A registered model: its description, tags, aliases and newest version per stage."""

    name: str
    created_at: int
    updated_at: int
    description: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    aliases: Mapping[str, int] = field(default_factory=dict)
    latest_versions: tuple[ModelVersion, ...] = ()

    def _repr_html_(self) -> str:
        """A compact card for notebooks: the name, the newest version per stage, aliases."""
        from .._store import html_card

        stages = [(str(mv.stage), f"v{mv.version}") for mv in self.latest_versions]
        aliases = [(f"@{a}", f"v{v}") for a, v in sorted(self.aliases.items())]
        facts = [("description", self.description)] if self.description else []
        tables = [("newest per stage", stages), ("aliases", aliases),
                  ("tags", dict(sorted(self.tags.items())))]  # fmt: skip
        return html_card(f"Registered model {self.name}", facts, tables)


def _fs() -> FileSystem:
    """The file system of the store in use (the registry lives inside it)."""
    return get_store().fs


# -- checking arguments ---------------------------------------------------------------------


def _check_tag_key(key: object) -> str:
    return validate_key("tag", key)


def _check_tag(key: object, value: object) -> tuple[str, str]:
    """A registry tag follows the run tags' rules: a printable key, a value that is text."""
    key = _check_tag_key(key)
    return key, tag_value(key, value)


def _check_description(description: object) -> str:
    if not isinstance(description, str):
        raise InvalidArgumentError(f"description must be a str, got {description!r}")
    return check_text("description", description)


# -- registering ----------------------------------------------------------------------------


def register_model(
    model_uri: str,
    name: str,
    *,
    description: str | None = None,
    tags: Mapping[str, Any] | None = None,
) -> ModelVersion:
    """Register a logged model as the next version of ``name`` (created on first use).

    The registry copies the model folder, so the version stays loadable whatever happens to the
    run it came from.  Concurrent registrations, from any number of processes, get distinct
    version numbers with no gaps.

    Parameters
    ----------
    model_uri : str
        ``runs:/<run_id>/<name>``, a ``models:/`` URI, or a model folder's path.
    name : str
        Letters, digits, ``-``, ``_``, ``.``; at most 255 characters.
    description : str, optional
    tags : mapping, optional
        Tags of the new version; values are stored as strings.

    Returns
    -------
    ModelVersion

    Raises
    ------
    ModelIntegrityError
        If the model file does not match the sha256 recorded when it was logged.

    Examples
    --------
    >>> import sktrack, tempfile
    >>> from sklearn.linear_model import LinearRegression
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> info = sktrack.log_model(LinearRegression().fit([[0], [1]], [0, 1]))
    >>> sktrack.registry.register_model(info.model_uri, "prices").version
    1
    """
    check_name(name, "model name")
    tags = dict(_check_tag(k, v) for k, v in check_mapping("tags", tags or {}).items())
    description = _check_description(description or "")
    location = resolve_model_uri(model_uri)
    meta = read_model_meta(location.fs, location.folder, location.source)
    data = location.fs.read_bytes(join(location.folder, MODEL_FILE))
    _check_sha256(data, meta.sha256, location.fs, location.folder)
    fs = _fs()
    copy = f"{model_dir(name)}/copies/{unique_name()}"
    fs.write_atomic(join(copy, MODEL_FILE), data, lazy=True)
    # MLflow's description travels with the copy, so MLflow loads registered versions too
    # (a folder saved before sktrack wrote MLmodel files has none)
    with contextlib.suppress(FileNotFoundError):
        mlmodel = location.fs.read_bytes(join(location.folder, MLMODEL_FILE))
        fs.write_atomic(join(copy, MLMODEL_FILE), mlmodel, lazy=True)
    # last: the copy's files are durable before the model.json that completes it
    fs.write_atomic(join(copy, "model.json"), meta.to_json(), last=True)
    record = {
        "format_version": FORMAT_VERSION,
        "name": name,
        "run_id": location.run_id,
        "source": location.source,
        "copy": copy,
        "sha256": meta.sha256,
        "content_hash": meta.content_hash,
        "estimator_class": meta.estimator_class,
        "created_at": now_ms(),
        "created_by": current_user(),
        "sklearn_version": meta.versions.get("sklearn", ""),
        "signature": meta.signature,
        "description": description,
        "tags": tags,
    }
    return version_from_record(allocate_version(fs, name, record))


def _check_sha256(data: bytes, expected: str, fs: FileSystem, folder: str) -> None:
    import hashlib

    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        path = join(folder, MODEL_FILE)
        raise ModelIntegrityError(fs.local_path(path) or path, expected, actual)


# -- reading --------------------------------------------------------------------------------


def get_model_version(name: str, version: int) -> ModelVersion:
    """One version of a registered model.

    Raises
    ------
    ModelNotFoundError, ModelVersionNotFoundError
        If there is no such model, or no such (or a deleted) version.
    """
    return get_version(read_state(_fs(), name), version)


def list_model_versions(name: str) -> list[ModelVersion]:
    """The versions of ``name`` that are not deleted, oldest first."""
    return read_state(_fs(), name).live()


def get_latest_versions(
    name: str, stages: Iterable[str | Stage] | str | Stage | None = None
) -> list[ModelVersion]:
    """The newest version in each of ``stages`` (default: every stage), in version order.

    ``stages`` is a list of stage names (any case), or a single stage name.

    Examples
    --------
    >>> import sktrack, tempfile
    >>> from sklearn.linear_model import LinearRegression
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> info = sktrack.log_model(LinearRegression().fit([[0], [1]], [0, 1]))
    >>> _ = [sktrack.registry.register_model(info.model_uri, "m") for _ in range(2)]
    >>> [mv.version for mv in sktrack.registry.get_latest_versions("m")]
    [2]
    """
    if stages is None:
        wanted = list(Stage)
    elif isinstance(stages, str | Stage):  # one stage, as in get_latest_versions(n, "Staging")
        wanted = [parse_stage(stages)]
    elif isinstance(stages, Iterable):
        wanted = [parse_stage(s) for s in stages]
    else:
        raise InvalidArgumentError(
            f"stages {stages!r} is a {type(stages).__name__}; pass a list of stages such as "
            "['Staging', 'Production'], one stage name, or None for every stage"
        )
    newest: dict[Stage, ModelVersion] = {}
    for mv in read_state(_fs(), name).live():
        if mv.stage in wanted:
            newest[mv.stage] = mv
    return sorted(newest.values(), key=lambda mv: mv.version)


def get_model_version_by_alias(name: str, alias: str) -> ModelVersion:
    """The version an alias points at.

    Raises
    ------
    ModelVersionNotFoundError
        If ``name`` has no such alias.
    """
    return by_alias(read_state(_fs(), name), check_name(alias, "alias"))


def get_registered_model(name: str) -> RegisteredModel:
    """A registered model, with its aliases and newest version per stage."""
    state = read_state(_fs(), name)
    times = [r["created_at"] for r in state.records.values()] + [e.timestamp for e in state.events]
    latest: dict[Stage, ModelVersion] = {mv.stage: mv for mv in state.live()}
    return RegisteredModel(
        name=name,
        created_at=min(times),
        updated_at=max(times),
        description=state.description,
        tags=dict(state.tags),
        aliases=dict(sorted(state.aliases.items())),
        latest_versions=tuple(sorted(latest.values(), key=lambda mv: mv.version)),
    )


def list_registered_models() -> list[RegisteredModel]:
    """Every registered model, by name."""
    return [get_registered_model(name) for name in model_names(_fs())]


def list_events(name: str) -> list[RegistryEvent]:
    """The change log of ``name``: stage transitions, aliases, descriptions, tags, deletions."""
    return list(read_state(_fs(), name).events)


def get_alias_history(name: str, alias: str | None = None) -> list[RegistryEvent]:
    """Which version each alias (or just ``alias``) pointed at, when, and set by whom."""
    events = list_events(name)
    return [
        e
        for e in events
        if e.kind in ("alias", "delete_alias") and (alias is None or e.alias == alias)
    ]


# -- changing -------------------------------------------------------------------------------


def transition_stage(
    name: str, version: int, stage: str | Stage | None, archive_existing: bool = False
) -> ModelVersion:
    """Move a version to a stage: None, Staging, Production or Archived (any case).

    Parameters
    ----------
    archive_existing : bool, default=False
        Also move every other version currently in ``stage`` (Staging or Production) to
        Archived.

    Returns
    -------
    ModelVersion
        The version in its new stage.  When several callers move versions into the same
        stage with ``archive_existing`` at the same moment, each transition is decided on
        the log as its caller read it: a caller whose reading was overtaken by another's
        transition into that stage loses, publishes nothing, and gets back the version in
        the stage it really has (not ``stage``).
    """
    target = parse_stage(stage)
    fs = _fs()
    basis = last_event_number(fs, name)
    mv = get_version(read_state(fs, name), version)
    exclusive = bool(archive_existing) and target in (Stage.STAGING, Stage.PRODUCTION)

    def conflicts(doc: Mapping[str, Any]) -> bool:
        """An event published since this caller read the state that changes what it decided."""
        touches_mine = doc.get("version") == mv.version and doc.get("kind") in (
            "stage", "delete_version",
        )  # fmt: skip
        return touches_mine or (doc.get("kind") == "stage" and doc.get("stage") == target.value)

    won = append_event(
        fs, name, "stage", version=mv.version, stage=target.value,
        archive_existing=bool(archive_existing), basis=basis,
        conflicts=conflicts if exclusive else None,
    )  # fmt: skip
    if won:  # as this transition left it (a later one, which saw it, may move it on)
        return replace(mv, stage=target)
    return get_version(read_state(fs, name), mv.version)


def set_alias(name: str, alias: str, version: int) -> None:
    """Point ``alias`` at ``version`` (moving it if it pointed elsewhere); the move is logged."""
    check_name(alias, "alias")
    if alias.lower() == "latest" or alias.isdigit():
        raise InvalidArgumentError(
            f"alias {alias!r} is reserved (it reads as a version or 'latest'); choose another"
        )
    fs = _fs()
    mv = get_version(read_state(fs, name), version)
    append_event(fs, name, "alias", version=mv.version, alias=alias)


def delete_alias(name: str, alias: str) -> None:
    """Remove ``alias``.

    Raises
    ------
    ModelVersionNotFoundError
        If ``name`` has no such alias.
    """
    fs = _fs()
    by_alias(read_state(fs, name), check_name(alias, "alias"))
    append_event(fs, name, "delete_alias", version=None, alias=alias)


def update_registered_model(name: str, description: str) -> RegisteredModel:
    """Set the description of a registered model."""
    fs = _fs()
    read_state(fs, name)
    append_event(fs, name, "description", version=None, value=_check_description(description))
    return get_registered_model(name)


def update_model_version(name: str, version: int, description: str) -> ModelVersion:
    """Set the description of a version."""
    fs = _fs()
    mv = get_version(read_state(fs, name), version)
    append_event(fs, name, "description", version=mv.version, value=_check_description(description))
    return get_model_version(name, mv.version)


def set_registered_model_tag(name: str, key: str, value: Any) -> None:
    """Set a tag on a registered model (the value is stored as a string)."""
    fs = _fs()
    read_state(fs, name)
    key, text = _check_tag(key, value)
    append_event(fs, name, "tag", version=None, key=key, value=text)


def delete_registered_model_tag(name: str, key: str) -> None:
    """Remove a tag from a registered model (nothing happens if it is not set)."""
    fs = _fs()
    read_state(fs, name)
    append_event(fs, name, "delete_tag", version=None, key=_check_tag_key(key))


def set_model_version_tag(name: str, version: int, key: str, value: Any) -> None:
    """Set a tag on a version (the value is stored as a string)."""
    fs = _fs()
    key, text = _check_tag(key, value)
    mv = get_version(read_state(fs, name), version)
    append_event(fs, name, "tag", version=mv.version, key=key, value=text)


def delete_model_version_tag(name: str, version: int, key: str) -> None:
    """Remove a tag from a version (nothing happens if it is not set)."""
    fs = _fs()
    mv = get_version(read_state(fs, name), version)
    append_event(fs, name, "delete_tag", version=mv.version, key=_check_tag_key(key))


def delete_model_version(name: str, version: int) -> None:
    """Soft-delete a version: it disappears from lookups and lists, its aliases go, and its
    number is never reused.  Its files stay (``sktrack doctor`` can still verify them)."""
    fs = _fs()
    mv = get_version(read_state(fs, name), version)
    append_event(fs, name, "delete_version", version=mv.version)
