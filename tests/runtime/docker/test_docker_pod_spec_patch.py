"""``podSpecPatch`` on the Docker runtime: the workflow's and the template's patches (JSON or
YAML, by container name) change the containers Docker runs; what Docker has no use for is
ignored and listed."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import docker
import pytest
import yaml

from argosy.controller import Controller, data_store
from argosy.controller.gc import delete_workflow
from argosy.runtime.docker import DockerRuntime
from argosy.runtime.docker.config import LABEL_UID
from argosy.runtime.docker.patch import apply_patches


@pytest.mark.parametrize(("template", "workflow_patch", "want", "ignored"), [
    ({"name": "t", "container": {"image": "busybox", "resources": {"limits": {"memory": "1Gi"}}},
      "podSpecPatch": '{"containers":[{"name":"main","resources":{"limits":{"cpu":"100m"}}}]}'},
     "containers:\n- name: main\n  resources: {limits: {memory: 100Mi}}\n",
     {"container": {"image": "busybox", "resources": {"limits": {"memory": "100Mi", "cpu": "100m"}}}}, []),
    ({"name": "t", "script": {"image": "busybox", "source": "x", "env": [{"name": "A", "value": "1"}]}},
     ('{"containers":[{"name":"main","env":[{"name":"B","value":"2"}],"securityContext":{"runAsUser":7}},'
      '{"name":"wait","resources":{}}], "nodeSelector": {"disk": "ssd"}}'),
     {"script": {"image": "busybox", "source": "x", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                 "securityContext": {"runAsUser": 7}}}, ["nodeSelector"]),
    ({"name": "t", "containerSet": {"containers": [{"name": "a", "image": "busybox"}]},
      "podSpecPatch": "containers: [{name: a, image: alpine, livenessProbe: {}}, {name: nope}]"},
     None, {"containerSet": {"containers": [{"name": "a", "image": "alpine"}]}},
     ["containers[a].livenessProbe", "containers[nope] (no such container in the pod)"]),
    ({"name": "t", "container": {"image": "busybox"}},
     "securityContext: {runAsUser: 1000, runAsGroup: 2000}\nactiveDeadlineSeconds: 5\n",
     {"securityContext": {"runAsUser": 1000, "runAsGroup": 2000}}, []),
], ids=["wf-then-template", "env-merge-and-ignored", "container-set", "pod-fields"])
def test_patches_map_onto_the_template(template: dict[str, Any], workflow_patch: str | None,
                                       want: dict[str, Any], ignored: list[str]) -> None:
    out = apply_patches(template, 60.0, workflow_patch)
    for key, value in want.items():
        assert out.template[key] == value
    assert out.ignored == ignored
    if "activeDeadlineSeconds" in (workflow_patch or ""):
        assert out.deadline_seconds == 5.0


WORKFLOW = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: pod-spec-patch-}
spec:
  entrypoint: main
  arguments: {parameters: [{name: mem-limit, value: 100Mi}, {name: cpu-limit, value: 500m}]}
  podSpecPatch: |
    containers:
      - name: main
        resources:
          limits:
            memory: "{{workflow.parameters.mem-limit}}"
  templates:
  - name: main
    steps:
    - - {name: limits, template: limits}
      - {name: who, template: who}
      - {name: deadline, template: deadline}
      - {name: broken, template: broken}
  - name: limits
    podSpecPatch: '{"containers":[{"name":"main", "resources":{"limits":{"cpu": "{{workflow.parameters.cpu-limit}}" }}}]}'
    container: {image: busybox, command: [echo, hi]}
  - name: who
    podSpecPatch: |
      securityContext: {runAsUser: 1234}
      containers:
      - name: main
        env: [{name: GREETING, value: patched}]
    script: {image: busybox, command: [sh], source: 'echo "$(id -u) $GREETING"'}
  - name: deadline
    podSpecPatch: '{"activeDeadlineSeconds": 1, "terminationGracePeriodSeconds": 1}'
    container: {image: busybox, command: [sleep, "60"]}
  - name: broken
    podSpecPatch: '[not, a, mapping]'
    container: {image: busybox, command: [echo, never]}
"""


def test_patches_change_what_docker_runs(docker_runtime: DockerRuntime, tmp_path: Path) -> None:
    async def go() -> None:
        c = Controller(data_dir=tmp_path, store=data_store(tmp_path), runtime_kind="docker")
        try:
            uid = c.submit(yaml.safe_load(WORKFLOW))
            engine = await c.wait(uid)
            nodes = {n["displayName"]: n for n in engine.status()["nodes"].values()}
            assert nodes["limits"]["phase"] == "Succeeded", nodes["limits"].get("message")
            assert nodes["who"]["outputs"]["result"] == "1234 patched"
            assert nodes["deadline"]["phase"] == "Failed"
            assert "deadline" in nodes["deadline"]["message"]
            assert nodes["broken"]["phase"] == "Error"
            assert nodes["broken"]["message"].startswith("Error applying PodSpecPatch")
            # the limits pod is kept (no podGC): read its container's limits off the engine
            api = docker.from_env().api
            [main] = [x for x in api.containers(all=True, filters={"label": [f"{LABEL_UID}={uid}"]})
                      if nodes["limits"]["id"] in str(x.get("Labels"))]
            host = api.inspect_container(main["Id"])["HostConfig"]
            assert host["Memory"] == 100 * 2**20
            assert host["NanoCpus"] == 500_000_000
            assert await delete_workflow(c, uid)
        finally:
            await c.close()
            assert c.store is not None
            c.store.close()

    asyncio.run(go())
