"""DAG: dependencies, enhanced depends, omitted tasks, targets, loops, failure assessment."""

from __future__ import annotations

import pytest
from harness import run_workflow

DIAMOND = """
metadata: {name: d}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: A, template: say, arguments: {parameters: [{name: m, value: a}]}}
      - {name: B, template: say, dependencies: [A], arguments: {parameters: [{name: m, value: "{{tasks.A.outputs.result}}b"}]}}
      - {name: C, template: say, dependencies: [A], arguments: {parameters: [{name: m, value: c}]}}
      - {name: D, template: say, dependencies: [B, C], arguments: {parameters: [{name: m, value: "{{tasks.B.outputs.result}}{{tasks.C.outputs.result}}"}]}}
  - name: say
    inputs: {parameters: [{name: m}]}
    container: {image: busybox, command: [sh, -c, "echo {{inputs.parameters.m}}"]}
"""


def test_diamond_runs_and_links_children_like_argo() -> None:
    e = run_workflow(DIAMOND)
    assert e.phase == "Succeeded"
    n = {x.display_name: x for x in e.nodes}
    assert n["D"].outputs["result"] == "abc"
    assert n["d"].children == [n["A"].id]
    assert sorted(n["A"].children) == sorted([n["B"].id, n["C"].id])
    assert n["B"].children == [n["D"].id] and n["C"].children == [n["D"].id]
    assert n["d"].outbound_nodes == [n["D"].id]
    assert n["B"].name == "d.B"


FAILING = """
metadata: {name: f}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: A, template: fail}
      - {name: B, template: ok, depends: "A"}
      - {name: C, template: ok, depends: "A.Failed"}
      - {name: E, template: ok, depends: "A.Succeeded || A.Failed"}
  - name: ok
    container: {image: busybox, command: [echo, ok]}
  - name: fail
    container: {image: busybox, command: [sh, -c, "exit 1"]}
"""


def test_depends_omits_and_runs_failure_branches() -> None:
    e = run_workflow(FAILING)
    n = {x.display_name: x for x in e.nodes}
    assert n["A"].phase == "Failed"
    assert n["B"].phase == "Omitted" and n["B"].type == "Skipped"
    assert n["B"].message == "omitted: depends condition not met"
    assert n["C"].phase == "Succeeded" and n["E"].phase == "Succeeded"
    # B is a target reached only through the failed A: the DAG fails (assessDAGPhase)
    assert e.phase == "Failed"


def test_continue_on_failed_keeps_dag_green() -> None:
    text = FAILING.replace("{name: A, template: fail}", "{name: A, template: fail, continueOn: {failed: true}}")
    e = run_workflow(text)
    n = {x.display_name: x for x in e.nodes}
    assert n["B"].phase == "Succeeded"
    assert e.phase == "Succeeded"


def test_target_runs_only_its_ancestors() -> None:
    text = DIAMOND.replace("    dag:\n", "    dag:\n      target: B\n")
    e = run_workflow(text)
    names = {x.display_name for x in e.nodes}
    assert {"A", "B"} <= names and "C" not in names and "D" not in names
    assert e.phase == "Succeeded"


def test_looped_task_gets_a_task_group() -> None:
    text = """
metadata: {name: l}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: gen, template: say, arguments: {parameters: [{name: m, value: '[1,2,3]'}]}}
      - name: each
        template: say
        depends: gen
        withParam: "{{tasks.gen.outputs.result}}"
        arguments: {parameters: [{name: m, value: "{{item}}"}]}
      - {name: sum, template: say, depends: each.AnySucceeded, arguments: {parameters: [{name: m, value: "{{tasks.each.outputs.result}}"}]}}
  - name: say
    inputs: {parameters: [{name: m}]}
    container: {image: busybox, command: [echo, "{{inputs.parameters.m}}"]}
"""
    e = run_workflow(text)
    assert e.phase == "Succeeded"
    group = e.nodes.by_name("l.each")
    assert group.type == "TaskGroup"
    assert [e.nodes.get(c).name for c in group.children] == ["l.each(0:1)", "l.each(1:2)", "l.each(2:3)"]
    assert e.nodes.by_name("l.sum").outputs["result"] == "[1,2,3]"


@pytest.mark.parametrize("when,phase", [("'{{tasks.A.outputs.result}}' == 'a'", "Succeeded"),
                                        ("{{tasks.A.outputs.result}} != a", "Skipped")], ids=["true", "false"])
def test_when_on_tasks(when: str, phase: str) -> None:
    text = DIAMOND.replace("{name: C, template: say, dependencies: [A],",
                           f"{{name: C, template: say, dependencies: [A], when: \"{when}\",")
    text = text.replace('{{tasks.B.outputs.result}}{{tasks.C.outputs.result}}', '{{tasks.B.outputs.result}}')
    e = run_workflow(text)
    assert e.nodes.by_name("d.C").phase == phase
    assert e.phase == "Succeeded"


GATED = """
metadata: {name: g}
spec:
  entrypoint: main
  templates:
  - name: main
    parallelism: 1
    dag:
      tasks:
      - {name: late, template: say, dependencies: [a]}
      - {name: a, template: say}
      - {name: b, template: say}
      - {name: c, template: say}
  - name: say
    container: {image: busybox, command: [echo, hi]}
"""


def test_parallelism_admits_waiting_tasks_in_task_order() -> None:
    """Which waiting task runs next follows the DAG's task order, not when each became ready:
    ``late`` (ready after ``b`` and ``c``) is declared first, so it goes before ``c``. The
    order is a function of the nodes, so a restored engine makes the same choice."""
    e = run_workflow(GATED)
    assert [n.display_name for n in e.nodes if n.type == "Pod"] == ["a", "b", "late", "c"]
