"""A store location parsed once into a file system: a folder, ``file://``, or object storage."""

from __future__ import annotations

import os

from ..exceptions import InvalidArgumentError, StoreError
from ._fs import FileSystem, LocalFileSystem
from ._objectstore import ObjectStoreFileSystem

__all__ = ["open_filesystem"]


def open_filesystem(location: str | os.PathLike[str]) -> FileSystem:
    """Parse a store location once: a local folder, ``file://`` URI, or a ``pyarrow.fs`` URI."""
    text = os.fspath(location)
    if not text:
        raise InvalidArgumentError(
            "store location is empty; pass a folder path or s3://bucket/prefix"
        )
    if text.startswith("file://"):
        return LocalFileSystem(text[len("file://") :])
    if "://" in text:
        try:
            return ObjectStoreFileSystem(text)
        except OSError as exc:
            raise StoreError(f"cannot open store {text!r}: {exc}") from exc
    return LocalFileSystem(text)
