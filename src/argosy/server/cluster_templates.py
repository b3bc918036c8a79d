"""ClusterWorkflowTemplate service: ``/api/v1/cluster-workflow-templates`` (no namespace)."""

from __future__ import annotations

from argosy.server.resources import Resource, resource_routes

CLUSTER_WORKFLOW_TEMPLATES = Resource("ClusterWorkflowTemplate", "/api/v1/cluster-workflow-templates",
                                      body_key="template")

routes = resource_routes(CLUSTER_WORKFLOW_TEMPLATES)
