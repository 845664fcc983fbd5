"""Signing in to the UI in a real browser (headless Chromium, Playwright's HTTP credentials)
against a real uvicorn server with ``auth``: a reader sees no write controls; an admin moves
a stage and the history names them.  Screenshots go to ``test-artifacts/ui/``."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

pytest.importorskip("argon2")
pytest.importorskip("uvicorn")

from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression

import sktrack
from sktrack._auth import AuthFile, Hasher
from sktrack.ui import create_app

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.browser

SHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "ui"
READER, ADMIN = ("rita", "reader-pass-1"), ("ada", "admin-pass-1")


class _Server:
    """uvicorn serving the UI with sign-in from a thread, on a port the OS picked."""

    def __init__(self, store: Path, users: AuthFile) -> None:
        import uvicorn

        app = create_app(store, auth=users)
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the UI server did not start within 30 s")
            self.thread.join(timeout=0.05)
        return f"http://127.0.0.1:{self.server.servers[0].sockets[0].getsockname()[1]}"

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def test_a_reader_sees_no_write_controls_and_an_admin_moves_a_stage(
    tmp_path: Path, browser: Browser
) -> None:
    from playwright.sync_api import expect

    sktrack.set_store(tmp_path / "store")
    X, y = load_diabetes(return_X_y=True)
    with sktrack.start_run(run_name="baseline") as run:
        sktrack.TrackedEstimator(LinearRegression()).fit(X, y)
    sktrack.registry.register_model(f"runs:/{run.run_id}/model", "prices")
    users = AuthFile(tmp_path / "store.users.json", Hasher("cheapest"))
    users.add(READER[0], "reader", password=READER[1])
    users.add(ADMIN[0], "admin", password=ADMIN[1])
    SHOTS.mkdir(parents=True, exist_ok=True)

    with _Server(tmp_path / "store", users) as base:
        nobody = browser.new_context()
        assert nobody.request.get(base + "/").status == 401  # a page would ask for a password
        nobody.close()

        reader = browser.new_context(
            http_credentials={"username": READER[0], "password": READER[1]}
        )
        page = reader.new_page()
        page.goto(f"{base}/runs/{run.run_id}")
        expect(page.locator("header .signed-in")).to_contain_text("rita")
        expect(page.locator("header .signed-in .badge")).to_have_text("reader")
        expect(page.locator("form")).to_have_count(0)
        expect(page.get_by_role("button", name="Register")).to_have_count(0)
        page.goto(f"{base}/models/prices")
        expect(page.locator("tr#v1 .stage")).to_have_text("None")
        expect(page.locator("form")).to_have_count(0)
        expect(page.get_by_role("button")).to_have_count(0)
        page.screenshot(path=str(SHOTS / "auth-1-reader.png"), full_page=True)
        reader.close()

        admin = browser.new_context(http_credentials={"username": ADMIN[0], "password": ADMIN[1]})
        page = admin.new_page()
        page.goto(f"{base}/models/prices")
        expect(page.locator("header .signed-in .badge")).to_have_text("admin")
        v1 = page.locator("tr#v1")
        v1.locator('select[name="stage"]').select_option("Production")
        v1.get_by_role("button", name="Move").click()
        expect(page.locator("tr#v1 .stage")).to_have_text("Production")
        history = page.locator("table.grid.compact tbody tr").first
        expect(history).to_contain_text("ada")
        expect(history).to_contain_text("v1 moved to Production")
        page.screenshot(path=str(SHOTS / "auth-2-admin.png"), full_page=True)
        admin.close()

    events = sktrack.registry.list_events("prices")
    assert [(e.kind, e.user, str(e.stage)) for e in events] == [("stage", "ada", "Production")]
