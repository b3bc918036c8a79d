"""The loop that runs one workflow: engine decisions in, runtime work out.

The only place intents become actions: ``RunPod`` starts a runtime task, ``CancelPod``
cancels it, ``WakeAt`` arms a timer. A pod's start and end go to the engine the moment the
runtime reports them (no polling, no queue); control (stop, resume) and timers go through the
main loop. Changed nodes are persisted after new pods have started, at most every
``PERSIST_INTERVAL`` seconds (a chain of fast steps writes once per interval, not once per
event: it halved the controller's CPU per step) and always when the workflow ends.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from argosy.controller.clock import Clock, RealClock
from argosy.engine.intents import CancelPod, Intent, PodFinished, PodProgress, PodResult, PodStarted, RunPod
from argosy.engine.reconciler import Reconciler
from argosy.errors import ArgosyError
from argosy.runtime.base import RunContext, Runtime
from argosy.store import Store

Listener = Callable[[Reconciler, list[Any]], None]

#: longest a change waits before it is written to the store (real seconds). A crash loses at
#: most this much node progress (the end of a workflow is always written); 0.25 s rather than
#: 0.05 s saved 0.1 ms of CPU per step of a chain (10 interleaved pairs of 200-step W1 runs)
PERSIST_INTERVAL = 0.25


class WorkflowRunner:
    """Runs one workflow to completion."""

    def __init__(
        self,
        engine: Reconciler,
        runtime: Runtime,
        context: RunContext,
        *,
        clock: Clock | None = None,
        store: Store | None = None,
        on_change: Listener | None = None,
    ) -> None:
        self.engine = engine
        self.runtime = runtime
        self.context = context
        self.clock = clock or RealClock()
        self.store = store
        self.on_change = on_change
        self.events: asyncio.Queue[Any] = asyncio.Queue()
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.cancel_reasons: dict[str, str] = {}
        self._persisted_at = 0.0
        #: the engine time the main loop sleeps until (None: until an event comes)
        self._waiting_until: float | None = None
        self._flush: asyncio.TimerHandle | None = None

    # control from outside (Ctrl-C, API): applied by the loop
    def stop(self, strategy: str = "Stop") -> None:
        self.events.put_nowait(("control", lambda now: self.engine.stop(now, strategy)))

    def resume(self, selector: str | None = None) -> None:
        self.events.put_nowait(("control", lambda now: self.engine.resume(now, selector)))

    async def run(self) -> Reconciler:
        e = self.engine
        if self.store is not None:
            wf = e.to_dict(with_nodes=False)
            self.store.save_workflow(e.uid, wf, e.phase, e.started_at, e.finished_at)
        self._dispatch(e.start(self.clock.now()))
        await asyncio.sleep(0)
        self._persist()
        while not e.done:
            event = await self._next_event()
            now = self.clock.now()
            batch = [event]
            while not self.events.empty():
                batch.append(self.events.get_nowait())
            intents: list[Intent] = []
            for ev in batch:
                if ev is not None:  # None: a timer is due, or a pod's result was handled
                    intents.extend(self._apply(ev, now))
            intents.extend(e.tick(now))
            self._dispatch(intents)
            # let the pods just started reach their spawn before we spend time persisting
            await asyncio.sleep(0)
            self._persist_soon()
        # the workflow is over: nothing it started may outlive it (a task already being
        # cancelled is left to finish killing its processes: a second cancel would cut that short)
        for node_id, task in list(self.tasks.items()):
            if node_id not in self.cancel_reasons:
                task.cancel()
        if self.tasks:
            await asyncio.gather(*self.tasks.values(), return_exceptions=True)
        self._persist()
        return e

    def _apply(self, ev: Any, now: float) -> list[Intent]:
        if isinstance(ev, tuple) and ev and ev[0] == "control":
            return ev[1](now)
        return self.engine.handle(ev, now)

    def _persist_soon(self) -> None:
        """Persist now if the last write is old enough, else once the interval has passed."""
        if self._flush is not None:
            return
        wait = self._persisted_at + PERSIST_INTERVAL - time.monotonic()
        if wait <= 0:
            self._persist()
        else:
            self._flush = asyncio.get_running_loop().call_later(wait, self._persist)

    async def _next_event(self) -> Any:
        wake = self.engine.next_wakeup
        if wake is None:
            return await self._wait(None, None)
        delay = wake - self.clock.now()
        if delay <= 0:
            return None
        if not self.tasks and self.events.empty() and self.clock.idle_advance(wake):
            return None
        return await self._wait(wake, delay)

    async def _wait(self, until: float | None, delay: float | None) -> Any:
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

    def _dispatch(self, intents: list[Intent]) -> None:
        for intent in intents:
            if isinstance(intent, RunPod):
                pod = intent.pod
                self.tasks[pod.node_id] = asyncio.create_task(self._run_pod(pod))
            elif isinstance(intent, CancelPod):
                task = self.tasks.get(intent.node_id)
                if task is not None and not task.done():
                    self.cancel_reasons[intent.node_id] = intent.reason
                    task.cancel()

    async def _run_pod(self, pod: Any) -> None:
        node_id = pod.node_id
        # started() once the main process runs; started(progress) when it reports its progress
        started = lambda progress=None: self._report(
            PodStarted(node_id, self.clock.now()) if progress is None
            else PodProgress(node_id, progress, self.clock.now()))
        try:
            result = await self.runtime.run(pod, self.context, started)
        except asyncio.CancelledError:
            reason = self.cancel_reasons.pop(node_id, "cancelled")
            phase = "Succeeded" if pod.daemon else "Failed"
            result = PodResult(phase=phase, message=None if pod.daemon else reason)
            self.events.put_nowait(PodFinished(node_id, result, self.clock.now()))
            self.tasks.pop(node_id, None)
            raise
        except ArgosyError as err:
            result = PodResult(phase="Error", message=str(err))
        except Exception as err:  # noqa: BLE001 - a runtime bug must not hang the workflow
            result = PodResult(phase="Error", message=f"runtime error: {type(err).__name__}: {err}")
        self.tasks.pop(node_id, None)
        self._report(PodFinished(node_id, result, self.clock.now()))

    def _report(self, event: PodStarted | PodProgress | PodFinished) -> None:
        """Hand a runtime report to the engine at once, not through the event queue: the pods
        a result unblocks start on the next turn of the loop (the hand-off of every step of a
        chain). The main loop is woken only when it has something to do: the workflow is
        done, or a timer is due before the one it waits for."""
        e = self.engine
        if e.done:
            return
        now = event.at
        self._dispatch([*e.handle(event, now), *e.tick(now)])
        wake = e.next_wakeup
        if e.done or (wake is not None and (self._waiting_until is None or wake < self._waiting_until)):
            self.events.put_nowait(None)
        else:
            self._persist_soon()

    def _persist(self) -> None:
        self._persisted_at = time.monotonic()
        if self._flush is not None:
            self._flush.cancel()
            self._flush = None
        e = self.engine
        changed = e.nodes.drain_changes()
        if self.store is not None and (changed or e.done):
            self.store.save_progress(e.uid, e.status(with_nodes=False), ((n.id, n.to_dict()) for n in changed),
                                     e.started_at, e.finished_at)
        if self.on_change is not None and (changed or e.done):
            self.on_change(e, changed)
