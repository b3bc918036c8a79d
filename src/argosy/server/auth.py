"""Who may call: ``--auth-mode server`` lets every caller in (the server refuses to listen
beyond loopback then); ``--auth-mode client`` wants ``Authorization: Bearer <token>``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from starlette.requests import Request

if TYPE_CHECKING:
    from argosy.server.routing import Verb


class Authorizer:
    """``--auth-mode server``: every call is allowed."""

    def check(self, request: Request, verb: Verb, namespace: str | None) -> None:
        return None

    def user_info(self, request: Request) -> dict[str, Any]:
        """Argo's ``GetUserInfoResponse`` for the caller (empty: the server's own identity)."""
        return {}
