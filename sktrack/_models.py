"""Model folders: save and load a fitted estimator safely, with hashes and trust.

A model folder holds two files (see docs/models.md)::

    model.skops   the estimator, saved with skops (never pickle)
    model.json    format version, sha256 of model.skops, a canonical content hash, the
                  signature, the Python/scikit-learn/numpy/skops versions, the types skops flags

``model.json`` is written last: a folder without it is incomplete and is never loaded.  Loading
checks the sha256, warns on other library versions, and lets skops construct only trusted types
(`trusted_types`).  skops is imported only inside the functions that save or load.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import io
import json
import os
import platform
import re
import struct
import sys
import time
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._records import ModelVersion
from .exceptions import (
    ArtifactNotFoundError,
    InvalidArgumentError,
    ModelIntegrityError,
    StoreError,
    UntrustedTypesError,
    VersionMismatchWarning,
)

if TYPE_CHECKING:
    from ._fs import FileSystem
    from ._records import Run
    from ._store import Store

__all__ = [
    "BUILTIN_TRUSTED_TYPES",
    "FORMAT_VERSION",
    "META_FILE",
    "MODEL_FILE",
    "ModelInfo",
    "ModelMeta",
    "describe_model_bytes",
    "join",
    "load_model",
    "load_model_folder",
    "log_model",
    "model_folders",
    "read_model_meta",
    "trusted_types",
    "verify_store_models",
    "write_model_folder",
]

MODEL_FILE = "model.skops"
META_FILE = "model.json"
FORMAT_VERSION = 1
# names how the content hash is computed (see describe_model_bytes); a new recipe, a new name
CONTENT_HASH_RECIPE = "content-v1"
TRUSTED_ENV = "SKTRACK_TRUSTED_TYPES"

# Types skops flags but that run no code of their own when loaded or used; each entry says why.
# The risk they share (where noted) is memory safety, not code execution: their index arrays
# are used without bounds checks, so a *crafted* file could crash predict().  A logged model's
# sha256 is checked before loading, so a file changed after it was logged never gets this far.
BUILTIN_TRUSTED_TYPES: Mapping[str, str] = {
    "sklearn.tree._tree.Tree": "node arrays of every decision tree, forest and gradient "
    "boosting model; plain data (crafted node indices could crash predict)",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor": "node arrays of "
    "HistGradientBoosting trees; plain data (crafted node indices could crash predict)",
    "sklearn.neighbors._kd_tree.KDTree": "the KNN search index; arrays of points and indices",
    "sklearn.neighbors._ball_tree.BallTree": "the KNN search index; arrays of points and indices",
    "sklearn.metrics._dist_metrics.EuclideanDistance64": "a distance formula with no state",
    "sklearn.metrics._dist_metrics.ManhattanDistance64": "a distance formula with no state",
    "sklearn.metrics._dist_metrics.ChebyshevDistance64": "a distance formula with no state",
    "sklearn.metrics._dist_metrics.MinkowskiDistance64": "a distance formula; p and weights only",
    "sklearn.metrics._scorer._PassthroughScorer": "a fitted search's default scorer: calls the "
    "estimator's own score()",
    "sklearn.metrics._scorer._Scorer": "a named scorer; the metric function it wraps is "
    "checked on its own",
    "sklearn.metrics._scorer._MultimetricScorer": "a dict of scorers, each checked on its own",
    "sklearn.model_selection._split.KFold": "a fitted search's cv splitter: n_splits, shuffle, seed",
    "sklearn.model_selection._split.StratifiedKFold": "a fitted search's cv splitter: n_splits, "
    "shuffle, seed",
    "sklearn.utils._metadata_requests.MetadataRequest": "metadata-routing bookkeeping that "
    "scikit-learn < 1.7 leaves on fitted searches: dicts of parameter names",
    "sklearn.utils._metadata_requests.MethodMetadataRequest": "one method's part of the "
    "above: a dict of parameter names",
    "sklearn.utils.validation.check_array": "input validation that HistGradientBoosting keeps "
    "for categorical features",
    "functools.partial": "binds arguments only; the function and arguments it holds are "
    "checked on their own",
    "numpy.dtype": "a dtype description such as float64; plain data",
}

_CALLBACK_ATTRS = (
    "_skl_callbacks",
    "_skl_callbacks_to_teardown",
    "_callback_fit_ctx",
    "_parent_callback_ctx",
)


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
        return cls(
            sha256=doc["sha256"],
            content_hash=doc["content_hash"],
            size=doc["size"],
            estimator_class=doc["estimator_class"],
            versions=doc["versions"],
            flagged_types=tuple(doc["flagged_types"]),
            signature=doc["signature"],
            created_at=doc["created_at"],
        )


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


# -- trust --------------------------------------------------------------------------------


def trusted_types(trusted: Iterable[str | type] | None = None) -> list[str]:
    """The types loading may construct besides skops's defaults.

    The built-in list (`BUILTIN_TRUSTED_TYPES`), the metric functions behind scikit-learn's
    named scorers, ``trusted``, ``$SKTRACK_TRUSTED_TYPES`` (comma-separated) and the lines of
    ``~/.config/sktrack/trusted.txt``.  Never anything stored with the model.
    """
    if trusted is True or isinstance(trusted, (str, bytes)):
        raise InvalidArgumentError(
            f"trusted={trusted!r} is not allowed: pass a list of type names, e.g. "
            "trusted=['mymodule.my_function'], after checking that you trust them"
        )
    names = [*BUILTIN_TRUSTED_TYPES, *_scorer_functions(), *_user_configured()]
    names += [_type_name(t) for t in trusted or ()]
    return sorted(set(names))


def _type_name(item: str | type) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, type) or callable(item):
        return f"{item.__module__}.{item.__qualname__}"
    raise InvalidArgumentError(f"trusted entries are type names or types, got {item!r}")


def _scorer_functions() -> list[str]:
    """The metric functions behind the strings accepted as ``scoring=`` (accuracy, r2, ...)."""
    from sklearn.metrics import get_scorer, get_scorer_names

    names = []
    for scorer_name in get_scorer_names():
        func = getattr(get_scorer(scorer_name), "_score_func", None)
        if func is not None and getattr(func, "__module__", "").startswith("sklearn."):
            names.append(f"{func.__module__}.{func.__qualname__}")
    return names


def _user_configured() -> list[str]:
    names = [n.strip() for n in os.environ.get(TRUSTED_ENV, "").split(",")]
    config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.join("~", ".config")
    config = Path(config_home, "sktrack", "trusted.txt").expanduser()
    if config.is_file():
        lines = config.read_text(encoding="utf-8").splitlines()
        names += [line.split("#", 1)[0].strip() for line in lines]
    return [n for n in names if n]


# -- saving -------------------------------------------------------------------------------


def write_model_folder(
    fs: FileSystem, folder: str, estimator: Any, signature: Any = None
) -> ModelMeta:
    """Save ``estimator`` as a model folder at store-relative ``folder``; return its metadata.

    The estimator is saved without scikit-learn callbacks or a tracking wrapper's state.
    """
    model = _model_to_save(estimator)
    data = _dump(model)
    path = join(folder, MODEL_FILE)
    # an object store's client may want bytes; a local file takes the buffer as it is
    payload = data if fs.local_path(path) is not None else data.tobytes()
    # the file is written while it is hashed and audited: both wait on I/O or release the GIL
    with ThreadPoolExecutor(max_workers=3) as pool:
        written = pool.submit(fs.write_atomic, path, payload)  # type: ignore[arg-type]
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
    fs.write_atomic(join(folder, META_FILE), meta.to_json())
    return meta


def _dump(model: Any) -> memoryview:
    """The skops file of ``model``, as a view of skops's own buffer (no 100 MB copy)."""
    import skops.io
    from skops.io import _persist

    save = getattr(_persist, "_save", None)
    if save is None:  # another skops release: take the copy
        return memoryview(skops.io.dumps(model))
    return save(model, compression=zipfile.ZIP_STORED, compresslevel=None).getbuffer()


def _model_to_save(estimator: Any) -> Any:
    """The estimator without tracking wrappers or callbacks, copied only if it holds any."""
    hook = getattr(estimator, "_sktrack_model_to_save", None)
    if callable(hook):
        estimator = hook()
    if not _needs_cleaning(estimator, set()):
        return estimator
    return _clean(copy.deepcopy(estimator), {})


def _children(obj: Any) -> Iterable[Any]:
    if isinstance(obj, dict):
        return obj.values()
    if isinstance(obj, (list, tuple)):
        return obj
    state = getattr(obj, "__dict__", None)
    if state is None or not hasattr(obj, "get_params"):
        return ()
    return state.values()


def _needs_cleaning(obj: Any, seen: set[int]) -> bool:
    if id(obj) in seen:
        return False
    seen.add(id(obj))
    if hasattr(obj, "get_params"):
        if callable(getattr(obj, "_sktrack_model_to_save", None)):
            return True
        if any(attr in getattr(obj, "__dict__", {}) for attr in _CALLBACK_ATTRS):
            return True
    return any(_needs_cleaning(child, seen) for child in _children(obj))


def _clean(obj: Any, done: dict[int, Any]) -> Any:
    """Strip callbacks and unwrap tracking wrappers, in place (on a copy); tuples are rebuilt."""
    if id(obj) in done:
        return done[id(obj)]
    original = obj
    if hasattr(obj, "get_params") and callable(getattr(obj, "_sktrack_model_to_save", None)):
        obj = obj._sktrack_model_to_save()
    if isinstance(obj, tuple):
        items = [_clean(value, done) for value in obj]
        obj = type(obj)(*items) if hasattr(obj, "_fields") else tuple(items)
    done[id(original)] = obj
    if isinstance(obj, dict):
        for key, value in obj.items():
            obj[key] = _clean(value, done)
    elif isinstance(obj, list):
        obj[:] = [_clean(value, done) for value in obj]
    elif hasattr(obj, "get_params") and hasattr(obj, "__dict__"):
        for attr in _CALLBACK_ATTRS:
            obj.__dict__.pop(attr, None)
        for key, value in list(obj.__dict__.items()):
            obj.__dict__[key] = _clean(value, done)
    return obj


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


# -- hashes and flagged types ---------------------------------------------------------------


def describe_model_bytes(
    data: bytes | memoryview, pool: ThreadPoolExecutor | None = None
) -> tuple[str, str, list[str]]:
    """The sha256 of a skops file, its canonical content hash and the types skops flags.

    The sha256 guards the file's integrity.  The content hash identifies the fitted model:
    skops output differs between two dumps of one model (object ids, zip timestamps, and the
    uninitialised padding bytes of structured arrays such as a tree's nodes), so it is the
    sha256 of the schema with ids dropped and each array file replaced by the CRC-32 and
    length of its bytes, padding zeroed.  CRC-32 rather than a second sha256 pass because it
    comes free with the zip for most arrays; the content hash is a fingerprint, never a
    security check (that is the sha256's job).  The whole file is hashed in one of ``pool``'s
    threads meanwhile.
    """
    if pool is None:
        with ThreadPoolExecutor(max_workers=1) as own:
            return describe_model_bytes(data, own)
    view = memoryview(data)
    whole = pool.submit(lambda: hashlib.sha256(view).hexdigest())
    with zipfile.ZipFile(_ViewFile(view)) as zf:
        schema = zf.read("schema.json")
        infos = [info for info in zf.infolist() if info.filename != "schema.json"]
        members = {info.filename: _member(zf, info, view) for info in infos}
    prints = {info.filename: _array_print(members[info.filename], info.CRC) for info in infos}
    flagged = _flagged_types(schema, members)
    return whole.result(), _content_hash(schema, prints), flagged


class _ViewFile(io.RawIOBase):
    """A read-only, seekable file over a buffer, for zipfile, without copying the buffer."""

    def __init__(self, view: memoryview) -> None:
        self._view, self._pos = view, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._view)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        chunk = self._view[self._pos : self._pos + len(buffer)]
        buffer[: len(chunk)] = chunk
        self._pos += len(chunk)
        return len(chunk)


def _member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, view: memoryview) -> memoryview | bytes:
    """A member's bytes: a zero-copy slice of the file when stored uncompressed (skops's
    default), else decompressed."""
    if info.compress_type != zipfile.ZIP_STORED:
        return zf.read(info)
    header = struct.unpack("<4s5H3I2H", view[info.header_offset : info.header_offset + 30])
    start = info.header_offset + 30 + header[-2] + header[-1]
    return view[start : start + info.file_size]


Layout = tuple[int, int, int, tuple[tuple[int, int], ...]]


def _array_print(blob: memoryview | bytes, crc: int) -> str:
    """``<crc32>-<length>`` of a ``.npy`` file's bytes with any structured-dtype padding zeroed;
    ``crc`` is the zip's CRC-32 of the bytes as stored, right whenever the padding is zero."""
    layout = _padding(blob)
    if layout is not None and _has_garbage(blob, layout):
        start = layout[0]
        body = bytearray(blob[start:])
        _zero_padding(memoryview(body), (0, *layout[1:]))
        crc = zlib.crc32(body, zlib.crc32(blob[:start]))
    return f"{crc:08x}-{len(blob)}"


_NPY_SHAPE = re.compile(rb"'shape': \(([\d, ]*)\)")


def _padding(blob: memoryview | bytes) -> Layout | None:
    """Where the data of a ``.npy`` file starts, its row count and size, and the byte ranges
    of each row that no field uses; None for arrays without padding."""
    head = bytes(blob[:12])
    size_bytes = 2 if head[6:7] == b"\x01" else 4  # the header length field, by format version
    start = 8 + size_bytes + int.from_bytes(head[8 : 8 + size_bytes], "little")
    text = bytes(blob[8 + size_bytes : start])
    if b"'descr': [" not in text:  # only structured dtypes have padding
        return None
    shape = _NPY_SHAPE.search(text)
    if shape is None:
        return None
    row = _row_padding(_NPY_SHAPE.sub(b"'shape': ()", text))
    if row is None:
        return None
    count = 1
    for size in shape.group(1).split(b","):
        count *= int(size) if size.strip() else 1
    return (start, count, *row)


@functools.lru_cache(maxsize=64)
def _row_padding(header: bytes) -> tuple[int, tuple[tuple[int, int], ...]] | None:
    """A structured dtype's item size and padding ranges (cached: a forest repeats one dtype)."""
    import ast

    import numpy as np

    dtype = np.lib.format.descr_to_dtype(ast.literal_eval(header.decode("latin1"))["descr"])
    used = np.zeros(dtype.itemsize, dtype=bool)
    for field_dtype, offset, *_ in (dtype.fields or {}).values():
        used[offset : offset + field_dtype.itemsize] = True
    if used.all() or dtype.hasobject:
        return None
    edges = np.flatnonzero(np.diff(np.r_[0, ~used, 0].astype(np.int8))).tolist()
    return dtype.itemsize, tuple(zip(edges[::2], edges[1::2], strict=True))


def _zero_padding(blob: memoryview, layout: Layout) -> None:
    """Zero the padding bytes of a structured ``.npy`` in place (numpy leaves them random)."""
    import numpy as np

    start, count, itemsize, runs = layout
    rows = np.frombuffer(blob, np.uint8, count * itemsize, start).reshape(count, itemsize)
    for begin, end in runs:
        rows[:, begin:end] = 0


def _has_garbage(blob: memoryview | bytes, layout: Layout) -> bool:
    """Whether any padding byte is non-zero (often none is, and the zip's CRC can be used)."""
    import numpy as np

    start, count, itemsize, runs = layout
    rows = np.frombuffer(blob, np.uint8, count * itemsize, start).reshape(count, itemsize)
    return any(rows[:, begin:end].any() for begin, end in runs)


_VOLATILE = re.compile(rb'"(?:__id__|_skops_version)": (?:\d+|"[^"]*")')
_FILE_REF = re.compile(rb'"file": "([^"]+)"')


def _content_hash(schema: bytes, prints: Mapping[str, str]) -> str:
    canonical = _FILE_REF.sub(
        lambda m: b'"file": "' + prints[m.group(1).decode()].encode() + b'"',
        _VOLATILE.sub(b"", schema),
    )
    return f"{CONTENT_HASH_RECIPE}:{hashlib.sha256(canonical).hexdigest()}"


# the type fields of skops's nodes (a node's verdict depends on these alone)
_TYPE_FIELD = re.compile(rb'"(?:__class__|__module__|__loader__)": "[^"]*"')


def _flagged_types(schema: bytes, members: Mapping[str, memoryview | bytes]) -> list[str]:
    """What `skops.io.get_untrusted_types` reports, computed on a reduced copy of the file.

    skops flags a node for its type alone, so a list needs only one element per distinct
    sequence of type fields inside it: a forest's 200 trees become one.  Auditing that copy
    gives the answer auditing the whole file gives (the tests compare both on every kind of
    model), in a fraction of the time.
    """
    import skops.io

    reduced = _reduce(json.loads(schema))
    used: set[str] = set()
    _collect_files(reduced, used)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("schema.json", json.dumps(reduced))
        for name in used:
            zf.writestr(name, bytes(members[name]))
    return sorted(skops.io.get_untrusted_types(data=buffer.getvalue()))


def _reduce(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _reduce(value) for key, value in node.items()}
    if not isinstance(node, list):
        return node
    kept, seen = [], set()
    for item in node:
        layout = tuple(_TYPE_FIELD.findall(json.dumps(item).encode()))
        if layout not in seen:
            seen.add(layout)
            kept.append(item)
    return [_reduce(item) for item in kept]


def _collect_files(node: Any, used: set[str]) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("file"), str):
            used.add(node["file"])
        for value in node.values():
            _collect_files(value, used)
    elif isinstance(node, list):
        for value in node:
            _collect_files(value, used)


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


# -- the public verbs -----------------------------------------------------------------------


def log_model(
    estimator: Any,
    name: str = "model",
    *,
    signature: Any = None,
    registered_model_name: str | None = None,
) -> ModelInfo:
    """Save a fitted estimator as a model folder in the active run's artifacts.

    With no active run, a run is started for it and ended afterwards.

    Parameters
    ----------
    estimator : estimator
        The fitted estimator.  Callbacks and tracking wrappers are not saved.
    name : str, default="model"
        The folder name in the run's artifacts (letters, digits, ``-``, ``_``, ``.``).
    signature : Signature or dict, optional
        What the model takes as input; see `sktrack.infer_signature`.
    registered_model_name : str, optional
        Also register the model under this name, as its next version.

    Returns
    -------
    ModelInfo
        With ``model_uri`` (``runs:/<run_id>/<name>``) to pass to `load_model`.

    Examples
    --------
    >>> import sktrack, tempfile
    >>> from sklearn.linear_model import LinearRegression
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> info = sktrack.log_model(LinearRegression().fit([[0], [1]], [0, 1]))
    >>> sktrack.load_model(info.model_uri).predict([[2]]).round(3).tolist()
    [2.0]
    """
    from . import _tracking
    from ._uri import check_name

    check_name(name, "model name")
    run = _tracking.active_run()
    if run is not None:
        info = _log_into(run, estimator, name, signature)
    else:
        with _tracking.start_run() as new_run:
            info = _log_into(new_run, estimator, name, signature)
    if registered_model_name is None:
        return info
    from .registry import register_model

    version = register_model(info.model_uri, registered_model_name)
    return ModelInfo(**{**info.__dict__, "registered_model_version": version})


def _log_into(run: Run, estimator: Any, name: str, signature: Any) -> ModelInfo:
    store = run.store
    folder = f"{store.artifact_dir(run.run_id)}/{name}"
    if store.fs.exists(join(folder, META_FILE)):
        raise InvalidArgumentError(
            f"run {run.run_id} already has a model named {name!r}; models are never "
            "overwritten: pass another name, or start a new run"
        )
    meta = write_model_folder(store.fs, folder, estimator, signature)
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


def load_model(uri: str | os.PathLike[str], *, trusted: Iterable[str | type] | None = None) -> Any:
    """Load a fitted estimator by URI, refusing damaged files and untrusted types.

    Parameters
    ----------
    uri : str or path
        ``runs:/<run_id>/<name>``, ``models:/<name>/<version>``, ``models:/<name>/<stage>``,
        ``models:/<name>/latest``, ``models:/<name>@<alias>``, or a model folder's path.
    trusted : list of str or type, optional
        Types to trust besides skops's defaults, sktrack's built-in list and the user's
        configuration (``$SKTRACK_TRUSTED_TYPES``, ``~/.config/sktrack/trusted.txt``).

    Returns
    -------
    estimator
        The fitted estimator.

    Raises
    ------
    InvalidURIError, ModelNotFoundError, ModelVersionNotFoundError, RunNotFoundError,
    ArtifactNotFoundError
        When the URI does not parse or names something that does not exist.
    ModelIntegrityError
        When ``model.skops`` does not match the sha256 recorded when it was logged.
    UntrustedTypesError
        When the model needs types outside the trusted set; they are named.

    Warns
    -----
    VersionMismatchWarning
        When Python, scikit-learn or numpy differ from the versions the model was saved with.

    Examples
    --------
    >>> import sktrack, tempfile
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> info = sktrack.log_model(DecisionTreeClassifier().fit([[0], [1]], [0, 1]))
    >>> sktrack.load_model(info.model_uri).predict([[1]]).tolist()
    [1]
    """
    from ._uri import resolve_model_uri

    location = resolve_model_uri(uri)
    return load_model_folder(
        location.fs,
        location.folder,
        source=location.source,
        trusted=trusted,
        expected_sha256=location.sha256,
    )
