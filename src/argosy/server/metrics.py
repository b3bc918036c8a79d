"""``GET /metrics``: the controller's metrics in Prometheus' text format (version 0.0.4).

Argo serves them on the controller's own port (9090, ``/metrics``); ``argosy server`` is the
controller too, so they are on its port, beside the API. Like Argo's, the endpoint needs no
token (a Prometheus scraper has none): it shows counts by phase and namespace, CronWorkflow
and WorkflowTemplate names, and what custom metrics put in their labels.

The families come from :class:`argosy.controller.metrics.Metrics` as ``prometheus_client``
``Metric`` objects; they are written here the way Argo's exporter (client_golang) writes them:
a counter keeps its name (``argo_workflows_total_count``, no ``_total`` added), which
``prometheus_client.generate_latest`` would rename.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import Metric
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from argosy.controller.metrics import REGISTRY, Metrics, format_value


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_value(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def render(families: Iterable[Metric]) -> str:
    """The families in the text exposition format, samples in the order given."""
    lines: list[str] = []
    for family in families:
        lines.append(f"# HELP {family.name} {_escape_help(family.documentation)}")
        lines.append(f"# TYPE {family.name} {family.type}")
        for sample in family.samples:
            labels = ",".join(f'{k}="{_escape_value(str(v))}"' for k, v in sorted(sample.labels.items()))
            lines.append(f"{sample.name}{{{labels}}} {format_value(sample.value)}" if labels
                         else f"{sample.name} {format_value(sample.value)}")
    return "\n".join(lines) + "\n"


def registry_of(request: Request) -> Metrics:
    return getattr(request.app.state, "metrics", None) or REGISTRY


async def metrics(request: Request) -> Response:
    return Response(render(registry_of(request).collect()), media_type=CONTENT_TYPE_PLAIN_0_0_4)


routes = [Route("/metrics", metrics, methods=["GET"])]
