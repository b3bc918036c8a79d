"""Argo's semantics in the corners: absent optional outputs, step groups that error, recursion."""

from __future__ import annotations

import pytest
from harness import by_display, run_workflow

from argosy.engine.intents import PodResult, PodSpec
from argosy.engine.nodes import MAX_DEPTH_MESSAGE

ABSENT = "output is an absent optional (skipped/omitted node with no default)"

#: a step/task ``a`` skipped by ``when``, whose template declares outputs with no default
PRODUCER = """
  - name: gen
    container: {image: busybox, command: [sh, -c, "echo hi > /tmp/p"]}
    outputs:
      parameters: [{name: p, valueFrom: {path: /tmp/p}}]
      artifacts: [{name: art, path: /tmp/p}]
  - name: say
    inputs: {parameters: [{name: m}]}
    container: {image: busybox, command: [sh, -c, "echo {{inputs.parameters.m}}"]}
  - name: say-default
    inputs: {parameters: [{name: m, default: fallback}]}
    container: {image: busybox, command: [sh, -c, "echo {{inputs.parameters.m}}"]}
  - name: take
    inputs: {artifacts: [{name: in, path: /tmp/in}]}
    container: {image: busybox, command: [sh, -c, "echo took"]}
  - name: take-optional
    inputs: {artifacts: [{name: in, path: /tmp/in, optional: true}]}
    container: {image: busybox, command: [sh, -c, "echo took"]}
"""


def steps_consumer(step: str) -> str:
    return f"""
metadata: {{name: wf}}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {{name: a, template: gen, when: "false"}}
    - - {step}
{PRODUCER}"""


def dag_consumer(task: str) -> str:
    return f"""
metadata: {{name: wf}}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {{name: a, template: gen, when: "false"}}
      - {task}
{PRODUCER}"""


REF = "{{steps.a.outputs.parameters.p}}"
TREF = "{{tasks.a.outputs.parameters.p}}"


@pytest.mark.parametrize(("step", "group_message"), [
    pytest.param("{name: b, template: say, arguments: {parameters: [{name: m, value: 'x-" + REF + "'}]}}",
                 f"failed to resolve references: unable to substitute {REF}: {ABSENT}", id="composite-argument"),
    pytest.param("{name: b, template: say, withParam: '" + REF + "', arguments: {parameters: [{name: m, value: x}]}}",
                 f"failed to resolve references: unable to substitute {REF}: {ABSENT}", id="withParam"),
    pytest.param("{name: b, template: say, withParam: 'not json', arguments: {parameters: [{name: m, value: x}]}}",
                 "withParam value could not be parsed as a JSON list: not json", id="bad-withParam"),
])
def test_a_step_group_that_errors_fails_its_steps_node_without_inventing_a_child(step: str, group_message: str) -> None:
    e = run_workflow(steps_consumer(step))
    assert (e.phase, e.message) == ("Failed", group_message)
    group = e.nodes.by_name("wf[1]")
    assert (group.phase, group.message) == ("Error", group_message)
    assert group.children == []
    assert e.nodes.by_name("wf[1].b") is None
    root = e.nodes.get("wf")
    assert (root.phase, root.message) == ("Failed", group_message)


def test_a_pure_reference_to_an_absent_optional_uses_the_input_default() -> None:
    e = run_workflow(steps_consumer(
        "{name: b, template: say-default, arguments: {parameters: [{name: m, value: '" + REF + "'}]}}"))
    assert e.phase == "Succeeded"
    assert by_display(e)["b"].outputs["result"] == "fallback"


def test_a_pure_reference_to_an_absent_optional_without_input_default_errors_the_step() -> None:
    e = run_workflow(steps_consumer(
        "{name: b, template: say, arguments: {parameters: [{name: m, value: '" + REF + "'}]}}"))
    cause = "inputs.parameters.m: argument references an absent optional (skipped/omitted node output with no default)"
    b = e.nodes.by_name("wf[1].b")
    assert (b.phase, b.message) == ("Error", cause)
    message = f"step group deemed errored due to child wf[1].b error: {cause}"
    assert (e.nodes.by_name("wf[1]").phase, e.nodes.by_name("wf[1]").message) == ("Error", message)
    assert (e.phase, e.message) == ("Failed", message)


@pytest.mark.parametrize(("input_template", "phase", "message"), [
    ("take", "Error", "inputs.artifacts.in missing location information"),
    ("take-optional", "Succeeded", None),
])
def test_an_artifact_from_a_skipped_step(input_template: str, phase: str, message: str | None) -> None:
    e = run_workflow(steps_consumer(
        "{name: b, template: " + input_template
        + ", arguments: {artifacts: [{name: in, from: '{{steps.a.outputs.artifacts.art}}'}]}}"))
    b = e.nodes.by_name("wf[1].b")
    assert (b.phase, b.message) == (phase, message)


@pytest.mark.parametrize(("task", "message"), [
    pytest.param("{name: b, depends: a, template: say, arguments: {parameters: [{name: m, value: 'x-" + TREF + "'}]}}",
                 f"unable to substitute {TREF}: {ABSENT}", id="composite-argument"),
    pytest.param("{name: b, depends: a, template: say, withParam: '" + TREF + "',"
                 " arguments: {parameters: [{name: m, value: x}]}}",
                 f"unable to substitute {TREF}: {ABSENT}", id="withParam"),
    pytest.param("{name: b, depends: a, template: take,"
                 " arguments: {artifacts: [{name: in, from: '{{tasks.a.outputs.artifacts.art}}'}]}}",
                 'Unable to resolve: "tasks.a.outputs.artifacts.art"', id="artifact-from"),
])
def test_a_task_referring_to_an_absent_optional_errors(task: str, message: str) -> None:
    e = run_workflow(dag_consumer(task))
    b = e.nodes.by_name("wf.b")
    assert (b.type, b.phase, b.message) == ("Skipped", "Error", message)
    assert e.phase == "Error"


def test_an_optional_artifact_argument_from_a_skipped_task_is_left_out() -> None:
    e = run_workflow(dag_consumer(
        "{name: b, depends: a, template: take-optional,"
        " arguments: {artifacts: [{name: in, optional: true, from: '{{tasks.a.outputs.artifacts.art}}'}]}}"))
    assert e.phase == "Succeeded"


RECURSIVE_STEPS = """
metadata: {name: r}
spec:
  entrypoint: again
  templates:
  - name: again
    steps:
    - - {name: deeper, template: again}
"""

RECURSIVE_DAG = """
metadata: {name: r}
spec:
  entrypoint: again
  templates:
  - name: again
    dag:
      tasks:
      - {name: work, template: say}
      - {name: deeper, template: again, depends: work}
  - name: say
    container: {image: busybox, command: [sh, -c, "echo hi"]}
"""


@pytest.mark.parametrize(("text", "phase"), [(RECURSIVE_STEPS, "Failed"), (RECURSIVE_DAG, "Error")], ids=["steps", "dag"])
def test_unbounded_recursion_stops_at_argos_maximum_depth(text: str, phase: str) -> None:
    e = run_workflow(text)
    assert e.phase == phase
    errored = [n for n in e.nodes if n.message == MAX_DEPTH_MESSAGE]
    assert len(errored) == 1
    deepest = errored[0]
    assert (deepest.type, deepest.phase) == ("Skipped", "Error")
    # the entrypoint is call 1: the 100th nested call is refused
    depth = 1
    boundary = deepest.boundary_id
    while boundary is not None:
        depth += 1
        boundary = e.nodes.get(boundary).boundary_id
    assert depth == 100


PROGRESS = """
metadata: {name: p}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: reports, template: work, arguments: {parameters: [{name: code, value: "0"}, {name: reported, value: 50/100}]}}
      - {name: silent, template: work, arguments: {parameters: [{name: code, value: "0"}, {name: reported, value: ""}]}}
      - name: fails
        template: work
        continueOn: {failed: true}
        arguments: {parameters: [{name: code, value: "1"}, {name: reported, value: 50/100}]}
  - name: work
    inputs: {parameters: [{name: code}, {name: reported}]}
    container: {image: busybox, command: [sh, -c, "echo {{inputs.parameters.reported}} > $ARGO_PROGRESS_FILE; exit {{inputs.parameters.code}}"]}
"""


def test_progress_reported_by_a_step_is_its_nodes_and_sums_into_the_workflows() -> None:
    def handler(pod: PodSpec) -> PodResult:  # stands for a runtime reading ARGO_PROGRESS_FILE
        values = {p["name"]: p["value"] for p in pod.template["inputs"]["parameters"]}
        code = int(values["code"])
        return PodResult(phase="Succeeded" if code == 0 else "Failed", exit_code=code,
                         outputs={"exitCode": str(code)}, progress=values["reported"] or None)

    e = run_workflow(PROGRESS, handler)
    nodes = by_display(e)
    # Argo completes a succeeded node's progress (M/M); a failed one keeps what it reported
    assert (nodes["reports"].progress, nodes["silent"].progress, nodes["fails"].progress) == ("100/100", "1/1", "50/100")
    assert e.status()["progress"] == "151/201"


WHEN_FIRST_STEPS = """
metadata: {name: w}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: gen, template: gen, when: "false"}
    - - name: each
        template: say
        when: "{{steps.gen.status}} == Succeeded"
        withParam: "{{steps.gen.outputs.result}}"
        arguments: {parameters: [{name: m, value: "{{item}}"}]}
      - name: literal
        template: say
        when: "{{steps.gen.status}} == Succeeded"
        withItems: [1, 2]
        arguments: {parameters: [{name: m, value: "{{item}}"}]}
      - name: plain
        template: say
        when: "{{steps.gen.status}} == Succeeded"
        arguments: {parameters: [{name: m, value: "{{steps.gen.outputs.result}}"}]}
  - name: gen
    container: {image: busybox, command: [sh, -c, "echo '[1]'"]}
  - name: say
    inputs: {parameters: [{name: m}]}
    container: {image: busybox, command: [sh, -c, "echo {{inputs.parameters.m}}"]}
"""

WHEN_FIRST_DAG = """
metadata: {name: w}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: gen, template: gen, when: "false"}
      - name: each
        depends: gen
        template: say
        when: "{{tasks.gen.status}} == Succeeded"
        withParam: "{{tasks.gen.outputs.result}}"
        arguments: {parameters: [{name: m, value: "{{item}}"}]}
      - name: plain
        depends: gen
        template: say
        when: "{{tasks.gen.status}} == Succeeded"
        arguments: {parameters: [{name: m, value: "{{tasks.gen.outputs.result}}"}]}
  - name: gen
    container: {image: busybox, command: [sh, -c, "echo '[1]'"]}
  - name: say
    inputs: {parameters: [{name: m}]}
    container: {image: busybox, command: [sh, -c, "echo {{inputs.parameters.m}}"]}
"""


@pytest.mark.parametrize("text", [WHEN_FIRST_STEPS, WHEN_FIRST_DAG], ids=["steps", "dag"])
def test_when_is_decided_before_the_rest_of_a_step_is_resolved(text: str) -> None:
    e = run_workflow(text)
    assert e.phase == "Succeeded"
    n = by_display(e)
    # a loop over outputs that do not exist, not to run anyway: Argo calls it "Skipped, empty params"
    assert (n["each"].type, n["each"].phase, n["each"].message) == ("Skipped", "Skipped", "Skipped, empty params")
    assert (n["plain"].phase, n["plain"].message) == ("Skipped", "when 'Skipped == Succeeded' evaluated false")
    if "literal" in text:
        assert n["literal(0:1)"].message == "when 'Skipped == Succeeded' evaluated false"


@pytest.mark.parametrize("value", ["[]", "null"])
def test_an_empty_with_param_list_skips_the_step(value: str) -> None:
    e = run_workflow(f"""
metadata: {{name: e}}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {{name: each, template: say, withParam: '{value}', arguments: {{parameters: [{{name: m, value: "{{{{item}}}}"}}]}}}}
    - - {{name: after, template: say, arguments: {{parameters: [{{name: m, value: done}}]}}}}
  - name: say
    inputs: {{parameters: [{{name: m}}]}}
    container: {{image: busybox, command: [sh, -c, "echo {{{{inputs.parameters.m}}}}"]}}
""")
    assert e.phase == "Succeeded"
    n = by_display(e)
    assert (n["each"].phase, n["each"].message) == ("Skipped", "Skipped, empty params")
    assert n["after"].outputs["result"] == "done"


def test_an_empty_with_items_runs_the_step_once_as_argo_does() -> None:
    # Argo expands a step only when withItems is non-empty (WorkflowStep.ShouldExpand)
    e = run_workflow("""
metadata: {name: e}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: each, template: say, withItems: [], arguments: {parameters: [{name: m, value: once}]}}
  - name: say
    inputs: {parameters: [{name: m}]}
    container: {image: busybox, command: [sh, -c, "echo {{inputs.parameters.m}}"]}
""")
    assert e.phase == "Succeeded"
    assert (by_display(e)["each"].type, by_display(e)["each"].outputs["result"]) == ("Pod", "once")


@pytest.mark.parametrize(("artifact", "phase", "message"), [
    ("{name: in, path: /tmp/in, optional: true, http: {}}", "Succeeded", None),
    ("{name: in, path: /tmp/in, http: {}}", "Error", "inputs.artifacts.in was not supplied"),
    ("{name: in, path: /tmp/in, http: {url: 'https://example.com/x'}}", "Succeeded", None),
], ids=["optional-without-url", "required-without-url", "with-url"])
def test_an_input_artifact_needs_a_location_unless_optional(artifact: str, phase: str, message: str | None) -> None:
    e = run_workflow(f"""
metadata: {{name: a}}
spec:
  entrypoint: main
  templates:
  - name: main
    inputs: {{artifacts: [{artifact}]}}
    container: {{image: busybox, command: [sh, -c, "echo hi"]}}
""")
    root = e.nodes.get("a")
    assert (root.phase, root.message) == (phase, message)


def steps_outputs(parameter: str) -> str:
    return f"""
metadata: {{name: o}}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {{name: a, template: gen, when: "false"}}
    outputs:
      parameters: [{parameter}]
  - name: gen
    container: {{image: busybox, command: [sh, -c, "echo hi > /tmp/p"]}}
    outputs: {{parameters: [{{name: p, valueFrom: {{path: /tmp/p}}}}]}}
"""


@pytest.mark.parametrize(("parameter", "value", "message"), [
    ("{name: out, valueFrom: {parameter: '{{steps.a.outputs.parameters.p}}'}}", None,
     ('output parameter "out": "{{steps.a.outputs.parameters.p}}" is an absent optional '
     "(skipped/omitted node output with no default)")),
    ("{name: out, valueFrom: {parameter: '{{steps.a.outputs.parameters.p}}', default: dflt}}", "dflt", None),
    ("{name: out, valueFrom: {expression: \"steps.a.outputs.parameters.p ?? 'fallback'\"}}", "fallback", None),
    ("{name: out, valueFrom: {expression: 'steps.a.outputs.parameters.p', default: dflt}}", "dflt", None),
], ids=["no-default", "default", "expression-fallback", "expression-default"])
def test_template_outputs_from_an_absent_optional(parameter: str, value: str | None, message: str | None) -> None:
    e = run_workflow(steps_outputs(parameter))
    root = e.nodes.get("o")
    if message is None:
        assert (root.phase, root.outputs["parameters"][0]["value"]) == ("Succeeded", value)
    else:
        assert (root.phase, root.message) == ("Error", message)


@pytest.mark.parametrize(("builder", "ref"), [(steps_consumer, REF), (dag_consumer, TREF)], ids=["steps", "dag"])
def test_an_exit_hook_whose_arguments_name_an_absent_optional_errors_and_the_run_ends(builder, ref: str) -> None:
    dep = ", depends: a" if builder is dag_consumer else ""
    e = run_workflow(builder(
        "{name: b, template: say-default" + dep + ", hooks: {exit: {template: say,"
        " arguments: {parameters: [{name: m, value: 'x-" + ref + "'}]}}}}"))
    assert e.done
    hook = next(n for n in e.nodes if n.name.endswith(".b.onExit"))
    assert (hook.phase, hook.message) == ("Error", f"unable to substitute {ref}: {ABSENT}")


def test_a_task_whose_template_cannot_take_its_arguments_errors_with_argos_wording() -> None:
    e = run_workflow(dag_consumer(
        "{name: b, depends: a, template: say, arguments: {parameters: [{name: m, value: '" + TREF + "'}]}}"))
    b = e.nodes.by_name("wf.b")
    assert (b.phase, b.message) == ("Error", ("task 'wf.b' errored: inputs.parameters.m: argument references an "
                                              "absent optional (skipped/omitted node output with no default)"))
    assert e.phase == "Error"
