"""Another run of a finished workflow: ``argo retry`` (same workflow, failed part again) and
``argo resubmit`` (a new workflow from the same spec), as Argo formulates them.

Retry (Argo's ``FormulateRetryWorkflow``): only a Failed or Errored workflow is retried. Its
status keeps every node that succeeded (or was skipped); failed and errored pod nodes, and
the nodes below them, are dropped so that they run again; the boundary nodes above them
(steps, DAG, retry, step and task groups) go back to Running; exit-handler nodes run again.
With ``restartSuccessful``, succeeded nodes matched by ``nodeFieldSelector`` run again too.
``parameters`` replace the workflow's arguments. The engine then continues from that status
(``Reconciler.restore``), so an engine without it cannot retry (FailedPrecondition).

Resubmit (``FormulateResubmitWorkflow``): a new workflow named from ``generateName`` (or the
old name plus ``-``), the same spec, the user's labels and annotations, and a
``workflows.argoproj.io/resubmitted-from-workflow`` label.

Resubmit ``--memoized`` (only of a Failed or Errored workflow) reuses what succeeded: the new
workflow's name is chosen up front so the old nodes can be carried over under it (names and
ids rewritten). Each Succeeded pod becomes a Skipped node with its outputs and the message
``original pod: <old id>`` (Argo's way: a fulfilled node is not run again, and its outputs feed
the steps after it); failed pods, ``when``/``depends``-skipped nodes and exit handlers are
dropped to be decided again, and the boundaries around them reopen, as for a retry. The new
workflow continues from that status (``Reconciler.restore``).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from argosy.controller.recovery import can_restore, restore_engine
from argosy.controller.submit import generate_name
from argosy.engine import nodes as N
from argosy.errors import FailedPrecondition, InvalidArgument
from argosy.store.api import COMPLETED_LABEL, PHASE_LABEL, WorkflowRecord

if TYPE_CHECKING:
    from argosy.controller.controller import Controller

RESUBMITTED_FROM = "workflows.argoproj.io/resubmitted-from-workflow"
#: labels the controller (not the user) sets; a new run does not inherit them
_CONTROLLER_LABELS = frozenset({PHASE_LABEL, COMPLETED_LABEL, "workflows.argoproj.io/creator",
                                "workflows.argoproj.io/creator-email",
                                "workflows.argoproj.io/workflow-archiving-status"})
_BOUNDARY_TYPES = frozenset({"Steps", "StepGroup", "DAG", "TaskGroup", "Retry"})


def set_parameters(spec: dict[str, Any], parameters: Mapping[str, str]) -> None:
    """Override (or add) ``spec.arguments.parameters`` by name."""
    if not parameters:
        return
    plist = spec.setdefault("arguments", {}).setdefault("parameters", [])
    known = {p.get("name"): p for p in plist if isinstance(p, dict)}
    for name, value in parameters.items():
        if name in known:
            known[name]["value"] = value
            known[name].pop("valueFrom", None)
        else:
            plist.append({"name": name, "value": value})


def formulate_resubmit(record: WorkflowRecord, parameters: Mapping[str, str], *,
                       memoized: bool = False, now: float | None = None) -> dict[str, Any]:
    """The Workflow ``argo resubmit`` submits for ``record`` (not yet prepared); with
    ``memoized``, named, and with the ``status`` it continues from (see module docstring)."""
    if memoized and record.phase not in (N.FAILED, N.ERROR):
        raise InvalidArgument("workflow must be Failed/Error to resubmit in memoized mode")
    old_meta = record.manifest.get("metadata") or {}
    meta: dict[str, Any] = {"namespace": record.namespace,
                            "generateName": old_meta.get("generateName") or f"{record.name}-"}
    if memoized:
        # the nodes carried over are named after the workflow: its name is chosen now
        meta["name"] = generate_name(meta["generateName"])
    labels = {k: v for k, v in record.labels.items() if k not in _CONTROLLER_LABELS}
    labels[RESUBMITTED_FROM] = record.name
    meta["labels"] = labels
    if old_meta.get("annotations"):
        meta["annotations"] = dict(old_meta["annotations"])
    spec = copy.deepcopy(dict(record.manifest.get("spec") or {}))
    spec.pop("shutdown", None)
    spec.pop("suspend", None)
    if spec.get("activeDeadlineSeconds") == 0:
        spec.pop("activeDeadlineSeconds")  # how it was terminated, not how it should run
    set_parameters(spec, parameters)
    wf: dict[str, Any] = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": meta, "spec": spec}
    if memoized:
        stamp = N.rfc3339(datetime.now(UTC).timestamp() if now is None else now)
        wf["status"] = {"phase": N.RUNNING, "startedAt": stamp,
                        "nodes": memoized_nodes(record.status, record.name, meta["name"], stamp)}
    return wf


def memoized_nodes(status: Mapping[str, Any], old_name: str, new_name: str, stamp: str) -> dict[str, Any]:
    """The nodes a memoized resubmit of a workflow named ``old_name`` starts from, renamed."""
    nodes: dict[str, dict[str, Any]] = {k: dict(v) for k, v in (status.get("nodes") or {}).items()}
    again = {nid for nid, n in nodes.items()
             if (n.get("phase") in (N.FAILED, N.ERROR) and n.get("type") in N.POD_TYPES | {"Suspend", "Skipped"})
             or (n.get("type") == "Skipped" and not _succeeded_below(nodes, nid)) or _is_exit_node(n)}
    kept = _reopened(nodes, again)
    prefix = re.compile("^" + re.escape(old_name))
    names = {nid: prefix.sub(new_name, str(n.get("name") or ""), count=1) for nid, n in nodes.items()}

    def new_id(old: str) -> str:
        return N.node_id(new_name, names[old]) if old in names else old

    out: dict[str, Any] = {}
    for old_id, node in kept.items():
        node["name"] = names[old_id]
        node["id"] = new_id(old_id)
        if node.get("boundaryID"):
            node["boundaryID"] = new_id(node["boundaryID"])
        for key in ("children", "outboundNodes"):
            if node.get(key):
                node[key] = [new_id(c) for c in node[key]]
        if node.get("type") == "Pod" and node.get("phase") == N.SUCCEEDED:
            node.update(type="Skipped", phase=N.SKIPPED, message=f"original pod: {old_id}")
        node["startedAt"] = stamp
        if N.fulfilled_phase(str(node.get("phase"))):
            node["finishedAt"] = stamp
        out[node["id"]] = node
    return out


def _selected(node: Mapping[str, Any], selector: str | None) -> bool:
    if not selector:
        return False
    for term in selector.split(","):
        key, _, value = term.partition("=")
        value = value.lstrip("=").strip()
        key = key.strip()
        field = {"displayName": "displayName", "name": "name", "id": "id", "templateName": "templateName",
                 "phase": "phase"}.get(key)
        if field is None or str(node.get(field)) != value:
            return False
    return True


def formulate_retry(status: Mapping[str, Any], *, restart_successful: bool = False,
                    node_field_selector: str | None = None) -> dict[str, Any]:
    """The status a retried workflow continues from (see module docstring)."""
    nodes: dict[str, dict[str, Any]] = {k: dict(v) for k, v in (status.get("nodes") or {}).items()}
    again: set[str] = set()
    for node_id, node in nodes.items():
        phase = node.get("phase")
        failed = phase in (N.FAILED, N.ERROR) and node.get("type") in N.POD_TYPES | {"Suspend", "Skipped"}
        rerun = restart_successful and phase == N.SUCCEEDED and _selected(node, node_field_selector)
        if failed or rerun or _is_exit_node(node):
            again.add(node_id)
    out = {k: v for k, v in status.items() if k not in ("nodes", "finishedAt", "message", "outputs")}
    out["phase"] = N.RUNNING
    out["nodes"] = _reopened(nodes, again)
    return out


def _reopened(nodes: dict[str, dict[str, Any]], again: set[str]) -> dict[str, dict[str, Any]]:
    """``nodes`` less those in ``again`` and everything below them; what holds them runs again."""
    # everything below a node that runs again runs again
    pending = list(again)
    while pending:
        for child in nodes.get(pending.pop(), {}).get("children") or ():
            if child in nodes and child not in again:
                again.add(child)
                pending.append(child)
    # the nodes that hold one that runs again are open again: its group (steps, tasks, retries)
    # and its boundaries (the steps or DAG template nodes around it), never a pod: a pod's
    # children are the next steps, not what it holds
    parents: dict[str, list[str]] = {}
    for node_id, node in nodes.items():
        if node.get("type") not in _BOUNDARY_TYPES:
            continue
        for child in node.get("children") or ():
            parents.setdefault(child, []).append(node_id)
    reset: set[str] = set()
    pending = list(again)
    while pending:
        current = pending.pop()
        above = [*parents.get(current, ()), nodes.get(current, {}).get("boundaryID")]
        for parent in above:
            if parent in nodes and parent not in reset and parent not in again:
                reset.add(parent)
                pending.append(parent)
    kept: dict[str, dict[str, Any]] = {}
    for node_id, node in nodes.items():
        if node_id in again:
            continue
        if node_id in reset or (node.get("type") in _BOUNDARY_TYPES and node.get("phase") in (N.FAILED, N.ERROR)):
            node["phase"] = N.RUNNING
            for key in ("finishedAt", "message", "outputs"):
                node.pop(key, None)
            node["children"] = [c for c in node.get("children") or () if c not in again]
            if "outboundNodes" in node:
                node["outboundNodes"] = [c for c in node["outboundNodes"] if c not in again]
        kept[node_id] = node
    return kept


def _succeeded_below(nodes: Mapping[str, Mapping[str, Any]], node_id: str) -> bool:
    """Whether a node below ``node_id`` (its children, theirs ...) succeeded (Argo's isDescendantNodeSucceeded)."""
    seen: set[str] = set()
    pending = list(nodes[node_id].get("children") or ())
    while pending:
        child = pending.pop()
        if child in seen or child not in nodes:
            continue
        seen.add(child)
        if nodes[child].get("phase") == N.SUCCEEDED:
            return True
        pending.extend(nodes[child].get("children") or ())
    return False


def _is_exit_node(node: Mapping[str, Any]) -> bool:
    name = str(node.get("name") or "")
    return name.endswith(".onExit") or ".onExit" in name


async def retry_workflow(controller: Controller, record: WorkflowRecord, *, restart_successful: bool = False,
                         node_field_selector: str | None = None,
                         parameters: Mapping[str, str] | None = None) -> str:
    """``argo retry``: run the failed part of ``record`` again; its uid (unchanged)."""
    if record.phase not in (N.FAILED, N.ERROR):
        raise InvalidArgument(f"workflow must be Failed/Error to retry (it is {record.phase or 'Pending'})")
    if restart_successful and not node_field_selector:
        raise InvalidArgument("--restart-successful needs a --node-field-selector")
    if not can_restore():
        raise FailedPrecondition("retry needs an engine that continues a workflow from its status "
                                 "(Reconciler.restore); this build's engine cannot, resubmit instead")
    store = controller.store
    if store is None:
        raise FailedPrecondition("retry needs a store")
    status = formulate_retry(record.status, restart_successful=restart_successful,
                             node_field_selector=node_field_selector)
    manifest = copy.deepcopy(dict(record.manifest))
    manifest["spec"] = dict(manifest.get("spec") or {})
    set_parameters(manifest["spec"], parameters or {})
    status.setdefault("startedAt", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    # nodes that run again are dropped: the record is written anew (same uid), claimed by us
    if record.archived_at is None:
        store.delete_workflow(record.uid)
    store.create_workflow(manifest, status, owner=controller.owner, lease_seconds=controller.lease_seconds)
    fresh = store.get_workflow(record.uid, with_nodes=True)
    assert fresh is not None
    engine = restore_engine(controller, fresh)
    controller.resume_recovered(engine, engine.recover)
    return record.uid


async def resubmit_memoized(controller: Controller, workflow: dict[str, Any], status: dict[str, Any]) -> str:
    """Start a workflow prepared from ``formulate_resubmit(..., memoized=True)`` from the status it
    carried (its ``status``, set aside before preparing); its uid."""
    if not can_restore():
        raise FailedPrecondition("resubmit --memoized needs an engine that continues a workflow from its "
                                 "status (Reconciler.restore); this build's engine cannot, resubmit without it")
    store = controller.store
    if store is None:
        raise FailedPrecondition("resubmit --memoized needs a store")
    manifest = {k: v for k, v in workflow.items() if k != "status"}
    store.create_workflow(manifest, status, owner=controller.owner, lease_seconds=controller.lease_seconds)
    uid = str(manifest["metadata"]["uid"])
    fresh = store.get_workflow(uid, with_nodes=True)
    assert fresh is not None
    engine = restore_engine(controller, fresh)
    controller.resume_recovered(engine, engine.recover)
    return uid
