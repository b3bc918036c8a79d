"""Nodes as Argo writes them in ``status.nodes``, and the table that holds them.

Node IDs are Argo's: the workflow name for the root, else ``<workflow>-<fnv32a(name)>``;
pod names use Argo's v2 form ``<workflow>-<template>-<fnv32a(name)>``. The table tracks
which nodes changed since the last :meth:`NodeTable.drain_changes`, so the controller
persists only those: a node event never re-serialises the whole status.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from argosy.goformat import format_rfc3339_seconds, parse_rfc3339
from argosy.spec.kinds import NodeType, Phase

# plain strings for the hot paths (see spec/kinds.py for why not the enum members)
PENDING: str = Phase.PENDING.value
RUNNING: str = Phase.RUNNING.value
SUCCEEDED: str = Phase.SUCCEEDED.value
FAILED: str = Phase.FAILED.value
ERROR: str = Phase.ERROR.value
SKIPPED: str = Phase.SKIPPED.value
OMITTED: str = Phase.OMITTED.value

# node types, as plain strings too
POD: str = NodeType.POD.value
CONTAINER: str = NodeType.CONTAINER.value
STEPS: str = NodeType.STEPS.value
STEP_GROUP: str = NodeType.STEP_GROUP.value
DAG: str = NodeType.DAG.value
TASK_GROUP: str = NodeType.TASK_GROUP.value
RETRY: str = NodeType.RETRY.value
SUSPEND: str = NodeType.SUSPEND.value
HTTP: str = NodeType.HTTP.value
PLUGIN: str = NodeType.PLUGIN.value
#: the type of a node that did not run (same text as the phase ``SKIPPED``, another concept)
SKIPPED_NODE: str = NodeType.SKIPPED.value

#: Argo stops a chain of template calls this deep (its controller's maxAllowedStackDepth)
MAX_STACK_DEPTH = 100
MAX_DEPTH_MESSAGE = ("Maximum recursion depth exceeded. See "
                     "https://argo-workflows.readthedocs.io/en/latest/scaling/#maximum-recursion-depth")

#: node types that stand for one process (a Pod in Argo)
POD_TYPES = frozenset({POD, HTTP, PLUGIN})
#: node types with a progress of their own (Argo's "executable" ones); the workflow's is their sum
PROGRESS_TYPES = POD_TYPES | {CONTAINER, SUSPEND}
DEFAULT_PROGRESS = "0/1"


@lru_cache(maxsize=256)  # a handful of distinct strings ("0/1", "1/1" ...), parsed per node event
def parse_progress(text: str | None) -> tuple[int, int] | None:
    """``N/M`` as Argo accepts it (0 <= N <= M, M > 0), else None."""
    done, sep, total = (text or "").strip().partition("/")
    try:
        n, m = int(done), int(total)
    except ValueError:
        return None
    return (n, m) if sep and 0 <= n <= m and m > 0 else None


@lru_cache(maxsize=1024)
def fnv32a(text: str) -> int:
    """32-bit FNV-1a hash, as Go's ``hash/fnv`` computes it (a node's name is hashed for
    its ID and again for its pod name: the cache saves the second)."""
    h = 0x811C9DC5
    for byte in text.encode():
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


def node_id(workflow_name: str, node_name: str) -> str:
    """Argo's deterministic node ID for a node name."""
    if node_name == workflow_name:
        return workflow_name
    return f"{workflow_name}-{fnv32a(node_name)}"


def pod_name(workflow_name: str, node_name: str, template_name: str | None) -> str:
    """Argo's (v2) pod name for a node."""
    if node_name == workflow_name:
        return workflow_name
    prefix = f"{workflow_name}-{template_name}" if template_name else workflow_name
    return f"{prefix[:242]}-{fnv32a(node_name)}"


rfc3339 = format_rfc3339_seconds


def fulfilled_phase(phase: str) -> bool:
    """Argo's NodePhase.Fulfilled: finished one way or another."""
    return phase in (SUCCEEDED, FAILED, ERROR, SKIPPED, OMITTED)


def completed_phase(phase: str) -> bool:
    """Argo's NodePhase.Completed: ran and ended (skipped/omitted are not)."""
    return phase in (SUCCEEDED, FAILED, ERROR)


def failed_or_error(phase: str) -> bool:
    return phase in (FAILED, ERROR)


@dataclass(slots=True, eq=False)
class Node:
    """One entry of ``status.nodes``."""

    id: str
    name: str
    display_name: str
    type: str
    phase: str
    boundary_id: str | None = None
    template_name: str | None = None
    template_ref: dict[str, Any] | None = None
    template_scope: str = "local/"
    children: list[str] = field(default_factory=list)
    outbound_nodes: list[str] | None = None
    inputs: dict[str, Any] | None = None
    outputs: dict[str, Any] | None = None
    message: str | None = None
    started_at: float | None = None
    finished_at: float | None = None
    progress: str | None = None
    daemoned: bool = False
    #: Argo's ``podIP``: set when the runtime gives each pod its own network address
    pod_ip: str | None = None
    hooked: bool = False
    retried: bool = False
    memoization_status: dict[str, Any] | None = None
    synchronization_status: dict[str, Any] | None = None

    @property
    def fulfilled(self) -> bool:
        return fulfilled_phase(self.phase) or (self.daemoned and self.phase != PENDING)

    @property
    def completed(self) -> bool:
        return completed_phase(self.phase) or (self.daemoned and self.phase != PENDING)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Node:
        """A node as ``to_dict`` wrote it (a persisted ``status.nodes`` entry)."""
        flag = d.get("nodeFlag") or {}
        started, finished = d.get("startedAt"), d.get("finishedAt")
        return cls(
            id=d["id"],
            name=d["name"],
            display_name=d.get("displayName", d["name"]),
            type=d["type"],
            phase=d.get("phase") or PENDING,
            boundary_id=d.get("boundaryID"),
            template_name=d.get("templateName"),
            template_ref=d.get("templateRef"),
            template_scope=d.get("templateScope", "local/"),
            children=list(d.get("children") or ()),
            outbound_nodes=list(d["outboundNodes"]) if d.get("outboundNodes") else None,
            inputs=d.get("inputs"),
            outputs=d.get("outputs"),
            message=d.get("message"),
            started_at=parse_rfc3339(started) if started else None,
            finished_at=parse_rfc3339(finished) if finished else None,
            progress=d.get("progress"),
            daemoned=bool(d.get("daemoned")),
            hooked=bool(flag.get("hooked")),
            retried=bool(flag.get("retried")),
            memoization_status=d.get("memoizationStatus"),
            synchronization_status=d.get("synchronizationStatus"),
            pod_ip=d.get("podIP"),
        )

    def to_dict(self) -> dict[str, Any]:
        """The node in Argo's JSON layout; absent fields are omitted, never null."""
        d: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "displayName": self.display_name,
            "type": self.type,
        }
        if self.template_name:
            d["templateName"] = self.template_name
        if self.template_ref:
            d["templateRef"] = self.template_ref
        d["templateScope"] = self.template_scope
        d["phase"] = self.phase
        if self.boundary_id:
            d["boundaryID"] = self.boundary_id
        if self.message:
            d["message"] = self.message
        if self.started_at is not None:
            d["startedAt"] = rfc3339(self.started_at)
        if self.finished_at is not None:
            d["finishedAt"] = rfc3339(self.finished_at)
        if self.progress:
            d["progress"] = self.progress
        if self.daemoned:
            d["daemoned"] = True
        if self.pod_ip:
            d["podIP"] = self.pod_ip
        if self.hooked or self.retried:
            flag: dict[str, bool] = {}
            if self.hooked:
                flag["hooked"] = True
            if self.retried:
                flag["retried"] = True
            d["nodeFlag"] = flag
        if self.inputs:
            d["inputs"] = self.inputs
        if self.outputs:
            d["outputs"] = self.outputs
        if self.children:
            d["children"] = list(self.children)
        if self.outbound_nodes:
            d["outboundNodes"] = list(self.outbound_nodes)
        if self.memoization_status:
            d["memoizationStatus"] = self.memoization_status
        if self.synchronization_status:
            d["synchronizationStatus"] = self.synchronization_status
        return d


class NodeTable:
    """All nodes of one workflow, by ID and by name, with change tracking."""

    def __init__(self, workflow_name: str) -> None:
        self.workflow_name = workflow_name
        self.by_id: dict[str, Node] = {}
        #: changed since the last drain, in the order they first changed (a dict keeps it)
        self._changed: dict[str, None] = {}
        self._child_sets: dict[str, set[str]] = {}

    def id_for(self, name: str) -> str:
        return node_id(self.workflow_name, name)

    def get(self, node_id_: str) -> Node:
        return self.by_id[node_id_]

    def by_name(self, name: str) -> Node | None:
        return self.by_id.get(self.id_for(name))

    def add(self, node: Node) -> Node:
        self.by_id[node.id] = node
        self._changed[node.id] = None
        return node

    def touch(self, node: Node) -> None:
        """Record that ``node`` changed and must be persisted."""
        self._changed[node.id] = None

    def add_child(self, parent: Node, child_id: str) -> None:
        children = parent.children
        if len(children) < 16:
            if child_id in children:
                return
        else:
            # wide fan-outs (10k-item loops) keep a set so each link stays O(1)
            seen = self._child_sets.get(parent.id)
            if seen is None:
                seen = self._child_sets[parent.id] = set(children)
            if child_id in seen:
                return
            seen.add(child_id)
        children.append(child_id)
        self._changed[parent.id] = None

    def drain_changes(self) -> list[Node]:
        """The nodes changed since the last call (each once, in the order they first changed)."""
        changed = [self.by_id[i] for i in self._changed if i in self.by_id]
        self._changed.clear()
        return changed

    def __len__(self) -> int:
        return len(self.by_id)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.by_id.values())

    def to_dict(self) -> dict[str, dict[str, Any]]:
        return {nid: n.to_dict() for nid, n in self.by_id.items()}
