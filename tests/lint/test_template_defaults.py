"""templateDefaults count before lint demands a field: an image given there is an image."""

from __future__ import annotations

import pytest

from argosy.lint import lint_objects
from argosy.spec import load_text

WORKFLOW = """
apiVersion: argoproj.io/v1alpha1
kind: {kind}
metadata: {{name: d}}
spec:
  entrypoint: main
  {defaults}
  templates:
  - name: main
    steps:
    - - {{name: a, template: c}}
      - {{name: b, template: s}}
  - name: c
    container: {{command: [sh, -c, "echo c"]}}
  - name: s
    script: {{command: [sh], source: "echo s"}}
"""


@pytest.mark.parametrize("kind", ["Workflow", "WorkflowTemplate"])
@pytest.mark.parametrize(("defaults", "expected"), [
    ("templateDefaults: {container: {image: busybox}, script: {image: alpine}}", []),
    ("templateDefaults: {container: {image: busybox}}",
     ["bad.yaml: {kind} d: templates.s.script.image: image may not be empty"]),
    ("", ["bad.yaml: {kind} d: templates.c.container.image: image may not be empty",
          "bad.yaml: {kind} d: templates.s.script.image: image may not be empty"]),
], ids=["both-defaulted", "container-only", "none"])
def test_an_image_from_template_defaults_satisfies_lint(kind: str, defaults: str, expected: list[str]) -> None:
    problems = [str(p) for p in lint_objects(load_text(WORKFLOW.format(kind=kind, defaults=defaults), "bad.yaml"))]
    assert problems == [e.format(kind=kind) for e in expected]
