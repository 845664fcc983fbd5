"""What keeps the UI safe to run: host and origin checks, the CSRF token, response headers.

- Every request must name an allowed host (loopback names by default): a page on another
  site that resolves its own name to 127.0.0.1 (DNS rebinding) is refused.
- Every write (POST) must come from a page of this UI: the browser's ``Origin`` (or
  ``Referer``) must be this server, ``Sec-Fetch-Site`` must not say cross-site, and the form
  must carry the token the UI put in its pages.
- Every response forbids inline scripts, framing and MIME sniffing; user data reaches the
  page only through Jinja2's autoescaping or JSON read with ``JSON.parse``.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .._auth import is_loopback

__all__ = [
    "ARTIFACT_HEADERS",
    "CSRF_FIELD",
    "LOOPBACK_HOSTS",
    "Guard",
    "cross_site_reason",
    "is_loopback",
    "new_token",
    "token_matches",
]

CSRF_FIELD = "csrf_token"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")

_PAGE_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
# Artifacts are whatever a run logged (an SVG may hold a script): opened on their own they
# run nothing, and they are never treated as pages of this origin.
ARTIFACT_HEADERS = {
    "content-security-policy": "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox",
    "x-content-type-options": "nosniff",
}


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _host_name(host_header: str) -> str:
    """``127.0.0.1:5000`` -> ``127.0.0.1``; ``[::1]:5000`` -> ``::1``."""
    if host_header.startswith("["):
        return host_header[1:].partition("]")[0]
    return host_header.rpartition(":")[0] if host_header.count(":") == 1 else host_header


class Guard:
    """ASGI middleware: refuses unknown hosts and adds the security headers to every response.

    Parameters
    ----------
    app : ASGI app
    allowed_hosts : iterable of str
        Host names the ``Host`` header may carry; ``"*"`` allows any.
    """

    def __init__(self, app: ASGIApp, allowed_hosts: Iterable[str]) -> None:
        self.app = app
        self.allowed = {h.lower().strip("[]") for h in allowed_hosts}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = _host_name(Headers(scope=scope).get("host", "")).lower()
        if "*" not in self.allowed and host not in self.allowed:
            refusal = PlainTextResponse(
                f"Host {host!r} is not served here. Use http://127.0.0.1:<port>/ "
                "(or start the server with --host to serve another name).",
                status_code=400,
            )
            await refusal(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in _PAGE_HEADERS if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def cross_site_reason(request: Request) -> str | None:
    """Why ``request`` looks like it came from another site, or None if it did not."""
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return f"Sec-Fetch-Site is {site!r}"
    own = f"{request.url.scheme}://{request.headers.get('host', '')}".lower()
    origin = request.headers.get("origin")
    if origin is not None:
        return None if origin.lower() == own else f"Origin {origin!r} is not {own!r}"
    referer = request.headers.get("referer")
    if referer is not None:
        parts = urlsplit(referer)
        source = f"{parts.scheme}://{parts.netloc}".lower()
        return None if source == own else f"Referer {referer!r} is not from {own!r}"
    return None  # no browser sends a POST without either: a script's call, checked by token


def token_matches(sent: object, expected: str) -> bool:
    return isinstance(sent, str) and hmac.compare_digest(sent.encode(), expected.encode())
