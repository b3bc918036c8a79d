"""The semaphores and mutexes of one controller: who holds each lock, who waits, in what order.

Argo's rules (3.6+):

- a holder asks for all its locks at once and gets all of them or none;
- waiters are served in one order for every lock: higher ``priority`` first, then older
  (creation time), then first asked; a waiter takes its locks only when it is at the front of
  the queue of each of them and each has room. Because the order is the same for every lock,
  the first waiter overall is at the front of all its queues, so a free lock is never left
  idle by two waiters blocking each other;
- a limit is read when it matters (see :mod:`.limits`): lowering it keeps the holders and
  admits no one until they are fewer than the new limit.

The manager holds no workflow objects, only holder keys, so it is rebuilt after a restart
from what the store says ran (:meth:`hold`, from each unfinished workflow's
``status.synchronization`` and node phases): a holder is always a running workflow or node,
and whatever ends one (finish, stop, terminate, delete, a failed exit handler, a crash that
recovery ends) releases it through :meth:`release`/:meth:`release_workflow`.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from argosy.controller.synchronization.limits import Limits
from argosy.controller.synchronization.locks import LockRef
from argosy.errors import SyncLimitError

Grant = Callable[[], None]


@dataclass(slots=True)
class Request:
    """One holder's wait for its locks."""

    holder: str
    locks: tuple[LockRef, ...]
    order: tuple[float, float, int]
    on_grant: Grant | None = None


@dataclass(slots=True)
class Lock:
    """One semaphore or mutex: its holders and its queue (a heap with lazy removal)."""

    ref: LockRef
    holders: dict[str, None] = field(default_factory=dict)
    queue: list[tuple[tuple[float, float, int], str]] = field(default_factory=list)


class SyncManager:
    """Every lock of a controller (see the module docstring)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.locks: dict[tuple[str, bool], Lock] = {}
        #: holder -> the locks it holds
        self.holding: dict[str, tuple[LockRef, ...]] = {}
        #: holder -> its pending request
        self.waiting: dict[str, Request] = {}
        #: workflow key -> its holder keys that hold or wait (so a workflow's end is O(its own))
        self._of_workflow: dict[str, set[str]] = {}
        self._seq = itertools.count()

    # ---- asking ----------------------------------------------------------------------

    def acquire(self, holder: str, locks: Iterable[LockRef], *, priority: float = 0,
                created: float = 0.0, on_grant: Grant | None = None) -> bool:
        """Take every lock now (True) or join their queues (False; ``on_grant`` is called when
        they are taken). SyncLimitError when a limit cannot be read (nothing is taken)."""
        refs = tuple(locks)
        if holder in self.holding:
            return True
        limits = {ref.id: self.limits.limit(ref) for ref in refs}  # a bad reference fails here
        request = self.waiting.get(holder)
        if request is None:
            request = Request(holder, refs, (-float(priority), float(created), next(self._seq)), on_grant)
            self.waiting[holder] = request
            self._index(holder)
            for ref in refs:
                heapq.heappush(self._lock(ref).queue, (request.order, holder))
        else:
            request.on_grant = on_grant
        if self._can_take(request, limits):
            self._take(request)
            self._settle(refs, skip=holder)
            return True
        return False

    def hold(self, holder: str, locks: Iterable[LockRef]) -> None:
        """Count ``holder`` as holding ``locks`` without asking: it held them before a restart
        (it may briefly exceed a limit lowered meanwhile; no one new enters until below)."""
        refs = tuple(locks)
        self.withdraw(holder)
        self._index(holder)
        held = {r.id: r for r in self.holding.get(holder, ())}
        for ref in refs:
            self._lock(ref).holders[holder] = None
            held[ref.id] = ref
        self.holding[holder] = tuple(held.values())

    def release(self, holder: str) -> None:
        """``holder`` ends: it holds nothing and waits for nothing; the next holders enter."""
        refs = self.holding.pop(holder, ())
        for ref in refs:
            lock = self.locks.get(ref.id)
            if lock is not None:
                lock.holders.pop(holder, None)
        touched = list(refs)
        owned = self._of_workflow.get("/".join(holder.split("/", 2)[:2]))
        if owned is not None:
            owned.discard(holder)
        request = self.waiting.pop(holder, None)
        if request is not None:
            touched.extend(request.locks)  # it may have been the front that blocked others
        if touched:
            self._settle(touched)

    def withdraw(self, holder: str) -> None:
        """Stop waiting (a stopped or deleted waiter); those behind it may enter."""
        request = self.waiting.pop(holder, None)
        if request is not None:
            self._settle(request.locks)

    def release_workflow(self, workflow: str) -> None:
        """Release the workflow ``namespace/name`` and every node of it (it ended)."""
        for holder in self._of_workflow.pop(workflow, ()):
            self.release(holder)

    def refresh(self) -> None:
        """Limits may have changed (a ConfigMap, the Sync API): let in whoever now fits."""
        self._settle([lock.ref for lock in self.locks.values() if lock.queue])

    # ---- reading ---------------------------------------------------------------------

    def holders(self, lock: LockRef) -> list[str]:
        found = self.locks.get(lock.id)
        return list(found.holders) if found is not None else []

    def waiting_message(self, holder: str) -> str:
        """Argo's message for a waiter: the first lock it cannot take and that lock's status."""
        request = self.waiting.get(holder)
        if request is None:
            return ""
        blocking = request.locks[0]
        for ref in request.locks:
            lock = self._lock(ref)
            if len(lock.holders) >= self._limit_or(ref, 0) or self._front(lock) != holder:
                blocking = ref
                break
        limit = self._limit_or(blocking, 0)
        free = max(limit - len(self._lock(blocking).holders), 0)
        return f"Waiting for {blocking.name} lock. Lock status: {free}/{limit}"

    def status(self, holders: Iterable[str]) -> dict[str, Any] | None:
        """``status.synchronization`` for a workflow whose holder keys are ``holders``."""
        sem_holding: dict[str, list[str]] = {}
        sem_waiting: dict[str, list[str]] = {}
        mtx_holding: list[dict[str, str]] = []
        mtx_waiting: list[dict[str, str]] = []
        for holder in holders:
            short = holder.rsplit("/", 1)[-1]
            for ref in self.holding.get(holder, ()):
                if ref.mutex:
                    mtx_holding.append({"mutex": ref.name, "holder": short})
                else:
                    sem_holding.setdefault(ref.name, []).append(short)
            request = self.waiting.get(holder)
            for ref in request.locks if request is not None else ():
                current = self.holders(ref)
                if ref.mutex:
                    mtx_waiting.append({"mutex": ref.name, "holder": current[0] if current else ""})
                else:
                    sem_waiting.setdefault(ref.name, current)
        out: dict[str, Any] = {}
        semaphore = {k: v for k, v in (
            ("holding", [{"semaphore": n, "holders": h} for n, h in sem_holding.items()]),
            ("waiting", [{"semaphore": n, "holders": h} if h else {"semaphore": n}
                         for n, h in sem_waiting.items()])) if v}
        mutex = {k: v for k, v in (("holding", mtx_holding),
                                   ("waiting", [{k: v for k, v in m.items() if v} for m in mtx_waiting])) if v}
        if semaphore:
            out["semaphore"] = semaphore
        if mutex:
            out["mutex"] = mutex
        return out or None

    # ---- the queue -------------------------------------------------------------------

    def _index(self, holder: str) -> None:
        parts = holder.split("/", 2)
        self._of_workflow.setdefault("/".join(parts[:2]), set()).add(holder)

    def _lock(self, ref: LockRef) -> Lock:
        lock = self.locks.get(ref.id)
        if lock is None:
            lock = self.locks[ref.id] = Lock(ref)
        return lock

    def _front(self, lock: Lock) -> str | None:
        """The first live waiter of ``lock`` (stale entries of withdrawn waiters are dropped)."""
        queue = lock.queue
        while queue:
            order, holder = queue[0]
            request = self.waiting.get(holder)
            if request is not None and request.order == order:
                return holder
            heapq.heappop(queue)
        return None

    def _limit_or(self, ref: LockRef, default: int) -> int:
        try:
            return self.limits.limit(ref)
        except SyncLimitError:
            return default

    def _can_take(self, request: Request, limits: dict[tuple[str, bool], int] | None = None) -> bool:
        for ref in request.locks:
            lock = self._lock(ref)
            limit = limits[ref.id] if limits is not None else self._limit_or(ref, 0)
            if len(lock.holders) >= limit or self._front(lock) != request.holder:
                return False
        return True

    def _take(self, request: Request) -> None:
        del self.waiting[request.holder]
        for ref in request.locks:
            lock = self._lock(ref)
            lock.holders[request.holder] = None
            self._front(lock)  # drops this request's entry, now stale, from the front
        self.holding[request.holder] = request.locks

    def _settle(self, refs: Iterable[LockRef], skip: str | None = None) -> None:
        """Admit the waiters at the front of these locks while they fit, then call them."""
        pending = {ref.id for ref in refs}
        granted: list[Request] = []
        while pending:
            lock = self.locks.get(pending.pop())
            if lock is None:
                continue
            holder = self._front(lock)
            request = self.waiting.get(holder) if holder is not None else None
            if request is None or not self._can_take(request):
                continue
            self._take(request)
            granted.append(request)
            pending.update(ref.id for ref in request.locks)
        for request in granted:
            if request.on_grant is not None and request.holder != skip:
                request.on_grant()


__all__ = ["Request", "SyncManager"]
