"""Event service: ``POST /api/v1/events/{namespace}/{discriminator}`` (Argo's ``ReceiveEvent``)
and WorkflowEventBindings under ``/api/v1/workflow-event-bindings/{namespace}``.

An event's body is any JSON (an object, a list, a string ...): the payload. Its ``x-``
headers become the event's ``metadata``; ``discriminator`` may be empty (``…/events/ns/``).
The event is dispatched to the namespace's bindings before the answer
(:mod:`argosy.controller.event_bindings`), so the workflows it starts exist when the caller
gets Argo's answer, ``{}`` with 200. A binding that fails (its selector does not parse, its
template is missing, ...) is logged by the server and does not fail the request, as Argo 3.x
(and 4.x with ``--event-async-dispatch``) answers; a body that is not JSON is a 400.

Auth: an event is a request to create workflows in the namespace (Argo checks the caller's
rights to list bindings, get templates and create workflows there), so the token needs
``create`` in that namespace; a binding submitting a ClusterWorkflowTemplate also needs a
token for every namespace (``["*"]``), as reading cluster-scoped templates does.

Bindings: Argo only lists them (``ListWorkflowEventBindings``; they are created with
kubectl). Argosy has no kubectl, so the collection also takes ``POST`` (the body is the
WorkflowEventBinding itself), and ``…/{name}`` ``GET``, ``PUT`` and ``DELETE``, with
``…/lint``. Create and update check the object against Argo's schema only (as the
Kubernetes API checks a custom resource), so a binding whose expressions do not parse is
kept, and fails when an event reaches it, as in Argo; ``…/lint`` (and ``argosy lint``)
also parse its expressions and find its template.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Route

from argosy.controller import generate_name
from argosy.controller.event_bindings import KIND, Event, dispatch, event_metadata
from argosy.errors import ArgosyError, InvalidArgument
from argosy.goformat import from_json
from argosy.lint.report import Report
from argosy.lint.schema import check_kind, check_schema
from argosy.server.resources import Resource, object_of, resource_routes
from argosy.server.routing import Call, Verb, api_route
from argosy.server.workflows import lint_message
from argosy.spec import manifest_from_body

BINDINGS = Resource(KIND, "/api/v1/workflow-event-bindings/{namespace}", lintable=True)
#: the same collection without the full lint on create/update (see the module docstring)
_STORED = Resource(KIND, BINDINGS.path, lintable=False)


async def receive_event(call: Call) -> dict[str, Any]:
    namespace = call.namespace or "default"
    discriminator = str(call.request.path_params.get("discriminator") or "")
    raw = await call.request.body()
    try:
        payload = from_json(raw.decode("utf-8")) if raw.strip() else None
    except (ArgosyError, UnicodeDecodeError) as err:
        raise InvalidArgument(f"the event's body is not JSON: {err}") from None
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in call.request.headers.raw]
    event = Event(namespace, discriminator, payload, event_metadata(headers))
    store = call.services.store
    bindings = [r.to_object() for r in store.list_objects(KIND, namespace)]
    if bindings:
        await dispatch(call.services.controller, bindings, event,
                       cluster_templates=_may_read_cluster_templates(call))
    return {}


def _may_read_cluster_templates(call: Call) -> bool:
    try:
        call.services.authorizer.check(call.request, Verb.GET, None)
    except ArgosyError:
        return False
    return True


def _check_schema(obj: dict[str, Any]) -> None:
    """InvalidArgument when ``obj`` is not a WorkflowEventBinding by Argo's schema."""
    report = Report(manifest_from_body(obj))
    if check_kind(report.manifest, report):
        check_schema(report.manifest, report)
    if report.problems:
        raise InvalidArgument("; ".join(lint_message(p) for p in report.problems))


async def create_binding(call: Call) -> dict[str, Any]:
    obj = object_of(_STORED, call, await call.body())
    meta = obj["metadata"]
    if not meta.get("name"):
        if not meta.get("generateName"):
            raise InvalidArgument("metadata.name or metadata.generateName is required")
        meta["name"] = generate_name(meta["generateName"])
    _check_schema(obj)
    return call.services.store.create_object(KIND, obj).to_object()


async def update_binding(call: Call) -> dict[str, Any]:
    obj = object_of(_STORED, call, await call.body(), call.path("name"))
    _check_schema(obj)
    return call.services.store.update_object(KIND, obj).to_object()


def _binding_routes() -> list[Route]:
    """Create and update check the schema only; get, list, delete and lint as every resource's."""
    one = BINDINGS.path + "/{name}"
    kept = [r for r in resource_routes(BINDINGS)
            if not (r.path == BINDINGS.path and "POST" in (r.methods or ())) and not (r.path == one and "PUT" in (r.methods or ()))]
    return [api_route("POST", BINDINGS.path, create_binding, verb=Verb.CREATE),
            api_route("PUT", one, update_binding, verb=Verb.UPDATE), *kept]


routes = [
    api_route("POST", "/api/v1/events/{namespace}/{discriminator}", receive_event, verb=Verb.CREATE),
    api_route("POST", "/api/v1/events/{namespace}/", receive_event, verb=Verb.CREATE),
    api_route("POST", "/api/v1/events/{namespace}", receive_event, verb=Verb.CREATE),
    *_binding_routes(),
]
