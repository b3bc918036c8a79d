"""Backfill: run a CronWorkflow for every time its schedules would have run in a date range.

Argo offers this only as an alpha CLI that submits everything at once; here it is an object
of the store (kind ``CronWorkflowBackfill``, in the CronWorkflow's namespace), so it is durable:

- the plan (every run time of ``spec.schedules`` in ``[start, end]``, each once) is fixed when
  the backfill is created and kept in its ``spec.scheduledTimes``;
- each run is the Workflow the schedule would have made for that time
  (:func:`~argosy.controller.cronworkflow.workflow_of`: name ``<cron>-<unix>``, the
  ``scheduled-time`` annotation = that time), plus the ``workflows.argosy.io/cron-backfill`` label;
- at most ``parallelism`` run at once; the next starts as one finishes (the Controller's
  ``finished_hooks``), and after a restart :meth:`Backfills.resume_all` picks up where the
  stored ``status.submitted`` left off;
- what a backfill does *not* apply, by choice: ``when``, ``suspend``, ``concurrencyPolicy``
  and ``stopStrategy`` (a backfill is an explicit request for those times, and the runs are
  the backfill's to track: not in the CronWorkflow's ``status.active``, not counted in
  ``succeeded``/``failed``, not deleted by its history limits);
- a time whose workflow already exists (the schedule ran it, or a restart came between a
  submission and its record) is not run twice: that workflow stands for it.
"""

from __future__ import annotations

import asyncio
from typing import Any

from argosy.controller import cronworkflow as cw
from argosy.controller.schedule import cron_schedule, rfc3339
from argosy.errors import AlreadyExists, ArgosyError, InvalidArgument, NotFound

KIND = "CronWorkflowBackfill"
API_VERSION = "argosy.io/v1alpha1"
#: a backfill of more runs than this is refused (ask for several smaller ranges)
MAX_RUNS = 10_000
RUNNING, COMPLETED = "Running", "Completed"


class Backfills:
    """The backfills of one Controller (see module docstring)."""

    def __init__(self, controller: Any) -> None:
        self.controller = controller
        self.store = controller.store
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    async def create(self, namespace: str, cron_name: str, start: float, end: float,
                     parallelism: int = 1) -> dict[str, Any]:
        """Plan and start a backfill; Argosy's answer: ``scheduledTimes``, ``workflows``, ``name``."""
        if parallelism < 1:
            raise InvalidArgument(f"parallelism must be at least 1, not {parallelism}")
        if end < start:
            raise InvalidArgument(f"end {rfc3339(end)} is before start {rfc3339(start)}")
        record = self.store.get_object(cw.KIND, namespace, cron_name)
        if record is None:
            raise NotFound(cron_name, "cronworkflows.argoproj.io")
        cron = record.to_object()
        try:
            times = cron_schedule(cron.get("spec") or {}).times_between(start, end, MAX_RUNS)
        except ArgosyError as err:
            raise InvalidArgument(f"CronWorkflow {cron_name}: {err}") from None
        if len(times) > MAX_RUNS:
            raise InvalidArgument(f"more than {MAX_RUNS} runs between {rfc3339(start)} and {rfc3339(end)}; "
                                  "backfill a shorter range at a time")
        name = f"{cron_name}-backfill-{int(start)}-{int(end)}"
        body = {
            "apiVersion": API_VERSION, "kind": KIND,
            "metadata": {"name": name, "namespace": namespace, "labels": {cw.CRON_WORKFLOW_LABEL: cron_name}},
            "spec": {"cronWorkflow": cron_name, "start": rfc3339(start), "end": rfc3339(end),
                     "parallelism": parallelism, "scheduledTimes": [rfc3339(t) for t in times]},
            "status": {"phase": RUNNING, "submitted": 0},
        }
        try:
            self.store.create_object(KIND, body)
        except AlreadyExists:
            raise AlreadyExists(name, "cronworkflowbackfills.argosy.io") from None
        await self.advance(namespace, name)
        return {"name": name, "scheduledTimes": [rfc3339(t) for t in times],
                "workflows": [cw.child_name(cron_name, t) for t in times]}

    def list(self, namespace: str, cron_name: str | None = None) -> list[dict[str, Any]]:
        """The backfills in ``namespace`` (of one CronWorkflow), as stored."""
        selector = f"{cw.CRON_WORKFLOW_LABEL}={cron_name}" if cron_name else None
        return [r.to_object() for r in self.store.list_objects(KIND, namespace, label_selector=selector)]

    async def advance(self, namespace: str, name: str) -> None:
        """Start runs until ``parallelism`` run or none is left; mark it Completed at the end."""
        lock = self._locks.setdefault((namespace, name), asyncio.Lock())
        async with lock:
            await self._advance(namespace, name)

    async def _advance(self, namespace: str, name: str) -> None:
        record = self.store.get_object(KIND, namespace, name)
        if record is None or (record.body.get("status") or {}).get("phase") == COMPLETED:
            return
        body = record.to_object()
        spec, status = body.get("spec") or {}, dict(body.get("status") or {})
        cron_name = spec.get("cronWorkflow", "")
        times = [cw.parse_rfc3339(t) for t in spec.get("scheduledTimes") or []]
        submitted = int(status.get("submitted") or 0)
        names = [cw.child_name(cron_name, t) for t in times[:submitted]]
        running = sum(1 for n in names if self._running(namespace, n))
        cron = self.store.get_object(cw.KIND, namespace, cron_name)
        while cron is not None and submitted < len(times) and running < int(spec.get("parallelism") or 1):
            scheduled = times[submitted]
            workflow = cw.workflow_of(cron.to_object(), scheduled)
            workflow["metadata"]["labels"][cw.BACKFILL_LABEL] = name
            try:
                await cw.submit(self.controller, workflow)
                running += 1
            except AlreadyExists:
                pass  # that time has its workflow already
            except ArgosyError as err:
                errors = list(status.get("errors") or [])
                errors.append({"scheduledTime": rfc3339(scheduled), "message": cw.submission_error(err)})
                status["errors"] = errors
            submitted += 1
            status["submitted"] = submitted
            self._save(body, status)  # each submission durable before the next
        if cron is None:
            status["phase"] = COMPLETED
            status["message"] = f"CronWorkflow {cron_name} was deleted"
        elif submitted >= len(times) and running == 0:
            status["phase"] = COMPLETED
        self._save(body, status)

    def _running(self, namespace: str, workflow_name: str) -> bool:
        record = self.store.find_workflow(namespace, workflow_name, with_nodes=False)
        return record is not None and not record.finished

    def _save(self, body: dict[str, Any], status: dict[str, Any]) -> None:
        meta = body.get("metadata") or {}
        current = self.store.get_object(KIND, meta.get("namespace") or "default", meta.get("name", ""))
        if current is not None:
            self.store.update_object(KIND, {**current.body, "status": dict(status)})

    async def finished(self, namespace: str, backfill: str) -> None:
        """A run of ``backfill`` ended: start the next."""
        await self.advance(namespace, backfill)

    async def resume_all(self) -> None:
        """After a restart: every backfill not Completed goes on."""
        for record in self.store.list_objects(KIND, None):
            if (record.body.get("status") or {}).get("phase") != COMPLETED:
                await self.advance(record.namespace, record.name)
