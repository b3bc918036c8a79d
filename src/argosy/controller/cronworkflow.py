"""One CronWorkflow's operations, as Argo's cron operator does them (``workflow/cron/operator.go``).

- :func:`workflow_of`: the Workflow a run makes (name ``<cron>-<unix seconds>``, the
  ``workflows.argoproj.io/cron-workflow`` label, the ``scheduled-time`` annotation,
  ``workflowMetadata`` merged in, an ownerReference to the CronWorkflow);
- :class:`CronRun` holds one CronWorkflow's body while an operation changes it: the runtime
  policy (``suspend``, phase ``Stopped``, ``when``, ``concurrencyPolicy``), ``stopStrategy``,
  status (``active``, ``lastScheduledTime``, ``succeeded``/``failed``, ``phase``, conditions
  ``SpecError``/``SubmissionError``), and saves what changed as a merge onto the stored body,
  so a user's edit made meanwhile is kept;
- :func:`enforce_history_limit`: finished runs beyond ``successfulJobsHistoryLimit`` (3) and
  ``failedJobsHistoryLimit`` (1) are deleted, oldest first.

The scheduler (:mod:`argosy.controller.cron`) decides *when*; backfills
(:mod:`argosy.controller.backfill`) reuse :func:`workflow_of`.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

from argosy.controller.schedule import parse_rfc3339, rfc3339, schedule_string
from argosy.controller.submit import prepare_workflow
from argosy.errors import ArgosyError, SpecError
from argosy.expr import evaluate_bool, evaluate_when, substitute
from argosy.lint.cron import check_cron_spec
from argosy.lint.report import Report
from argosy.spec import manifest_from_body
from argosy.store.api import Store

KIND = "CronWorkflow"
API_VERSION = "argoproj.io/v1alpha1"
CRON_WORKFLOW_LABEL = "workflows.argoproj.io/cron-workflow"
SCHEDULED_TIME_ANNOTATION = "workflows.argoproj.io/scheduled-time"
LAST_USED_SCHEDULE_ANNOTATION = "cronworkflows.argoproj.io/last-used-schedule"
COMPLETED_LABEL = "cronworkflows.argoproj.io/completed"
#: Argosy's: the backfill a workflow was made by (such runs are the backfill's to track, not
#: the schedule's: not in ``status.active``, not counted, not subject to the history limits)
BACKFILL_LABEL = "workflows.argosy.io/cron-backfill"
#: a CronWorkflow's labels that its workflows carry too (Argo's labelsToPropagate)
PROPAGATED_LABELS = ("workflows.argoproj.io/creator", "workflows.argoproj.io/creator-email",
                     "workflows.argoproj.io/creator-preferred-username")
ACTIVE, STOPPED = "Active", "Stopped"
SPEC_ERROR, SUBMISSION_ERROR = "SpecError", "SubmissionError"
DEFAULT_SUCCESSFUL_HISTORY, DEFAULT_FAILED_HISTORY = 3, 1


def child_name(cron_name: str, scheduled: float) -> str:
    """Argo's name for the run of ``scheduled``: ``<cron>-<unix seconds>``."""
    return f"{cron_name}-{int(scheduled)}"


def workflow_of(cron: dict[str, Any], scheduled: float) -> dict[str, Any]:
    """The Workflow a CronWorkflow makes for its run at ``scheduled`` (not yet submitted)."""
    meta = cron.get("metadata") or {}
    spec = cron.get("spec") or {}
    cron_labels = meta.get("labels") or {}
    labels = {k: cron_labels[k] for k in PROPAGATED_LABELS if k in cron_labels}
    instance = cron_labels.get("workflows.argoproj.io/controller-instanceid")
    if instance is not None:
        labels["workflows.argoproj.io/controller-instanceid"] = instance
    labels[CRON_WORKFLOW_LABEL] = meta.get("name", "")
    annotations = {SCHEDULED_TIME_ANNOTATION: rfc3339(scheduled)}
    extra = spec.get("workflowMetadata") or {}
    labels.update(extra.get("labels") or {})
    annotations.update(extra.get("annotations") or {})
    wf_meta: dict[str, Any] = {
        "name": child_name(meta.get("name", ""), scheduled),
        "namespace": meta.get("namespace") or "default",
        "labels": labels,
        "annotations": annotations,
        "ownerReferences": [{"apiVersion": cron.get("apiVersion") or API_VERSION, "kind": KIND,
                             "name": meta.get("name", ""), "uid": meta.get("uid", ""),
                             "controller": True, "blockOwnerDeletion": True}],
    }
    if extra.get("finalizers"):
        wf_meta["finalizers"] = list(extra["finalizers"])
    return {"apiVersion": cron.get("apiVersion") or API_VERSION, "kind": "Workflow", "metadata": wf_meta,
            "spec": copy.deepcopy(spec.get("workflowSpec") or {})}


def expression_env(cron: dict[str, Any]) -> dict[str, Any]:
    """Argo's ``cronworkflow.*`` variables for ``when`` and ``stopStrategy.expression``."""
    meta = cron.get("metadata") or {}
    status = cron.get("status") or {}
    last = status.get("lastScheduledTime")
    labels, annotations = meta.get("labels") or {}, meta.get("annotations") or {}
    return {
        "name": meta.get("name", ""),
        "namespace": meta.get("namespace") or "default",
        "labels": labels,
        "annotations": annotations,
        "labels.json": json.dumps(labels, separators=(",", ":")),
        "annotations.json": json.dumps(annotations, separators=(",", ":")),
        "failed": int(status.get("failed") or 0),
        "succeeded": int(status.get("succeeded") or 0),
        "lastScheduledTime": datetime.fromtimestamp(parse_rfc3339(last), UTC) if last else None,
    }


class CronRun:
    """One operation on one CronWorkflow: read its body, change status, save the changes."""

    def __init__(self, store: Store, body: dict[str, Any]) -> None:
        self.store = store
        self.body = copy.deepcopy(body)
        self.status: dict[str, Any] = self.body.setdefault("status", {})
        self._meta_changes: dict[str, dict[str, str]] = {}

    @property
    def name(self) -> str:
        return (self.body.get("metadata") or {}).get("name", "")

    @property
    def namespace(self) -> str:
        return (self.body.get("metadata") or {}).get("namespace") or "default"

    @property
    def spec(self) -> dict[str, Any]:
        return self.body.get("spec") or {}

    # ---- status -------------------------------------------------------------------------

    def set_meta(self, where: str, key: str, value: str) -> None:
        meta = self.body.setdefault("metadata", {})
        meta.setdefault(where, {})[key] = value
        self._meta_changes.setdefault(where, {})[key] = value

    def condition(self, kind: str, message: str) -> None:
        """Upsert a condition as Argo writes it (a submission error also counts as failed)."""
        conditions = [c for c in self.status.get("conditions") or [] if c.get("type") != kind]
        conditions.append({"type": kind, "status": "True", "message": message})
        self.status["conditions"] = conditions
        if kind == SUBMISSION_ERROR:
            self.status["failed"] = int(self.status.get("failed") or 0) + 1

    def clear_condition(self, kind: str) -> None:
        conditions = [c for c in self.status.get("conditions") or [] if c.get("type") != kind]
        if conditions:
            self.status["conditions"] = conditions
        else:
            self.status.pop("conditions", None)

    def active(self) -> list[dict[str, Any]]:
        return list(self.status.get("active") or [])

    def add_active(self, record_uid: str, name: str, resource_version: int | str = "") -> None:
        self.status["active"] = [*self.active(), {
            "kind": "Workflow", "apiVersion": API_VERSION, "name": name, "namespace": self.namespace,
            "uid": record_uid, "resourceVersion": str(resource_version)}]

    def finish_active(self, uid: str, phase: str | None) -> bool:
        """Drop ``uid`` from ``active``; count it when it ended (``phase``); whether it was there."""
        active = self.active()
        kept = [ref for ref in active if ref.get("uid") != uid]
        if len(kept) == len(active):
            return False
        self.status["active"] = kept
        if phase == "Succeeded":
            self.status["succeeded"] = int(self.status.get("succeeded") or 0) + 1
        elif phase in ("Failed", "Error"):
            self.status["failed"] = int(self.status.get("failed") or 0) + 1
        if phase is not None:
            self.check_stop()
        return True

    # ---- Argo's checks ------------------------------------------------------------------

    def validate(self) -> bool:
        """``argo lint``'s CronWorkflow checks; a SpecError condition when they fail."""
        report = Report(manifest_from_body(self.body))
        check_cron_spec(self.spec, report)
        if report.problems:
            self.condition(SPEC_ERROR, "; ".join(f"{p.location.field}: {p.reason}" if p.location.field
                                                 else p.reason for p in report.problems))
            return False
        self.clear_condition(SPEC_ERROR)
        return True

    def check_stop(self) -> bool:
        """``stopStrategy.expression`` over ``cronworkflow.*``: when it holds, phase Stopped."""
        expression = (self.spec.get("stopStrategy") or {}).get("expression")
        if not expression:
            return True
        try:
            stop = evaluate_bool(str(expression), {"cronworkflow": expression_env(self.body)})
        except ArgosyError as err:
            self.condition(SPEC_ERROR, f"failed to check CronWorkflow '{self.name}' stopping condition: "
                                       f"failed to evaluate stop expression: {err}")
            return False
        if stop:
            self.status["phase"] = STOPPED
            self.set_meta("labels", COMPLETED_LABEL, "true")
        return True

    def when(self) -> bool:
        """``spec.when``: ``{{...}}`` over ``cronworkflow.*``, then govaluate, as Argo does
        (its ``now()`` is the wall clock, as Go's). ExpressionError when it cannot be evaluated."""
        when = self.spec.get("when")
        if not when:
            return True
        scope: dict[str, Any] = {f"cronworkflow.{k}": v for k, v in expression_env(self.body).items()}
        text = substitute(str(when), scope, allow_unresolved=False)
        return evaluate_when(text)

    def scheduled(self, uid: str, name: str, resource_version: int | str, scheduled: float) -> None:
        """What a successful submission records (Argo's run, after SubmitWorkflow)."""
        self.add_active(uid, name, resource_version)
        self.status["phase"] = ACTIVE
        self.status["lastScheduledTime"] = rfc3339(scheduled)
        self.clear_condition(SUBMISSION_ERROR)

    def mark_schedule(self) -> None:
        """Argo's ``last-used-schedule`` annotation (a changed schedule skips missed runs)."""
        if self.uses_new_schedule():
            self.set_meta("annotations", LAST_USED_SCHEDULE_ANNOTATION, schedule_string(self.spec))

    def uses_new_schedule(self) -> bool:
        annotations = (self.body.get("metadata") or {}).get("annotations") or {}
        return annotations.get(LAST_USED_SCHEDULE_ANNOTATION) != schedule_string(self.spec)

    # ---- persistence --------------------------------------------------------------------

    def save(self) -> dict[str, Any] | None:
        """Merge status and the labels/annotations set here onto the stored body (the user may
        have changed the spec meanwhile); None when the CronWorkflow was deleted."""
        record = self.store.get_object(KIND, self.namespace, self.name)
        if record is None:
            return None
        body = copy.deepcopy(dict(record.body))
        if (body.get("metadata") or {}).get("uid", "") not in ("", (self.body.get("metadata") or {}).get("uid", "")):
            return None  # deleted and created again: not ours to change
        body["status"] = self.status
        meta = body.setdefault("metadata", {})
        for where, values in self._meta_changes.items():
            meta[where] = {**(meta.get(where) or {}), **values}
        return self.store.update_object(KIND, body).to_object()


def load(store: Store, namespace: str, name: str) -> CronRun | None:
    """A CronWorkflow from the store, ready to change (None: there is none)."""
    record = store.get_object(KIND, namespace, name)
    return None if record is None else CronRun(store, record.to_object())


def enforce_history_limit(store: Store, cron: dict[str, Any]) -> list[str]:
    """Delete finished runs beyond the history limits, oldest first; the names deleted."""
    meta, spec = cron.get("metadata") or {}, cron.get("spec") or {}
    name, namespace = meta.get("name", ""), meta.get("namespace") or "default"
    page = store.list_workflows(namespace, label_selector=f"{CRON_WORKFLOW_LABEL}={name}")
    runs = [r for r in page.items if r.finished and BACKFILL_LABEL not in (r.labels or {})]
    deleted: list[str] = []
    for phases, key, default in ((("Succeeded",), "successfulJobsHistoryLimit", DEFAULT_SUCCESSFUL_HISTORY),
                                 (("Failed", "Error"), "failedJobsHistoryLimit", DEFAULT_FAILED_HISTORY)):
        limit = spec.get(key)
        keep = limit if isinstance(limit, int) and not isinstance(limit, bool) and limit >= 0 else default
        finished = sorted((r for r in runs if r.phase in phases), key=lambda r: r.finished_at or 0.0, reverse=True)
        for record in finished[keep:]:
            if store.delete_workflow(record.uid):
                deleted.append(record.name)
    return deleted


def delete_runs(controller: Any, cron: dict[str, Any]) -> list[str]:
    """What Kubernetes' garbage collector does when a CronWorkflow is deleted: the workflows it
    owns (its ownerReference, by uid) are deleted, running ones terminated first; the names."""
    meta = cron.get("metadata") or {}
    uid, namespace = meta.get("uid", ""), meta.get("namespace") or "default"
    store = controller.store
    deleted: list[str] = []
    page = store.list_workflows(namespace, label_selector=f"{CRON_WORKFLOW_LABEL}={meta.get('name', '')}")
    for record in page.items:
        owners = (record.manifest.get("metadata") or {}).get("ownerReferences") or []
        if not any(o.get("kind") == KIND and o.get("uid") == uid for o in owners):
            continue
        if controller.running(record.uid):
            controller.terminate(record.uid)
        if store.delete_workflow(record.uid):
            deleted.append(record.name)
    return deleted


def submission_error(err: ArgosyError) -> str:
    """Argo's SubmissionError message for a workflow the API refused."""
    reason = err.reason if isinstance(err, SpecError) else str(err)
    return f"Failed to submit Workflow: {reason}"


async def submit(controller: Any, workflow: dict[str, Any]) -> tuple[str, str]:
    """Submit a run through the Controller as the API's submit does (Argo's SubmitWorkflow):
    its uid and resource version. SpecError/AlreadyExists/StoreError as ``Controller.start``."""
    namespace = (workflow.get("metadata") or {}).get("namespace") or "default"
    now = datetime.fromtimestamp(controller.clock.now(), UTC)
    prepared = prepare_workflow(workflow, controller.objects_in(namespace), now=now)
    record = await controller.start_async(prepared)
    if record is None:
        return str(prepared["metadata"]["uid"]), ""
    return record.uid, str(record.resource_version)
