"""`TrackingCallback`: the tracked searches' logging, as a scikit-learn callback.

scikit-learn 1.9 added callbacks (``sklearn.callback``, experimental): an estimator that has
``set_callbacks`` calls ``setup`` when its fit begins, ``on_fit_task_begin`` and
``on_fit_task_end`` around each task of the fit, and ``teardown`` when the fit is over.  A
search's per-candidate tasks run in the workers and see no scores; the end of the root ``fit``
task runs in the process that called ``fit``, with ``cv_results_`` already set.  So this
callback opens the parent run at ``setup`` (it shows as RUNNING while the search runs), logs
the search there when the root task ends, and ends the run at ``teardown``.

On an estimator that is not a search (a Pipeline, a LogisticRegression), the run gets what
`TrackedEstimator` logs: params, training metrics, signature and model.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from .._store import Run, RunStatus
from ..exceptions import SktrackError
from ._fit_logging import in_tracked_fit, tracked_fit
from ._search_logging import check_top_k, open_parent, record_search, search_params

__all__ = ["TrackingCallback"]


class TrackingCallback:
    """Track the fit of the estimator it is set on (scikit-learn >= 1.9).

    ``GridSearchCV(...).set_callbacks(TrackingCallback())`` logs what `TrackedGridSearchCV`
    logs: the parent run (the active run if there is one, else a new one) with the search's
    params, ``best_<param>`` params, ``best_cv_<scorer>`` metrics, the best estimator's
    training metrics, model and signature and the ``cv_results`` table; the ``top_k`` best
    candidates as children.  Fit failures show as FAILED children; their tracebacks are only
    in scikit-learn's FitFailedWarning (the tracked searches capture them, a callback cannot).

    Parameters
    ----------
    top_k : int or None, default=5
        How many of the best candidates become child runs; None for all, 0 for none.
    run_name : str, optional
        The name of a run opened for the fit.
    experiment : str, optional
        The experiment of a run opened for the fit.
    log_model : bool, default=True
        Log the (best) fitted estimator as the run's model.

    Attributes
    ----------
    run_ids_ : list of str
        The runs this callback logged into, one per fit, oldest first.
    child_run_ids_ : dict of str to list of str
        For each of those runs that logged a search, its children, best first.

    Raises
    ------
    SktrackError
        On scikit-learn < 1.9, which has no callbacks: use `TrackedGridSearchCV` (and friends)
        or `TrackedEstimator` there.

    Examples
    --------
    >>> import sktrack, tempfile
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn.tree import DecisionTreeRegressor
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> X, y = [[0.0], [1.0], [2.0], [3.0]] * 5, [0.0, 1.0, 4.0, 9.0] * 5
    >>> search = GridSearchCV(DecisionTreeRegressor(), {"max_depth": [1, 2, 3]}, cv=2)
    >>> callback = TrackingCallback(top_k=2, log_model=False)
    >>> _ = search.set_callbacks(callback).fit(X, y)
    >>> sktrack.get_run(callback.run_ids_[-1]).params["best_max_depth"]
    3
    """

    def __init__(
        self,
        top_k: int | None = 5,
        *,
        run_name: str | None = None,
        experiment: str | None = None,
        log_model: bool = True,
    ) -> None:
        if importlib.util.find_spec("sklearn.callback") is None:
            import sklearn

            raise SktrackError(
                f"TrackingCallback needs scikit-learn >= 1.9 (callbacks); scikit-learn "
                f"{sklearn.__version__} is installed. Upgrade it, or use TrackedGridSearchCV "
                "(and the other tracked searches) or TrackedEstimator, which work on any "
                "supported version"
            )
        check_top_k(top_k)
        self.top_k = top_k
        self.run_name = run_name
        self.experiment = experiment
        self.log_model = log_model
        self.run_ids_: list[str] = []
        self.child_run_ids_: dict[str, list[str]] = {}
        # id of a root context -> [parent run, opened by us, logged, tracked_fit]; one per fit
        self._fits: dict[int, list[Any]] = {}

    def __repr__(self) -> str:
        return f"TrackingCallback(top_k={self.top_k!r})"

    def __getstate__(self) -> dict[str, Any]:
        # the workers of n_jobs get a copy of the callback: the open runs stay here
        return {**self.__dict__, "_fits": {}}

    # -- the FitCallback protocol -------------------------------------------------------------

    def setup(self, estimator: Any, context: Any) -> None:
        """Open the parent run (or take the active one) as the fit begins."""
        if in_tracked_fit():  # inside a tracked fit (TrackedEstimator, autolog): that one logs
            return
        run, owned = open_parent(None, self.run_name, self.experiment)
        # the fits inside (the candidates' clones, the refit) log nothing of their own
        inside = tracked_fit()
        inside.__enter__()
        self._fits[id(context)] = [run, owned, False, inside]

    def on_fit_task_begin(self, estimator: Any, context: Any) -> None:
        """Nothing to do: what is worth logging is known when the root task ends."""

    def on_fit_task_end(
        self,
        estimator: Any,
        context: Any,
        *,
        X: Any = None,
        y: Any = None,
        metadata: Any = None,
    ) -> bool:
        """When the root ``fit`` task ends, log the fitted estimator; other tasks are skipped."""
        fit = self._fits.get(id(context))
        if fit is None:  # a sub-task, or a task in a worker
            return False
        run: Run = fit[0]
        sample_weight = (metadata or {}).get("sample_weight")
        if hasattr(estimator, "cv_results_"):
            run.store.log(run.run_id, params=search_params(estimator))
            self.child_run_ids_[run.run_id] = record_search(
                run,
                estimator,
                X,
                y,
                top_k=self.top_k,
                log_model=self.log_model,
                sample_weight=sample_weight,
            )
        else:
            from ._fit_logging import log_fit

            log_fit(run, estimator, X, y, sample_weight=sample_weight, log_model=self.log_model)
        fit[2] = True
        self.run_ids_.append(run.run_id)
        return False

    def teardown(self, estimator: Any, context: Any) -> None:
        """End the run opened at ``setup``: FINISHED if the fit was logged, else FAILED."""
        fit = self._fits.pop(id(context), None)
        if fit is None:
            return
        run, owned, logged, inside = fit
        inside.__exit__(None, None, None)
        if owned:
            run.end(RunStatus.FINISHED if logged else RunStatus.FAILED)
