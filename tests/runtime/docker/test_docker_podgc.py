"""``podGC`` and ``volumeClaimGC`` on the Docker runtime: which containers and claim volumes
are still there once a workflow ended, and that deleting the workflow removes the rest."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import docker
import pytest
import yaml

from argosy.controller import Controller, data_store
from argosy.controller.gc import delete_workflow
from argosy.runtime.docker import DockerRuntime
from argosy.runtime.docker.config import LABEL_NODE, LABEL_UID

WORKFLOW = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: podgc-}
spec:
  entrypoint: main
  volumeClaimTemplates:
  - metadata: {name: work}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Mi}}}
  templates:
  - name: main
    steps:
    - - {name: ok, template: ok}
      - {name: bad, template: bad}
  - name: ok
    metadata: {labels: {collect: "yes"}}
    container:
      image: busybox
      command: [sh, -c, "echo ok > /work/ok"]
      volumeMounts: [{name: work, mountPath: /work}]
  - name: bad
    container: {image: busybox, command: [sh, -c, "exit 3"]}
"""


def api() -> Any:
    return docker.from_env().api


def pods_left(uid: str, nodes: dict[str, Any]) -> set[str]:
    """Display names of the nodes whose containers are still on the engine."""
    names = {n["id"]: n["displayName"] for n in nodes.values()}
    found = api().containers(all=True, filters={"label": f"{LABEL_UID}={uid}"})
    return {names.get((c.get("Labels") or {}).get(LABEL_NODE, ""), "?") for c in found}


def claims_left(uid: str) -> int:
    return len((api().volumes(filters={"label": f"{LABEL_UID}={uid}"}) or {}).get("Volumes") or ())


def run(data: Path, extra: dict[str, Any], check: Any, *, succeed: bool = False) -> None:
    body = yaml.safe_load(WORKFLOW)
    body["spec"].update(extra)
    if succeed:
        body["spec"]["templates"][2]["container"]["command"] = ["true"]

    async def go() -> None:
        c = Controller(data_dir=data, store=data_store(data), runtime_kind="docker")
        try:
            uid = c.submit(body)
            engine = await c.wait(uid)
            await c.gc.drain()
            pods = c.gc._pods_runtime()
            await pods.settled(uid)
            await check(c, uid, engine.status()["nodes"], engine.phase)
            assert await delete_workflow(c, uid)
            assert pods_left(uid, engine.status()["nodes"]) == set()
            assert claims_left(uid) == 0
        finally:
            await c.close()
            assert c.store is not None
            c.store.close()

    asyncio.run(go())


@pytest.mark.parametrize(("pod_gc", "left"), [
    (None, {"ok", "bad"}),  # Argo keeps pods until the workflow is deleted
    ({"strategy": "OnPodCompletion"}, set()),
    ({"strategy": "OnPodSuccess"}, {"bad"}),
    ({"strategy": "OnWorkflowCompletion"}, set()),
    ({"strategy": "OnWorkflowSuccess"}, {"ok", "bad"}),  # the workflow failed
    ({"strategy": "OnPodCompletion", "labelSelector": {"matchLabels": {"collect": "yes"}}}, {"bad"}),
    ({"strategy": "OnWorkflowCompletion",
      "labelSelector": {"matchExpressions": [{"key": "collect", "operator": "DoesNotExist"}]}}, {"ok"}),
], ids=["none", "pod-completion", "pod-success", "wf-completion", "wf-success", "pod-selector", "wf-selector"])
def test_pod_gc_strategies(docker_runtime: DockerRuntime, tmp_path: Path, pod_gc: dict[str, Any] | None,
                           left: set[str]) -> None:
    async def check(c: Controller, uid: str, nodes: dict[str, Any], phase: str) -> None:
        assert phase == "Failed"
        assert pods_left(uid, nodes) == left

    run(tmp_path, {"podGC": pod_gc} if pod_gc else {}, check)


def test_delete_delay_keeps_the_pod_for_a_while(docker_runtime: DockerRuntime, tmp_path: Path) -> None:
    async def check(c: Controller, uid: str, nodes: dict[str, Any], phase: str) -> None:
        assert pods_left(uid, nodes) == {"ok", "bad"}
        deadline = time.monotonic() + 30
        while pods_left(uid, nodes) and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        assert pods_left(uid, nodes) == set()

    run(tmp_path, {"podGC": {"strategy": "OnPodCompletion", "deleteDelayDuration": "2s"}}, check)


COLLECTED = {"podGC": {"strategy": "OnPodCompletion"}}


@pytest.mark.parametrize(("extra", "succeed", "kept"), [
    (COLLECTED, False, 0),  # OnWorkflowCompletion is Argo's default
    ({**COLLECTED, "volumeClaimGC": {"strategy": "OnWorkflowCompletion"}}, False, 0),
    ({**COLLECTED, "volumeClaimGC": {"strategy": "OnWorkflowSuccess"}}, False, 1),
    ({**COLLECTED, "volumeClaimGC": {"strategy": "OnWorkflowSuccess"}}, True, 0),
    # a claim a kept pod still mounts stays until that pod goes (Kubernetes' PVC protection)
    ({}, True, 1),
], ids=["default", "completion", "success-failed", "success-succeeded", "pods-kept"])
def test_volume_claim_gc(docker_runtime: DockerRuntime, tmp_path: Path, extra: dict[str, Any],
                         succeed: bool, kept: int) -> None:
    async def check(c: Controller, uid: str, nodes: dict[str, Any], phase: str) -> None:
        assert phase == ("Succeeded" if succeed else "Failed")
        assert claims_left(uid) == kept

    run(tmp_path, extra, check, succeed=succeed)


def test_a_claim_goes_once_the_pods_that_mount_it_are_collected(docker_runtime: DockerRuntime,
                                                                tmp_path: Path) -> None:
    async def check(c: Controller, uid: str, nodes: dict[str, Any], phase: str) -> None:
        assert claims_left(uid) == 1  # "ok" mounts it, and its removal waits an hour
        await c.gc._pods_runtime().collect_pods(uid, None)
        assert claims_left(uid) == 0

    run(tmp_path, {"podGC": {"strategy": "OnPodSuccess", "deleteDelayDuration": "1h"}}, check)
