"""One controller whose default runtime is ``process`` runs a workflow annotated
``workflows.argosy.dev/runtime: docker`` in containers, and another on the host."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import docker

from argosy.controller import Controller, data_store
from argosy.runtime.docker import DockerRuntime
from argosy.runtime.docker.config import LABEL_UID


def workflow(name: str, annotations: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
            "metadata": {"name": name, "annotations": annotations},
            "spec": {"entrypoint": "main", "templates": [{"name": "main", "script": {
                "image": "busybox", "command": ["sh"], "source": "cat /etc/os-release | head -1"}}]}}


def test_a_workflow_chooses_docker_on_a_process_controller(docker_runtime: DockerRuntime, tmp_path: Path) -> None:
    async def go() -> None:
        c = Controller(data_dir=tmp_path, store=data_store(tmp_path), runtime_kind="process")
        try:
            boxed = c.submit(workflow("boxed", {"workflows.argosy.dev/runtime": "docker"}))
            host = c.submit(workflow("host", {}))
            e_boxed, e_host = await c.wait(boxed), await c.wait(host)
            assert e_boxed.phase == "Succeeded" and e_host.phase == "Succeeded"
            result = {e.name: next(n for n in e.status()["nodes"].values() if n["type"] == "Pod")["outputs"]["result"]
                      for e in (e_boxed, e_host)}
            assert "Argosy test image" in result["boxed"]  # the busybox stand-in image's os-release
            assert "Argosy test image" not in result["host"]
            api = docker.from_env().api
            assert api.containers(all=True, filters={"label": f"{LABEL_UID}={boxed}"})  # kept: no podGC
            assert not api.containers(all=True, filters={"label": f"{LABEL_UID}={host}"})
        finally:
            await c.close()  # an embedded run removes what it kept
            assert c.store is not None
            c.store.close()
        assert not docker.from_env().api.containers(all=True, filters={"label": f"{LABEL_UID}={boxed}"})

    asyncio.run(go())


def test_a_restarted_controller_deletes_the_containers_a_workflow_kept(docker_runtime: DockerRuntime,
                                                                       tmp_path: Path) -> None:
    """As a server does: its runtime outlives no restart, the containers do; deleting the
    workflow afterwards (TTL, DELETE) still removes them."""
    from argosy.controller import default_runtime
    from argosy.controller.gc import delete_workflow

    async def first() -> str:
        store = data_store(tmp_path)
        c = Controller(data_dir=tmp_path, store=store, runtime=default_runtime("process"))
        uid = c.submit(workflow("kept", {"workflows.argosy.dev/runtime": "docker"}))
        assert (await c.wait(uid)).phase == "Succeeded"
        await c.close()  # not its runtime's owner: nothing removed, as a stopping server
        store.close()
        return uid

    async def second(uid: str) -> None:
        store = data_store(tmp_path)
        c = Controller(data_dir=tmp_path, store=store, runtime=default_runtime("process"))
        assert await delete_workflow(c, uid)
        await c.close()
        store.close()

    uid = asyncio.run(first())
    api = docker.from_env().api
    assert api.containers(all=True, filters={"label": f"{LABEL_UID}={uid}"})
    asyncio.run(second(uid))
    assert not api.containers(all=True, filters={"label": f"{LABEL_UID}={uid}"})
