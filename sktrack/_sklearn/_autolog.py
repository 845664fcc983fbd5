"""`autolog`: plain scikit-learn estimators and searches log their own fits.

This is the only module that patches scikit-learn.  ``autolog()`` replaces ``fit``,
``fit_transform`` and ``fit_predict`` on the scikit-learn classes that define them (found along
the method resolution order of every class `sklearn.utils.all_estimators` lists, plus the
search base class), so subclasses that inherit them are covered too.  Each replacement keeps the
replaced object in its ``__sktrack_original__`` attribute; ``autolog(disable=True)`` puts
exactly those objects back, so afterwards every patched attribute ``is`` what it was.

A patched method logs only a top-level fit.  A fit is nested, and logs nothing of its own,
when it runs inside another tracked fit (`_fit_logging.in_tracked_fit`: a pipeline's
steps, ``fit_transform`` calling ``fit``, a ``TrackedEstimator``'s inner estimator), or when
scikit-learn's own code calls it (the folds of ``cross_val_score`` and ``cross_validate``, the
members of an ensemble, a search's candidates), which the caller's module tells.  The second
rule also holds in the threads of a joblib threading backend, where the context of the first
does not reach; worker processes never see the patches at all.

Searches (``GridSearchCV`` and friends) log as a parent run with the ``top_k`` best candidates
as children, through `sktrack._search_logging.log_search_results`.  The fit runs unchanged and
its own exceptions propagate as they are.  A failure to log afterwards is reported as a
`SktrackWarning`, not raised: autolog is best effort, and must not break a fit that the code
did not ask to track (`TrackedEstimator` raises such errors).
"""

from __future__ import annotations

import functools
import inspect
import sys
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from ..exceptions import InvalidArgumentError, SktrackWarning
from ._fit_logging import fit_run, in_tracked_fit, log_fit, tracked_fit

__all__ = ["autolog"]

_METHODS = ("fit", "fit_transform", "fit_predict")
_ORIGINAL = "__sktrack_original__"
#: The tag that tells an autologged run from one logged on purpose.
AUTOLOG_TAG = "sktrack.autolog"


@dataclass(frozen=True)
class _Options:
    log_models: bool
    top_k: int | None


def autolog(disable: bool = False, log_models: bool = True, top_k: int | None = 5) -> None:
    """Log every top-level fit of a scikit-learn estimator or search, without changing code.

    Parameters
    ----------
    disable : bool, default=False
        Undo a previous ``autolog()``: restore scikit-learn's own methods.
    log_models : bool, default=True
        Also save each fitted estimator (a search's best estimator) as the run's model.
    top_k : int or None, default=5
        How many of a search's best candidates become child runs (None: all, 0: none).

    Notes
    -----
    Each top-level fit logs what a `TrackedEstimator` fit logs (params, training metrics,
    tags, dataset fingerprint, signature, model) into the active run, or into a run of its
    own tagged ``sktrack.autolog = true``.  Fits that scikit-learn makes inside a pipeline,
    a meta-estimator, cross-validation or a search log nothing of their own.  Calling
    ``autolog`` again replaces the options.

    Examples
    --------
    >>> import sktrack, tempfile
    >>> from sklearn.linear_model import LinearRegression
    >>> _ = sktrack.set_store(tempfile.mkdtemp())
    >>> sktrack.autolog(log_models=False)
    >>> model = LinearRegression().fit([[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0])
    >>> sktrack.search_runs()["metrics.training_r2_score"].tolist()
    [1.0]
    >>> sktrack.autolog(disable=True)
    """
    _check_options(disable, log_models, top_k)
    targets = _patch_targets()
    _restore(targets)
    if not disable:
        options = _Options(bool(log_models), top_k)
        for owner, name in targets:
            _patch(owner, name, options)


def _check_options(disable: object, log_models: object, top_k: object) -> None:
    from ._search_logging import check_top_k

    for name, value in (("disable", disable), ("log_models", log_models)):
        if not isinstance(value, bool):
            raise InvalidArgumentError(f"autolog {name} must be True or False, got {value!r}")
    check_top_k(top_k)


# -- what is patched ---------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _patch_targets() -> tuple[tuple[type, str], ...]:
    """The (class, method name) pairs that define the fit methods of scikit-learn estimators.

    Listing the estimators imports all of scikit-learn once (seconds); the list is kept.
    """
    from sklearn.model_selection._search import BaseSearchCV
    from sklearn.model_selection._search_successive_halving import BaseSuccessiveHalving
    from sklearn.utils import all_estimators

    # The halving searches are experimental: all_estimators does not list them.
    classes = [cls for _, cls in all_estimators()] + [BaseSearchCV, BaseSuccessiveHalving]
    targets: dict[tuple[type, str], None] = {}
    for cls in classes:
        for name in _METHODS:
            owner = _defining_class(cls, name)
            if owner is not None:
                targets[(owner, name)] = None
    return tuple(targets)


def _defining_class(cls: type, name: str) -> type | None:
    for klass in cls.__mro__:
        if name in vars(klass):
            patchable = _function_of(vars(klass)[name]) is not None
            return klass if patchable and klass.__module__.startswith("sklearn.") else None
    return None


def _function_of(attribute: Any) -> Callable[..., Any] | None:
    """The function behind a class attribute: itself, or the one an `available_if` wraps."""
    if inspect.isfunction(attribute):
        return attribute
    fn, check = getattr(attribute, "fn", None), getattr(attribute, "check", None)
    if inspect.isfunction(fn) and callable(check):
        return fn  # sklearn.utils.metaestimators.available_if (Pipeline.fit_transform...)
    return None


def _patch(owner: type, name: str, options: _Options) -> None:
    from sklearn.utils.metaestimators import available_if

    original = vars(owner)[name]
    function = _function_of(original)
    assert function is not None  # _patch_targets keeps only these
    tracked = _tracked(function, options)
    setattr(tracked, _ORIGINAL, original)
    replacement = tracked if original is function else available_if(original.check)(tracked)
    setattr(owner, name, replacement)


def _restore(targets: Iterable[tuple[type, str]]) -> None:
    for owner, name in targets:
        function = _function_of(vars(owner).get(name))
        original = getattr(function, _ORIGINAL, None)
        if original is not None:
            setattr(owner, name, original)


# -- the patched method ----------------------------------------------------------------


def _tracked(method: Callable[..., Any], options: _Options) -> Callable[..., Any]:
    signature = inspect.signature(method)

    @functools.wraps(method)
    def tracked(self: Any, *args: Any, **kwargs: Any) -> Any:
        if in_tracked_fit() or _called_by_sklearn():
            return method(self, *args, **kwargs)
        try:
            bound = signature.bind(self, *args, **kwargs)
        except TypeError:
            return method(self, *args, **kwargs)  # the estimator reports its own misuse
        with tracked_fit(), fit_run(tags={AUTOLOG_TAG: "true"}) as run:
            result = method(self, *args, **kwargs)
            _log(run, self, _FitData.of(bound), options)
        return result

    return tracked


def _called_by_sklearn() -> bool:
    # Frame 0 is this function, 1 the patched method, 2 whoever called the method.
    caller = sys._getframe(2).f_globals.get("__name__", "")
    return caller == "sklearn" or caller.startswith("sklearn.")


@dataclass(frozen=True)
class _FitData:
    X: Any
    y: Any
    sample_weight: Any

    @classmethod
    def of(cls, bound: inspect.BoundArguments) -> _FitData:
        """X (the first argument after self, whatever its name), y and sample_weight."""
        parameters = list(bound.signature.parameters.values())
        arguments = bound.arguments
        extra: dict[str, Any] = {}
        for parameter in parameters:
            if parameter.kind is parameter.VAR_KEYWORD:
                extra = arguments.get(parameter.name, {})
        X = arguments.get(parameters[1].name) if len(parameters) > 1 else None
        weight = arguments.get("sample_weight", extra.get("sample_weight"))
        return cls(X, arguments.get("y"), weight)


def _log(run: Any, estimator: Any, data: _FitData, options: _Options) -> None:
    from sklearn.model_selection._search import BaseSearchCV

    from ._search_logging import log_search_results

    try:
        if isinstance(estimator, BaseSearchCV):
            log_search_results(
                estimator,
                data.X,
                data.y,
                top_k=options.top_k,
                log_model=options.log_models,
                run=run,
                sample_weight=data.sample_weight,
            )
        else:
            log_fit(
                run,
                estimator,
                data.X,
                data.y,
                sample_weight=data.sample_weight,
                log_model=options.log_models,
            )
    except Exception as exc:  # the fit succeeded: report, do not break the user's code
        warnings.warn(
            SktrackWarning(
                f"autolog could not log the fit of {type(estimator).__name__} into run "
                f"{run.run_id} ({type(exc).__name__}: {exc}); the estimator is fitted and the "
                "run may be incomplete. Use TrackedEstimator to have such errors raised."
            ),
            stacklevel=3,
        )
