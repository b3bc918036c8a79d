"""``create_app(controller, store, config)``: the Starlette app serving Argo's REST API."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from argosy.server import (
    archive,
    artifacts,
    children,
    cluster_templates,
    configmaps,
    cron,
    event_bindings,
    events,
    info,
    logs,
    metrics,
    sync,
    templates,
    ui,
    workflow_actions,
    workflows,
)
from argosy.server.auth import Authorizer, TokenAuthorizer, load_tokens
from argosy.server.config import AuthMode, ServerConfig
from argosy.server.state import Services
from argosy.server.status import Code, error_response

if TYPE_CHECKING:
    from argosy.controller import Controller
    from argosy.store.api import Store

#: every service, in the order its routes are matched
SERVICES = (info, events, logs, workflow_actions, workflows, templates, cluster_templates, cron, configmaps,
            archive, artifacts, event_bindings, metrics, children, sync)


def create_app(controller: Controller, store: Store, config: ServerConfig,
               authorizer: Authorizer | None = None) -> Starlette:
    """The API over ``controller`` and ``store``; the caller runs the Controller's loop."""
    routes: list[BaseRoute] = [route for service in SERVICES for route in service.routes]
    app = Starlette(routes=routes, exception_handlers={404: _not_found, 405: _not_allowed})
    ui.install(app, config)  # the web UI at / (argosy.server.ui), after the API's routes
    app.state.services = Services(controller, store, config, authorizer or authorizer_for(config))
    return app


def authorizer_for(config: ServerConfig) -> Authorizer:
    """``--auth-mode``'s authorizer (client mode reads the tokens file now: a bad one stops start-up)."""
    if config.auth_mode is AuthMode.CLIENT and config.tokens_file is not None:
        return TokenAuthorizer(load_tokens(config.tokens_file), config.managed_namespace)
    return Authorizer(config.managed_namespace)


async def _not_found(request: Request, exc: Exception) -> Response:
    # grpc-gateway answers an unknown path with NotFound and this message
    return error_response(Code.NOT_FOUND, "Not Found")


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return error_response(Code.UNIMPLEMENTED, "Method Not Allowed")
