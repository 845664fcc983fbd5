"""The local web UI (``sktrack ui``): experiments, runs, comparisons, the model registry.

It needs the ``ui`` extra (``pip install 'sktrack[ui]'``: Starlette, uvicorn, Jinja2,
python-multipart) and works offline: its chart library ships inside the package.  It reads and
writes the store only through sktrack's API.  See docs/ui.md.

It sits above the public face: it imports `sktrack` and `sktrack.registry`, and the public names
of the layer packages below (`sktrack._store`, `sktrack._query`, `sktrack._tracking`,
`sktrack._auth` for users and roles); the model server and the command line import it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .._store import Store

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from .._auth import AuthFile, RateLimiter
    from ._security import LOOPBACK_HOSTS, Guard, is_loopback

__all__ = ["LOOPBACK_HOSTS", "Guard", "create_app", "is_loopback", "serve"]

# The host check is shared with the model server (sktrack serve); it needs Starlette, so it
# loads on first use.
_SHARED = ("LOOPBACK_HOSTS", "Guard", "is_loopback")


def __getattr__(name: str) -> object:
    if name in _SHARED:
        from . import _security

        return getattr(_security, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_EXTRA_HINT = "the sktrack UI needs its extra: pip install 'sktrack[ui]'"


def create_app(
    store: Store | str | os.PathLike[str] | None = None,
    *,
    read_only: bool = False,
    allowed_hosts: Sequence[str] | None = None,
    auth: AuthFile | str | os.PathLike[str] | None = None,
    rate_limit: RateLimiter | None = None,
) -> Starlette:
    """The UI as an ASGI app, to serve with any ASGI server (or test with Starlette's client).

    Parameters
    ----------
    store : Store, str or path, optional
        The store to show; default: the one `sktrack.get_store` returns.
    read_only : bool, default=False
        Hide every action that changes the store, and refuse them.
    allowed_hosts : sequence of str, optional
        Host names the browser may use to reach the UI; default: the loopback names
        (``127.0.0.1``, ``localhost``, ``::1``); ``["*"]`` allows any.
    auth : AuthFile, str or path, optional
        The users file: every request must then sign in (HTTP Basic or a bearer token), and
        each user's role decides what they may do.  None: no sign-in (for loopback).
    rate_limit : RateLimiter, optional
        How many failed sign-ins a client may make; default: 5 a minute.

    Returns
    -------
    starlette.applications.Starlette

    Examples
    --------
    >>> import sktrack, tempfile
    >>> from starlette.testclient import TestClient
    >>> from sktrack.ui import create_app
    >>> app = create_app(tempfile.mkdtemp())
    >>> TestClient(app, base_url="http://127.0.0.1").get("/").status_code
    200
    """
    try:
        from ._app import build_app
    except ImportError as error:
        raise ImportError(f"{_EXTRA_HINT} ({error})") from error
    from ._security import LOOPBACK_HOSTS

    return build_app(
        _resolve(store),
        read_only=read_only,
        allowed_hosts=list(allowed_hosts) if allowed_hosts is not None else list(LOOPBACK_HOSTS),
        auth=_auth_file(auth),
        rate_limit=rate_limit,
    )


def _auth_file(auth: AuthFile | str | os.PathLike[str] | None) -> AuthFile | None:
    from .._auth import AuthFile

    if auth is None or isinstance(auth, AuthFile):
        return auth
    return AuthFile(auth)


def _resolve(store: Store | str | os.PathLike[str] | None) -> Store:
    """The Store for ``store``, leaving the caller's current store as it was."""
    import sktrack

    if isinstance(store, Store):
        return store
    if store is None:
        return sktrack.get_store()
    from .._store import open_store

    return open_store(store)


def serve(
    store: Store | str | os.PathLike[str] | None = None,
    host: str = "127.0.0.1",
    port: int = 5000,
    read_only: bool = False,
    *,
    auth: AuthFile | str | os.PathLike[str] | None = None,
    no_auth: bool = False,
    allow_writes: bool = False,
    ssl_certfile: str | None = None,
    ssl_keyfile: str | None = None,
) -> None:
    """Serve the UI until interrupted (what ``sktrack ui`` runs).

    Parameters
    ----------
    store : Store, str or path, optional
        The store to show; default: the one `sktrack.get_store` returns.
    host : str, default="127.0.0.1"
        The address to bind.  Anything but a loopback address needs ``auth``, or an explicit
        ``no_auth`` (then read-only unless ``allow_writes``).
    port : int, default=5000
    read_only : bool, default=False
        Hide and refuse every action that changes the store.
    auth : AuthFile, str or path, optional
        The users file; every request must sign in and roles decide what each user may do.
    no_auth : bool, default=False
        Serve a non-loopback address without sign-in (read-only unless ``allow_writes``).
    allow_writes : bool, default=False
        With ``no_auth``: let anyone who reaches the port change the registry.
    ssl_certfile, ssl_keyfile : str, optional
        Serve HTTPS with this certificate and key (uvicorn's options).

    Raises
    ------
    InvalidArgumentError
        For a non-loopback host without ``auth`` or ``no_auth``.
    """
    try:
        import uvicorn
    except ImportError as error:
        raise ImportError(f"{_EXTRA_HINT} ({error})") from error
    from .._auth import check_exposure
    from ._security import LOOPBACK_HOSTS, is_loopback

    exposure = check_exposure(
        host,
        auth=auth is not None,
        no_auth=no_auth,
        read_only=read_only,
        allow_writes=allow_writes,
    )
    if exposure.warning:
        print(exposure.warning, file=sys.stderr)
    users = _auth_file(auth)
    if users is not None:
        users.users()  # a missing or damaged users file stops the command here
    allowed = [*LOOPBACK_HOSTS, host] if is_loopback(host) else ["*"]
    app = create_app(store, read_only=exposure.read_only, allowed_hosts=allowed, auth=users)
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
    )
