"""The registry's state on disk: version files, the event log and its replay.

A model's versions are files created exclusively (so concurrent registrations get distinct
numbers without gaps) and never rewritten; every later change is a new event file, replayed in
number order over them (the layout is drawn in `sktrack.registry`'s docstring).  Nothing
here knows which store is in use: every function takes the `FileSystem`.
"""

from __future__ import annotations

import contextlib
import getpass
import json
import time
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .._store import ModelVersion, Stage
from .._tracking import acting_user
from ..exceptions import (
    DamagedFileWarning,
    InvalidArgumentError,
    ModelNotFoundError,
    ModelVersionNotFoundError,
    StoreError,
)
from ._uri import check_name

if TYPE_CHECKING:
    from .._store import FileSystem

__all__ = [
    "FORMAT_VERSION",
    "ROOT",
    "ModelState",
    "RegistryEvent",
    "allocate_version",
    "append_event",
    "by_alias",
    "check_version_doc",
    "current_user",
    "event_from_doc",
    "get_version",
    "last_event_number",
    "latest_in",
    "model_dir",
    "model_names",
    "now_ms",
    "read_state",
    "read_version_file",
    "version_from_record",
]

ROOT = "registry/models"
FORMAT_VERSION = 1


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


# -- reading the state ----------------------------------------------------------------------


@dataclass
class ModelState:
    """A model's state: its version records with the event log replayed over them."""

    name: str
    records: dict[int, dict[str, Any]]
    events: list[RegistryEvent]
    versions: dict[int, ModelVersion] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)
    aliases: dict[str, int] = field(default_factory=dict)
    description: str = ""
    tags: dict[str, str] = field(default_factory=dict)

    def replay(self) -> ModelState:
        for number, record in sorted(self.records.items()):
            self.versions[number] = version_from_record(record)
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


def version_from_record(record: Mapping[str, Any]) -> ModelVersion:
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
        created_by=record.get("created_by", ""),
    )


def model_dir(name: str) -> str:
    return f"{ROOT}/{check_name(name, 'model name')}"


def _version_path(name: str, number: int) -> str:
    # zero-padded, so a listing sorts in version order
    return f"{model_dir(name)}/versions/{number:010d}.json"


def _load_json(fs: FileSystem, path: str) -> dict[str, Any]:
    try:
        doc = json.loads(fs.read_bytes(path))
    except ValueError as exc:
        raise StoreError(f"registry file {fs.location}/{path} is damaged: {exc}") from None
    if not isinstance(doc, dict):
        raise StoreError(f"registry file {fs.location}/{path} is damaged: not a JSON object")
    if doc.get("format_version") != FORMAT_VERSION:
        raise StoreError(
            f"registry file {fs.location}/{path} has format version "
            f"{doc.get('format_version')!r}; this sktrack reads {FORMAT_VERSION}. Upgrade sktrack."
        )
    return doc


# what a version file must hold, and of which types (None allowed where listed)
_VERSION_FIELDS: dict[str, tuple[type, ...]] = {
    "name": (str,),
    "version": (int,),
    "run_id": (str, type(None)),
    "source": (str,),
    "copy": (str,),
    "sha256": (str,),
    "created_at": (int,),
    "sklearn_version": (str,),
    "signature": (dict, type(None)),
    "description": (str, type(None)),
    "tags": (dict,),
}
_EVENT_KINDS = {"stage", "alias", "delete_alias", "description", "tag", "delete_tag"}
_EVENT_KINDS |= {"delete_version"}


def _bad_fields(doc: Mapping[str, Any], fields: Mapping[str, tuple[type, ...]]) -> list[str]:
    return [
        k
        for k, kinds in fields.items()
        if k not in doc or isinstance(doc[k], bool) or not isinstance(doc[k], kinds)
    ]


def check_version_doc(doc: Mapping[str, Any], name: str, number: int) -> str:
    """Why a version file's content is not a version ``number`` of ``name`` ("" if it is)."""
    if "quarantined" in doc and doc.get("version") == number:
        return ""  # a tombstone `sktrack doctor --repair` left in a damaged file's place
    bad = _bad_fields(doc, _VERSION_FIELDS)
    if bad:
        return f"fields missing or of the wrong type: {', '.join(bad)}"
    if doc["version"] != number or doc["name"] != name:
        return f"holds version {doc['version']!r} of {doc['name']!r}, not {number} of {name!r}"
    return ""


def event_from_doc(doc: Mapping[str, Any]) -> RegistryEvent:
    """An event file's content as a `RegistryEvent`; `StoreError` saying why it is not one."""
    kind, version, stage = doc.get("kind"), doc.get("version"), doc.get("stage")
    problems = []
    if kind not in _EVENT_KINDS:
        problems.append(f"kind {kind!r}")
    if version is not None and (type(version) is not int or version < 1):
        problems.append(f"version {version!r}")
    if type(doc.get("timestamp")) is not int:
        problems.append(f"timestamp {doc.get('timestamp')!r}")
    if stage is not None and stage not in {s.value for s in Stage}:
        problems.append(f"stage {stage!r}")
    for key in ("user", "alias", "key", "value"):
        if doc.get(key) is not None and not isinstance(doc[key], str):
            problems.append(f"{key} {doc[key]!r}")
    if problems:
        raise StoreError(f"not a registry event: {', '.join(problems)}")
    return _event_from_doc(doc)


def _warn_registry_file(fs: FileSystem, path: str, problem: str) -> None:
    warnings.warn(
        f"registry file {fs.location}/{path} cannot be read ({problem}); it was skipped and "
        "the rest of the model was read. `sktrack doctor` lists it (`sktrack doctor --repair` "
        "sets it aside).",
        DamagedFileWarning,
        stacklevel=4,
    )


def _number_of(path: str) -> int:
    stem = path.rsplit("/", 1)[1].split(".")[0]
    return int(stem) if stem.isdigit() else 0


def read_version_file(fs: FileSystem, name: str, path: str) -> dict[str, Any]:
    """A version file's record; `StoreError` saying why when it is not a readable one."""
    doc = _load_json(fs, path)
    problem = check_version_doc(doc, name, _number_of(path))
    if problem:
        raise StoreError(f"registry file {fs.location}/{path} is damaged: {problem}")
    return doc


def read_state(fs: FileSystem, name: str) -> ModelState:
    """A model's state; a version or event file that cannot be read is skipped with a
    `DamagedFileWarning` naming it, and costs only what it held."""
    folder = model_dir(name)
    records, tombstones = {}, set()
    for info in fs.list(f"{folder}/versions", ".json"):
        try:
            record = read_version_file(fs, name, info.path)
        except StoreError as exc:
            _warn_registry_file(fs, info.path, str(exc).split(": ", 1)[-1])
            continue
        if "quarantined" in record:
            tombstones.add(record["version"])
        else:
            records[record["version"]] = record
    if not records and not tombstones:
        raise ModelNotFoundError(_no_model_message(fs, name))
    events = []
    for info in fs.list(f"{folder}/events", ".json"):
        try:
            events.append(event_from_doc(_load_json(fs, info.path)))
        except StoreError as exc:
            _warn_registry_file(fs, info.path, str(exc).split(": ", 1)[-1])
    state = ModelState(name, records, events)
    state.deleted |= tombstones
    return state.replay()


def _no_model_message(fs: FileSystem, name: str) -> str:
    names = model_names(fs)
    known = ", ".join(repr(n) for n in names[:10]) + (", ..." if len(names) > 10 else "")
    return (
        f"no registered model named {name!r} in store {fs.location}; "
        + (f"registered models: {known}" if names else "the registry is empty")
        + ". Register one with sktrack.registry.register_model(model_uri, name)."
    )


def model_names(fs: FileSystem) -> list[str]:
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


def get_version(state: ModelState, number: object) -> ModelVersion:
    if isinstance(number, str) and number.isascii() and number.isdigit():
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


def latest_in(state: ModelState, stage: Stage) -> ModelVersion:
    in_stage = [mv for mv in state.live() if mv.stage == stage]
    if not in_stage:
        raise ModelVersionNotFoundError(
            f"model {state.name!r} has no version in stage {stage.value!r}; move one there with "
            f"sktrack.registry.transition_stage({state.name!r}, <version>, {stage.value!r})"
        )
    return in_stage[-1]


def by_alias(state: ModelState, alias: str) -> ModelVersion:
    number = state.aliases.get(alias)
    if number is None:
        known = ", ".join(repr(a) for a in sorted(state.aliases)) or "none"
        raise ModelVersionNotFoundError(
            f"model {state.name!r} has no alias {alias!r}; its aliases: {known}. Set one with "
            f"sktrack.registry.set_alias({state.name!r}, {alias!r}, <version>)"
        )
    return state.versions[number]


# -- writing --------------------------------------------------------------------------------


def current_user() -> str:
    """Who a change is recorded under: the user the UI or server signed in, else the OS's."""
    acting = acting_user()
    if acting:
        return acting
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in this environment (some containers)
        return ""


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def _event_path(name: str, number: int) -> str:
    # "s" sorts after the time-named events of older stores, so the log keeps its order
    return f"{model_dir(name)}/events/s{number:010d}.json"


def last_event_number(fs: FileSystem, name: str) -> int:
    """The number of the newest numbered event of ``name`` (0 when there is none)."""
    for info in reversed(fs.list(f"{model_dir(name)}/events", ".json")):
        stem = info.path.rsplit("/", 1)[1][: -len(".json")]
        if stem.startswith("s") and stem[1:].isdigit():
            return int(stem[1:])
    return 0


def append_event(
    fs: FileSystem,
    name: str,
    kind: str,
    *,
    basis: int | None = None,
    conflicts: Callable[[Mapping[str, Any]], bool] | None = None,
    **fields: Any,
) -> bool:
    """Publish one event as the next numbered file, created exclusively (never rewriting a
    shared one), so the log has one order that every reader and writer agrees on.

    ``basis`` is the number of the newest event the caller decided on.  When another writer
    published events after it, ``conflicts`` is asked about each of them: if it answers True
    for one, the caller lost a race and nothing is published (returns False); otherwise the
    event goes after them.
    """
    doc = {
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "timestamp": now_ms(),
        "user": current_user(),
    }
    doc.update(fields)
    data = json.dumps(doc, sort_keys=True).encode()
    seen = last_event_number(fs, name) if basis is None else basis
    while True:
        number = seen + 1
        if fs.create_exclusive(_event_path(name, number), data):
            return True
        latest = max(last_event_number(fs, name), number)
        if conflicts is not None:
            for other in range(number, latest + 1):
                with contextlib.suppress(StoreError, FileNotFoundError):  # damaged: no event
                    if conflicts(_load_json(fs, _event_path(name, other))):
                        return False
        seen = latest


def allocate_version(fs: FileSystem, name: str, record: dict[str, Any]) -> dict[str, Any]:
    """Create the next version file exclusively; on losing a race, try the next number.

    A number is only tried after every smaller one exists, so numbers have no gaps.
    """
    existing = fs.list(f"{model_dir(name)}/versions", ".json")
    number = len(existing) + 1
    if existing:
        number = max(number, int(existing[-1].path.rsplit("/", 1)[1].split(".")[0]) + 1)
    while True:
        record = {**record, "version": number}
        if fs.create_exclusive(_version_path(name, number), json.dumps(record).encode()):
            return record
        number += 1
