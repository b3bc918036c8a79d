"""Whole workflows on the Docker runtime: ``{{steps.X.ip}}``, retries, clean-up after the run."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import docker
import yaml

from argosy.controller import prepare_workflow
from argosy.runtime.docker import DockerRuntime
from argosy.runtime.docker.config import LABEL_UID
from argosy.spec import ObjectSet
from argosy.testing import run_workflows

DAEMON = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: daemon-ip-}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: server, template: server}
    - - name: client
        template: client
        arguments: {parameters: [{name: ip, value: "{{steps.server.ip}}"}]}
  - name: server
    daemon: true
    container:
      image: nginx:1.13
      readinessProbe: {httpGet: {path: /, port: 80}}
  - name: client
    inputs: {parameters: [{name: ip}]}
    retryStrategy: {limit: 2}
    container:
      image: curlimages/curl:latest
      command: [sh, -c]
      args: ["curl -s -m 5 http://{{inputs.parameters.ip}}/"]
"""

RETRY = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: retry-}
spec:
  entrypoint: flaky
  volumeClaimTemplates:
  - metadata: {name: count}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Mi}}}
  templates:
  - name: flaky
    retryStrategy: {limit: 3}
    container:
      image: busybox
      command: [sh, -c]
      args: ["echo x >> /count/n; [ $(wc -l < /count/n) -ge 3 ]"]
      volumeMounts: [{name: count, mountPath: /count}]
"""


def run(text: str, data: Path) -> Any:
    wf = prepare_workflow(yaml.safe_load(text), ObjectSet([]), {}, None)
    [engine] = asyncio.run(run_workflows([wf], ObjectSet([]), data, runtime_kind="docker"))
    return engine


def leftovers(uid: str) -> list[Any]:
    api = docker.from_env().api
    label = {"label": f"{LABEL_UID}={uid}"}
    return [*api.containers(all=True, filters=label), *api.networks(filters=label),
            *((api.volumes(filters=label) or {}).get("Volumes") or ())]


def test_steps_reach_a_daemon_by_its_ip(docker_runtime: DockerRuntime, tmp_path: Path) -> None:
    e = run(DAEMON, tmp_path)
    nodes = {n["displayName"]: n for n in e.status()["nodes"].values()}
    assert e.phase == "Succeeded", e.status(with_nodes=False).get("message")
    assert nodes["server"]["podIP"] not in ("", "127.0.0.1")
    assert "Welcome to nginx!" in nodes["client"]["outputs"]["result"]
    assert leftovers(e.uid) == []


def test_retries_share_a_claim_volume_that_goes_with_the_workflow(docker_runtime: DockerRuntime,
                                                                  tmp_path: Path) -> None:
    e = run(RETRY, tmp_path)
    assert e.phase == "Succeeded"
    attempts = [n for n in e.status()["nodes"].values() if n["type"] == "Pod"]
    assert [n["phase"] for n in attempts].count("Failed") == 2
    assert leftovers(e.uid) == []


TERMINATE = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: terminate-}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: polite, template: polite}
      - {name: stubborn, template: stubborn}
  - name: polite
    container:
      image: busybox
      command: [sh, -c]
      args: ["trap 'echo got-term; exit 0' TERM; echo up; while true; do sleep 0.1; done"]
  - name: stubborn
    podSpecPatch: '{"terminationGracePeriodSeconds": 1}'
    container:
      image: busybox
      command: [sh, -c]
      args: ["trap '' TERM; echo up; while true; do sleep 0.1; done"]
"""


def test_terminate_sends_sigterm_then_sigkill_after_the_grace_period(docker_runtime: DockerRuntime,
                                                                   tmp_path: Path) -> None:
    from argosy.controller import Controller
    from argosy.runtime import RunContext

    wf = prepare_workflow(yaml.safe_load(TERMINATE), ObjectSet([]), {}, None)
    context = RunContext(tmp_path, workflow_uid=wf["metadata"]["uid"])

    async def main() -> Any:
        started: set[str] = set()

        def on_change(e: Any, changed: list[Any]) -> None:
            started.update(n.display_name for n in changed if n.type == "Pod" and n.phase == "Running")
            if started == {"polite", "stubborn"}:
                controller.terminate(e.uid)

        controller = Controller(data_dir=tmp_path, runtime_kind="docker", on_change=on_change)
        try:
            (engine,) = await controller.run([wf])
            return engine
        finally:
            await controller.close()

    e = asyncio.run(main())
    assert e.phase == "Failed"
    pods = {n["displayName"]: n for n in e.status()["nodes"].values() if n["type"] == "Pod"}
    assert {n["phase"] for n in pods.values()} == {"Failed"}
    logs = {p: context.read_log(e.name, p) for p in _pod_names(context, e.name)}
    # the polite step's trap ran (SIGTERM first); the stubborn one ignored it and was killed
    assert sorted("got-term" in text for text in logs.values()) == [False, True]
    assert leftovers(e.uid) == []


def _pod_names(context: Any, workflow: str) -> list[str]:
    from argosy.runtime.logs import journal_path, read_journal

    return sorted({r.pod for r in read_journal(journal_path(context.data_dir, context.workflow_uid or workflow))})
