"""ArchivedWorkflow service: ``/api/v1/archived-workflows`` (list, get, delete, retry,
resubmit) and ``/api/v1/archived-workflows-label-keys`` / ``-label-values``.

Archived workflows are addressed by uid, as in Argo. A list shows each workflow without its
nodes (Argo's archive list reads only the summary columns); a get returns it whole. Retry and
resubmit make a live workflow again: retry re-creates the archived workflow under its own
name (refused while a live workflow has that name, as Argo refuses), resubmit creates a new
one from its spec.
"""

from __future__ import annotations

import asyncio
from typing import Any

from argosy.errors import AlreadyExists, InvalidArgument, NotFound
from argosy.server.routing import Call, Verb, api_route
from argosy.server.workflow_actions import parse_pairs, resubmit
from argosy.server.workflows import view
from argosy.store.api import WorkflowRecord

#: Argo's name for the resource in its messages
RESOURCE = "archivedworkflows.argoproj.io"


def _namespace_filter(call: Call, verb: Verb = Verb.LIST) -> str | None:
    """The namespace a list is confined to: the ``namespace`` asked for, else the one a
    ``--namespaced`` server manages; the caller must be allowed there."""
    namespace = call.query("namespace") or call.services.authorizer.managed_namespace or None
    if namespace is not None:
        call.services.authorizer.check(call.request, verb, namespace)
    return namespace


def _limit(call: Call) -> int | None:
    text = call.query("listOptions.limit")
    if not text:
        return None
    if not text.isdigit():
        raise InvalidArgument(f"listOptions.limit: {text!r} is not a number")
    return int(text)


async def list_archived(call: Call) -> dict[str, Any]:
    store = call.services.store
    page = await asyncio.to_thread(
        store.list_archived_workflows, _namespace_filter(call),
        label_selector=call.query("listOptions.labelSelector") or None,
        field_selector=call.query("listOptions.fieldSelector") or None,
        name_prefix=call.query("namePrefix") or None, limit=_limit(call),
        continue_token=call.query("listOptions.continue") or None)
    items = []
    for record in page.items:
        wf = record.to_workflow()
        status = dict(wf.get("status") or {})
        status.pop("nodes", None)
        wf["status"] = status
        items.append(wf)
    meta: dict[str, Any] = {}
    if page.continue_token:
        meta["continue"] = page.continue_token
    return {"metadata": meta, "items": items}


def _get(call: Call, verb: Verb, *, with_nodes: bool = True) -> WorkflowRecord:
    """The archived workflow of the path's uid, if the caller may ``verb`` in its namespace."""
    uid = call.path("uid")
    record = call.services.store.get_archived_workflow(uid, with_nodes=with_nodes)
    namespace = call.query("namespace") or None
    if record is None or (namespace and record.namespace != namespace):
        raise NotFound(uid, RESOURCE)
    call.services.authorizer.check(call.request, verb, record.namespace)
    return record


async def get_archived(call: Call) -> dict[str, Any]:
    return (await asyncio.to_thread(_get, call, Verb.GET)).to_workflow()


async def delete_archived(call: Call) -> dict[str, Any]:
    record = await asyncio.to_thread(_get, call, Verb.DELETE, with_nodes=False)
    await asyncio.to_thread(call.services.store.delete_archived_workflow, record.uid)
    return {}


async def retry_archived(call: Call) -> dict[str, Any]:
    """Argo's ``RetryArchivedWorkflow``: the failed part runs again as a live workflow (same uid)."""
    from argosy.controller.retry import retry_workflow

    body = await call.body()
    record = await asyncio.to_thread(_get, call, Verb.CREATE)
    if call.services.store.find_workflow(record.namespace, record.name, with_nodes=False) is not None:
        raise AlreadyExists(record.name)  # Argo: the live workflow must be deleted first
    uid = await retry_workflow(call.services.controller, record,
                               restart_successful=bool(body.get("restartSuccessful")),
                               node_field_selector=body.get("nodeFieldSelector") or None,
                               parameters=parse_pairs(body.get("parameters"), "parameters"))
    again = call.services.store.get_workflow(uid, with_nodes=False)
    return view(call, again) if again is not None else {}


async def resubmit_archived(call: Call) -> dict[str, Any]:
    """Argo's ``ResubmitArchivedWorkflow``: a new workflow from the archived one's spec
    (``memoized``: reusing what succeeded in it)."""
    body = await call.body()
    record = await asyncio.to_thread(_get, call, Verb.CREATE)
    return await resubmit(call, record, body)


async def label_keys(call: Call) -> dict[str, Any]:
    keys = await asyncio.to_thread(call.services.store.archived_label_keys, _namespace_filter(call))
    return {"items": keys}


async def label_values(call: Call) -> dict[str, Any]:
    key = (call.query("listOptions.labelSelector") or "").strip()
    if not key:
        raise InvalidArgument("listOptions.labelSelector: give the label key whose values to list")
    values = await asyncio.to_thread(call.services.store.archived_label_values, key, _namespace_filter(call))
    return {"items": values}


routes = [
    api_route("GET", "/api/v1/archived-workflows", list_archived, verb=Verb.LIST),
    api_route("GET", "/api/v1/archived-workflows/", list_archived, verb=Verb.LIST),
    api_route("GET", "/api/v1/archived-workflows/{uid}", get_archived, verb=Verb.GET),
    api_route("DELETE", "/api/v1/archived-workflows/{uid}", delete_archived, verb=Verb.DELETE),
    api_route("PUT", "/api/v1/archived-workflows/{uid}/retry", retry_archived, verb=Verb.CREATE),
    api_route("PUT", "/api/v1/archived-workflows/{uid}/resubmit", resubmit_archived, verb=Verb.CREATE),
    api_route("GET", "/api/v1/archived-workflows-label-keys", label_keys, verb=Verb.LIST),
    api_route("GET", "/api/v1/archived-workflows-label-values", label_values, verb=Verb.LIST),
]
