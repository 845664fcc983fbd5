"""What the four tracked searches share: fit on record, through scikit-learn's hook.

`TrackedSearchMixin` goes before a scikit-learn search in the bases of each tracked search
(`_search`).  It hooks into scikit-learn through the extension point the search base
class offers, ``_run_search(evaluate_candidates)``: the override wraps
``evaluate_candidates``, which scikit-learn calls in the process that called ``fit`` once per
batch (one batch for grid and randomized searches, one per iteration for the halving ones).
Each batch reports to the fit's `sktrack._search_session.SearchSession`.  `HalvingPlan`
tells the session how many candidates a successive-halving search evaluates in all.

scikit-learn >= 1.9 passes ``callback_ctx`` to ``_run_search`` only if the override's
signature names it, so the override is defined to match the signature of the installed
version.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from math import ceil, floor, log
from numbers import Integral
from typing import TYPE_CHECKING, Any

from sklearn.model_selection import GridSearchCV

from ..exceptions import InvalidArgumentError
from ._evaluation import log_search_evaluation
from ._fit_logging import in_tracked_fit, tracked_fit
from ._search_session import SearchSession, fit_failures

__all__ = ["TRACKING_CONSTRAINTS", "HalvingPlan", "TrackedSearchMixin"]

# True on scikit-learn >= 1.9, whose fit passes callback_ctx to a _run_search that names it.
_PASSES_CALLBACK_CTX = "callback_ctx" in inspect.signature(GridSearchCV._run_search).parameters

#: The parameter constraints of the four params a tracked search adds.
TRACKING_CONSTRAINTS: dict[str, list[Any]] = {
    "top_k": [Integral, None],
    "run_name": [str, None],
    "experiment": [str, None],
    "log_model": ["boolean"],
    "log_curves": ["boolean"],
}

# Attributes a tracked search has and the plain scikit-learn search has not.
_TRACKING_ATTRS = frozenset(
    {*TRACKING_CONSTRAINTS, "run_id_", "child_run_ids_", "_store_location", "_training_rows"}
)
_SESSION_ATTR = "_sktrack_session"


if TYPE_CHECKING:
    _Search = Any  # the scikit-learn search a mixin below is mixed into
else:
    _Search = object


class TrackedSearchMixin(_Search):
    """What the four tracked searches share: fit on record, the _run_search hook."""

    # params of the searches this is mixed into
    top_k: int | None
    run_name: str | None
    experiment: str | None
    log_model: bool
    log_curves: bool
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
        session = SearchSession(self)
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
        self._training_rows = log_search_evaluation(self, X, y, params.get("sample_weight"))
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
        >>> X, y = [[i, i % 4] for i in range(160)], [(i % 4) ** 2 for i in range(160)]
        >>> search = sktrack.TrackedGridSearchCV(DecisionTreeRegressor(), {"max_depth": [1, 3]},
        ...                                      cv=2, log_model=False).fit(X[::3], y[::3])
        >>> search.evaluate(X[1::3], y[1::3])["test_r2_score"]
        1.0
        """
        from sklearn.utils.validation import check_is_fitted

        from .._store import open_store, validate_key
        from ._evaluation import evaluate_into

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
        tracked = self.run_id_ is not None
        return evaluate_into(
            self.best_estimator_,
            X,
            y,
            split,
            sample_weight=sample_weight,
            store=open_store(self._store_location) if tracked else None,
            run_id=self.run_id_,
            training=self.__dict__.get("_training_rows"),
        )

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
            with fit_failures() as failures:
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


class HalvingPlan(_Search):
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
