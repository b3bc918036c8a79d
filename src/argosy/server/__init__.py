"""The server room: Argo Server's REST API over the Controller and the store (design.md).

``create_app(controller, store, config)`` builds the Starlette app; ``serve`` runs it and the
Controller in one process (``argosy server``). One module per Argo service (``workflows``,
``templates``, ``cluster_templates``, ``cron``, ``info``, ...), each a list of ``routes``
built with :func:`argosy.server.routing.api_route`.
"""

from __future__ import annotations

from argosy.server.app import create_app
from argosy.server.config import AuthMode, ServerConfig

__all__ = ["AuthMode", "ServerConfig", "create_app"]
