"""The scikit-learn layer: what makes an estimator's fits land in the store.

It owns `TrackedEstimator`, the four tracked searches (their mixin, one search's session, and
how a fitted search becomes a parent run with top-k children), `TrackingCallback`, `autolog`
(the one place that patches scikit-learn, reversibly), what one fit logs, the metric sets per
task, and dataset fingerprints.

It imports `sktrack.exceptions`, `sktrack._store`, `sktrack._tracking` and `sktrack._models`.
"""

from __future__ import annotations

from ._autolog import autolog
from ._callback import TrackingCallback
from ._dataset import dataset_fingerprint
from ._estimator import TrackedEstimator
from ._fit_logging import SIGNATURE_ARTIFACT, log_fit
from ._inputs import log_input
from ._metrics import compute_metrics, task_of
from ._search import (
    TrackedGridSearchCV,
    TrackedHalvingGridSearchCV,
    TrackedHalvingRandomSearchCV,
    TrackedRandomizedSearchCV,
)
from ._search_logging import log_search_results

__all__ = [
    "SIGNATURE_ARTIFACT",
    "TrackedEstimator",
    "TrackedGridSearchCV",
    "TrackedHalvingGridSearchCV",
    "TrackedHalvingRandomSearchCV",
    "TrackedRandomizedSearchCV",
    "TrackingCallback",
    "autolog",
    "compute_metrics",
    "dataset_fingerprint",
    "log_fit",
    "log_input",
    "log_search_results",
    "task_of",
]
