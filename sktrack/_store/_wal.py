"""Segments: the append-only JSON-lines files that hold what open runs log.

One process logging into one run writes one segment, ``wal/<unique>.<run_id>.jsonl``.  Each log
call is one ``write`` of whole lines on an O_APPEND descriptor, so once the call returns a
``kill -9`` cannot lose it.  Ending the run appends a close line (fsynced at the default
durability, ``run``; every write is at ``always``); a closed segment never changes again, and
compaction folds closed segments into Parquet.  Readers read open and closed segments alike,
so what a running process logged is visible at once.

Lines are JSON arrays whose first item says what they hold::

    ["h", 1, run_id]                     header: segment format version, the run
    ["e", experiment_id, name, created_at]
    ["r", run_id, experiment_id, run_name, status, start_time, end_time, parent_run_id,
          user, host, pid, updated_at]
    ["p", key, value, value_type, value_num, timestamp]
    ["m", key, value, step, timestamp]
    ["t", key, value, timestamp]
    ["c"]                                closed
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass, field
from typing import Any

from ..exceptions import DamagedFileWarning
from ._fs import AppendFile, FileSystem, unique_name

__all__ = ["SEGMENT_DIR", "ParsedSegment", "SegmentWriter", "parse_segment", "segment_run_id"]

SEGMENT_DIR = "wal"
SEGMENT_VERSION = 1
_CLOSE = b'["c"]\n'


def _dumps(record: list[Any]) -> bytes:
    return (json.dumps(record, separators=(",", ":")) + "\n").encode()


class SegmentWriter:
    """Appends one run's records from this process.  Not shared across processes: a forked
    child notices the pid changed and starts a segment of its own."""

    def __init__(self, fs: FileSystem, run_id: str) -> None:
        self.fs = fs
        self.run_id = run_id
        self._fd: AppendFile | None = None
        self._pid = os.getpid()

    def _new_path(self) -> str:
        return f"{SEGMENT_DIR}/{unique_name(suffix=f'.{self.run_id}.jsonl')}"

    def _header(self) -> bytes:
        return _dumps(["h", SEGMENT_VERSION, self.run_id])

    def _open(self, path: str) -> None:
        self._pid = os.getpid()
        self._fd = self.fs.open_append(path)
        self._append(self._header())

    def _append(self, data: bytes) -> None:
        assert self._fd is not None
        self._fd.write(data)

    def write(self, records: list[list[Any]], *, close: bool = False) -> None:
        """Append ``records`` in one write; with ``close``, end the segment after them."""
        data = b"".join(_dumps(r) for r in records)
        if self._fd is None or not self.owned_here():
            path = self._new_path()
            if self.fs.local_path(path) is None:  # object storage: a closed segment per write
                self.fs.write_atomic(path, self._header() + data + _CLOSE)
                return
            self._open(path)
        self._append(data + _CLOSE if close else data)
        assert self._fd is not None
        self._fd.commit(end=close)  # fsynced as $SKTRACK_DURABILITY asks
        if close:
            self.close()

    def owned_here(self) -> bool:
        """Whether this process may append to the segment (a forked child may not)."""
        return self._pid == os.getpid()

    def close(self) -> None:
        if self._fd is not None and self.owned_here():
            self._fd.close()
        self._fd = None


@dataclass
class ParsedSegment:
    """The rows of one segment, by table, and whether the segment is closed."""

    run_id: str | None
    closed: bool = False
    rows: dict[str, list[list[Any]]] = field(
        default_factory=lambda: {
            "experiments": [],
            "runs": [],
            "params": [],
            "metrics": [],
            "tags": [],
        }
    )


_KIND_TABLE = {"e": "experiments", "r": "runs", "p": "params", "m": "metrics", "t": "tags"}


def segment_run_id(path: str) -> str:
    """The run id in a segment's file name (``experiments`` for experiment segments)."""
    return path.rsplit("/", 1)[-1].split(".")[1]


def _parse_lines(path: str, data: bytes) -> list[Any]:
    text = data.decode("utf-8", errors="replace")
    try:
        return json.loads("[" + ",".join(text.splitlines()) + "]")
    except ValueError:
        pass
    records, bad = [], 0
    for line in text.splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            bad += 1
    warnings.warn(
        f"store file {path} has {bad} unreadable line(s) (a write cut short, or damage); "
        "the rest of it was read. `sktrack doctor` lists such files.",
        DamagedFileWarning,
        stacklevel=4,
    )
    return records


def parse_segment(path: str, data: bytes) -> ParsedSegment:
    """Split a segment's records into per-table rows (run_id prepended where the table has it)."""
    records = _parse_lines(path, data)
    seg = ParsedSegment(run_id=None)
    for rec in records:
        if not isinstance(rec, list) or not rec:
            continue
        kind = rec[0]
        if kind == "h":
            seg.run_id = rec[2]
        elif kind == "c":
            seg.closed = True
        elif kind in ("e", "r"):
            seg.rows[_KIND_TABLE[kind]].append(rec[1:])
        elif kind in _KIND_TABLE:
            seg.rows[_KIND_TABLE[kind]].append([seg.run_id, *rec[1:]])
    return seg
