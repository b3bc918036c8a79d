"""The worker of one workflow: engine decisions in, runtime work out, progress to the store.

The only place intents become actions: ``RunPod`` starts (or adopts) a pod on the runtime,
``CancelPod`` cancels it, ``WakeAt`` arms a timer. Everything that happens to the workflow
arrives through :meth:`Worker.apply`. A pod's start and end go to the engine the moment the
runtime reports them (no polling, no queue: the hand-off of every step of a chain); control
(stop, resume) and timers go through the main loop. Changed nodes are persisted after new
pods have started, at most every ``PERSIST_INTERVAL`` seconds (a chain of fast steps writes
once per interval, not once per event: it halved the controller's CPU per step) and always
when the workflow ends.

Faults never hang a run. An exception from the engine while it handles a pod's report ends
that node as Error with the message (the engine then goes on as for any failed node: retries,
``continueOn``, exit handlers); one it raises anywhere else, or twice for the same report,
ends the workflow as Error. A store that cannot be written (disk full, locked) does not stop
the workflow: its changes are kept and written at the next persist, and the error is kept in
:attr:`Worker.store_error` for the caller to report if it lasts to the end.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

from argosy.controller.clock import Clock, RealClock
from argosy.controller.events import MetadataChanged, Resume, Stop, Suspend, TimerFired, WorkflowEvent
from argosy.controller.synchronization.nodes import LockGranted, NodeLocks
from argosy.engine import nodes as N
from argosy.engine.intents import (
    Acquire,
    Acquired,
    CancelPod,
    Intent,
    PodFinished,
    PodResult,
    PodStarted,
    Release,
    RunPod,
    SaveMemo,
)
from argosy.engine.reconciler import Reconciler
from argosy.errors import StoreError
from argosy.runtime.api import NodeEvent, NodeHandle, PodRuntime
from argosy.runtime.base import RunContext
from argosy.store.api import Store

Listener = Callable[[Reconciler, list[Any]], None]
log = logging.getLogger("argosy.controller")

#: longest a change waits before it is written to the store (real seconds). A crash loses at
#: most this much node progress (the end of a workflow is always written); 0.25 s rather than
#: 0.05 s saved 0.1 ms of CPU per step of a chain (10 interleaved pairs of 200-step W1 runs)
PERSIST_INTERVAL = 0.25

#: the key under which the worker keeps ``argo suspend`` in the engine record it persists
#: (the engine's own keys never clash with it), so a recovered workflow stays suspended
SUSPENDED_KEY = "argosySuspended"
#: ... and the pods it held then (never started: a recovered worker starts them, not adopts them)
HELD_KEY = "argosyHeld"


class Worker:
    """Runs one workflow to completion."""

    def __init__(
        self,
        engine: Reconciler,
        runtime: PodRuntime,
        context: RunContext,
        *,
        clock: Clock | None = None,
        store: Store | None = None,
        on_change: Listener | None = None,
        listeners: list[Listener] | None = None,
        memo: Any = None,
    ) -> None:
        self.engine = engine
        self.runtime = runtime
        self.context = context
        self.clock = clock or RealClock()
        self.store = store
        self.on_change = on_change
        #: the Controller's node listeners (a list it may add to): called like ``on_change``
        self.listeners = listeners if listeners is not None else []
        #: told the seconds each reconciliation took (an event handled, intents dispatched)
        self.on_operation: Callable[[float], None] | None = None
        #: where ``SaveMemo`` intents are carried out (controller.memoize); None: nowhere
        self.memo = memo
        self.events: asyncio.Queue[WorkflowEvent | None] = asyncio.Queue()
        #: pods started and not yet reported finished, by node ID
        self.handles: dict[str, NodeHandle] = {}
        #: the last store write that failed (None once a later write succeeded)
        self.store_error: StoreError | None = None
        #: engine exceptions caught, as the messages the affected nodes got
        self.engine_errors: list[str] = []
        self._record = getattr(engine, "record", None)
        self._persisted_at = 0.0
        #: the engine time the main loop sleeps until (None: until an event comes)
        self._waiting_until: float | None = None
        self._flush: asyncio.TimerHandle | None = None
        self._drained: asyncio.Event | None = None
        #: pods the engine asked for while the workflow is suspended (None: not suspended)
        self.held: list[RunPod] | None = None
        #: whether the last engine record written said suspended (so a resume clears it)
        self._suspend_written = False
        #: node ids of pods held when an earlier process persisted (see ``restore_suspended``)
        self._never_started: set[str] = set()
        #: template-level semaphores and mutexes (None: the controller has no synchronization)
        self.node_locks: NodeLocks | None = None

    def restore_suspended(self, record: Mapping[str, Any] | None) -> None:
        """Carry ``argo suspend`` over from a persisted engine record (recovery)."""
        if record and record.get(SUSPENDED_KEY):
            self.held = []
            self._never_started = set(record.get(HELD_KEY) or ())

    @property
    def suspended(self) -> bool:
        """Whether ``argo suspend`` holds the workflow (Argo's ``spec.suspend``)."""
        return self.held is not None

    # ---- the way in ------------------------------------------------------------------

    def apply(self, event: WorkflowEvent) -> None:
        """Deliver ``event``: a runtime's report goes to the engine at once, the rest through the loop."""
        if isinstance(event, (PodStarted, PodFinished)):
            self._report(event)
        elif isinstance(event, MetadataChanged):
            # at once: the result of the node that patched them, reported next, sees them
            self.engine.set_metadata(event.labels, event.annotations)
        else:
            self.events.put_nowait(event)

    def stop(self, strategy: str = "Stop") -> None:
        self.apply(Stop(strategy))

    def resume(self, selector: str | None = None) -> None:
        self.apply(Resume(selector))

    # ---- the loop --------------------------------------------------------------------

    async def run(self, begin: Callable[[float], list[Intent]] | None = None) -> Reconciler:
        """Run until the workflow is done. ``begin`` (default: the engine's ``start``) gives
        the first intents: a recovered workflow begins with the engine's ``recover``."""
        try:
            return await self._run(begin)
        except asyncio.CancelledError:
            # the controller is closing: what was persisted stands, nothing more is written
            if self._flush is not None:
                self._flush.cancel()
                self._flush = None
            raise

    async def _run(self, begin: Callable[[float], list[Intent]] | None) -> Reconciler:
        e = self.engine
        now = self.clock.now()
        self._dispatch(self._guard(begin or e.start, now))
        await asyncio.sleep(0)
        self._persist()
        while not e.done:
            event = await self._next_event()
            now = self.clock.now()
            began = time.perf_counter()
            batch = [event]
            while not self.events.empty():
                batch.append(self.events.get_nowait())
            intents: list[Intent] = []
            for ev in batch:
                if ev is not None:  # None: a timer is due, or a pod's result was handled
                    intents.extend(self._apply_queued(ev, now))
            intents.extend(self._guard(e.tick, now))
            self._dispatch(intents)
            self._write_releases()
            if self.on_operation is not None:
                self.on_operation(time.perf_counter() - began)
            if self.engine_errors and self._stalled():
                self._abort(f"workflow cannot go on after {self.engine_errors[0]}", now)
            # let the pods just started reach their spawn before we spend time persisting
            await asyncio.sleep(0)
            self._persist_soon()
        # the workflow is over: nothing it started may outlive it
        for handle in list(self.handles.values()):
            self.runtime.cancel(handle, "cancelled")
        if self.handles:
            self._drained = asyncio.Event()
            await self._drained.wait()
        await self._persist_last()
        self.context.close()
        return e

    def _apply_queued(self, ev: WorkflowEvent, now: float) -> list[Intent]:
        e = self.engine
        if isinstance(ev, Stop):
            # a stopped workflow is no longer suspended: what it held would never start
            self.held = None
            return self._guard(e.stop, now, ev.strategy)
        if isinstance(ev, Suspend):
            if self.held is None:
                self.held = []
            self._persist_soon()
            return []
        if isinstance(ev, Resume):
            # Argo's resume both lifts ``spec.suspend`` and resumes suspend nodes
            held, self.held = self.held or [], None
            if not ev.nodes:
                return list(held)
            return [*held, *self._guard(e.resume, now, ev.node_field_selector, ev.outputs)]
        if isinstance(ev, TimerFired):
            return []  # the batch ends with a tick
        if isinstance(ev, LockGranted):
            return self.node_locks.granted(ev) if self.node_locks is not None else []
        return self._handle(ev, now)

    async def _next_event(self) -> WorkflowEvent | None:
        wake = self.engine.next_wakeup
        if wake is None:
            return await self._wait(None, None)
        delay = wake - self.clock.now()
        if delay <= 0:
            return None
        if not self.handles and self.events.empty() and self.clock.idle_advance(wake):
            return None
        return await self._wait(wake, delay)

    async def _wait(self, until: float | None, delay: float | None) -> WorkflowEvent | None:
        """The next queued event, or None once ``delay`` seconds have passed."""
        self._waiting_until = until
        try:
            if delay is None:
                return await self.events.get()
            return await asyncio.wait_for(self.events.get(), timeout=delay)
        except TimeoutError:
            return None
        finally:
            self._waiting_until = None

    # ---- intents out -----------------------------------------------------------------

    def _dispatch(self, intents: list[Intent]) -> None:
        for intent in intents:
            if isinstance(intent, RunPod):
                if getattr(intent, "adopt", False) and intent.pod.node_id in self._never_started:
                    self._never_started.discard(intent.pod.node_id)
                    intent = dataclasses.replace(intent, adopt=False)  # type: ignore[call-arg]
                if self.held is not None and not getattr(intent, "adopt", False):
                    self.held.append(intent)
                    continue
                if self.node_locks is not None and self.node_locks.intercept(intent):
                    continue  # it waits for its template's locks (LockGranted brings it back)
                pod = intent.pod
                try:
                    if getattr(intent, "adopt", False):
                        self._adopt(pod)
                    else:
                        self.handles[pod.node_id] = self.runtime.start(pod, self.context, self._report)
                except Exception as err:  # noqa: BLE001 - a runtime that cannot start a pod fails that node
                    failed = PodResult(phase="Error", message=f"runtime error: {type(err).__name__}: {err}")
                    self.events.put_nowait(PodFinished(pod.node_id, failed, self.clock.now()))
            elif isinstance(intent, CancelPod):
                handle = self.handles.get(intent.node_id)
                if handle is not None:
                    self.runtime.cancel(handle, intent.reason)
                elif self.node_locks is not None:
                    cancelled = self.node_locks.cancel(intent.node_id, intent.reason)
                    if cancelled is not None:
                        self.events.put_nowait(cancelled)
            elif isinstance(intent, Acquire):
                if self.node_locks is not None:
                    self.node_locks.acquire(intent)
                else:
                    self.events.put_nowait(Acquired(intent.node_id, self.clock.now()))
            elif isinstance(intent, Release) and self.node_locks is not None:
                self.node_locks.finished(intent.node_id)
            elif isinstance(intent, SaveMemo) and self.memo is not None:
                try:
                    self.memo.save(intent)
                except StoreError as err:  # the node succeeded: a cache that cannot be written is not its fault
                    self.store_error = err

    def _adopt(self, pod: Any) -> None:
        """Re-attach to a pod an earlier controller started; one that is gone was deleted."""
        handle = self.runtime.adopt(NodeHandle.for_pod(pod), pod, self.context, self._report)
        if handle is not None:
            self.handles[pod.node_id] = handle
        else:
            gone = PodResult(phase="Error", message="pod deleted")
            self.events.put_nowait(PodFinished(pod.node_id, gone, self.clock.now()))

    # ---- runtime reports in ----------------------------------------------------------

    def _report(self, event: NodeEvent) -> None:
        """Hand a runtime report to the engine at once, not through the event queue: the pods
        a result unblocks start on the next turn of the loop. The main loop is woken only
        when it has something to do: the workflow is done, or a timer is due before the one
        it waits for."""
        if (type(event) is PodFinished and self.handles.pop(event.node_id, None) is not None
                and self._drained is not None and not self.handles):
            self._drained.set()
        e = self.engine
        if e.done:
            return
        timer = self.on_operation
        began = time.perf_counter() if timer is not None else 0.0
        self._dispatch(self._handle(event, event.at))
        self._write_releases()
        if timer is not None:
            timer(time.perf_counter() - began)
        wake = e.next_wakeup
        if e.done or (wake is not None and (self._waiting_until is None or wake < self._waiting_until)):
            self.events.put_nowait(None)
        else:
            self._persist_soon()

    def _handle(self, event: PodStarted | PodFinished, now: float) -> list[Intent]:
        e = self.engine
        if self.node_locks is not None and type(event) is PodFinished:
            self.node_locks.finished(event.node_id)
        try:
            return [*e.handle(event, now), *e.tick(now)]
        except Exception as err:  # noqa: BLE001 - an engine bug ends the node, not the run
            return self._node_failed(event.node_id, err, now)

    # ---- faults ----------------------------------------------------------------------

    def _guard(self, call: Callable[..., list[Intent]], now: float, *args: Any) -> list[Intent]:
        """``call(now, *args)``; an exception ends the workflow (no one node to blame)."""
        try:
            return call(now, *args)
        except Exception as err:  # noqa: BLE001 - an engine bug must not hang the run
            message = _engine_message(err)
            self.engine_errors.append(message)
            return self._abort(message, now)

    def _node_failed(self, node_id: str, err: Exception, now: float) -> list[Intent]:
        """The engine raised on a report about ``node_id``: end that node as Error, go on."""
        message = _engine_message(err)
        self.engine_errors.append(message)
        handle = self.handles.get(node_id)
        if handle is not None:
            self.runtime.cancel(handle, message)
        node = self.engine.nodes.by_id.get(node_id)
        if node is None or N.fulfilled_phase(node.phase):
            return []
        try:
            e = self.engine
            failed = PodFinished(node_id, PodResult(phase="Error", message=message), now)
            return [*e.handle(failed, now), *e.tick(now)]
        except Exception as again:  # noqa: BLE001
            return self._abort(_engine_message(again), now)

    def _stalled(self) -> bool:
        """Nothing runs, nothing is due and no node waits for a resume: nothing can happen."""
        e = self.engine
        if e.done or self.handles or e.next_wakeup is not None or not self.events.empty():
            return False
        return not any(n.type == "Suspend" and not N.fulfilled_phase(n.phase) for n in e.nodes)

    def _abort(self, message: str, now: float) -> list[Intent]:
        """End the workflow as Error: every unfinished node Error with ``message``, pods cancelled.

        The last resort when the engine cannot be trusted to finish it."""
        e = self.engine
        for node in e.nodes:
            if not N.fulfilled_phase(node.phase):
                node.phase = N.ERROR
                node.message = message
                node.finished_at = now
                e.nodes.touch(node)
        e.phase, e.message, e.finished_at = "Error", message, now
        for handle in list(self.handles.values()):
            self.runtime.cancel(handle, message)
        self.events.put_nowait(None)
        return []

    # ---- persistence -----------------------------------------------------------------

    def _engine_record(self) -> dict[str, Any] | None:
        """What to persist as the engine record: the engine's, plus ``argo suspend``'s flag."""
        record = self._record() if self._record is not None else None
        if self.held is not None:
            record = {**(record or {}), SUSPENDED_KEY: True, HELD_KEY: [i.pod.node_id for i in self.held]}
        elif self._suspend_written and record is None:
            record = {}  # None would keep the stored record, flag included
        self._suspend_written = self.held is not None
        return record

    def summary(self) -> dict[str, Any]:
        """The workflow's status without nodes, with its ``synchronization`` while it has locks."""
        summary = self.engine.status(with_nodes=False)
        sync = self.node_locks.status() if self.node_locks is not None else None
        if sync:
            summary["synchronization"] = sync
        return summary

    def _persist_soon(self) -> None:
        """Persist now if the last write is old enough, else once the interval has passed."""
        if self._flush is not None:
            return
        wait = self._persisted_at + PERSIST_INTERVAL - time.monotonic()
        if wait <= 0:
            self._persist()
        else:
            self._flush = asyncio.get_running_loop().call_later(wait, self._persist)

    def _write_releases(self) -> None:
        """A lock this workflow's node held went to the next in line: write that now, before
        the workflow it went to can write that it holds it. The store applies writes in
        order, so a crash between the two never leaves both holding it after recovery."""
        if self.node_locks is not None and self.node_locks.released:
            self.node_locks.released = False
            self._persist()

    def _persist(self) -> None:
        changed, progress = self._take_progress()
        if progress is not None:
            self._saved(changed, self._save(progress))
        self._notify(changed)

    async def _persist_last(self) -> None:
        """The write at the end: the store answers once it is durable, waited for on a thread
        so that the loop serves other workflows (and the server its calls) meanwhile."""
        changed, progress = self._take_progress()
        if progress is not None:
            self._saved(changed, await asyncio.to_thread(self._save, progress))
        self._notify(changed)

    def _take_progress(self) -> tuple[list[Any], tuple[Any, ...] | None]:
        """The nodes changed since the last write, and what to write (None: nothing)."""
        self._persisted_at = time.monotonic()
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        e = self.engine
        changed = e.nodes.drain_changes()
        if self.store is not None and (changed or e.done or self.suspended != self._suspend_written):
            return changed, (e.uid, self.summary(), [(n.id, n.to_dict()) for n in changed],
                             self._engine_record())
        return changed, None

    def _save(self, progress: tuple[Any, ...]) -> StoreError | None:
        assert self.store is not None
        try:
            self.store.save_progress(*progress)
        except StoreError as err:
            return err
        return None

    def _saved(self, changed: list[Any], err: StoreError | None) -> None:
        if err is not None:
            # keep the changes for the next write: the store may recover (space freed)
            for node in changed:
                self.engine.nodes.touch(node)
        self.store_error = err

    def _notify(self, changed: list[Any]) -> None:
        e = self.engine
        if self.on_change is not None and (changed or e.done):
            try:
                self.on_change(e, changed)
            except OSError:
                # the progress display is gone (``argosy run … | head``): the workflow is not
                self.on_change = None
        if self.listeners and (changed or e.done):
            for listener in self.listeners:
                try:
                    listener(e, changed)
                except Exception:
                    log.exception("workflow %s: a node listener failed", e.name)


def _engine_message(err: Exception) -> str:
    return f"engine error: {type(err).__name__}: {err}"
