"""CronWorkflow service: ``/api/v1/cron-workflows/{namespace}`` (create, get, list, update,
delete, lint, suspend, resume). Scheduling is the controller's (a later issue): here a
CronWorkflow is kept, checked and suspended or resumed (``spec.suspend``)."""

from __future__ import annotations

from typing import Any

from argosy.errors import NotFound
from argosy.server.resources import Resource, resource_routes
from argosy.server.routing import Call, Verb, api_route

CRON_WORKFLOWS = Resource("CronWorkflow", "/api/v1/cron-workflows/{namespace}", body_key="cronWorkflow")


def _set_suspend(value: bool):
    async def handler(call: Call) -> dict[str, Any]:
        store = call.services.store
        name = call.path("name")
        record = store.get_object(CRON_WORKFLOWS.kind, call.namespace or "default", name)
        if record is None:
            raise NotFound(name, "cronworkflows.argoproj.io")
        body = dict(record.body)
        body["spec"] = {**(body.get("spec") or {}), "suspend": value}
        return store.update_object(CRON_WORKFLOWS.kind, body).to_object()

    handler.__name__ = "suspend_cron_workflow" if value else "resume_cron_workflow"
    return handler


routes = [
    *resource_routes(CRON_WORKFLOWS),
    api_route("PUT", CRON_WORKFLOWS.path + "/{name}/suspend", _set_suspend(True), verb=Verb.UPDATE),
    api_route("PUT", CRON_WORKFLOWS.path + "/{name}/resume", _set_suspend(False), verb=Verb.UPDATE),
]
