"""One pattern for Argo's object services: create, get, list, update, delete, lint.

WorkflowTemplates, ClusterWorkflowTemplates and CronWorkflows (and Argosy's ConfigMaps and
Secrets) are objects kept whole in the store; their services differ only in path, scope,
the request's body key (``template``, ``cronWorkflow``) and whether ``argo lint`` checks
them. Each service module declares a :class:`Resource` and takes ``resource_routes(it)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.routing import Route

from argosy.controller import generate_name
from argosy.errors import InvalidArgument, NotFound
from argosy.server.encoding import parameter_strings
from argosy.server.routing import Call, Verb, api_route
from argosy.server.workflows import lint_message
from argosy.spec import manifest_from_body
from argosy.store.api import resource_name


@dataclass(frozen=True, slots=True)
class Resource:
    kind: str
    #: the collection's path: ``/api/v1/workflow-templates/{namespace}`` (namespaced) or without
    path: str
    api_version: str = "argoproj.io/v1alpha1"
    #: where the object is in a create/update/lint body (None: the body is the object)
    body_key: str | None = None
    lintable: bool = True

    @property
    def cluster(self) -> bool:
        return "{namespace}" not in self.path

    def namespace(self, call: Call) -> str:
        return "" if self.cluster else (call.namespace or "default")


def object_of(resource: Resource, call: Call, body: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    """The object of a create/update/lint request, with kind, apiVersion and namespace set."""
    obj = body.get(resource.body_key) if resource.body_key else body
    if not isinstance(obj, dict):
        raise InvalidArgument(f"{resource.body_key or 'the body'} is required: a {resource.kind} object")
    obj = dict(obj)
    if obj.get("kind") not in (None, resource.kind):
        raise InvalidArgument(f"kind {obj.get('kind')!r} is not {resource.kind!r}")
    obj["kind"] = resource.kind
    obj.setdefault("apiVersion", resource.api_version)
    meta = dict(obj.get("metadata") or {})
    if name is not None:
        if meta.get("name") not in (None, name):
            raise InvalidArgument(f"metadata.name {meta.get('name')!r} does not match the path's {name!r}")
        meta["name"] = name
    if resource.cluster:
        meta.pop("namespace", None)
    else:
        meta["namespace"] = resource.namespace(call)
    for server_set in ("uid", "resourceVersion", "creationTimestamp"):
        meta.pop(server_set, None)
    obj["metadata"] = meta
    return parameter_strings(obj) if resource.lintable else obj


def check(resource: Resource, obj: dict[str, Any]) -> None:
    """InvalidArgument with the lint messages when ``argo lint`` would refuse ``obj``."""
    if not resource.lintable:
        return
    from argosy.lint import lint_objects

    meta = obj.get("metadata") or {}
    if not meta.get("name") and not meta.get("generateName"):
        raise InvalidArgument("metadata.name or metadata.generateName is required")
    problems = lint_objects([manifest_from_body(obj)], offline_refs_ok=True)
    if problems:
        raise InvalidArgument("; ".join(lint_message(p) for p in problems))


def resource_routes(resource: Resource) -> list[Route]:
    """Argo's CRUD and lint endpoints for ``resource``."""
    store_kind = resource.kind

    async def create(call: Call) -> dict[str, Any]:
        obj = object_of(resource, call, await call.body())
        meta = obj["metadata"]
        if not meta.get("name"):
            if not meta.get("generateName"):
                raise InvalidArgument("metadata.name or metadata.generateName is required")
            meta["name"] = generate_name(meta["generateName"])
        check(resource, obj)
        return call.services.store.create_object(store_kind, obj).to_object()

    async def get(call: Call) -> dict[str, Any]:
        name = call.path("name")
        record = call.services.store.get_object(store_kind, resource.namespace(call), name)
        if record is None:
            raise NotFound(name, resource_name(store_kind))
        return record.to_object()

    async def list_(call: Call) -> dict[str, Any]:
        records = call.services.store.list_objects(
            store_kind, None if resource.cluster else call.list_namespace,
            label_selector=call.query("listOptions.labelSelector") or None)
        return {"metadata": {"resourceVersion": str(call.services.store.resource_version())},
                "items": [r.to_object() for r in records]}

    async def update(call: Call) -> dict[str, Any]:
        obj = object_of(resource, call, await call.body(), call.path("name"))
        check(resource, obj)
        return call.services.store.update_object(store_kind, obj).to_object()

    async def delete(call: Call) -> dict[str, Any]:
        name = call.path("name")
        if not call.services.store.delete_object(store_kind, resource.namespace(call), name):
            raise NotFound(name, resource_name(store_kind))
        return {}

    async def lint(call: Call) -> dict[str, Any]:
        obj = object_of(resource, call, await call.body())
        check(resource, obj)
        return obj

    for handler, verb in ((create, "create"), (get, "get"), (list_, "list"), (update, "update"),
                          (delete, "delete"), (lint, "lint")):
        handler.__name__ = f"{verb}_{store_kind}"
    one = resource.path + "/{name}"
    routes = [
        api_route("POST", resource.path, create, verb=Verb.CREATE),
        api_route("GET", resource.path, list_, verb=Verb.LIST),
        api_route("GET", one, get, verb=Verb.GET),
        api_route("PUT", one, update, verb=Verb.UPDATE),
        api_route("DELETE", one, delete, verb=Verb.DELETE),
    ]
    if not resource.cluster:  # an empty namespace: every namespace
        routes.append(api_route("GET", resource.path.replace("{namespace}", ""), list_, verb=Verb.LIST))
    if resource.lintable:
        routes.insert(0, api_route("POST", resource.path + "/lint", lint, verb=Verb.CREATE))
    return routes
