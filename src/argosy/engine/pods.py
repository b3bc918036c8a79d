"""Pods: nodes a runtime runs, from the ``RunPod`` intent to the runtime's report.

The workflow's ``parallelism`` is a :class:`~argosy.engine.gates.Gate` over running pods:
a pod node is created at once (Pending) and handed to the runtime when the gate admits it.
Which pods wait is the one piece of engine state the persisted nodes cannot tell (a
Pending pod may be running or waiting); ``record()`` keeps their ids while any wait.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from argosy.engine import nodes as N
from argosy.engine.gates import Gate
from argosy.engine.intents import CancelPod, Intent, PodFinished, PodSpec, PodStarted, RunPod
from argosy.engine.nodes import Node, NodeTable, pod_name
from argosy.engine.protocols import Frame
from argosy.spec.duration import parse_duration

#: a pod waiting for the workflow's parallelism: its node and its processed template
Waiting = tuple[Node, dict[str, Any]]


class PodsRole:
    """Starting, adopting and finishing pod nodes (mixed into ``Reconciler``)."""

    name: str
    namespace: str
    uid: str
    spec: dict[str, Any]
    now: float
    nodes: NodeTable
    owner: dict[str, Frame]
    shutdown: str | None
    replaying: bool
    pods: dict[str, PodSpec]
    running_pods: set[str]
    container_sets: set[str]
    pod_gate: Gate[Waiting]
    _intents: list[Intent]
    _queue: Any
    _started: Any
    #: ids of pods that waited for the gate when the engine was persisted (restore only)
    _restored_waiting: dict[str, int]

    if TYPE_CHECKING:  # provided by the other roles of Reconciler
        def finish(self, node: Node, phase: str, message: str | None = None) -> None: ...
        def new_node(self, *args: Any, **kwargs: Any) -> Node: ...
        def add_outputs_to_global(self, outputs: Mapping[str, Any] | None) -> None: ...
        def _in_exit_handler(self, node: Node) -> bool: ...
        def set_progress(self, node: Node, progress: str) -> None: ...
        def _finish_progress(self, node: Node, phase: str) -> None: ...

    def schedule_pod(self, node: Node, template: dict[str, Any], existed: bool) -> None:
        """Hand a new pod node to the runtime, or queue it behind the workflow's parallelism."""
        if existed and self.replaying:
            if node.id in self._restored_waiting:  # it waited (a stop spared it, if one is under way)
                self.pod_gate.queue((node, template))
                return
            self._adopt(node, template)
            return
        if self.pod_gate.enter((node, template)):
            self._start_pod(node, template)

    def _release_pods(self) -> None:
        for node, template in self.pod_gate.leave():
            self._start_pod(node, template)

    def _pod_spec(self, node: Node, template: dict[str, Any]) -> PodSpec:
        deadline = template.get("activeDeadlineSeconds")
        if template.get("timeout"):
            t = parse_duration(template["timeout"])
            deadline = t if deadline is None else min(float(deadline), t)
        pname = pod_name(self.name, node.name, template.get("name"))
        return PodSpec(
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

    def _start_pod(self, node: Node, template: dict[str, Any]) -> None:
        if self.shutdown == "Terminate" or (self.shutdown and not self._in_exit_handler(node)):
            self.pod_gate.active -= 1  # admitted, but it will never run
            self.finish(node, N.FAILED, f"Stopped with strategy '{self.shutdown}'")
            return
        pod = self._pod_spec(node, template)
        self.pods[node.id] = pod
        self.running_pods.add(node.id)
        self._intents.append(RunPod(pod))

    def _adopt(self, node: Node, template: dict[str, Any]) -> None:
        """A restored pod the runtime was running: find it again, and tell its owner what it knew."""
        pod = self._pod_spec(node, template)
        self.pods[node.id] = pod
        self.running_pods.add(node.id)
        self.pod_gate.hold()
        self._intents.append(RunPod(pod, adopt=True))
        owner = self.owner.get(node.id)
        if owner is None or node.phase != N.RUNNING:
            return
        if node.daemoned:
            self._queue.append((owner, node))
        else:
            self._started.append((owner, node))

    def _container_nodes(self, pod: Node, container_set: Mapping[str, Any], info: Mapping[str, Any]) -> None:
        """A containerSet pod's containers as Container nodes, linked by their dependencies."""
        self.container_sets.add(pod.id)
        containers = container_set.get("containers") or []
        for c in containers:
            name = f"{pod.name}.{c['name']}"
            if self.nodes.by_name(name) is None:
                self.set_progress(self.new_container(name, pod, info), N.DEFAULT_PROGRESS)
        for c in containers:
            child_id = self.nodes.id_for(f"{pod.name}.{c['name']}")
            deps = c.get("dependencies") or []
            if not deps:
                self.nodes.add_child(pod, child_id)
            for d in deps:
                parent = self.nodes.by_name(f"{pod.name}.{d}")
                if parent is not None:
                    self.nodes.add_child(parent, child_id)

    def new_container(self, name: str, pod: Node, info: Mapping[str, Any]) -> Node:
        return self.new_node(name, N.CONTAINER, N.PENDING, pod.id, None,
                             template_name=info.get("template_name"), template_ref=info.get("template_ref"),
                             template_scope=info["template_scope"])

    def _settle_containers(self, pod: Node, phase: str) -> None:
        if pod.id not in self.container_sets:
            return
        stack = list(pod.children)
        while stack:
            child = self.nodes.get(stack.pop())
            if child.type != N.CONTAINER or child.boundary_id != pod.id:
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
        self._release_pods()

    def kill_daemons(self, boundary: Node) -> None:
        """Stop daemoned pods started inside a boundary once it is fulfilled."""
        for nid in list(self.running_pods):
            n = self.nodes.get(nid)
            if n.daemoned and n.boundary_id == boundary.id:
                self._intents.append(CancelPod(nid, "daemon stopped: its boundary completed"))


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
