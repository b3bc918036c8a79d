"""Argo's ``fields`` parameter: keep only some fields of an answer, or drop some.

``fields=metadata.name,status.phase`` keeps those paths (and nothing else);
``fields=-status.nodes`` (every path with a leading ``-``) keeps everything but those. A path
crosses lists: ``items.metadata.name`` keeps the name of each item of a list answer. This is
what Argo's UI sends to keep list and get answers small.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: a parsed ``fields``: (exclude?, paths split on '.')
Fields = tuple[bool, tuple[tuple[str, ...], ...]]


def parse_fields(text: str | None) -> Fields | None:
    """None when no projection was asked for."""
    parts = [p.strip() for p in (text or "").split(",") if p.strip()]
    if not parts:
        return None
    exclude = all(p.startswith("-") for p in parts)
    return exclude, tuple(tuple(p.lstrip("-").split(".")) for p in parts)


def needs(fields: Fields | None, path: str, *, prefix: str = "") -> bool:
    """Whether an answer projected by ``fields`` can contain ``path`` (e.g. to skip reading nodes)."""
    if fields is None:
        return True
    exclude, paths = fields
    wanted = tuple((prefix + path).split("."))
    if exclude:
        return not any(wanted[:len(p)] == p for p in paths)
    return any(wanted[:len(p)] == p or p[:len(wanted)] == wanted for p in paths)


def project(value: Any, fields: Fields | None) -> Any:
    if fields is None:
        return value
    exclude, paths = fields
    if exclude:
        for path in paths:
            value = _drop(value, path)
        return value
    return _keep(value, paths)


def _keep(value: Any, paths: Iterable[tuple[str, ...]]) -> Any:
    paths = list(paths)
    if any(not p for p in paths):
        return value  # the whole of this value was asked for
    if isinstance(value, list):
        return [_keep(v, paths) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key in dict.fromkeys(p[0] for p in paths):
        if key in value:
            out[key] = _keep(value[key], [p[1:] for p in paths if p[0] == key])
    return out


def _drop(value: Any, path: tuple[str, ...]) -> Any:
    if isinstance(value, list):
        return [_drop(v, path) for v in value]
    if not isinstance(value, dict) or path[0] not in value:
        return value
    out = dict(value)
    if len(path) == 1:
        del out[path[0]]
    else:
        out[path[0]] = _drop(value[path[0]], path[1:])
    return out
