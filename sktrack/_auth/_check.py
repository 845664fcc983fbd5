"""Checking credentials: HTTP Basic (a user's password, or a token as the password) and
bearer tokens, with failed attempts counted per client.

A secret is checked against its argon2 hash once; after that, the same secret is recognised
by an HMAC (a key of this process) compared in constant time, so a browser that sends its
password with every request pays for argon2 once, not per request.  A user's entry is
forgotten when the users file changes its hash (a removed user, a new password).  An
unknown name is checked against a dummy hash, so the answer takes as long as for a known one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from ._file import AuthFile, UserRecord, split_token
from ._roles import SignedIn

__all__ = ["Attempt", "Authenticator", "RateLimiter"]


class RateLimiter:
    """At most ``max_failures`` failed logins per client in ``window_seconds``; past that, the
    client is refused (even with the right secret) until its oldest failure leaves the window.

    Parameters
    ----------
    max_failures : int, default=5
    window_seconds : float, default=60
    clock : callable, default=time.monotonic
    max_clients : int, default=10000
        Clients remembered at most (the oldest are forgotten first), so memory stays bounded.
    """

    def __init__(
        self,
        max_failures: int = 5,
        window_seconds: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 10_000,
    ) -> None:
        self.max_failures = max_failures
        self.window = window_seconds
        self._clock = clock
        self._max_clients = max_clients
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> float:
        """Seconds until ``client`` may try again; 0 if it may now."""
        with self._lock:
            times = self._recent(client)
            if len(times) < self.max_failures:
                return 0.0
            return max(times[0] + self.window - self._clock(), 0.001)

    def failed(self, client: str) -> float:
        """Count a failure of ``client`` now; returns its stamp (for `forgive`).

        An attempt is counted before its secret is checked and forgiven if it was good, so
        parallel attempts cannot slip past the limit while argon2 works.
        """
        with self._lock:
            times = self._recent(client)
            stamp = self._clock()
            times.append(stamp)
            self._failures.pop(client, None)
            self._failures[client] = times  # newest last, for forgetting the oldest
            while len(self._failures) > self._max_clients:
                self._failures.pop(next(iter(self._failures)))
            return stamp

    def forgive(self, client: str, stamp: float) -> None:
        with self._lock:
            times = self._failures.get(client)
            if times is not None and stamp in times:
                times.remove(stamp)

    def _recent(self, client: str) -> deque[float]:
        times = self._failures.get(client, deque())
        horizon = self._clock() - self.window
        while times and times[0] <= horizon:
            times.popleft()
        return times


@dataclass(frozen=True)
class Attempt:
    """What the credentials of one request came to."""

    user: SignedIn | None  # who, when they were good
    presented: bool  # whether the request carried any credentials at all


class Authenticator:
    """Checks an ``Authorization`` header against the users file.

    Parameters
    ----------
    users : AuthFile
    """

    def __init__(self, users: AuthFile) -> None:
        self.users = users
        self._key = secrets.token_bytes(32)
        self._known: dict[str, tuple[str, bytes]] = {}  # name -> (hash, hmac of the secret)
        self._lock = threading.Lock()
        self._dummy = users.hasher.hash(secrets.token_urlsafe(16))

    def check(self, authorization: str | None) -> Attempt:
        """Who ``authorization`` (the header's value) signs in as; blocking (argon2)."""
        pair = credentials(authorization)
        if pair is None:
            return Attempt(None, presented=bool(authorization))
        return Attempt(self._verify(*pair), presented=True)

    def quick(self, authorization: str | None) -> SignedIn | None:
        """The user, if these exact credentials were checked before; never runs argon2."""
        pair = credentials(authorization)
        if pair is None:
            return None
        found = self._lookup(*pair)
        if found is None:
            return None
        record, material = found
        mac = self._mac(material)
        with self._lock:
            known = self._known.get(record.name)
        if known is not None and known[0] == record.hash and hmac.compare_digest(known[1], mac):
            return SignedIn(record.name, record.role)
        return None

    def _mac(self, material: str) -> bytes:
        return hmac.new(self._key, material.encode(), hashlib.sha256).digest()

    def _lookup(self, name: str, secret: str) -> tuple[UserRecord, str] | None:
        record = self.users.users().get(name)
        material = None if record is None else _material(record, secret)
        return None if record is None or material is None else (record, material)

    def _verify(self, name: str, secret: str) -> SignedIn | None:
        found = self._lookup(name, secret)
        if found is None:
            self.users.hasher.verify(self._dummy, secret)  # as long as for a known name
            return None
        record, material = found
        mac = self._mac(material)
        if not self.users.hasher.verify(record.hash, material):
            return None
        with self._lock:
            self._known[name] = (record.hash, mac)
        return SignedIn(name, record.role)


def _material(record: UserRecord, secret: str) -> str | None:
    """What the stored hash was made of: the password, or a token's secret part."""
    if record.kind == "password":
        return secret
    parts = split_token(secret)
    if parts is None or parts[0] != record.name:
        return None
    return parts[1]


def credentials(authorization: str | None) -> tuple[str, str] | None:
    """(name, secret) from an ``Authorization`` value: Basic, or a bearer token."""
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "basic":
        return _basic(value)
    if scheme.lower() == "bearer":
        parts = split_token(value)
        return None if parts is None else (parts[0], value)
    return None


def _basic(value: str) -> tuple[str, str] | None:
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    name, colon, password = decoded.partition(":")
    return (name, password) if colon else None
