"""Model URIs resolved offline, in the store in use, into a `ModelLocation`: the file system and
folder of the model, and what the registry recorded about it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .._store import FileSystem, LocalFileSystem, ModelVersion
from .._tracking import get_store
from ..exceptions import ArtifactNotFoundError, ModelVersionNotFoundError
from ._registry_store import by_alias, get_version, latest_in, read_state
from ._uri import (
    URI_TYPES,
    AliasURI,
    FolderURI,
    LatestURI,
    ModelURI,
    RunModelURI,
    StageURI,
    VersionURI,
    parse_model_uri,
)

__all__ = ["ModelLocation", "locate_version", "resolve_model_uri"]


@dataclass(frozen=True)
class ModelLocation:
    """Where a URI's model folder is, and what the registry recorded about it (if anything)."""

    fs: FileSystem
    folder: str  # relative to ``fs``; "" when ``fs`` is rooted at the folder itself
    source: str  # the URI as given, for messages
    run_id: str | None = None
    sha256: str | None = None  # recorded by the registry, checked in addition to model.json's
    model_version: ModelVersion | None = None


def resolve_model_uri(uri: str | os.PathLike[str] | ModelURI) -> ModelLocation:
    """Find the model folder a URI names, offline, in the store in use.

    Raises
    ------
    InvalidURIError, RunNotFoundError, ArtifactNotFoundError, ModelNotFoundError,
    ModelVersionNotFoundError
    """
    parsed = uri if isinstance(uri, URI_TYPES) else parse_model_uri(uri)
    source = str(uri) if not isinstance(uri, os.PathLike) else os.fspath(uri)
    if isinstance(parsed, FolderURI):
        return _locate_folder(parsed, source)
    if isinstance(parsed, RunModelURI):
        return _locate_run_model(parsed, source)
    mv, folder = locate_version(parsed)
    fs = get_store().fs
    return ModelLocation(fs, folder, source, mv.run_id, mv.sha256, mv)


def _locate_folder(uri: FolderURI, source: str) -> ModelLocation:
    path = Path(uri.path).expanduser()
    if not path.is_dir():
        raise ArtifactNotFoundError(f"model folder {source!r} does not exist (looked at {path})")
    return ModelLocation(LocalFileSystem(path), "", source)


def _locate_run_model(uri: RunModelURI, source: str) -> ModelLocation:
    store = get_store()
    folder = f"{store.artifact_dir(uri.run_id)}/{uri.name}"
    if not store.fs.exists(f"{folder}/model.json"):
        store.get_run(uri.run_id)  # raises RunNotFoundError when the run itself is unknown
        raise ArtifactNotFoundError(
            f"run {uri.run_id} has no model named {uri.name!r} (no {folder}/model.json in "
            f"store {store.fs.location}); log one with sktrack.log_model(estimator, "
            f"{uri.name!r}) inside that run"
        )
    return ModelLocation(store.fs, folder, source, run_id=uri.run_id)


def locate_version(uri: VersionURI | StageURI | LatestURI | AliasURI) -> tuple[ModelVersion, str]:
    """The version a registry URI points at, and the store-relative folder of its copy."""
    fs = get_store().fs
    state = read_state(fs, uri.name)
    if isinstance(uri, VersionURI):
        mv = get_version(state, uri.version)
    elif isinstance(uri, AliasURI):
        mv = by_alias(state, uri.alias)
    elif isinstance(uri, StageURI):
        mv = latest_in(state, uri.stage)
    else:
        live = state.live()
        if not live:
            raise ModelVersionNotFoundError(f"every version of model {uri.name!r} was deleted")
        mv = live[-1]
    return mv, state.records[mv.version]["copy"]
