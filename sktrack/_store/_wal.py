"""Segments: the append-only JSON-lines files that hold what open runs log.

One process logging into one run writes one segment, ``wal/<unique>.<run_id>.jsonl``.  Each log
call is one ``write`` of whole lines on an O_APPEND descriptor, so once the call returns a
``kill -9`` cannot lose it.  Ending the run appends a close line; a closed segment never changes
again, and compaction folds closed segments into Parquet.  Readers read open and closed segments
alike, so what a running process logged is visible at once.

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

__all__ = [
    "SEGMENT_DIR",
    "ParsedSegment",
    "SegmentWriter",
    "parse_segment",
    "pid_alive",
    "segment_pid",
    "segment_run_id",
    "warn_damaged",
]

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

    def _open(self, path: str, first: bytes) -> None:
        """Create the segment with its header and first records in one write."""
        self._pid = os.getpid()
        fd = self.fs.open_append(path)
        try:
            fd.write(self._header() + first)
        except BaseException:
            # nothing of it was acknowledged: no segment is left behind, not even an empty one
            fd.discard()
            raise
        self._fd = fd

    def write(self, records: list[list[Any]], *, close: bool = False) -> None:
        """Append ``records`` in one write, whole or not at all (`AppendFile.write`); with
        ``close``, end the segment after them."""
        data = b"".join(_dumps(r) for r in records)
        if close:
            data += _CLOSE
        if self._fd is None or not self.owned_here():
            path = self._new_path()
            if self.fs.local_path(path) is None:  # object storage: a closed segment per write
                self.fs.write_atomic(path, self._header() + data + (b"" if close else _CLOSE))
                return
            self._open(path, data)
        else:
            self._fd.write(data)
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
    problem: str = ""  # why some or all of it could not be read ("" when it all could)
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


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists on this host."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def segment_run_id(path: str) -> str:
    """The run id in a segment's file name (``experiments`` for experiment segments)."""
    return path.rsplit("/", 1)[-1].split(".")[1]


def segment_pid(path: str) -> int:
    """The pid of the process that created a segment (from its unique name; 0 if none)."""
    parts = path.rsplit("/", 1)[-1].split(".")[0].split("-")
    return int(parts[1]) if len(parts) > 2 and parts[1].isdigit() else 0


def _parse_lines(data: bytes) -> tuple[list[Any], int]:
    """The JSON records of a segment and how many lines were not JSON.  The whole file is
    parsed at once; only when that fails is it read line by line to find the bad ones."""
    text = data.decode("utf-8", errors="replace")
    try:
        return json.loads("[" + ",".join(text.splitlines()) + "]"), 0
    except ValueError:
        pass
    records, bad = [], 0
    for line in text.splitlines():
        try:
            records.append(json.loads(line))
        except ValueError:
            bad += 1
    return records, bad


def warn_damaged(path: str, problem: str, *, stacklevel: int = 2) -> None:
    """The one warning a reader gives for a file, or lines of one, that it skipped."""
    warnings.warn(
        f"store file {path} {problem}; it was skipped and the rest of the store was read. "
        "`sktrack doctor` lists such files (`sktrack doctor --repair` sets them aside).",
        DamagedFileWarning,
        stacklevel=stacklevel + 1,
    )


def parse_segment(path: str, data: bytes, *, writer_alive: bool = False) -> ParsedSegment:
    """Split a segment's records into per-table rows (run_id prepended where the table has it).

    What cannot be read is skipped and said in ``problem``: lines that are not JSON, records
    that are not what a segment holds, an empty file.  An empty segment whose writer is still
    alive is one being created, and is not damaged.  Whether each row has the right shape and
    types is checked per table, in bulk, by the reader (`segment_table`).
    """
    seg = ParsedSegment(run_id=None)
    if not data:
        if not writer_alive:
            seg.problem = "is empty"
        return seg
    records, bad = _parse_lines(data)
    odd = 0
    for rec in records:
        if not isinstance(rec, list) or not rec:
            odd += 1
            continue
        kind = rec[0]
        if kind == "h":
            if len(rec) != 3 or not isinstance(rec[2], str):
                odd += 1
            elif rec[1] != SEGMENT_VERSION:
                return ParsedSegment(
                    run_id=None, problem=f"has segment format {rec[1]!r}, newer than this sktrack"
                )
            else:
                seg.run_id = rec[2]
        elif kind == "c":
            seg.closed = True
        elif kind in ("e", "r"):
            seg.rows[_KIND_TABLE[kind]].append(rec[1:])
        elif kind in _KIND_TABLE:
            seg.rows[_KIND_TABLE[kind]].append([seg.run_id, *rec[1:]])
        else:
            odd += 1
    if bad or odd:
        seg.problem = f"has {bad + odd} unreadable line(s) (a write cut short, or damage)"
    return seg
