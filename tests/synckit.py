"""What the synchronization tests share: a runtime whose pods end when the test says, and
workflows asking for locks."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from argosy.engine.intents import PodResult, PodSpec
from argosy.runtime.objects import ObjectDicts
from argosy.spec import load_text


class GatedRuntime:
    """Pods run until :meth:`finish` (or forever); records the order pods started in."""

    def __init__(self) -> None:
        self.gates: dict[str, asyncio.Future[PodResult]] = {}
        self.pods: dict[str, PodSpec] = {}
        self.started: list[str] = []
        self.on_start: Callable[[PodSpec], None] | None = None
        #: a crashed runtime reports nothing more (its controller was "killed")
        self.dead = False

    async def run(self, pod: PodSpec, context: Any, on_started: Callable[[], None]) -> PodResult:
        future: asyncio.Future[PodResult] = asyncio.get_running_loop().create_future()
        self.gates[pod.node_id] = future
        self.pods[pod.node_id] = pod
        self.started.append(pod.node_id)
        on_started()
        if self.on_start is not None:
            self.on_start(pod)
        try:
            result = await future
        finally:
            self.gates.pop(pod.node_id, None)
        if self.dead:
            await asyncio.Event().wait()  # never reports: its process is gone
        return result

    def running(self) -> list[str]:
        return [nid for nid, f in self.gates.items() if not f.done()]

    def running_workflows(self) -> list[str]:
        return sorted({self.pods[nid].workflow_name for nid in self.running()})

    def finish(self, node_id: str, phase: str = "Succeeded") -> None:
        future = self.gates.get(node_id)
        if future is not None and not future.done():
            code = 0 if phase == "Succeeded" else 1
            future.set_result(PodResult(phase=phase, exit_code=code, outputs={"exitCode": str(code)},
                                        message=None if code == 0 else "Error (exit code 1)"))

    def finish_named(self, name: str, phase: str = "Succeeded") -> None:
        for nid in self.running():
            if self.pods[nid].workflow_name == name:
                self.finish(nid, phase)


def workflow(name: str, *, sync: str = "", priority: int | None = None, namespace: str = "default",
             template_sync: str = "", pods: int = 1, exit_handler: bool = False,
             steps_sync: str = "") -> dict[str, Any]:
    """A workflow of ``pods`` parallel pods; ``sync`` (workflow), ``template_sync`` (the pods'
    template) and ``steps_sync`` (the Steps template holding them) are YAML flow mappings."""
    spec = ["entrypoint: main"]
    if sync:
        spec.append(f"synchronization: {sync}")
    if priority is not None:
        spec.append(f"priority: {priority}")
    if exit_handler:
        spec.append("onExit: bye")
    items = ", ".join(f'"{i}"' for i in range(pods))
    lock = f"synchronization: {template_sync}, " if template_sync else ""
    text = f"""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {{name: {name}, namespace: {namespace}}}
spec:
  {chr(10).join('  ' + s if i else s for i, s in enumerate(spec))}
  templates:
  - name: main
    {f"synchronization: {steps_sync}" if steps_sync else ""}
    steps:
    - - {{name: work, template: work, withParam: '[{items}]'}}
  - {{name: work, {lock}container: {{image: busybox, command: [echo, hi]}}}}
  - {{name: bye, container: {{image: busybox, command: [echo, bye]}}}}
"""
    return load_text(text)[0].body


def configmaps(**data: dict[str, str]) -> ObjectDicts:
    """ConfigMaps by name (any namespace), changeable while workflows run."""
    return ObjectDicts(configmaps={name: dict(values) for name, values in data.items()})


async def settle(rounds: int = 20) -> None:
    """Let every worker react to what just happened."""
    for _ in range(rounds):
        await asyncio.sleep(0)
