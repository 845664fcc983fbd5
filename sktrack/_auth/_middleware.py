"""The ASGI middleware that lets only signed-in users through, and says who they are.

Order of the checks, for every HTTP request: a client over its limit of failed logins gets
429 (whatever it sends, so guessing stops there); credentials checked before are recognised
at once; others are checked with argon2 in a worker thread, counted as a failure until they
prove good.  No credentials, or bad ones, get 401 with the Basic and Bearer challenges.  The
user is put in the request's scope (`scope_user`) for the app to check roles.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from ..exceptions import SktrackError
from ._check import Authenticator, RateLimiter
from ._roles import SignedIn

__all__ = ["USER_SCOPE_KEY", "RequireAuth", "scope_user"]

USER_SCOPE_KEY = "sktrack.user"
_CHALLENGES = [
    (b"www-authenticate", b'Basic realm="sktrack", charset="UTF-8"'),
    (b"www-authenticate", b'Bearer realm="sktrack"'),
]


def scope_user(scope: Any) -> SignedIn | None:
    """The user a request signed in as (None when the app runs without authentication)."""
    user = scope.get(USER_SCOPE_KEY) if hasattr(scope, "get") else None
    return user if isinstance(user, SignedIn) else None


class RequireAuth:
    """ASGI middleware: every HTTP request must carry good credentials.

    Parameters
    ----------
    app : ASGI app
    authenticator : Authenticator
    limiter : RateLimiter
    json_errors : bool, default=False
        Answer refusals as MLflow-style JSON (the model server) rather than plain text.
    """

    def __init__(
        self,
        app: Any,
        authenticator: Authenticator,
        limiter: RateLimiter,
        json_errors: bool = False,
    ) -> None:
        self.app = app
        self.authenticator = authenticator
        self.limiter = limiter
        self.json_errors = json_errors

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = scope["client"][0] if scope.get("client") else "unknown"
        header = _header(scope, b"authorization")
        try:
            user = await self._user(client, header)
        except _Refusal as refusal:
            await self._refuse(send, *refusal.args)
            return
        except SktrackError as error:  # the users file is missing or damaged: nobody gets in
            await self._refuse(send, 503, "UNAVAILABLE", str(error), [])
            return
        await self.app({**scope, USER_SCOPE_KEY: user}, receive, send)

    async def _user(self, client: str, header: str | None) -> SignedIn:
        self._check_limit(client)
        user = self.authenticator.quick(header)
        if user is not None:
            return user
        stamp = self.limiter.failed(client)
        attempt = await asyncio.get_running_loop().run_in_executor(
            None, self.authenticator.check, header
        )
        if attempt.user is not None or not attempt.presented:
            self.limiter.forgive(client, stamp)
        if attempt.user is not None:
            return attempt.user
        self._check_limit(client)
        message = (
            "wrong user name, password or token"
            if attempt.presented
            else "sign in: HTTP Basic (user and password) or Authorization: Bearer <token>"
        )
        raise _Refusal(401, "UNAUTHENTICATED", message, _CHALLENGES)

    def _check_limit(self, client: str) -> None:
        wait = self.limiter.retry_after(client)
        if wait > 0:
            seconds = max(int(wait + 0.999), 1)
            raise _Refusal(
                429,
                "RESOURCE_EXHAUSTED",
                f"too many failed sign-ins from {client}; try again in {seconds} s",
                [(b"retry-after", str(seconds).encode())],
            )

    async def _refuse(
        self, send: Any, status: int, code: str, message: str, headers: list[tuple[bytes, bytes]]
    ) -> None:
        if self.json_errors:
            body = json.dumps({"error_code": code, "message": message}).encode()
            kind = b"application/json"
        else:
            body, kind = f"{message}\n".encode(), b"text/plain; charset=utf-8"
        all_headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
        all_headers += [(b"cache-control", b"no-store"), *headers]
        await send({"type": "http.response.start", "status": status, "headers": all_headers})
        await send({"type": "http.response.body", "body": body})


class _Refusal(Exception):
    """A response instead of the app: (status, error code, message, extra headers)."""


def _header(scope: Any, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None
