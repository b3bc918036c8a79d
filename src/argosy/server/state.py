"""What every handler reaches: the Controller, the store, the configuration, the authorizer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from argosy.server.config import ServerConfig

if TYPE_CHECKING:
    from argosy.controller import Controller
    from argosy.server.auth import Authorizer
    from argosy.store.api import Store


@dataclass(slots=True)
class Services:
    controller: Controller
    store: Store
    config: ServerConfig
    authorizer: Authorizer
