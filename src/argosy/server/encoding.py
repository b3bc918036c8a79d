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

from argosy.spec import any_string


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


#: the fields of a parameter that Argo types as ``AnyString`` (written as JSON strings)
_STRING_FIELDS = ("value", "default")


def parameter_strings(value: Any) -> Any:
    """``value`` with every parameter's ``value``, ``default`` and ``enum`` items as strings,
    at every depth (``value: 3`` in YAML is ``"3"`` in Argo's JSON; typed clients want strings)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "parameters" and isinstance(item, list):
                out[key] = [_parameter(p) for p in item]
            else:
                out[key] = parameter_strings(item)
        return out
    if isinstance(value, list):
        return [parameter_strings(v) for v in value]
    return value


def _parameter(param: Any) -> Any:
    if not isinstance(param, dict):
        return param
    out = parameter_strings(param)
    for field in _STRING_FIELDS:
        if field in out and out[field] is not None and not isinstance(out[field], str):
            out[field] = _any_string(out[field])
    if isinstance(out.get("enum"), list):
        out["enum"] = [e if isinstance(e, str) else _any_string(e) for e in out["enum"]]
    return out


def _any_string(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return any_string(value) or ""


def dumps(value: Any) -> bytes:
    return json.dumps(without_nulls(value), separators=(",", ":"), ensure_ascii=False).encode()


class ArgoJSON(Response):
    """A JSON response encoded by the rules above."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content)
