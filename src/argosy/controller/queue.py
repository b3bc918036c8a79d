"""Admission of workflows: the controller-wide queue, then the workflow's own locks.

Before a workflow's engine starts it must be let in twice, as in Argo:

1. the controller's ``parallelism`` (all namespaces) and ``namespaceParallelism`` (per
   namespace): at most that many workflows run at once; the rest stay ``Pending`` with Argo's
   message :data:`POSTPONED`, ordered by ``spec.priority`` (higher first) then creation time;
2. its ``spec.synchronization`` locks (semaphores, mutexes), all or none: while it waits it
   is ``Pending`` with Argo's "Waiting for … lock. Lock status: free/limit".

A stop or terminate while waiting lets it go at once (it ends as Argo ends a stopped
workflow: its nodes, if any start, fail "Stopped with strategy …"); Argo lets a terminating
workflow past the throttle for the same reason. Leaving (the workflow ended) hands its place
and its locks to the next in line.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from argosy.controller.synchronization.locks import locks_of, workflow_key
from argosy.controller.synchronization.nodes import WAITING_PREFIX
from argosy.errors import StoreError, SyncLimitError
from argosy.goformat import parse_rfc3339

if TYPE_CHECKING:
    from argosy.controller.synchronization.manager import SyncManager
    from argosy.controller.worker import Worker
    from argosy.engine.intents import Intent
    from argosy.engine.reconciler import Reconciler
    from argosy.store.api import Store

#: how a workflow's engine begins (its ``start``, or ``recover`` when restored)
Begin = Callable[[float], "list[Intent]"]

#: Argo's message for a workflow the controller's parallelism holds back
POSTPONED = "Workflow processing has been postponed because too many workflows are already running"
#: Argo's message for a workflow whose limit cannot be read
LOCK_FAILED = "Failed to acquire the synchronization lock. {}"
#: how often limits are re-read while workflows or nodes wait for a lock (seconds)
LOCK_POLL_SECONDS = 1.0


class Verdict:
    """How admission ended: ``ADMITTED`` (run), ``STOPPED`` (run, already stopping) or a failure message."""

    ADMITTED = "admitted"
    STOPPED = "stopped"


@dataclass(slots=True)
class Ticket:
    """A workflow waiting for a place under the controller's parallelism."""

    uid: str
    namespace: str
    order: tuple[float, float, int]
    future: asyncio.Future[str] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


def priority_of(engine: Reconciler) -> float:
    try:
        return float(engine.spec.get("priority") or 0)
    except (TypeError, ValueError):
        return 0.0


def created_of(engine: Reconciler) -> str:
    return str((engine.workflow.get("metadata") or {}).get("creationTimestamp") or "")


class Admission:
    """The controller-wide queue and the workflow-level locks (see the module docstring)."""

    def __init__(self, sync: SyncManager, *, parallelism: int = 0, namespace_parallelism: int = 0,
                 store: Store | None = None) -> None:
        self.sync = sync
        #: where a waiting workflow's Pending status (and why) is written
        self.store = store
        #: uid -> the stop or terminate that let a waiting workflow go
        self._stopping: dict[str, str] = {}
        self._poll_task: asyncio.Task[None] | None = None
        self.parallelism = int(parallelism or 0)
        self.namespace_parallelism = int(namespace_parallelism or 0)
        #: uid -> namespace of the workflows let in and not yet ended
        self.running: dict[str, str] = {}
        self._per_namespace: dict[str, int] = {}
        self._queue: list[tuple[tuple[float, float, int], str]] = []
        self._tickets: dict[str, Ticket] = {}
        #: uid -> the future a workflow waiting for its locks awaits
        self._lock_waits: dict[str, asyncio.Future[str]] = {}
        #: uid -> its holder key, while it waits for its locks
        self._lock_holders: dict[str, str] = {}
        self._seq = itertools.count()

    # ---- a workflow's start ----------------------------------------------------------

    def begin(self, worker: Worker, begin: Begin,
              recovered: Mapping[str, Any] | None = None) -> Awaitable[Begin] | None:
        """Let a workflow in: None when it may start now, else what to await for how it begins.

        ``recovered``: its persisted status, when it ran under a controller before a restart."""
        engine = worker.engine
        show = lambda message: self._show(worker, message)
        if recovered is not None and len(engine.nodes) and not waited(recovered):
            # it ran before the restart: it keeps its place and the locks it held (taken now,
            # before any waiter recovered beside it can ask), and so do its pods
            waiting = self.resume(engine, recovered.get("synchronization"), show)
            if worker.node_locks is not None:
                worker.node_locks.restore(recovered.get("synchronization"))
        elif recovered is not None:
            # it waited: it asks again once every workflow recovered with it holds what it held
            waiting = self._admit_later(engine, show)
        else:
            waiting = self.admit(engine, show)
        return None if waiting is None else self._admitted(worker, begin, waiting)

    async def _admit_later(self, engine: Reconciler, show: Callable[[str], None]) -> str:
        waiting = self.admit(engine, show)
        return Verdict.ADMITTED if waiting is None else await waiting

    async def _admitted(self, worker: Worker, begin: Begin, waiting: Awaitable[str]) -> Begin:
        """Wait until the workflow is let in; how it then begins (as it is, stopping, or failed)."""
        verdict = await waiting
        engine = worker.engine
        engine.message = None
        strategy = self._stopping.pop(engine.uid, None)
        if verdict == Verdict.STOPPED or strategy is not None:
            return lambda now: [*engine.stop(now, strategy or "Stop"), *begin(now)]
        if verdict != Verdict.ADMITTED:
            def failed(now: float) -> list[Intent]:
                engine.phase, engine.message, engine.finished_at = "Failed", verdict, now
                engine.started_at = engine.started_at or now
                return []
            return failed
        return begin

    def _show(self, worker: Worker, message: str) -> None:
        """A workflow waits to be let in: Pending with Argo's message (and its lock status)."""
        worker.engine.message = message
        if self.store is not None:
            with contextlib.suppress(StoreError):
                self.store.save_progress(worker.engine.uid, worker.summary(), [], None)
        if self._poll_task is None or self._poll_task.done():
            self._poll_task = asyncio.get_running_loop().create_task(self._poll())

    async def _poll(self) -> None:
        """While anything waits, re-read limits now and then: a raised ConfigMap limit lets
        waiters in without any holder ending."""
        while self.sync.waiting or self.queued():
            await asyncio.sleep(LOCK_POLL_SECONDS)
            self.sync.refresh()

    def close(self) -> None:
        if self._poll_task is not None:
            self._poll_task.cancel()
            self._poll_task = None

    # ---- asking ----------------------------------------------------------------------

    def waiting(self, uid: str) -> bool:
        """Whether the workflow ``uid`` waits to be let in (it reads Pending, with a message);
        one whose locks were just granted no longer waits, though it starts on the next turn."""
        lock_wait = self._lock_waits.get(uid)
        return uid in self._tickets or (lock_wait is not None and not lock_wait.done())

    def admit(self, engine: Reconciler, show: Callable[[str], None]) -> Awaitable[str] | None:
        """Let ``engine``'s workflow in now (None), or say why it waits (``show(message)``, at
        once, so a create answers Pending with it) and give what to await for the verdict."""
        uid = engine.uid
        if not self._has_room(engine.namespace) or self._queue_live():
            ticket = Ticket(uid, engine.namespace, (-priority_of(engine), _stamp(created_of(engine)), next(self._seq)))
            self._tickets[uid] = ticket
            heapq.heappush(self._queue, (ticket.order, uid))
            self._pump()
            if not ticket.future.done():
                show(POSTPONED)
            return self._after_queue(engine, ticket, show)
        self._enter(uid, engine.namespace)
        return self._locks(engine, show)

    async def _after_queue(self, engine: Reconciler, ticket: Ticket, show: Callable[[str], None]) -> str:
        verdict = await ticket.future
        if verdict != Verdict.ADMITTED:
            return verdict
        waiting = self._locks(engine, show)
        return Verdict.ADMITTED if waiting is None else await waiting

    def _locks(self, engine: Reconciler, show: Callable[[str], None]) -> Awaitable[str] | None:
        try:
            locks = locks_of(engine.spec.get("synchronization"), engine.namespace)
        except SyncLimitError as err:
            return _now(LOCK_FAILED.format(err))
        if not locks:
            return None
        holder = workflow_key(engine.namespace, engine.name)
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        grant = lambda: future.done() or future.set_result(Verdict.ADMITTED)
        try:
            if self.sync.acquire(holder, locks, priority=priority_of(engine),
                                 created=_stamp(created_of(engine)), on_grant=grant):
                return None
        except SyncLimitError as err:
            return _now(LOCK_FAILED.format(err))
        self._lock_waits[engine.uid] = future
        self._lock_holders[engine.uid] = holder
        show(self.sync.waiting_message(holder))
        return self._await_lock(engine.uid, future)

    async def _await_lock(self, uid: str, future: asyncio.Future[str]) -> str:
        try:
            return await future
        finally:
            self._lock_waits.pop(uid, None)
            self._lock_holders.pop(uid, None)

    def resume(self, engine: Reconciler, synchronization: Mapping[str, Any] | None,
               show: Callable[[str], None]) -> Awaitable[str] | None:
        """A workflow that ran before a restart: it keeps its place, and the locks its persisted
        ``status.synchronization`` says it held (taken now, before any waiter recovered beside
        it can ask); if that does not show all of them, it asks for them again."""
        self._enter(engine.uid, engine.namespace)
        try:
            locks = locks_of(engine.spec.get("synchronization"), engine.namespace)
        except SyncLimitError as err:
            return _now(LOCK_FAILED.format(err))
        if not locks:
            return None
        if {ref.id for ref in locks} <= held_locks(synchronization, engine.name):
            self.sync.hold(workflow_key(engine.namespace, engine.name), locks)
            return None
        return self._locks(engine, show)

    def stop(self, uid: str, strategy: str | None = None) -> None:
        """A stop or terminate (``strategy``) of a waiting workflow: let it go now (its nodes
        fail as they come, its exit handler runs on a Stop)."""
        if strategy is not None and self.waiting(uid):
            self._stopping[uid] = strategy
        ticket = self._tickets.pop(uid, None)
        if ticket is not None and not ticket.future.done():
            ticket.future.set_result(Verdict.STOPPED)
        holder = self._lock_holders.pop(uid, None)
        if holder is not None:
            self.sync.withdraw(holder)
        future = self._lock_waits.pop(uid, None)
        if future is not None and not future.done():
            future.set_result(Verdict.STOPPED)

    def leave(self, engine: Reconciler) -> None:
        """The workflow ended: its place and its locks go to those waiting."""
        self.stop(engine.uid)
        self.sync.release_workflow(workflow_key(engine.namespace, engine.name))
        namespace = self.running.pop(engine.uid, None)
        if namespace is not None:
            self._per_namespace[namespace] -= 1
            self._pump()

    # ---- the queue -------------------------------------------------------------------

    def _has_room(self, namespace: str) -> bool:
        if self.parallelism and len(self.running) >= self.parallelism:
            return False
        return not (self.namespace_parallelism
                    and self._per_namespace.get(namespace, 0) >= self.namespace_parallelism)

    def _queue_live(self) -> bool:
        while self._queue and self._queue[0][1] not in self._tickets:
            heapq.heappop(self._queue)
        return bool(self._queue)

    def _enter(self, uid: str, namespace: str) -> None:
        if uid not in self.running:
            self.running[uid] = namespace
            self._per_namespace[namespace] = self._per_namespace.get(namespace, 0) + 1

    def _pump(self) -> None:
        """Let in, in order, every queued workflow that fits. A workflow held back only by its
        namespace's limit does not hold back those of other namespaces (as Argo's throttler)."""
        skipped: list[tuple[tuple[float, float, int], str]] = []
        while self._queue and (not self.parallelism or len(self.running) < self.parallelism):
            order, uid = heapq.heappop(self._queue)
            ticket = self._tickets.get(uid)
            if ticket is None or ticket.order != order:
                continue
            if not self._has_room(ticket.namespace):
                skipped.append((order, uid))
                continue
            del self._tickets[uid]
            self._enter(uid, ticket.namespace)
            if not ticket.future.done():
                ticket.future.set_result(Verdict.ADMITTED)
        for entry in skipped:
            heapq.heappush(self._queue, entry)

    def queued(self) -> list[str]:
        """The uids waiting for a place, in the order they would be let in."""
        return [uid for _, uid in sorted(self._queue) if uid in self._tickets]


#: Argo's controller configuration ConfigMap, where ``parallelism`` and ``namespaceParallelism``
#: live (as keys of its ``config`` YAML, or, in older layouts, as keys of their own)
CONTROLLER_CONFIGMAP = "workflow-controller-configmap"


def configured_parallelism(data: Mapping[str, str] | None) -> tuple[int, int]:
    """``(parallelism, namespaceParallelism)`` from the controller ConfigMap's data (0: none)."""
    if not data:
        return 0, 0
    settings: dict[str, Any] = dict(data)
    if data.get("config"):
        import yaml

        try:
            loaded = yaml.safe_load(data["config"])
        except yaml.YAMLError:
            loaded = None
        if isinstance(loaded, dict):
            settings = {**settings, **loaded}

    def number(key: str) -> int:
        try:
            return max(int(settings.get(key) or 0), 0)
        except (TypeError, ValueError):
            return 0

    return number("parallelism"), number("namespaceParallelism")


def waited(status: Mapping[str, Any]) -> bool:
    """Whether a persisted workflow was still waiting to be let in (queue or locks)."""
    message = str(status.get("message") or "")
    return message == POSTPONED or message.startswith(WAITING_PREFIX)


def held_locks(synchronization: Mapping[str, Any] | None, holder: str) -> set[tuple[str, bool]]:
    """The locks ``status.synchronization`` shows held by ``holder`` (a short holder name)."""
    sync = synchronization or {}
    held = {(str(e.get("semaphore")), False) for e in (sync.get("semaphore") or {}).get("holding") or ()
            if holder in (e.get("holders") or ())}
    held |= {(str(e.get("mutex")), True) for e in (sync.get("mutex") or {}).get("holding") or ()
             if e.get("holder") == holder}
    return held


async def _now(verdict: str) -> str:
    return verdict


def _stamp(created: Any) -> float:
    """A creation timestamp (RFC 3339) as seconds, for ordering; unknown sorts first."""
    try:
        return parse_rfc3339(str(created)) if created else 0.0
    except (TypeError, ValueError):
        return 0.0


__all__ = ["CONTROLLER_CONFIGMAP", "LOCK_FAILED", "POSTPONED", "Admission", "Verdict", "configured_parallelism"]
