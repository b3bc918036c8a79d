"""Argo's semantics in the corners, shown by whole workflows on the process runtime."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from argosy.cli.run import prepare_workflow, run_workflows
from argosy.engine.reconciler import Reconciler
from argosy.spec import ObjectSet, load_text


def run_text(text: str, data: Path) -> Reconciler:
    manifests = load_text(text)
    objects = ObjectSet(manifests)
    workflows = [prepare_workflow(m.body, objects, {}, None) for m in manifests if m.kind == "Workflow"]

    async def bounded() -> list[Reconciler]:
        return await asyncio.wait_for(run_workflows(workflows, objects, data, lambda engine, changed: None), 60)

    (engine,) = asyncio.run(bounded())
    return engine


def nodes(engine: Reconciler) -> dict[str, dict]:
    return {n["displayName"]: n for n in engine.status()["nodes"].values()}


def parameters(node: dict) -> dict[str, str]:
    return {p["name"]: p["value"] for p in (node.get("outputs") or {}).get("parameters") or ()}


LITERAL_OUTPUTS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: literal}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: one, template: emit, arguments: {parameters: [{name: x, value: solo}]}}
    - - {name: loop, template: emit, withItems: [a, b], arguments: {parameters: [{name: x, value: "{{item}}"}]}}
      - {name: retried, template: emit-retried, withItems: [c, d], arguments: {parameters: [{name: x, value: "{{item}}"}]}}
    - - name: show
        template: echo
        arguments:
          parameters:
          - {name: m, value: "{{steps.one.outputs.parameters.fixed}} {{steps.loop.outputs.parameters.fixed}} {{steps.retried.outputs.parameters.fixed}}"}
  - name: emit
    inputs: {parameters: [{name: x}]}
    container: {image: busybox, command: [sh, -c, "echo {{inputs.parameters.x}} > /tmp/out"]}
    outputs:
      parameters:
      - {name: fixed, value: "literal-{{inputs.parameters.x}}"}
      - {name: file, valueFrom: {path: /tmp/out}}
  - name: emit-retried
    retryStrategy: {limit: 1}
    inputs: {parameters: [{name: x}]}
    container: {image: busybox, command: [sh, -c, "true"]}
    outputs:
      parameters: [{name: fixed, value: "literal-{{inputs.parameters.x}}"}]
  - name: echo
    inputs: {parameters: [{name: m}]}
    container: {image: busybox, command: [echo, "{{inputs.parameters.m}}"]}
"""


def test_a_literal_output_value_is_the_nodes_output_and_loops_aggregate_it(tmp_path: Path) -> None:
    e = run_text(LITERAL_OUTPUTS, tmp_path)
    assert e.phase == "Succeeded", e.message
    n = nodes(e)
    assert parameters(n["one"]) == {"fixed": "literal-solo", "file": "solo"}
    # declared order, as Argo's executor reports its template's outputs
    assert [p["name"] for p in n["one"]["outputs"]["parameters"]] == ["fixed", "file"]
    one, loop, retried = n["show"]["outputs"]["result"].split(" ")
    assert one == "literal-solo"
    assert json.loads(loop) == ["literal-a", "literal-b"]
    assert json.loads(retried) == ["literal-c", "literal-d"]


NOT_FOUND = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: missing}
spec:
  entrypoint: main
  templates:
  - name: main
    container: {image: example.com/tool:1, command: [no-such-tool-argosy, --flag]}
"""


def test_a_command_that_is_not_found_fails_the_node_with_exit_code_64(tmp_path: Path) -> None:
    e = run_text(NOT_FOUND, tmp_path)
    root = nodes(e)["missing"]
    assert (e.phase, root["phase"], root["outputs"]["exitCode"]) == ("Failed", "Failed", "64")
    assert 'exec: "no-such-tool-argosy": executable file not found in $PATH' in root["message"]
    assert root["message"].startswith("Error (exit code 64): failed to find name in PATH")


PROGRESS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: progress}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: half, template: report, continueOn: {failed: true}, arguments: {parameters: [{name: code, value: "1"}]}}
      - {name: whole, template: report, arguments: {parameters: [{name: code, value: "0"}]}}
      - {name: argosay, template: argosay}
  - name: report
    inputs: {parameters: [{name: code}]}
    container: {image: alpine, command: [sh, -c, 'echo 50/100 > "$ARGO_PROGRESS_FILE"; exit {{inputs.parameters.code}}']}
  - name: argosay
    container: {image: argoproj/argosay:v2, command: [/argosay], args: [echo, hi]}
"""


def test_progress_written_by_steps_shows_in_their_nodes_and_the_workflow(tmp_path: Path) -> None:
    e = run_text(PROGRESS, tmp_path)
    assert e.phase == "Succeeded", e.message
    n = nodes(e)
    assert (n["half"]["progress"], n["whole"]["progress"], n["argosay"]["progress"]) == ("50/100", "100/100", "1/1")
    assert e.status()["progress"] == "151/201"


RUNNING_PROGRESS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: running}
spec:
  entrypoint: main
  templates:
  - name: main
    container: {image: alpine, command: [sh, -c, 'echo 1/4 > "$ARGO_PROGRESS_FILE"; sleep 4']}
"""


def test_a_running_steps_progress_is_read_while_it_runs(tmp_path: Path) -> None:
    seen: list[str | None] = []

    async def run() -> Reconciler:
        from argosy.runtime import DataRuntime, HttpRuntime, NodeRuntime
        from argosy.runtime.process import ProcessRuntime

        manifests = load_text(RUNNING_PROGRESS)
        objects = ObjectSet(manifests)
        workflows = [prepare_workflow(m.body, objects, {}, None) for m in manifests]
        runtime = NodeRuntime(ProcessRuntime(), HttpRuntime(), DataRuntime())
        (engine,) = await run_workflows(workflows, objects, tmp_path,
                                        lambda e, changed: seen.extend(n.progress for n in changed), runtime)
        return engine

    e = asyncio.run(asyncio.wait_for(run(), 60))
    assert e.phase == "Succeeded"
    # reported while running (Argo reads the file every 3 s), complete once it succeeded
    assert "1/4" in seen
    assert nodes(e)["running"]["progress"] == "4/4"
