"""The Docker runtime: each node runs as a pod of containers on the local Docker Engine.

``run`` has the shape every runtime has today (run one node to completion; cancelling it
stops the node). ``adopt`` is for a restarted Argosy: it finds a node's containers by their
labels and follows a main container that is still running to its end instead of starting
the node again. ``finish_workflow`` removes what a workflow kept between its nodes (its
network, its claim-template volumes).
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from argosy.engine.intents import PodResult, PodSpec
from argosy.errors import RuntimeFailure
from argosy.runtime.base import RunContext
from argosy.runtime.docker.config import LABEL_CONTAINER, LABEL_NODE, LABEL_ROLE, LABEL_UID
from argosy.runtime.docker.daemon import DockerDaemon
from argosy.runtime.docker.patch import apply_patches
from argosy.runtime.docker.pod import DockerPod, RunningContainer
from argosy.runtime.logs import MAIN

#: Kubernetes' message for a pod killed by activeDeadlineSeconds, as Argo shows it
DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"
#: Argo's message for a node whose pod disappeared
POD_DELETED = "pod deleted"

log = logging.getLogger(__name__)


class DockerRuntime:
    """Runs nodes as containers on the local Docker Engine (``base_url``: default from the
    environment, as the ``docker`` CLI finds it)."""

    def __init__(self, base_url: str | None = None, daemon: DockerDaemon | None = None) -> None:
        self.daemon = daemon or DockerDaemon(base_url)
        self._workflows: set[str] = set()
        #: removals of finished pods still under way, by workflow uid
        self._removing: dict[str, set[asyncio.Future[None]]] = {}
        #: removals waiting for podGC's deleteDelayDuration, by workflow uid
        self._delayed: dict[str, set[asyncio.Future[None]]] = {}
        #: finished pods podGC keeps, by workflow uid and node id
        self._kept: dict[str, dict[str, DockerPod]] = {}
        #: workflows run under podGC rules (a controller's): their end removes only the network
        self._governed: set[str] = set()
        #: workflows whose claim volumes volumeClaimGC deletes (once no kept container mounts them)
        self._claims_due: set[str] = set()

    def check(self) -> None:
        """Raise :class:`RuntimeFailure` unless the Docker Engine answers."""
        self.daemon.check()

    async def run(
        self, pod: PodSpec, context: RunContext, on_started: Callable[..., None]
    ) -> PodResult:
        """Run one node to completion; cancelling stops its containers (SIGTERM, then SIGKILL)."""
        self._workflows.add(pod.workflow_uid)
        try:
            pod = patched_pod(pod, context)
        except RuntimeFailure as e:
            return PodResult(phase="Error", message=str(e))
        node = DockerPod(self, pod, context, on_started)
        return await self._drive(node, node.execute(), pod.deadline_seconds)

    async def _drive(self, node: DockerPod, work: Any, deadline: float | None) -> PodResult:
        result: PodResult | None = None
        try:
            if deadline is None:
                result = await work
                return result
            try:
                async with asyncio.timeout(max(deadline, 0.0)):
                    result = await work
                    return result
            except TimeoutError:
                await node.stop_all()
                result = PodResult(phase="Failed", message=DEADLINE_MESSAGE, outputs=await node.partial_outputs())
                return result
        finally:
            await node.stop_all()
            self._pod_ended(node, result.phase if result is not None else "Error")

    def _pod_ended(self, node: DockerPod, phase: str) -> None:
        """Remove a finished pod now, later (``deleteDelayDuration``) or not at all, as the
        workflow's podGC says; without rules (no controller) it is removed at once."""
        uid = node.pod.workflow_uid
        rules = node.context.pod_gc
        delay = 0.0 if rules is None else rules.at_pod_end(node.pod, phase)
        if rules is not None:
            self._governed.add(uid)
        if delay is None:
            # kept for inspection (``docker logs``/``inspect``) until the workflow's end or deletion;
            # what the node read (stdout tails, specs) is not: a server may keep thousands
            for c in node.created:
                c.stdout_tail, c.spec, c.logs = bytearray(), {}, None
            node.inputs, node.script = [], None
            self._kept.setdefault(uid, {})[node.pod.node_id] = node
            return
        if delay > 0:
            later = asyncio.ensure_future(self._remove_after(node, delay))
            self._delayed.setdefault(uid, set()).add(later)
            later.add_done_callback(self._delayed[uid].discard)
            return
        # removal is off the hand-off path (the next node need not wait for it), as pod GC
        # is in Argo; finish_workflow and close wait for what is still being removed
        task = asyncio.ensure_future(node.remove())
        self._removing.setdefault(uid, set()).add(task)
        task.add_done_callback(self._removing[uid].discard)

    async def _remove_after(self, node: DockerPod, delay: float) -> None:
        await asyncio.sleep(delay)
        await node.remove()
        await self._remove_due_claims(node.pod.workflow_uid)

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
        """A workflow ended: remove its network. Under podGC rules its kept pods and its claim
        volumes wait for :meth:`collect_pods`/:meth:`collect_claims` (the controller's GC) or
        :meth:`delete_workflow`; without rules everything of it goes now."""
        self._workflows.discard(workflow_uid)
        await self.settled(workflow_uid)
        self._removing.pop(workflow_uid, None)
        if workflow_uid in self._governed:
            await self.daemon.call(self.daemon.remove_networks, workflow_uid)
        else:
            await self.delete_workflow(workflow_uid)

    async def collect_pods(self, workflow_uid: str, select: Callable[[PodSpec], bool] | None = None) -> None:
        """Remove the finished pods of a workflow that podGC kept (those ``select`` picks; None:
        all of them, found by label too, so pods kept before a restart of Argosy go as well)."""
        kept = self._kept.get(workflow_uid, {})
        chosen = [n for n in kept.values() if select is None or select(n.pod)]
        for node in chosen:
            kept.pop(node.pod.node_id, None)
        await asyncio.gather(*(node.remove() for node in chosen))
        if select is None:
            self._kept.pop(workflow_uid, None)
            await self.daemon.call(self.daemon.remove_containers, workflow_uid)
        await self._remove_due_claims(workflow_uid)

    async def collect_claims(self, workflow_uid: str) -> None:
        """Remove the workflow's ``volumeClaimTemplates`` volumes (volumeClaimGC). A volume a
        kept container still mounts goes once that container does, as Kubernetes' PVC
        protection deletes a claim only when no pod uses it."""
        self._claims_due.add(workflow_uid)
        await self._remove_due_claims(workflow_uid)

    async def _remove_due_claims(self, workflow_uid: str) -> None:
        if workflow_uid in self._claims_due:
            await self.daemon.call(self.daemon.remove_volumes, workflow_uid)

    async def delete_workflow(self, workflow_uid: str) -> None:
        """The workflow is deleted: remove everything of it (pods kept or waiting, claims, network)."""
        for later in list(self._delayed.pop(workflow_uid, ())):
            later.cancel()
        await self.settled(workflow_uid)
        kept = self._kept.pop(workflow_uid, {})
        await asyncio.gather(*(node.remove() for node in kept.values()))
        self._governed.discard(workflow_uid)
        self._claims_due.discard(workflow_uid)
        await self.daemon.remove_workflow(workflow_uid)

    async def close(self) -> None:
        """Remove everything of every workflow this runtime ran, then let go of the engine: an
        embedded run's workflows are never deleted later, so nothing it kept would go."""
        for uid in {*self._workflows, *self._removing, *self._kept, *self._delayed}:
            try:
                await self.delete_workflow(uid)
            except RuntimeFailure:
                pass
        self.daemon.close()


def patched_pod(pod: PodSpec, context: RunContext) -> PodSpec:
    """``pod`` with the workflow's and its template's ``podSpecPatch`` applied (runtime.docker.patch)."""
    workflow_patch = getattr(context, "pod_spec_patch", None)
    if not workflow_patch and not pod.template.get("podSpecPatch"):
        return pod
    if callable(workflow_patch):
        workflow_patch = workflow_patch()
    patched = apply_patches(pod.template, pod.deadline_seconds, workflow_patch)
    if patched.ignored:
        key = (pod.workflow_uid, str(pod.template.get("name")))
        if key not in _WARNED:
            _WARNED.add(key)
            log.warning("podSpecPatch of %s/%s: ignored on Docker (no such thing on one engine): %s",
                        pod.workflow_name, pod.template.get("name"), ", ".join(patched.ignored))
    return dataclasses.replace(pod, template=patched.template, deadline_seconds=patched.deadline_seconds)


#: (workflow uid, template) whose ignored podSpecPatch fields were logged already
_WARNED: set[tuple[str, str]] = set()


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
