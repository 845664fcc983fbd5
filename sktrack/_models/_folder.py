"""Model folders: save and load a fitted estimator safely, with hashes and trust.

A model folder holds three files (see docs/models.md)::

    model.skops   the estimator, saved with skops (never pickle)
    model.json    format version, sha256 of model.skops, a canonical content hash, the
                  signature, the Python/scikit-learn/numpy/skops versions, the types skops flags
    MLmodel       MLflow's description of the folder (`_mlmodel`), so MLflow loads it too

``model.json`` is written last: a folder without it is incomplete and is never loaded.  Loading
checks the sha256, warns on other library versions, and lets skops construct only trusted types
(`trusted_types`).  skops is imported only inside the functions that save or load.

The pieces live in their own modules: `_trust` (what loading may construct), `_bytes` (sha256,
content hash and flagged types of a skops file) and `_clean` (the estimator without tracking
wrappers or callbacks, as it is saved).  The verbs `log_model` and `load_model` are in `_log`.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
import sys
import time
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._store import ModelVersion
from ..exceptions import (
    ArtifactNotFoundError,
    InvalidArgumentError,
    ModelIntegrityError,
    StoreError,
    UntrustedTypesError,
    VersionMismatchWarning,
)
from ._bytes import describe_model_bytes
from ._clean import model_to_save
from ._mlmodel import MLMODEL_FILE, mlmodel_text
from ._trust import BUILTIN_TRUSTED_TYPES, trusted_types

if TYPE_CHECKING:
    from .._store import FileSystem, Run, Store

__all__ = [
    "BUILTIN_TRUSTED_TYPES",
    "FORMAT_VERSION",
    "META_FILE",
    "MODEL_FILE",
    "ModelInfo",
    "ModelMeta",
    "describe_model_bytes",
    "join",
    "load_model_folder",
    "load_skops_bytes",
    "log_model_into",
    "model_folders",
    "read_model_meta",
    "trusted_types",
    "verify_store_models",
    "write_model_folder",
]

MODEL_FILE = "model.skops"
META_FILE = "model.json"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class ModelMeta:
    """What ``model.json`` records about a saved model."""

    sha256: str
    content_hash: str
    size: int
    estimator_class: str
    versions: Mapping[str, str]
    flagged_types: tuple[str, ...] = ()
    signature: Mapping[str, Any] | None = None
    created_at: int = 0

    def to_json(self) -> bytes:
        doc = {
            "format": "sktrack.model",
            "format_version": FORMAT_VERSION,
            "model_file": MODEL_FILE,
        }
        doc.update(
            sha256=self.sha256,
            content_hash=self.content_hash,
            size=self.size,
            estimator_class=self.estimator_class,
            versions=dict(self.versions),
            flagged_types=list(self.flagged_types),
            signature=None if self.signature is None else dict(self.signature),
            created_at=self.created_at,
        )
        return json.dumps(doc, indent=1, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes, path: str) -> ModelMeta:
        """Parse ``model.json``, dispatching on its format version."""
        try:
            doc = json.loads(data)
            version = doc["format_version"]
        except (ValueError, KeyError, TypeError) as exc:
            raise StoreError(
                f"model metadata {path} is damaged ({exc}); log the model again"
            ) from None
        if version != FORMAT_VERSION:
            raise StoreError(
                f"model metadata {path} has format version {version!r}; this sktrack reads "
                f"version {FORMAT_VERSION}. Upgrade sktrack to load it."
            )
        try:
            meta = cls(
                sha256=doc["sha256"],
                content_hash=doc["content_hash"],
                size=doc["size"],
                estimator_class=doc["estimator_class"],
                versions=dict(doc["versions"]),
                flagged_types=tuple(doc["flagged_types"]),
                signature=doc["signature"],
                created_at=doc["created_at"],
            )
            if not isinstance(meta.sha256, str) or not all(
                isinstance(t, str) for t in meta.flagged_types
            ):
                raise TypeError("sha256 and flagged_types must be text")
        except (KeyError, TypeError, ValueError) as exc:
            raise StoreError(
                f"model metadata {path} is damaged (field {exc} is missing or wrong); "
                "log the model again"
            ) from None
        return meta


@dataclass(frozen=True)
class ModelInfo:
    """What `log_model` logged: where the model is and what was recorded about it."""

    model_uri: str
    run_id: str
    name: str
    folder: str
    sha256: str
    content_hash: str
    estimator_class: str
    versions: Mapping[str, str]
    flagged_types: tuple[str, ...] = ()
    signature: Mapping[str, Any] | None = None
    created_at: int = 0
    registered_model_version: ModelVersion | None = field(default=None, compare=False)


def join(folder: str, name: str) -> str:
    """A store-relative path; ``folder`` may be ``""`` (the root of a model-folder URI)."""
    return f"{folder}/{name}" if folder else name


# -- saving -------------------------------------------------------------------------------


def write_model_folder(
    fs: FileSystem, folder: str, estimator: Any, signature: Any = None
) -> ModelMeta:
    """Save ``estimator`` as a model folder at store-relative ``folder``; return its metadata.

    The estimator is saved without scikit-learn callbacks or a tracking wrapper's state.
    """
    model = model_to_save(estimator)
    data = _dump(model)
    path = join(folder, MODEL_FILE)
    # an object store's client may want bytes; a local file takes the buffer as it is
    payload = data if fs.local_path(path) is not None else data.tobytes()
    # the file is written while it is hashed and audited: both wait on I/O or release the GIL
    with ThreadPoolExecutor(max_workers=3) as pool:
        written = pool.submit(fs.write_atomic, path, payload, lazy=True)  # type: ignore[arg-type]
        sha256, content_hash, flagged = describe_model_bytes(data, pool)
        written.result()
    try:
        _refuse_unloadable(model, flagged)
    except InvalidArgumentError:
        fs.delete(path)
        raise
    meta = ModelMeta(
        sha256=sha256,
        content_hash=content_hash,
        size=len(data),
        estimator_class=f"{type(model).__module__}.{type(model).__qualname__}",
        versions=_library_versions(),
        flagged_types=tuple(flagged),
        signature=_signature_dict(signature),
        created_at=time.time_ns() // 1_000_000,
    )
    fs.write_atomic(join(folder, MLMODEL_FILE), _mlmodel(folder, meta), lazy=True)
    # last: the folder is complete, and what model.json vouches for is durable before it
    fs.write_atomic(join(folder, META_FILE), meta.to_json(), last=True)
    return meta


def _mlmodel(folder: str, meta: ModelMeta) -> bytes:
    """MLflow's description of the folder, so MLflow loads it (see `_mlmodel`)."""
    parts = folder.split("/")
    run_id = parts[1] if len(parts) > 2 and parts[0] == "artifacts" else None
    return mlmodel_text(
        model_file=MODEL_FILE,
        sklearn_version=meta.versions.get("sklearn", ""),
        trusted_types=list(meta.flagged_types),
        signature=meta.signature,
        artifact_path=parts[-1] if folder else "model",
        run_id=run_id,
    )


def _dump(model: Any) -> memoryview:
    """The skops file of ``model``, as a view of skops's own buffer (no 100 MB copy)."""
    import skops.io
    from skops.io import _persist

    save = getattr(_persist, "_save", None)
    if save is None:  # another skops release: take the copy
        return memoryview(skops.io.dumps(model))
    return save(model, compression=zipfile.ZIP_STORED, compresslevel=None).getbuffer()


def _refuse_unloadable(model: Any, flagged: Iterable[str]) -> None:
    """Refuse now what skops saves but can never load: lambdas and nested functions (skops
    records them by module and name, and that name does not exist at module level)."""
    broken = []
    for name in flagged:
        module, _, attr = name.rpartition(".")
        found = sys.modules.get(module)
        if attr == "<lambda>" or (found is not None and not hasattr(found, attr)):
            broken.append(name)
    if broken:
        raise InvalidArgumentError(
            f"cannot save {type(model).__name__}: it holds {', '.join(broken)}, which skops can "
            "save but never load. Replace lambdas and nested functions with functions defined "
            "at the top level of an importable module."
        )


def _signature_dict(signature: Any) -> dict[str, Any] | None:
    if signature is None or isinstance(signature, dict):
        return signature
    to_dict = getattr(signature, "to_dict", None)
    if not callable(to_dict):
        raise InvalidArgumentError(
            f"signature must be a Signature (see sktrack.infer_signature) or a dict, "
            f"got {type(signature).__name__}"
        )
    return dict(to_dict())


def _library_versions() -> dict[str, str]:
    import numpy
    import sklearn
    import skops

    return {
        "python": platform.python_version(),
        "sklearn": sklearn.__version__,
        "numpy": numpy.__version__,
        "skops": skops.__version__,
    }


# -- loading ------------------------------------------------------------------------------


def read_model_meta(fs: FileSystem, folder: str, source: str) -> ModelMeta:
    """Read a model folder's ``model.json``."""
    path = join(folder, META_FILE)
    try:
        data = fs.read_bytes(path)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        raise ArtifactNotFoundError(
            f"model {source}: no {META_FILE} in {_where(fs, folder)}; it is not a model folder, "
            "or its logging did not finish"
        ) from None
    return ModelMeta.from_json(data, _where(fs, path))


def load_model_folder(
    fs: FileSystem,
    folder: str,
    *,
    source: str,
    trusted: Iterable[str | type] | None = None,
    expected_sha256: str | None = None,
    meta: ModelMeta | None = None,
) -> Any:
    """Load the estimator of a model folder after checking its hash, versions and types."""
    meta = meta or read_model_meta(fs, folder, source)
    expected = {meta.sha256, expected_sha256 or meta.sha256}
    # read and hash in a thread while skops is imported (seconds, on a cold start); nothing is
    # constructed before the hash has been checked
    with ThreadPoolExecutor(max_workers=1) as pool:
        verified = pool.submit(_read_verified, fs, join(folder, MODEL_FILE), expected, source)
        import skops.io  # noqa: F401

        allowed = trusted_types(trusted)
        data = verified.result()
    _warn_versions(meta, source)
    return _skops_load(data, allowed, meta.flagged_types, source)


def _read_verified(fs: FileSystem, path: str, expected: set[str], source: str) -> bytes:
    try:
        data = fs.read_bytes(path)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        raise ArtifactNotFoundError(f"model {source}: {_where(fs, path)} is missing") from None
    actual = hashlib.sha256(data).hexdigest()
    for recorded in sorted(expected):
        if actual != recorded:
            raise ModelIntegrityError(_where(fs, path), recorded, actual)
    return data


def _skops_load(data: bytes, allowed: list[str], hint: Iterable[str], source: str) -> Any:
    """skops's load, trusting ``allowed``.

    skops rebuilds the trusted list at every node of the file, so a long list costs; the types
    the model was saved with (``hint``, from model.json) narrow it first.  The narrowing can
    only remove trust: if the hint is incomplete, the load is retried with all of ``allowed``.
    """
    import skops.io
    from skops.io.exceptions import UntrustedTypesFoundException

    narrowed = sorted(set(hint) & set(allowed))
    if len(narrowed) == len(set(hint)):
        try:
            return skops.io.loads(data, trusted=narrowed)
        except UntrustedTypesFoundException:
            pass
    try:
        return skops.io.loads(data, trusted=allowed)
    except UntrustedTypesFoundException:
        untrusted = set(skops.io.get_untrusted_types(data=data)) - set(allowed)
        raise UntrustedTypesError(source, untrusted) from None


def _warn_versions(meta: ModelMeta, source: str) -> None:
    current = _library_versions()
    labels = {"python": "Python", "sklearn": "scikit-learn", "numpy": "numpy"}
    for key, label in labels.items():
        saved, now = meta.versions.get(key, ""), current[key]
        # Python's patch releases change nothing a model depends on
        if key == "python":
            saved, now = _minor(saved), _minor(now)
        if saved and saved != now:
            warnings.warn(
                f"model {source} was saved with {label} {saved} and is loaded with {label} "
                f"{now}; its predictions may differ. Log it again with {label} {now}, or load "
                f"it where {label} {saved} is installed.",
                VersionMismatchWarning,
                stacklevel=4,
            )


def _minor(version: str) -> str:
    match = re.match(r"\d+\.\d+", version)
    return match.group(0) if match else version


def _where(fs: FileSystem, path: str) -> str:
    return fs.local_path(path) or f"{fs.location}/{path}"


def model_folders(fs: FileSystem) -> Iterator[str]:
    """Every model folder in a store: in runs' artifacts and the registry's copies."""
    for run_id in fs.list_dirs("artifacts"):
        for name in fs.list_dirs(f"artifacts/{run_id}"):
            if fs.exists(f"artifacts/{run_id}/{name}/{META_FILE}"):
                yield f"artifacts/{run_id}/{name}"
    for model in fs.list_dirs("registry/models"):
        for copy_id in fs.list_dirs(f"registry/models/{model}/copies"):
            yield f"registry/models/{model}/copies/{copy_id}"


def verify_store_models(store: Store) -> Iterator[str]:
    """A problem line for each model folder whose file is missing or fails its sha256."""
    for folder in model_folders(store.fs):
        try:
            meta = read_model_meta(store.fs, folder, folder)
            _read_verified(store.fs, join(folder, MODEL_FILE), {meta.sha256}, folder)
        except (ModelIntegrityError, ArtifactNotFoundError, StoreError) as exc:
            yield f"model {folder}: {exc}"


def log_model_into(run: Run, estimator: Any, name: str, signature: Any) -> ModelInfo:
    """Save ``estimator`` as model ``name`` of ``run``, whether or not that run is active."""
    store = run.store
    folder = f"{store.artifact_dir(run.run_id)}/{name}"
    if store.fs.exists(join(folder, META_FILE)):
        raise InvalidArgumentError(
            f"run {run.run_id} already has a model named {name!r}; models are never "
            "overwritten: pass another name, or start a new run"
        )
    meta = write_model_folder(store.fs, folder, estimator, signature)
    store.settle(run.run_id)
    return ModelInfo(
        model_uri=f"runs:/{run.run_id}/{name}",
        run_id=run.run_id,
        name=name,
        folder=folder,
        sha256=meta.sha256,
        content_hash=meta.content_hash,
        estimator_class=meta.estimator_class,
        versions=meta.versions,
        flagged_types=meta.flagged_types,
        signature=meta.signature,
        created_at=meta.created_at,
    )


def load_skops_bytes(
    data: bytes, *, source: str, trusted: Iterable[str | type] | None = None
) -> Any:
    """An estimator from a skops file that came without a ``model.json`` (another tool wrote
    it): skops may construct only the trusted types, exactly as for any model folder."""
    import skops.io  # noqa: F401

    return _skops_load(data, trusted_types(trusted), (), source)
