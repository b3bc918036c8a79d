"""The workflow's own life: start, the root node, exit handler, workflow hooks, deadline, stop.

``WorkflowFrame`` owns the root node, the workflow's ``onExit`` handler and its
expression hooks, and decides the workflow's phase once they are all done.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from argosy.engine import nodes as N
from argosy.engine.frames import exit_hook
from argosy.engine.gates import Gate
from argosy.engine.intents import CancelPod, Intent
from argosy.engine.nodes import Node, NodeTable
from argosy.engine.protocols import Frame
from argosy.engine.scope import chain
from argosy.engine.timers import DEADLINE, Timers
from argosy.errors import ArgosyError
from argosy.expr import substitute_object
from argosy.spec import WORKFLOW_SCOPE as LOCAL
from argosy.spec import TemplateScope
from argosy.spec.kinds import Phase

#: a root node's phase -> the workflow's phase
WORKFLOW_PHASE = {
    N.PENDING: Phase.PENDING.value,
    N.RUNNING: Phase.RUNNING.value,
    N.SUCCEEDED: Phase.SUCCEEDED.value,
    N.SKIPPED: Phase.SUCCEEDED.value,
    N.OMITTED: Phase.SUCCEEDED.value,
    N.FAILED: Phase.FAILED.value,
    N.ERROR: Phase.ERROR.value,
}

DEADLINE_MESSAGE = "Step exceeded its deadline"


class LifecycleRole:
    """Start, stop, deadline and workflow hooks (mixed into ``Reconciler``)."""

    name: str
    spec: dict[str, Any]
    now: float
    nodes: NodeTable
    phase: str
    message: str | None
    started_at: float | None
    finished_at: float | None
    global_scope: dict[str, Any]
    shutdown: str | None
    deadline_message: str | None
    replaying: bool
    running_pods: set[str]
    pod_gate: Gate[Any]
    timers: Timers
    root_frame: WorkflowFrame | None
    _intents: list[Intent]
    _wf_hooks_fired: set[str]
    _wf_hooks_open: int

    if TYPE_CHECKING:  # provided by the other roles of Reconciler
        def finish(self, node: Node, phase: str, message: str | None = None) -> None: ...
        def arm(self, at: float, kind: str, node_id: str) -> None: ...
        def execute(self, name: str, holder: Mapping[str, Any], context: TemplateScope,
                    arguments: Mapping[str, Any] | None, *, boundary_id: str | None, owner: Frame,
                    local: Mapping[str, Any] | None = None, hooked: bool = False) -> Node: ...
        def eval_hook_expression(self, expression: str, scope: Mapping[str, Any]) -> bool: ...
        def failures(self) -> str: ...
        def kill_daemons(self, boundary: Node) -> None: ...
        def _init_global_scope(self) -> None: ...
        def _fail_suspended(self, message: str) -> None: ...
        def _fail_waiting_locks(self, message: str | None = None) -> None: ...
        def _error_node(self, name: str, holder: Mapping[str, Any], context: TemplateScope,
                        boundary_id: str | None, owner: Frame, message: str) -> Node: ...
        def _drain(self) -> None: ...
        def _flush(self) -> list[Intent]: ...

    @property
    def done(self) -> bool:
        return self.phase in (N.SUCCEEDED, N.FAILED, N.ERROR)

    def start(self, now: float) -> list[Intent]:
        """Begin running the workflow from its entrypoint."""
        self.now = now
        self.started_at = now
        self.phase = N.RUNNING
        self._begin()
        self._drain()
        return self._flush()

    def _begin(self) -> None:
        """Walk from the entrypoint: a fresh start, or (replaying) the rebuild of a restored one."""
        self._init_global_scope()
        frame = WorkflowFrame(self)
        self.root_frame = frame
        if self.spec.get("activeDeadlineSeconds") is not None and self.deadline_message is None:
            start = self.started_at if self.started_at is not None else self.now
            self.arm(start + float(self.spec["activeDeadlineSeconds"]), DEADLINE, self.name)
        entry = self.spec.get("entrypoint")
        if not entry:
            self._finish_workflow(N.ERROR, "spec.entrypoint is required")
            return
        self._run_workflow_hooks()
        self.execute(self.name, {"template": entry}, LOCAL, self.spec.get("arguments"),
                     boundary_id=None, owner=frame)

    def stop(self, now: float, strategy: str = "Stop") -> list[Intent]:
        """Argo's ``stop`` (exit handlers still run) or ``terminate`` (they don't)."""
        self.now = now
        if self.done or self.shutdown in (strategy, "Terminate"):
            return self._flush()
        self.shutdown = strategy  # a Stop may still be escalated to Terminate
        self._fail_waiting_pods()
        self._fail_waiting_locks()  # engine.sync
        self._fail_suspended(f"Stopped with strategy '{strategy}'")
        self._cancel_for_shutdown()
        self._drain()
        return self._flush()

    def _fail_waiting_pods(self) -> None:
        """Pods still waiting for the workflow's parallelism will not run (exit handlers' do, on Stop)."""
        message = f"Stopped with strategy '{self.shutdown}'"
        stopping = lambda w: self.shutdown == "Terminate" or not self._in_exit_handler(w[0])
        for node, _ in self.pod_gate.take(stopping):
            self.finish(node, N.FAILED, message)

    def _cancel_for_shutdown(self) -> None:
        message = f"Stopped with strategy '{self.shutdown}'"
        for nid in list(self.running_pods):
            if self.shutdown == "Terminate" or not self._in_exit_handler(self.nodes.get(nid)):
                self._intents.append(CancelPod(nid, message))

    def run_exit_hook(self, hook: Mapping[str, Any], name: str, boundary_id: str | None,
                      owner: Frame, context: TemplateScope, scope: Mapping[str, Any]) -> Node:
        """Run an exit handler or lifecycle hook as node ``name``."""
        holder = {k: v for k, v in hook.items() if k in ("template", "templateRef", "inline")}
        try:
            args = substitute_object(hook.get("arguments") or {}, chain(dict(scope), self.global_scope))
        except ArgosyError as err:  # e.g. an absent optional output in the hook's arguments
            return self._error_node(name, holder, context, boundary_id, owner, str(err))
        return self.execute(name, holder, context, args, boundary_id=boundary_id, owner=owner, hooked=True)

    def _ancestry(self, node: Node) -> Iterator[Node]:
        """The node, then each boundary it runs inside, up to the root."""
        current: Node | None = node
        while current is not None:
            yield current
            current = self.nodes.by_id.get(current.boundary_id) if current.boundary_id else None

    def _depth(self, boundary_id: str) -> int:
        """How many template calls deep a boundary runs (the entrypoint's is 1)."""
        return sum(1 for _ in self._ancestry(self.nodes.get(boundary_id)))

    def _in_exit_handler(self, node: Node) -> bool:
        """Whether a node runs as (or inside) an exit handler: ``stop`` still runs those."""
        return any(n.hooked for n in self._ancestry(node))

    def _timed_out(self, node: Node) -> None:
        if node.fulfilled:
            return
        for nid in list(self.running_pods):
            n = self.nodes.get(nid)
            if any(a is node for a in self._ancestry(n)):
                self._intents.append(CancelPod(nid, f"{node.name} exceeded its deadline"))
        self.finish(node, N.FAILED, f"{node.name} exceeded its deadline")

    def _workflow_deadline(self) -> None:
        if self.done or self.deadline_message is not None:
            return
        self.deadline_message = DEADLINE_MESSAGE
        self._fail_suspended(DEADLINE_MESSAGE)
        for nid in list(self.running_pods):
            self._intents.append(CancelPod(nid, DEADLINE_MESSAGE))
        self.shutdown = self.shutdown or "Terminate"
        self._fail_waiting_pods()
        self._fail_waiting_locks(DEADLINE_MESSAGE)

    def _run_workflow_hooks(self) -> None:
        hooks = self.spec.get("hooks") or {}
        if not hooks or self.done or self.root_frame is None:
            return
        scope = {"workflow.status": self.phase}
        for name, hook in hooks.items():
            if name == "exit" or name in self._wf_hooks_fired or not hook.get("expression"):
                continue
            node_name = f"{self.name}.hooks.{name}"
            if self.replaying:
                # a restored engine re-attaches the hooks that had fired, and fires no new one
                if self.nodes.by_name(node_name) is None:
                    continue
            elif not self.eval_hook_expression(hook["expression"], scope):
                continue
            self._wf_hooks_fired.add(name)
            self._wf_hooks_open += 1
            self.run_exit_hook(hook, node_name, None, self.root_frame, LOCAL, scope)

    def _finish_workflow(self, phase: str, message: str | None) -> None:
        self.phase = phase
        self.message = message or None
        self.finished_at = self.now
        self.global_scope["workflow.status"] = phase
        self.timers.clear()


class WorkflowFrame:
    """Owns the root node, the workflow's exit handler and workflow-level hooks."""

    def __init__(self, engine: LifecycleRole) -> None:
        self.engine = engine
        self.root: Node | None = None
        self.exit_node: Node | None = None
        self.node: Node | None = None

    def child_started(self, child: Node) -> None:
        pass

    def child_done(self, child: Node) -> None:
        e = self.engine
        if child.name == e.name:
            self.root = child
            self.node = child
            e.kill_daemons(child)
            hook = exit_hook(e.spec)
            phase = WORKFLOW_PHASE.get(child.phase, N.ERROR)
            e.global_scope["workflow.status"] = phase
            e.global_scope["workflow.failures"] = e.failures()
            # from the root's own end (not the clock): a restored engine computes the same
            end = child.finished_at if child.finished_at is not None else e.now
            e.global_scope["workflow.duration"] = str(max(0.0, end - (e.started_at or end)))
            if hook and e.shutdown != "Terminate":
                self.exit_node = e.run_exit_hook(hook, f"{e.name}.onExit", None, self, LOCAL, {})
                return
        elif child.name.startswith(e.name + ".hooks."):
            e._wf_hooks_open -= 1
        elif self.exit_node is not None and child.id == self.exit_node.id:
            self.exit_node = child
        else:
            return
        self._maybe_complete()

    def _maybe_complete(self) -> None:
        e = self.engine
        root = self.root
        if root is None or e._wf_hooks_open > 0 or e.done:
            return
        if self.exit_node is not None and not self.exit_node.fulfilled:
            return
        phase = WORKFLOW_PHASE.get(root.phase, N.ERROR)
        message = root.message
        if e.deadline_message and phase != N.SUCCEEDED:
            message = e.deadline_message
        elif e.shutdown and N.failed_or_error(root.phase):
            message = f"Stopped with strategy '{e.shutdown}'"
        ex = self.exit_node
        if phase == N.SUCCEEDED and ex is not None and N.failed_or_error(ex.phase):
            phase = N.FAILED if ex.phase == N.FAILED else N.ERROR
            message = ex.message
        e._finish_workflow(phase, message)
