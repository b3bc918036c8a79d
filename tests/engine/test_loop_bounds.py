"""A loop beyond Argosy's ceiling errors its node with a message, in bounded memory."""

from __future__ import annotations

import pytest
from harness import by_display, run_workflow

CEILING = "more than the 100,000 one loop may have (see Limits in Argosy's README)"
LOOP = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: loop}
spec:
  entrypoint: main
  arguments: {parameters: [{name: n, value: "3000000000"}]}
  templates:
  - name: main
    steps:
    - - name: fan
        template: say
        LOOP
  - name: say
    container: {image: busybox, command: [echo, hi]}
"""


@pytest.mark.parametrize(
    ("loop", "message"),
    [
        ("withSequence: {count: '{{workflow.parameters.n}}'}",
         f"withSequence expands to 3,000,000,000 items, {CEILING}"),
        ("withSequence: {start: '-5', end: '{{workflow.parameters.n}}'}",
         f"withSequence expands to 3,000,000,006 items, {CEILING}"),
        ("withParam: '" + "[" * 5000 + "]" * 5000 + "'",
         "withParam value is nested too deeply to parse"),
    ],
    ids=["sequence-count", "sequence-end", "deep-param"],
)
def test_loop_past_the_ceiling_errors_its_node(loop: str, message: str) -> None:
    engine = run_workflow(LOOP.replace("LOOP", loop))
    # as Argo does when a step group cannot be expanded: the group errors, no step node is made
    assert engine.phase == "Failed" and engine.message == message
    group = by_display(engine)["[0]"]
    assert (group.phase, group.message) == ("Error", message)
    assert "fan" not in by_display(engine)


DEEP_RESULTS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: deep}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: fan, template: say, withItems: [1, 2]}
    - - {name: after, template: say, arguments: {parameters: [{name: m, value: "{{steps.fan.outputs.result}}"}]}}
  - name: say
    inputs: {parameters: [{name: m, value: x}]}
    container: {image: busybox, command: [echo, hi]}
"""


@pytest.mark.parametrize("depth_near_limit", [False, True], ids=["100000-deep", "960-deep"])
def test_deeply_nested_step_output_is_kept_as_text(depth_near_limit: bool) -> None:
    from argosy.runtime.base import result_of

    deep = "[" * 100_000 + "]" * 100_000
    if depth_near_limit:
        deep = "[" * 960 + "]" * 960
    engine = run_workflow(DEEP_RESULTS, lambda pod: result_of({"result": deep}))
    assert engine.phase == "Succeeded"
    assert by_display(engine)["after"].phase == "Succeeded"
