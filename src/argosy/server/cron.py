"""CronWorkflow service: Argo's ``/api/v1/cron-workflows/{namespace}`` (create, get, list,
update, delete, lint, suspend, resume) and Argosy's backfill and next-run endpoints.

Scheduling is the controller's (:mod:`argosy.controller.cron`): this service keeps the
objects and wakes the scheduler when one is created, changed or deleted. The scheduler
writes ``status`` (``active``, ``lastScheduledTime``, ``succeeded``, ``failed``, ``phase``,
``conditions``) on the stored object, so get and list return it; an update whose body has no
``status`` keeps the stored one (a client re-applying its YAML does not reset the history); a
delete takes the workflows the CronWorkflow owns along, as Kubernetes' garbage collector does.

Argosy-only, under ``/api/v1/argosy/cron-workflows/{namespace}/{name}``:

- ``POST .../backfill`` ``{"start": RFC 3339, "end": RFC 3339, "parallelism": N}`` runs the
  CronWorkflow for every time its schedules would have run in ``[start, end]``, at most N at
  once (default 1): answers ``{"name", "scheduledTimes": [...], "workflows": [...]}``;
- ``GET .../backfills``: the backfills of that CronWorkflow, with their progress;
- ``GET .../next?count=N``: its next N run times (default 1), on the server's clock and zone.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from argosy.controller.cron import scheduler_of, wake
from argosy.controller.cronworkflow import CRON_WORKFLOW_LABEL, delete_runs
from argosy.controller.schedule import cron_schedule, parse_rfc3339, rfc3339
from argosy.errors import ArgosyError, FailedPrecondition, InvalidArgument, NotFound
from argosy.server.resources import Resource, check, object_of, resource_routes
from argosy.server.routing import Call, Verb, api_route

CRON_WORKFLOWS = Resource("CronWorkflow", "/api/v1/cron-workflows/{namespace}", body_key="cronWorkflow")
ARGOSY_PATH = "/api/v1/argosy/cron-workflows/{namespace}/{name}"
_RESOURCE = "cronworkflows.argoproj.io"


def _stored(call: Call, name: str) -> dict[str, Any]:
    record = call.services.store.get_object(CRON_WORKFLOWS.kind, call.namespace or "default", name)
    if record is None:
        raise NotFound(name, _RESOURCE)
    return record.to_object()


async def update_cron_workflow(call: Call) -> dict[str, Any]:
    obj = object_of(CRON_WORKFLOWS, call, await call.body(), call.path("name"))
    check(CRON_WORKFLOWS, obj)
    if "status" not in obj:
        stored = _stored(call, call.path("name"))
        if stored.get("status"):
            obj["status"] = stored["status"]
    updated = call.services.store.update_object(CRON_WORKFLOWS.kind, obj).to_object()
    wake(call.services.controller)
    return updated


async def delete_cron_workflow(call: Call) -> dict[str, Any]:
    """Delete it and, as Kubernetes' garbage collector does for owned objects, its workflows
    (running ones terminated) and its backfills."""
    from argosy.controller.backfill import KIND as BACKFILL

    name, namespace = call.path("name"), call.namespace or "default"
    cron = _stored(call, name)
    store = call.services.store
    store.delete_object(CRON_WORKFLOWS.kind, namespace, name)
    wake(call.services.controller)
    delete_runs(call.services.controller, cron)
    for record in store.list_objects(BACKFILL, namespace, label_selector=f"{CRON_WORKFLOW_LABEL}={name}"):
        store.delete_object(BACKFILL, namespace, record.name)
    return {}


def _set_suspend(value: bool):
    async def handler(call: Call) -> dict[str, Any]:
        body = _stored(call, call.path("name"))
        body["spec"] = {**(body.get("spec") or {}), "suspend": value}
        updated = call.services.store.update_object(CRON_WORKFLOWS.kind, body).to_object()
        wake(call.services.controller)
        return updated

    handler.__name__ = "suspend_cron_workflow" if value else "resume_cron_workflow"
    return handler


def _time(body: dict[str, Any], key: str) -> float:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise InvalidArgument(f"{key} is required: an RFC 3339 time such as 2024-01-02T00:00:00Z")
    try:
        return parse_rfc3339(value)
    except ArgosyError as err:
        raise InvalidArgument(f"{key}: {err}") from None


async def backfill_cron_workflow(call: Call) -> dict[str, Any]:
    body = await call.body()
    parallelism = body.get("parallelism", 1)
    if parallelism is None:
        parallelism = 1
    if not isinstance(parallelism, int) or isinstance(parallelism, bool):
        raise InvalidArgument(f"parallelism must be a whole number, not {parallelism!r}")
    scheduler = scheduler_of(call.services.controller)
    if scheduler is None:
        raise FailedPrecondition("this server runs no cron scheduler")
    return await scheduler.backfills.create(call.namespace or "default", call.path("name"),
                                            _time(body, "start"), _time(body, "end"), parallelism)


async def list_backfills(call: Call) -> dict[str, Any]:
    name = call.path("name")
    _stored(call, name)
    scheduler = scheduler_of(call.services.controller)
    return {"items": scheduler.backfills.list(call.namespace or "default", name) if scheduler else []}


async def next_runs(call: Call) -> dict[str, Any]:
    cron = _stored(call, call.path("name"))
    try:
        count = max(1, min(100, int(call.query("count") or 1)))
    except ValueError:
        raise InvalidArgument("count must be a whole number") from None
    try:
        schedules = cron_schedule(cron.get("spec") or {})
    except ArgosyError as err:
        raise InvalidArgument(str(err)) from None
    times: list[str] = []
    t: float | None = call.services.controller.clock.now()
    while t is not None and len(times) < count:
        t = schedules.next(t)
        if t is not None:
            times.append(rfc3339(t))
    return {"nextScheduledTimes": times}


def _waking(route: Route) -> Route:
    """``route`` (the generic create or delete), then a wake-up of the scheduler on success."""
    inner = route.endpoint

    async def endpoint(request: Request) -> Response:
        response: Response = await inner(request)
        if response.status_code < 400:
            wake(request.app.state.services.controller)
        return response

    endpoint.__name__ = inner.__name__
    return Route(route.path, endpoint, methods=route.methods)


def _generic_routes() -> list[Route]:
    """Argo's create, get, list and lint as for every resource (create wakes the scheduler)."""
    out = []
    for route in resource_routes(CRON_WORKFLOWS):
        methods = route.methods or set()
        if "PUT" in methods or "DELETE" in methods:
            continue  # below: an update keeps the stored status; a delete takes the runs along
        is_lint = route.path.endswith("/lint")
        out.append(_waking(route) if "POST" in methods and not is_lint else route)
    return out


routes = [
    *_generic_routes(),
    api_route("PUT", CRON_WORKFLOWS.path + "/{name}", update_cron_workflow, verb=Verb.UPDATE),
    api_route("DELETE", CRON_WORKFLOWS.path + "/{name}", delete_cron_workflow, verb=Verb.DELETE),
    api_route("PUT", CRON_WORKFLOWS.path + "/{name}/suspend", _set_suspend(True), verb=Verb.UPDATE),
    api_route("PUT", CRON_WORKFLOWS.path + "/{name}/resume", _set_suspend(False), verb=Verb.UPDATE),
    api_route("POST", ARGOSY_PATH + "/backfill", backfill_cron_workflow, verb=Verb.CREATE),
    api_route("GET", ARGOSY_PATH + "/backfills", list_backfills, verb=Verb.LIST),
    api_route("GET", ARGOSY_PATH + "/next", next_runs, verb=Verb.GET),
]
