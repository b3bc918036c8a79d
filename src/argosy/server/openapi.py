"""The API's description as a Swagger 2.0 (OpenAPI) document, made from the app's own routes.

Argo Server ships its ``swagger.json`` beside the UI's assets and the UI's "API docs" page
reads it; Argosy serves the same path (``/assets/openapi-spec/swagger.json``) but writes the
document from the routes the running app really has, so it cannot list an endpoint that does
not exist or miss one that was added. What a route alone does not say (its query parameters,
a one-line summary) comes from the small tables below, keyed by path; a path they do not know
is still listed, with its path parameters and a JSON body where it takes one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from starlette.routing import BaseRoute, Route

from argosy import __version__

#: Kubernetes' ListOptions as grpc-gateway spells them in a query
LIST_OPTIONS = ("listOptions.labelSelector", "listOptions.fieldSelector", "listOptions.limit",
                "listOptions.continue")
WATCH_OPTIONS = ("listOptions.labelSelector", "listOptions.fieldSelector", "listOptions.resourceVersion", "fields")

#: query parameters beyond the path's, by (method, path); a list of objects (templates, cron
#: workflows, …) reads only a label selector
QUERY: dict[tuple[str, str], tuple[str, ...]] = {
    ("GET", "/api/v1/workflows/{namespace}"): (*LIST_OPTIONS, "namePrefix", "nameFilter", "fields"),
    ("GET", "/api/v1/workflows/"): (*LIST_OPTIONS, "namePrefix", "nameFilter", "fields"),
    ("GET", "/api/v1/workflows/{namespace}/{name}"): ("fields",),
    ("GET", "/api/v1/workflow-events/{namespace}"): WATCH_OPTIONS,
    ("GET", "/api/v1/workflow-events/"): WATCH_OPTIONS,
    ("GET", "/api/v1/workflows/{namespace}/{name}/log"): (
        "podName", "logOptions.container", "logOptions.follow", "logOptions.sinceSeconds",
        "logOptions.sinceTime.seconds", "logOptions.tailLines", "logOptions.timestamps", "grep", "selector"),
    ("GET", "/api/v1/workflows/{namespace}/{name}/{podName}/log"): (
        "logOptions.container", "logOptions.follow", "logOptions.sinceSeconds",
        "logOptions.sinceTime.seconds", "logOptions.tailLines", "logOptions.timestamps", "grep", "selector"),
    ("GET", "/api/v1/archived-workflows"): (*LIST_OPTIONS, "namePrefix", "namespace"),
    ("GET", "/api/v1/archived-workflows/"): (*LIST_OPTIONS, "namePrefix", "namespace"),
    ("GET", "/api/v1/archived-workflows-label-keys"): ("namespace",),
    ("GET", "/api/v1/archived-workflows-label-values"): ("listOptions.labelSelector", "namespace"),
}

#: a few words on what a group of paths is, by its tag
TAGS: dict[str, str] = {
    "workflows": "Workflows: create, list (live merged with the archive), get, delete, lint, and actions",
    "workflow-events": "Watch streams of workflows (newline-delimited JSON, one event a line)",
    "workflow-templates": "WorkflowTemplates of a namespace",
    "cluster-workflow-templates": "ClusterWorkflowTemplates",
    "cron-workflows": "CronWorkflows: create, list, get, update, delete, suspend, resume",
    "archived-workflows": "The workflow archive",
    "workflow-event-bindings": "WorkflowEventBindings",
    "events": "Events that submit workflows through WorkflowEventBindings",
    "artifacts": "Artifact downloads of a node's inputs and outputs",
    "info": "The server's version, its settings for the UI and the caller's identity",
    "argosy": "Argosy's own endpoints (not in Argo's API)",
}

_PARAM_RE = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")


def _tag(path: str) -> str:
    parts = [p for p in path.split("/") if p]
    if parts[:2] == ["api", "v1"]:
        parts = parts[2:]
    if not parts:
        return "other"
    head = parts[0]
    if head in ("version", "info", "userinfo"):
        return "info"
    if head.endswith("artifacts") or head.startswith(("artifact", "input-artifacts")):
        return "artifacts"
    if head.startswith("archived-workflows"):
        return "archived-workflows"
    return head


def _summary(route: Route, method: str) -> str:
    """From the handler's name (``list_workflows`` → "List workflows"), else the method and path."""
    name = route.name.strip("_").replace("_", " ")
    if not name or name in ("endpoint", "handler"):
        return f"{method} {route.path}"
    return name[0].upper() + name[1:]


def _operation(route: Route, method: str, tag: str, used: set[str]) -> dict[str, Any]:
    path = _PARAM_RE.sub(r"{\1}", route.path)
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "type": "string"}
        for name in _PARAM_RE.findall(route.path)
    ]
    query = QUERY.get((method, path)) or (("listOptions.labelSelector",) if route.name.startswith("list_") else ())
    params += [{"name": name, "in": "query", "required": False, "type": "string"} for name in query]
    if method in ("POST", "PUT"):
        params.append({"name": "body", "in": "body", "required": True, "schema": {"type": "object"}})
    base = re.sub(r"[^A-Za-z0-9]+", "_", f"{tag}_{route.name}").strip("_")
    operation_id, n = base, 2
    while operation_id in used:  # generic handlers (create, get, …) serve several resources
        operation_id, n = f"{base}_{n}", n + 1
    used.add(operation_id)
    return {
        "tags": [tag],
        "summary": _summary(route, method),
        "operationId": operation_id,
        "parameters": params,
        "responses": {
            "200": {"description": "A successful response.", "schema": {"type": "object"}},
            "default": {"description": "An error, as grpc-gateway writes it.",
                        "schema": {"$ref": "#/definitions/grpc.gateway.runtime.Error"}},
        },
    }


def document(routes: Iterable[BaseRoute]) -> dict[str, Any]:
    """The Swagger 2.0 document of ``routes`` (the API's, not the UI's pages)."""
    paths: dict[str, dict[str, Any]] = {}
    tags: dict[str, None] = {}
    used: set[str] = set()
    for route in routes:
        if not isinstance(route, Route) or not route.methods:
            continue
        path = _PARAM_RE.sub(r"{\1}", route.path)
        tag = _tag(route.path)
        for method in sorted(route.methods - {"HEAD"}):
            paths.setdefault(path, {})[method.lower()] = _operation(route, method, tag, used)
            tags[tag] = None
    return {
        "swagger": "2.0",
        "info": {"title": "Argosy: the Argo Workflows API", "version": f"v{__version__}",
                 "description": "Argo Server's REST API as Argosy serves it: the same paths, bodies "
                                "and stream formats; Argosy's own endpoints live under /api/v1/argosy/."},
        "schemes": ["http", "https"],
        "consumes": ["application/json"],
        "produces": ["application/json"],
        "tags": [{"name": t, "description": TAGS.get(t, t)} for t in sorted(tags)],
        "paths": dict(sorted(paths.items())),
        "definitions": {
            "grpc.gateway.runtime.Error": {"type": "object", "properties": {
                "code": {"type": "integer", "format": "int32"}, "message": {"type": "string"},
                "details": {"type": "array", "items": {"type": "object"}}}},
        },
    }
