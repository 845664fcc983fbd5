"""Trust: the types loading a model may construct besides skops's own defaults.

Trust comes from the caller, the user's configuration and a built-in list of scikit-learn types
that run no code of their own; never from anything stored with the model.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from ..exceptions import InvalidArgumentError

__all__ = ["BUILTIN_TRUSTED_TYPES", "TRUSTED_ENV", "trusted_types"]

TRUSTED_ENV = "SKTRACK_TRUSTED_TYPES"

# Types skops flags but that run no code of their own when loaded or used; each entry says why.
# The risk they share (where noted) is memory safety, not code execution: their index arrays
# are used without bounds checks, so a *crafted* file could crash predict().  A logged model's
# sha256 is checked before loading, so a file changed after it was logged never gets this far.
BUILTIN_TRUSTED_TYPES: Mapping[str, str] = {
    "sklearn.tree._tree.Tree": "node arrays of every decision tree, forest and gradient "
    "boosting model; plain data (crafted node indices could crash predict)",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor": "node arrays of "
    "HistGradientBoosting trees; plain data (crafted node indices could crash predict)",
    "sklearn.neighbors._kd_tree.KDTree": "the KNN search index; arrays of points and indices",
    "sklearn.neighbors._ball_tree.BallTree": "the KNN search index; arrays of points and indices",
    "sklearn.metrics._dist_metrics.EuclideanDistance64": "a distance formula with no state",
    "sklearn.metrics._dist_metrics.ManhattanDistance64": "a distance formula with no state",
    "sklearn.metrics._dist_metrics.ChebyshevDistance64": "a distance formula with no state",
    "sklearn.metrics._dist_metrics.MinkowskiDistance64": "a distance formula; p and weights only",
    "sklearn.metrics._scorer._PassthroughScorer": "a fitted search's default scorer: calls the "
    "estimator's own score()",
    "sklearn.metrics._scorer._Scorer": "a named scorer; the metric function it wraps is "
    "checked on its own",
    "sklearn.metrics._scorer._MultimetricScorer": "a dict of scorers, each checked on its own",
    "sklearn.model_selection._split.KFold": "a fitted search's cv splitter: n_splits, shuffle, seed",
    "sklearn.model_selection._split.StratifiedKFold": "a fitted search's cv splitter: n_splits, "
    "shuffle, seed",
    "sklearn.utils._metadata_requests.MetadataRequest": "metadata-routing bookkeeping that "
    "scikit-learn < 1.7 leaves on fitted searches: dicts of parameter names",
    "sklearn.utils._metadata_requests.MethodMetadataRequest": "one method's part of the "
    "above: a dict of parameter names",
    "sklearn.compose._column_transformer._RemainderColsList": "the remainder's column "
    "indices that scikit-learn 1.5 and 1.6 keep on a fitted ColumnTransformer: a list",
    "sklearn.utils.validation.check_array": "input validation that HistGradientBoosting keeps "
    "for categorical features",
    "functools.partial": "binds arguments only; the function and arguments it holds are "
    "checked on their own",
    "numpy.dtype": "a dtype description such as float64; plain data",
}


def trusted_types(trusted: Iterable[str | type] | None = None) -> list[str]:
    """The types loading may construct besides skops's defaults.

    The built-in list (`BUILTIN_TRUSTED_TYPES`), the metric functions behind scikit-learn's
    named scorers, ``trusted``, ``$SKTRACK_TRUSTED_TYPES`` (comma-separated) and the lines of
    ``~/.config/sktrack/trusted.txt``.  Never anything stored with the model.
    """
    if trusted is True or isinstance(trusted, (str, bytes)):
        raise InvalidArgumentError(
            f"trusted={trusted!r} is not allowed: pass a list of type names, e.g. "
            "trusted=['mymodule.my_function'], after checking that you trust them"
        )
    names = [*BUILTIN_TRUSTED_TYPES, *_scorer_functions(), *_user_configured()]
    names += [_type_name(t) for t in trusted or ()]
    return sorted(set(names))


def _type_name(item: str | type) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, type) or callable(item):
        return f"{item.__module__}.{item.__qualname__}"
    raise InvalidArgumentError(f"trusted entries are type names or types, got {item!r}")


def _scorer_functions() -> list[str]:
    """The metric functions behind the strings accepted as ``scoring=`` (accuracy, r2, ...)."""
    from sklearn.metrics import get_scorer, get_scorer_names

    names = []
    for scorer_name in get_scorer_names():
        func = getattr(get_scorer(scorer_name), "_score_func", None)
        if func is not None and getattr(func, "__module__", "").startswith("sklearn."):
            names.append(f"{func.__module__}.{func.__qualname__}")
    return names


def _user_configured() -> list[str]:
    names = [n.strip() for n in os.environ.get(TRUSTED_ENV, "").split(",")]
    config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.join("~", ".config")
    config = Path(config_home, "sktrack", "trusted.txt").expanduser()
    if config.is_file():
        lines = config.read_text(encoding="utf-8").splitlines()
        names += [line.split("#", 1)[0].strip() for line in lines]
    return [n for n in names if n]
