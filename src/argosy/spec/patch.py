"""JSON merge patch (RFC 7386) and JSON patch (RFC 6902), as ``kubectl patch --type merge|json``
applies them to an object.

A resource template's ``mergeStrategy`` picks one (``strategic``, Kubernetes' default, exists
only for built-in kinds; on a ConfigMap, whose fields are maps and scalars, it is the merge
patch). Neither function modifies its arguments.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from argosy.errors import ResourceError


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: maps merge key by key, ``null`` removes a key, anything else replaces."""
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    merged = copy.deepcopy(dict(target)) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = merge_patch(merged.get(key), value)
    return merged


def _pointer(path: Any) -> list[str]:
    if not isinstance(path, str) or (path and not path.startswith("/")):
        raise ResourceError(f"json patch: invalid path {path!r}: a JSON pointer starts with '/'")
    return [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]] if path else []


def _parent(doc: Any, parts: list[str], path: str) -> tuple[Any, str]:
    node = doc
    for part in parts[:-1]:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            raise ResourceError(f"json patch: path {path!r} does not exist")
    return node, parts[-1]


def _index(container: list[Any], key: str, path: str, *, append: bool) -> int:
    if append and key == "-":
        return len(container)
    if not key.isdigit() or int(key) > len(container) - (0 if append else 1):
        raise ResourceError(f"json patch: index {key!r} of {path!r} is out of range")
    return int(key)


def _get(doc: Any, path: str) -> Any:
    parts = _pointer(path)
    if not parts:
        return doc
    container, key = _parent(doc, parts, path)
    if isinstance(container, dict) and key in container:
        return container[key]
    if isinstance(container, list):
        return container[_index(container, key, path, append=False)]
    raise ResourceError(f"json patch: path {path!r} does not exist")


def _remove(doc: Any, path: str) -> Any:
    parts = _pointer(path)
    if not parts:
        raise ResourceError("json patch: cannot remove the whole document")
    container, key = _parent(doc, parts, path)
    if isinstance(container, dict) and key in container:
        return container.pop(key)
    if isinstance(container, list):
        return container.pop(_index(container, key, path, append=False))
    raise ResourceError(f"json patch: path {path!r} does not exist")


def _add(doc: Any, path: str, value: Any, *, replace: bool = False) -> Any:
    parts = _pointer(path)
    if not parts:
        return value
    container, key = _parent(doc, parts, path)
    if isinstance(container, dict):
        if replace and key not in container:
            raise ResourceError(f"json patch: replace of {path!r}: it does not exist")
        container[key] = value
    elif isinstance(container, list):
        at = _index(container, key, path, append=not replace)
        if replace:
            container[at] = value
        else:
            container.insert(at, value)
    else:
        raise ResourceError(f"json patch: path {path!r} does not exist")
    return doc


def json_patch(target: Any, operations: Any) -> Any:
    """RFC 6902: apply ``add``, ``remove``, ``replace``, ``move``, ``copy``, ``test`` in order;
    ResourceError (naming the operation) when one cannot be applied, and nothing is changed."""
    if not isinstance(operations, list):
        raise ResourceError("json patch: the patch must be a list of operations "
                            "(- op: add\n  path: /metadata/labels/foo\n  value: bar)")
    doc = copy.deepcopy(target)
    for i, op in enumerate(operations):
        if not isinstance(op, Mapping) or "op" not in op or "path" not in op:
            raise ResourceError(f"json patch: operation {i} needs 'op' and 'path'")
        kind, path = op["op"], op["path"]
        if kind in ("add", "replace", "test") and "value" not in op:
            raise ResourceError(f"json patch: operation {i} ({kind}) needs 'value'")
        if kind == "add":
            doc = _add(doc, path, copy.deepcopy(op["value"]))
        elif kind == "replace":
            doc = _add(doc, path, copy.deepcopy(op["value"]), replace=True)
        elif kind == "remove":
            _remove(doc, path)
        elif kind in ("move", "copy"):
            value = _remove(doc, op.get("from")) if kind == "move" else copy.deepcopy(_get(doc, op.get("from")))
            doc = _add(doc, path, value)
        elif kind == "test":
            if _get(doc, path) != op["value"]:
                raise ResourceError(f"json patch: test of {path!r} failed")
        else:
            raise ResourceError(f"json patch: unknown op {kind!r} (add, remove, replace, move, copy, test)")
    return doc
