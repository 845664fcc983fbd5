"""The model registry: named models with numbered versions, stages, aliases, tags.

The state lives in the store under ``registry/`` (see docs/models.md), written without locks:

- ``registry/models/<name>/versions/<n>.json``: one per version, created with an exclusive
  create, so concurrent registrations (from any number of processes) get distinct numbers,
  1, 2, 3... without gaps.  Never rewritten: numbers are never reused.
- ``registry/models/<name>/copies/<id>/``: the registry's own copy of the model folder, written
  before its version is allocated, so a version always points at a complete folder and
  deleting or compacting runs never breaks it.
- ``registry/models/<name>/events/<id>.json``: an append-only log, one new file per change
  (stage transition, alias, description, tag, deletion), replayed in name (= time) order.

Examples
--------
>>> import sktrack, tempfile
>>> from sklearn.linear_model import LinearRegression
>>> _ = sktrack.set_store(tempfile.mkdtemp())
>>> info = sktrack.log_model(LinearRegression().fit([[0], [1]], [0, 1]))
>>> mv = sktrack.registry.register_model(info.model_uri, "prices")
>>> sktrack.registry.transition_stage("prices", mv.version, "staging").stage
<Stage.STAGING: 'Staging'>
>>> sktrack.registry.set_alias("prices", "champion", mv.version)
>>> sktrack.registry.get_model_version_by_alias("prices", "champion").version
1
"""

from __future__ import annotations

import getpass
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from ._fs import unique_name
from ._models import MODEL_FILE, join, read_model_meta
from ._records import ModelVersion, Stage
from ._uri import (
    AliasURI,
    LatestURI,
    StageURI,
    VersionURI,
    check_name,
    parse_stage,
    resolve_model_uri,
)
from .exceptions import (
    InvalidArgumentError,
    ModelIntegrityError,
    ModelNotFoundError,
    ModelVersionNotFoundError,
    StoreError,
)

if TYPE_CHECKING:
    from ._fs import FileSystem

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

ROOT = "registry/models"
FORMAT_VERSION = 1
_MAX_TAG_KEY = 250


@dataclass(frozen=True)
class RegistryEvent:
    """One change to a registered model, as recorded in its event log."""

    kind: str  # stage, alias, delete_alias, description, tag, delete_tag, delete_version
    version: int | None  # None for changes to the model itself
    timestamp: int  # ms since the epoch
    user: str
    stage: Stage | None = None
    archive_existing: bool = False
    alias: str | None = None
    key: str | None = None
    value: str | None = None


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


# -- reading the state ----------------------------------------------------------------------


@dataclass
class _State:
    """A model's state: its version records with the event log replayed over them."""

    name: str
    records: dict[int, dict[str, Any]]
    events: list[RegistryEvent]
    versions: dict[int, ModelVersion] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)
    aliases: dict[str, int] = field(default_factory=dict)
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)

    def replay(self) -> _State:
        for number, record in sorted(self.records.items()):
            self.versions[number] = _version_from_record(record)
        for event in self.events:
            self._apply(event)
        for alias, number in self.aliases.items():
            mv = self.versions[number]
            self.versions[number] = replace(mv, aliases=tuple(sorted((*mv.aliases, alias))))
        return self

    def _apply(self, event: RegistryEvent) -> None:
        number = event.version
        if number is not None and (number not in self.versions or number in self.deleted):
            return
        if number is None:
            self._apply_to_model(event)
        elif event.kind == "stage" and event.stage is not None:
            self._transition(number, event.stage, event.archive_existing)
        elif event.kind == "alias" and event.alias is not None:
            self.aliases[event.alias] = number
        elif event.kind == "delete_version":
            self.deleted.add(number)
            self.aliases = {a: v for a, v in self.aliases.items() if v != number}
        else:
            self.versions[number] = _apply_to_version(self.versions[number], event)

    def _apply_to_model(self, event: RegistryEvent) -> None:
        if event.kind == "delete_alias" and event.alias is not None:
            self.aliases.pop(event.alias, None)
        elif event.kind == "description":
            self.description = event.value or ""
        elif event.kind == "tag" and event.key is not None:
            self.tags[event.key] = event.value or ""
        elif event.kind == "delete_tag" and event.key is not None:
            self.tags.pop(event.key, None)

    def _transition(self, number: int, stage: Stage, archive_existing: bool) -> None:
        if archive_existing and stage in (Stage.STAGING, Stage.PRODUCTION):
            for other, mv in self.versions.items():
                if other != number and mv.stage == stage and other not in self.deleted:
                    self.versions[other] = replace(mv, stage=Stage.ARCHIVED)
        self.versions[number] = replace(self.versions[number], stage=stage)

    def live(self) -> list[ModelVersion]:
        """The versions not deleted, oldest first."""
        return [mv for n, mv in sorted(self.versions.items()) if n not in self.deleted]


def _apply_to_version(mv: ModelVersion, event: RegistryEvent) -> ModelVersion:
    if event.kind == "description":
        return replace(mv, description=event.value or "")
    tags = dict(mv.tags)
    if event.kind == "tag" and event.key is not None:
        tags[event.key] = event.value or ""
    elif event.kind == "delete_tag" and event.key is not None:
        tags.pop(event.key, None)
    return replace(mv, tags=tags)


def _version_from_record(record: Mapping[str, Any]) -> ModelVersion:
    return ModelVersion(
        name=record["name"],
        version=record["version"],
        run_id=record["run_id"],
        source=record["source"],
        description=record["description"],
        tags=record["tags"],
        sha256=record["sha256"],
        created_at=record["created_at"],
        sklearn_version=record["sklearn_version"],
        signature=record["signature"],
    )


def _fs() -> FileSystem:
    from ._tracking import get_store

    return get_store().fs


def _model_dir(name: str) -> str:
    return f"{ROOT}/{check_name(name, 'model name')}"


def _version_path(name: str, number: int) -> str:
    # zero-padded, so a listing sorts in version order
    return f"{_model_dir(name)}/versions/{number:010d}.json"


def _load_json(fs: FileSystem, path: str) -> dict[str, Any]:
    try:
        doc = json.loads(fs.read_bytes(path))
    except ValueError as exc:
        raise StoreError(f"registry file {fs.location}/{path} is damaged: {exc}") from None
    if doc.get("format_version") != FORMAT_VERSION:
        raise StoreError(
            f"registry file {fs.location}/{path} has format version "
            f"{doc.get('format_version')!r}; this sktrack reads {FORMAT_VERSION}. Upgrade sktrack."
        )
    return doc


def _read_state(fs: FileSystem, name: str) -> _State:
    folder = _model_dir(name)
    records = {}
    for info in fs.list(f"{folder}/versions", ".json"):
        record = _load_json(fs, info.path)
        records[record["version"]] = record
    if not records:
        raise ModelNotFoundError(_no_model_message(fs, name))
    events = [_event_from_doc(_load_json(fs, i.path)) for i in fs.list(f"{folder}/events", ".json")]
    return _State(name, records, events).replay()


def _no_model_message(fs: FileSystem, name: str) -> str:
    names = _model_names(fs)
    known = ", ".join(repr(n) for n in names[:10]) + (", ..." if len(names) > 10 else "")
    return (
        f"no registered model named {name!r} in store {fs.location}; "
        + (f"registered models: {known}" if names else "the registry is empty")
        + ". Register one with sktrack.registry.register_model(model_uri, name)."
    )


def _model_names(fs: FileSystem) -> list[str]:
    return [n for n in fs.list_dirs(ROOT) if fs.list(f"{ROOT}/{n}/versions", ".json")]


def _event_from_doc(doc: Mapping[str, Any]) -> RegistryEvent:
    stage = doc.get("stage")
    return RegistryEvent(
        kind=doc["kind"],
        version=doc.get("version"),
        timestamp=doc["timestamp"],
        user=doc.get("user", ""),
        stage=None if stage is None else Stage(stage),
        archive_existing=bool(doc.get("archive_existing", False)),
        alias=doc.get("alias"),
        key=doc.get("key"),
        value=doc.get("value"),
    )


def _get_version(state: _State, number: object) -> ModelVersion:
    if isinstance(number, str) and number.isdigit():
        number = int(number)
    if not isinstance(number, int) or isinstance(number, bool):
        raise InvalidArgumentError(f"version must be an int such as 1, got {number!r}")
    if number in state.deleted:
        raise ModelVersionNotFoundError(
            f"version {number} of model {state.name!r} was deleted; numbers are never reused"
        )
    if number not in state.versions:
        live = [mv.version for mv in state.live()]
        raise ModelVersionNotFoundError(
            f"model {state.name!r} has no version {number}; its versions are {_number_list(live)}"
        )
    return state.versions[number]


def _number_list(numbers: list[int]) -> str:
    return ", ".join(map(str, numbers)) if numbers else "none (all deleted)"


# -- writing --------------------------------------------------------------------------------


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in this environment (some containers)
        return ""


def _now() -> int:
    return time.time_ns() // 1_000_000


def _append_event(fs: FileSystem, name: str, kind: str, **fields: Any) -> None:
    """Publish one event as a new, uniquely named file (never rewriting a shared one)."""
    doc = {"format_version": FORMAT_VERSION, "kind": kind, "timestamp": _now(), "user": _user()}
    doc.update(fields)
    path = f"{_model_dir(name)}/events/{unique_name(suffix='.json')}"
    fs.write_atomic(path, json.dumps(doc, sort_keys=True).encode())


def _check_tag_key(key: object) -> str:
    if not isinstance(key, str) or not key or len(key) > _MAX_TAG_KEY:
        raise InvalidArgumentError(
            f"tag key must be a non-empty str of at most {_MAX_TAG_KEY} characters, got {key!r}"
        )
    return key


def _check_description(description: object) -> str:
    if not isinstance(description, str):
        raise InvalidArgumentError(f"description must be a str, got {description!r}")
    return description


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
    tags = {_check_tag_key(k): str(v) for k, v in (tags or {}).items()}
    description = _check_description(description or "")
    location = resolve_model_uri(model_uri)
    meta = read_model_meta(location.fs, location.folder, location.source)
    data = location.fs.read_bytes(join(location.folder, MODEL_FILE))
    _check_sha256(data, meta.sha256, location.fs, location.folder)
    fs = _fs()
    copy = f"{_model_dir(name)}/copies/{unique_name()}"
    fs.write_atomic(join(copy, MODEL_FILE), data)
    fs.write_atomic(join(copy, "model.json"), meta.to_json())
    record = {
        "format_version": FORMAT_VERSION,
        "name": name,
        "run_id": location.run_id,
        "source": location.source,
        "copy": copy,
        "sha256": meta.sha256,
        "content_hash": meta.content_hash,
        "estimator_class": meta.estimator_class,
        "created_at": _now(),
        "created_by": _user(),
        "sklearn_version": meta.versions.get("sklearn", ""),
        "signature": meta.signature,
        "description": description,
        "tags": tags,
    }
    return _version_from_record(_allocate(fs, name, record))


def _check_sha256(data: bytes, expected: str, fs: FileSystem, folder: str) -> None:
    import hashlib

    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        path = join(folder, MODEL_FILE)
        raise ModelIntegrityError(fs.local_path(path) or path, expected, actual)


def _allocate(fs: FileSystem, name: str, record: dict[str, Any]) -> dict[str, Any]:
    """Create the next version file exclusively; on losing a race, try the next number.

    A number is only tried after every smaller one exists, so numbers have no gaps.
    """
    existing = fs.list(f"{_model_dir(name)}/versions", ".json")
    number = len(existing) + 1
    if existing:
        number = max(number, int(existing[-1].path.rsplit("/", 1)[1].split(".")[0]) + 1)
    while True:
        record = {**record, "version": number}
        if fs.create_exclusive(_version_path(name, number), json.dumps(record).encode()):
            return record
        number += 1


def locate_version(uri: VersionURI | StageURI | LatestURI | AliasURI) -> tuple[ModelVersion, str]:
    """The version a registry URI points at, and the store-relative folder of its copy."""
    fs = _fs()
    state = _read_state(fs, uri.name)
    if isinstance(uri, VersionURI):
        mv = _get_version(state, uri.version)
    elif isinstance(uri, AliasURI):
        mv = _by_alias(state, uri.alias)
    elif isinstance(uri, StageURI):
        mv = _latest_in(state, uri.stage)
    else:
        live = state.live()
        if not live:
            raise ModelVersionNotFoundError(f"every version of model {uri.name!r} was deleted")
        mv = live[-1]
    return mv, state.records[mv.version]["copy"]


def _latest_in(state: _State, stage: Stage) -> ModelVersion:
    in_stage = [mv for mv in state.live() if mv.stage == stage]
    if not in_stage:
        raise ModelVersionNotFoundError(
            f"model {state.name!r} has no version in stage {stage.value!r}; move one there with "
            f"sktrack.registry.transition_stage({state.name!r}, <version>, {stage.value!r})"
        )
    return in_stage[-1]


def _by_alias(state: _State, alias: str) -> ModelVersion:
    number = state.aliases.get(alias)
    if number is None:
        known = ", ".join(repr(a) for a in sorted(state.aliases)) or "none"
        raise ModelVersionNotFoundError(
            f"model {state.name!r} has no alias {alias!r}; its aliases: {known}. Set one with "
            f"sktrack.registry.set_alias({state.name!r}, {alias!r}, <version>)"
        )
    return state.versions[number]


# -- reading --------------------------------------------------------------------------------


def get_model_version(name: str, version: int) -> ModelVersion:
    """One version of a registered model.

    Raises
    ------
    ModelNotFoundError, ModelVersionNotFoundError
        If there is no such model, or no such (or a deleted) version.
    """
    return _get_version(_read_state(_fs(), name), version)


def list_model_versions(name: str) -> list[ModelVersion]:
    """The versions of ``name`` that are not deleted, oldest first."""
    return _read_state(_fs(), name).live()


def get_latest_versions(
    name: str, stages: Iterable[str | Stage] | None = None
) -> list[ModelVersion]:
    """The newest version in each of ``stages`` (default: every stage), in version order.

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
    wanted = [parse_stage(s) for s in stages] if stages is not None else list(Stage)
    newest: dict[Stage, ModelVersion] = {}
    for mv in _read_state(_fs(), name).live():
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
    return _by_alias(_read_state(_fs(), name), check_name(alias, "alias"))


def get_registered_model(name: str) -> RegisteredModel:
    """A registered model, with its aliases and newest version per stage."""
    state = _read_state(_fs(), name)
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
    return [get_registered_model(name) for name in _model_names(_fs())]


def list_events(name: str) -> list[RegistryEvent]:
    """The change log of ``name``: stage transitions, aliases, descriptions, tags, deletions."""
    return list(_read_state(_fs(), name).events)


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
        The version, in its new stage.
    """
    target = parse_stage(stage)
    fs = _fs()
    mv = _get_version(_read_state(fs, name), version)
    _append_event(
        fs, name, "stage", version=mv.version, stage=target.value,
        archive_existing=bool(archive_existing),
    )  # fmt: skip
    return _get_version(_read_state(fs, name), mv.version)


def set_alias(name: str, alias: str, version: int) -> None:
    """Point ``alias`` at ``version`` (moving it if it pointed elsewhere); the move is logged."""
    check_name(alias, "alias")
    if alias.lower() == "latest" or alias.isdigit():
        raise InvalidArgumentError(
            f"alias {alias!r} is reserved (it reads as a version or 'latest'); choose another"
        )
    fs = _fs()
    mv = _get_version(_read_state(fs, name), version)
    _append_event(fs, name, "alias", version=mv.version, alias=alias)


def delete_alias(name: str, alias: str) -> None:
    """Remove ``alias``.

    Raises
    ------
    ModelVersionNotFoundError
        If ``name`` has no such alias.
    """
    fs = _fs()
    _by_alias(_read_state(fs, name), check_name(alias, "alias"))
    _append_event(fs, name, "delete_alias", version=None, alias=alias)


def update_registered_model(name: str, description: str) -> RegisteredModel:
    """Set the description of a registered model."""
    fs = _fs()
    _read_state(fs, name)
    _append_event(fs, name, "description", version=None, value=_check_description(description))
    return get_registered_model(name)


def update_model_version(name: str, version: int, description: str) -> ModelVersion:
    """Set the description of a version."""
    fs = _fs()
    mv = _get_version(_read_state(fs, name), version)
    _append_event(
        fs, name, "description", version=mv.version, value=_check_description(description)
    )
    return get_model_version(name, mv.version)


def set_registered_model_tag(name: str, key: str, value: Any) -> None:
    """Set a tag on a registered model (the value is stored as a string)."""
    fs = _fs()
    _read_state(fs, name)
    _append_event(fs, name, "tag", version=None, key=_check_tag_key(key), value=str(value))


def delete_registered_model_tag(name: str, key: str) -> None:
    """Remove a tag from a registered model (nothing happens if it is not set)."""
    fs = _fs()
    _read_state(fs, name)
    _append_event(fs, name, "delete_tag", version=None, key=_check_tag_key(key))


def set_model_version_tag(name: str, version: int, key: str, value: Any) -> None:
    """Set a tag on a version (the value is stored as a string)."""
    fs = _fs()
    mv = _get_version(_read_state(fs, name), version)
    _append_event(fs, name, "tag", version=mv.version, key=_check_tag_key(key), value=str(value))


def delete_model_version_tag(name: str, version: int, key: str) -> None:
    """Remove a tag from a version (nothing happens if it is not set)."""
    fs = _fs()
    mv = _get_version(_read_state(fs, name), version)
    _append_event(fs, name, "delete_tag", version=mv.version, key=_check_tag_key(key))


def delete_model_version(name: str, version: int) -> None:
    """Soft-delete a version: it disappears from lookups and lists, its aliases go, and its
    number is never reused.  Its files stay (``sktrack doctor`` can still verify them)."""
    fs = _fs()
    mv = _get_version(_read_state(fs, name), version)
    _append_event(fs, name, "delete_version", version=mv.version)
