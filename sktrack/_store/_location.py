"""A store location parsed once into a file system: a folder, ``file://``, or object storage."""

from __future__ import annotations

import os

from ..exceptions import InvalidArgumentError, StoreError
from ._fs import FileSystem, LocalFileSystem
from ._objectstore import ObjectStoreFileSystem

__all__ = ["check_location", "open_filesystem"]


def check_location(location: object) -> str:
    """The text of a store location, refusing what can never be one (before any file access).

    A local folder must be a folder, or creatable: not a file, not under a file, not on a
    read-only file system when it does not exist yet.
    """
    if isinstance(location, bytes) or not isinstance(location, str | os.PathLike):
        raise InvalidArgumentError(
            f"store location {location!r} is a {type(location).__name__}; pass a folder path "
            "(str or pathlib.Path) or a URI such as s3://bucket/prefix"
        )
    text = os.fspath(location)
    if not isinstance(text, str):  # a PathLike that answers bytes
        raise InvalidArgumentError(f"store location {text!r} is bytes; pass a str path")
    if not text.strip():
        raise InvalidArgumentError(
            f"store location {text!r} is empty; pass a folder path such as './sktrack-store' "
            "or a URI such as s3://bucket/prefix"
        )
    if "\x00" in text:
        raise InvalidArgumentError(
            f"store location {text!r} holds a NUL character, which no path may hold"
        )
    if text.startswith("file://"):
        _check_local(text[len("file://") :])
    elif "://" not in text:
        _check_local(text)
    return text


def _check_local(path: str) -> None:
    root = os.path.abspath(os.path.expanduser(path))
    if os.path.exists(root):
        if not os.path.isdir(root):
            raise StoreError(
                f"store location {root} is a file, not a folder; pass a folder "
                "(an existing store, or a new one to create)"
            )
        return
    parent = os.path.dirname(root)
    while not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent):
        raise StoreError(
            f"store location {root} lies under {parent}, which is a file; "
            "pass a folder whose parents are folders"
        )
    if not os.access(parent, os.W_OK):
        raise StoreError(
            f"store location {root} does not exist and cannot be created: {parent} is not "
            "writable (a read-only file system, or no permission); pass a writable folder"
        )


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
