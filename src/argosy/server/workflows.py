"""Workflow service, reads and lifecycle: create (``serverDryRun``), get, list, delete, lint.

Paths and bodies are Argo's (``/api/v1/workflows/{namespace}[/{name}]``). As in Argo 3.5+,
list merges live and archived workflows and get/delete by name find an archived one when no
live one has that name. The operations on a workflow (stop, retry, ...) are in
:mod:`argosy.server.workflow_actions`.
"""

from __future__ import annotations

import base64
import binascii
from datetime import UTC, datetime
from typing import Any

from argosy.controller import prepare_workflow
from argosy.controller.gc import delete_workflow as delete_live_workflow
from argosy.errors import InvalidArgument, LintError, ListOptionsError, NotFound, ReferenceError_, SpecError
from argosy.server.encoding import parameter_strings
from argosy.server.projection import needs, parse_fields, project
from argosy.server.routing import Call, Verb, api_route
from argosy.spec import manifest_from_body
from argosy.store.api import PHASE_LABEL, WorkflowRecord

KIND = "Workflow"
API_VERSION = "argoproj.io/v1alpha1"


# ---- shared by the workflow services ---------------------------------------------------------


def lint_workflow_body(body: Any, namespace: str) -> dict[str, Any]:
    """The workflow of a request, checked as ``argo lint`` does; InvalidArgument (with every
    problem, Argo's ``field: message`` form) when it is not valid."""
    from argosy.lint import lint_objects

    if not isinstance(body, dict):
        raise InvalidArgument("workflow is required")
    wf = dict(body)
    wf.setdefault("apiVersion", API_VERSION)
    wf.setdefault("kind", KIND)
    meta = dict(wf.get("metadata") or {})
    meta["namespace"] = namespace
    wf["metadata"] = meta
    if not meta.get("name") and not meta.get("generateName"):
        raise InvalidArgument("workflow.metadata.name or workflow.metadata.generateName is required")
    problems = lint_objects([manifest_from_body(wf)], offline_refs_ok=True)
    if problems:
        raise InvalidArgument("; ".join(lint_message(p) for p in problems))
    return wf


def lint_message(problem: SpecError) -> str:
    """A problem as Argo's server words it: the field path, then what is wrong."""
    field = problem.location.field
    return f"{field}: {problem.reason}" if field else problem.reason


def prepare(call: Call, wf: dict[str, Any], parameters: dict[str, str] | None = None,
            entrypoint: str | None = None) -> dict[str, Any]:
    """``wf`` as submitted (named, uid'd, templates joined); a reference to nothing is invalid."""
    namespace = (wf.get("metadata") or {}).get("namespace") or "default"
    try:
        return prepare_workflow(parameter_strings(wf), call.services.controller.objects_in(namespace),
                                parameters, entrypoint)
    except ReferenceError_ as err:
        raise InvalidArgument(str(err)) from err
    except LintError as err:
        raise InvalidArgument("; ".join(lint_message(p) for p in err.problems)) from err


async def start(call: Call, wf: dict[str, Any]) -> dict[str, Any]:
    """Run a prepared workflow; the workflow as accepted (``Running``: it starts at once)."""
    controller = call.services.controller
    record = await controller.start_async(wf)
    accepted = record.to_workflow() if record is not None else dict(wf)
    uid = accepted["metadata"]["uid"]
    # a workflow the controller's parallelism or its locks hold back reads Pending, and why
    return as_queued(accepted, controller.waiting_status(uid)) if controller.queued(uid) else as_started(accepted)


def as_queued(wf: dict[str, Any], status: dict[str, Any] | None) -> dict[str, Any]:
    """``wf`` with the status of its wait (the store's write of it may still be queued)."""
    return {**wf, "status": {**(wf.get("status") or {}), **(status or {})}}


def as_started(wf: dict[str, Any]) -> dict[str, Any]:
    """``wf`` shown ``Running`` if its stored phase is still the pre-start one: the controller
    has accepted it and is starting it, and clients such as Hera's ``wait()`` take any phase
    but ``Running`` for an end."""
    status = dict(wf.get("status") or {})
    if status.get("phase") not in (None, "", "Pending"):
        return wf
    status["phase"] = "Running"
    status.setdefault("startedAt", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    meta = wf.get("metadata") or {}
    if PHASE_LABEL in (meta.get("labels") or {}):
        wf["metadata"] = {**meta, "labels": {**meta["labels"], PHASE_LABEL: "Running"}}
    return {**wf, "status": status}


def find(call: Call, name: str, *, with_nodes: bool = True, archived: bool = True) -> WorkflowRecord:
    """The live workflow ``name`` of the call's namespace, else the newest archived one."""
    namespace = call.namespace or "default"
    store = call.services.store
    record = store.find_workflow(namespace, name, with_nodes=with_nodes)
    if record is None and archived:
        record = store.find_archived_workflow(namespace, name, with_nodes=with_nodes)
    if record is None:
        raise NotFound(name)
    return record


def view(call: Call, record: WorkflowRecord) -> dict[str, Any]:
    """A record as Argo shows it, with what only this controller knows (``spec.suspend``)."""
    wf = record.to_workflow()
    worker = call.services.controller.workers.get(record.uid)
    if worker is not None and worker.suspended and not record.finished:
        wf["spec"] = {**(wf.get("spec") or {}), "suspend": True}
    if worker is not None and not record.finished and call.services.controller.queued(record.uid):
        wf = as_queued(wf, call.services.controller.waiting_status(record.uid))
    elif worker is not None and not record.finished:
        # accepted and being started: Running, as the create answer said (no Pending flicker)
        wf = as_started(wf)
    return wf


# ---- endpoints --------------------------------------------------------------------------------


async def create_workflow(call: Call) -> dict[str, Any]:
    body = await call.body()
    namespace = call.namespace or "default"
    wf = lint_workflow_body(body.get("workflow"), namespace)
    prepared = prepare(call, wf)
    if body.get("serverDryRun") or (body.get("createOptions") or {}).get("dryRun"):
        return prepared
    return await start(call, prepared)


async def get_workflow(call: Call) -> dict[str, Any]:
    fields = parse_fields(call.query("fields"))
    record = find(call, call.path("name"), with_nodes=needs(fields, "status.nodes"))
    return project(view(call, record), fields)


async def list_workflows(call: Call) -> dict[str, Any]:
    """Live and archived workflows, newest first, one page (Argo 3.5+'s merged list)."""
    fields = parse_fields(call.query("fields"))
    options = ListQuery.of(call)
    store = call.services.store
    want = options.offset + options.limit if options.limit else None
    live = store.list_workflows(call.list_namespace, label_selector=options.label_selector,
                                field_selector=options.field_selector, name_prefix=options.name_prefix,
                                limit=want, with_nodes=needs(fields, "items.status.nodes"))
    archived = store.list_archived_workflows(call.list_namespace, label_selector=options.label_selector,
                                             field_selector=options.field_selector,
                                             name_prefix=options.name_prefix, limit=want)
    seen = {r.uid for r in live.items}
    merged = live.items + [r for r in archived.items if r.uid not in seen]
    merged.sort(key=lambda r: r.created_at, reverse=True)
    merged = [r for r in merged if options.keeps(r.name)]
    page = merged[options.offset:options.offset + options.limit] if options.limit else merged[options.offset:]
    more = bool(options.limit) and (len(merged) > options.offset + options.limit
                                    or live.continue_token is not None or archived.continue_token is not None)
    metadata: dict[str, Any] = {"resourceVersion": str(live.resource_version)}
    if more and page:
        metadata["continue"] = encode_offset(options.offset + len(page))
    answer = {"metadata": metadata, "items": [view(call, r) for r in page]}
    answer = project(answer, fields)
    answer.setdefault("metadata", {})
    answer.setdefault("items", [])
    return answer


async def delete_workflow(call: Call) -> dict[str, Any]:
    name = call.path("name")
    store = call.services.store
    controller = call.services.controller
    record = store.find_workflow(call.namespace or "default", name, with_nodes=False)
    if record is not None:
        # stops it if it runs, artifact GC, archive, its pods, its children (controller.gc)
        await delete_live_workflow(controller, record.uid)
        return {}
    archived = store.find_archived_workflow(call.namespace or "default", name, with_nodes=False)
    if archived is None:
        raise NotFound(name)
    store.delete_archived_workflow(archived.uid)
    return {}


async def lint(call: Call) -> dict[str, Any]:
    body = await call.body()
    wf = lint_workflow_body(body.get("workflow"), call.namespace or "default")
    prepare(call, wf)  # references and parameters are checked too
    return wf


# ---- list options -----------------------------------------------------------------------------


class ListQuery:
    """A list's ``listOptions.*``, ``namePrefix`` and ``nameFilter`` query parameters."""

    __slots__ = ("contains", "field_selector", "label_selector", "limit", "name_prefix", "offset")

    def __init__(self) -> None:
        self.label_selector: str | None = None
        self.field_selector: str | None = None
        self.name_prefix: str | None = None
        self.contains: str | None = None
        self.limit = 0
        self.offset = 0

    @classmethod
    def of(cls, call: Call) -> ListQuery:
        q = cls()
        q.label_selector = call.query("listOptions.labelSelector") or None
        q.field_selector = call.query("listOptions.fieldSelector") or None
        q.name_prefix = call.query("namePrefix") or None
        limit = call.query("listOptions.limit") or "0"
        try:
            q.limit = int(limit)
        except ValueError:
            raise ListOptionsError(f"listOptions.limit: {limit!r} is not a number") from None
        if q.limit < 0:
            raise ListOptionsError(f"listOptions.limit: {q.limit} is negative")
        token = call.query("listOptions.continue")
        q.offset = decode_offset(token) if token else 0
        name_filter = (call.query("nameFilter") or "").lower()
        if name_filter and name_filter != "exact":
            q.apply_name_filter(name_filter)
        return q

    def apply_name_filter(self, mode: str) -> None:
        """``nameFilter`` (Prefix, Contains, NotEquals) turns ``metadata.name=X`` into that match."""
        terms = [t.strip() for t in (self.field_selector or "").split(",") if t.strip()]
        name = next((t for t in terms if t.replace(" ", "").startswith("metadata.name=")), None)
        if name is None:
            return
        value = name.split("=", 1)[1].lstrip("=").strip()
        rest = [t for t in terms if t is not name]
        if mode == "prefix":
            self.name_prefix = value
        elif mode == "contains":
            self.contains = value
        elif mode == "notequals":
            rest.append(f"metadata.name!={value}")
        else:
            raise ListOptionsError(f"nameFilter: {mode!r} is not one of Exact, Prefix, Contains, NotEquals")
        self.field_selector = ",".join(rest) or None

    def keeps(self, name: str) -> bool:
        return self.contains is None or self.contains in name


def encode_offset(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def decode_offset(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        if text.startswith("offset:"):
            return max(0, int(text[len("offset:"):]))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        pass
    raise ListOptionsError(f"listOptions.continue: {token!r} is not a continue token this server gave out "
                           "(list again from the start)")


routes = [
    api_route("POST", "/api/v1/workflows/{namespace}/lint", lint, verb=Verb.CREATE),
    api_route("POST", "/api/v1/workflows/{namespace}", create_workflow, verb=Verb.CREATE),
    api_route("GET", "/api/v1/workflows/{namespace}", list_workflows, verb=Verb.LIST),
    # an empty namespace (``argo list -A``): every namespace
    api_route("GET", "/api/v1/workflows/", list_workflows, verb=Verb.LIST),
    api_route("GET", "/api/v1/workflows/{namespace}/{name}", get_workflow, verb=Verb.GET),
    api_route("DELETE", "/api/v1/workflows/{namespace}/{name}", delete_workflow, verb=Verb.DELETE),
]
