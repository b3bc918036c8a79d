"""Template-level locks: a pod node whose template has ``synchronization`` waits for its locks.

A Steps or DAG node asks itself (the engine's ``Acquire`` intent, see
:mod:`argosy.engine.sync`), answered here with an ``Acquired`` event once its locks are held.

For a pod the engine stays out of it: it asks for the pod (``RunPod``) as for any other, and the worker asks
:class:`NodeLocks` before handing it to the runtime. A pod that must wait stays ``Pending``
with Argo's message ("Waiting for {lock} lock. Lock status: {free}/{limit}"); when its locks
are granted, a :class:`LockGranted` event brings the ``RunPod`` back through the worker's
loop and the pod starts. A stop or terminate cancels a waiting pod as the runtime cancels a
running one (it finishes Failed with the stop's message); the pod's end, or the workflow's,
releases its locks.

After a restart the holders are taken from the workflow's persisted
``status.synchronization``, checked against its nodes: a holder is a pod node that has not
finished and was not waiting (its message); a node that was waiting asks again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from argosy.controller.synchronization.locks import LockRef, locks_of, node_key, workflow_key
from argosy.engine import nodes as N
from argosy.engine.intents import Acquire, Acquired, Intent, PodFinished, PodResult, RunPod
from argosy.errors import SyncLimitError
from argosy.goformat import parse_rfc3339

if TYPE_CHECKING:
    from argosy.controller.synchronization.manager import SyncManager
    from argosy.engine.reconciler import Reconciler

#: how a waiting node's message begins (Argo's)
WAITING_PREFIX = "Waiting for "


@dataclass(frozen=True, slots=True)
class LockGranted:
    """A pod's locks were granted: start it (a worker event)."""

    intent: RunPod


class NodeLocks:
    """The template-level locks of one workflow's pods (one per Worker)."""

    def __init__(self, sync: SyncManager, engine: Reconciler, post: Callable[[Any], None],
                 now: Callable[[], float]) -> None:
        self.sync = sync
        self.engine = engine
        self.post = post
        self.now = now
        self.workflow = workflow_key(engine.namespace, engine.name)
        #: node id -> holder key, for pods waiting for their locks
        self.waiting: dict[str, str] = {}
        #: node id -> holder key, for pods holding locks
        self.holding: dict[str, str] = {}
        #: a lock was let go since the worker last wrote (it writes at once: see ``Worker``)
        self.released = False
        spec = engine.spec
        try:
            self.priority = float(spec.get("priority") or 0)
        except (TypeError, ValueError):
            self.priority = 0.0
        created = (engine.workflow.get("metadata") or {}).get("creationTimestamp")
        try:
            self.created = parse_rfc3339(str(created)) if created else 0.0
        except ValueError:
            self.created = 0.0

    def intercept(self, intent: RunPod) -> bool:
        """Whether ``intent`` must wait (True: kept here until granted, or failed)."""
        pod = intent.pod
        sync = pod.template.get("synchronization")
        if not sync:
            return False
        holder = node_key(self.engine.namespace, self.engine.name, pod.node_id)
        if holder in self.sync.holding:
            return False
        priority = pod.template.get("priority")
        try:
            locks = locks_of(sync, self.engine.namespace)
            got = self.sync.acquire(holder, locks, priority=float(priority) if priority is not None else self.priority,
                                    created=self.created, on_grant=lambda: self.post(LockGranted(intent)))
        except (SyncLimitError, TypeError, ValueError) as err:
            failed = PodResult(phase=N.ERROR, message=f"Failed to acquire the synchronization lock. {err}")
            self.post(PodFinished(pod.node_id, failed, self.now()))
            return True
        if got:
            self.holding[pod.node_id] = holder
            return False
        self.waiting[pod.node_id] = holder
        self._message(pod.node_id, self.sync.waiting_message(holder))
        return True

    def acquire(self, intent: Acquire) -> None:
        """A Steps/DAG node asks for its template's locks: answered with ``Acquired`` (an event)."""
        node_id = intent.node_id
        holder = node_key(self.engine.namespace, self.engine.name, node_id)
        if holder not in self.sync.holding:
            try:
                locks = locks_of(intent.synchronization, self.engine.namespace)
                priority = intent.priority if intent.priority is not None else self.priority
                got = self.sync.acquire(holder, locks, priority=priority, created=self.created,
                                        on_grant=lambda: self._node_granted(node_id))
            except SyncLimitError as err:
                self.post(Acquired(node_id, self.now(), f"Failed to acquire the synchronization lock. {err}"))
                return
            if not got:
                self.waiting[node_id] = holder
                self._message(node_id, self.sync.waiting_message(holder))
                return
        self.holding[node_id] = holder
        self.post(Acquired(node_id, self.now()))

    def _node_granted(self, node_id: str) -> None:
        holder = self.waiting.pop(node_id, None)
        if holder is not None:
            self.holding[node_id] = holder
            self.post(Acquired(node_id, self.now()))

    def granted(self, event: LockGranted) -> list[Intent]:
        """The locks of a waiting pod were granted: start it (unless it ended meanwhile)."""
        node_id = event.intent.pod.node_id
        holder = self.waiting.pop(node_id, None)
        if holder is None:
            return []
        node = self.engine.nodes.by_id.get(node_id)
        if node is None or N.fulfilled_phase(node.phase) or self.engine.done:
            self._release(holder)
            return []
        self.holding[node_id] = holder
        self._message(node_id, None)
        return [event.intent]

    def cancel(self, node_id: str, reason: str) -> PodFinished | None:
        """A cancel of a pod that waits: it stops waiting and ends as a cancelled pod ends."""
        holder = self.waiting.pop(node_id, None)
        if holder is None:
            return None
        self.sync.withdraw(holder)
        return PodFinished(node_id, PodResult(phase=N.FAILED, message=reason or "cancelled"), self.now())

    def finished(self, node_id: str) -> None:
        """The pod ended: its locks go to the next in line."""
        holder = self.holding.pop(node_id, None) or self.waiting.pop(node_id, None)
        if holder is not None:
            self._release(holder)

    def _release(self, holder: str) -> None:
        self.sync.release(holder)
        self.released = True

    def status(self) -> dict[str, Any] | None:
        """This workflow's ``status.synchronization`` (workflow- and template-level)."""
        if self.engine.done:
            return None
        return self.sync.status([self.workflow, *self.holding.values(), *self.waiting.values()])

    def restore(self, synchronization: Mapping[str, Any] | None) -> None:
        """Count the pods that held locks when the workflow was persisted (recovery)."""
        if not synchronization:
            return
        held: dict[str, list[LockRef]] = {}
        for entry in (synchronization.get("semaphore") or {}).get("holding") or ():
            for short in entry.get("holders") or ():
                held.setdefault(str(short), []).append(LockRef.decode(str(entry.get("semaphore")), mutex=False))
        for entry in (synchronization.get("mutex") or {}).get("holding") or ():
            held.setdefault(str(entry.get("holder")), []).append(LockRef.decode(str(entry.get("mutex")), mutex=True))
        try:
            own = {ref.id for ref in locks_of(self.engine.spec.get("synchronization"), self.engine.namespace)}
        except SyncLimitError:
            own = set()
        for node_id, locks in held.items():
            if node_id == self.engine.name:
                # the workflow's own holder name (its root node has the same id): only locks it
                # does not take as a workflow can be its root pod's
                locks = [ref for ref in locks if ref.id not in own]
                if not locks:
                    continue
            node = self.engine.nodes.by_id.get(node_id)
            if node is None or N.fulfilled_phase(node.phase) or (node.message or "").startswith(WAITING_PREFIX):
                continue  # not a node, ended, or still waiting: it holds nothing
            holder = node_key(self.engine.namespace, self.engine.name, node_id)
            self.sync.hold(holder, locks)
            self.holding[node_id] = holder

    def _message(self, node_id: str, message: str | None) -> None:
        node = self.engine.nodes.by_id.get(node_id)
        if node is not None and node.message != message:
            node.message = message
            self.engine.nodes.touch(node)


__all__ = ["WAITING_PREFIX", "LockGranted", "NodeLocks"]
