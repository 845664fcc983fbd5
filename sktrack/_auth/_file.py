"""The users file: one JSON document of names, roles and argon2 hashes, never a secret.

The file lives beside the store (``<store folder>.users.json``) or where ``--auth-file``
says.  Every change is written to a temporary file and renamed over it, under a lock, so a
server never reads half a file and two admins' changes do not overwrite each other.  A
server calls `AuthFile.users`, which re-reads the file when its size, time or inode change:
no restart is needed.  A file that is missing or cannot be read lets nobody in.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..exceptions import InvalidArgumentError, SktrackError
from ._hashing import Hasher
from ._roles import Role

__all__ = ["TOKEN_PREFIX", "AuthFile", "UserRecord", "default_auth_path"]

FORMAT_VERSION = 1
TOKEN_PREFIX = "skt"
MIN_PASSWORD = 8
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@+-]{0,63}")


@dataclass(frozen=True)
class UserRecord:
    """One user as the file holds it: the hash of a password, or of an API token."""

    name: str
    role: Role
    kind: str  # "password" or "token"
    hash: str
    created_at: int  # ms since the epoch


def default_auth_path(store_root: str | None, location: str) -> Path:
    """The users file beside a local store: ``/data/store`` -> ``/data/store.users.json``.

    ``store_root`` is the store's local folder (None for object storage, which needs an
    ``--auth-file``: the credentials of a server are that server's, not the bucket's).
    """
    if store_root is None:
        parts = urlsplit(location)
        if parts.scheme != "file":
            raise InvalidArgumentError(
                f"store {location!r} is not a local folder, so it has no users file beside it; "
                "pass --auth-file PATH (a file on the machine that serves it)"
            )
        store_root = unquote(parts.path)
    root = Path(store_root).absolute()
    return root.parent / f"{root.name}.users.json"


def check_user_name(name: object) -> str:
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise InvalidArgumentError(
            f"user name {name!r} is not allowed: use 1 to 64 letters, digits and _ . @ + -, "
            "starting with a letter or digit"
        )
    return name


def split_token(token: str) -> tuple[str, str] | None:
    """``skt.<name>.<secret>`` -> (name, secret); None for anything else."""
    head, _, rest = token.partition(".")
    name, _, secret = rest.rpartition(".")
    if head != TOKEN_PREFIX or not name or not secret:
        return None
    return name, secret


class AuthFile:
    """The users file at ``path``: read (and re-read on change) by servers, changed by the CLI.

    Parameters
    ----------
    path : str or path
    hasher : Hasher, optional
        Makes the hashes of new passwords and tokens; default: ``Hasher()``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> users = AuthFile(pathlib.Path(tempfile.mkdtemp()) / "users.json", Hasher("cheapest"))
    >>> token = users.add("ci", "reader", token=True)
    >>> [(u.name, u.role.value, u.kind) for u in users.users().values()]
    [('ci', 'reader', 'token')]
    """

    def __init__(self, path: str | os.PathLike[str], hasher: Hasher | None = None) -> None:
        self.path = Path(path)
        self._hasher = hasher
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._users: dict[str, UserRecord] = {}

    @property
    def hasher(self) -> Hasher:
        if self._hasher is None:
            self._hasher = Hasher()
        return self._hasher

    # -- reading ------------------------------------------------------------------------

    def users(self) -> Mapping[str, UserRecord]:
        """The users as the file holds them now (re-read if it changed since the last call).

        Raises
        ------
        SktrackError
            If the file is missing or cannot be read: nobody is let in.
        """
        try:
            info = self.path.stat()
        except OSError as exc:
            raise SktrackError(
                f"users file {self.path} cannot be read ({exc.strerror}); add a user with "
                f"`sktrack users add NAME --role admin --auth-file {self.path}`"
            ) from None
        stamp = (info.st_mtime_ns, info.st_size, info.st_ino)
        with self._lock:
            if stamp != self._stamp:
                self._users = _parse(self.path)
                self._stamp = stamp
            return dict(self._users)

    def exists(self) -> bool:
        return self.path.exists()

    # -- changing -----------------------------------------------------------------------

    def add(
        self, name: str, role: str | Role, *, password: str | None = None, token: bool = False
    ) -> str | None:
        """Add a user with a password, or with a new API token (returned, shown only once)."""
        name, role = check_user_name(name), Role.parse(role)
        if token == (password is not None):
            raise InvalidArgumentError(
                f"give user {name!r} a password or token=True (exactly one of them)"
            )
        secret = None
        if password is not None:
            _check_password(password)
            digest = self.hasher.hash(password)
        else:
            key = secrets.token_urlsafe(32)
            secret = f"{TOKEN_PREFIX}.{name}.{key}"
            digest = self.hasher.hash(key)
        record = UserRecord(name, role, "token" if token else "password", digest, _now_ms())
        with self._editing() as users:
            if name in users:
                raise InvalidArgumentError(
                    f"user {name!r} exists already; remove it first with `sktrack users remove {name}`"
                )
            users[name] = record
        return secret

    def remove(self, name: str) -> None:
        with self._editing() as users:
            _known(users, name, self.path)
            del users[name]

    def set_role(self, name: str, role: str | Role) -> UserRecord:
        role = Role.parse(role)
        with self._editing() as users:
            old = _known(users, name, self.path)
            users[name] = UserRecord(old.name, role, old.kind, old.hash, old.created_at)
            return users[name]

    @contextlib.contextmanager
    def _editing(self) -> Iterator[dict[str, UserRecord]]:
        """The users, to change in the block, written back atomically under a lock."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _locked(self.path.with_name(self.path.name + ".lock")):
            users = _parse(self.path) if self.path.exists() else {}
            yield users
            _write(self.path, users)


def _check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise InvalidArgumentError(
            f"a password needs at least {MIN_PASSWORD} characters; "
            "or give the user an API token with --token"
        )


def _known(users: Mapping[str, UserRecord], name: str, path: Path) -> UserRecord:
    if name not in users:
        known = ", ".join(sorted(users)) or "none"
        raise InvalidArgumentError(f"no user {name!r} in {path}; its users: {known}")
    return users[name]


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # no advisory locks on this platform: writes stay atomic
        yield
        return
    with open(lock_path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _parse(path: Path) -> dict[str, UserRecord]:
    try:
        doc = json.loads(path.read_bytes())
        if doc.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"format version {doc.get('format_version')!r}, expected 1")
        return {
            name: UserRecord(name, Role(u["role"]), u["kind"], u["hash"], int(u["created_at"]))
            for name, u in doc["users"].items()
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise SktrackError(
            f"users file {path} cannot be read: {exc}; nobody is let in until it is fixed"
        ) from None


def _write(path: Path, users: Mapping[str, UserRecord]) -> None:
    doc = {
        "format_version": FORMAT_VERSION,
        "users": {
            u.name: {
                "role": u.role.value,
                "kind": u.kind,
                "hash": u.hash,
                "created_at": u.created_at,
            }
            for u in sorted(users.values(), key=lambda u: u.name)
        },
    }
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(doc, handle, indent=1)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
