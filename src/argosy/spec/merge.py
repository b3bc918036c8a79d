"""Kubernetes strategic merge, as Argo uses it for ``templateDefaults`` and ``workflowTemplateRef``.

Maps merge key by key, the patch winning; lists are replaced, except the lists Kubernetes
and Argo tag ``patchStrategy: merge``, which merge item by item on their merge key (env
vars by ``name``, volume mounts by ``mountPath``, ...). A ``null`` in the patch counts as
unset, since Argo's Go structs never serialise one.
"""

from __future__ import annotations

import copy
from typing import Any

#: List fields merged item by item, and the key identifying an item (patchMergeKey).
MERGE_KEYS: dict[str, str] = {
    "templates": "name",
    "parameters": "name",
    "artifacts": "name",
    "volumes": "name",
    "initContainers": "name",
    "sidecars": "name",
    "imagePullSecrets": "name",
    "env": "name",
    "volumeMounts": "mountPath",
    "volumeDevices": "devicePath",
    "ports": "containerPort",
    "tolerations": "key",
    "hostAliases": "ip",
}


def strategic_merge(original: Any, patch: Any, field: str | None = None) -> Any:
    """``patch`` merged onto ``original`` (neither is modified)."""
    if patch is None:
        return copy.deepcopy(original)
    if isinstance(original, dict) and isinstance(patch, dict):
        merged = copy.deepcopy(original)
        for key, value in patch.items():
            if value is None:
                continue
            merged[key] = strategic_merge(original.get(key), value, key) if key in original else copy.deepcopy(value)
        return merged
    if isinstance(original, list) and isinstance(patch, list) and field in MERGE_KEYS:
        return _merge_list(original, patch, MERGE_KEYS[field])
    return copy.deepcopy(patch)


def _merge_list(original: list[Any], patch: list[Any], key: str) -> list[Any]:
    merged = [copy.deepcopy(item) for item in original]
    positions = {
        item.get(key): i for i, item in enumerate(merged) if isinstance(item, dict) and key in item
    }
    for item in patch:
        if isinstance(item, dict) and key in item and item[key] in positions:
            at = positions[item[key]]
            merged[at] = strategic_merge(merged[at], item)
        else:
            merged.append(copy.deepcopy(item))
    return merged
