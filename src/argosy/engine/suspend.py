"""Suspend templates: a node that waits for ``resume`` (or its ``duration``) and its outputs.

Which nodes are suspended is read off the nodes themselves (an unfulfilled Suspend node);
the optional ``duration`` is a timer at the node's start plus that duration, so a restored
engine re-arms it from the persisted start time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from argosy.engine import nodes as N
from argosy.engine.intents import Intent
from argosy.engine.nodes import Node, NodeTable
from argosy.engine.timers import SUSPEND
from argosy.spec.duration import parse_duration


class SuspendRole:
    """Suspended nodes and ``resume`` (mixed into ``Reconciler``)."""

    now: float
    nodes: NodeTable
    #: suspended node id -> its processed template (for its output parameters)
    suspended: dict[str, dict[str, Any]]

    if TYPE_CHECKING:  # provided by the other roles of Reconciler
        def finish(self, node: Node, phase: str, message: str | None = None) -> None: ...
        def arm(self, at: float, kind: str, node_id: str) -> None: ...
        def _drain(self) -> None: ...
        def _flush(self) -> list[Intent]: ...

    def resume(self, now: float, node_field_selector: str | None = None,
               outputs: Mapping[str, str] | None = None) -> list[Intent]:
        """Resume suspended nodes (all, or those whose name/displayName matches)."""
        self.now = now
        for nid in list(self.suspended):
            node = self.nodes.get(nid)
            if node_field_selector and node_field_selector not in (node.name, node.display_name):
                continue
            self._resume_node(nid, outputs)
        self._drain()
        return self._flush()

    def _suspend(self, node: Node, template: dict[str, Any]) -> None:
        self.suspended[node.id] = template
        duration = (template.get("suspend") or {}).get("duration")
        if duration not in (None, ""):
            start = node.started_at if node.started_at is not None else self.now
            self.arm(start + parse_duration(str(duration)), SUSPEND, node.id)

    def _resume_node(self, node_id: str, supplied: Mapping[str, str] | None) -> None:
        template = self.suspended.pop(node_id, None)
        node = self.nodes.by_id.get(node_id)
        if template is None or node is None or N.fulfilled_phase(node.phase):
            return
        params = []
        for p in (template.get("outputs") or {}).get("parameters") or []:
            vf = p.get("valueFrom") or {}
            value = (supplied or {}).get(p["name"])
            if value is None:
                value = vf.get("default", p.get("value"))
            if value is not None:
                params.append({"name": p["name"], "value": str(value)})
        if params:
            node.outputs = {"parameters": params}
        self.finish(node, N.SUCCEEDED)

    def _fail_suspended(self, message: str) -> None:
        for nid in list(self.suspended):
            self.suspended.pop(nid)
            self.finish(self.nodes.get(nid), N.FAILED, message)
