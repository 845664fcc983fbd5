"""Inspecting a skops file's bytes: its sha256, canonical content hash and flagged types.

Nothing here constructs an object from the file: the schema is read as JSON and the arrays as
bytes, and skops is asked only which types it would flag.  numpy and skops are imported inside
the functions that need them.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import re
import struct
import zipfile
import zlib
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

__all__ = ["CONTENT_HASH_RECIPE", "describe_model_bytes"]

# names how the content hash is computed (see describe_model_bytes); a new recipe, a new name
CONTENT_HASH_RECIPE = "content-v1"


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
