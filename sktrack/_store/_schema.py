"""The store's tables: fixed long-format Arrow schemas, each with an explicit version.

The version lives in each Parquet file's key-value metadata (``sktrack.schema_version``), and
readers dispatch on it (`upgrade`), so a store written by an older sktrack stays readable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "SCHEMA_VERSION",
    "TABLES",
    "file_metadata",
    "schema",
    "upgrade",
]

SCHEMA_VERSION = 1
TABLES = ("experiments", "runs", "params", "metrics", "tags")

# column name -> Arrow type name, per table, in file order
_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "experiments": [("experiment_id", "string"), ("name", "string"), ("created_at", "int64")],
    "runs": [
        ("run_id", "string"),
        ("experiment_id", "string"),
        ("run_name", "string"),
        ("status", "string"),
        ("start_time", "int64"),
        ("end_time", "int64"),
        ("parent_run_id", "string"),
        ("user", "string"),
        ("host", "string"),
        ("pid", "int64"),
        ("updated_at", "int64"),  # ns; the row with the latest one is the run's state
    ],
    "params": [
        ("run_id", "string"),
        ("key", "string"),
        ("value", "string"),  # the text form; value_type says how to read it back
        ("value_type", "string"),
        ("value_num", "float64"),  # int and float params, for numeric comparison
        ("timestamp", "int64"),
    ],
    "metrics": [
        ("run_id", "string"),
        ("key", "string"),
        ("value", "float64"),
        ("step", "int64"),
        ("timestamp", "int64"),
    ],
    "tags": [("run_id", "string"), ("key", "string"), ("value", "string"), ("timestamp", "int64")],
}

# the columns a compacted file is sorted by, so row-group pruning works on run_id
SORT_KEYS: dict[str, list[str]] = {
    "experiments": ["name"],
    "runs": ["run_id", "updated_at"],
    "params": ["run_id", "key"],
    "metrics": ["run_id", "key", "step", "timestamp"],
    "tags": ["run_id", "key", "timestamp"],
}


def schema(table: str) -> pa.Schema:
    """The current Arrow schema of ``table``."""
    import pyarrow as pa

    return pa.schema([(name, getattr(pa, kind)()) for name, kind in _COLUMNS[table]])


def file_metadata(table: str, supersedes: list[str]) -> dict[bytes, bytes]:
    """Key-value metadata for a Parquet file of ``table``.

    ``supersedes`` lists the store files whose rows this file already holds: a reader that
    still sees them (a compaction that died before deleting them) must skip them.
    """
    import json

    return {
        b"sktrack.table": table.encode(),
        b"sktrack.schema_version": str(SCHEMA_VERSION).encode(),
        b"sktrack.supersedes": json.dumps(supersedes).encode(),
    }


def upgrade(table: str, data: pa.Table, version: int) -> pa.Table:
    """Bring a table read from a file of schema ``version`` to the current schema.

    Version 1 is the first and current one; a later version adds its conversion here.
    """
    if version != SCHEMA_VERSION:
        raise ValueError(f"schema version {version} of table {table!r} is newer than this sktrack")
    return data.select([f.name for f in schema(table)]).cast(schema(table))
