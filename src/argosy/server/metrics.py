"""``GET /metrics``: the controller's metrics in Prometheus' text format (version 0.0.4).

Argo serves them on the controller's own port (9090, ``/metrics``); ``argosy server`` is the
controller too, so they are on its port, beside the API. Like Argo's, the endpoint needs no
token (a Prometheus scraper has none): it shows counts by phase and namespace, CronWorkflow
and WorkflowTemplate names, and what custom metrics put in their labels.

The text is :meth:`argosy.controller.metrics.Metrics.exposition`: written the way Argo's
exporter (client_golang) writes it: a counter keeps its name (``argo_workflows_total_count``, no
``_total`` added, which ``prometheus_client.generate_latest`` would add).
"""

from __future__ import annotations

from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from argosy.controller.metrics import REGISTRY, Metrics


def registry_of(request: Request) -> Metrics:
    return getattr(request.app.state, "metrics", None) or REGISTRY


async def metrics(request: Request) -> Response:
    return Response(registry_of(request).exposition(), media_type=CONTENT_TYPE_PLAIN_0_0_4)


routes = [Route("/metrics", metrics, methods=["GET"])]
