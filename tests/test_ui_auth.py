"""Users and roles on the UI and the model server: Starlette's test client for every rule,
then real server processes (`sktrack ui --auth`, `sktrack serve --auth`) for the acceptance
list, and a hostile pass (markup, cross-site writes, traversal, credential stuffing) with
authentication on."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytest.importorskip("argon2")
pytest.importorskip("starlette")
pytest.importorskip("httpx")

from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression

import sktrack
from sktrack._auth import AuthFile, Hasher, RateLimiter
from sktrack._cli import main
from sktrack.ui import create_app

httpx = pytest.importorskip("httpx")

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parents[1]
BASE = "http://127.0.0.1:5000"
PASSWORDS = {"rita": "reader-pass-1", "will": "writer-pass-1", "ada": "admin-pass-1"}
XSS = '<script>alert("pwned")</script>'


@dataclass(frozen=True)
class Team:
    store: Path
    users: AuthFile
    runs: list[str]  # two runs that logged a model
    token: str  # a reader's API token


def _team(root: Path) -> Team:
    """A store with two model runs (the first registered as v1 of 'prices') and three users."""
    sktrack.set_store(root / "store")
    X, y = load_diabetes(return_X_y=True)
    runs = []
    for name in ("first", XSS):
        with sktrack.start_run(run_name=name) as run:
            sktrack.TrackedEstimator(LinearRegression()).fit(X, y)
        runs.append(run.run_id)
    sktrack.registry.register_model(f"runs:/{runs[0]}/model", "prices")
    users = AuthFile(root / "store.users.json", Hasher("cheapest"))
    for (name, password), role in zip(
        PASSWORDS.items(), ("reader", "writer", "admin"), strict=True
    ):
        users.add(name, role, password=password)
    token = users.add("scorer", "reader", token=True)
    assert token is not None
    return Team(root / "store", users, runs, token)


@pytest.fixture
def team(tmp_path: Path) -> Team:
    return _team(tmp_path)


def _client(team: Team, user: str | None, **options) -> TestClient:
    app = create_app(team.store, auth=team.users, **options)
    return _signed_in(TestClient(app, base_url=BASE), (user, PASSWORDS[user]) if user else None)


def _signed_in(client: TestClient, auth: tuple[str, str] | None) -> TestClient:
    if auth is not None:
        client.auth = auth
    return client


def _token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match is not None, html
    return match.group(1)


def _post(client, url: str, form: dict[str, str], token: str, origin: str = BASE, **headers):
    return client.post(
        url, data={**form, "csrf_token": token}, headers={"origin": origin, **headers},
        follow_redirects=False,
    )  # fmt: skip


# -- the app ---------------------------------------------------------------------------------


def test_every_url_needs_credentials(team: Team) -> None:
    client = _client(team, None)
    for url in ("/", "/models", "/models/prices", f"/runs/{team.runs[0]}", "/static/app.js"):
        response = client.get(url)
        assert response.status_code == 401, url
        assert response.headers.get_list("www-authenticate") == [
            'Basic realm="sktrack", charset="UTF-8"',
            'Bearer realm="sktrack"',
        ]
        assert response.headers["x-frame-options"] == "DENY"  # the Guard wraps the refusal
    assert (
        client.post("/models/prices/versions/1/stage", data={"stage": "Staging"}).status_code == 401
    )
    assert _client(team, "rita").get("/").status_code == 200
    bearer = TestClient(create_app(team.store, auth=team.users), base_url=BASE)
    assert (
        bearer.get("/models", headers={"authorization": f"Bearer {team.token}"}).status_code == 200
    )


def test_a_reader_sees_no_write_controls_and_is_refused_them(team: Team) -> None:
    client = _client(team, "rita")
    run_page = client.get(f"/runs/{team.runs[1]}").text
    model_page = client.get("/models/prices").text
    assert 'class="signed-in"' in run_page and "rita" in run_page and "role-reader" in run_page
    assert "<form" not in run_page and "<form" not in model_page
    assert "Move to stage" not in model_page and "Set or move alias" not in model_page
    token = _token(_client(team, "ada").get("/models/prices").text)  # a valid token from a page
    for url, form in [
        (f"/runs/{team.runs[1]}/register", {"model": "model", "name": "prices"}),
        ("/models/prices/versions/1/stage", {"stage": "Production"}),
        ("/models/prices/aliases", {"alias": "champion", "version": "1"}),
        ("/models/prices/description", {"description": "mine"}),
    ]:
        refused = _post(client, url, form, token)
        assert refused.status_code == 403, url
        assert refused.text.startswith("Refused: rita is a reader, who may not")
    assert len(sktrack.registry.list_model_versions("prices")) == 1
    assert sktrack.registry.list_events("prices") == []


def test_a_writer_registers_and_only_an_admin_moves_stages_and_aliases(team: Team) -> None:
    writer, admin = _client(team, "will"), _client(team, "ada")
    page = writer.get(f"/runs/{team.runs[1]}").text
    assert 'class="register"' in page
    assert "Move to stage" not in writer.get("/models/prices").text
    token = _token(page)
    registered = _post(
        writer, f"/runs/{team.runs[1]}/register", {"model": "model", "name": "prices"}, token
    )
    assert registered.status_code == 303
    assert (
        _post(writer, "/models/prices/versions/2/stage", {"stage": "Production"}, token).status_code
        == 403
    )
    assert (
        _post(
            writer, "/models/prices/aliases", {"alias": "champion", "version": "2"}, token
        ).status_code
        == 403
    )
    assert (
        _post(writer, "/models/prices/description", {"description": "by will"}, token).status_code
        == 303
    )

    admin_page = admin.get("/models/prices").text
    assert "Move to stage" in admin_page and "Set or move alias" in admin_page
    token = _token(admin_page)
    assert (
        _post(admin, "/models/prices/versions/2/stage", {"stage": "Production"}, token).status_code
        == 303
    )
    assert (
        _post(
            admin, "/models/prices/aliases", {"alias": "champion", "version": "2"}, token
        ).status_code
        == 303
    )

    versions = sktrack.registry.list_model_versions("prices")
    assert versions[1].created_by == "will" and versions[1].stage == "Production"
    events = sktrack.registry.list_events("prices")
    assert [(e.kind, e.user) for e in events] == [
        ("description", "will"),
        ("stage", "ada"),
        ("alias", "ada"),
    ]
    history = admin.get("/models/prices").text
    rows = re.findall(r"<tr>\s*<td>.*?</td>\s*<td>(.*?)</td>\s*<td>\s*(.*?)\n", history, re.S)
    who = [(user, what.split(" ")[0]) for user, what in rows]
    assert who[:4] == [("ada", "<span"), ("ada", "v2"), ("will", "description"), ("will", "v2")]


def test_changes_outside_the_ui_keep_the_os_user(team: Team) -> None:
    import getpass

    sktrack.registry.transition_stage("prices", 1, "Staging")
    assert sktrack.registry.list_events("prices")[-1].user == getpass.getuser()
    assert sktrack.registry.list_model_versions("prices")[0].created_by == getpass.getuser()


def test_a_role_changed_in_the_file_applies_to_the_next_request(team: Team) -> None:
    client = _client(team, "rita")
    assert "Move to stage" not in client.get("/models/prices").text
    team.users.set_role("rita", "admin")
    assert "Move to stage" in client.get("/models/prices").text
    team.users.remove("rita")
    assert client.get("/models/prices").status_code == 401


def test_read_only_still_wins_over_an_admin(team: Team) -> None:
    client = _client(team, "ada", read_only=True)
    page = client.get("/models/prices").text
    assert "Move to stage" not in page and "role-admin" in page
    token = _token(_client(team, "ada").get("/models/prices").text)
    assert (
        _post(client, "/models/prices/versions/1/stage", {"stage": "Staging"}, token).status_code
        == 403
    )


# -- hostile pass, with authentication on ---------------------------------------------------


def test_cross_site_writes_are_refused_even_with_an_admin_s_credentials(team: Team) -> None:
    """The browser sends Basic credentials to any page that posts to the UI: CSRF stays."""
    admin = _client(team, "ada")
    token = _token(admin.get("/models/prices").text)
    url, form = "/models/prices/versions/1/stage", {"stage": "Production"}
    assert _post(admin, url, form, token, origin="http://evil.example").status_code == 403
    assert _post(admin, url, form, token, **{"sec-fetch-site": "cross-site"}).status_code == 403
    assert _post(admin, url, form, "forged").status_code == 403
    assert sktrack.registry.list_events("prices") == []


def test_markup_stays_inert_and_paths_stay_in_the_store_when_signed_in(team: Team) -> None:
    client = _client(team, "ada")
    html = client.get(f"/runs/{team.runs[1]}").text
    assert XSS not in html and "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;" in html
    for path in ("../../store.users.json", "..%2F..%2Fstore.users.json", "/etc/passwd"):
        response = client.get(f"/runs/{team.runs[0]}/artifacts/{path}")
        assert response.status_code in (400, 404), path
        assert "argon2" not in response.text
    assert client.get("/static/../../_auth/_file.py").status_code == 404


def test_failed_sign_ins_turn_into_429_and_the_right_password_waits_too(team: Team) -> None:
    limiter = RateLimiter(max_failures=3, window_seconds=60)
    app = create_app(team.store, auth=team.users, rate_limit=limiter)
    wrong = _signed_in(TestClient(app, base_url=BASE), ("ada", "guess"))
    assert [wrong.get("/").status_code for _ in range(4)] == [401, 401, 429, 429]
    locked = wrong.get("/")
    assert locked.headers["retry-after"] == "60" and "too many failed sign-ins" in locked.text
    right = _signed_in(TestClient(app, base_url=BASE), ("ada", PASSWORDS["ada"]))
    assert right.get("/").status_code == 429  # the same client: stuffing stops here


def test_credential_stuffing_gets_nothing(team: Team) -> None:
    """A leaked list of pairs, the right one among them: past the limit nothing is checked."""
    app = create_app(team.store, auth=team.users)  # the default limit: 5 a minute
    pairs = [(name, f"{name}-{i}") for i in range(40) for name in (*PASSWORDS, "root", "admin")]
    pairs.insert(120, ("ada", PASSWORDS["ada"]))
    statuses = [
        _signed_in(TestClient(app, base_url=BASE), pair).get("/models").status_code
        for pair in pairs
    ]
    assert statuses[:4] == [401] * 4 and set(statuses[4:]) == {429}
    assert 200 not in statuses


# -- real server processes ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Process:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def client(self, user: str | None = None, source: str = "127.0.0.1", **kwargs) -> httpx.Client:
        """A client from loopback address ``source`` (each its own client for the limit)."""
        transport = httpx.HTTPTransport(local_address=source)
        kwargs.setdefault("auth", (user, PASSWORDS[user]) if user in PASSWORDS else None)
        return httpx.Client(base_url=self.url, transport=transport, timeout=30, **kwargs)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def _start(root: Path, *command: str, scheme: str = "http") -> Process:
    port = _free_port()
    log_path = root / f"server-{port}.log"
    with log_path.open("wb") as log:
        env = {**os.environ, "PYTHONPATH": str(ROOT), "SKTRACK_AUTH_HASH_PROFILE": "cheapest"}
        process = subprocess.Popen(
            [sys.executable, "-m", "sktrack", "--store", str(root / "store"), *command,
             "--port", str(port)],
            env=env, stderr=log, stdout=log,
        )  # fmt: skip
    server = Process(f"{scheme}://127.0.0.1:{port}", process, log_path)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited: {log_path.read_text()}")
        try:
            httpx.get(f"{server.url}/ping", timeout=1, verify=False)
            return server
        except httpx.TransportError:
            threading.Event().wait(0.05)
    server.stop()
    raise AssertionError(f"{server.url} did not answer within 90 s")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Team, Process, Process]]:
    from sktrack._tracking import scoped_defaults

    root = tmp_path_factory.mktemp("team")
    with scoped_defaults():
        team = _team(root)
    ui = _start(root, "ui", "--auth")
    model = _start(root, "serve", "models:/prices/1", "--auth")
    try:
        yield team, ui, model
    finally:
        ui.stop()
        model.stop()


def test_ui_process_401_then_429_for_wrong_passwords(served) -> None:
    _, ui, _ = served
    with ui.client(source="127.0.0.2") as anonymous:
        refused = anonymous.get("/")
        assert refused.status_code == 401 and "sign in" in refused.text
    with ui.client(source="127.0.0.3", auth=("ada", "wrong")) as guesser:
        statuses = [guesser.get("/").status_code for _ in range(7)]
    assert statuses[:4] == [401] * 4 and statuses[4:] == [429] * 3
    with ui.client("ada", source="127.0.0.3") as same_client:
        assert same_client.get("/").status_code == 429
    with ui.client("ada", source="127.0.0.4") as another:
        assert another.get("/").status_code == 200


def test_ui_process_roles_and_the_event_log(served) -> None:
    team, ui, _ = served
    with ui.client("rita") as reader, ui.client("will") as writer, ui.client("ada") as admin:
        origin = {"origin": ui.url}
        token = _token(admin.get("/models/prices").text)
        form = {"csrf_token": token}
        register = f"/runs/{team.runs[1]}/register"
        stage = "/models/prices/versions/1/stage"
        assert (
            reader.post(
                register, data={**form, "model": "model", "name": "prices"}, headers=origin
            ).status_code
            == 403
        )
        assert (
            reader.post(stage, data={**form, "stage": "Staging"}, headers=origin).status_code == 403
        )
        made = writer.post(
            register, data={**form, "model": "model", "name": "prices"}, headers=origin
        )
        assert made.status_code == 303 and made.headers["location"] == "/models/prices#v2"
        assert (
            writer.post(stage, data={**form, "stage": "Staging"}, headers=origin).status_code == 403
        )
        assert (
            admin.post(stage, data={**form, "stage": "Staging"}, headers=origin).status_code == 303
        )
        history = admin.get("/models/prices").text
    with sktrack._tracking.scoped_defaults():
        sktrack.set_store(team.store)
        versions = sktrack.registry.list_model_versions("prices")
        events = sktrack.registry.list_events("prices")
    assert versions[1].created_by == "will" and versions[0].stage == "Staging"
    assert [(e.kind, e.version, e.user) for e in events] == [("stage", 1, "ada")]
    assert "<td>ada</td>" in history and "<td>will</td>" in history


def test_serve_process_takes_a_token_for_invocations(served) -> None:
    team, _, model = served
    body = {"instances": [[0.01] * 10]}
    with model.client(source="127.0.0.5") as anonymous:
        refused = anonymous.post("/invocations", json=body)
        assert refused.status_code == 401
        assert refused.json()["error_code"] == "UNAUTHENTICATED"
        assert anonymous.get("/metadata").status_code == 401
        bad = anonymous.post(
            "/invocations", json=body, headers={"authorization": "Bearer skt.scorer.nope"}
        )
        assert bad.status_code == 401
        good = anonymous.post(
            "/invocations", json=body, headers={"authorization": f"Bearer {team.token}"}
        )
        assert good.status_code == 200 and len(good.json()["predictions"]) == 1
    with model.client("rita", source="127.0.0.5") as reader:
        assert reader.post("/invocations", json=body).status_code == 200


def test_a_non_loopback_bind_without_auth_exits_with_a_clear_message(
    tmp_path: Path, capsys
) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "sktrack", "--store", str(tmp_path / "s"), "ui", "--host", "0.0.0.0"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.startswith(
        "sktrack: error: sktrack ui will not serve '0.0.0.0' without authentication"
    )
    assert "--auth" in done.stderr and "--no-auth" in done.stderr
    sktrack.set_store(tmp_path / "s")
    with sktrack.start_run() as run:
        sktrack.log_model(LinearRegression().fit([[0], [1]], [0, 1]))
    code = main(
        ["--store", str(tmp_path / "s"), "serve", f"runs:/{run.run_id}/model", "--host", "10.0.0.1"]
    )
    assert code == 2
    assert (
        "sktrack serve will not serve '10.0.0.1' without authentication" in capsys.readouterr().err
    )
    assert main(["--store", str(tmp_path / "s"), "ui", "--auth", "--no-auth"]) == 2
    assert "contradict" in capsys.readouterr().err
    assert main(["--store", str(tmp_path / "s"), "ui", "--auth"]) == 2
    assert "users file" in capsys.readouterr().err  # no users yet: it does not start


def test_ui_process_over_tls_with_uvicorn_s_certificate_options(tmp_path: Path) -> None:
    import shutil
    import ssl

    if shutil.which("openssl") is None:
        pytest.skip("no openssl command to make a test certificate")
    cert, key = tmp_path / "ui.pem", tmp_path / "ui.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    _team(tmp_path)
    ui = _start(
        tmp_path, "ui", "--auth", "--ssl-certfile", str(cert), "--ssl-keyfile", str(key),
        scheme="https",
    )  # fmt: skip
    try:
        with httpx.Client(
            base_url=ui.url, verify=ssl.create_default_context(cafile=str(cert)), timeout=30
        ) as client:
            assert client.get("/").status_code == 401
            assert client.get("/", auth=("rita", PASSWORDS["rita"])).status_code == 200
        with pytest.raises(httpx.TransportError):
            httpx.get(ui.url.replace("https", "http"), timeout=5)
    finally:
        ui.stop()


def test_users_add_asks_for_the_password_twice_on_a_terminal(tmp_path: Path) -> None:
    import pty

    controller, terminal = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SKTRACK_AUTH_HASH_PROFILE": "cheapest"}
    command = [sys.executable, "-m", "sktrack", "--store", str(tmp_path / "store"), "users",
               "add", "ada", "--role", "admin"]  # fmt: skip
    process = subprocess.Popen(
        command, stdin=terminal, stdout=terminal, stderr=terminal, env=env, start_new_session=True
    )
    os.close(terminal)
    seen = b""
    for prompt in (b"Password for ada: ", b"Again: "):
        while prompt not in seen:
            seen += os.read(controller, 1024)
        os.write(controller, PASSWORDS["ada"].encode() + b"\n")
    assert process.wait(60) == 0
    os.close(controller)
    users = AuthFile(tmp_path / "store.users.json")
    assert [(u.name, u.role.value, u.kind) for u in users.users().values()] == [
        ("ada", "admin", "password")
    ]
    assert PASSWORDS["ada"].encode() not in seen  # the terminal did not echo it
