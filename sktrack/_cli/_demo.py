"""`sktrack demo`: the user's day of DESIGN.md, end to end, on data that ships with scikit-learn.

A LinearRegression baseline and three grid searches (ElasticNet, a decision tree, a random
forest) on the diabetes data set, each scored on a held-out test split; a `search_runs` table;
the best model by test RMSE registered, moved to Staging (archiving the version staged before),
loaded back by its ``models:/`` URI and used to predict.  Run it again on the same store and a
new version replaces the old one in Staging.
"""

from __future__ import annotations

import contextlib
import contextvars
import importlib.util
import math
import os
import shlex
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    import pandas as pd

    from .._store import Store

__all__ = ["EXPERIMENT", "MODEL_NAME", "DemoResult", "run_demo"]

EXPERIMENT = "diabetes-demo"
MODEL_NAME = "diabetes-regressor"
SCORING = ["r2", "neg_mean_absolute_error", "neg_root_mean_squared_error"]
REFIT = "neg_root_mean_squared_error"
TEST_RMSE = "test_root_mean_squared_error"
_TABLE_METRICS = ["test_root_mean_squared_error", "test_mean_absolute_error", "test_r2_score"]
_TABLE_HEADERS = ["test RMSE", "test MAE", "test R2"]
_SEED = 0


@dataclass(frozen=True)
class DemoResult:
    """What the demo logged: its runs, the registered version, the predictions it made."""

    store: str
    experiment: str
    baseline_run_id: str
    search_run_ids: tuple[str, ...]  # ElasticNet, decision tree, random forest
    best_run_id: str
    model_name: str
    version: int
    archived_versions: tuple[int, ...]  # versions that left Staging for Archived
    predictions: tuple[float, ...]
    seconds: float


def _grids(quick: bool) -> list[tuple[str, Any, dict[str, list[Any]]]]:
    """(run name, estimator, grid) of the three searches; ``quick`` keeps them small."""
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import ElasticNet
    from sklearn.tree import DecisionTreeRegressor

    if quick:
        return [
            ("elasticnet", ElasticNet(), {"alpha": [0.01, 0.1], "l1_ratio": [0.5]}),
            ("decision-tree", DecisionTreeRegressor(random_state=_SEED), {"max_depth": [3, 5]}),
            (
                "random-forest",
                RandomForestRegressor(n_estimators=20, random_state=_SEED),
                {"max_depth": [4, 8]},
            ),
        ]
    return [
        (
            "elasticnet",
            ElasticNet(),
            {"alpha": [0.001, 0.01, 0.1, 1.0], "l1_ratio": [0.1, 0.5, 0.9]},
        ),
        (
            "decision-tree",
            DecisionTreeRegressor(random_state=_SEED),
            {"max_depth": [2, 3, 5, 8], "min_samples_leaf": [5, 20, 40]},
        ),
        (
            "random-forest",
            RandomForestRegressor(n_estimators=100, random_state=_SEED),
            {"max_features": [0.3, 0.6], "min_samples_leaf": [3, 10], "max_depth": [6, None]},
        ),
    ]


def run_demo(
    store: str | os.PathLike[str] | Store,
    *,
    quick: bool = False,
    out: TextIO | None = None,
) -> DemoResult:
    """Log the walkthrough into ``store`` and print what happens (what `sktrack demo` runs).

    The caller's own store, experiment and active run are left as they were.

    Parameters
    ----------
    store : str, path or Store
        Where to log; created if needed.  Running the demo again adds to it.
    quick : bool, default=False
        Smaller grids and 3-fold cross-validation, for a fast look (and tests).
    out : text stream, optional
        Where to print; defaults to standard output.  Progress uses rich when it is
        installed and ``out`` is a terminal.

    Returns
    -------
    DemoResult

    Examples
    --------
    >>> import tempfile
    >>> result = run_demo(tempfile.mkdtemp(), quick=True)  # doctest: +SKIP
    >>> result.model_name, result.version  # doctest: +SKIP
    ('diabetes-regressor', 1)
    """
    stream = out if out is not None else sys.stdout
    return contextvars.copy_context().run(_scoped_walkthrough, store, quick, stream)


def _scoped_walkthrough(
    store: str | os.PathLike[str] | Store, quick: bool, out: TextIO
) -> DemoResult:
    from .._tracking import scoped_defaults

    with scoped_defaults():
        return _walkthrough(store, quick, out)


def _walkthrough(store: str | os.PathLike[str] | Store, quick: bool, out: TextIO) -> DemoResult:
    import sktrack

    started = time.perf_counter()
    location = sktrack.set_store(store).location
    sktrack.set_experiment(EXPERIMENT)
    steps = _Progress(out, total=8)
    with steps.step("Load the diabetes data set (ships with scikit-learn)") as note:
        data = _Split.load()
        note(f"{len(data.X_train)} training rows, {len(data.X_test)} test rows, 10 features")
    with steps.step("Baseline: LinearRegression in a TrackedEstimator") as note:
        baseline = _baseline(data)
        note(_scores(baseline))
    searches = tuple(_search_step(steps, *spec, quick, data) for spec in _grids(quick))
    with steps.step("Compare the runs on the test split (search_runs)") as note:
        table, best = _compare([baseline, *searches])
        note(f"best by test RMSE: {best.run_name}; the baseline ranks {best.baseline_rank} of 4")
    print(table, file=out)
    with steps.step(f"Register the best model as {MODEL_NAME!r} and stage it") as note:
        version, archived = _register(best.run_id)
        note(_registered(version, archived))
    with steps.step(f"Load models:/{MODEL_NAME}/staging and predict") as note:
        predictions = _predict(data.X_test)
        note(_predictions(predictions, data.y_test))
    _print_next_steps(out, location)
    seconds = time.perf_counter() - started
    print(f"\nDemo finished in {seconds:.1f} s.", file=out)
    return DemoResult(
        location, EXPERIMENT, baseline, searches, best.run_id, MODEL_NAME, version, archived,
        tuple(float(p) for p in predictions), seconds,
    )  # fmt: skip


# -- the steps -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Split:
    X_train: pd.DataFrame
    X_test: pd.DataFrame
    y_train: pd.Series
    y_test: pd.Series

    @classmethod
    def load(cls) -> _Split:
        from sklearn.datasets import load_diabetes
        from sklearn.model_selection import train_test_split

        X, y = load_diabetes(return_X_y=True, as_frame=True)
        return cls(*train_test_split(X, y, test_size=0.25, random_state=_SEED))


def _baseline(data: _Split) -> str:
    from sklearn.linear_model import LinearRegression

    import sktrack

    with sktrack.start_run(run_name="baseline") as run:
        model = sktrack.TrackedEstimator(LinearRegression()).fit(data.X_train, data.y_train)
        model.evaluate(data.X_test, data.y_test)
    return run.run_id


def _search_step(
    steps: _Progress,
    name: str,
    estimator: Any,
    grid: dict[str, list[Any]],
    quick: bool,
    data: _Split,
) -> str:
    """One grid search, fitted and evaluated on the test split; returns its parent run."""
    import sktrack

    # with rich on a terminal, the search draws its own bar (candidates done of total)
    verbose = int(steps.console is not None)
    search = sktrack.TrackedGridSearchCV(
        estimator,
        grid,
        scoring=SCORING,
        refit=REFIT,
        cv=3 if quick else 5,
        # On 331 rows a fit takes milliseconds: starting worker processes costs more than
        # they save (measured here: 10 s against 0.6 s for the ElasticNet grid).
        n_jobs=1,
        top_k=5,
        run_name=name,
        verbose=verbose,
    )
    title = f"TrackedGridSearchCV over {type(estimator).__name__} ({_candidates(grid)} candidates)"
    with steps.step(title, spinner=not verbose) as note:
        search.fit(data.X_train, data.y_train)
        search.evaluate(data.X_test, data.y_test)
        note(_scores(str(search.run_id_)))
    return str(search.run_id_)


def _candidates(grid: dict[str, list[Any]]) -> int:
    return math.prod(len(values) for values in grid.values())


def _scores(run_id: str) -> str:
    import sktrack

    metrics = sktrack.get_run(run_id).metrics
    return (
        f"test RMSE {metrics.get(TEST_RMSE, float('nan')):.2f}, "
        f"test R2 {metrics.get('test_r2_score', float('nan')):.3f}"
    )


@dataclass(frozen=True)
class _Best:
    run_id: str
    run_name: str
    baseline_rank: int  # 1 when no search beat the baseline


def _compare(run_ids: list[str]) -> tuple[str, _Best]:
    """This demo's runs ordered by test RMSE (earlier demos in the store are left out)."""
    import sktrack

    from ._format import format_table

    quoted = ", ".join(f"'{r}'" for r in run_ids)
    frame = sktrack.search_runs(
        filter_string=f"attributes.run_id IN ({quoted})",
        order_by=[f"metrics.{TEST_RMSE} ASC"],
    )
    rows = frame[["run_name", *(f"metrics.{m}" for m in _TABLE_METRICS), "run_id"]]
    table = format_table(["run", *_TABLE_HEADERS, "run_id"], rows.to_numpy().tolist())
    best = frame.iloc[0]
    rank = list(frame["run_id"]).index(run_ids[0]) + 1
    return table, _Best(str(best["run_id"]), str(best["run_name"]), rank)


def _register(run_id: str) -> tuple[int, tuple[int, ...]]:
    from .. import registry

    description = "sktrack demo: the best of a baseline and three grid searches, by test RMSE"
    mv = registry.register_model(f"runs:/{run_id}/model", MODEL_NAME, description=description)
    staged_before = {v.version for v in registry.list_model_versions(MODEL_NAME)
                     if str(v.stage) == "Staging"}  # fmt: skip
    registry.transition_stage(MODEL_NAME, mv.version, "Staging", archive_existing=True)
    archived = tuple(
        v.version
        for v in registry.list_model_versions(MODEL_NAME)
        if v.version in staged_before and str(v.stage) == "Archived"
    )
    return mv.version, archived


def _registered(version: int, archived: tuple[int, ...]) -> str:
    text = f"version {version} is in Staging"
    if archived:
        text += "; archived version " + ", ".join(str(v) for v in archived)
    return text


def _predict(X_test: Any) -> Any:
    import sktrack

    model = sktrack.load_model(f"models:/{MODEL_NAME}/staging")
    return model.predict(X_test.head(5))


def _predictions(predictions: Any, y_test: Any) -> str:
    pairs = zip(predictions, y_test.head(5), strict=True)
    return "predicted vs actual: " + ", ".join(f"{p:.0f}/{a:.0f}" for p, a in pairs)


def _print_next_steps(out: TextIO, location: str) -> None:
    store = shlex.quote(location)
    print(
        "\nNext:\n"
        f"  sktrack ui --store {store}          # browse and compare in the web UI\n"
        f"  sktrack --store {store} runs --experiment {EXPERIMENT} "
        f"--order-by 'metrics.{TEST_RMSE} ASC'\n"
        f"  sktrack --store {store} models show {MODEL_NAME}",
        file=out,
    )
    if not all(importlib.util.find_spec(name) for name in ("starlette", "uvicorn", "jinja2")):
        print("(the web UI needs its extra: pip install 'sktrack[ui]')", file=out)


# -- progress --------------------------------------------------------------------------------


class _Progress:
    """Numbered step lines; with rich on a terminal, a spinner while each step runs."""

    def __init__(self, out: TextIO, total: int) -> None:
        self.out, self.total, self.done = out, total, 0
        self.console = _rich_console(out)

    @contextlib.contextmanager
    def step(self, title: str, *, spinner: bool = True) -> Iterator[Any]:
        self.done += 1
        label = f"[{self.done}/{self.total}] {title}"
        notes: list[str] = []
        started = time.perf_counter()
        if self.console is None or not spinner:
            print(label, file=self.out, flush=True)
            yield notes.append
        else:
            from rich.markup import escape

            with self.console.status(escape(label)):
                yield notes.append
        elapsed = f"{time.perf_counter() - started:.1f} s"
        detail = f"{'; '.join(notes)} ({elapsed})" if notes else elapsed
        if self.console is None:
            print(f"      {detail}", file=self.out, flush=True)
        else:
            from rich.markup import escape

            self.console.print(
                f"[green]✓[/green] {escape(label)}\n      {escape(detail)}", highlight=False
            )


def _rich_console(out: TextIO) -> Any:
    """A rich console on ``out`` when rich is installed and ``out`` is a terminal."""
    if not (hasattr(out, "isatty") and out.isatty()):
        return None
    try:
        from rich.console import Console
    except ImportError:
        return None
    return Console(file=out)
