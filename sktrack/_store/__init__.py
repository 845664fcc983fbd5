"""The store layer: where runs live on disk or object storage, and the records it returns.

It owns the file systems (local folders and ``pyarrow.fs`` object storage) and the location
parser, the tables' versioned schemas, segments (the write-ahead log of open runs), the reader
(merge, dedupe, damaged files), compaction, the key and value rules, artifacts, the `Store`
facade over them, and the frozen records (`Run`, `RunInfo`, `Experiment`, `Metric`,
`ModelVersion`...) it hands out.

It imports only `sktrack.exceptions`.  The layers above import the names below from this
package, never from its modules.
"""

from __future__ import annotations

from ._artifacts import table_path
from ._compact import DEAD_RUN_LEASE_S, pid_alive
from ._durability import DURABILITY_ENV, Durability
from ._experiment_tags import experiment_tag_events, experiment_tags, write_experiment_tag
from ._fs import FileInfo, FileSystem, LocalFileSystem, OsCalls, unique_name
from ._html import html_card
from ._imported import ImportedRun, StoredRun, import_experiment, import_run, stored_runs
from ._lifecycle import (
    LIFECYCLE_TAG,
    deleted_experiment_ids,
    lifecycle_changed_at,
    mark_experiment,
)
from ._location import open_filesystem
from ._objectstore import ObjectStoreFileSystem
from ._quarantine import QUARANTINE_DIR, quarantine
from ._reader import rebuilt_segment
from ._records import Experiment, Metric, ModelVersion, Param, Run, RunInfo, RunStatus, Stage
from ._schema import SCHEMA_VERSION
from ._store import Store, open_store
from ._values import (
    MAX_VALUE_LENGTH,
    check_mapping,
    check_text,
    decode_param,
    show,
    tag_value,
    validate_key,
    validate_name,
)
from ._wal import SEGMENT_DIR, parse_segment, segment_pid

__all__ = [
    "DEAD_RUN_LEASE_S",
    "DURABILITY_ENV",
    "LIFECYCLE_TAG",
    "MAX_VALUE_LENGTH",
    "QUARANTINE_DIR",
    "SCHEMA_VERSION",
    "SEGMENT_DIR",
    "Durability",
    "Experiment",
    "FileInfo",
    "FileSystem",
    "ImportedRun",
    "LocalFileSystem",
    "Metric",
    "ModelVersion",
    "ObjectStoreFileSystem",
    "OsCalls",
    "Param",
    "Run",
    "RunInfo",
    "RunStatus",
    "Stage",
    "Store",
    "StoredRun",
    "check_mapping",
    "check_text",
    "decode_param",
    "deleted_experiment_ids",
    "experiment_tag_events",
    "experiment_tags",
    "html_card",
    "import_experiment",
    "import_run",
    "lifecycle_changed_at",
    "mark_experiment",
    "open_filesystem",
    "open_store",
    "parse_segment",
    "pid_alive",
    "quarantine",
    "rebuilt_segment",
    "segment_pid",
    "show",
    "stored_runs",
    "table_path",
    "tag_value",
    "unique_name",
    "validate_key",
    "validate_name",
    "write_experiment_tag",
]
