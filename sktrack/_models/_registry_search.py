"""Searching the registry with MLflow's filters (``search_registered_models``,
``search_model_versions``), and renaming and deleting registered models.

Renaming and deleting touch a whole model folder, so they follow the store's rule the other
way round from the event log: nothing another reader may hold is rewritten in place.  A rename
writes the model anew under its new name (copies first, then events, then the version files,
lowest first, each created exclusively), then retires the old folder; deleting retires it.  A
retired folder is moved whole to ``registry/deleted/<unique>-<name>/`` (one rename on a local
disk; on object storage copied file by file, then deleted version files first, so the model
disappears before its copies do), with a ``deleted.json`` saying what happened, when and by
whom, until ``sktrack gc`` removes it for good.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .._store import ModelVersion, unique_name
from .._tracking import (
    EQUALITY,
    LIKES,
    ORDERING,
    FilterSpec,
    get_store,
    parse_record_filter,
)
from ..exceptions import InvalidArgumentError, StoreError
from ._folder import join
from ._registry import RegisteredModel, get_registered_model
from ._registry_store import (
    current_user,
    model_dir,
    model_names,
    now_ms,
    read_state,
)
from ._uri import check_name

if TYPE_CHECKING:
    from .._store import FileSystem

__all__ = [
    "DELETED_ROOT",
    "delete_registered_model",
    "deleted_models",
    "rename_registered_model",
    "search_model_versions",
    "search_registered_models",
]

DELETED_ROOT = "registry/deleted"
_MARKER = "deleted.json"

_MODELS = FilterSpec(
    "registered model",
    strings={"name": EQUALITY | LIKES | {"IN", "NOT IN"}},
    numbers={"creation_timestamp": ORDERING, "last_updated_timestamp": ORDERING},
    tag_ops=EQUALITY | LIKES,
)
_VERSIONS = FilterSpec(
    "model version",
    strings={
        "name": EQUALITY | LIKES | {"IN", "NOT IN"},
        "run_id": EQUALITY | {"IN", "NOT IN"},
        "source_path": EQUALITY | LIKES,
        "current_stage": EQUALITY | LIKES | {"IN", "NOT IN"},
    },
    numbers={"version_number": ORDERING, "creation_timestamp": ORDERING},
    tag_ops=EQUALITY | LIKES,
)


def search_registered_models(
    filter_string: str = "", *, max_results: int | None = None
) -> list[RegisteredModel]:
    """The registered models that match ``filter_string``, by name, as MLflow's
    ``search_registered_models``.

    Parameters
    ----------
    filter_string : str
        ``name`` (``=, !=, LIKE, ILIKE, IN, NOT IN``), ``creation_timestamp`` and
        ``last_updated_timestamp`` (ms since the epoch) and ``tags.<key>`` (``=, !=, LIKE,
        ILIKE``), joined by ``AND``; ``""`` keeps every model.
    max_results : int, optional
        At most this many.

    Examples
    --------
    >>> import sktrack, tempfile
    >>> from sklearn.linear_model import LinearRegression
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> info = sktrack.log_model(LinearRegression().fit([[0], [1]], [0, 1]))
    >>> for name in ("prices", "prices-eu", "churn"):
    ...     _ = sktrack.registry.register_model(info.model_uri, name)
    >>> [m.name for m in sktrack.registry.search_registered_models("name LIKE 'prices%'")]
    ['prices', 'prices-eu']
    """
    clauses = parse_record_filter(filter_string, _MODELS)
    found = []
    for model in (get_registered_model(n) for n in model_names(_fs())):
        facts = {"name": model.name, "creation_timestamp": model.created_at,
                 "last_updated_timestamp": model.updated_at}  # fmt: skip
        if all(c.holds(facts.get, model.tags) for c in clauses):
            found.append(model)
    return found[: _limit(max_results)]


def search_model_versions(
    filter_string: str = "", *, max_results: int | None = None
) -> list[ModelVersion]:
    """The model versions (not deleted) that match ``filter_string``, by model name and then
    version, as MLflow's ``search_model_versions``.

    Parameters
    ----------
    filter_string : str
        ``name``, ``run_id``, ``source_path`` (the URI a version was registered from),
        ``current_stage``, ``version_number``, ``creation_timestamp`` and ``tags.<key>``,
        joined by ``AND``, e.g. ``"name = 'prices' AND version_number >= 2"`` or
        ``"run_id IN ('a1...', 'b2...')"``; ``""`` keeps every version.
    max_results : int, optional
        At most this many.

    Examples
    --------
    >>> import sktrack, tempfile
    >>> from sklearn.linear_model import LinearRegression
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> info = sktrack.log_model(LinearRegression().fit([[0], [1]], [0, 1]))
    >>> _ = [sktrack.registry.register_model(info.model_uri, "prices") for _ in range(3)]
    >>> found = sktrack.registry.search_model_versions("name = 'prices' AND version_number > 1")
    >>> [mv.version for mv in found]
    [2, 3]
    """
    clauses = parse_record_filter(filter_string, _VERSIONS)
    found = []
    fs = _fs()
    for name in model_names(fs):
        for mv in read_state(fs, name).live():
            facts = {"name": mv.name, "run_id": mv.run_id, "source_path": mv.source,
                     "current_stage": mv.stage.value, "version_number": mv.version,
                     "creation_timestamp": mv.created_at}  # fmt: skip
            if all(c.holds(facts.get, mv.tags) for c in clauses):
                found.append(mv)
    return found[: _limit(max_results)]


def _limit(max_results: object) -> int | None:
    if max_results is None:
        return None
    if isinstance(max_results, bool) or not isinstance(max_results, int) or max_results < 0:
        raise InvalidArgumentError(
            f"max_results {max_results!r} must be a whole number >= 0, or None for all"
        )
    return max_results


def _fs() -> FileSystem:
    return get_store().fs


# -- rename and delete ------------------------------------------------------------------------


def rename_registered_model(name: str, new_name: str) -> RegisteredModel:
    """Give registered model ``name`` the name ``new_name``, with all its versions (same
    numbers), stages, aliases, description, tags and history, as MLflow's
    ``rename_registered_model``.  ``models:/<name>/...`` URIs then stop resolving; pinned
    `StagedModel` objects keep the model they loaded.

    The new name must be free.  The model is written anew under it, then the old folder is
    retired to ``registry/deleted/`` (see `delete_registered_model`).  Changes made to the
    model by others while it is renamed may be lost: rename when nobody else is changing it.

    Examples
    --------
    >>> import sktrack, tempfile
    >>> from sklearn.linear_model import LinearRegression
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> info = sktrack.log_model(LinearRegression().fit([[0], [1]], [0, 1]))
    >>> _ = sktrack.registry.register_model(info.model_uri, "prices")
    >>> sktrack.registry.set_alias("prices", "champion", 1)
    >>> sktrack.registry.rename_registered_model("prices", "prices-eu").aliases
    {'champion': 1}
    """
    check_name(new_name, "model name")
    fs = _fs()
    state = read_state(fs, name)  # ModelNotFoundError, listing the models, if there is none
    if new_name == name:
        raise InvalidArgumentError(f"rename_registered_model: {name!r} already has that name")
    if new_name in model_names(fs) or fs.list_dirs(model_dir(new_name)):
        raise InvalidArgumentError(
            f"cannot rename {name!r} to {new_name!r}: a registered model of that name exists; "
            "delete it first (sktrack.registry.delete_registered_model) or pick another name"
        )
    old, new = model_dir(name), model_dir(new_name)
    for path in _tree(fs, f"{old}/copies"):
        fs.write_atomic(new + path[len(old) :], fs.read_bytes(path))
    for info in fs.list(f"{old}/events", ".json"):
        fs.write_atomic(new + info.path[len(old) :], fs.read_bytes(info.path))
    for number, record in sorted(state.records.items()):
        moved = {**record, "name": new_name, "copy": new + record["copy"][len(old) :]}
        path = f"{new}/versions/{number:010d}.json"
        if not fs.create_exclusive(path, json.dumps(moved).encode()):
            raise StoreError(
                f"renaming {name!r} to {new_name!r}: version {number} of {new_name!r} was "
                f"created by someone else meanwhile ({fs.location}/{path}); {name!r} is "
                "unchanged, check both models"
            )
    _retire(fs, name, {"action": "rename", "new_name": new_name})
    return get_registered_model(new_name)


def delete_registered_model(name: str) -> None:
    """Delete registered model ``name`` with all its versions and aliases, as MLflow's
    ``delete_registered_model``: it leaves every list and lookup, and the name is free again
    (registering under it starts at version 1, as in MLflow).  Its folder is moved whole to
    ``registry/deleted/<unique>-<name>/`` with a ``deleted.json`` (who, when); `sktrack gc`
    removes such folders for good.  The runs the versions came from are not touched.

    Examples
    --------
    >>> import sktrack, tempfile
    >>> from sklearn.linear_model import LinearRegression
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> info = sktrack.log_model(LinearRegression().fit([[0], [1]], [0, 1]))
    >>> _ = sktrack.registry.register_model(info.model_uri, "prices")
    >>> sktrack.registry.delete_registered_model("prices")
    >>> sktrack.registry.search_registered_models()
    []
    """
    fs = _fs()
    read_state(fs, name)  # ModelNotFoundError, listing the models, if there is none
    _retire(fs, name, {"action": "delete"})


def _retire(fs: FileSystem, name: str, what: Mapping[str, Any]) -> None:
    """Move the model's folder to ``registry/deleted/``: at once on a local disk, else copied
    file by file and then deleted, version files first."""
    folder, trash = model_dir(name), f"{DELETED_ROOT}/{unique_name()}-{name}"
    marker = {"format_version": 1, "name": name, **what, "deleted_at": now_ms(),
              "user": current_user()}  # fmt: skip
    src, dst = fs.local_path(folder), fs.local_path(trash)
    if src is not None and dst is not None:
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        os.rename(src, dst)
        fs.write_atomic(f"{trash}/{_MARKER}", json.dumps(marker).encode())
        return
    fs.write_atomic(f"{trash}/{_MARKER}", json.dumps(marker).encode())
    paths = _tree(fs, folder)
    for path in paths:
        fs.write_atomic(trash + path[len(folder) :], fs.read_bytes(path))
    versions = f"{folder}/versions/"
    for path in sorted(paths, key=lambda p: p.startswith(versions), reverse=True):
        fs.delete(path)  # version files first: the model is gone before its copies go


def _tree(fs: FileSystem, folder: str) -> list[str]:
    """Every file under ``folder``, recursively."""
    paths = [info.path for info in fs.list(folder)]
    for sub in fs.list_dirs(folder):
        paths += _tree(fs, f"{folder}/{sub}")
    return paths


def deleted_models(fs: FileSystem) -> list[tuple[str, dict[str, Any]]]:
    """The retired model folders under ``registry/deleted/`` and their markers."""
    out = []
    for sub in fs.list_dirs(DELETED_ROOT):
        path = f"{DELETED_ROOT}/{sub}"
        try:
            marker = json.loads(fs.read_bytes(join(path, _MARKER)))
        except (OSError, ValueError):
            marker = {}
        out.append((path, marker))
    return out
