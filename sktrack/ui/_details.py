"""What the run page and the compare page show, read through sktrack's public API."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import sktrack
from sktrack import registry
from sktrack._tracking import (
    SECONDARY_METRIC,
    higher_is_better,
    key_metrics,
    refit_scorer,
    resolve_run_id,
    searched_params,
)
from sktrack.exceptions import InvalidArgumentError, NotFoundError, RunNotFoundError

from . import _chart_view, _diff
from ._runs import RunRow, child_rows, run_rows

__all__ = [
    "IMAGE_TYPES",
    "MAX_COMPARED",
    "Comparison",
    "ModelFolder",
    "Preview",
    "RunDetail",
    "check_run_ids",
    "comparison",
    "run_detail",
]

IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}
_TEXT_SUFFIXES = {".txt", ".json", ".csv", ".tsv", ".md", ".log", ".yaml", ".yml", ".html"}
_MAX_PREVIEWS = 8  # previews read artifacts; the rest are listed with a download link
_MAX_TEXT = 20_000
_TABLE_ROWS = 20
MAX_COMPARED = 200
_MISSING = "(not logged)"
_RUN_ID = re.compile(r"[A-Za-z0-9_\-]{1,64}")
# Written by TrackedEstimator and the searches (sktrack/_fit_logging.py).
_SIGNATURE_ARTIFACT = "signature.json"
_DATASET_PREFIX = "dataset."
_SYSTEM_PREFIX = "sktrack."
_DRAWN_FOLDERS = ("curves/", "dataset/")


@dataclass(frozen=True)
class ModelFolder:
    """A model logged in a run: its folder in the artifacts and what ``model.json`` says."""

    name: str
    uri: str
    estimator_class: str
    sha256: str
    versions: Mapping[str, str]


@dataclass(frozen=True)
class Preview:
    """An artifact shown inline: an image, the head of a table, or the start of a text."""

    path: str
    kind: str  # image, table, text
    columns: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()
    total_rows: int = 0
    text: str = ""
    truncated: bool = False


@dataclass(frozen=True)
class RunDetail:
    """Everything the run page shows."""

    run: sktrack.Run
    parent: sktrack.Run | None
    children: list[RunRow]
    child_metrics: list[str]
    histories: dict[str, list[tuple[int, float | None]]]
    artifacts: list[str]
    models: list[ModelFolder]
    signature: dict[str, list[tuple[str, str, bool]]]
    dataset: dict[str, str]
    user_tags: dict[str, str]
    system_tags: dict[str, str]
    previews: list[Preview]
    registered: list[sktrack.ModelVersion]
    metric_items: list[tuple[str, float]] = dataclasses.field(default_factory=list)  # key first
    child_params: list[str] = dataclasses.field(default_factory=list)  # the searched params


@dataclass(frozen=True)
class Comparison:
    """The runs being compared, the metric chosen, and the data the charts draw."""

    rows: list[RunRow]
    metrics: list[str]  # every metric of the runs, the most common first
    params: list[str]  # the params whose values differ between the runs
    metric: str
    without_metric: list[str]  # names of the runs that lack ``metric``
    chart: dict[str, Any]
    parent: sktrack.Run | None = None  # the search the runs are candidates of, if one
    diff: tuple[_diff.DiffSection, ...] = ()


# -- the run page -------------------------------------------------------------------------


def run_detail(run_id: str) -> RunDetail:
    """What the run page of ``run_id`` shows; raises `RunNotFoundError` if there is none."""
    # a unique prefix of 6+ characters works, as in the CLI
    run = sktrack.get_run(resolve_run_id(sktrack.get_store(), check_run_ids([run_id])[0]))
    artifacts = sktrack.list_artifacts(run.run_id)
    models = _models(run.run_id, artifacts)
    tags = dict(sorted(run.tags.items()))
    children = child_rows(run)
    parent = _parent(run)
    # a candidate ranks its metrics by the scorer its search selected on
    refit = refit_scorer(run.params) or (refit_scorer(parent.params) if parent else None)
    return RunDetail(
        run=run,
        parent=parent,
        children=children,
        child_metrics=_ordered(
            {k for child in children for k in child.metrics}, refit_scorer(run.params)
        ),
        histories=_histories(run),
        artifacts=artifacts,
        models=models,
        signature=_signature(run.run_id, artifacts),
        dataset={
            k[len(_DATASET_PREFIX) :]: v for k, v in tags.items() if k.startswith(_DATASET_PREFIX)
        },
        user_tags={
            k: v for k, v in tags.items() if not k.startswith((_DATASET_PREFIX, _SYSTEM_PREFIX))
        },
        system_tags={k: v for k, v in tags.items() if k.startswith(_SYSTEM_PREFIX)},
        previews=_previews(run.run_id, artifacts),
        registered=_registered_from(run.run_id),
        metric_items=[(k, run.metrics[k]) for k in _ordered(run.metrics, refit)],
        child_params=[
            k for k in searched_params(run.params, run.tags) if any(k in c.params for c in children)
        ],
    )


def _ordered(metrics: Iterable[str], refit: str | None) -> list[str]:
    """Key metrics first (the refit scorer, held-out, CV means, training), then the rest."""
    keys = key_metrics(metrics, refit)
    return keys + sorted(set(metrics) - set(keys))


def check_run_ids(run_ids: Sequence[str]) -> list[str]:
    """Run ids as they reach us from URLs: anything but an id's characters is refused."""
    for run_id in run_ids:
        if not _RUN_ID.fullmatch(run_id):
            raise RunNotFoundError(run_id)
    return list(run_ids)


def _parent(run: sktrack.Run) -> sktrack.Run | None:
    if run.info.parent_run_id is None:
        return None
    try:
        return sktrack.get_run(run.info.parent_run_id)
    except RunNotFoundError:
        return None


def _histories(run: sktrack.Run) -> dict[str, list[tuple[int, float | None]]]:
    """The metrics logged more than once, as (step, value) points."""
    out = {}
    for key in sorted(run.metrics):
        history = sktrack.get_metric_history(run.run_id, key)
        if len(history) > 1:
            out[key] = [
                (int(s), _finite(v)) for s, v in zip(history["step"], history["value"], strict=True)
            ]
    return out


def _models(run_id: str, artifacts: list[str]) -> list[ModelFolder]:
    out = []
    for path in artifacts:
        folder, _, name = path.rpartition("/")
        if name != "model.json" or f"{folder}/model.skops" not in artifacts:
            continue
        try:
            meta = json.loads(sktrack.read_artifact(run_id, path))
        except (ValueError, NotFoundError):
            continue  # a damaged model.json: the folder stays listed with the artifacts
        out.append(
            ModelFolder(
                name=folder,
                uri=f"runs:/{run_id}/{folder}",
                estimator_class=str(meta.get("estimator_class", "")),
                sha256=str(meta.get("sha256", "")),
                versions=dict(meta.get("versions") or {}),
            )
        )
    return out


def _signature(run_id: str, artifacts: list[str]) -> dict[str, list[tuple[str, str, bool]]]:
    """The input and output columns of the run's signature (from ``signature.json``, else from
    its first model), or an empty dict."""
    sources = [_SIGNATURE_ARTIFACT] if _SIGNATURE_ARTIFACT in artifacts else []
    sources += [p for p in artifacts if p.endswith("/model.json")]
    for path in sources:
        try:
            doc = json.loads(sktrack.read_artifact(run_id, path))
            data = doc if path == _SIGNATURE_ARTIFACT else doc.get("signature")
            if not data:
                continue
            signature = sktrack.Signature.from_dict(data)
        except (ValueError, KeyError, TypeError, NotFoundError):
            continue
        return {"inputs": signature.to_rows("inputs"), "outputs": signature.to_rows("outputs")}
    return {}


def _previews(run_id: str, artifacts: list[str]) -> list[Preview]:
    out: list[Preview] = []
    for path in artifacts:
        if len(out) >= _MAX_PREVIEWS:
            break
        if path.startswith(_DRAWN_FOLDERS):
            continue  # drawn as charts (sktrack/ui/_curves.py), or internal
        suffix = PurePosixPath(path).suffix.lower()
        if suffix in IMAGE_TYPES:
            out.append(Preview(path, "image"))
        elif suffix == ".parquet":
            out.append(_table_preview(run_id, path))
        elif (
            suffix in _TEXT_SUFFIXES
            and path != _SIGNATURE_ARTIFACT
            and not path.endswith("/model.json")
        ):
            data = sktrack.read_artifact(run_id, path)
            text = data[:_MAX_TEXT].decode("utf-8", errors="replace")
            out.append(Preview(path, "text", text=text, truncated=len(data) > _MAX_TEXT))
    return out


def _table_preview(run_id: str, path: str) -> Preview:
    try:
        frame = sktrack.load_table(run_id, path)
    except (OSError, ValueError) as error:
        return Preview(path, "text", text=f"cannot read this table: {error}")
    head = frame.head(_TABLE_ROWS)
    rows = tuple(tuple(_cell(v) for v in row) for row in head.itertuples(index=False))
    return Preview(
        path,
        "table",
        columns=tuple(str(c) for c in frame.columns),
        rows=rows,
        total_rows=len(frame),
    )


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return format(value, ".6g")
    return str(value)


def _registered_from(run_id: str) -> list[sktrack.ModelVersion]:
    """The registry versions whose model came from this run."""
    return [
        mv
        for model in registry.list_registered_models()
        for mv in registry.list_model_versions(model.name)
        if mv.run_id == run_id
    ]


# -- the compare page ---------------------------------------------------------------------


def comparison(run_ids: Sequence[str], metric: str = "") -> Comparison:
    """The chosen runs (in the order given) and the charts' data for ``metric`` (default: the
    metric most of them have).  The charts show the runs that have ``metric``."""
    ids = list(dict.fromkeys(check_run_ids(run_ids)))
    if not ids:
        raise InvalidArgumentError("no runs to compare: select at least one run")
    if len(ids) > MAX_COMPARED:
        raise InvalidArgumentError(
            f"{len(ids)} runs selected; compare at most {MAX_COMPARED} at a time"
        )
    quoted = ", ".join(f"'{i}'" for i in ids)
    found = {row.run_id: row for row in run_rows(f"attributes.run_id IN ({quoted})")}
    missing = [i for i in ids if i not in found]
    if missing:
        raise RunNotFoundError(missing[0])
    rows = [found[i] for i in ids]
    parent = _common_parent(rows)
    metrics = _by_frequency(k for r in rows for k in r.metrics)
    default = _chart_view.default_metric(rows, parent)
    metric = metric if metric in metrics else default or (metrics[0] if metrics else "")
    labels = dict(zip(ids, _labels(rows), strict=True))
    charted = [r for r in rows if metric in r.metrics]
    histories = _run_histories(charted, metric, labels)
    values = [_finite(r.metrics[metric]) for r in charted]
    marked = [r.best for r in charted]
    if not any(marked):  # no search said which is best: the best value is
        best = _chart_view.best_index(values, metric)
        marked = [i == best for i in range(len(charted))]
    chart = {
        "metric": metric,
        "higher_is_better": higher_is_better(metric),
        "bars": [
            {"label": labels[r.run_id], "value": v, "best": b}
            for r, v, b in zip(charted, values, marked, strict=True)
        ],
        # a line needs two points: runs that logged the metric once have no history to draw
        "histories": histories if any(len(h["points"]) > 1 for h in histories) else [],
        "parallel": _parallel(charted, _chart_view.axis_params(charted, parent), metric, labels),
    }
    without = [r.name for r in rows if metric not in r.metrics]
    signatures = {r.run_id: _signature_line(r.run_id) for r in rows}
    refit = refit_scorer(parent.params) if parent is not None else None
    diff = tuple(_diff.differences(rows, signatures, refit))
    return Comparison(rows, metrics, _varying_params(rows), metric, without, chart, parent, diff)


def _common_parent(rows: list[RunRow]) -> sktrack.Run | None:
    """The run whose children all of ``rows`` are (a search, when they are its candidates)."""
    parents = {r.parent_run_id for r in rows}
    parent = parents.pop() if len(parents) == 1 else None
    if parent is None:
        return None
    try:
        return sktrack.get_run(parent)
    except RunNotFoundError:
        return None


def _signature_line(run_id: str) -> str:
    """A run's signature in one line: ``age float64, bmi float64 → float64``."""
    signature = _signature(run_id, sktrack.list_artifacts(run_id))
    if not signature:
        return ""

    def part(rows: list[tuple[str, str, bool]]) -> str:
        return ", ".join(f"{name} {kind}" if name else kind for name, kind, _ in rows)

    return f"{part(signature['inputs'])} → {part(signature['outputs']) or '?'}"


def _by_frequency(keys: Iterable[str]) -> list[str]:
    """Metric names, those most runs have first; among those, scores before the statistics
    (``std_``, ``rank_``, ``*_time``) a search's children also carry."""
    counts = Counter(keys)
    return sorted(counts, key=lambda k: (-counts[k], bool(SECONDARY_METRIC.search(k)), k))


def _varying_params(rows: list[RunRow]) -> list[str]:
    keys = sorted({k for r in rows for k in r.params})
    if len(rows) == 1:
        return keys
    return [k for k in keys if len({repr(r.params.get(k)) for r in rows}) > 1]


def _labels(rows: list[RunRow]) -> list[str]:
    """Run names, made unique with a short id where two runs share one."""
    names = Counter(r.name for r in rows)
    return [f"{r.name} ({r.run_id[:6]})" if names[r.name] > 1 else r.name for r in rows]


def _run_histories(
    rows: list[RunRow], metric: str, labels: Mapping[str, str]
) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        history = sktrack.get_metric_history(row.run_id, metric)
        points = [
            [int(s), _finite(v)] for s, v in zip(history["step"], history["value"], strict=True)
        ]
        out.append({"label": labels[row.run_id], "points": points})
    return out


def _parallel(
    rows: list[RunRow], params: list[str], metric: str, labels: Mapping[str, str]
) -> dict[str, Any]:
    """Axes for ``params`` (numeric or categorical) and the metric, one line per run."""
    axes = []
    for key in params:
        present = [r.params[key] for r in rows if key in r.params]
        numeric = all(_is_number(v) for v in present) and len(present) == len(rows)
        axis: dict[str, Any] = {"name": key, "type": "value" if numeric else "category"}
        if not numeric:
            levels = {_text(v) for v in present}
            axis["data"] = sorted(levels | ({_MISSING} if len(present) < len(rows) else set()))
        axes.append(axis)
    axes.append({"name": metric, "type": "value"})
    lines = []
    for row in rows:
        line: list[Any] = []
        for axis in axes[:-1]:
            key = axis["name"]
            if axis["type"] == "value":
                line.append(_finite(row.params[key]))
            else:
                line.append(_text(row.params[key]) if key in row.params else _MISSING)
        lines.append([*line, _finite(row.metrics[metric])])
    return {"axes": axes, "lines": lines, "labels": [labels[r.run_id] for r in rows]}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(value: Any) -> str:
    return "None" if value is None else str(value)


def _finite(value: Any) -> float | None:
    """JSON has no NaN or infinity: the charts get a gap instead."""
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None
