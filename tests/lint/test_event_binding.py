"""``argosy lint`` of WorkflowEventBindings: what Argo would only log when an event arrives."""

from __future__ import annotations

import pytest

from argosy.lint import lint_objects
from argosy.spec import load_text

TEMPLATE = """
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: onboard}
spec:
  entrypoint: main
  templates: [{name: main, container: {image: busybox, command: [echo]}}]
---
"""


def lint(spec: str, *, offline: bool = False) -> list[str]:
    text = TEMPLATE + f"apiVersion: argoproj.io/v1alpha1\nkind: WorkflowEventBinding\nmetadata: {{name: b}}\nspec: {spec}\n"
    return [f"{p.location.field}: {p.reason}" for p in lint_objects(load_text(text), offline_refs_ok=offline)]


@pytest.mark.parametrize(("spec", "problems"), [
    (("{event: {selector: 'payload.x != \"\"'}, submit: {workflowTemplateRef: {name: onboard}, "
     "arguments: {parameters: [{name: x, valueFrom: {event: payload.x}}]}}}"), []),
    ("{event: {selector: 'true'}}", []),
    ("{event: {selector: 'payload.x =='}}",
     ["spec.event.selector: expression does not parse: unexpected end of expression (column 13) in 'payload.x =='"]),
    ("{event: {selector: ''}}", ["spec.event.selector: an expression is required"]),
    ("{event: {selector: 'true'}, submit: {workflowTemplateRef: {name: onbord}}}",
     ['spec.submit.workflowTemplateRef.name: workflowtemplates.argoproj.io "onbord" not found (did you mean "onboard"?)']),
    ("{event: {selector: 'true'}, submit: {workflowTemplateRef: {name: shared, clusterScope: true}}}",
     ['spec.submit.workflowTemplateRef.name: clusterworkflowtemplates.argoproj.io "shared" not found']),
    ("{event: {selector: 'true'}, submit: {workflowTemplateRef: {}}}",
     ["spec.submit.workflowTemplateRef.name: the name of the template to submit is required"]),
    (("{event: {selector: 'true'}, submit: {workflowTemplateRef: {name: onboard}, "
     "arguments: {parameters: [{name: x, value: '1'}]}}}"),
     [('spec.submit.arguments.parameters[0].valueFrom.event: parameter "x" needs valueFrom.event: '
      'an expression over the event')]),
    (("{event: {selector: 'true'}, submit: {workflowTemplateRef: {name: onboard}, "
     "metadata: {name: 'payload.(', labels: {a: 'payload.a'}}}}"),
     ["spec.submit.metadata.name: expression does not parse: expected name (column 9) in 'payload.('"]),
], ids=["valid", "no-submit", "selector-syntax", "selector-empty", "missing-template", "missing-cluster-template",
        "no-template-name", "parameter-without-event", "metadata-syntax"])
def test_binding_problems(spec: str, problems: list[str]) -> None:
    assert lint(spec) == problems


def test_a_template_elsewhere_is_fine_offline() -> None:
    assert lint("{event: {selector: 'true'}, submit: {workflowTemplateRef: {name: elsewhere}}}", offline=True) == []
