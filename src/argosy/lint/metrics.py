"""Template ``metrics.prometheus`` checks: Argo's submit-time validation of custom metrics.

Argo refuses a workflow whose template metric has an invalid name or label key (alphanumerics
and ``_`` only: valid for both Prometheus and OpenTelemetry), no ``help``, or a type without a
``value`` (a realtime gauge may not use ``resourcesDuration.*``). Workflow-level
``spec.metrics`` are not checked at submission, as in Argo: their problems become the
workflow's ``MetricsError`` condition when it runs (:mod:`argosy.controller.metrics`).
"""

from __future__ import annotations

import re
from typing import Any

from argosy.lint.report import Report

_VALID_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")


def check_template_metrics(report: Report, template_name: str, where: str, metrics: Any) -> None:
    """Every problem of one template's ``metrics``, reported under ``where``."""
    listed = metrics.get("prometheus") if isinstance(metrics, dict) else None
    for index, metric in enumerate(listed if isinstance(listed, list) else []):
        if not isinstance(metric, dict):
            continue
        at = f"{where}.prometheus[{index}]"
        name = str(metric.get("name") or "")
        if not _VALID_NAME.match(name):
            report.add(f"{at}.name", f"templates.{template_name} metric name '{name}' is invalid. "
                       "Metric names must contain alphanumeric characters or '_'")
            continue
        for label in metric.get("labels") or []:
            key = str(label.get("key") or "") if isinstance(label, dict) else ""
            if not _VALID_NAME.match(key):
                report.add(f"{at}.labels", f"metric label '{key}' is invalid: keys may only contain "
                           "alphanumeric characters or '_'")
        if not metric.get("help"):
            report.add(f"{at}.help", f"templates.{template_name} metric '{name}' must contain a help string "
                       "under 'help: ' field")
            continue
        problem = _value_problem(metric)
        if problem:
            report.add(at, f"templates.{template_name} metric '{name}' error: {problem}")


def _value_problem(metric: dict[str, Any]) -> str | None:
    gauge = metric.get("gauge")
    if isinstance(gauge, dict):
        if not gauge.get("value"):
            return "missing gauge.value"
        if gauge.get("realtime") and "resourcesDuration." in str(gauge["value"]):
            return "'resourcesDuration.*' metrics cannot be used in real-time"
    counter = metric.get("counter")
    if isinstance(counter, dict) and not counter.get("value"):
        return "missing counter.value"
    histogram = metric.get("histogram")
    if isinstance(histogram, dict) and not histogram.get("value"):
        return "missing histogram.value"
    return None
