"""Methodological mistakes an evaluation or a search shows, told as they happen.

Each check returns `Finding` values; `report` raises each as a `MethodologyWarning` and
records it on the run as the tag ``sktrack.warning.<code>`` (one line: what is wrong, what to
do), which the run page and the runs table show as badges.

=====================  ==============================================================
code                   when
=====================  ==============================================================
``training_rows``      more than 5% of the evaluated rows were rows the model was fitted on
``imbalance_scorer``   a search selects with accuracy (or a classifier's default score)
                       while the minority class is under 20% of a two-class comparison
``time_order_cv``      a search shuffles or folds time-ordered rows (a sorted
                       DatetimeIndex or datetime column) with KFold or ShuffleSplit
``small_test_split``   an evaluated split of fewer than 30 rows, or of fewer than 5 rows
                       of some class
``target_leak``        one feature of the evaluated split reproduces the target: a
                       relabelling of a class target, or |correlation| > 0.9999 with a
                       numeric one
=====================  ==============================================================

Evaluating ``split="training"`` checks nothing: it is meant to see the training rows.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..exceptions import MethodologyWarning

if TYPE_CHECKING:
    from .._store import Store

__all__ = [
    "WARNING_TAG_PREFIX",
    "Finding",
    "check_evaluation",
    "check_search",
    "report",
]

#: The prefix of the tags that record a finding on a run.
WARNING_TAG_PREFIX = "sktrack.warning."

_TRAINING_OVERLAP = 0.05
_MINORITY_SHARE = 0.20
_MIN_ROWS = 30
_MIN_CLASS_ROWS = 5
_LEAK_CORRELATION = 0.9999
# Columns looked at for leakage: past this many, the first ones only (the check is per column).
_MAX_LEAK_COLUMNS = 1_000
_BLIND_SCORERS = frozenset({"accuracy", "top_k_accuracy"})


@dataclass(frozen=True)
class Finding:
    """One methodological mistake: its ``code`` and a one-line ``message``."""

    code: str
    message: str


def report(findings: Iterable[Finding], store: Store | None, run_id: str | None) -> None:
    """Warn about each finding and tag the run with it (when there is a run)."""
    findings = list(findings)
    if store is not None and run_id is not None and findings:
        store.log(run_id, tags={f"{WARNING_TAG_PREFIX}{f.code}": f.message for f in findings})
    for finding in findings:
        warnings.warn(MethodologyWarning(finding.code, finding.message), stacklevel=3)


# -- evaluations ------------------------------------------------------------------------------


def check_evaluation(
    X: Any,
    y: Any,
    split: str,
    *,
    task: str | None,
    classes: Any,
    training: tuple[np.ndarray, int] | None,
) -> list[Finding]:
    """The findings of evaluating on ``(X, y)`` as ``split``.

    ``training`` is the fit's kept row hashes and their modulus (`training_rows`).
    """
    if split == "training" or y is None:
        return []
    findings = [
        *_training_overlap(X, split, training),
        *_small_split(y, split, task, classes),
    ]
    if task in ("classifier", "regressor"):
        findings += _target_leak(X, y, split, task)
    return findings


def _training_overlap(X: Any, split: str, training: tuple[np.ndarray, int] | None) -> list[Finding]:
    from ._dataset import row_hashes

    if training is None:
        return []
    kept, modulus = training
    hashes = row_hashes(X)
    if hashes is None or not len(hashes) or not len(kept):
        return []
    if modulus > 1:
        hashes = hashes[hashes % np.uint64(modulus) == 0]
    if not len(hashes):
        return []
    share = float(np.isin(hashes, kept).mean())
    if share <= _TRAINING_OVERLAP:
        return []
    return [
        Finding(
            "training_rows",
            f"{share:.0%} of the rows evaluated as {split!r} were fitted on, so its metrics "
            "are optimistic: evaluate on rows held out before fitting (train_test_split)",
        )
    ]


def _small_split(y: Any, split: str, task: str | None, classes: Any) -> list[Finding]:
    y = np.asarray(y)
    if len(y) < _MIN_ROWS:
        return [
            Finding(
                "small_test_split",
                f"the {split!r} split has {len(y)} rows, too few to trust its metrics: hold out "
                f"at least {_MIN_ROWS}, or cross-validate instead",
            )
        ]
    if task != "classifier" or classes is None or y.ndim != 1 or np.ndim(classes) != 1:
        return []
    labels, counts = np.unique(y, return_counts=True)
    count = dict(zip(labels.tolist(), counts.tolist(), strict=True))
    scarce = [c for c in np.asarray(classes).tolist() if count.get(c, 0) < _MIN_CLASS_ROWS]
    if not scarce:
        return []
    return [
        Finding(
            "small_test_split",
            f"the {split!r} split has fewer than {_MIN_CLASS_ROWS} rows of class "
            f"{', '.join(map(str, scarce[:5]))}: its per-class metrics are noise; split with "
            "stratify=y and a larger test_size",
        )
    ]


def _target_leak(X: Any, y: Any, split: str, task: str) -> list[Finding]:
    target = np.asarray(y)
    if target.ndim != 1 or len(target) < _MIN_ROWS or not hasattr(X, "shape"):
        return []
    from scipy import sparse

    if sparse.issparse(X) or len(np.shape(X)) != 2:
        return []
    frame = X if isinstance(X, pd.DataFrame) else pd.DataFrame(np.asarray(X))
    for name in list(frame.columns)[:_MAX_LEAK_COLUMNS]:
        column = frame[name]
        if _reproduces(column, target, task):
            return [
                Finding(
                    "target_leak",
                    f"feature {name!r} alone reproduces the target on the {split!r} split, "
                    "which is likely leakage: drop it, or build it only from what is known "
                    "before the target",
                )
            ]
    return []


def _reproduces(column: pd.Series, target: np.ndarray, task: str) -> bool:
    if task == "classifier":
        n_classes = pd.Series(target).nunique()
        if n_classes < 2 or column.nunique() != n_classes:
            return False
        pairs = pd.DataFrame({"f": column.to_numpy(), "y": target}).drop_duplicates()
        return len(pairs) == n_classes
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        return False
    values = column.to_numpy(dtype=float, na_value=np.nan)
    truth = target.astype(float)
    ok = np.isfinite(values) & np.isfinite(truth)
    if ok.sum() < _MIN_ROWS or np.ptp(values[ok]) == 0 or np.ptp(truth[ok]) == 0:
        return False
    return abs(float(np.corrcoef(values[ok], truth[ok])[0, 1])) > _LEAK_CORRELATION


# -- searches ---------------------------------------------------------------------------------


def check_search(search: Any, X: Any, y: Any, scorers: Sequence[str]) -> list[Finding]:
    """The findings of a fitted search: how it selects, and how it folds the rows."""
    return [*_blind_scorer(search, y, scorers), *_time_order(search, X, y)]


def _blind_scorer(search: Any, y: Any, scorers: Sequence[str]) -> list[Finding]:
    from sklearn.base import is_classifier

    if y is None or not is_classifier(search.estimator):
        return []
    target = np.asarray(y)
    if target.ndim != 1:
        return []
    _, counts = np.unique(target, return_counts=True)
    if len(counts) < 2:
        return []
    share = counts.min() / (counts.min() + counts.max())
    scorer = _selecting_scorer(search, scorers)
    if share >= _MINORITY_SHARE or scorer not in _BLIND_SCORERS:
        return []
    return [
        Finding(
            "imbalance_scorer",
            f"the search selects with {scorer} while the minority class is {share:.0%} of the "
            "rows, so always predicting the majority scores well: use scoring='balanced_"
            "accuracy', 'f1', 'average_precision' or 'roc_auc'",
        )
    ]


def _selecting_scorer(search: Any, scorers: Sequence[str]) -> str | None:
    scoring, refit = search.scoring, search.refit
    if scoring is None:
        return "accuracy"  # a classifier's score
    if isinstance(scoring, str):
        return scoring
    if isinstance(refit, str):
        named = scoring.get(refit) if isinstance(scoring, dict) else refit
        return named if isinstance(named, str) else None
    return scorers[0] if len(scorers) == 1 and scorers[0] != "score" else None


def _time_order(search: Any, X: Any, y: Any) -> list[Finding]:
    from sklearn.base import is_classifier
    from sklearn.model_selection import (
        KFold,
        RepeatedKFold,
        RepeatedStratifiedKFold,
        ShuffleSplit,
        StratifiedKFold,
        StratifiedShuffleSplit,
        check_cv,
    )

    if not _time_ordered(X):
        return []
    cv = check_cv(search.cv, y, classifier=is_classifier(search.estimator))
    folding = (KFold, StratifiedKFold, RepeatedKFold, RepeatedStratifiedKFold)
    if not isinstance(cv, (*folding, ShuffleSplit, StratifiedShuffleSplit)):
        return []
    return [
        Finding(
            "time_order_cv",
            f"the rows are ordered in time but the search splits them with "
            f"{type(cv).__name__}, so it validates on the past with models that saw the "
            "future: pass cv=TimeSeriesSplit()",
        )
    ]


def _time_ordered(X: Any) -> bool:
    if not isinstance(X, pd.DataFrame) or len(X) < 3:
        return False
    if isinstance(X.index, pd.DatetimeIndex) and _sorted_in_time(X.index):
        return True
    return any(
        pd.api.types.is_datetime64_any_dtype(X[c]) and _sorted_in_time(pd.Index(X[c]))
        for c in X.columns
    )


def _sorted_in_time(index: pd.Index) -> bool:
    return bool(index.is_monotonic_increasing) and index.nunique() > 1
