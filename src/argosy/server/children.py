"""Child workflows of a workflow: ``GET /api/v1/argosy/workflows/{namespace}/{name}/children``.

Argosy-only (Argo has no such call): the Workflows a parent's resource nodes created, each with
the id of the node that created it, so a client (the web UI) links a parent node to its child
in one request. The same links are on the children themselves (``argosy.runtime.resource``'s
label and annotations), which is where this reads them.
"""

from __future__ import annotations

from typing import Any

from argosy.errors import NotFound
from argosy.runtime.resource import PARENT_NODE_ANNOTATION, PARENT_UID_LABEL
from argosy.server.routing import Call, Verb, api_route


async def list_children(call: Call) -> dict[str, Any]:
    store = call.services.store
    namespace = call.namespace or "default"
    name = call.path("name")
    parent = store.find_workflow(namespace, name, with_nodes=False)
    if parent is None:
        raise NotFound(name)
    page = store.list_workflows(None, label_selector=f"{PARENT_UID_LABEL}={parent.uid}")
    items = []
    for child in sorted(page.items, key=lambda r: (r.created_at, r.name)):
        meta = child.manifest.get("metadata") or {}
        owners = meta.get("ownerReferences") or ()
        items.append({
            "name": child.name, "namespace": child.namespace, "uid": child.uid, "phase": child.phase,
            "nodeId": (meta.get("annotations") or {}).get(PARENT_NODE_ANNOTATION, ""),
            "owned": any(isinstance(o, dict) and o.get("uid") == parent.uid for o in owners),
        })
    return {"items": items}


routes = [
    api_route("GET", "/api/v1/argosy/workflows/{namespace}/{name}/children", list_children, verb=Verb.GET),
]
