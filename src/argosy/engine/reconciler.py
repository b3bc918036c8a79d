"""The reconciler: a workflow's state machine, pure, incremental and restorable.

``Reconciler`` holds one workflow's status. Each public method takes the current time,
changes the status in memory and returns the intents (run this pod, cancel that one, wake
me at T) the controller must carry out. Nothing here does I/O, sleeps or reads a clock,
so every Argo behaviour is tested with a fake runtime and a fake clock.

Only the frames whose children changed do work on an event (see ``protocols.py``); the
status changes are tracked per node for the store (``NodeTable.drain_changes``).

The class is cut along its roles, each a mixin in its own module: ``pods`` (the runtime's
nodes and the workflow's parallelism), ``suspend``, ``lifecycle`` (start, stop, deadline,
exit handler and workflow hooks), ``variables`` (the global scope) and ``status``. This
module keeps what ties them together: creating nodes, executing templates (a memoized one
is looked up first: ``engine.memoize``), finishing nodes, timers, and restoring.

**Restoring.** All engine state is data derived from the persisted status plus the small
``record()``: ``restore`` loads the nodes and walks the workflow from its entrypoint again
with ``replaying`` set. During that walk a template whose node exists is not decided
anew: a fulfilled node just tells its owner, a Pending/Running pod is adopted
(``RunPod(adopt=True)``), a Steps/DAG/Retry node rebuilds its frame from its children, a
suspended node is suspended again, and timers are re-armed from node start times. Frames
that went as far as the nodes show stop where the uninterrupted engine stopped; only
``recover(now)`` then hands the intents to the controller.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from argosy.engine import nodes as N
from argosy.engine.arguments import process_template
from argosy.engine.dag import DagFrame
from argosy.engine.gates import Gate
from argosy.engine.intents import (
    Acquired,
    Intent,
    PodFinished,
    PodProgress,
    PodSpec,
    PodStarted,
    SaveMemo,
    WakeAt,
)
from argosy.engine.lifecycle import DEADLINE_MESSAGE, LifecycleRole, WorkflowFrame
from argosy.engine.memoize import Lookup, MemoCache, MemoEntry, NoMemoCache, look_up, memo_status
from argosy.engine.nodes import Node, NodeTable, pod_name
from argosy.engine.pods import PodsRole, Waiting
from argosy.engine.protocols import Frame
from argosy.engine.retry import RetryFrame
from argosy.engine.status import StatusRole
from argosy.engine.steps import StepsFrame
from argosy.engine.suspend import SuspendRole
from argosy.engine.sync import SyncRole
from argosy.engine.timers import BACKOFF, DEADLINE, SUSPEND, TIMEOUT, Timer, Timers
from argosy.engine.variables import VariablesRole
from argosy.errors import ArgosyError
from argosy.goformat import parse_rfc3339
from argosy.spec import WORKFLOW_SCOPE as LOCAL
from argosy.spec import ObjectSet, TemplateResolver, TemplateScope
from argosy.spec.duration import parse_duration
from argosy.spec.kinds import KIND_NODES

ConfigMapLookup = Callable[[str, str], str | None]


class Reconciler(PodsRole, SuspendRole, LifecycleRole, VariablesRole, StatusRole, SyncRole):
    """One workflow's state machine (see module docstring)."""

    def __init__(
        self,
        workflow: dict[str, Any],
        resolver: TemplateResolver | None = None,
        *,
        configmap: ConfigMapLookup | None = None,
        artifact_key_format: str | None = None,
        memo: MemoCache | None = None,
    ) -> None:
        meta = workflow.setdefault("metadata", {})
        self.workflow = workflow
        self.name: str = meta["name"]
        self.namespace: str = meta.get("namespace") or "default"
        self.uid: str = meta.get("uid") or ""
        self.spec: dict[str, Any] = workflow.setdefault("spec", {})
        self.resolver: TemplateResolver = resolver or TemplateResolver(workflow, ObjectSet())
        self._configmap = configmap or (lambda name, key: None)
        #: where memoized templates are looked up (engine.memoize); saves are SaveMemo intents
        self.memo: MemoCache = memo or NoMemoCache()
        #: entries this engine asked to save (``SaveMemo``), for later calls of the same key
        self._memo_saved: dict[tuple[str, str], MemoEntry] = {}
        self.artifact_key_format = artifact_key_format
        self.nodes = NodeTable(self.name)
        self.phase: str = N.PENDING
        self.message: str | None = None
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.outputs: dict[str, Any] = {}
        self.global_scope: dict[str, Any] = {}
        self.now = 0.0
        self.owner: dict[str, Frame] = {}
        self.frames: dict[str, Any] = {}
        self.pods: dict[str, PodSpec] = {}
        self.running_pods: set[str] = set()
        #: pods of containerSet templates: their containers are their outbound nodes
        self.container_sets: set[str] = set()
        self.pod_gate: Gate[Waiting] = Gate(int(self.spec.get("parallelism") or 0))
        self.suspended: dict[str, dict[str, Any]] = {}
        self.lock_waiting: dict[str, tuple[dict[str, Any], TemplateScope]] = {}
        self.lock_holding: set[str] = set()
        self.timers = Timers()
        self.shutdown: str | None = None
        self.deadline_message: str | None = None
        self.replaying = False
        self.root_frame: WorkflowFrame | None = None
        self._restored_waiting: dict[str, int] = {}
        self._intents: list[Intent] = []
        self._queue: deque[tuple[Frame, Node]] = deque()
        self._started: deque[tuple[Frame, Node]] = deque()
        self._wf_hooks_fired: set[str] = set()
        self._wf_hooks_open = 0
        #: the workflow's progress: the sum of its PROGRESS_TYPES nodes' (Argo's UpdateProgress)
        self._progress = [0, 0]

    # ---- restoring ---------------------------------------------------------------------

    @classmethod
    def restore(
        cls,
        workflow: dict[str, Any],
        resolver: TemplateResolver,
        *,
        configmap: ConfigMapLookup | None = None,
        record: dict[str, Any] | None = None,
        memo: MemoCache | None = None,
    ) -> Reconciler:
        """Rebuild an engine from a persisted workflow (manifest + ``status`` with its nodes)
        and the ``record()`` saved with it; call ``recover(now)`` next."""
        status = workflow.get("status") or {}
        body = {k: v for k, v in workflow.items() if k != "status"}
        engine = cls(body, resolver, configmap=configmap, memo=memo)
        record = record or {}
        engine.phase = status.get("phase") or N.PENDING
        engine.message = status.get("message")
        engine.started_at = parse_rfc3339(status["startedAt"]) if status.get("startedAt") else None
        engine.finished_at = parse_rfc3339(status["finishedAt"]) if status.get("finishedAt") else None
        latest = engine.started_at or 0.0
        for nid, d in (status.get("nodes") or {}).items():
            node = N.Node.from_dict({"id": nid, **d})
            engine.nodes.by_id[node.id] = node
            latest = max(latest, node.started_at or 0.0, node.finished_at or 0.0)
            if node.type == N.CONTAINER and node.boundary_id:
                engine.container_sets.add(node.boundary_id)
            if node.type in N.PROGRESS_TYPES:
                engine.count_progress(node.progress, 1)
        engine.now = max(latest, engine.finished_at or 0.0)
        engine.shutdown = record.get("shutdown")
        if record.get("deadlineExceeded"):
            engine.deadline_message = DEADLINE_MESSAGE
        engine._restored_waiting = {nid: i for i, nid in enumerate(record.get("waitingPods") or ())}
        if not engine.done and engine.nodes.by_id:
            engine.phase = N.RUNNING
            engine.replaying = True
            try:
                engine._begin()
                engine._drain()
            finally:
                engine.replaying = False
            engine._reorder_waiting()
        else:
            engine._init_global_scope()
        engine.restore_global_outputs(status.get("outputs"))
        engine.nodes.drain_changes()  # what was loaded is what the store has
        return engine

    def _reorder_waiting(self) -> None:
        """Pods waiting for the gate go back in the order they waited in."""
        if not self.pod_gate.waiting_count:
            return
        items = sorted(self.pod_gate.waiting(), key=lambda w: self._restored_waiting.get(w[0].id, 1 << 30))
        self.pod_gate.clear()
        for item in items:
            self.pod_gate.queue(item)

    def recover(self, now: float) -> list[Intent]:
        """What continues a restored workflow: adopt its pods, re-arm its timers, go on."""
        self.now = now
        if self.done:
            self._intents.clear()
            return []
        if not self.nodes.by_id:
            # persisted before its first node: start it (keeping the start it recorded, if any)
            started = self.started_at
            intents = self.start(now)
            self.started_at = started if started is not None else now
            return intents
        if self.shutdown:
            self._cancel_for_shutdown()  # a cancel sent before the crash may have been lost
        for node, template in self.pod_gate.admit():
            self._start_pod(node, template)
        self._drain()
        return self._flush() + [WakeAt(timer.at) for timer in self.timers]

    # ---- events --------------------------------------------------------------------------

    def handle(self, event: PodStarted | PodProgress | PodFinished | Acquired, now: float) -> list[Intent]:
        """Apply a runtime report (or the controller's answer to an ``Acquire``)."""
        self.now = now
        node = self.nodes.by_id.get(event.node_id)
        if node is None or N.fulfilled_phase(node.phase):
            return self._flush()
        if isinstance(event, Acquired):
            self._acquired(node, event)
            self._drain()
            return self._flush()
        if isinstance(event, PodProgress):
            if N.parse_progress(event.progress) is not None and event.progress != node.progress:
                self.set_progress(node, event.progress)
                self.nodes.touch(node)
            return self._flush()
        if isinstance(event, PodStarted):
            self._pod_started(node, event)
        else:
            self._pod_finished(node, event)
        self._drain()
        return self._flush()

    def tick(self, now: float) -> list[Intent]:
        """Fire every timer due at ``now``."""
        self.now = now
        while (timer := self.timers.pop_due(now)) is not None:
            self._fire(timer)
            self._drain()
        self._drain()
        return self._flush()

    @property
    def next_wakeup(self) -> float | None:
        return self.timers.next_at

    def arm(self, at: float, kind: str, node_id: str) -> None:
        """Wake the engine at ``at`` to handle timer ``kind`` of ``node_id`` (via ``tick``)."""
        if self.timers.arm(Timer(at, kind, node_id)) and not self.replaying:
            self._intents.append(WakeAt(at))

    def _fire(self, timer: Timer) -> None:
        if timer.kind == DEADLINE:
            self._workflow_deadline()
            return
        node = self.nodes.by_id.get(timer.node_id)
        if node is None:
            return
        if timer.kind == TIMEOUT:
            self._timed_out(node)
        elif timer.kind == SUSPEND:
            self._resume_node(node.id, None)
        elif timer.kind == BACKOFF:
            frame = self.frames.get(node.id)
            if frame is not None:
                frame.after_backoff()

    # ---- building blocks used by frames -----------------------------------------------

    def notify(self, owner: Frame, node: Node) -> None:
        self._queue.append((owner, node))

    def finish(self, node: Node, phase: str, message: str | None = None) -> None:
        """Mark a node fulfilled and tell its owner."""
        if N.fulfilled_phase(node.phase) and not node.daemoned:
            if self.replaying:
                # restored: it was finished here before; its owner must learn it again
                owner = self.owner.get(node.id)
                if owner is not None:
                    self._queue.append((owner, node))
            return
        node.phase = phase
        if message is not None:
            node.message = message
        node.finished_at = self.now
        if node.type in N.PROGRESS_TYPES:
            self._finish_progress(node, phase)
        memo = node.memoization_status
        if memo is not None and phase == N.SUCCEEDED and not memo.get("hit") and not node.retried:
            # a retry's attempts carry the status too; the retry node itself is what is saved
            self._intents.append(SaveMemo(self.namespace, memo["cacheName"], memo["key"], node.id,
                                          node.outputs, self.now))
            self._memo_saved[(memo["cacheName"], memo["key"])] = MemoEntry(node.id, node.outputs, self.now, self.now)
        if self.lock_holding or self.lock_waiting:
            self._release_locks(node)
        self.nodes.touch(node)
        owner = self.owner.get(node.id)
        if owner is not None:
            self._queue.append((owner, node))

    def new_node(
        self,
        name: str,
        node_type: str,
        phase: str,
        boundary_id: str | None,
        owner: Frame | None,
        *,
        template_name: str | None = None,
        template_ref: dict[str, Any] | None = None,
        template_scope: TemplateScope = LOCAL,
        message: str | None = None,
    ) -> Node:
        nid = self.nodes.id_for(name)
        existing = self.nodes.by_id.get(nid)
        if existing is not None:
            if owner is not None and self.replaying:
                self.owner[nid] = owner
            return existing
        node = Node(
            id=nid,
            name=name,
            display_name=self._display_name(name, boundary_id),
            type=node_type,
            phase=phase,
            boundary_id=boundary_id,
            template_name=template_name,
            template_ref=template_ref,
            template_scope=template_scope.status_scope(self.name),
            message=message,
            started_at=self.now,
        )
        if N.fulfilled_phase(phase):
            node.finished_at = self.now
        self.nodes.add(node)
        if owner is not None:
            self.owner[nid] = owner
        return node

    def skip(self, name: str, holder: Mapping[str, Any], boundary_id: str, owner: Frame,
             phase: str, message: str, context: TemplateScope) -> Node:
        """A node that will not run (``when`` false, depends not met, or an error before running)."""
        node = self.new_node(
            name, N.SKIPPED_NODE, phase, boundary_id, owner,
            template_name=holder.get("template"), template_ref=holder.get("templateRef"),
            template_scope=context, message=message,
        )
        self.notify(owner, node)
        return node

    def execute(
        self,
        name: str,
        holder: Mapping[str, Any],
        context: TemplateScope,
        arguments: Mapping[str, Any] | None,
        *,
        boundary_id: str | None,
        owner: Frame,
        local: Mapping[str, Any] | None = None,
        hooked: bool = False,
    ) -> Node:
        """Run the template ``holder`` calls as node ``name`` (Argo's executeTemplate)."""
        if self.replaying:
            existing = self.nodes.by_name(name)
            if existing is not None and existing.fulfilled and not existing.daemoned:
                # restored: it ended before the engine was persisted; its owner only needs to know
                self.owner[existing.id] = owner
                self.notify(owner, existing)
                return existing
        if boundary_id is not None and self._depth(boundary_id) >= N.MAX_STACK_DEPTH - 1:
            return self._error_node(name, holder, context, boundary_id, owner, N.MAX_DEPTH_MESSAGE)
        try:
            template, new_context = self.resolver.resolve(holder, context)
        except ArgosyError as err:
            return self._error_node(name, holder, context, boundary_id, owner, str(err))
        for key, node_type, is_pod in KIND_NODES:  # Argo's template type: its first kind key set
            if template.get(key) is not None:
                break
        else:
            return self._error_node(name, holder, context, boundary_id, owner,
                                    f"Template '{template.get('name', '')}' missing specification")
        retry = template.get("retryStrategy") or self.spec.get("retryStrategy")
        params: dict[str, Any] = {"node.name": name}
        if local:
            params.update(local)
        if is_pod and not retry:
            params["pod.name"] = pod_name(self.name, name, template.get("name"))
        try:
            processed = process_template(template, arguments, self.global_scope, params, self._configmap)
        except ArgosyError as err:
            return self._error_node(name, holder, context, boundary_id, owner, str(err))
        info = {
            "template_name": holder.get("template") if not holder.get("templateRef") else None,
            "template_ref": holder.get("templateRef"),
            "template_scope": context,
        }
        if info["template_name"] is None and not info["template_ref"]:
            info["template_name"] = template.get("name")
        memoize = processed.get("memoize")
        if memoize is not None and self.nodes.by_name(name) is None:  # Argo: only a node to be created
            try:
                found = look_up(memoize, self.memo, self.namespace, self.now, self._memo_saved)
            except ArgosyError as err:
                return self._error_node(name, holder, context, boundary_id, owner, str(err))
            if found.hit:
                return self._cache_hit(name, processed, node_type, found, boundary_id=boundary_id, owner=owner,
                                       info=info, hooked=hooked)
        if retry:
            node = self.new_node(name, N.RETRY, N.RUNNING, boundary_id, owner, **info)
            node.hooked = hooked
            if memoize is not None and node.memoization_status is None:
                node.memoization_status = memo_status(memoize)
            node.inputs = processed.get("inputs") or None
            frame = RetryFrame(self, node, processed, new_context, retry, info, params)
            self.frames[node.id] = frame
            frame.start()
            return node
        return self.run_template(name, processed, new_context, node_type, is_pod,
                                 boundary_id=boundary_id, owner=owner, info=info, hooked=hooked)

    def run_template(
        self,
        name: str,
        template: dict[str, Any],
        context: TemplateScope,
        node_type: str,
        is_pod: bool,
        *,
        boundary_id: str | None,
        owner: Frame,
        info: Mapping[str, Any],
        hooked: bool = False,
        retried: bool = False,
    ) -> Node:
        """Create the node for an already processed template and start it."""
        existed = self.replaying and self.nodes.id_for(name) in self.nodes.by_id
        phase = N.PENDING if is_pod else N.RUNNING
        node = self.new_node(name, node_type, phase, boundary_id, owner, **info)
        node.hooked = hooked
        node.retried = retried
        if template.get("inputs"):
            node.inputs = _status_inputs(template["inputs"])
        if "memoize" in template and node.memoization_status is None:
            node.memoization_status = memo_status(template["memoize"])
        if is_pod:
            if not existed:
                self.set_progress(node, N.DEFAULT_PROGRESS)
            if template.get("containerSet"):
                self._container_nodes(node, template["containerSet"], info)
            self.schedule_pod(node, template, existed)
        elif node_type in (N.STEPS, N.DAG):
            if not self.wait_for_locks(node, template, context):  # engine.sync
                self.start_frame(node, template, context)
        else:
            if not existed:
                self.set_progress(node, N.DEFAULT_PROGRESS)
            self._suspend(node, template)
        timeout = template.get("timeout")
        if timeout and not is_pod:
            start = node.started_at if node.started_at is not None else self.now
            self.arm(start + parse_duration(timeout), TIMEOUT, node.id)
        return node

    def _cache_hit(self, name: str, template: dict[str, Any], node_type: str, found: Lookup, *,
                   boundary_id: str | None, owner: Frame, info: Mapping[str, Any], hooked: bool) -> Node:
        """A memoized call found in its cache: its node, Succeeded with the cached outputs; nothing runs."""
        node = self.new_node(name, node_type, N.RUNNING, boundary_id, owner, **info)
        node.hooked = hooked
        node.memoization_status = found.status
        if template.get("inputs"):
            node.inputs = _status_inputs(template["inputs"])
        if found.outputs:
            node.outputs = found.outputs
            self.add_outputs_to_global(found.outputs)
        self.finish(node, N.SUCCEEDED)
        return node
    def start_frame(self, node: Node, template: dict[str, Any], context: TemplateScope) -> Frame:
        """Start a Steps or DAG node's frame (its children)."""
        frame: Frame = (StepsFrame if node.type == N.STEPS else DagFrame)(self, node, template, context)
        frame.start()
        return frame

    def outbound(self, node: Node) -> list[str]:
        """Argo's getOutboundNodes."""
        t = node.type
        if t in (N.SKIPPED_NODE, N.SUSPEND, N.HTTP, N.PLUGIN):
            return [node.id]
        if t == N.POD and node.id not in self.container_sets:
            return [node.id]
        if t in (N.POD, N.CONTAINER, N.TASK_GROUP):
            if not node.children:
                return [node.id]
            out: list[str] = []
            for c in node.children:
                child = self.nodes.get(c)
                if t == N.CONTAINER and child.boundary_id != node.boundary_id:
                    out.append(node.id)
                else:
                    out.extend(self.outbound(child))
            return out
        if t == N.RETRY:
            return [node.children[-1]] if node.children else []
        if t in (N.STEPS, N.DAG) and node.memoization_status and node.memoization_status.get("hit"):
            return [node.id]
        out = []
        for o in node.outbound_nodes or ():
            out.extend(self.outbound(self.nodes.get(o)))
        return out

    # ---- internals -----------------------------------------------------------------------

    def _flush(self) -> list[Intent]:
        out, self._intents = self._intents, []
        return out

    def _drain(self) -> None:
        started, q = self._started, self._queue
        while started or q:
            while started:
                frame, node = started.popleft()
                frame.child_started(node)
            if q:
                frame, node = q.popleft()
                frame.child_done(node)
        self._run_workflow_hooks()

    def _display_name(self, name: str, boundary_id: str | None) -> str:
        """Argo's display name: the name less its boundary's, less a leading ``[i].``/``.``."""
        boundary = self.nodes.by_id.get(boundary_id) if boundary_id else None
        if boundary is None:
            return name
        rest = name.removeprefix(boundary.name)
        if rest[:1] == "[":
            close = rest.find("]")
            if close > 1 and rest[1:close].isdigit() and rest[close + 1 : close + 2] == ".":
                return rest[close + 2 :]
            return rest
        return rest[1:] if rest[:1] == "." else rest

    def _error_node(self, name: str, holder: Mapping[str, Any], context: TemplateScope, boundary_id: str | None,
                    owner: Frame, message: str) -> Node:
        node = self.new_node(
            name, N.SKIPPED_NODE, N.ERROR, boundary_id, owner,
            template_name=holder.get("template"), template_ref=holder.get("templateRef"),
            template_scope=context, message=message,
        )
        self.notify(owner, node)
        return node


def _status_inputs(inputs: Mapping[str, Any]) -> dict[str, Any] | None:
    out: dict[str, Any] = {}
    if inputs.get("parameters"):
        out["parameters"] = [
            {k: v for k, v in p.items() if k in ("name", "value", "default", "enum", "description", "globalName")}
            for p in inputs["parameters"]
        ]
    if inputs.get("artifacts"):
        out["artifacts"] = inputs["artifacts"]
    return out or None


__all__ = ["Reconciler"]
