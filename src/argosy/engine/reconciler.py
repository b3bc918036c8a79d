"""The reconciler: a workflow's state machine, pure and incremental.

``Reconciler`` holds one workflow's status. Each public method takes the current time,
changes the status in memory and returns the intents (run this pod, cancel that one, wake
me at T) the controller must carry out. Nothing here does I/O, sleeps or reads a clock,
so every Argo behaviour is tested with a fake runtime and a fake clock.

Only the frames whose children changed do work on an event (see ``frames.py``); the
status changes are tracked per node for the store (``NodeTable.drain_changes``).
"""

from __future__ import annotations

import functools
import heapq
import itertools
import json
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC
from typing import Any

from argosy.engine import nodes as N
from argosy.engine.arguments import parameter_string, process_template
from argosy.engine.frames import Frame, exit_hook
from argosy.engine.intents import (
    CancelPod,
    Intent,
    PodFinished,
    PodProgress,
    PodSpec,
    PodStarted,
    RunPod,
    WakeAt,
)
from argosy.engine.nodes import Node, NodeTable, pod_name, rfc3339
from argosy.engine.scope import chain
from argosy.errors import ArgosyError
from argosy.expr import evaluate, expand_scope, substitute_object
from argosy.spec import WORKFLOW_SCOPE as LOCAL
from argosy.spec import ObjectSet, TemplateResolver, TemplateScope

#: template key -> (node type, runs as a pod)
TEMPLATE_TYPES: dict[str, tuple[str, bool]] = {
    "container": ("Pod", True),
    "script": ("Pod", True),
    "containerSet": ("Pod", True),
    "resource": ("Pod", True),
    "data": ("Pod", True),
    "http": ("HTTP", True),
    "plugin": ("Plugin", True),
    "steps": ("Steps", False),
    "dag": ("DAG", False),
    "suspend": ("Suspend", False),
}

WORKFLOW_PHASE = {
    N.PENDING: "Pending",
    N.RUNNING: "Running",
    N.SUCCEEDED: "Succeeded",
    N.SKIPPED: "Succeeded",
    N.OMITTED: "Succeeded",
    N.FAILED: "Failed",
    N.ERROR: "Error",
}


def template_key(template: Mapping[str, Any]) -> str | None:
    for key in TEMPLATE_TYPES:
        if key in template and template[key] is not None:
            return key
    return None


class Reconciler:
    """One workflow's state machine (see module docstring)."""

    def __init__(
        self,
        workflow: dict[str, Any],
        resolver: TemplateResolver | None = None,
        *,
        configmap: Callable[[str, str], str | None] | None = None,
        artifact_key_format: str | None = None,
    ) -> None:
        meta = workflow.setdefault("metadata", {})
        self.workflow = workflow
        self.name: str = meta["name"]
        self.namespace: str = meta.get("namespace") or "default"
        self.uid: str = meta.get("uid") or ""
        self.spec: dict[str, Any] = workflow.setdefault("spec", {})
        self.resolver: TemplateResolver = resolver or TemplateResolver(workflow, ObjectSet())
        self._configmap = configmap or (lambda name, key: None)
        self.artifact_key_format = artifact_key_format
        self.nodes = NodeTable(self.name)
        self.phase = "Pending"
        self.message: str | None = None
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.outputs: dict[str, Any] = {}
        self.global_scope: dict[str, Any] = {}
        self.now = 0.0
        self.owner: dict[str, Frame] = {}
        self.pods: dict[str, PodSpec] = {}
        self.running_pods: set[str] = set()
        #: pods of containerSet templates: their containers are their outbound nodes
        self.container_sets: set[str] = set()
        self.shutdown: str | None = None
        self._intents: list[Intent] = []
        self._queue: deque[tuple[Frame, Node]] = deque()
        self._timers: list[tuple[float, int, Callable[[], None]]] = []
        self._seq = itertools.count()
        self._waiting: deque[Callable[[], None]] = deque()
        self._suspended: dict[str, Callable[[Mapping[str, str] | None], None]] = {}
        self._wf_hooks_fired: set[str] = set()
        self._wf_hooks_open = 0
        self._root_frame: _WorkflowFrame | None = None
        #: the workflow's progress: the sum of its PROGRESS_TYPES nodes' (Argo's UpdateProgress)
        self._progress = [0, 0]

    # ---- public API ------------------------------------------------------------------

    @property
    def done(self) -> bool:
        return self.phase in ("Succeeded", "Failed", "Error")

    def start(self, now: float) -> list[Intent]:
        """Begin running the workflow from its entrypoint."""
        self.now = now
        self.started_at = now
        self.phase = "Running"
        self._init_global_scope()
        frame = _WorkflowFrame(self)
        self._root_frame = frame
        if self.spec.get("activeDeadlineSeconds") is not None:
            deadline = now + float(self.spec["activeDeadlineSeconds"])
            self.at(deadline, self._workflow_deadline)
        entry = self.spec.get("entrypoint")
        if not entry:
            self._finish_workflow("Error", "spec.entrypoint is required")
            return self._flush()
        self._run_workflow_hooks()
        self.execute(
            self.name,
            {"template": entry},
            LOCAL,
            self.spec.get("arguments"),
            boundary_id=None,
            owner=frame,
        )
        self._drain()
        return self._flush()

    def handle(self, event: PodStarted | PodProgress | PodFinished, now: float) -> list[Intent]:
        """Apply a runtime report."""
        self.now = now
        node = self.nodes.by_id.get(event.node_id)
        if node is None or N.fulfilled_phase(node.phase):
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
        while self._timers and self._timers[0][0] <= now:
            _, _, fn = heapq.heappop(self._timers)
            fn()
            self._drain()
        self._drain()
        return self._flush()

    @property
    def next_wakeup(self) -> float | None:
        return self._timers[0][0] if self._timers else None

    def resume(self, now: float, node_field_selector: str | None = None,
               outputs: Mapping[str, str] | None = None) -> list[Intent]:
        """Resume suspended nodes (all, or those whose name/displayName matches)."""
        self.now = now
        for nid in list(self._suspended):
            node = self.nodes.get(nid)
            if node_field_selector and node_field_selector not in (node.name, node.display_name):
                continue
            self._suspended.pop(nid)(outputs)
        self._drain()
        return self._flush()

    def stop(self, now: float, strategy: str = "Stop") -> list[Intent]:
        """Argo's ``stop`` (exit handlers still run) or ``terminate`` (they don't)."""
        self.now = now
        if self.done or self.shutdown in (strategy, "Terminate"):
            return self._flush()
        self.shutdown = strategy  # a Stop may still be escalated to Terminate
        message = f"Stopped with strategy '{strategy}'"
        self._waiting.clear()
        for nid in list(self._suspended):
            self._suspended.pop(nid)
            self.finish(self.nodes.get(nid), N.FAILED, message)
        for nid in list(self.running_pods):
            if strategy == "Terminate" or not self._in_exit_handler(self.nodes.get(nid)):
                self._intents.append(CancelPod(nid, message))
        self._drain()
        return self._flush()

    # ---- status ------------------------------------------------------------------------

    def status(self, with_nodes: bool = True) -> dict[str, Any]:
        """``status`` in Argo's layout."""
        st: dict[str, Any] = {"phase": self.phase}
        if self.started_at is not None:
            st["startedAt"] = rfc3339(self.started_at)
        if self.finished_at is not None:
            st["finishedAt"] = rfc3339(self.finished_at)
        if self.message:
            st["message"] = self.message
        st["progress"] = f"{self._progress[0]}/{self._progress[1]}"
        if with_nodes and len(self.nodes):
            st["nodes"] = self.nodes.to_dict()
        if self.outputs:
            st["outputs"] = self.outputs
        # resolved once before the run (artifacts.refs), kept as Argo keeps it
        ref = (self.workflow.get("status") or {}).get("artifactRepositoryRef")
        if ref:
            st["artifactRepositoryRef"] = ref
        return st

    def to_dict(self, with_nodes: bool = True) -> dict[str, Any]:
        out = {k: v for k, v in self.workflow.items() if k != "status"}
        out["status"] = self.status(with_nodes)
        return out

    # ---- building blocks used by frames -----------------------------------------------

    def at(self, when: float, fn: Callable[[], None]) -> None:
        """Call ``fn`` at ``when`` (via ``tick``)."""
        heapq.heappush(self._timers, (when, next(self._seq), fn))
        self._intents.append(WakeAt(when))

    def notify(self, owner: Frame, node: Node) -> None:
        self._queue.append((owner, node))

    def finish(self, node: Node, phase: str, message: str | None = None) -> None:
        """Mark a node fulfilled and tell its owner."""
        if N.fulfilled_phase(node.phase) and not node.daemoned:
            return
        node.phase = phase
        if message is not None:
            node.message = message
        node.finished_at = self.now
        if node.type in N.PROGRESS_TYPES:
            self._finish_progress(node, phase)
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
            name, "Skipped", phase, boundary_id, owner,
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
        if boundary_id is not None and self._depth(boundary_id) >= N.MAX_STACK_DEPTH - 1:
            return self._error_node(name, holder, context, boundary_id, owner, N.MAX_DEPTH_MESSAGE)
        try:
            template, new_context = self.resolver.resolve(holder, context)
        except ArgosyError as err:
            return self._error_node(name, holder, context, boundary_id, owner, str(err))
        key = template_key(template)
        if key is None:
            return self._error_node(name, holder, context, boundary_id, owner,
                                    f"Template '{template.get('name', '')}' missing specification")
        node_type, is_pod = TEMPLATE_TYPES[key]
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
        if retry:
            from argosy.engine.retry import RetryFrame

            node = self.new_node(name, "Retry", N.RUNNING, boundary_id, owner, **info)
            node.hooked = hooked
            node.inputs = processed.get("inputs") or None
            frame = RetryFrame(self, node, processed, new_context, retry, info, params)
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
        phase = N.PENDING if is_pod else N.RUNNING
        node = self.new_node(name, node_type, phase, boundary_id, owner, **info)
        node.hooked = hooked
        node.retried = retried
        if template.get("inputs"):
            node.inputs = _status_inputs(template["inputs"])
        if is_pod:
            self.set_progress(node, N.DEFAULT_PROGRESS)
            if template.get("containerSet"):
                self._container_nodes(node, template["containerSet"], info)
            self._schedule(lambda: self._start_pod(node, template))
        elif node_type == "Steps":
            from argosy.engine.steps import StepsFrame

            StepsFrame(self, node, template, context).start()
        elif node_type == "DAG":
            from argosy.engine.dag import DagFrame

            DagFrame(self, node, template, context).start()
        else:
            self.set_progress(node, N.DEFAULT_PROGRESS)
            self._suspend(node, template)
        timeout = template.get("timeout")
        if timeout and not is_pod:
            from argosy.spec.duration import parse_duration

            self.at(self.now + parse_duration(timeout), lambda: self._timed_out(node))
        return node

    def run_exit_hook(self, hook: Mapping[str, Any], name: str, boundary_id: str | None,
                      owner: Frame, context: TemplateScope, scope: Mapping[str, Any]) -> Node:
        """Run an exit handler or lifecycle hook as node ``name``."""
        holder = {k: v for k, v in hook.items() if k in ("template", "templateRef", "inline")}
        try:
            args = substitute_object(hook.get("arguments") or {}, chain(dict(scope), self.global_scope))
        except ArgosyError as err:  # e.g. an absent optional output in the hook's arguments
            return self._error_node(name, holder, context, boundary_id, owner, str(err))
        return self.execute(name, holder, context, args, boundary_id=boundary_id, owner=owner,
                            hooked=True)

    def eval_hook_expression(self, expression: str, scope: Mapping[str, Any]) -> bool:
        try:
            return bool(evaluate(expression, expand_scope(chain(dict(scope), self.global_scope))))
        except ArgosyError:
            return False

    def add_skipped_outputs(self, scope: dict[str, Any], prefix: str, node: Node,
                            holder: Mapping[str, Any], context: TemplateScope, artifacts: bool = False) -> None:
        """Outputs a skipped/omitted node declares: its defaults, or None (absent optional).

        ``artifacts``: its output artifacts too, as artifacts without a location (Argo does
        this for steps, not for DAG tasks).
        """
        if node.outputs or node.phase not in (N.SKIPPED, N.OMITTED):
            return
        try:
            template, _ = self.resolver.resolve(dict(holder), context)
        except ArgosyError:
            return
        for p in (template.get("outputs") or {}).get("parameters") or ():
            vf = p.get("valueFrom") or {}
            key = f"{prefix}.outputs.parameters.{p['name']}"
            scope[key] = parameter_string(vf["default"]) if "default" in vf else None
        for a in (template.get("outputs") or {}).get("artifacts") or () if artifacts else ():
            scope[f"{prefix}.outputs.artifacts.{a['name']}"] = {}

    def set_global_output(self, param: Mapping[str, Any]) -> None:
        """A ``globalName`` output becomes ``workflow.outputs.parameters.NAME``."""
        gname = param.get("globalName")
        if not gname or param.get("value") is None:
            return
        self.global_scope[f"workflow.outputs.parameters.{gname}"] = param["value"]
        params = self.outputs.setdefault("parameters", [])
        for p in params:
            if p["name"] == gname:
                p["value"] = param["value"]
                return
        params.append({"name": gname, "value": param["value"]})

    def set_global_artifact(self, art: Mapping[str, Any]) -> None:
        gname = art.get("globalName")
        if not gname:
            return
        entry = {k: v for k, v in art.items() if k not in ("globalName", "path", "name")}
        entry["name"] = gname
        self.global_scope[f"workflow.outputs.artifacts.{gname}"] = entry
        arts = self.outputs.setdefault("artifacts", [])
        arts[:] = [a for a in arts if a["name"] != gname] + [entry]

    def add_outputs_to_global(self, outputs: Mapping[str, Any] | None) -> None:
        for p in (outputs or {}).get("parameters") or ():
            self.set_global_output(p)
        for a in (outputs or {}).get("artifacts") or ():
            self.set_global_artifact(a)

    def kill_daemons(self, boundary: Node) -> None:
        """Stop daemoned pods started inside a boundary once it is fulfilled."""
        for nid in list(self.running_pods):
            n = self.nodes.get(nid)
            if n.daemoned and n.boundary_id == boundary.id:
                self._intents.append(CancelPod(nid, "daemon stopped: its boundary completed"))

    def outbound(self, node: Node) -> list[str]:
        """Argo's getOutboundNodes."""
        if node.type in ("Skipped", "Suspend", "HTTP", "Plugin"):
            return [node.id]
        if node.type == "Pod" and node.id not in self.container_sets:
            return [node.id]
        if node.type in ("Pod", "Container", "TaskGroup"):
            if not node.children:
                return [node.id]
            out: list[str] = []
            for c in node.children:
                child = self.nodes.get(c)
                if node.type == "Container" and child.boundary_id != node.boundary_id:
                    out.append(node.id)
                else:
                    out.extend(self.outbound(child))
            return out
        if node.type == "Retry":
            return [node.children[-1]] if node.children else []
        if node.type in ("Steps", "DAG") and node.memoization_status and node.memoization_status.get("hit"):
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
        q = self._queue
        while q:
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
            name, "Skipped", N.ERROR, boundary_id, owner,
            template_name=holder.get("template"), template_ref=holder.get("templateRef"),
            template_scope=context, message=message,
        )
        self.notify(owner, node)
        return node

    def _init_global_scope(self) -> None:
        """Argo's setGlobalParameters: ``workflow.*`` variables."""
        meta = self.workflow.get("metadata") or {}
        g = self.global_scope
        g["workflow.name"] = self.name
        g["workflow.namespace"] = self.namespace
        g["workflow.uid"] = self.uid
        g["workflow.mainEntrypoint"] = self.spec.get("entrypoint", "")
        g["workflow.serviceAccountName"] = self.spec.get("serviceAccountName", "")
        created = meta.get("creationTimestamp") or rfc3339(self.now)
        g.update(creation_timestamp_variables(created))
        scheduled = (meta.get("annotations") or {}).get("workflows.argoproj.io/scheduled-time")
        if scheduled:
            g["workflow.scheduledTime"] = scheduled
        if self.spec.get("priority") is not None:
            g["workflow.priority"] = str(self.spec["priority"])
        g["workflow.status"] = "Running"
        g["workflow.duration"] = "0"
        for key in ("labels", "annotations"):
            values = meta.get(key) or {}
            g[f"workflow.{key}"] = g[f"workflow.{key}.json"] = json.dumps(values, separators=(",", ":"))
            for k, v in values.items():
                g[f"workflow.{key}.{k}"] = str(v)
        params = (self.spec.get("arguments") or {}).get("parameters") or []
        g["workflow.parameters"] = g["workflow.parameters.json"] = json.dumps(params, separators=(",", ":"))
        for p in params:
            value = p.get("value")
            vf = p.get("valueFrom") or {}
            if value is None and vf.get("configMapKeyRef"):
                ref = vf["configMapKeyRef"]
                value = self._configmap(ref.get("name", ""), ref.get("key", ""))
                if value is None:
                    value = vf.get("default")
            if value is None:
                value = p.get("default")
            if value is not None:
                g[f"workflow.parameters.{p['name']}"] = parameter_string(value)
        for p in params:  # parameters may refer to workflow.* and to each other
            key = f"workflow.parameters.{p['name']}"
            if key in g:
                g[key] = substitute_object(g[key], g)

    def _schedule(self, start: Callable[[], None]) -> None:
        limit = self.spec.get("parallelism")
        if limit and len(self.running_pods) >= int(limit):
            self._waiting.append(start)
        else:
            start()

    def _release(self) -> None:
        limit = self.spec.get("parallelism")
        while self._waiting and (not limit or len(self.running_pods) < int(limit)):
            self._waiting.popleft()()

    def _ancestry(self, node: Node) -> Iterator[Node]:
        """The node, then each boundary it runs inside, up to the root."""
        current: Node | None = node
        while current is not None:
            yield current
            current = self.nodes.by_id.get(current.boundary_id) if current.boundary_id else None

    def set_progress(self, node: Node, progress: str) -> None:
        """Set an executable node's ``N/M`` progress, keeping the workflow's sum."""
        for sign, value in ((-1, node.progress), (1, progress)):
            parsed = N.parse_progress(value)
            if parsed is not None:
                self._progress[0] += sign * parsed[0]
                self._progress[1] += sign * parsed[1]
        node.progress = progress

    def _finish_progress(self, node: Node, phase: str) -> None:
        """A node that succeeded (or was skipped) is complete: ``M/M`` (Argo's Progress.Complete)."""
        parsed = N.parse_progress(node.progress) or (0, 1)
        if phase in (N.SUCCEEDED, N.SKIPPED, N.OMITTED):
            self.set_progress(node, f"{parsed[1]}/{parsed[1]}")
        elif node.progress is None:
            self.set_progress(node, N.DEFAULT_PROGRESS)

    def _depth(self, boundary_id: str) -> int:
        """How many template calls deep a boundary runs (the entrypoint's is 1)."""
        return sum(1 for _ in self._ancestry(self.nodes.get(boundary_id)))

    def _in_exit_handler(self, node: Node) -> bool:
        """Whether a node runs as (or inside) an exit handler: ``stop`` still runs those."""
        return any(n.hooked for n in self._ancestry(node))

    def _start_pod(self, node: Node, template: dict[str, Any]) -> None:
        if self.shutdown == "Terminate" or (self.shutdown and not self._in_exit_handler(node)):
            self.finish(node, N.FAILED, f"Stopped with strategy '{self.shutdown}'")
            return
        deadline = template.get("activeDeadlineSeconds")
        if template.get("timeout"):
            from argosy.spec.duration import parse_duration

            t = parse_duration(template["timeout"])
            deadline = t if deadline is None else min(float(deadline), t)
        pname = pod_name(self.name, node.name, template.get("name"))
        pod = PodSpec(
            node_id=node.id,
            pod_name=pname,
            workflow_name=self.name,
            namespace=self.namespace,
            workflow_uid=self.uid,
            # spec.hostNetwork is pod-level in Argo: the runtime reads it off the template
            template={**template, "hostNetwork": True} if self.spec.get("hostNetwork") else template,
            volumes=self._volumes,
            artifact_key_prefix=f"{self.name}/{pname}",
            deadline_seconds=float(deadline) if deadline is not None else None,
            daemon=bool(template.get("daemon")),
        )
        self.pods[node.id] = pod
        self.running_pods.add(node.id)
        self._intents.append(RunPod(pod))

    def _container_nodes(self, pod: Node, container_set: Mapping[str, Any], info: Mapping[str, Any]) -> None:
        """A containerSet pod's containers as Container nodes, linked by their dependencies."""
        self.container_sets.add(pod.id)
        containers = container_set.get("containers") or []
        for c in containers:
            child = self.new_node(f"{pod.name}.{c['name']}", "Container", N.PENDING, pod.id, None,
                                  template_name=info.get("template_name"), template_ref=info.get("template_ref"),
                                  template_scope=info["template_scope"])
            self.set_progress(child, N.DEFAULT_PROGRESS)
        for c in containers:
            child_id = self.nodes.id_for(f"{pod.name}.{c['name']}")
            deps = c.get("dependencies") or []
            if not deps:
                self.nodes.add_child(pod, child_id)
            for d in deps:
                parent = self.nodes.by_name(f"{pod.name}.{d}")
                if parent is not None:
                    self.nodes.add_child(parent, child_id)

    def _settle_containers(self, pod: Node, phase: str) -> None:
        if pod.id not in self.container_sets:
            return
        stack = list(pod.children)
        while stack:
            child = self.nodes.get(stack.pop())
            if child.type != "Container" or child.boundary_id != pod.id:
                continue
            if child.phase in (N.PENDING, N.RUNNING):
                child.phase = phase
                child.finished_at = self.now if N.fulfilled_phase(phase) else None
                if child.finished_at is not None:
                    self._finish_progress(child, phase)
                self.nodes.touch(child)
            stack.extend(child.children)

    @functools.cached_property
    def _volumes(self) -> tuple[dict[str, Any], ...]:
        """Workflow volumes; a ``volumeClaimTemplates`` claim is a bare ``{name}`` shared by the run."""
        claims = [{"name": (c.get("metadata") or {}).get("name")} for c in self.spec.get("volumeClaimTemplates") or ()]
        return tuple(self.spec.get("volumes") or ()) + tuple(c for c in claims if c["name"])

    def _pod_started(self, node: Node, event: PodStarted) -> None:
        node.phase = N.RUNNING
        if event.ip:
            node.pod_ip = event.ip
        pod = self.pods.get(node.id)
        if pod is not None and pod.daemon:
            node.daemoned = True
            self.nodes.touch(node)
            owner = self.owner.get(node.id)
            if owner is not None:
                self._queue.append((owner, node))
            return
        self.nodes.touch(node)
        self._settle_containers(node, N.RUNNING)
        owner = self.owner.get(node.id)
        if owner is not None:
            owner.child_started(node)

    def _pod_finished(self, node: Node, event: PodFinished) -> None:
        self.running_pods.discard(node.id)
        pod = self.pods.pop(node.id, None)
        result = event.result
        outputs = dict(result.outputs)
        if result.exit_code is not None:
            outputs.setdefault("exitCode", str(result.exit_code))
        if pod is not None:
            _attach_global_names(outputs, pod.template.get("outputs") or {})
        if outputs:
            node.outputs = _order_outputs(outputs)
        if N.parse_progress(result.progress) is not None:
            self.set_progress(node, str(result.progress).strip())
        phase = result.phase
        message = result.message
        if node.daemoned:
            node.daemoned = False
            if self.shutdown is None:
                phase = N.SUCCEEDED if phase != N.ERROR else phase
        if self.shutdown and phase != N.SUCCEEDED:
            message = f"Stopped with strategy '{self.shutdown}'"
        if pod is not None and node.outputs:
            self.add_outputs_to_global(node.outputs)
        self._settle_containers(node, phase)
        self.finish(node, phase, message)
        self._release()

    def _suspend(self, node: Node, template: dict[str, Any]) -> None:
        suspend = template.get("suspend") or {}
        out_params = (template.get("outputs") or {}).get("parameters") or []

        def resume(supplied: Mapping[str, str] | None) -> None:
            if N.fulfilled_phase(node.phase):
                return
            params = []
            for p in out_params:
                vf = p.get("valueFrom") or {}
                value = (supplied or {}).get(p["name"])
                if value is None:
                    value = vf.get("default", p.get("value"))
                if value is not None:
                    params.append({"name": p["name"], "value": str(value)})
            if params:
                node.outputs = {"parameters": params}
            self._suspended.pop(node.id, None)
            self.finish(node, N.SUCCEEDED)

        self._suspended[node.id] = resume
        duration = suspend.get("duration")
        if duration not in (None, ""):
            from argosy.spec.duration import parse_duration

            self.at(self.now + parse_duration(str(duration)), lambda: resume(None))

    def _timed_out(self, node: Node) -> None:
        if node.fulfilled:
            return
        for nid in list(self.running_pods):
            n = self.nodes.get(nid)
            if any(a is node for a in self._ancestry(n)):
                self._intents.append(CancelPod(nid, f"{node.name} exceeded its deadline"))
        self.finish(node, N.FAILED, f"{node.name} exceeded its deadline")

    def _workflow_deadline(self) -> None:
        if self.done:
            return
        message = "Step exceeded its deadline"
        for nid in list(self._suspended):
            self._suspended.pop(nid)
            self.finish(self.nodes.get(nid), N.FAILED, message)
        for nid in list(self.running_pods):
            self._intents.append(CancelPod(nid, message))
        self._waiting.clear()
        self.shutdown = self.shutdown or "Terminate"
        self._deadline_message = message

    def _run_workflow_hooks(self) -> None:
        hooks = self.spec.get("hooks") or {}
        if not hooks or self.done or self._root_frame is None:
            return
        scope = {"workflow.status": self.phase}
        for name, hook in hooks.items():
            if name == "exit" or name in self._wf_hooks_fired or not hook.get("expression"):
                continue
            if self.eval_hook_expression(hook["expression"], scope):
                self._wf_hooks_fired.add(name)
                self._wf_hooks_open += 1
                self.run_exit_hook(hook, f"{self.name}.hooks.{name}", None, self._root_frame, LOCAL, scope)

    def _finish_workflow(self, phase: str, message: str | None) -> None:
        self.phase = phase
        self.message = message or None
        self.finished_at = self.now
        self.global_scope["workflow.status"] = phase
        self._timers.clear()

    def failures(self) -> str:
        """``workflow.failures``: the failed and errored nodes as a JSON list."""
        rows = []
        for n in self.nodes:
            if n.phase in (N.FAILED, N.ERROR):
                rows.append({
                    "displayName": n.display_name,
                    "message": n.message or "",
                    "templateName": n.template_name or "",
                    "phase": n.phase,
                    "podName": pod_name(self.name, n.name, n.template_name),
                    "finishedAt": rfc3339(n.finished_at) if n.finished_at else None,
                })
        return json.dumps(rows, separators=(",", ":"))


def creation_timestamp_variables(created: str) -> dict[str, str]:
    """``workflow.creationTimestamp`` and its strftime (``.Y``, ``.m`` ...), ``.s`` and ``.RFC3339`` forms."""
    from datetime import datetime

    out = {"workflow.creationTimestamp": created, "workflow.creationTimestamp.RFC3339": created}
    try:
        ts = datetime.strptime(created, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return out
    for char in "aAbBcCdDeFgGhHIjklmMnprRsStTuUVwWxXyYzZ":
        out[f"workflow.creationTimestamp.{char}"] = ts.strftime(f"%{char}") if char != "s" else str(int(ts.timestamp()))
    return out


def _attach_global_names(outputs: dict[str, Any], spec: Mapping[str, Any]) -> None:
    """Runtimes report name/value; the template's ``globalName`` rides along in status."""
    for kind in ("parameters", "artifacts"):
        declared = {d.get("name"): d.get("globalName") for d in spec.get(kind) or () if d.get("globalName")}
        for item in outputs.get(kind) or ():
            if declared.get(item.get("name")) and "globalName" not in item:
                item["globalName"] = declared[item["name"]]


def _order_outputs(outputs: dict[str, Any]) -> dict[str, Any]:
    order = ("parameters", "artifacts", "result", "exitCode")
    out = {k: outputs[k] for k in order if k in outputs and outputs[k] not in (None, [])}
    for k, v in outputs.items():
        if k not in out and v not in (None, []):
            out[k] = v
    return out


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


class _WorkflowFrame:
    """Owns the root node, the workflow's exit handler and workflow-level hooks."""

    def __init__(self, engine: Reconciler) -> None:
        self.engine = engine
        self.root: Node | None = None
        self.exit_node: Node | None = None
        self.node = None  # type: ignore[assignment]

    def child_started(self, child: Node) -> None:
        pass

    def child_done(self, child: Node) -> None:
        e = self.engine
        if child.name == e.name:
            self.root = child
            self.node = child
            e.kill_daemons(child)
            hook = exit_hook(e.spec)
            phase = WORKFLOW_PHASE.get(child.phase, "Error")
            e.global_scope["workflow.status"] = phase
            e.global_scope["workflow.failures"] = e.failures()
            e.global_scope["workflow.duration"] = str(max(0.0, e.now - (e.started_at or e.now)))
            if hook and e.shutdown != "Terminate":
                self.exit_node = e.run_exit_hook(hook, f"{e.name}.onExit", None, self, LOCAL, {})
                return
        elif ".hooks." in child.name and child.name.startswith(e.name + ".hooks."):
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
        phase = WORKFLOW_PHASE.get(root.phase, "Error")
        message = root.message
        deadline_message = getattr(e, "_deadline_message", None)
        if deadline_message and phase != "Succeeded":
            message = deadline_message
        elif e.shutdown and N.failed_or_error(root.phase):
            message = f"Stopped with strategy '{e.shutdown}'"
        ex = self.exit_node
        if phase == "Succeeded" and ex is not None and N.failed_or_error(ex.phase):
            phase = "Failed" if ex.phase == N.FAILED else "Error"
            message = ex.message
        e._finish_workflow(phase, message)

