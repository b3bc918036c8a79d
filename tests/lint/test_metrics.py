"""Argo's submit-time checks of template metrics (workflow-level ones are checked when emitted)."""

from __future__ import annotations

import pytest

from argosy.lint import lint_objects
from argosy.spec import load_text


def lint(metric: str, *, level: str = "template") -> list[str]:
    spec_metrics = f"\n  metrics: {{prometheus: [{metric}]}}" if level == "workflow" else ""
    template_metrics = f"\n    metrics: {{prometheus: [{metric}]}}" if level == "template" else ""
    text = f"""apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {{name: m}}
spec:
  entrypoint: main{spec_metrics}
  templates:
  - name: main{template_metrics}
    container: {{image: busybox, command: [echo]}}
"""
    return [f"{p.location.field}: {p.reason}" for p in lint_objects(load_text(text))]


@pytest.mark.parametrize(("metric", "problems"), [
    ('{name: ok_1, help: h, labels: [{key: status, value: "{{status}}"}], counter: {value: "1"}}', []),
    ("{name: step-count, help: h, counter: {value: '1'}}",
     [("templates.main.metrics.prometheus[0].name: templates.main metric name 'step-count' is invalid. "
      "Metric names must contain alphanumeric characters or '_'")]),
    ("{name: 'a:b', help: h, counter: {value: '1'}}",
     [("templates.main.metrics.prometheus[0].name: templates.main metric name 'a:b' is invalid. "
      "Metric names must contain alphanumeric characters or '_'")]),
    ("{name: c, counter: {value: '1'}}",
     [("templates.main.metrics.prometheus[0].help: templates.main metric 'c' must contain a help string under "
      "'help: ' field")]),
    ("{name: c, help: h, labels: [{key: a-b, value: x}], counter: {value: '1'}}",
     [("templates.main.metrics.prometheus[0].labels: metric label 'a-b' is invalid: keys may only contain "
      "alphanumeric characters or '_'")]),
    ("{name: c, help: h, histogram: {buckets: [1]}}",
     ["templates.main.metrics.prometheus[0]: templates.main metric 'c' error: missing histogram.value"]),
    ("{name: c, help: h, gauge: {realtime: true, value: '{{resourcesDuration.cpu}}'}}",
     [("templates.main.metrics.prometheus[0]: templates.main metric 'c' error: 'resourcesDuration.*' metrics "
      "cannot be used in real-time")]),
], ids=["valid", "dash", "colon", "no-help", "bad-label", "no-value", "realtime-resources"])
def test_template_metric_problems(metric: str, problems: list[str]) -> None:
    assert lint(metric) == problems


def test_workflow_level_metrics_are_not_checked_at_submission() -> None:
    assert lint("{name: step-count, help: h, counter: {value: '1'}}", level="workflow") == []
