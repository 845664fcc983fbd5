"""The compare page's differences: what sets two or more runs apart, field by field.

One row per field (a param, a metric, a tag, the signature, a dataset fingerprint field, a
library version, the git commit), one column per run, grouped in sections.  A row whose
values are the same on every run is marked ``same``: the page hides those until asked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sktrack._tracking import key_metrics

from . import _format
from ._runs import RunRow

__all__ = ["MISSING", "DiffRow", "DiffSection", "differences"]

#: How the UI and the CLI show a value that is not there (JSON: null).
MISSING = _format.MISSING
_VERSION_SUFFIX = "_version"
_GIT_PREFIX = "sktrack.git."
_DATASET_PREFIX = "dataset."
_HIDDEN_PREFIXES = ("sktrack.progress.",)  # how far a search got: not what sets runs apart


@dataclass(frozen=True)
class DiffRow:
    key: str
    values: tuple[str, ...]  # one per run, as shown
    same: bool


@dataclass(frozen=True)
class DiffSection:
    title: str
    rows: tuple[DiffRow, ...]

    @property
    def differing(self) -> int:
        return sum(not r.same for r in self.rows)


def differences(
    rows: Sequence[RunRow], signatures: Mapping[str, str], refit: str | None = None
) -> list[DiffSection]:
    """Every field of ``rows``, grouped, metrics in key order for the refit scorer ``refit``
    (default: the first of the runs' own); ``signatures`` holds each run's in one line."""
    refits = [r.refit for r in rows if r.refit]
    metric_keys = {k for r in rows for k in r.metrics}
    ordered = key_metrics(metric_keys, refit or (refits[0] if refits else None))
    ordered += sorted(metric_keys - set(ordered))
    tags = {k for r in rows for k in r.tags if not k.startswith(_HIDDEN_PREFIXES)}
    sections = [
        ("Params", sorted({k for r in rows for k in r.params}), _param),
        ("Metrics", ordered, _metric),
        ("Dataset fingerprint", sorted(k for k in tags if k.startswith(_DATASET_PREFIX)), _tag),
        ("Library versions", sorted(k for k in tags if _is_version(k)), _tag),
        ("Git", sorted(k for k in tags if k.startswith(_GIT_PREFIX)), _tag),
        ("Tags", sorted(k for k in tags if not _is_special(k)), _tag),
    ]
    out = [
        DiffSection(title, tuple(_row(key, [read(r, key) for r in rows]) for key in keys))
        for title, keys, read in sections
    ]
    if any(signatures.values()):
        values = [signatures.get(r.run_id) or MISSING for r in rows]
        out.insert(2, DiffSection("Signature", (_row("inputs → outputs", values),)))
    return [s for s in out if s.rows]


def _row(key: str, values: list[str]) -> DiffRow:
    return DiffRow(key, tuple(values), len(set(values)) == 1)


def _param(row: RunRow, key: str) -> str:
    return _format.param(row.params[key]) if key in row.params else MISSING


def _metric(row: RunRow, key: str) -> str:
    return _format.metric(row.metrics.get(key))


def _tag(row: RunRow, key: str) -> str:
    value: Any = row.tags.get(key)
    return MISSING if value is None else str(value)


def _is_version(key: str) -> bool:
    return key.startswith("sktrack.") and key.endswith(_VERSION_SUFFIX)


def _is_special(key: str) -> bool:
    return key.startswith((_DATASET_PREFIX, _GIT_PREFIX)) or _is_version(key)
