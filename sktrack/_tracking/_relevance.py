"""What matters first about a run: its key metrics, in order, and the params that describe it.

A run's key metrics are, in this order: the score its search selected on (the refit scorer:
``best_cv_<refit>`` on a search's parent, ``mean_test_<refit>`` on a candidate), then held-out
metrics (``test_*``, the one matching the refit scorer first), then the other CV means
(``best_cv_*``, ``mean_test_*``), then ``training_*``, then any other metric the user logged.
A search's per-candidate statistics (``std_*``, ``rank_*``, ``*_time``) are never key metrics.

The params that describe a model are its estimator's: not sktrack's own arguments (stored as
``sktrack.*`` tags) nor a search's configuration (``cv``, ``n_jobs``, ``scoring``...), which stay
on the run page.  Of those, the searched hyperparameters (the keys of ``param_grid`` or
``param_distributions``, tag `SEARCHED_TAG`) come first.

Pure functions over names and values: the UI and the CLI both rank with them.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "OWN_ARGUMENTS",
    "SEARCHED_TAG",
    "SEARCH_CONFIG",
    "SECONDARY_METRIC",
    "common_key_metric",
    "describing_params",
    "higher_is_better",
    "key_metrics",
    "refit_scorer",
    "searched_params",
    "selection_metrics",
]

#: sktrack's own constructor arguments; logged as ``sktrack.<name>`` tags, never as params.
OWN_ARGUMENTS = ("top_k", "run_name", "experiment", "log_model", "log_curves")
#: The tag a search's parent carries: a JSON list of the hyperparameters it searched.
SEARCHED_TAG = "sktrack.searched_params"
#: A search's own configuration: how it searched, not what model it found.
SEARCH_CONFIG = frozenset(
    {
        "cv",
        "n_jobs",
        "verbose",
        "scoring",
        "refit",
        "pre_dispatch",
        "error_score",
        "return_train_score",
        "param_grid",
        "param_distributions",
        "n_iter",
        "random_state",
        "estimator",
        "factor",
        "resource",
        "max_resources",
        "min_resources",
        "aggressive_elimination",
        *OWN_ARGUMENTS,
    }
)
#: Per-candidate statistics a search's children carry: useful, but not key metrics.
SECONDARY_METRIC = re.compile(r"^(std_|rank_)|_time$")
_LOWER_IS_BETTER = re.compile(r"(error|loss|deviance|_time$|^time|rmse|mse|mae)", re.IGNORECASE)
_GENERIC = ("test_score", "training_score")  # the estimator's own score: a duplicate, last


def refit_scorer(params: Mapping[str, Any]) -> str | None:
    """The scorer a search selected on, from its parent's params (``refit``); ``"score"`` for a
    single-metric search, None for a run that is no search (or refit on a callable)."""
    refit = params.get("refit")
    if isinstance(refit, str) and refit not in ("True", "False"):
        return refit
    if refit is True or refit == "True":
        scoring = params.get("scoring")
        return scoring if isinstance(scoring, str) and scoring != "None" else "score"
    return None


def selection_metrics(refit: str | None) -> tuple[str, ...]:
    """The metrics holding the refit scorer: the parent's and a candidate's."""
    return (f"best_cv_{refit}", f"mean_test_{refit}") if refit else ()


def _held_out_name(refit: str | None) -> tuple[str, ...]:
    """``neg_root_mean_squared_error`` -> the ``test_`` metrics that measure the same thing."""
    if not refit:
        return ()
    base = refit.removeprefix("neg_")
    return (f"test_{base}", f"test_{base}_score")


def key_metrics(metrics: Iterable[str], refit: str | None = None) -> list[str]:
    """``metrics``' key metrics in the order they matter; the statistics left out.

    Examples
    --------
    >>> key_metrics(["training_r2_score", "mean_fit_time", "test_root_mean_squared_error",
    ...              "best_cv_r2", "best_cv_neg_root_mean_squared_error"],
    ...             "neg_root_mean_squared_error")  # doctest: +NORMALIZE_WHITESPACE
    ['best_cv_neg_root_mean_squared_error', 'test_root_mean_squared_error', 'best_cv_r2',
     'training_r2_score']
    """
    selection, held_out = selection_metrics(refit), _held_out_name(refit)

    def rank(key: str) -> tuple[int, int, str]:
        if key in selection:
            return (0, selection.index(key), key)
        if key.startswith("test_"):
            return (1, 0 if key in held_out else 2 if key in _GENERIC else 1, key)
        if key.startswith(("best_cv_", "mean_test_")):
            return (2, 0, key)
        if key.startswith("training_"):
            return (3, 1 if key in _GENERIC else 0, key)
        return (4, 0, key)

    return sorted((k for k in set(metrics) if not SECONDARY_METRIC.search(k)), key=rank)


def common_key_metric(runs: Sequence[tuple[Iterable[str], str | None]]) -> str:
    """The key metric most of ``runs`` (metric names, refit scorer) have: among those with the
    highest count, the one that ranks first on average, runs that are no search ranking by
    the most common refit scorer; "" if none has a key metric."""
    counts: Counter[str] = Counter()
    best_rank: dict[str, int] = {}
    refits = Counter(refit for _, refit in runs if refit)
    common = refits.most_common(1)[0][0] if refits else None
    for metrics, refit in runs:  # a run that is no search ranks as the searches do
        for position, key in enumerate(key_metrics(metrics, refit or common)):
            counts[key] += 1
            best_rank[key] = best_rank.get(key, 0) + position
    if not counts:
        return ""
    return min(counts, key=lambda k: (-counts[k], best_rank[k] / counts[k], k))


def higher_is_better(metric: str) -> bool:
    """Scores (``r2``, ``accuracy``, ``neg_*``) are better high; errors, losses, times low."""
    name = metric
    for prefix in ("best_cv_", "mean_test_", "mean_train_", "test_", "training_"):
        name = name.removeprefix(prefix)
    if name.startswith("neg_"):
        return True
    return not _LOWER_IS_BETTER.search(name)


def searched_params(params: Mapping[str, Any], tags: Mapping[str, str]) -> list[str]:
    """The hyperparameters a search's parent searched: its `SEARCHED_TAG`, else (stores
    written before that tag) the keys of its ``best_<param>`` params."""
    text = tags.get(SEARCHED_TAG)
    if text:
        try:
            keys = json.loads(text)
        except ValueError:
            keys = None
        if isinstance(keys, list) and all(isinstance(k, str) for k in keys):
            return keys
    return sorted(k.removeprefix("best_") for k in params if k.startswith("best_"))


def describing_params(keys: Iterable[str]) -> list[str]:
    """``keys`` without a search's configuration and sktrack's own arguments."""
    return [k for k in keys if k not in SEARCH_CONFIG and not k.startswith("best_")]
