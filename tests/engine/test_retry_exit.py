"""Retries, exit handlers, hooks, suspend, parallelism, deadlines and stop/terminate."""

from __future__ import annotations

from itertools import pairwise

from harness import run_workflow

from argosy.engine.intents import PodSpec
from argosy.runtime.base import result_of

RETRY = """
metadata: {name: r}
spec:
  entrypoint: main
  templates:
  - name: main
    retryStrategy: {limit: "3", retryPolicy: OnFailure}
    container: {image: busybox, command: [sh, -c, "try {{retries}}"]}
"""


def flaky(succeed_on: int):
    def handler(pod: PodSpec) -> object:
        cmd = " ".join(pod.template["container"]["command"])
        attempt = int(cmd.rsplit(" ", 1)[1])
        return result_of({"result": str(attempt)}, exit_code=0 if attempt >= succeed_on else 1)
    return handler


def test_retry_until_success_names_attempts() -> None:
    e = run_workflow(RETRY, flaky(2))
    root = e.nodes.get("r")
    assert root.type == "Retry" and root.phase == "Succeeded"
    assert [e.nodes.get(c).name for c in root.children] == ["r(0)", "r(1)", "r(2)"]
    assert root.outputs["result"] == "2"
    assert e.phase == "Succeeded"


def test_retry_gives_up_after_limit() -> None:
    e = run_workflow(RETRY, flaky(99))
    root = e.nodes.get("r")
    assert len(root.children) == 4
    assert root.phase == "Failed" and root.message == "No more retries left"
    assert e.phase == "Failed"


def test_retry_policy_on_error_does_not_retry_failures() -> None:
    e = run_workflow(RETRY.replace("OnFailure", "OnError"), flaky(99))
    root = e.nodes.get("r")
    assert len(root.children) == 1 and root.phase == "Failed"


def test_retry_expression_stops_early() -> None:
    text = RETRY.replace("retryPolicy: OnFailure}", "retryPolicy: Always, expression: 'lastRetry.exitCode != \"1\"'}")
    e = run_workflow(text, flaky(99))
    root = e.nodes.get("r")
    assert len(root.children) == 1
    assert root.message == "retryStrategy.expression evaluated to false"


def test_backoff_waits_on_the_clock() -> None:
    text = RETRY.replace("retryPolicy: OnFailure}", "retryPolicy: OnFailure, backoff: {duration: 10s, factor: 2}}")
    e = run_workflow(text, flaky(2))
    attempts = [e.nodes.get(c) for c in e.nodes.get("r").children]
    gaps = [b.started_at - a.finished_at for a, b in pairwise(attempts)]
    assert gaps == [10.0, 20.0]


EXIT = """
metadata: {name: x}
spec:
  entrypoint: main
  onExit: bye
  templates:
  - name: main
    container: {image: busybox, command: [sh, -c, "exit 1"]}
  - name: bye
    container: {image: busybox, command: [echo, "{{workflow.status}}"]}
"""


def test_exit_handler_sees_workflow_status() -> None:
    e = run_workflow(EXIT)
    ex = e.nodes.by_name("x.onExit")
    assert ex is not None and ex.display_name == "x.onExit"
    assert ex.outputs["result"] == "Failed"
    assert e.phase == "Failed"


def test_step_exit_handler_runs_after_step() -> None:
    text = """
metadata: {name: s}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: a
        template: ok
        hooks:
          exit: {template: bye, arguments: {parameters: [{name: s, value: "{{steps.a.status}}"}]}}
  - name: ok
    container: {image: busybox, command: [echo, hi]}
  - name: bye
    inputs: {parameters: [{name: s}]}
    container: {image: busybox, command: [echo, "{{inputs.parameters.s}}"]}
"""
    e = run_workflow(text)
    ex = e.nodes.by_name("s[0].a.onExit")
    assert ex is not None and ex.phase == "Succeeded"
    assert ex.display_name == "a.onExit" and ex.outputs["result"] == "Succeeded"
    assert e.phase == "Succeeded"


def test_suspend_with_duration_resumes_on_the_clock() -> None:
    text = """
metadata: {name: z}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: wait, template: wait}
    - - {name: after, template: ok}
  - name: wait
    suspend: {duration: "30"}
  - name: ok
    container: {image: busybox, command: [echo, hi]}
"""
    e = run_workflow(text)
    wait = e.nodes.by_name("z[0].wait")
    assert wait.type == "Suspend" and wait.phase == "Succeeded"
    assert wait.finished_at - wait.started_at == 30
    assert e.phase == "Succeeded"


def test_indefinite_suspend_waits_for_resume() -> None:
    text = """
metadata: {name: s2}
spec:
  entrypoint: main
  templates:
  - name: main
    suspend: {}
"""
    e = run_workflow(text, control=lambda runner: runner.resume())
    assert e.phase == "Succeeded"


def test_workflow_parallelism_limits_running_pods() -> None:
    running: list[int] = []
    text = """
metadata: {name: p}
spec:
  entrypoint: main
  parallelism: 2
  templates:
  - name: main
    steps:
    - - {name: a, template: ok, withItems: [1, 2, 3, 4, 5]}
  - name: ok
    container: {image: busybox, command: [echo, hi]}
"""
    e = run_workflow(text)
    assert e.phase == "Succeeded"
    assert len([n for n in e.nodes if n.type == "Pod"]) == 5
    del running


def test_stop_runs_exit_handler_terminate_does_not() -> None:
    text = """
metadata: {name: t}
spec:
  entrypoint: main
  onExit: bye
  templates:
  - name: main
    suspend: {}
  - name: bye
    container: {image: busybox, command: [echo, bye]}
"""
    stopped = run_workflow(text, control=lambda r: r.stop("Stop"))
    assert stopped.phase == "Failed"
    assert stopped.message == "Stopped with strategy 'Stop'"
    assert stopped.nodes.by_name("t.onExit") is not None
    terminated = run_workflow(text, control=lambda r: r.stop("Terminate"))
    assert terminated.nodes.by_name("t.onExit") is None
    assert terminated.message == "Stopped with strategy 'Terminate'"


def test_workflow_deadline_fails_running_nodes() -> None:
    text = """
metadata: {name: dl}
spec:
  entrypoint: main
  activeDeadlineSeconds: 30
  templates:
  - name: main
    steps:
    - - {name: wait, template: wait}
  - name: wait
    suspend: {}
"""
    e = run_workflow(text)
    wait = e.nodes.by_name("dl[0].wait")
    assert wait.phase == "Failed" and wait.message == "Step exceeded its deadline"
    assert e.phase == "Failed" and e.message == "Step exceeded its deadline"
    assert e.finished_at - e.started_at == 30


def test_template_timeout_fails_a_steps_node() -> None:
    text = """
metadata: {name: to}
spec:
  entrypoint: main
  templates:
  - name: main
    timeout: 20s
    steps:
    - - {name: wait, template: wait}
  - name: wait
    suspend: {duration: "60"}
"""
    e = run_workflow(text)
    root = e.nodes.get("to")
    assert root.phase == "Failed" and root.message == "to exceeded its deadline"
    assert e.phase == "Failed"


def test_lifecycle_hook_fires_on_expression() -> None:
    text = """
metadata: {name: hk}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: a
        template: ok
        hooks:
          done:
            expression: steps.a.status == "Succeeded"
            template: ok
  - name: ok
    container: {image: busybox, command: [echo, hi]}
"""
    e = run_workflow(text)
    hook = e.nodes.by_name("hk[0].a.hooks.done")
    assert hook is not None and hook.phase == "Succeeded" and hook.display_name == "a.hooks.done"
    assert e.phase == "Succeeded"


def test_daemon_is_fulfilled_when_started_and_stopped_with_its_boundary() -> None:
    def handler(pod: PodSpec) -> object:
        return result_of({"result": "x"})

    text = """
metadata: {name: dm}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: server, template: server}
    - - {name: client, template: ok}
  - name: server
    daemon: true
    container: {image: busybox, command: [sleep, "100"]}
  - name: ok
    container: {image: busybox, command: [echo, hi]}
"""
    e = run_workflow(text, handler)
    assert e.nodes.by_name("dm[1].client").phase == "Succeeded"
    assert e.phase == "Succeeded"


def test_template_parallelism_limits_a_steps_group() -> None:
    text = """
metadata: {name: tp}
spec:
  entrypoint: main
  templates:
  - name: main
    parallelism: 1
    steps:
    - - {name: a, template: ok, withItems: [1, 2, 3]}
  - name: ok
    container: {image: busybox, command: [echo, hi]}
"""
    e = run_workflow(text)
    pods = sorted((n for n in e.nodes if n.type == "Pod"), key=lambda n: n.name)
    assert len(pods) == 3 and e.phase == "Succeeded"
