"""The web UI: its built assets (``ui_assets/``, built from ``ui/`` at the repo root by
``npm run build``) served at ``/``, and ``index.html`` for every UI route, so a deep link
such as ``/workflows/{namespace}/{name}`` loads the app, which then routes in the browser.

``--base-href`` is Argo's option for a server behind a reverse proxy under a sub-path:
``index.html``'s ``<base href>`` says it, and the app resolves its assets, its API calls and
its routes against that base. Argo's proxies strip the prefix before the request reaches the
server; requests that still carry it are accepted too (the prefix is stripped here), so the
same links work with and without a rewriting proxy.

The UI calls nothing but Argo's public REST API and its streams. Beside the assets, as Argo
Server ships it, ``assets/openapi-spec/swagger.json`` describes that API (``argosy.server.openapi``,
made from the app's routes); the UI's ``/apidocs`` page reads it.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from argosy.server import openapi
from argosy.server.status import Code, error_response

if TYPE_CHECKING:
    from starlette.applications import Starlette
    from starlette.types import ASGIApp, Receive, Scope, Send

    from argosy.server.config import ServerConfig

ASSETS = Path(__file__).with_name("ui_assets")

#: the first path segment of every page of the app (Argo's UI's, plus ``submit``)
UI_ROUTES = ("workflows", "workflow-templates", "cluster-workflow-templates", "cron-workflows",
             "archived-workflows", "workflow-event-bindings", "event-flow", "event-sources", "sensors",
             "userinfo", "apidocs", "reports", "login", "submit", "plugins")

_BASE_TAG = '<base href="/" />'

#: where Argo Server serves its OpenAPI description (its UI's API docs page reads it)
SWAGGER_PATH = "/assets/openapi-spec/swagger.json"


def base_href(config: ServerConfig) -> str:
    """``--base-href`` (else Argo's ``BASE_HREF`` environment variable), always with slashes round it."""
    value = getattr(config, "base_href", "/")
    if value.strip("/") == "":
        value = os.environ.get("BASE_HREF") or "/"
    return "/" + value.strip("/") + "/" if value.strip("/") else "/"


def index_html(base: str) -> bytes | None:
    """index.html with its ``<base href>``; None when the assets were not built."""
    try:
        # keyed on the file's time too: a rebuild under a running server serves the new assets
        return _index_html(base, (ASSETS / "index.html").stat().st_mtime_ns)
    except FileNotFoundError:
        return None


@lru_cache(maxsize=8)
def _index_html(base: str, mtime: int) -> bytes:
    text = (ASSETS / "index.html").read_text()
    return text.replace(_BASE_TAG, f'<base href="{_escape(base)}" />', 1).encode()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def install(app: Starlette, config: ServerConfig) -> None:
    """Serve the UI from ``app``: its pages and assets after the API's routes, under ``--base-href``."""
    base = base_href(config)

    async def page(request: Request) -> Response:
        body = index_html(base)
        if body is None:
            return error_response(Code.NOT_FOUND, "the web UI's assets are not built: run scripts/install "
                                  "(or `npm ci && npm run build` in ui/)")
        # never cached: it names the hashed assets of this build
        return HTMLResponse(body, headers={"Cache-Control": "no-cache"})

    async def asset(request: Request) -> Response:
        name = request.path_params["path"]
        path = (ASSETS / "assets" / name).resolve()
        if not path.is_relative_to((ASSETS / "assets").resolve()) or not path.is_file():
            return error_response(Code.NOT_FOUND, f"no UI asset {name!r}")
        # file names carry a content hash: cache for a year
        return FileResponse(path, headers={"Cache-Control": "public, max-age=31536000, immutable"})

    own: list[Route] = []
    swagger: list[dict[str, Any]] = []  # made once, on first use: the routes are fixed by then

    async def swagger_json(request: Request) -> Response:
        if not swagger:
            swagger.append(openapi.document(r for r in request.app.router.routes if r not in own))
        return JSONResponse(swagger[0], headers={"Cache-Control": "no-cache"})

    own.extend([
        Route("/", page, methods=["GET", "HEAD"]),
        Route(SWAGGER_PATH, swagger_json, methods=["GET", "HEAD"]),
        Route("/assets/{path:path}", asset, methods=["GET", "HEAD"]),
        *(Route(f"/{prefix}{{rest:path}}", page, methods=["GET", "HEAD"]) for prefix in UI_ROUTES),
    ])
    app.router.routes.extend(own)
    if base != "/":
        app.add_middleware(StripBaseHref, base=base)


class StripBaseHref:
    """Accept requests that still carry ``--base-href``'s prefix (no rewriting proxy in front)."""

    def __init__(self, app: ASGIApp, base: str) -> None:
        self.app = app
        self.prefix = base.rstrip("/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            path: str = scope["path"]
            if path == self.prefix or path.startswith(self.prefix + "/"):
                scope = dict(scope, path=path[len(self.prefix):] or "/", root_path=scope.get("root_path", "") + self.prefix)
        await self.app(scope, receive, send)
