"""The tracked searches: scikit-learn's four searches, each fit on record.

``TrackedGridSearchCV`` is ``GridSearchCV`` plus four params (``top_k``, ``run_name``,
``experiment``, ``log_model``).  What the four share, the ``_run_search`` hook and ``fit`` on
record, is `sktrack._search_base.TrackedSearchMixin`; this module only pairs it with each
scikit-learn search and spells out the constructors.  After each batch of candidates the
parent run's progress tags are updated (`sktrack._search_session`); after ``fit`` the parent
and its children are logged (`sktrack._search_logging`).  The workers of ``n_jobs`` or of a
dask cluster only fit and score, as they do without tracking.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import sklearn.experimental.enable_halving_search_cv  # noqa: F401 (enables the halving searches)
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    HalvingRandomSearchCV,
    RandomizedSearchCV,
)

from ._search_base import TRACKING_CONSTRAINTS, HalvingPlan, TrackedSearchMixin
from ._search_logging import log_search_results

__all__ = [
    "TrackedGridSearchCV",
    "TrackedHalvingGridSearchCV",
    "TrackedHalvingRandomSearchCV",
    "TrackedRandomizedSearchCV",
    "log_search_results",
]


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
    log_curves : bool, default=True
        Log the best estimator's training curves (``curves/training/``) and the validation
        curves of ``cv_results_`` (``curves/cv/``) into the parent run.

    Attributes
    ----------
    run_id_ : str or None
        The parent run: the active run if there was one, else the run opened for the fit.
        None when the search was fitted inside another tracked fit, which logged it.
    child_run_ids_ : list of str
        The children, best first.
"""


class TrackedGridSearchCV(TrackedSearchMixin, GridSearchCV):
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
    _parameter_constraints: dict = {**GridSearchCV._parameter_constraints, **TRACKING_CONSTRAINTS}

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
        log_curves: bool = True,
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
        self.log_curves = log_curves


class TrackedRandomizedSearchCV(TrackedSearchMixin, RandomizedSearchCV):
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
        **TRACKING_CONSTRAINTS,
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
        log_curves: bool = True,
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
        self.log_curves = log_curves


class TrackedHalvingGridSearchCV(HalvingPlan, TrackedSearchMixin, HalvingGridSearchCV):
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
        **TRACKING_CONSTRAINTS,
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
        log_curves: bool = True,
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
        self.log_curves = log_curves


class TrackedHalvingRandomSearchCV(HalvingPlan, TrackedSearchMixin, HalvingRandomSearchCV):
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
        **TRACKING_CONSTRAINTS,
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
        log_curves: bool = True,
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
        self.log_curves = log_curves
