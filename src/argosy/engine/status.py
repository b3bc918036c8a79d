"""The workflow's status in Argo's layout, and the engine record persisted beside it.

Everything a restored engine needs is in the status (nodes, timestamps, progress,
outputs) except three facts the nodes cannot show, which ``record()`` keeps: how the
workflow is being stopped, whether its deadline has passed, and which Pending pods wait
for the workflow's parallelism rather than run.
"""

from __future__ import annotations

from typing import Any

from argosy.engine.gates import Gate
from argosy.engine.nodes import NodeTable, rfc3339


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
    _counts: dict[str, int]

    def status(self, with_nodes: bool = True) -> dict[str, Any]:
        """``status`` in Argo's layout."""
        st: dict[str, Any] = {"phase": self.phase}
        if self.started_at is not None:
            st["startedAt"] = rfc3339(self.started_at)
        if self.finished_at is not None:
            st["finishedAt"] = rfc3339(self.finished_at)
        if self.message:
            st["message"] = self.message
        st["progress"] = f"{self._counts['pods_done']}/{self._counts['pods']}"
        if with_nodes and len(self.nodes):
            st["nodes"] = self.nodes.to_dict()
        if self.outputs:
            st["outputs"] = self.outputs
        return st

    def to_dict(self, with_nodes: bool = True) -> dict[str, Any]:
        out = {k: v for k, v in self.workflow.items() if k != "status"}
        out["status"] = self.status(with_nodes)
        return out

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


def parse_progress(text: str | None) -> tuple[int, int]:
    """``"3/5"`` -> (3, 5): pods done and pods created."""
    try:
        done, total = (text or "0/0").split("/", 1)
        return int(done), int(total)
    except ValueError:
        return 0, 0
