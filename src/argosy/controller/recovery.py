"""Recovery: workflows whose controller died are never left "Running" with nobody running them.

A workflow is claimed by the process that runs it (an owner id naming host, boot, pid and
process start time, plus a lease its heartbeat extends). When that process is gone (kill -9,
a crash, a full disk that ended it) or its lease ran out, the workflow is an orphan; the next
Controller that calls :func:`recover` claims it (of two claimants one wins) and then:

- when the engine can rebuild itself from the persisted status (``Reconciler.restore``), it
  continues the workflow: pods that were running are re-adopted through the runtime, or, if
  gone, reported as Argo reports a deleted pod (Error "pod deleted", retried when the
  template's ``retryStrategy`` allows);
- otherwise it ends it: phase Error with a message naming the process that stopped, each
  unfinished pod node Error "pod deleted", every other unfinished node Error with the
  workflow's message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from argosy.engine import nodes as N
from argosy.engine.reconciler import Reconciler
from argosy.spec import TemplateResolver

if TYPE_CHECKING:
    from argosy.controller.controller import Controller
    from argosy.store.api import WorkflowRecord

POD_DELETED = "pod deleted"


@dataclass(frozen=True, slots=True)
class Recovered:
    """One orphan this controller took over: ``resumed`` (running again) or ``ended``."""

    uid: str
    namespace: str
    name: str
    outcome: str
    message: str = ""

    def __str__(self) -> str:
        what = "resumed" if self.outcome == "resumed" else f"ended as Error: {self.message}"
        return f"recovered workflow {self.namespace}/{self.name}: {what}"


def can_restore() -> bool:
    """Whether this engine rebuilds a workflow from its persisted status."""
    return hasattr(Reconciler, "restore")


async def recover(controller: Controller) -> list[Recovered]:
    """Claim each orphan in the controller's store, then continue or end it."""
    store = controller.store
    if store is None:
        return []
    out: list[Recovered] = []
    now = controller.clock.now()
    # leases are judged on the store's clock (real time), not the controller's (maybe fake)
    for orphan in store.orphans():
        if not store.claim(orphan.uid, controller.owner, controller.lease_seconds):
            continue  # another process took it first
        record = store.get_workflow(orphan.uid, with_nodes=True)
        if record is None:
            continue
        message = stopped_message(orphan.owner)
        if can_restore():
            try:
                engine = restore_engine(controller, record)
            except Exception as err:  # noqa: BLE001 - one bad record must not stop recovering the rest
                message = f"{message}; it could not be resumed: {err}"
            else:
                worker = controller.resume_recovered(engine, engine.recover, recovered=record.status)
                worker.restore_suspended(record.engine_record)  # ``argo suspend`` outlives its process
                out.append(Recovered(record.uid, record.namespace, record.name, "resumed"))
                continue
        end_orphan(store, record, message, now)
        store.release(record.uid)
        out.append(Recovered(record.uid, record.namespace, record.name, "ended", message))
    return out


def restore_engine(controller: Controller, record: WorkflowRecord) -> Reconciler:
    """The engine of a persisted workflow, as it was at its last write."""
    workflow: dict[str, Any] = {**record.manifest, "status": dict(record.status)}
    restore: Any = getattr(Reconciler, "restore")  # noqa: B009 - present only on engines that restore
    return restore(workflow, TemplateResolver(workflow, controller.objects_in(record.namespace)),
                   configmap=controller.configmap_lookup(record.namespace), memo=controller.memo_lookup,
                   record=dict(record.engine_record) if record.engine_record is not None else None)


def stopped_message(owner: str | None) -> str:
    """Why an orphan ended: its controller's process is gone."""
    parts = (owner or "").split("/")
    process = parts[2] if len(parts) == 4 else (owner or "unknown")
    return f"workflow's controller stopped while it ran (process {process} exited)"


def end_orphan(store: Any, record: WorkflowRecord, message: str, now: float) -> None:
    """Write the orphan's end: phase Error, unfinished nodes Error (pods: "pod deleted")."""
    stamp = N.rfc3339(now)
    changed: list[tuple[str, dict[str, Any]]] = []
    nodes: Mapping[str, Any] = record.status.get("nodes") or {}
    for node_id, node in nodes.items():
        if N.fulfilled_phase(str(node.get("phase") or N.PENDING)):
            continue
        ended = dict(node)
        ended["phase"] = N.ERROR
        ended["message"] = POD_DELETED if node.get("type") in N.POD_TYPES else message
        ended["finishedAt"] = stamp
        changed.append((node_id, ended))
    summary = {k: v for k, v in record.status.items() if k != "nodes"}
    summary.update(phase="Error", message=message, finishedAt=stamp)
    summary.setdefault("startedAt", stamp)
    store.save_progress(record.uid, summary, changed, None)
