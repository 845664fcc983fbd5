"""Shared fixtures: every test gets its own real store in tmp_path."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import sktrack
from sktrack._store import Store
from sktrack._tracking import _fluent as _tracking


@pytest.fixture(autouse=True)
def _isolated_tracking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees another's store, experiment or active runs; the default store is a
    folder of this test's own, also for subprocesses (through $SKTRACK_STORE)."""
    default = tmp_path / "default-store"
    monkeypatch.setenv("SKTRACK_STORE", str(default))
    monkeypatch.chdir(tmp_path)
    _tracking._reset()
    try:
        yield
    finally:
        for run in reversed(_tracking._runs.get()):
            run.store.set_status(run.run_id, sktrack.RunStatus.KILLED)
        _tracking._reset()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """A fresh store in tmp_path, selected with set_store."""
    return sktrack.set_store(tmp_path / "store")
