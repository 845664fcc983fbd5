"""The scoring server: MLflow's ``POST /invocations`` and its ``GET`` companions as a Starlette
app, and starting it with uvicorn (the ``serve`` extra).

A request reads the served model once (`ModelHolder.current`) and is answered by that version
to the end, named in the ``sktrack-model-version`` header.  Plain-number requests for a
model that answers the same on an array are scored on the event loop without a DataFrame;
concurrent one-row requests among them are scored together (`Coalescer`).  Everything else
is checked and scored in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import traceback
import warnings
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ._inputs import RequestError, parse_csv, parse_json, to_model_input
from ._model import ModelHolder, ServedModel
from ._options import ServeOptions
from ._output import encode_predictions

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

    from .._auth import RateLimiter

__all__ = ["Coalescer", "app_from_environment", "create_app", "serve"]

_ENVIRONMENT = "SKTRACK_SERVE_OPTIONS"
_EXTRA_HINT = "sktrack serve needs its extra: pip install 'sktrack[serve]'"
# Above this many rows, even a fast-path request is scored off the event loop.
_INLINE_ROWS = 256


class Coalescer:
    """Scores one-row requests that arrive together as one array.

    A submitted row waits only for the requests already running on the event loop: the batch
    is scored in a callback scheduled right after them, so a lone request is not delayed.  If
    the batch fails (one row the model refuses), each row is scored on its own, so the error
    reaches only the request that caused it.
    """

    def __init__(self) -> None:
        self._pending: list[tuple[ServedModel, str, np.ndarray, asyncio.Future[Any]]] = []
        self.batches = 0
        self.rows = 0

    def submit(self, served: ServedModel, method: str, row: np.ndarray) -> asyncio.Future[Any]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        if not self._pending:
            loop.call_soon(self._flush)
        self._pending.append((served, method, row, future))
        return future

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        groups: dict[tuple[int, str], list[Any]] = {}
        for item in pending:
            groups.setdefault((id(item[0]), item[1]), []).append(item)
        for items in groups.values():
            served, method = items[0][0], items[0][1]
            self.batches += 1
            self.rows += len(items)
            try:
                out = getattr(served.estimator, method)(np.vstack([item[2] for item in items]))
            except Exception:
                for _, _, row, future in items:
                    _settle(future, served, method, row)
                continue
            for k, item in enumerate(items):
                item[3].set_result(out[k : k + 1])


def _settle(future: asyncio.Future[Any], served: ServedModel, method: str, row: np.ndarray) -> None:
    try:
        future.set_result(_score(served, method, row))
    except Exception as exc:
        future.set_exception(exc)


# -- the app ---------------------------------------------------------------------------------


def create_app(
    holder: ModelHolder,
    options: ServeOptions,
    allowed_hosts: Sequence[str] = ("*",),
    rate_limit: RateLimiter | None = None,
) -> Starlette:
    """The scoring server as an ASGI app over an already loaded `ModelHolder`.

    With ``options.auth_file``, every request must sign in (any role may score); failed
    sign-ins are limited per client by ``rate_limit`` (default: 5 a minute).
    """
    try:
        from starlette.applications import Starlette
        from starlette.middleware import Middleware
        from starlette.routing import Route

        from ..ui import Guard
    except ImportError as error:
        raise ImportError(f"{_EXTRA_HINT} ({error})") from error
    from .. import __version__

    coalescer = Coalescer() if options.batching else None

    async def ping(request: Request) -> Response:
        return _text("\n", holder.current)

    async def version(request: Request) -> Response:
        return _text(__version__, holder.current)

    async def metadata(request: Request) -> Response:
        served = holder.current
        data = served.metadata()
        if coalescer is not None:
            data["batching"] = {"batches": coalescer.batches, "rows": coalescer.rows}
        return _json(data, 200, served)

    async def invocations(request: Request) -> Response:
        served = holder.current  # this version answers, whatever happens meanwhile
        try:
            return await _invoke(request, served, options, coalescer)
        except RequestError as exc:
            return _json(exc.body(), exc.status, served)
        except Exception:  # a fault of ours, not of the input: say so, keep serving
            traceback.print_exc(file=sys.stderr)
            body = {"error_code": "INTERNAL_ERROR", "message": "the server failed; see its log"}
            return _json(body, 500, served)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        holder.start()
        try:
            yield
        finally:
            holder.stop()

    routes = [
        Route("/ping", ping),
        Route("/health", ping),
        Route("/version", version),
        Route("/metadata", metadata),
        Route("/invocations", invocations, methods=["POST"]),
    ]
    middleware = [Middleware(Guard, allowed_hosts=list(allowed_hosts))]
    if options.auth_file is not None:
        from .._auth import Authenticator, AuthFile, RateLimiter, RequireAuth

        authenticator = Authenticator(AuthFile(options.auth_file))
        limiter = rate_limit or RateLimiter()
        middleware.append(
            Middleware(RequireAuth, authenticator=authenticator, limiter=limiter, json_errors=True)
        )
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)


async def _invoke(
    request: Request, served: ServedModel, options: ServeOptions, coalescer: Coalescer | None
) -> Response:
    from starlette.concurrency import run_in_threadpool

    raw = await _read_body(request, options.max_request_bytes)
    method = request.query_params.get("method")
    kind = request.headers.get("content-type", "application/json").partition(";")[0].strip()
    if kind == "text/csv":
        body = await run_in_threadpool(parse_csv, raw, method=method, max_rows=options.max_rows)
    elif kind == "application/json":
        body = parse_json(raw, method=method, max_rows=options.max_rows)
    else:
        raise RequestError(
            415,
            "BAD_REQUEST",
            f"content type {kind!r} is not supported; send "
            "application/json (dataframe_split, dataframe_records, instances, inputs) or text/csv",
        )
    if body.method in served.fast_methods and body.rows <= _INLINE_ROWS:
        X, fast = to_model_input(body, served)
        if fast:
            if coalescer is not None and body.rows == 1:
                out = await coalescer.submit(served, body.method, X)
            else:
                out = _score(served, body.method, X)
            return _json({"predictions": encode_predictions(out)}, 200, served)
    return await run_in_threadpool(_answer, body, served)


def _answer(body: Any, served: ServedModel) -> Response:
    X, _ = to_model_input(body, served)
    out = _score(served, body.method, X)
    return _json({"predictions": encode_predictions(out)}, 200, served)


def _score(served: ServedModel, method: str, X: Any) -> Any:
    try:
        return getattr(served.estimator, method)(X)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        # input that passed the signature but that the model refuses (NaN where it takes
        # none, ...): the client's to fix
        raise RequestError(
            422,
            "INVALID_PARAMETER_VALUE",
            f"the model refused the input: {type(exc).__name__}: {exc}",
        ) from None


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(int(declared), limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(size, limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(size: int, limit: int) -> RequestError:
    return RequestError(
        413,
        "REQUEST_LIMIT_EXCEEDED",
        f"the body ({size} bytes or more) is over this "
        f"server's limit of {limit} bytes; split the request (or start with --max-request-bytes)",
    )


def _json(data: Any, status: int, served: ServedModel) -> Response:
    from starlette.responses import Response

    content = json.dumps(data, default=str, allow_nan=False).encode()
    return Response(content, status, served.headers(), media_type="application/json")


def _text(text: str, served: ServedModel) -> Response:
    from starlette.responses import PlainTextResponse

    return PlainTextResponse(text, headers=served.headers())


# -- starting it -----------------------------------------------------------------------------


def _build(options: ServeOptions, allowed_hosts: Sequence[str]) -> Starlette:
    from .._tracking import set_store

    # the fast path hands scikit-learn the array a model fitted on a DataFrame of the same
    # columns, in order, after the probe showed the answers agree
    warnings.filterwarnings("ignore", message="X does not have valid feature names")
    if options.store is not None:
        set_store(options.store)
    holder = ModelHolder(options.uri, trusted=options.trusted, poll_seconds=options.poll_seconds)
    return create_app(holder, options, allowed_hosts)


def app_from_environment() -> Starlette:
    """The app each uvicorn worker builds (``--workers N``), from the options the parent set."""
    config = json.loads(os.environ[_ENVIRONMENT])
    return _build(ServeOptions.from_json(config["options"]), config["allowed_hosts"])


def serve(
    options: ServeOptions,
    host: str = "127.0.0.1",
    port: int = 5001,
    workers: int = 1,
    *,
    no_auth: bool = False,
    ssl_certfile: str | None = None,
    ssl_keyfile: str | None = None,
) -> None:
    """Serve ``options.uri`` until interrupted (what ``sktrack serve`` runs).

    The model is loaded before the port is bound, so a bad URI or an untrusted model fails
    at once.  A non-loopback ``host`` needs ``options.auth_file``, or an explicit ``no_auth``
    (then it is warned about).
    """
    try:
        import uvicorn

        from ..ui import LOOPBACK_HOSTS, is_loopback
    except ImportError as error:
        raise ImportError(f"{_EXTRA_HINT} ({error})") from error
    from .._auth import AuthFile, check_exposure

    exposure = check_exposure(
        host,
        auth=options.auth_file is not None,
        no_auth=no_auth,
        writes=False,
        command="sktrack serve",
    )
    if exposure.warning:
        print(exposure.warning, file=sys.stderr)
    if options.auth_file is not None:
        AuthFile(options.auth_file).users()  # a missing or damaged users file stops it here
    allowed = [*LOOPBACK_HOSTS, host] if is_loopback(host) else ["*"]
    settings: dict[str, Any] = {"host": host, "port": port, "log_level": "warning"}
    settings["access_log"] = False
    if ssl_certfile:
        settings |= {"ssl_certfile": ssl_certfile, "ssl_keyfile": ssl_keyfile}
    if workers > 1:
        from .._models import resolve_model_uri

        resolve_model_uri(options.uri)  # a bad URI fails here, not in every worker
        os.environ[_ENVIRONMENT] = json.dumps(
            {"options": options.to_json(), "allowed_hosts": allowed}
        )
        target = f"{__name__}:app_from_environment"
        uvicorn.run(target, factory=True, workers=workers, **settings)
    else:
        uvicorn.run(_build(options, allowed), **settings)
