"""The CronWorkflow scheduler: one service per Controller, on the Controller's clock.

It keeps, per CronWorkflow in the store, one entry per schedule with that schedule's next run
time, as robfig/cron (Argo's scheduler) does: an entry's first time is computed from the moment
it is registered (the scheduler starting, the CronWorkflow created, or its spec changed), and
after each run from the moment it ran, so a scheduler that wakes late runs a schedule once,
not once per time it slept through. A due entry runs the CronWorkflow's operation
(:class:`~argosy.controller.cronworkflow.CronRun`: policy, ``when``, submission, status).

What is durable is only the CronWorkflow itself: ``status.lastScheduledTime`` and the
``last-used-schedule`` annotation decide, when the scheduler starts (or a CronWorkflow is
registered), whether a run was missed while no scheduler ran: as Argo does, the most recent
missed time of a schedule is run when ``startingDeadlineSeconds`` is set and that time is less
than the deadline ago; without a deadline, missed runs are not made up.

Workflows it started report back through ``Controller.finished_hooks``: they leave
``status.active``, count in ``succeeded``/``failed``, may stop the CronWorkflow
(``stopStrategy``), and the history limits are applied. ``reconcile`` does the same from the
store for what ended while no scheduler listened (Argo's periodic sync).

The loop sleeps until the next due time or :func:`wake` (the API calls it when a CronWorkflow
is created, changed or deleted), and at least every ``resync_seconds`` re-reads the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import weakref
from dataclasses import dataclass, field
from typing import Any

from argosy.controller import cronworkflow as cw
from argosy.controller import metrics
from argosy.controller.backfill import Backfills
from argosy.controller.schedule import Schedules, cron_schedule, parse_rfc3339
from argosy.engine.reconciler import Reconciler
from argosy.errors import AlreadyExists, ArgosyError

log = logging.getLogger("argosy.cron")

#: how often the loop re-reads the store even when nothing woke it (other processes' changes)
RESYNC_SECONDS = 30.0

_SCHEDULERS: weakref.WeakKeyDictionary[Any, CronScheduler] = weakref.WeakKeyDictionary()


def scheduler_of(controller: Any) -> CronScheduler | None:
    """The scheduler running for ``controller`` (None: none was started)."""
    return _SCHEDULERS.get(controller)


def wake(controller: Any) -> None:
    """Tell ``controller``'s scheduler that CronWorkflows changed (no-op without one)."""
    scheduler = scheduler_of(controller)
    if scheduler is not None:
        scheduler.wake()


@dataclass
class Entry:
    """One CronWorkflow's schedules and the next run time of each."""

    uid: str
    fingerprint: str
    schedules: Schedules
    next: list[float | None] = field(default_factory=list)


class CronScheduler:
    """Runs CronWorkflows from ``controller.store`` on ``controller.clock`` (module docstring)."""

    def __init__(self, controller: Any, *, resync_seconds: float = RESYNC_SECONDS) -> None:
        if controller.store is None:
            raise ValueError("the cron scheduler needs a Controller with a store")
        self.controller = controller
        self.store = controller.store
        self.clock = controller.clock
        self.resync_seconds = resync_seconds
        self.entries: dict[tuple[str, str], Entry] = {}
        self.backfills = Backfills(controller)
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._followups: set[asyncio.Task[None]] = set()
        self._last_reconcile = float("-inf")
        controller.finished_hooks.append(self._finished)
        _SCHEDULERS[controller] = self

    # ---- life ---------------------------------------------------------------------------

    async def start(self, *, loop: bool = True) -> None:
        """Reconcile what ended meanwhile, register every CronWorkflow (running missed runs
        within their deadline), resume backfills, then (``loop``) run until :meth:`stop`."""
        await self.run_once()
        await self.backfills.resume_all()
        if loop:
            self._task = asyncio.get_running_loop().create_task(self._loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for task in list(self._followups):
            with contextlib.suppress(asyncio.CancelledError, ArgosyError):
                await task
        self.controller.finished_hooks[:] = [h for h in self.controller.finished_hooks if h != self._finished]
        if _SCHEDULERS.get(self.controller) is self:
            del _SCHEDULERS[self.controller]

    def wake(self) -> None:
        self._wake.set()

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.run_once()
            except ArgosyError as err:  # a store hiccup must not end scheduling
                print(f"argosy cron: {err}", file=sys.stderr, flush=True)
            except Exception:  # nor a bug: it is logged with its traceback, the next pass tries again
                log.exception("argosy cron: a scheduling pass failed")
            due = self.next_due()
            delay = self.resync_seconds if due is None else min(self.resync_seconds, due - self.clock.now())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=max(0.0, delay))

    async def run_once(self) -> None:
        """One pass: reconcile (every ``resync_seconds``), register changes, run what is due."""
        now = self.clock.now()
        if now - self._last_reconcile >= self.resync_seconds or now < self._last_reconcile:
            self.reconcile()
            self._last_reconcile = now
        await self.sync()
        await self.tick()

    def next_due(self) -> float | None:
        times = [t for e in self.entries.values() for t in e.next if t is not None]
        return min(times) if times else None

    # ---- entries ------------------------------------------------------------------------

    async def sync(self) -> None:
        """Register new and changed CronWorkflows, drop deleted ones."""
        seen: set[tuple[str, str]] = set()
        for record in self.store.list_objects(cw.KIND, None):
            key = (record.namespace or "default", record.name)
            seen.add(key)
            body = record.to_object()
            spec = body.get("spec") or {}
            fingerprint = json.dumps(spec, sort_keys=True, default=str)
            entry = self.entries.get(key)
            if entry is not None and entry.uid == record.uid and entry.fingerprint == fingerprint:
                continue
            self.entries.pop(key, None)
            try:
                schedules = cron_schedule(spec)
            except ArgosyError as err:
                run = cw.CronRun(self.store, body)
                run.condition(cw.SPEC_ERROR, str(err))
                run.save()
                # registered without schedules, so the condition is written once per spec
                self.entries[key] = Entry(record.uid, fingerprint, Schedules(()), [])
                continue
            now = self.clock.now()
            self.entries[key] = Entry(record.uid, fingerprint, schedules, [s.next(now) for s in schedules.items])
            await self._run_missed(body, schedules, now)
        for key in set(self.entries) - seen:
            del self.entries[key]

    async def _run_missed(self, body: dict[str, Any], schedules: Schedules, now: float) -> None:
        """Argo's runOutstandingWorkflows: the latest missed time, if within the deadline."""
        run = cw.CronRun(self.store, body)
        last = run.status.get("lastScheduledTime")
        deadline = run.spec.get("startingDeadlineSeconds")
        if not last or run.uses_new_schedule() or not isinstance(deadline, int) or isinstance(deadline, bool):
            return
        # only a time less than ``deadline`` ago can run: look no further back (a long outage
        # of an every-minute schedule would otherwise walk every minute of it)
        since = max(parse_rfc3339(last), now - deadline - 1)
        for _, missed in schedules.latest_missed(since, now):
            if now < missed + deadline:
                await self.fire(run.namespace, run.name, missed)
                return

    async def tick(self) -> None:
        """Run every schedule that is due now (each once, earliest first)."""
        now = self.clock.now()
        due = sorted((t, key, i) for key, entry in self.entries.items()
                     for i, t in enumerate(entry.next) if t is not None and t <= now)
        for scheduled, key, i in due:
            entry = self.entries.get(key)
            if entry is None or entry.next[i] != scheduled:
                continue
            entry.next[i] = entry.schedules.items[i].next(now)
            await self.fire(key[0], key[1], scheduled)

    # ---- one run ------------------------------------------------------------------------

    async def fire(self, namespace: str, name: str, scheduled: float) -> str | None:
        """Argo's run of one CronWorkflow at ``scheduled``: the workflow's name, or None when
        none was submitted (suspended, stopped, ``when`` false, Forbid, an error)."""
        run = cw.load(self.store, namespace, name)
        if run is None:
            return None
        run.mark_schedule()
        metrics.cron_triggered(namespace, name)  # Argo counts every trigger, admitted or not
        admitted = self._admit(run)
        run.save()
        if not admitted:
            return None
        workflow = cw.workflow_of(run.body, scheduled)
        try:
            uid, resource_version = await cw.submit(self.controller, workflow)
            failure = None
        except AlreadyExists:
            return None  # a duplicate submission (two schedules at one time, a restart): not an error
        except ArgosyError as err:
            failure = cw.submission_error(err)
        # read again: runs may have ended (and been written) while the submission was awaited
        run = cw.load(self.store, namespace, name)
        if run is None:
            return None
        if failure is not None:
            metrics.error("CronWorkflowSubmissionError")
            run.condition(cw.SUBMISSION_ERROR, failure)
            run.save()
            return None
        run.scheduled(uid, workflow["metadata"]["name"], resource_version, scheduled)
        run.save()
        return str(workflow["metadata"]["name"])

    def _admit(self, run: cw.CronRun) -> bool:
        """Argo's checks before a run: spec, stop strategy, then the runtime policy (suspend,
        Stopped, ``when``, ``concurrencyPolicy``; Replace terminates the active runs)."""
        if not run.validate() or not run.check_stop():
            return False
        if run.spec.get("suspend") or run.status.get("phase") == cw.STOPPED:
            return False
        try:
            if not run.when():
                return False
        except ArgosyError as err:
            run.condition(cw.SUBMISSION_ERROR, f"run policy error: {err}")
            return False
        policy = run.spec.get("concurrencyPolicy") or "Allow"
        active = run.active()
        if policy == "Forbid" and active:
            return False
        if policy == "Replace":
            for ref in active:
                if self.controller.running(ref.get("uid", "")):
                    self.controller.terminate(ref["uid"])
        elif policy not in ("Allow", "Forbid"):
            run.condition(cw.SUBMISSION_ERROR, f"run policy error: invalid ConcurrencyPolicy: {policy}")
            return False
        return True

    # ---- runs that ended ----------------------------------------------------------------

    def _finished(self, engine: Reconciler) -> None:
        """A workflow ended (Controller.finished_hooks): its CronWorkflow's or backfill's turn."""
        meta = engine.workflow.get("metadata") or {}
        labels = meta.get("labels") or {}
        cron_name = labels.get(cw.CRON_WORKFLOW_LABEL)
        if not cron_name:
            return
        namespace = meta.get("namespace") or "default"
        backfill = labels.get(cw.BACKFILL_LABEL)
        if backfill:
            task = asyncio.get_running_loop().create_task(self.backfills.finished(namespace, backfill))
            self._followups.add(task)
            task.add_done_callback(self._followups.discard)
            return
        try:
            run = cw.load(self.store, namespace, cron_name)
            if run is None:
                return
            if run.finish_active(engine.uid, engine.phase):
                run.save()
            cw.enforce_history_limit(self.store, run.body)
        except ArgosyError as err:
            print(f"argosy cron: {namespace}/{cron_name}: {err}", file=sys.stderr, flush=True)
        self.wake()

    def reconcile(self) -> None:
        """Argo's syncAll from the store: refs of runs that ended or vanished leave ``active``
        (counted when they ended), unfinished runs missing from it join, history limits hold."""
        for record in self.store.list_objects(cw.KIND, None):
            run = cw.CronRun(self.store, record.to_object())
            changed = False
            for ref in run.active():
                uid = ref.get("uid", "")
                workflow = self.store.get_workflow(uid, with_nodes=False)
                if workflow is None:
                    changed |= run.finish_active(uid, None)
                elif workflow.finished and not self.controller.running(uid):
                    changed |= run.finish_active(uid, workflow.phase)
            known = {ref.get("uid") for ref in run.active()}
            page = self.store.list_workflows(run.namespace, label_selector=f"{cw.CRON_WORKFLOW_LABEL}={run.name}")
            for workflow in page.items:
                if not workflow.finished and workflow.uid not in known and cw.BACKFILL_LABEL not in workflow.labels:
                    run.add_active(workflow.uid, workflow.name, workflow.resource_version)
                    changed = True
            if changed:
                run.save()
            cw.enforce_history_limit(self.store, run.body)
