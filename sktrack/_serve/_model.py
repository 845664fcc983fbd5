"""The model as served: loaded once with its signature, probed for the fast path, and swapped
in the background when the alias or stage its URI names moves to another version."""

from __future__ import annotations

import sys
import threading
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .._models import LoadedModel, Signature, TableSpec, load_located, resolve_model_uri
from .._tracking import get_store, set_store
from ..exceptions import SktrackError

__all__ = ["METHODS", "ModelHolder", "ServedModel", "load_served"]

#: The estimator methods a request may ask for (``?method=`` or ``params.method``).
METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function", "transform")

_FLOAT_DTYPES = frozenset({"float64", "float32", "Float64", "Float32"})


@dataclass(frozen=True)
class ServedModel:
    """One loaded version and what serving it needs; never changed, only replaced.

    ``fast_methods`` are the methods that give the same answer on a plain float array as on
    the signature-checked DataFrame (probed at load): a request of plain numbers for them
    skips building a DataFrame.
    """

    loaded: LoadedModel
    methods: tuple[str, ...]
    fast_methods: frozenset[str]

    @property
    def estimator(self) -> Any:
        return self.loaded.estimator

    @property
    def signature(self) -> Signature | None:
        return self.loaded.signature

    @property
    def version(self) -> int | None:
        mv = self.loaded.location.model_version
        return None if mv is None else mv.version

    @property
    def input_names(self) -> list[Any] | None:
        return None if self.signature is None else self.signature.input_names

    def headers(self) -> dict[str, str]:
        """The response headers naming what answered."""
        headers = {"sktrack-model-sha256": self.loaded.sha256}
        if self.version is not None:
            headers["sktrack-model-version"] = str(self.version)
        return headers

    def metadata(self) -> dict[str, Any]:
        """What ``GET /metadata`` answers."""
        location = self.loaded.location
        mv = location.model_version
        return {
            "uri": location.source,
            "name": None if mv is None else mv.name,
            "version": self.version,
            "stage": None if mv is None else mv.stage.value,
            "aliases": [] if mv is None else list(mv.aliases),
            "run_id": location.run_id,
            "source": None if mv is None else mv.source,
            "sha256": self.loaded.sha256,
            "estimator_class": self.loaded.estimator_class,
            "methods": list(self.methods),
            "signature": None if self.signature is None else self.signature.to_dict(),
        }


def load_served(uri: str, *, trusted: Iterable[str] = ()) -> ServedModel:
    """Resolve ``uri`` in the store in use and load it for serving.

    Raises the same errors as `sktrack.load_model` (unknown URI, damaged or untrusted model).
    """
    return _served(load_located(resolve_model_uri(uri), trusted=list(trusted) or None))


def _served(loaded: LoadedModel) -> ServedModel:
    methods = tuple(m for m in METHODS if hasattr(loaded.estimator, m))
    return ServedModel(loaded, methods, _probe_fast_methods(loaded, methods))


def _probe_fast_methods(loaded: LoadedModel, methods: tuple[str, ...]) -> frozenset[str]:
    """The methods for which a float array answers as the checked DataFrame does.

    Only a table of float columns qualifies (any JSON number casts safely to float); a model
    that selects columns by name (a ColumnTransformer) fails the probe and keeps the DataFrame.
    """
    spec = loaded.signature.inputs if loaded.signature is not None else None
    if not isinstance(spec, TableSpec) or spec.series:
        return frozenset()
    if not all(c.dtype in _FLOAT_DTYPES and c.type == "float" for c in spec.columns):
        return frozenset()
    import numpy as np
    import pandas as pd

    row = np.zeros((2, len(spec.columns)))
    row[1] = 1.0
    frame = loaded.signature.check(pd.DataFrame(row, columns=spec.names))  # type: ignore[union-attr]
    fast = set()
    for method in methods:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                expected = getattr(loaded.estimator, method)(frame)
                got = getattr(loaded.estimator, method)(row)
        except Exception:  # the model refuses an array: it keeps the DataFrame path
            continue
        if isinstance(got, np.ndarray) and np.array_equal(
            np.asarray(expected), got, equal_nan=got.dtype.kind == "f"
        ):
            fast.add(method)
    return frozenset(fast)


class ModelHolder:
    """The version being served, and a thread that swaps in a new one when the URI moves.

    A request reads `current` once and uses that model to the end, so a swap never changes a
    model under a request that is being answered; the swap itself is one reference
    assignment, made only after the new version loaded and was probed.
    """

    def __init__(self, uri: str, *, trusted: Iterable[str] = (), poll_seconds: float = 2.0):
        self.uri = uri
        self.trusted = tuple(trusted)
        self.poll_seconds = poll_seconds
        self.current = load_served(uri, trusted=self.trusted)
        # the watcher thread starts with none of this thread's tracking state: it is handed
        # the store the URI was resolved in
        self._store = get_store()
        self._stop = threading.Event()
        self._failed: tuple[int | None, str | None] | None = None
        self._thread: threading.Thread | None = None

    @property
    def follows(self) -> bool:
        """Whether the URI names a registry version, which an alias or stage can move."""
        return self.current.loaded.location.model_version is not None

    def start(self) -> None:
        if self.poll_seconds > 0 and self.follows and self._thread is None:
            self._thread = threading.Thread(target=self._watch, name="sktrack-serve-watch")
            self._thread.daemon = True
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _watch(self) -> None:
        set_store(self._store)
        said = ""
        while not self._stop.wait(self.poll_seconds):
            try:
                self.refresh()
                said = ""
            except Exception as exc:  # keep serving the current version; say why, retry later
                message = f"sktrack serve: cannot reload {self.uri}: {exc}"
                if message != said:  # once, not at every poll
                    print(message, file=sys.stderr)
                    said = message

    def refresh(self) -> bool:
        """Re-resolve the URI; load and swap in the version it names now.  True if swapped."""
        location = resolve_model_uri(self.uri)
        mv = location.model_version
        key = (None if mv is None else mv.version, location.sha256)
        current = self.current
        if key == (current.version, current.loaded.location.sha256) or key == self._failed:
            return False
        try:
            served = _served(load_located(location, trusted=list(self.trusted) or None))
        except SktrackError:
            self._failed = key  # an untrusted or damaged version is not retried every poll
            raise
        self.current = served
        print(
            f"sktrack serve: {self.uri} now serves version {served.version} "
            f"(was {current.version})",
            file=sys.stderr,
        )
        return True
