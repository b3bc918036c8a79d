"""Template-level locks of Steps and DAG nodes: the engine asks, the controller answers.

A Steps or DAG template with ``synchronization`` does not start its children until its
locks are held: its node is created ``Pending``, the engine emits :class:`Acquire` and waits
for :class:`Acquired` (the controller's semaphores and mutexes decide when; it also writes
the node's "Waiting for … lock" message). Once the node is fulfilled the engine emits
:class:`Release`. (A pod's template locks never reach the engine: the controller holds its
``RunPod`` back instead.)

Restorable from the nodes alone: a restored Steps/DAG node with locks that is ``Pending``
was waiting and asks again; one that is ``Running`` held them (the controller re-counts its
holders from ``status.synchronization``), and its frame is rebuilt at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from argosy.engine import nodes as N
from argosy.engine.intents import Acquire, Acquired, Intent, Release
from argosy.engine.nodes import Node, NodeTable
from argosy.spec import TemplateScope

if TYPE_CHECKING:
    from argosy.engine.protocols import Frame


class SyncRole:
    """Steps/DAG nodes waiting for, or holding, their template's locks (mixed into Reconciler)."""

    nodes: NodeTable
    #: Steps/DAG nodes waiting for their locks: what starts them once held
    lock_waiting: dict[str, tuple[dict[str, Any], TemplateScope]]
    #: Steps/DAG nodes holding locks
    lock_holding: set[str]
    shutdown: str | None
    replaying: bool
    _intents: list[Intent]

    if TYPE_CHECKING:  # provided by the other roles of Reconciler
        def finish(self, node: Node, phase: str, message: str | None = None) -> None: ...
        def _in_exit_handler(self, node: Node) -> bool: ...
        def start_frame(self, node: Node, template: dict[str, Any], context: TemplateScope) -> Frame: ...

    def wait_for_locks(self, node: Node, template: dict[str, Any], context: TemplateScope) -> bool:
        """Whether ``node`` (a Steps/DAG node) must wait for its template's locks before it starts."""
        sync = template.get("synchronization")
        if not sync:
            return False
        waiting, holding = self.lock_waiting, self.lock_holding
        if self.replaying and node.phase == N.RUNNING:
            holding.add(node.id)  # it held them when persisted
            return False
        if node.phase != N.PENDING:
            node.phase = N.PENDING
            self.nodes.touch(node)
        waiting[node.id] = (template, context)
        priority = template.get("priority")
        try:
            wanted = float(priority) if priority is not None else None
        except (TypeError, ValueError):
            wanted = None
        self._intents.append(Acquire(node.id, dict(sync), wanted))
        return True

    def _acquired(self, node: Node, event: Acquired) -> None:
        waiting, holding = self.lock_waiting, self.lock_holding
        entry = waiting.pop(node.id, None)
        if entry is None:
            return
        if event.error is not None:
            self.finish(node, N.ERROR, event.error)
            return
        holding.add(node.id)
        node.phase = N.RUNNING
        node.message = None
        self.nodes.touch(node)
        template, context = entry
        self.start_frame(node, template, context)

    def _release_locks(self, node: Node) -> None:
        """A node that held (or waited for) locks is fulfilled: hand them on."""
        waiting, holding = self.lock_waiting, self.lock_holding
        if node.id in holding or node.id in waiting:
            holding.discard(node.id)
            waiting.pop(node.id, None)
            self._intents.append(Release(node.id))

    def _fail_waiting_locks(self, message: str | None = None) -> None:
        """A stop: nodes still waiting for locks will not run (exit handlers' do, on Stop)."""
        waiting = self.lock_waiting
        message = message or f"Stopped with strategy '{self.shutdown}'"
        for node_id in list(waiting):
            node = self.nodes.get(node_id)
            if self.shutdown == "Terminate" or not self._in_exit_handler(node):
                self.finish(node, N.FAILED, message)


__all__ = ["SyncRole"]
