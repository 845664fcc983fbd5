"""The Starlette app: routes, pages and the write actions.

Every handler reads and writes through sktrack's public API, in a worker thread (the store's
reads block) with the UI's store selected.  Pages are rendered by Jinja2 with autoescaping;
the few scripts are static files.
"""

from __future__ import annotations

import contextlib
import mimetypes
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar
from urllib.parse import quote, urlencode

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

import sktrack
from sktrack import registry
from sktrack._store import Store
from sktrack.exceptions import (
    ArtifactNotFoundError,
    InvalidArgumentError,
    NotFoundError,
    RunNotFoundError,
    SktrackError,
)

from .._auth import Authenticator, AuthFile, RateLimiter, RequireAuth, SignedIn, scope_user
from .._tracking import scoped_defaults
from . import _chart_view, _curves, _details, _format, _history, _runs
from ._security import (
    ARTIFACT_HEADERS,
    CSRF_FIELD,
    Guard,
    cross_site_reason,
    new_token,
    token_matches,
)

__all__ = ["build_app"]

_HERE = Path(__file__).parent
_STAGES = ("None", "Staging", "Production", "Archived")
_VERBS = {
    "register": "register models",
    "describe": "change descriptions",
    "stage": "move stages",
    "alias": "set or remove aliases",
}
T = TypeVar("T")


@dataclass(frozen=True)
class _UI:
    """What every handler needs: the store, the mode, the CSRF token, the templates, and
    whether users sign in."""

    store: Store
    read_only: bool
    token: str
    templates: Jinja2Templates
    auth: bool = False

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run ``fn`` in a worker thread, with this UI's store as sktrack's store."""
        return await self.call_as(None, fn, *args, **kwargs)

    async def call_as(
        self, user: SignedIn | None, fn: Callable[..., T], *args: Any, **kwargs: Any
    ) -> T:
        """`call`, with the registry recording its changes under ``user``'s name."""

        def run() -> T:
            # this call's choice only, not the process's
            with scoped_defaults(user=user.name if user else None):
                sktrack.set_store(self.store)
                return fn(*args, **kwargs)

        return await run_in_threadpool(run)

    def may(self, request: Request, action: str) -> bool:
        """Whether this request may take ``action`` (hidden in the pages, refused if sent)."""
        if self.read_only and action != "browse":
            return False
        user = scope_user(request.scope)
        return not self.auth or (user is not None and user.may(action))

    def render(
        self, request: Request, template: str, context: Mapping[str, Any], status: int = 200
    ) -> Response:
        return self.templates.TemplateResponse(request, template, dict(context), status_code=status)


def build_app(
    store: Store,
    *,
    read_only: bool,
    allowed_hosts: Sequence[str],
    auth: AuthFile | None = None,
    rate_limit: RateLimiter | None = None,
) -> Starlette:
    """The UI for ``store``; see `sktrack.ui.create_app`."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_HERE / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_format.printable,
    )
    env.filters.update(_format.FILTERS)
    env.globals.update(duration=_format.duration, stages=_STAGES, csrf_field=CSRF_FIELD)
    ui = _UI(store, read_only, new_token(), Jinja2Templates(env=env), auth is not None)
    ui.templates.context_processors.append(
        lambda request: {
            "ui": ui,
            "path": _path_for(request),
            "store_location": store.location,
            "user": scope_user(request.scope),
            "can": lambda action: ui.may(request, action),
        }
    )
    middleware = [Middleware(Guard, allowed_hosts=allowed_hosts)]
    if auth is not None:
        limiter = rate_limit or RateLimiter()
        middleware.append(
            Middleware(RequireAuth, authenticator=Authenticator(auth), limiter=limiter)
        )
    app = Starlette(
        routes=_routes(),
        lifespan=_read_store_at_start,
        middleware=middleware,
        exception_handlers={SktrackError: _error_page},
    )
    app.state.ui = ui
    return app


@contextlib.asynccontextmanager
async def _read_store_at_start(app: Starlette) -> AsyncIterator[None]:
    """Read the store once before serving, so the first page does not wait for it."""
    await app.state.ui.call(sktrack.list_experiments)
    yield


def _path_for(request: Request) -> Callable[..., str]:
    """The templates' ``path(route, **params)``: a URL path (no host, so proxies work)."""

    def path(route: str, /, **params: Any) -> str:
        return str(request.app.url_path_for(route, **params))

    return path


def _routes() -> list[Route | Mount]:
    return [
        Route("/", home, name="home"),
        Route("/experiments/{experiment_id}", runs, name="runs"),
        Route("/compare", compare, name="compare"),
        Route("/runs/{run_id}", run, name="run"),
        Route("/runs/{run_id}/artifacts/{path:path}", artifact, name="artifact"),
        Route("/runs/{run_id}/register", register, methods=["POST"], name="register"),
        Route("/models", models, name="models"),
        Route("/models/{name}", model, name="model"),
        Route("/models/{name}/description", describe, methods=["POST"], name="describe"),
        Route(
            "/models/{name}/versions/{version:int}/stage",
            transition,
            methods=["POST"],
            name="transition",
        ),
        Route("/models/{name}/aliases", set_alias, methods=["POST"], name="set_alias"),
        Route(
            "/models/{name}/aliases/{alias}/delete",
            delete_alias,
            methods=["POST"],
            name="delete_alias",
        ),
        Route("/api/progress", progress, name="progress"),
        Mount("/static", StaticFiles(directory=_HERE / "static"), name="static"),
    ]


def _ui(request: Request) -> _UI:
    ui: _UI = request.app.state.ui
    return ui


async def _error_page(request: Request, error: Exception) -> Response:
    if isinstance(error, NotFoundError):
        status, title = 404, "Not found"
    elif isinstance(error, InvalidArgumentError):
        status, title = 400, "Cannot do that"
    else:
        status, title = 500, "The store could not be read"
    # a link back to the page the user came from, if it is a page of this UI
    back = request.headers.get("referer", "")
    if cross_site_reason(request) is not None or not back.startswith(str(request.base_url)):
        back = ""
    context = {"title": title, "message": str(error), "back": back}
    return _ui(request).render(request, "error.html", context, status)


# -- pages --------------------------------------------------------------------------------


async def home(request: Request) -> Response:
    summaries = await _ui(request).call(_runs.experiment_summaries)
    return _ui(request).render(request, "experiments.html", {"experiments": summaries})


async def runs(request: Request) -> Response:
    query = request.query_params
    page = await _ui(request).call(
        _runs_page,
        request.path_params["experiment_id"],
        filter_string=query.get("filter", ""),
        order=query.get("order", ""),
        page=_int(query.get("page"), 1),
        per_page=_int(query.get("per_page"), 50),
        columns=query.getlist("col"),
    )

    def link(**changes: Any) -> str:
        """This page's URL with some query parameters changed (None removes one)."""
        items = [(k, v) for k, v in query.multi_items() if k not in changes]
        items += [(k, v) for k, v in changes.items() if v not in (None, "")]
        return f"{request.url.path}?{urlencode(items)}"

    view = "chart" if query.get("view") == "chart" else "table"
    context = {"p": page, "link": link, "order_key": _runs.order_key, "sizes": _runs.PAGE_SIZES}
    context |= {"view": view, "chart": None}
    if view == "chart":
        context["chart"] = await _ui(request).call(
            _chart_view.chart_view,
            page.experiment,
            filter_string=query.get("filter", ""),
            metric=query.get("metric", ""),
            param=query.get("param", ""),
        )
    return _ui(request).render(request, "runs.html", context)


def _runs_page(experiment_id: str, **options: Any) -> _runs.RunsPage:
    experiment = _runs.experiment_by_id(experiment_id)
    if options["per_page"] not in _runs.PAGE_SIZES:
        options["per_page"] = 50
    return _runs.runs_page(experiment, **options)


async def compare(request: Request) -> Response:
    run_ids = request.query_params.getlist("run")
    metric = request.query_params.get("metric", "")
    comparison = await _ui(request).call(_details.comparison, run_ids, metric)
    labels = {row.run_id: row.name for row in comparison.rows}
    curves = await _ui(request).call(_curves.compare_curves, list(labels), labels)
    return _ui(request).render(request, "compare.html", {"c": comparison, "curves": curves})


async def run(request: Request) -> Response:
    detail = await _ui(request).call(_details.run_detail, request.path_params["run_id"])
    curves = await _ui(request).call(_curves.run_curves, detail.run.run_id)
    return _ui(request).render(request, "run.html", {"d": detail, "curves": curves})


async def models(request: Request) -> Response:
    found = await _ui(request).call(_registered_models)
    return _ui(request).render(request, "models.html", {"models": found})


def _registered_models() -> list[tuple[registry.RegisteredModel, int]]:
    return [
        (m, len(registry.list_model_versions(m.name))) for m in registry.list_registered_models()
    ]


async def model(request: Request) -> Response:
    name = request.path_params["name"]
    state = await _ui(request).call(_model_state, name)
    context = {
        "m": state.model,
        "versions": state.versions,
        "events": state.events,
        "run_names": state.run_names,
    }
    return _ui(request).render(request, "model.html", context)


@dataclass(frozen=True)
class _ModelState:
    model: registry.RegisteredModel
    versions: list[sktrack.ModelVersion]  # newest first
    events: list[_history.HistoryEntry]  # newest first, registrations included
    run_names: dict[str, str]  # the source runs still in the store


def _model_state(name: str) -> _ModelState:
    versions = list(reversed(registry.list_model_versions(name)))
    names = {}
    for run_id in {mv.run_id for mv in versions if mv.run_id}:
        try:
            names[run_id] = sktrack.get_run(run_id).info.run_name
        except RunNotFoundError:
            continue  # the registry keeps its own copy of the model; the run may be gone
    return _ModelState(
        registry.get_registered_model(name),
        versions,
        _history.model_history(versions, registry.list_events(name)),
        names,
    )


# -- artifacts ----------------------------------------------------------------------------


async def artifact(request: Request) -> Response:
    """One artifact of a run: only a path the run lists, so nothing outside the store."""
    run_id, path = request.path_params["run_id"], request.path_params["path"]
    parts = PurePosixPath(path).parts
    if not parts or ".." in parts or path.startswith("/") or "\\" in path:
        return PlainTextResponse(
            f"artifact path {path!r} leaves the run's folder; it was refused", status_code=400
        )
    data = await _ui(request).call(_artifact_bytes, run_id, path)
    suffix = PurePosixPath(path).suffix.lower()
    inline = request.query_params.get("inline") == "1" and suffix in _details.IMAGE_TYPES
    headers = dict(ARTIFACT_HEADERS)
    disposition = "inline" if inline else "attachment"
    headers["content-disposition"] = f"{disposition}; filename*=UTF-8''{quote(parts[-1])}"
    media = _details.IMAGE_TYPES[suffix] if inline else _media_type(path)
    return Response(data, media_type=media, headers=headers)


def _artifact_bytes(run_id: str, path: str) -> bytes:
    run_id = _details.check_run_ids([run_id])[0]
    sktrack.get_run(run_id)
    if path not in sktrack.list_artifacts(run_id):
        raise ArtifactNotFoundError(f"run {run_id} has no artifact {path!r}")
    return sktrack.read_artifact(run_id, path)


def _media_type(path: str) -> str:
    guessed, _ = mimetypes.guess_type(path)
    return guessed or "application/octet-stream"


# -- writes -------------------------------------------------------------------------------


async def _checked_form(request: Request, action: str) -> FormData | Response:
    """The form of a write, or the refusal: read-only mode, a role that may not, a
    cross-site request, no token."""
    ui = _ui(request)
    if ui.read_only:
        return PlainTextResponse("This UI is read-only: it changes nothing.", status_code=403)
    if not ui.may(request, action):
        user = scope_user(request.scope)
        role = user.role.value if user else "nobody"
        return PlainTextResponse(
            f"Refused: {user.name if user else 'this user'} is a {role}, who may not {_VERBS[action]}. "
            "Ask an admin for another role (`sktrack users set-role`).",
            status_code=403,
        )
    reason = cross_site_reason(request)
    if reason is not None:
        return PlainTextResponse(f"Refused a cross-site request: {reason}.", status_code=403)
    form = await request.form()
    if not token_matches(form.get(CSRF_FIELD), ui.token):
        return PlainTextResponse(
            "Refused: the form's security token is missing or out of date. Reload the page "
            "and try again.",
            status_code=403,
        )
    return form


async def register(request: Request) -> Response:
    form = await _checked_form(request, "register")
    if isinstance(form, Response):
        return form
    run_id = request.path_params["run_id"]
    version = await _ui(request).call_as(
        scope_user(request.scope),
        _register,
        run_id,
        _text(form, "model"),
        _text(form, "name").strip(),
        _text(form, "description"),
    )
    target = request.app.url_path_for("model", name=version.name)
    return RedirectResponse(f"{target}#v{version.version}", status_code=303)


def _register(run_id: str, folder: str, name: str, description: str) -> sktrack.ModelVersion:
    detail_models = _details.run_detail(run_id).models
    if folder not in {m.name for m in detail_models}:
        names = ", ".join(repr(m.name) for m in detail_models) or "none"
        raise InvalidArgumentError(f"run {run_id} has no model {folder!r}; its models: {names}")
    return registry.register_model(
        f"runs:/{run_id}/{folder}", name, description=description or None
    )


async def transition(request: Request) -> Response:
    form = await _checked_form(request, "stage")
    if isinstance(form, Response):
        return form
    name, version = request.path_params["name"], request.path_params["version"]
    archive = form.get("archive_existing") == "on"
    await _ui(request).call_as(
        scope_user(request.scope),
        registry.transition_stage,
        name,
        version,
        _text(form, "stage"),
        archive,
    )
    return _back_to_model(request, name)


async def set_alias(request: Request) -> Response:
    form = await _checked_form(request, "alias")
    if isinstance(form, Response):
        return form
    name = request.path_params["name"]
    version = _int(_text(form, "version"), 0)
    alias = _text(form, "alias").strip()
    await _ui(request).call_as(scope_user(request.scope), registry.set_alias, name, alias, version)
    return _back_to_model(request, name)


async def delete_alias(request: Request) -> Response:
    form = await _checked_form(request, "alias")
    if isinstance(form, Response):
        return form
    name, alias = request.path_params["name"], request.path_params["alias"]
    await _ui(request).call_as(scope_user(request.scope), registry.delete_alias, name, alias)
    return _back_to_model(request, name)


async def describe(request: Request) -> Response:
    form = await _checked_form(request, "describe")
    if isinstance(form, Response):
        return form
    name = request.path_params["name"]
    description = _text(form, "description")
    await _ui(request).call_as(
        scope_user(request.scope), registry.update_registered_model, name, description
    )
    return _back_to_model(request, name)


def _back_to_model(request: Request, name: str) -> Response:
    return RedirectResponse(request.app.url_path_for("model", name=name), status_code=303)


# -- the progress of running searches -----------------------------------------------------


async def progress(request: Request) -> Response:
    run_ids = request.query_params.getlist("run")[:200]
    states = await _ui(request).call(_progress, run_ids)
    return JSONResponse({"runs": states})


def _progress(run_ids: list[str]) -> dict[str, dict[str, Any]]:
    out = {}
    for run_id in _details.check_run_ids(run_ids):
        found = sktrack.get_run(run_id)
        state = _runs.progress_of(found.tags)
        out[run_id] = {
            "status": str(found.info.status),
            "done": state.done if state else None,
            "total": state.total if state else None,
            "phase": state.phase if state else None,
        }
    return out


def _text(form: FormData, key: str) -> str:
    value = form.get(key)
    return value if isinstance(value, str) else ""


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default
