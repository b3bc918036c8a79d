"""How the API writes JSON: as grpc-gateway writes Argo's protobuf messages.

- a field whose value is null is left out (Argo's generated clients reject ``null``);
- timestamps are RFC 3339 in UTC with ``Z`` (``2026-12-01T10:00:00Z``);
- everything else passes through as the store and the engine wrote it (their status is
  already Argo's shape, with ``exitCode`` and parameter values as strings).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from starlette.responses import Response


def rfc3339(moment: datetime | float) -> str:
    """``moment`` (aware datetime or seconds since the epoch) as Argo writes a Time."""
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(moment, UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def without_nulls(value: Any) -> Any:
    """``value`` with every null field (and null list item) removed, at every depth."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [without_nulls(v) for v in value if v is not None]
    if isinstance(value, datetime):
        return rfc3339(value)
    return value


def dumps(value: Any) -> bytes:
    return json.dumps(without_nulls(value), separators=(",", ":"), ensure_ascii=False).encode()


class ArgoJSON(Response):
    """A JSON response encoded by the rules above."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)
