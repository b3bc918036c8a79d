"""WorkflowTemplate service: ``/api/v1/workflow-templates/{namespace}`` (create, get, list,
update, delete, lint), the request's object under ``template``."""

from __future__ import annotations

from argosy.server.resources import Resource, resource_routes

WORKFLOW_TEMPLATES = Resource("WorkflowTemplate", "/api/v1/workflow-templates/{namespace}", body_key="template")

routes = resource_routes(WORKFLOW_TEMPLATES)
