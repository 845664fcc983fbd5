"""Shared fixtures: every test gets its own real store in tmp_path; browser tests share one
headless Chromium (Playwright's sync API allows one at a time)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

import sktrack
from sktrack._store import Store
from sktrack._tracking import _fluent as _tracking

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


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


def _unavailable(reason: str) -> None:
    """Skip, unless CI said the browser must be there (``SKTRACK_REQUIRE_BROWSER``)."""
    if os.environ.get("SKTRACK_REQUIRE_BROWSER"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, driven by Playwright; one for the whole session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).exists():
        _unavailable(f"no Chromium at {CHROMIUM} (Debian's chromium package installs it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()
