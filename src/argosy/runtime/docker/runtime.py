"""The Docker runtime: each node runs as a pod of containers on the local Docker Engine.

``run`` has the shape every runtime has today (run one node to completion; cancelling it
stops the node). ``adopt`` is for a restarted Argosy: it finds a node's containers by their
labels and follows a main container that is still running to its end instead of starting
the node again. ``finish_workflow`` removes what a workflow kept between its nodes (its
network, its claim-template volumes).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from argosy.engine.intents import PodResult, PodSpec
from argosy.errors import RuntimeFailure
from argosy.runtime.base import RunContext
from argosy.runtime.docker.config import LABEL_CONTAINER, LABEL_NODE, LABEL_ROLE, LABEL_UID
from argosy.runtime.docker.daemon import DockerDaemon
from argosy.runtime.docker.pod import DockerPod, RunningContainer
from argosy.runtime.logs import MAIN

#: Kubernetes' message for a pod killed by activeDeadlineSeconds, as Argo shows it
DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"
#: Argo's message for a node whose pod disappeared
POD_DELETED = "pod deleted"


class DockerRuntime:
    """Runs nodes as containers on the local Docker Engine (``base_url``: default from the
    environment, as the ``docker`` CLI finds it)."""

    def __init__(self, base_url: str | None = None, daemon: DockerDaemon | None = None) -> None:
        self.daemon = daemon or DockerDaemon(base_url)
        self._workflows: set[str] = set()
        #: removals of finished pods still under way, by workflow uid
        self._removing: dict[str, set[asyncio.Future[None]]] = {}

    def check(self) -> None:
        """Raise :class:`RuntimeFailure` unless the Docker Engine answers."""
        self.daemon.check()

    async def run(
        self, pod: PodSpec, context: RunContext, on_started: Callable[..., None]
    ) -> PodResult:
        """Run one node to completion; cancelling stops its containers (SIGTERM, then SIGKILL)."""
        self._workflows.add(pod.workflow_uid)
        node = DockerPod(self, pod, context, on_started)
        return await self._drive(node, node.execute(), pod.deadline_seconds)

    async def _drive(self, node: DockerPod, work: Any, deadline: float | None) -> PodResult:
        try:
            if deadline is None:
                return await work
            try:
                async with asyncio.timeout(max(deadline, 0.0)):
                    return await work
            except TimeoutError:
                await node.stop_all()
                return PodResult(phase="Failed", message=DEADLINE_MESSAGE, outputs=await node.partial_outputs())
        finally:
            await node.stop_all()
            # removal is off the hand-off path (the next node need not wait for it), as pod GC
            # is in Argo; finish_workflow and close wait for what is still being removed
            task = asyncio.ensure_future(node.remove())
            self._removing.setdefault(node.pod.workflow_uid, set()).add(task)
            task.add_done_callback(self._removing[node.pod.workflow_uid].discard)

    async def adopt(
        self, pod: PodSpec, context: RunContext, on_started: Callable[..., None]
    ) -> PodResult:
        """Follow a node that a previous Argosy started: wait for its running main container
        and read its outputs; a node whose containers are gone ended as Argo ends a deleted pod."""
        self._workflows.add(pod.workflow_uid)
        d = self.daemon
        found = await d.call(d.api.containers, all=True,
                             filters={"label": [f"{LABEL_UID}={pod.workflow_uid}", f"{LABEL_NODE}={pod.node_id}"]})
        node = DockerPod(self, pod, context, on_started)
        if not found:
            return PodResult(phase="Error", message=POD_DELETED)
        main_names = _main_names(pod.template)
        mains: list[RunningContainer] = []
        for c in found:
            labels = c.get("Labels") or {}
            name, role = labels.get(LABEL_CONTAINER, ""), labels.get(LABEL_ROLE, "")
            rc = RunningContainer(c["Id"], name, {}, MAIN if name == main_names[-1] else name,
                                  capture=name == main_names[-1])
            if c.get("State") != "running":
                rc.exit_code = -1  # (not running: nothing to stop)
            node.created.append(rc)
            if role == "holder":
                node.holder = rc.id
            elif role == "main" and name in main_names:
                mains.append(rc)
        main = next((m for m in mains if m.name == main_names[-1]), None)
        if main is None:
            await node.remove()
            return PodResult(phase="Error", message=POD_DELETED)
        info = await d.call(d.api.inspect_container, main.id)
        state = info.get("State") or {}
        if state.get("Status") == "created":
            # never started: nothing ran, so starting it afresh changes nothing
            await node.remove()
            return await self.run(pod, context, on_started)
        node.main = main
        node.network = d.network_name(pod.workflow_uid)
        deadline = pod.deadline_seconds
        if deadline is not None:
            deadline -= time.time() - _timestamp(state.get("StartedAt"))
        return await self._drive(node, self._follow(node, main, state), deadline)

    async def _follow(self, node: DockerPod, main: RunningContainer, state: dict[str, Any]) -> PodResult:
        d = self.daemon
        if state.get("Running"):
            main.exit_code = None
            # only what is written from now on: the journal has the rest already
            stream = await d.call(d.api.attach, main.id, stdout=True, stderr=True, stream=True, logs=False,
                                  demux=True)
            main.logs = asyncio.ensure_future(d.call(node._follow, main, stream))
            await node._report_started(main)
            code = await node._wait(main)
        else:
            code = int(state.get("ExitCode", 0))
            main.exit_code = code
        out = await d.call(d.api.logs, main.id, stdout=True, stderr=False)
        main.stdout_tail[:] = out[-(512 * 1024):]
        await node._stop_sidecars()
        return await node._finish(main, code)

    async def settled(self, workflow_uid: str) -> None:
        """Wait until the containers of the workflow's finished nodes are removed."""
        pending = self._removing.get(workflow_uid)
        if pending:
            await asyncio.gather(*list(pending), return_exceptions=True)

    async def finish_workflow(self, workflow_uid: str) -> None:
        """Remove a finished workflow's network, its claim-template volumes and any container
        of it still there."""
        self._workflows.discard(workflow_uid)
        await self.settled(workflow_uid)
        self._removing.pop(workflow_uid, None)
        await self.daemon.remove_workflow(workflow_uid)

    async def close(self) -> None:
        """Finish every workflow this runtime ran, then let go of the engine."""
        for uid in {*self._workflows, *self._removing}:
            try:
                await self.finish_workflow(uid)
            except RuntimeFailure:
                pass
        self.daemon.close()


def _main_names(template: dict[str, Any]) -> list[str]:
    """The names of the containers that are the node's work; the last one's outputs count."""
    cs = template.get("containerSet")
    if cs is not None:
        names = [s.get("name") or f"c{i}" for i, s in enumerate((cs or {}).get("containers") or ())]
        main = "main" if "main" in names else (names[-1] if names else MAIN)
        return [n for n in names if n != main] + [main]
    return [MAIN]


def _timestamp(text: Any) -> float:
    """Docker's RFC 3339 time (nanoseconds) as epoch seconds; now when absent."""
    if not text or str(text).startswith("0001-"):
        return time.time()
    s = str(text).rstrip("Z")
    head, _, frac = s.partition(".")
    return datetime.fromisoformat(head + "+00:00").timestamp() + (float("0." + frac[:6]) if frac else 0.0)
