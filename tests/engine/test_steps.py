"""Steps: groups in order, parallel steps, outputs passing, when, loops, node layout."""

from __future__ import annotations

from harness import by_display, run_workflow

from argosy.engine.nodes import node_id

HELLO = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: hello}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: a
        template: say
        arguments: {parameters: [{name: m, value: one}]}
    - - name: b
        template: say
        arguments: {parameters: [{name: m, value: "{{steps.a.outputs.result}}-two"}]}
      - name: c
        template: say
        when: "{{steps.a.outputs.result}} == nope"
        arguments: {parameters: [{name: m, value: x}]}
  - name: say
    inputs: {parameters: [{name: m}]}
    container: {image: busybox, command: [sh, -c], args: ["echo {{inputs.parameters.m}}"]}
"""


def test_steps_run_in_order_and_pass_outputs() -> None:
    e = run_workflow(HELLO)
    assert e.phase == "Succeeded"
    nodes = by_display(e)
    assert nodes["b"].outputs["result"] == "one-two"
    assert nodes["c"].phase == "Skipped"
    assert nodes["c"].message == "when 'one == nope' evaluated false"


def test_node_names_ids_and_layout_follow_argo() -> None:
    e = run_workflow(HELLO)
    root = e.nodes.get("hello")
    assert root.type == "Steps" and root.display_name == "hello"
    sg0 = e.nodes.by_name("hello[0]")
    assert sg0.type == "StepGroup" and sg0.display_name == "[0]"
    a = e.nodes.by_name("hello[0].a")
    assert a.id == node_id("hello", "hello[0].a") and a.type == "Pod"
    assert root.children == [sg0.id]
    assert sg0.children == [a.id]
    sg1 = e.nodes.by_name("hello[1]")
    assert a.children == [sg1.id]
    assert a.boundary_id == "hello"
    assert sorted(root.outbound_nodes) == sorted([e.nodes.by_name("hello[1].b").id, e.nodes.by_name("hello[1].c").id])
    d = a.to_dict()
    assert d["templateName"] == "say" and d["inputs"] == {"parameters": [{"name": "m", "value": "one"}]}
    assert None not in d.values()


def test_failed_step_fails_workflow_with_argo_message() -> None:
    e = run_workflow(HELLO.replace('args: ["echo {{inputs.parameters.m}}"]', 'args: ["exit 1"]'))
    assert e.phase == "Failed"
    a = e.nodes.by_name("hello[0].a")
    assert a.phase == "Failed" and a.message == "Error (exit code 1)"
    assert e.message == f"child '{a.id}' failed"
    assert e.nodes.by_name("hello[1]") is None


LOOP = """
metadata: {name: loop}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: p
        template: say
        arguments: {parameters: [{name: m, value: "{{item}}"}]}
        withItems: [a, 1, true]
      - name: q
        template: say
        arguments: {parameters: [{name: m, value: "{{item.os}}-{{item.v}}"}]}
        withItems: [{os: debian, v: 12}]
      - name: s
        template: say
        arguments: {parameters: [{name: m, value: "{{item}}"}]}
        withSequence: {count: "2", start: "5"}
    - - name: after
        template: say
        arguments: {parameters: [{name: m, value: "{{steps.p.outputs.result}}"}]}
  - name: say
    inputs: {parameters: [{name: m}]}
    container: {image: busybox, command: [echo, "{{inputs.parameters.m}}"]}
"""


def test_loops_name_nodes_like_argo_and_aggregate_results() -> None:
    e = run_workflow(LOOP)
    assert e.phase == "Succeeded"
    names = {n.name for n in e.nodes}
    assert {"loop[0].p(0:a)", "loop[0].p(1:1)", "loop[0].p(2:true)", "loop[0].q(0:os:debian,v:12)",
            "loop[0].s(0:5)", "loop[0].s(1:6)"} <= names
    assert e.nodes.by_name("loop[0].q(0:os:debian,v:12)").outputs["result"] == "debian-12"
    assert e.nodes.by_name("loop[1].after").outputs["result"] == '["a",1,true]'


def test_empty_loop_is_skipped() -> None:
    e = run_workflow(LOOP.replace("withItems: [a, 1, true]", "withParam: '[]'"))
    p = e.nodes.by_name("loop[0].p")
    assert p.phase == "Skipped" and p.message == "Skipped, empty params"


def test_global_parameters_and_outputs() -> None:
    wf = """
metadata: {name: g}
spec:
  entrypoint: main
  arguments: {parameters: [{name: x, value: 5}]}
  templates:
  - name: main
    container: {image: busybox, command: [echo, "{{workflow.parameters.x}} {{workflow.name}}"]}
    outputs:
      parameters:
      - name: out
        globalName: final
        valueFrom: {path: /tmp/x}
"""
    e = run_workflow(wf)
    assert e.phase == "Succeeded"
    assert e.nodes.get("g").outputs["result"] == "5 g"
    assert e.outputs == {"parameters": [{"name": "final", "value": "5 g"}]}
