"""`import_mlflow`: a whole MLflow history into an sktrack store, resumable and idempotent.

Order of the work, so that a run cut short anywhere resumes where it stopped: experiments;
then per run, its record (one atomic segment: info, params, metrics, tags), its artifacts and
its models; then the registry.  Every step writes only what the store lacks, so importing again
adds nothing and an interrupted import, run again, ends as a clean one would.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlparse

from .._store import Experiment, Store, import_experiment, import_run, open_store, stored_runs
from .._tracking import get_store, set_store
from ..exceptions import InvalidArgumentError, SktrackError
from ._artifacts import copy_tree, local_folder
from ._convert import imported_run
from ._folder import FolderSource
from ._model import MLMODEL, Conversion, convert_model
from ._records import MlflowLoggedModel, MlflowModelVersion, MlflowRun
from ._registry import import_registered_model
from ._sqlite import SqliteSource

__all__ = ["ImportReport", "import_mlflow", "open_source"]

Source = SqliteSource | FolderSource
Progress = Callable[[int, int], None]


@dataclass
class ImportReport:
    """What an import brought over, and everything it skipped with the reason."""

    source: str
    store: str
    experiments: int = 0
    runs: int = 0
    runs_unchanged: int = 0
    records: int = 0
    artifacts: int = 0
    models: int = 0
    model_versions: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def skip(self, what: str, why: str) -> None:
        self.skipped.append((what, why))

    def summary(self) -> str:
        lines = [
            f"imported {self.source} into {self.store}:",
            f"  {self.experiments} experiments, {self.runs} runs written "
            f"({self.runs_unchanged} already up to date), {self.records} records",
            f"  {self.artifacts} artifact files, {self.models} models converted, "
            f"{self.model_versions} registry versions",
        ]
        if self.skipped:
            lines.append(f"skipped ({len(self.skipped)}):")
            lines += [f"  - {what}: {why}" for what, why in self.skipped]
        return "\n".join(lines)


def open_source(uri: str | os.PathLike[str]) -> Source:
    """The MLflow store at ``uri``: ``sqlite:///path``, a folder (``mlruns/``) or ``file://``."""
    text = os.fspath(uri)
    parsed = urlparse(text)
    if parsed.scheme == "sqlite":
        # sqlite:///relative/path and sqlite:////absolute/path, as SQLAlchemy spells them
        return SqliteSource(Path(unquote(text.removeprefix("sqlite:///"))))
    if parsed.scheme in ("http", "https"):
        raise InvalidArgumentError(
            f"MLflow source {text!r} is a tracking server; sktrack reads its backing store "
            "directly: pass the server's --backend-store-uri (sqlite:///... or its mlruns "
            "folder) instead"
        )
    if parsed.scheme == "file":
        return FolderSource(Path(unquote(parsed.path)))
    if parsed.scheme and len(parsed.scheme) > 1:
        raise InvalidArgumentError(
            f"MLflow source {text!r} is not supported; give sqlite:///path/to/mlflow.db or the "
            "path of an mlruns folder"
        )
    path = Path(text).expanduser()
    if path.is_file():
        return SqliteSource(path)
    return FolderSource(path)


def import_mlflow(
    source: str | os.PathLike[str],
    *,
    store: str | os.PathLike[str] | Store | None = None,
    trusted: Iterable[str | type] | None = None,
    progress: Progress | None = None,
) -> ImportReport:
    """Import a whole MLflow history into an sktrack store.

    Parameters
    ----------
    source : str or path
        ``sqlite:///path/to/mlflow.db``, or an ``mlruns`` folder (MLflow's file store).
    store : str, path or Store, optional
        Defaults to the store in use (`sktrack.get_store`).
    trusted : list of str or type, optional
        Extra types that loading MLflow's skops models may construct (as for `load_model`).
    progress : callable, optional
        Called as ``progress(done, total)`` after each run.

    Returns
    -------
    ImportReport
        Counts, and every item skipped with the reason (``report.summary()`` prints them).

    Examples
    --------
    >>> import sktrack
    >>> report = sktrack.import_mlflow("sqlite:///mlflow.db")  # doctest: +SKIP
    >>> print(report.summary())  # doctest: +SKIP
    """
    src = open_source(source)
    target = store if isinstance(store, Store) else (
        get_store() if store is None else open_store(store)
    )  # fmt: skip
    report = ImportReport(src.describe(), target.location)
    previous = get_store()
    set_store(target)  # the registry's verbs work on the store in use
    try:
        _import(src, target, report, trusted, progress)
    finally:
        set_store(previous)
        src.close()
    return report


def _import(
    src: Source,
    store: Store,
    report: ImportReport,
    trusted: Iterable[str | type] | None,
    progress: Progress | None,
) -> None:
    experiments = _experiments(src, store, report)
    runs = [r for r in src.runs() if _wanted(r, experiments, report)]
    stored = stored_runs(store, [r.run_id for r in runs])
    models = _models_by_run(src.logged_models())
    base = _base_dir(src)
    conversions: dict[str, Conversion] = {}
    for done, run in enumerate(runs, 1):
        if _import_run(store, run, experiments[run.experiment_id], stored, report):
            _import_files(
                store, run, models.get(run.run_id, []), base, trusted, conversions, report
            )
        if progress is not None:
            progress(done, len(runs))
    if runs:
        store.compact()
    for model in src.registered_models():
        try:
            report.model_versions += import_registered_model(
                model, lambda mv: _version_uri(mv, conversions), report.skip
            )
        except SktrackError as exc:
            report.skip(f"registered model {model.name!r}", str(exc))


def _base_dir(src: Source) -> Path:
    return src.path.parent if isinstance(src, SqliteSource) else src.path


def _experiments(src: Source, store: Store, report: ImportReport) -> dict[str, Experiment]:
    out = {}
    for exp in src.experiments():
        if exp.lifecycle == "deleted":
            report.skip(f"experiment {exp.name!r}", "deleted in MLflow")
            continue
        try:
            out[exp.experiment_id] = import_experiment(store, exp.name, exp.created_at)
        except SktrackError as exc:
            report.skip(f"experiment {exp.name!r}", str(exc))
            continue
        report.experiments += 1
        if exp.tags:
            keys = ", ".join(sorted(exp.tags))
            report.skip(
                f"tags of experiment {exp.name!r} ({keys})", "sktrack experiments have no tags"
            )
    return out


def _wanted(run: MlflowRun, experiments: dict[str, Experiment], report: ImportReport) -> bool:
    if run.experiment_id not in experiments:
        return False  # its experiment was skipped, and said so
    if run.lifecycle == "deleted":
        report.skip(f"run {run.run_id} ({run.name})", "deleted in MLflow")
        return False
    return True


def _import_run(
    store: Store, run: MlflowRun, experiment: Experiment, stored: dict, report: ImportReport
) -> bool:
    """Write what the store lacks of the run; returns whether the store now holds it."""
    try:
        written = import_run(store, imported_run(run, experiment), stored.get(run.run_id))
    except SktrackError as exc:
        report.skip(f"run {run.run_id} ({run.name})", str(exc))
        return run.run_id in stored
    report.records += written
    if written:
        report.runs += 1
    else:
        report.runs_unchanged += 1
    return True


def _models_by_run(models: list[MlflowLoggedModel]) -> dict[str, list[MlflowLoggedModel]]:
    out: dict[str, list[MlflowLoggedModel]] = {}
    for m in models:
        if m.run_id and m.lifecycle != "deleted":
            out.setdefault(m.run_id, []).append(m)
    return out


def _import_files(
    store: Store,
    run: MlflowRun,
    models: list[MlflowLoggedModel],
    base: Path,
    trusted: Iterable[str | type] | None,
    conversions: dict[str, Conversion],
    report: ImportReport,
) -> None:
    have = set(store.list_artifacts(run.run_id))
    folder = local_folder(run.artifact_uri, base)
    if folder is None and run.artifact_uri:
        report.skip(f"artifacts of run {run.run_id}", f"{run.artifact_uri} is not a local folder")
    # MLflow 2.x: models are folders with an MLmodel file among the run's artifacts
    inner: list[tuple[Path, str]] = []
    if folder is not None and folder.is_dir():
        found = sorted(p.parent for p in folder.rglob(MLMODEL))
        report.artifacts += copy_tree(store, run.run_id, folder, "", have, set(found))
        inner = [(p, p.relative_to(folder).as_posix()) for p in found]
    names: set[str] = set()
    for path, name in inner:
        _convert(
            store,
            run,
            path,
            name,
            trusted,
            conversions,
            report,
            keys=[f"runs:/{run.run_id}/{name}", str(path)],
        )
        names.add(name)
    for model in models:  # MLflow 3: logged models live outside the run's folder
        location = local_folder(model.artifact_location, base)
        name = _free_name(model.name or "model", names)
        names.add(name)
        if location is None or not location.is_dir():
            report.skip(
                f"model {model.model_id} of run {run.run_id}",
                f"{model.artifact_location} is not a local folder",
            )
            continue
        _convert(
            store,
            run,
            location,
            name,
            trusted,
            conversions,
            report,
            keys=[f"models:/{model.model_id}", str(location)],
        )


def _free_name(name: str, taken: set[str]) -> str:
    candidate, i = name, 2
    while candidate in taken:
        candidate, i = f"{name}-{i}", i + 1
    return candidate


def _convert(
    store: Store,
    run: MlflowRun,
    path: Path,
    name: str,
    trusted: Iterable[str | type] | None,
    conversions: dict[str, Conversion],
    report: ImportReport,
    keys: list[str],
) -> None:
    done = convert_model(store, run.run_id, path, name, trusted=trusted)
    if done.uri is None:
        report.skip(f"model {name!r} of run {run.run_id}", done.reason)
        have = set(store.list_artifacts(run.run_id))
        report.artifacts += copy_tree(store, run.run_id, path, name, have, set())
    elif done.new:
        report.models += 1
    for key in keys:
        conversions[key] = done


def _version_uri(mv: MlflowModelVersion, conversions: dict[str, Conversion]) -> str | None:
    for key in (mv.source, mv.storage_location, mv.source.removeprefix("file://")):
        done = conversions.get(key)
        if done is not None:
            return done.uri
    return None
