"""The tracked searches: scikit-learn's four searches, each fit on record.

``TrackedGridSearchCV`` is ``GridSearchCV`` plus four params (``top_k``, ``run_name``,
``experiment``, ``log_model``).  It hooks into scikit-learn through the extension point the
search base class offers, ``_run_search(evaluate_candidates)``: the override wraps
``evaluate_candidates``, which scikit-learn calls in the process that called ``fit`` once per
batch (one batch for grid and randomized searches, one per iteration for the halving ones).
After each batch the parent run's progress tags are updated; after ``fit`` the parent and its
children are logged (`sktrack._search_logging`).  The workers of ``n_jobs`` or of a dask
cluster only fit and score, as they do without tracking.

scikit-learn >= 1.9 passes ``callback_ctx`` to ``_run_search`` only if the override's
signature names it, so the override is defined to match the signature of the installed
version.
"""

from __future__ import annotations

import inspect
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from math import ceil, floor, log
from numbers import Integral
from typing import TYPE_CHECKING, Any

import numpy as np
import sklearn.experimental.enable_halving_search_cv  # the halving searches are experimental
from sklearn.exceptions import FitFailedWarning
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    HalvingRandomSearchCV,
    RandomizedSearchCV,
)

from ._fit_logging import in_tracked_fit, tracked_fit
from ._records import Run, RunStatus
from ._search_logging import (
    BatchFailure,
    check_top_k,
    log_search_results,
    open_parent,
    progress_tags,
    ranking_scorer,
    record_search,
    scorer_names,
    search_params,
)
from .exceptions import InvalidArgumentError

__all__ = [
    "TrackedGridSearchCV",
    "TrackedHalvingGridSearchCV",
    "TrackedHalvingRandomSearchCV",
    "TrackedRandomizedSearchCV",
    "log_search_results",
]

# True on scikit-learn >= 1.9, whose fit passes callback_ctx to a _run_search that names it.
_PASSES_CALLBACK_CTX = (
    "callback_ctx" in inspect.signature(sklearn.model_selection.GridSearchCV._run_search).parameters
)

_TRACKING_CONSTRAINTS: dict[str, list[Any]] = {
    "top_k": [Integral, None],
    "run_name": [str, None],
    "experiment": [str, None],
    "log_model": ["boolean"],
}

# Attributes a tracked search has and the plain scikit-learn search has not.
_TRACKING_ATTRS = frozenset(
    {*_TRACKING_CONSTRAINTS, "run_id_", "child_run_ids_", "_store_location"}
)
_SESSION_ATTR = "_sktrack_session"


class _SearchSession:
    """One fit of a tracked search: its parent run, progress, and the failures it saw."""

    def __init__(self, search: Any) -> None:
        self.search = search
        self.parent: Run | None = None
        self.owned = False
        self.done = 0
        self.total = 0
        self.failures: list[BatchFailure] = []
        self.bar: _ProgressBar | None = None
        self.store_location = ""

    def before_batch(self, n_candidates: int) -> None:
        search = self.search
        if self.parent is None:
            # opened at the first batch: scikit-learn has validated the params by then
            check_top_k(search.top_k)
            self.parent, self.owned = open_parent(None, search.run_name, search.experiment)
            self.total = search._sktrack_planned_candidates(n_candidates)
            tags = progress_tags(0, self.total, float("nan"), "search")
            self.parent.store.log(self.parent.run_id, params=search_params(search), tags=tags)
            if search.verbose > 0:
                self.bar = _ProgressBar.start(type(search).__name__, self.total)

    def after_batch(self, results: dict[str, Any], n_candidates: int, warned: list[str]) -> None:
        assert self.parent is not None
        start, self.done = self.done, self.done + n_candidates
        if warned:
            self.failures.append(BatchFailure.from_warning(start, self.done, warned[-1]))
        self.total = max(self.total, self.done)
        key = f"mean_test_{ranking_scorer(self.search, scorer_names(results))}"
        scores = np.asarray(results[key], dtype=float)
        best = float(scores[~np.isnan(scores)].max()) if (~np.isnan(scores)).any() else np.nan
        phase = "refit" if self.done >= self.total else "search"
        tags = progress_tags(self.done, self.total, best, phase)
        self.parent.store.log(self.parent.run_id, tags=tags)
        if self.bar is not None:
            self.bar.update(self.done, self.total)

    def finish(self, X: Any, y: Any, sample_weight: Any) -> tuple[str, list[str]]:
        if self.bar is not None:
            self.bar.stop()
        if self.parent is None:  # pragma: no cover - fit always evaluates a batch
            raise AssertionError("the search evaluated no candidates")
        search = self.search
        try:
            children = record_search(
                self.parent,
                search,
                X,
                y,
                top_k=search.top_k,
                log_model=search.log_model,
                sample_weight=sample_weight,
                failures=self.failures,
            )
        except BaseException:
            self.abort()
            raise
        if self.owned:
            self.parent.end(RunStatus.FINISHED)
        self.store_location = self.parent.store.location
        return self.parent.run_id, children

    def abort(self) -> None:
        if self.bar is not None:
            self.bar.stop()
        if self.parent is not None and self.owned:
            self.parent.end(RunStatus.FAILED)


class _ProgressBar:
    """A terminal progress bar drawn with rich (the ``progress`` extra), when installed."""

    def __init__(self, progress: Any, task: Any) -> None:
        self.progress, self.task = progress, task

    @classmethod
    def start(cls, name: str, total: int) -> _ProgressBar | None:
        try:
            from rich.progress import Progress
        except ImportError:  # the bar is a nicety: without rich, scikit-learn's prints remain
            return None
        progress = Progress()
        progress.start()
        return cls(progress, progress.add_task(f"{name}: candidates", total=total))

    def update(self, done: int, total: int) -> None:
        self.progress.update(self.task, completed=done, total=total)

    def stop(self) -> None:
        self.progress.stop()


@contextmanager
def _fit_failures() -> Iterator[list[str]]:
    """Collect the text of the FitFailedWarnings issued inside the block.

    scikit-learn puts the tracebacks of failed fits only in that warning (not in
    ``cv_results_``).  The warning is shown exactly as it would have been: the filters are
    left alone (an ignored warning is neither shown nor collected), and every warning is
    passed on to the display function that was in place.
    """
    collected: list[str] = []
    previous = warnings.showwarning

    def show(message: Any, category: Any, *args: Any, **kwargs: Any) -> None:
        if issubclass(category, FitFailedWarning):
            collected.append(str(message))
        previous(message, category, *args, **kwargs)

    warnings.showwarning = show
    try:
        yield collected
    finally:
        warnings.showwarning = previous


if TYPE_CHECKING:
    _Search = Any  # the scikit-learn search a mixin below is mixed into
else:
    _Search = object


class _TrackedSearchMixin(_Search):
    """What the four tracked searches share: fit on record, the _run_search hook."""

    # params of the searches this is mixed into
    top_k: int | None
    run_name: str | None
    experiment: str | None
    log_model: bool
    verbose: int
    refit: Any
    # fitted
    run_id_: str | None
    child_run_ids_: list[str]

    # set by each class: the scikit-learn search it extends (what a saved model becomes)
    _sktrack_plain: type[Any]

    def fit(self, X: Any, y: Any = None, **params: Any) -> Any:
        """Run the search, then log it: the parent run, the ``top_k`` best candidates as its
        children, and ``cv_results_`` as the ``cv_results`` table.

        Parameters are those of the scikit-learn search.  Sets ``run_id_`` (the parent) and
        ``child_run_ids_`` (best first).  Inside another tracked fit (a `TrackedEstimator`
        around the search, or autolog's), that fit logs and the search logs nothing: then
        ``run_id_`` is None and ``child_run_ids_`` empty.
        """
        if in_tracked_fit():
            super().fit(X, y, **params)
            self.run_id_, self.child_run_ids_, self._store_location = None, [], ""
            return self
        session = _SearchSession(self)
        setattr(self, _SESSION_ATTR, session)
        try:
            # the fits inside (the candidates' clones, the refit) log nothing of their own
            with tracked_fit():
                super().fit(X, y, **params)
        except BaseException:
            session.abort()
            raise
        finally:
            delattr(self, _SESSION_ATTR)
        self.run_id_, self.child_run_ids_ = session.finish(X, y, params.get("sample_weight"))
        # where evaluate() logs, even if set_store() points elsewhere by then
        self._store_location = session.store_location
        return self

    def evaluate(
        self, X: Any, y: Any = None, split: str = "test", *, sample_weight: Any = None
    ) -> dict[str, float]:
        """Compute the best estimator's standard metrics on ``(X, y)``, log them into the
        parent run (also after it ended) as ``<split>_<name>``, and return them.

        Parameters
        ----------
        X : array-like
        y : array-like, optional
            The true targets.
        split : str, default="test"
            The metric names' prefix: ``test_r2_score``, ``val_accuracy_score``...
        sample_weight : array-like, optional
            Weights every metric honours.

        Returns
        -------
        dict of str to float
            The names `sktrack.TrackedEstimator.evaluate` gives.

        Examples
        --------
        >>> import sktrack, tempfile
        >>> from sklearn.tree import DecisionTreeRegressor
        >>> _ = sktrack.set_store(tempfile.mkdtemp())
        >>> X, y = [[0.0], [1.0], [2.0], [3.0]] * 5, [0.0, 1.0, 4.0, 9.0] * 5
        >>> search = TrackedGridSearchCV(DecisionTreeRegressor(), {"max_depth": [1, 3]}, cv=2,
        ...                              log_model=False).fit(X, y)
        >>> search.evaluate(X, y)["test_r2_score"]
        1.0
        """
        from sklearn.utils.validation import check_is_fitted

        from ._metrics import compute_metrics
        from ._store import open_store
        from ._store._values import validate_key

        if not isinstance(split, str) or not split:
            raise InvalidArgumentError(
                f"evaluate split must be a non-empty str such as 'test' or 'val', got {split!r}"
            )
        validate_key("metric", f"{split}_score")
        check_is_fitted(self)
        if not hasattr(self, "best_estimator_"):
            raise InvalidArgumentError(
                f"evaluate needs the refitted best estimator, and {type(self).__name__} was "
                f"fitted with refit={self.refit!r}: fit it with refit=True (or a scorer name)"
            )
        best = self.best_estimator_
        metrics = compute_metrics(best, X, y, sample_weight=sample_weight, prefix=split)
        if metrics and self.run_id_ is not None:
            open_store(self._store_location).log(self.run_id_, metrics=metrics)
        return metrics

    def _run_search_passing_ctx(
        self, evaluate_candidates: Callable[..., Any], *, callback_ctx: Any = None
    ) -> Any:
        wrapped = self._sktrack_wrap(evaluate_candidates)
        return super()._run_search(wrapped, callback_ctx=callback_ctx)

    def _run_search_without_ctx(self, evaluate_candidates: Callable[..., Any]) -> Any:
        return super()._run_search(self._sktrack_wrap(evaluate_candidates))

    # scikit-learn >= 1.9 passes callback_ctx only to an override whose signature names it
    _run_search = _run_search_passing_ctx if _PASSES_CALLBACK_CTX else _run_search_without_ctx

    def _sktrack_wrap(self, evaluate_candidates: Callable[..., Any]) -> Callable[..., Any]:
        session = getattr(self, _SESSION_ATTR, None)
        if session is None:  # _run_search called outside our fit: nothing to track
            return evaluate_candidates

        def tracked(candidate_params: Any, *args: Any, **kwargs: Any) -> Any:
            candidate_params = list(candidate_params)
            session.before_batch(len(candidate_params))
            with _fit_failures() as failures:
                results = evaluate_candidates(candidate_params, *args, **kwargs)
            session.after_batch(results, len(candidate_params), failures)
            return results

        return tracked

    def _sktrack_planned_candidates(self, first_batch: int) -> int:
        """How many candidates the whole search evaluates, known at its first batch."""
        return first_batch

    def _sktrack_model_to_save(self) -> Any:
        """The plain scikit-learn search, as `sktrack.log_model` saves it (no sktrack types)."""
        plain = object.__new__(self._sktrack_plain)
        state = {k: v for k, v in self.__dict__.items() if k not in _TRACKING_ATTRS}
        plain.__dict__.update(state)
        return plain

    def __getstate__(self) -> dict[str, Any]:
        # n_jobs pickles the search for the workers (scikit-learn passes it as the caller):
        # the session, with its open run, stays here.
        state = dict(super().__getstate__())
        state.pop(_SESSION_ATTR, None)
        return state


class _HalvingPlan(_Search):
    """Successive halving: the number of candidates over all iterations."""

    # params and fitted attributes of the halving searches this is mixed into
    factor: Any
    aggressive_elimination: bool
    min_resources_: int
    max_resources_: int

    def _sktrack_planned_candidates(self, first_batch: int) -> int:
        # The iteration count, as scikit-learn's _run_search derives it from the public
        # fitted attributes min_resources_ and max_resources_ (set before the first batch).
        factor = self.factor
        required = 1 + floor(log(first_batch, factor))
        possible = 1 + floor(log(self.max_resources_ // self.min_resources_, factor))
        iterations = required if self.aggressive_elimination else min(possible, required)
        total, n = 0, first_batch
        for _ in range(iterations):
            total, n = total + n, ceil(n / factor)
        return total


_TRACKING_PARAMS_DOC = """
    top_k : int or None, default=5
        How many of the best candidates (by the refit metric) become child runs; None for all
        of them, 0 for none.  The refit winner is always the first, tagged ``sktrack.best``.
    run_name : str, optional
        The parent run's name when the search opens one (outside an active run).
    experiment : str, optional
        The parent run's experiment when the search opens one.
    log_model : bool, default=True
        Log the best estimator as the parent run's model, with its signature.

    Attributes
    ----------
    run_id_ : str or None
        The parent run: the active run if there was one, else the run opened for the fit.
        None when the search was fitted inside another tracked fit, which logged it.
    child_run_ids_ : list of str
        The children, best first.
"""


class TrackedGridSearchCV(_TrackedSearchMixin, GridSearchCV):
    __doc__ = (
        """`sklearn.model_selection.GridSearchCV`, with every fit on record.

    The parent run holds the search's params, ``best_<param>`` params, ``best_cv_<scorer>``
    metrics, the refit time, the best estimator's training metrics, model and signature, and
    ``cv_results_`` as the ``cv_results`` table (``sktrack.load_table(run_id, "cv_results")``).

    Parameters
    ----------
    estimator, param_grid, scoring, n_jobs, refit, cv, verbose, pre_dispatch, error_score,
    return_train_score
        As in `sklearn.model_selection.GridSearchCV`.  ``verbose > 0`` also draws a progress
        bar when rich is installed."""
        + _TRACKING_PARAMS_DOC
        + """
    Examples
    --------
    >>> import sktrack, tempfile
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> X, y = [[0.0], [1.0], [2.0], [3.0]] * 5, [0.0, 1.0, 4.0, 9.0] * 5
    >>> search = TrackedGridSearchCV(DecisionTreeRegressor(), {"max_depth": [1, 2, 3]},
    ...                              cv=2, top_k=2, log_model=False).fit(X, y)
    >>> len(search.child_run_ids_)
    2
    """
    )

    _sktrack_plain = GridSearchCV
    _parameter_constraints: dict = {**GridSearchCV._parameter_constraints, **_TRACKING_CONSTRAINTS}

    def __init__(
        self,
        estimator: Any,
        param_grid: Any,
        *,
        scoring: Any = None,
        n_jobs: int | None = None,
        refit: Any = True,
        cv: Any = None,
        verbose: int = 0,
        pre_dispatch: Any = "2*n_jobs",
        error_score: Any = np.nan,
        return_train_score: bool = False,
        top_k: int | None = 5,
        run_name: str | None = None,
        experiment: str | None = None,
        log_model: bool = True,
    ) -> None:
        super().__init__(
            estimator,
            param_grid,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.top_k = top_k
        self.run_name = run_name
        self.experiment = experiment
        self.log_model = log_model


class TrackedRandomizedSearchCV(_TrackedSearchMixin, RandomizedSearchCV):
    __doc__ = (
        """`sklearn.model_selection.RandomizedSearchCV`, with every fit on record.

    Logs what `TrackedGridSearchCV` logs.

    Parameters
    ----------
    estimator, param_distributions, n_iter, scoring, n_jobs, refit, cv, verbose,
    pre_dispatch, random_state, error_score, return_train_score
        As in `sklearn.model_selection.RandomizedSearchCV`."""
        + _TRACKING_PARAMS_DOC
        + """
    Examples
    --------
    >>> import sktrack, tempfile
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> X, y = [[0.0], [1.0], [2.0], [3.0]] * 5, [0.0, 1.0, 4.0, 9.0] * 5
    >>> search = TrackedRandomizedSearchCV(DecisionTreeRegressor(), {"max_depth": [1, 2, 3]},
    ...                                    n_iter=3, cv=2, random_state=0, top_k=None,
    ...                                    log_model=False).fit(X, y)
    >>> len(search.child_run_ids_)
    3
    """
    )

    _sktrack_plain = RandomizedSearchCV
    _parameter_constraints: dict = {
        **RandomizedSearchCV._parameter_constraints,
        **_TRACKING_CONSTRAINTS,
    }

    def __init__(
        self,
        estimator: Any,
        param_distributions: Any,
        *,
        n_iter: int = 10,
        scoring: Any = None,
        n_jobs: int | None = None,
        refit: Any = True,
        cv: Any = None,
        verbose: int = 0,
        pre_dispatch: Any = "2*n_jobs",
        random_state: Any = None,
        error_score: Any = np.nan,
        return_train_score: bool = False,
        top_k: int | None = 5,
        run_name: str | None = None,
        experiment: str | None = None,
        log_model: bool = True,
    ) -> None:
        super().__init__(
            estimator,
            param_distributions,
            n_iter=n_iter,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            random_state=random_state,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.top_k = top_k
        self.run_name = run_name
        self.experiment = experiment
        self.log_model = log_model


class TrackedHalvingGridSearchCV(_HalvingPlan, _TrackedSearchMixin, HalvingGridSearchCV):
    __doc__ = (
        """`sklearn.model_selection.HalvingGridSearchCV`, with every fit on record.

    Logs what `TrackedGridSearchCV` logs; the progress is updated after each iteration.  A
    candidate evaluated in several iterations is one child, with the scores of its last one.

    Parameters
    ----------
    estimator, param_grid, factor, resource, max_resources, min_resources,
    aggressive_elimination, cv, scoring, refit, error_score, return_train_score,
    random_state, n_jobs, verbose
        As in `sklearn.model_selection.HalvingGridSearchCV`."""
        + _TRACKING_PARAMS_DOC
        + """
    Examples
    --------
    >>> import sktrack, tempfile
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> X, y = [[float(i)] for i in range(60)], [float(i % 7) for i in range(60)]
    >>> search = TrackedHalvingGridSearchCV(DecisionTreeRegressor(random_state=0),
    ...                                     {"max_depth": [1, 2, 3, 4]}, cv=2, top_k=2,
    ...                                     log_model=False).fit(X, y)
    >>> len(search.child_run_ids_)
    2
    """
    )

    _sktrack_plain = HalvingGridSearchCV
    _parameter_constraints: dict = {
        **HalvingGridSearchCV._parameter_constraints,
        **_TRACKING_CONSTRAINTS,
    }

    def __init__(
        self,
        estimator: Any,
        param_grid: Any,
        *,
        factor: Any = 3,
        resource: str = "n_samples",
        max_resources: Any = "auto",
        min_resources: Any = "exhaust",
        aggressive_elimination: bool = False,
        cv: Any = 5,
        scoring: Any = None,
        refit: Any = True,
        error_score: Any = np.nan,
        return_train_score: bool = True,
        random_state: Any = None,
        n_jobs: int | None = None,
        verbose: int = 0,
        top_k: int | None = 5,
        run_name: str | None = None,
        experiment: str | None = None,
        log_model: bool = True,
    ) -> None:
        super().__init__(
            estimator,
            param_grid,
            factor=factor,
            resource=resource,
            max_resources=max_resources,
            min_resources=min_resources,
            aggressive_elimination=aggressive_elimination,
            cv=cv,
            scoring=scoring,
            refit=refit,
            error_score=error_score,
            return_train_score=return_train_score,
            random_state=random_state,
            n_jobs=n_jobs,
            verbose=verbose,
        )
        self.top_k = top_k
        self.run_name = run_name
        self.experiment = experiment
        self.log_model = log_model


class TrackedHalvingRandomSearchCV(_HalvingPlan, _TrackedSearchMixin, HalvingRandomSearchCV):
    __doc__ = (
        """`sklearn.model_selection.HalvingRandomSearchCV`, with every fit on record.

    Logs what `TrackedHalvingGridSearchCV` logs.

    Parameters
    ----------
    estimator, param_distributions, n_candidates, factor, resource, max_resources,
    min_resources, aggressive_elimination, cv, scoring, refit, error_score,
    return_train_score, random_state, n_jobs, verbose
        As in `sklearn.model_selection.HalvingRandomSearchCV`."""
        + _TRACKING_PARAMS_DOC
        + """
    Examples
    --------
    >>> import sktrack, tempfile
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> X, y = [[float(i)] for i in range(60)], [float(i % 7) for i in range(60)]
    >>> search = TrackedHalvingRandomSearchCV(DecisionTreeRegressor(random_state=0),
    ...                                       {"max_depth": [1, 2, 3, 4]}, n_candidates=4,
    ...                                       cv=2, random_state=0, top_k=1, log_model=False)
    >>> len(search.fit(X, y).child_run_ids_)
    1
    """
    )

    _sktrack_plain = HalvingRandomSearchCV
    _parameter_constraints: dict = {
        **HalvingRandomSearchCV._parameter_constraints,
        **_TRACKING_CONSTRAINTS,
    }

    def __init__(
        self,
        estimator: Any,
        param_distributions: Any,
        *,
        n_candidates: Any = "exhaust",
        factor: Any = 3,
        resource: str = "n_samples",
        max_resources: Any = "auto",
        min_resources: Any = "smallest",
        aggressive_elimination: bool = False,
        cv: Any = 5,
        scoring: Any = None,
        refit: Any = True,
        error_score: Any = np.nan,
        return_train_score: bool = True,
        random_state: Any = None,
        n_jobs: int | None = None,
        verbose: int = 0,
        top_k: int | None = 5,
        run_name: str | None = None,
        experiment: str | None = None,
        log_model: bool = True,
    ) -> None:
        super().__init__(
            estimator,
            param_distributions,
            n_candidates=n_candidates,
            factor=factor,
            resource=resource,
            max_resources=max_resources,
            min_resources=min_resources,
            aggressive_elimination=aggressive_elimination,
            cv=cv,
            scoring=scoring,
            refit=refit,
            error_score=error_score,
            return_train_score=return_train_score,
            random_state=random_state,
            n_jobs=n_jobs,
            verbose=verbose,
        )
        self.top_k = top_k
        self.run_name = run_name
        self.experiment = experiment
        self.log_model = log_model
