"""Workflow service, operations: submit (from a template or CronWorkflow), stop, terminate,
suspend, resume, set, resubmit, retry — Argo's ``PUT /api/v1/workflows/{ns}/{name}/<verb>``
and ``POST /api/v1/workflows/{ns}/submit``.

Each operation answers the workflow as it is after the request was accepted; what the
request sets in motion (pods cancelled, suspend nodes resumed) follows in the next writes.
"""

from __future__ import annotations

import json
from typing import Any

from argosy.controller.cronworkflow import workflow_of
from argosy.controller.retry import formulate_resubmit, resubmit_memoized, retry_workflow
from argosy.errors import FailedPrecondition, InvalidArgument, NotFound
from argosy.server.routing import Call, Verb, api_route
from argosy.server.workflows import find, prepare, start, view
from argosy.store.api import WorkflowRecord

#: the label Argo puts on a workflow submitted from each kind
FROM_LABELS = {
    "WorkflowTemplate": "workflows.argoproj.io/workflow-template",
    "ClusterWorkflowTemplate": "workflows.argoproj.io/cluster-workflow-template",
    "CronWorkflow": "workflows.argoproj.io/cron-workflow",
}
_KINDS = {k.lower(): k for k in FROM_LABELS}


def parse_pairs(items: Any, what: str) -> dict[str, str]:
    """``["a=b", ...]`` (Argo's ``parameters``) as a dict; InvalidArgument for a pair without '='."""
    out: dict[str, str] = {}
    for item in items or []:
        if not isinstance(item, str) or "=" not in item:
            raise InvalidArgument(f"{what}: {item!r} is not NAME=VALUE")
        key, value = item.split("=", 1)
        out[key] = value
    return out


def parse_labels(text: Any) -> dict[str, str]:
    """Argo's ``submitOptions.labels``: ``"a=b,c=d"``."""
    if not text:
        return {}
    return parse_pairs([p.strip() for p in str(text).split(",") if p.strip()], "labels")


def node_selector(text: str | None) -> str | None:
    """The node a ``nodeFieldSelector`` names (``displayName=X``, ``name=X`` or ``id=X``)."""
    if not text:
        return None
    for term in text.split(","):
        key, _, value = term.partition("=")
        if key.strip() in ("displayName", "name", "id") and value:
            return value.lstrip("=").strip()
    raise InvalidArgument(f"nodeFieldSelector {text!r}: expected displayName=NAME, name=NAME or id=ID")


# ---- submit -----------------------------------------------------------------------------------


async def submit_workflow(call: Call) -> dict[str, Any]:
    body = await call.body()
    namespace = call.namespace or "default"
    kind = _KINDS.get(str(body.get("resourceKind") or "").lower())
    name = body.get("resourceName")
    if kind is None:
        raise InvalidArgument(f"resourceKind {body.get('resourceKind')!r} must be one of "
                              "WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow")
    if not name:
        raise InvalidArgument("resourceName is required")
    options = body.get("submitOptions") or {}
    wf = workflow_from(call, kind, str(name), namespace)
    meta = wf["metadata"]
    if options.get("name"):
        meta["name"] = options["name"]
    elif options.get("generateName"):
        meta["generateName"] = options["generateName"]
    meta["labels"] = {**(meta.get("labels") or {}), **parse_labels(options.get("labels"))}
    if options.get("annotations"):
        meta["annotations"] = {**(meta.get("annotations") or {}), **parse_labels(options["annotations"])}
    spec = wf["spec"]
    if options.get("serviceAccount"):
        spec["serviceAccountName"] = options["serviceAccount"]
    if options.get("priority") is not None:
        spec["priority"] = options["priority"]
    params = parse_pairs(options.get("parameters"), "submitOptions.parameters")
    prepared = prepare(call, wf, params, options.get("entryPoint") or None)
    if options.get("dryRun") or options.get("serverDryRun"):
        return prepared
    return await start(call, prepared)


def workflow_from(call: Call, kind: str, name: str, namespace: str) -> dict[str, Any]:
    """The Workflow Argo makes of a template (a ``workflowTemplateRef``) or a CronWorkflow."""
    store = call.services.store
    labels = {FROM_LABELS[kind]: name}
    meta: dict[str, Any] = {"generateName": f"{name}-", "namespace": namespace, "labels": labels}
    if kind == "CronWorkflow":
        record = store.get_object(kind, namespace, name)
        if record is None:
            raise NotFound(name, "cronworkflows.argoproj.io")
        # Argo's ConvertCronWorkflowToWorkflow: as a scheduled run (labels, scheduled-time = now,
        # ownerReference), but with generateName
        wf = workflow_of(record.to_object(), call.services.controller.clock.now())
        del wf["metadata"]["name"]
        wf["metadata"]["generateName"] = f"{name}-"
        return wf
    cluster = kind == "ClusterWorkflowTemplate"
    if store.get_object(kind, "" if cluster else namespace, name) is None:
        resource = "clusterworkflowtemplates.argoproj.io" if cluster else "workflowtemplates.argoproj.io"
        raise NotFound(name, resource)
    spec = {"workflowTemplateRef": {"name": name, **({"clusterScope": True} if cluster else {})}}
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": meta, "spec": spec}


# ---- control of a running workflow ------------------------------------------------------------


def running(call: Call, verb: str) -> WorkflowRecord:
    """The live workflow of the path, which this server must be running for ``verb``."""
    record = find(call, call.path("name"), with_nodes=False, archived=False)
    if record.finished:
        raise FailedPrecondition(f"cannot {verb} a completed workflow: {record.name} is {record.phase}")
    if not call.services.controller.running(record.uid):
        raise FailedPrecondition(f"workflow {record.name} is not running on this server (recovery pending)")
    return record


def answer(call: Call, record: WorkflowRecord, **spec: Any) -> dict[str, Any]:
    wf = view(call, record)
    if spec:
        wf["spec"] = {**(wf.get("spec") or {}), **spec}
    return wf


async def stop_workflow(call: Call) -> dict[str, Any]:
    record = running(call, "stop")
    call.services.controller.stop(record.uid)
    return answer(call, record, shutdown="Stop")


async def terminate_workflow(call: Call) -> dict[str, Any]:
    record = running(call, "terminate")
    call.services.controller.terminate(record.uid)
    return answer(call, record, shutdown="Terminate")


async def suspend_workflow(call: Call) -> dict[str, Any]:
    record = running(call, "suspend")
    call.services.controller.suspend(record.uid)
    return answer(call, record, suspend=True)


async def resume_workflow(call: Call) -> dict[str, Any]:
    body = await call.body()
    record = running(call, "resume")
    call.services.controller.resume(record.uid, node_selector(body.get("nodeFieldSelector")))
    wf = answer(call, record)
    wf["spec"].pop("suspend", None)
    return wf


async def set_workflow(call: Call) -> dict[str, Any]:
    """``argo node set``: end the suspend nodes the selector names, with output parameters."""
    from argosy.controller.events import Resume

    body = await call.body()
    selector = node_selector(body.get("nodeFieldSelector"))
    if selector is None:
        raise InvalidArgument("nodeFieldSelector is required")
    phase = body.get("phase") or "Succeeded"
    if phase != "Succeeded":
        raise InvalidArgument(f"phase {phase!r}: only Succeeded can be set on a suspend node here")
    outputs: dict[str, str] = {}
    if body.get("outputParameters"):
        try:
            raw = json.loads(body["outputParameters"])
        except ValueError as err:
            raise InvalidArgument(f"outputParameters is not a JSON object: {err}") from err
        if not isinstance(raw, dict):
            raise InvalidArgument("outputParameters must be a JSON object of name: value")
        outputs = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in raw.items()}
    record = running(call, "set")
    # the nodes as the engine has them now: the store's copy may not show a node just made
    engine = call.services.controller.workers[record.uid].engine
    suspends = {n.id: n.to_dict() for n in engine.nodes if n.type == "Suspend"}
    check_set(record.manifest, suspends, selector, outputs)
    call.services.controller.apply(record.uid, Resume(selector, outputs or None))
    return answer(call, record)


def check_set(manifest: dict[str, Any], nodes: dict[str, dict[str, Any]], selector: str,
              outputs: dict[str, str]) -> None:
    """Argo's rules for ``argo node set``: it targets only suspend nodes still waiting (those
    the selector names), and only output parameters their template declares."""
    targets = [n for nid, n in nodes.items()
               if n.get("type") == "Suspend" and n.get("phase") == "Running"
               and selector in (nid, n.get("name"), n.get("displayName"))]
    if not targets:
        raise InvalidArgument("currently, set only targets suspend nodes")
    templates = {t.get("name"): t for t in (manifest.get("spec") or {}).get("templates") or ()}
    for node in targets:
        template = templates.get(node.get("templateName"))
        if template is None:
            continue  # from a templateRef: the engine checks what it resolved
        declared = {p.get("name") for p in (template.get("outputs") or {}).get("parameters") or ()}
        for name in outputs:
            if name not in declared:
                raise InvalidArgument(f"node is not expecting output parameter '{name}'")


# ---- a new run of a workflow ------------------------------------------------------------------


async def resubmit(call: Call, record: WorkflowRecord, body: dict[str, Any]) -> dict[str, Any]:
    """Argo's resubmit of ``record`` (live or archived): a new workflow; ``memoized`` reuses the
    nodes that succeeded (``controller.retry``)."""
    memoized = bool(body.get("memoized"))
    wf = formulate_resubmit(record, parse_pairs(body.get("parameters"), "parameters"), memoized=memoized)
    if not memoized:
        return await start(call, prepare(call, wf))
    status = wf.pop("status")
    uid = await resubmit_memoized(call.services.controller, prepare(call, wf), status)
    again = call.services.store.get_workflow(uid, with_nodes=False)
    return view(call, again) if again is not None else {}


async def resubmit_workflow(call: Call) -> dict[str, Any]:
    body = await call.body()
    return await resubmit(call, find(call, call.path("name")), body)


async def retry_workflow_endpoint(call: Call) -> dict[str, Any]:
    body = await call.body()
    record = find(call, call.path("name"))
    uid = await retry_workflow(call.services.controller, record,
                               restart_successful=bool(body.get("restartSuccessful")),
                               node_field_selector=body.get("nodeFieldSelector") or None,
                               parameters=parse_pairs(body.get("parameters"), "parameters"))
    again = call.services.store.get_workflow(uid, with_nodes=False)
    return view(call, again) if again is not None else {}


routes = [
    api_route("POST", "/api/v1/workflows/{namespace}/submit", submit_workflow, verb=Verb.CREATE),
    api_route("PUT", "/api/v1/workflows/{namespace}/{name}/stop", stop_workflow, verb=Verb.UPDATE),
    api_route("PUT", "/api/v1/workflows/{namespace}/{name}/terminate", terminate_workflow, verb=Verb.UPDATE),
    api_route("PUT", "/api/v1/workflows/{namespace}/{name}/suspend", suspend_workflow, verb=Verb.UPDATE),
    api_route("PUT", "/api/v1/workflows/{namespace}/{name}/resume", resume_workflow, verb=Verb.UPDATE),
    api_route("PUT", "/api/v1/workflows/{namespace}/{name}/set", set_workflow, verb=Verb.UPDATE),
    api_route("PUT", "/api/v1/workflows/{namespace}/{name}/resubmit", resubmit_workflow, verb=Verb.CREATE),
    api_route("PUT", "/api/v1/workflows/{namespace}/{name}/retry", retry_workflow_endpoint, verb=Verb.UPDATE),
]
