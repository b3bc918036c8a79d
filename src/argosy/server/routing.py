"""How a service declares its endpoints: ``api_route(method, path, handler, verb=...)``.

A handler is ``async def handler(call: Call) -> object``: it returns the response body as
plain data (or raises an ``ArgosyError``). The wrapper around it does what every endpoint
shares: authorisation of ``verb`` in the path's namespace (``argosy.server.auth``), reading
the JSON body, encoding the answer (``argosy.server.encoding``) and turning errors into
grpc-gateway's body (``argosy.server.status``).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from argosy.errors import ArgosyError, InvalidArgument
from argosy.server.encoding import ArgoJSON
from argosy.server.status import response_for

if TYPE_CHECKING:
    from argosy.server.state import Services

log = logging.getLogger("argosy.server")


class Verb(StrEnum):
    """What a request does, as token scopes name it (Kubernetes' verbs)."""

    GET = "get"
    LIST = "list"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    WATCH = "watch"


@dataclass(slots=True)
class Call:
    """One API call: the request, the server's services, and the path's namespace."""

    request: Request
    services: Services
    namespace: str | None

    @property
    def list_namespace(self) -> str | None:
        """The namespace a list is confined to: the path's, else ``--namespaced``'s (None: all)."""
        return self.namespace or self.services.config.managed_namespace

    def path(self, name: str) -> str:
        return str(self.request.path_params[name])

    def query(self, name: str, default: str | None = None) -> str | None:
        return self.request.query_params.get(name, default)

    async def body(self) -> dict[str, Any]:
        """The JSON body as an object ({} when empty); InvalidArgument when it is not JSON."""
        raw = await self.request.body()
        if not raw.strip():
            return {}
        try:
            value = json.loads(raw)
        except ValueError as err:
            raise InvalidArgument(f"the request body is not JSON: {err}") from err
        if not isinstance(value, dict):
            raise InvalidArgument("the request body must be a JSON object")
        return value


Handler = Callable[[Call], Awaitable[Any]]


def api_route(method: str, path: str, handler: Handler, *, verb: Verb) -> Route:
    """An endpoint of Argo's API: ``handler`` behind auth, JSON and error mapping."""

    async def endpoint(request: Request) -> Response:
        services: Services = request.app.state.services
        namespace = request.path_params.get("namespace")
        try:
            services.authorizer.check(request, verb, namespace)
            result = await handler(Call(request, services, namespace))
        except ArgosyError as err:
            return response_for(err)
        except Exception as err:  # a bug answers 500 with its type, the traceback goes to the log
            log.exception("%s %s failed", method, request.url.path)
            return response_for(err)
        if isinstance(result, Response):
            return result
        return ArgoJSON(result if result is not None else {})

    endpoint.__name__ = handler.__name__
    return Route(path, endpoint, methods=[method])
