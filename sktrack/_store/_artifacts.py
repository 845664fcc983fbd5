"""What the artifact verbs write: a local file or folder, a DataFrame as Parquet, a figure as an
image.  Each function turns its input into ``(path in the run, bytes)`` pairs; `Store` writes them."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..exceptions import InvalidArgumentError

__all__ = ["figure_artifact", "local_artifacts", "table_artifact", "table_path"]


def local_artifacts(
    local_path: str | os.PathLike[str], artifact_path: str | None
) -> tuple[str, Iterator[tuple[str, bytes]]]:
    """The path a local file or folder gets in the run, and its files' paths and bytes."""
    source = Path(local_path)
    if not source.exists():
        raise InvalidArgumentError(
            f"log_artifact: {str(source)!r} does not exist; pass a file or folder"
        )
    prefix = f"{artifact_path.strip('/')}/" if artifact_path else ""
    target = prefix + source.name
    if source.is_file():
        return target, iter([(target, source.read_bytes())])
    files = sorted(p for p in source.rglob("*") if p.is_file())
    return target, ((f"{target}/{f.relative_to(source).as_posix()}", f.read_bytes()) for f in files)


def table_path(name: str) -> str:
    """A table's artifact path: ``name`` with a ``.parquet`` suffix if it has none."""
    return name if name.endswith(".parquet") else f"{name}.parquet"


def table_artifact(data: Any, name: str) -> tuple[str, bytes]:
    """A pandas DataFrame as Parquet bytes."""
    import pandas as pd

    if not isinstance(data, pd.DataFrame):
        raise InvalidArgumentError(
            f"log_table needs a pandas DataFrame, got {type(data).__name__}; wrap it with pd.DataFrame(...)"
        )
    buffer = io.BytesIO()
    data.to_parquet(buffer, index=False)
    return table_path(name), buffer.getvalue()


def figure_artifact(figure: Any, name: str) -> tuple[str, bytes]:
    """A figure (matplotlib ``Figure``, or anything with ``savefig`` or ``write_image``) as image
    bytes; the suffix of ``name`` picks the format (.png by default)."""
    path = name if Path(name).suffix else f"{name}.png"
    buffer = io.BytesIO()
    fmt = Path(path).suffix.lstrip(".")
    if hasattr(figure, "savefig"):
        figure.savefig(buffer, format=fmt)
    elif hasattr(figure, "write_image"):
        figure.write_image(buffer, format=fmt)
    else:
        raise InvalidArgumentError(
            f"log_figure cannot save a {type(figure).__name__}; pass a matplotlib Figure "
            "(or an object with savefig/write_image), or save it yourself and use log_artifact"
        )
    return path, buffer.getvalue()
