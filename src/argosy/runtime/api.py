"""The runtime contract: start a pod, get a handle; cancel it; adopt it after a restart.

A Docker container or a Kubernetes Pod outlives the controller that started it, so the
controller does not hold a coroutine per node: it holds a :class:`NodeHandle` (plain data it
can persist) and hears about the node through a report callback (``PodStarted``, then exactly
one ``PodFinished`` per start, cancelled or not). After a restart it asks the runtime to
``adopt`` each handle it persisted; ``None`` means the pod is gone, which the engine treats as
Argo treats a deleted pod.

Today's runtimes (process, http, data, the fake) keep the simple shape of
:class:`~argosy.runtime.base.Runtime` (``run() -> PodResult``); :class:`TaskRuntime` turns
that shape into this contract with one asyncio task per node. A process started by the
process runtime dies with its controller (bubblewrap's ``--die-with-parent``), so
``TaskRuntime.adopt`` finds nothing: a node that was running when Argosy was killed is a
deleted pod.

ConfigMaps and Secrets reach runtimes and the engine through one :class:`ObjectSource`,
always asked with a namespace.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from argosy.engine.intents import PodFinished, PodProgress, PodResult, PodSpec, PodStarted
from argosy.errors import ArgosyError
from argosy.runtime.base import RunContext, Runtime

#: what a runtime reports about a node it started
NodeEvent = PodStarted | PodProgress | PodFinished
Report = Callable[[NodeEvent], None]


@dataclass(frozen=True, slots=True)
class NodeHandle:
    """How a runtime finds a node it started: plain data, persisted with the workflow.

    ``ref`` is the runtime's own identity of the pod (a container ID, a Pod's name and
    namespace); runtimes whose pods cannot outlive the controller leave it empty.
    """

    workflow_uid: str
    node_id: str
    pod_name: str
    ref: str = ""

    @classmethod
    def for_pod(cls, pod: PodSpec, ref: str = "") -> NodeHandle:
        return cls(pod.workflow_uid, pod.node_id, pod.pod_name, ref)

    def to_dict(self) -> dict[str, str]:
        return {"workflowUID": self.workflow_uid, "nodeID": self.node_id, "podName": self.pod_name,
                "ref": self.ref}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> NodeHandle:
        return cls(str(data.get("workflowUID", "")), str(data.get("nodeID", "")),
                   str(data.get("podName", "")), str(data.get("ref", "")))


class PodRuntime(Protocol):
    """What the controller asks of a runtime.

    ``start`` returns at once; the node's progress arrives through ``report``: at most one
    ``PodStarted`` and exactly one ``PodFinished`` (also after ``cancel``, and also when the
    runtime itself fails: then an ``Error`` result with the message). ``adopt`` re-attaches to
    a node started by an earlier controller, reporting through ``report`` from then on; it
    returns None when the pod no longer exists.
    """

    def start(self, pod: PodSpec, context: RunContext, report: Report) -> NodeHandle: ...

    def cancel(self, handle: NodeHandle, reason: str) -> None: ...

    def adopt(self, handle: NodeHandle, pod: PodSpec, context: RunContext,
              report: Report) -> NodeHandle | None: ...


class TaskRuntime:
    """The contract over a runtime of the simple ``run()`` shape: one asyncio task per node.

    ``now`` stamps the reports (the controller's clock, real or fake).
    """

    def __init__(self, runtime: Runtime, now: Callable[[], float]) -> None:
        self.runtime = runtime
        self.now = now
        self._tasks: dict[NodeHandle, tuple[asyncio.Task[None], PodSpec, Report]] = {}
        self._reasons: dict[NodeHandle, str] = {}

    def check(self) -> None:
        """Raise unless the wrapped runtime can run here."""
        check = getattr(self.runtime, "check", None)
        if check is not None:
            check()

    def start(self, pod: PodSpec, context: RunContext, report: Report) -> NodeHandle:
        handle = NodeHandle(pod.workflow_uid, pod.node_id, pod.pod_name)
        self._tasks[handle] = (asyncio.create_task(self._run(handle, pod, context, report)), pod, report)
        return handle

    def cancel(self, handle: NodeHandle, reason: str) -> None:
        running = self._tasks.get(handle)
        # a task already being cancelled is left to finish killing its processes: a second
        # cancel would cut that short
        if running is None or running[0].done() or handle in self._reasons:
            return
        self._reasons[handle] = reason
        running[0].cancel()
        # a task cancelled before its first step never enters ``_run``: report for it
        running[0].add_done_callback(lambda _: self._cancelled(handle))

    def adopt(self, handle: NodeHandle, pod: PodSpec, context: RunContext,
              report: Report) -> NodeHandle | None:
        """Follow a node an earlier controller started, when the wrapped runtime can find it
        (the docker runtime's containers outlive Argosy); None when it cannot: a process
        runtime's steps die with the controller that started them."""
        runtime_for = getattr(self.runtime, "runtime_for", None)
        # a NodeRuntime knows which of its runtimes ran the pod (a resource node finds its object again)
        adopt = getattr(runtime_for(pod.template) if runtime_for is not None else self._pods(), "adopt", None)
        if adopt is None:
            return None
        self._tasks[handle] = (asyncio.create_task(self._run(handle, pod, context, report, adopt)), pod, report)
        return handle

    async def _run(self, handle: NodeHandle, pod: PodSpec, context: RunContext, report: Report,
                   run: Any = None) -> None:
        node_id = pod.node_id
        # started() once the main process runs (with its address when the runtime gives each pod
        # one: ``{{steps.X.ip}}``); started(progress) when the main container reports progress
        started = lambda progress=None, ip=None: report(
            PodStarted(node_id, self.now(), ip) if progress is None
            else PodProgress(node_id, progress, self.now()))
        try:
            result = await (run or self.runtime.run)(pod, context, started)
        except asyncio.CancelledError:
            self._cancelled(handle)
            raise
        except ArgosyError as err:
            result = PodResult(phase="Error", message=str(err))
        except Exception as err:  # noqa: BLE001 - a runtime bug must not hang the workflow
            result = PodResult(phase="Error", message=f"runtime error: {type(err).__name__}: {err}")
        self._tasks.pop(handle, None)
        self._reasons.pop(handle, None)
        report(PodFinished(node_id, result, self.now()))


    async def finish_workflow(self, workflow_uid: str) -> None:
        """Let the wrapped runtime drop what a workflow kept between its nodes (if it keeps any)."""
        finish = getattr(self._pods(), "finish_workflow", None)
        if finish is not None:
            await finish(workflow_uid)

    async def close(self) -> None:
        """Release what the wrapped runtime holds (if it holds anything)."""
        close = getattr(self._pods(), "close", None)
        if close is not None:
            await close()

    def _pods(self) -> Any:
        # a NodeRuntime routes pods to its ``process`` runtime: that one keeps per-workflow state
        return getattr(self.runtime, "process", self.runtime)

    def _cancelled(self, handle: NodeHandle) -> None:
        """Report a cancelled node once: a daemon ends Succeeded, anything else Failed."""
        running = self._tasks.pop(handle, None)
        if running is None:
            return
        reason = self._reasons.pop(handle, "cancelled")
        _, pod, report = running
        result = PodResult(phase="Succeeded") if pod.daemon else PodResult(phase="Failed", message=reason)
        report(PodFinished(pod.node_id, result, self.now()))


def as_pod_runtime(runtime: Any, now: Callable[[], float]) -> PodRuntime:
    """``runtime`` itself when it speaks the contract, else :class:`TaskRuntime` around it."""
    if hasattr(runtime, "start") and hasattr(runtime, "adopt"):
        return runtime  # type: ignore[no-any-return]
    return TaskRuntime(runtime, now)
