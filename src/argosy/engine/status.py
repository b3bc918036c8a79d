"""The workflow's status in Argo's layout, its progress, and the engine record persisted beside it.

Everything a restored engine needs is in the status (nodes, timestamps, progress,
outputs) except three facts the nodes cannot show, which ``record()`` keeps: how the
workflow is being stopped, whether its deadline has passed, and which Pending pods wait
for the workflow's parallelism rather than run.
"""

from __future__ import annotations

from typing import Any

from argosy.engine import nodes as N
from argosy.engine.gates import Gate
from argosy.engine.nodes import Node, NodeTable, rfc3339


class StatusRole:
    """``status()``, ``to_dict()`` and ``record()`` (mixed into ``Reconciler``)."""

    workflow: dict[str, Any]
    nodes: NodeTable
    phase: str
    message: str | None
    started_at: float | None
    finished_at: float | None
    outputs: dict[str, Any]
    shutdown: str | None
    deadline_message: str | None
    pod_gate: Gate[Any]
    #: the workflow's progress: the sum of its PROGRESS_TYPES nodes' (Argo's UpdateProgress)
    _progress: list[int]

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

    def count_progress(self, progress: str | None, sign: int) -> None:
        """Add (``sign`` 1) or take away (-1) one node's ``N/M`` to the workflow's sum."""
        parsed = N.parse_progress(progress)
        if parsed is not None:
            self._progress[0] += sign * parsed[0]
            self._progress[1] += sign * parsed[1]

    def set_progress(self, node: Node, progress: str) -> None:
        """Set an executable node's ``N/M`` progress, keeping the workflow's sum."""
        self.count_progress(node.progress, -1)
        self.count_progress(progress, 1)
        node.progress = progress

    def _finish_progress(self, node: Node, phase: str) -> None:
        """A node that succeeded (or was skipped) is complete: ``M/M`` (Argo's Progress.Complete)."""
        parsed = N.parse_progress(node.progress) or (0, 1)
        if phase in (N.SUCCEEDED, N.SKIPPED, N.OMITTED):
            self.set_progress(node, f"{parsed[1]}/{parsed[1]}")
        elif node.progress is None:
            self.set_progress(node, N.DEFAULT_PROGRESS)

    def record(self) -> dict[str, Any]:
        """Engine state the status cannot show (JSON-able, usually ``{}``); see ``Reconciler.restore``."""
        out: dict[str, Any] = {}
        if self.shutdown:
            out["shutdown"] = self.shutdown
        if self.deadline_message:
            out["deadlineExceeded"] = True
        if self.pod_gate.waiting_count:
            out["waitingPods"] = [node.id for node, _ in self.pod_gate.waiting()]
        return out
