"""Users, roles and credentials (`sktrack._auth`) and the `sktrack users` commands: the users
file and its re-reading, argon2 hashes (never a secret on disk), Basic and bearer checks, the
failed-sign-in limit, and the rule that keeps anonymous access off the network."""

from __future__ import annotations

import base64
import io
import json
import os
from pathlib import Path

import pytest

pytest.importorskip("argon2")

from sktrack._auth import (
    Authenticator,
    AuthFile,
    Hasher,
    RateLimiter,
    Role,
    SignedIn,
    allows,
    check_exposure,
    default_auth_path,
)
from sktrack._cli import main
from sktrack.exceptions import InvalidArgumentError, SktrackError

PASSWORD = "correct horse battery"


def _basic(name: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{name}:{password}".encode()).decode()


@pytest.fixture
def users(tmp_path: Path) -> AuthFile:
    return AuthFile(tmp_path / "store.users.json", Hasher("cheapest"))


# -- the users file ---------------------------------------------------------------------------


def test_the_file_holds_argon2_hashes_never_a_secret(users: AuthFile) -> None:
    users.add("alice", "admin", password=PASSWORD)
    token = users.add("ci", "reader", token=True)
    assert token is not None and token.startswith("skt.ci.")
    text = users.path.read_text()
    assert PASSWORD not in text and token.rpartition(".")[2] not in text
    doc = json.loads(text)
    assert doc["format_version"] == 1
    assert {name: u["hash"][:10] for name, u in doc["users"].items()} == {
        "alice": "$argon2id$",
        "ci": "$argon2id$",
    }
    assert oct(users.path.stat().st_mode & 0o777) == "0o600"
    assert {u.name: (u.role, u.kind) for u in users.users().values()} == {
        "alice": (Role.ADMIN, "password"),
        "ci": (Role.READER, "token"),
    }


def test_the_cheapest_profile_is_argon2_cffi_s_own_and_the_default_is_rfc_9106() -> None:
    assert Hasher("cheapest").hash("x").startswith("$argon2id$v=19$m=8,t=1,p=1$")
    assert Hasher("default").hash("x").startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    with pytest.raises(SktrackError, match="hash profile 'fast' is not one of default, cheapest"):
        Hasher("fast")


def test_bad_names_roles_and_passwords_are_refused_naming_them(users: AuthFile) -> None:
    with pytest.raises(InvalidArgumentError, match="user name 'a:b' is not allowed"):
        users.add("a:b", "reader", password=PASSWORD)
    with pytest.raises(
        InvalidArgumentError, match="role must be one of reader, writer, admin; got 'root'"
    ):
        users.add("bob", "root", password=PASSWORD)
    with pytest.raises(InvalidArgumentError, match="at least 8 characters"):
        users.add("bob", "reader", password="short")
    with pytest.raises(InvalidArgumentError, match="exactly one of them"):
        users.add("bob", "reader")
    users.add("bob", "reader", password=PASSWORD)
    with pytest.raises(InvalidArgumentError, match="user 'bob' exists already"):
        users.add("bob", "writer", token=True)
    with pytest.raises(InvalidArgumentError, match=r"no user 'carol' in .*; its users: bob"):
        users.remove("carol")
    assert list(users.users()) == ["bob"]


def _add_many(path: str, prefix: str) -> None:
    users = AuthFile(path, Hasher("cheapest"))
    for i in range(10):
        users.add(f"{prefix}{i}", "reader", token=True)


def test_concurrent_changes_from_several_processes_lose_nothing(users: AuthFile) -> None:
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(target=_add_many, args=(str(users.path), f"w{k}-")) for k in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0] * 4
    assert len(users.users()) == 40
    assert not [p for p in users.path.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_server_sees_changes_without_a_restart(users: AuthFile, tmp_path: Path) -> None:
    users.add("alice", "reader", password=PASSWORD)
    server_side = AuthFile(users.path, Hasher("cheapest"))  # what a running server holds
    check = Authenticator(server_side)
    assert check.check(_basic("alice", PASSWORD)).user == SignedIn("alice", Role.READER)
    users.set_role("alice", "admin")
    assert check.quick(_basic("alice", PASSWORD)) == SignedIn("alice", Role.ADMIN)
    users.remove("alice")
    assert check.quick(_basic("alice", PASSWORD)) is None
    assert check.check(_basic("alice", PASSWORD)).user is None


def test_a_missing_or_damaged_file_lets_nobody_in(users: AuthFile) -> None:
    with pytest.raises(SktrackError, match=r"cannot be read .*sktrack users add NAME --role admin"):
        users.users()
    users.add("alice", "admin", password=PASSWORD)
    check = Authenticator(users)
    users.path.write_text('{"format_version": 1, "users": {"alice": ')
    with pytest.raises(SktrackError, match=r"cannot be read: .*nobody is let in"):
        check.check(_basic("alice", PASSWORD))
    users.path.write_text('{"format_version": 7, "users": {}}')
    with pytest.raises(SktrackError, match="format version 7"):
        users.users()


def test_the_default_file_lives_beside_a_local_store(tmp_path: Path) -> None:
    store = tmp_path / "team" / "store"
    assert default_auth_path(str(store), str(store)) == tmp_path / "team" / "store.users.json"
    assert default_auth_path(None, f"file://{store}") == tmp_path / "team" / "store.users.json"
    with pytest.raises(InvalidArgumentError, match=r"not a local folder.*pass --auth-file PATH"):
        default_auth_path(None, "s3://bucket/prefix")


# -- credentials ------------------------------------------------------------------------------


def test_basic_bearer_and_a_token_as_basic_password(users: AuthFile) -> None:
    users.add("alice", "writer", password=PASSWORD)
    token = users.add("ci", "reader", token=True)
    assert token is not None
    check = Authenticator(users)
    assert check.check(_basic("alice", PASSWORD)).user == SignedIn("alice", Role.WRITER)
    assert check.check(f"Bearer {token}").user == SignedIn("ci", Role.READER)
    assert check.check(_basic("ci", token)).user == SignedIn("ci", Role.READER)
    refused = [
        _basic("alice", PASSWORD + "x"),
        _basic("mallory", PASSWORD),
        f"Bearer {token[:-1]}",
        f"Bearer skt.alice.{token.rpartition('.')[2]}",  # ci's secret under another name
        _basic("alice", token),  # a token is not alice's password
        "Basic !!!",
        "Digest abc",
        f"Bearer {PASSWORD}",
    ]
    for header in refused:
        attempt = check.check(header)
        assert attempt.user is None and attempt.presented, header
    assert not check.check(None).presented


def test_checked_credentials_are_recognised_without_argon2(users: AuthFile) -> None:
    users.add("alice", "reader", password=PASSWORD)
    check = Authenticator(users)
    assert check.quick(_basic("alice", PASSWORD)) is None  # never checked yet
    check.check(_basic("alice", PASSWORD))
    assert check.quick(_basic("alice", PASSWORD)) == SignedIn("alice", Role.READER)
    assert check.quick(_basic("alice", PASSWORD + "!")) is None


def test_failed_sign_ins_are_limited_per_client() -> None:
    now = [1000.0]
    limiter = RateLimiter(max_failures=3, window_seconds=60, clock=lambda: now[0])
    for _ in range(3):
        assert limiter.retry_after("10.0.0.1") == 0
        limiter.failed("10.0.0.1")
    assert limiter.retry_after("10.0.0.1") == pytest.approx(60)
    assert limiter.retry_after("10.0.0.2") == 0  # another client is not affected
    now[0] += 30
    assert limiter.retry_after("10.0.0.1") == pytest.approx(30)
    now[0] += 30.5
    assert limiter.retry_after("10.0.0.1") == 0
    stamp = limiter.failed("10.0.0.2")
    limiter.forgive("10.0.0.2", stamp)  # a good secret is not a failure
    assert limiter._recent("10.0.0.2") == type(limiter._recent("x"))()


def test_the_limiter_remembers_a_bounded_number_of_clients() -> None:
    limiter = RateLimiter(max_failures=1, window_seconds=60, max_clients=100)
    for i in range(1000):
        limiter.failed(f"10.0.{i // 256}.{i % 256}")
    assert len(limiter._failures) == 100
    assert limiter.retry_after("10.0.3.231") > 0  # the newest are kept


def test_roles() -> None:
    assert [
        a for a in ("browse", "predict", "register", "stage", "alias") if allows(Role.READER, a)
    ] == ["browse", "predict"]
    assert allows(Role.WRITER, "register") and not allows(Role.WRITER, "stage")
    assert all(allows(Role.ADMIN, a) for a in ("register", "stage", "alias", "users"))


# -- exposure ---------------------------------------------------------------------------------


def test_no_anonymous_access_off_loopback() -> None:
    for host in ("127.0.0.1", "localhost", "::1", "[::1]"):
        assert check_exposure(host, auth=False).read_only is False
    with pytest.raises(
        InvalidArgumentError, match=r"will not serve .0\.0\.0\.0. without authentication"
    ):
        check_exposure("0.0.0.0", auth=False)
    assert check_exposure("0.0.0.0", auth=True) == check_exposure("127.0.0.1", auth=False)
    anonymous = check_exposure("10.1.2.3", auth=False, no_auth=True)
    assert anonymous.read_only and "with no authentication" in str(anonymous.warning)
    assert not check_exposure("10.1.2.3", auth=False, no_auth=True, allow_writes=True).read_only
    with pytest.raises(InvalidArgumentError, match="contradict"):
        check_exposure("10.1.2.3", auth=True, no_auth=True)
    with pytest.raises(InvalidArgumentError, match="--allow-writes only applies with --no-auth"):
        check_exposure("10.1.2.3", auth=True, allow_writes=True)


# -- sktrack users ----------------------------------------------------------------------------


def test_users_commands(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("SKTRACK_AUTH_HASH_PROFILE", "cheapest")
    store = ["--store", str(tmp_path / "store")]
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert main(["users", "add", "alice", "--role", "admin", "--password-stdin", *store]) == 0
    assert main(["users", "add", "ci", "--role", "reader", "--token", *store]) == 0
    out = capsys.readouterr().out
    token = out.strip().splitlines()[-1]
    assert token.startswith("skt.ci.") and "shown only now" in out
    assert main(["users", "set-role", "ci", "writer", *store]) == 0
    assert main(["users", "list", "--json", *store]) == 0
    listed = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert [(u["name"], u["role"], u["signs_in_with"]) for u in listed] == [
        ("alice", "admin", "password"),
        ("ci", "writer", "token"),
    ]
    path = tmp_path / "store.users.json"
    check = Authenticator(AuthFile(path))
    assert check.check(_basic("alice", PASSWORD)).user == SignedIn("alice", Role.ADMIN)
    assert check.check(f"Bearer {token}").user == SignedIn("ci", Role.WRITER)
    assert main(["users", "remove", "ci", *store]) == 0
    assert main(["users", "list", *store]) == 0
    assert "1 user in" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["users", "add", "bob", "--role", "reader", *store]) == 2
    assert "no terminal to ask for a password: pass --password-stdin" in capsys.readouterr().err
    other = tmp_path / "elsewhere.json"
    assert (
        main(["users", "add", "svc", "--role", "reader", "--token", "--auth-file", str(other)]) == 0
    )
    assert list(AuthFile(other).users()) == ["svc"]
    assert os.stat(other).st_mode & 0o077 == 0
