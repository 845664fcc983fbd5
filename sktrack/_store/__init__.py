"""The Parquet store: versioned schemas, segments (the write-ahead log of open runs), the
reader (merge, dedupe, damaged files), compaction, and the `Store` facade over them."""

from __future__ import annotations

from ._store import Store, open_store

__all__ = ["Store", "open_store"]
