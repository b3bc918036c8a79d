"""The resource template: ``create``/``apply``/``get``/``patch``/``replace``/``delete`` an object,
wait for its ``successCondition``/``failureCondition``, read its output parameters.

Argo runs ``argoexec resource`` in a pod, which runs ``kubectl``. Argosy acts on the objects
it keeps itself (Workflow, WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow, ConfigMap)
through a :class:`ResourceGateway`, which the controller implements over its store and its own
submission path: a created Workflow is a child that runs on the same controller. Any other kind
fails the node, naming the kind and the action: it needs the Kubernetes runtime.

The runtime decides nothing about the parent workflow and never imports the controller; it
finds the gateway on the workflow's :class:`~argosy.runtime.base.RunContext` (``resources``).

Crash safety: a created object's name is derived from the parent's uid and node id (its
``generateName`` plus five characters), and it carries the parent node's id. Running the same
node again (``adopt`` after a controller restart) finds that object instead of creating a
second one, and goes on waiting for its conditions.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml

from argosy.artifacts.locations import PodArtifacts
from argosy.artifacts.repository import LocalRepository
from argosy.engine.intents import PodResult, PodSpec
from argosy.errors import AlreadyExists, ArgosyError, Conflict, NotFound, ResourceError
from argosy.runtime.base import DEADLINE_MESSAGE, RunContext
from argosy.runtime.kubectl import Flags, jq_output, jsonpath_output, kind_of, parse_flags
from argosy.spec.conditions import Conditions
from argosy.spec.patch import json_patch, merge_patch

#: how often a patch or apply reads again and re-applies after the object changed meanwhile
CONFLICT_RETRIES = 10
#: label on an object a resource node created: the parent Workflow's uid (select a parent's children)
PARENT_UID_LABEL = "argosy.io/parent-workflow-uid"
#: annotations on it: the parent Workflow's name, and the id of the node that created it
PARENT_NAME_ANNOTATION = "argosy.io/parent-workflow"
PARENT_NODE_ANNOTATION = "argosy.io/parent-node-id"

#: the kinds Argosy keeps, with the apiVersion group each must have ('' : the core group)
KINDS = {"Workflow": "argoproj.io", "WorkflowTemplate": "argoproj.io", "ClusterWorkflowTemplate": "argoproj.io",
         "CronWorkflow": "argoproj.io", "ConfigMap": ""}
#: how Kubernetes' messages name each kind's resource
_RESOURCE_NAMES = {kind: (kind.lower() + "s" + (".argoproj.io" if group else "")) for kind, group in KINDS.items()}
#: how kubectl reports each action done
_DONE = {"get": "found", "create": "created", "apply": "configured", "patch": "patched", "replace": "replaced"}
#: kinds without a namespace
CLUSTER_KINDS = frozenset({"ClusterWorkflowTemplate"})
ACTIONS = ("get", "create", "apply", "delete", "replace", "patch")
#: what Argo's executor exits with when the resource action fails
EXIT_CODE = 64
#: Kubernetes' generateName alphabet (no vowels, no look-alikes)
_SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


@dataclass(frozen=True, slots=True)
class Origin:
    """The resource node acting: its workflow and node (what a created object is linked to)."""

    workflow_uid: str
    workflow_name: str
    namespace: str
    node_id: str


class ResourceGateway(Protocol):
    """Objects by kind, namespace and name: what a resource template acts on.

    Objects are Kubernetes-shaped dicts (``apiVersion``, ``kind``, ``metadata``, ...; a Workflow
    with its ``status``). ``create`` raises AlreadyExists, ``update`` NotFound, with
    Kubernetes' messages; ResourceError for what the store cannot do.
    """

    async def create(self, obj: dict[str, Any]) -> dict[str, Any]: ...

    async def get(self, kind: str, namespace: str, name: str, *, full: bool = True) -> dict[str, Any] | None:
        """The object, None when there is none; ``full`` False may leave out a Workflow's
        ``status.nodes`` (what a condition on its phase does not need)."""
        ...

    async def update(self, obj: dict[str, Any]) -> dict[str, Any]: ...

    async def delete(self, kind: str, namespace: str, name: str) -> bool: ...

    async def list(self, kind: str, namespace: str, label_selector: str | None) -> list[dict[str, Any]]: ...

    async def changed(self, kind: str, namespace: str, name: str) -> None:
        """Return once the object may have changed (or after a while: the caller looks again)."""
        ...


@dataclass(frozen=True, slots=True)
class Target:
    """The object an action is about."""

    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return f'{_RESOURCE_NAMES.get(self.kind, self.kind.lower() + "s")} "{self.name}"'

    def ref(self) -> str:
        """kubectl's ``kind.group/name`` (``workflow.argoproj.io/x``, ``configmap/x``)."""
        group = KINDS.get(self.kind, "")
        return f"{self.kind.lower()}{'.' + group if group else ''}/{self.name}"


def child_name(generate_name: str, origin: Origin) -> str:
    """``generateName`` completed with five characters that only this parent node produces."""
    digest = hashlib.sha256(f"{origin.workflow_uid}/{origin.node_id}/{generate_name}".encode()).digest()
    # as Kubernetes does, a long prefix is cut so that the name stays within 63 characters
    return generate_name[:58] + "".join(_SUFFIX_ALPHABET[b % len(_SUFFIX_ALPHABET)] for b in digest[:5])


def failed(message: str) -> PodResult:
    """How Argo reports a resource node whose action failed: its executor exited 64."""
    return PodResult(phase="Failed", message=f"Error (exit code {EXIT_CODE}): {message}", exit_code=EXIT_CODE,
                     outputs={"exitCode": str(EXIT_CODE)})


class ResourceRuntime:
    """Runs resource templates against the :class:`ResourceGateway` of the workflow's context."""

    async def run(self, pod: PodSpec, context: RunContext, on_started: Callable[[], None]) -> PodResult:
        on_started()
        gateway: ResourceGateway | None = getattr(context, "resources", None)
        try:
            if gateway is None:
                raise ResourceError("resource templates need Argosy's store: this run has no resource gateway "
                                    "(argosy run and argosy server have one; a bare Controller needs store=...)")
            action = Action(pod, context, gateway).run()
            if pod.deadline_seconds is None:
                outputs = await action
            else:
                async with asyncio.timeout(pod.deadline_seconds):
                    outputs = await action
        except TimeoutError:
            return PodResult(phase="Failed", message=DEADLINE_MESSAGE)
        except ArgosyError as err:
            context.write_log(pod.workflow_name, pod.pod_name, f"{err}\n")
            return failed(str(err))
        return PodResult(phase="Succeeded", exit_code=0, outputs={**outputs, "exitCode": "0"})

    async def adopt(self, pod: PodSpec, context: RunContext, on_started: Callable[[], None]) -> PodResult:
        """After a restart: run the node again; a create finds the object it made before."""
        return await self.run(pod, context, on_started)


class Action:
    """One resource node's action, from the template to the output parameters."""

    def __init__(self, pod: PodSpec, context: RunContext, gateway: ResourceGateway) -> None:
        self.pod = pod
        self.context = context
        self.gateway = gateway
        self.template = pod.template
        self.resource: dict[str, Any] = dict(pod.template.get("resource") or {})
        self.action = str(self.resource.get("action") or "")
        self.origin = Origin(pod.workflow_uid, pod.workflow_name, pod.namespace or "default", pod.node_id)

    async def run(self) -> dict[str, Any]:
        if self.action not in ACTIONS:
            raise ResourceError(f"resource.action {self.action!r} must be one of: {', '.join(ACTIONS)}")
        declared = list((self.template.get("outputs") or {}).get("parameters") or ())
        params = [p for p in declared if p.get("valueFrom")]
        if self.action == "delete" and (self.resource.get("successCondition") or self.resource.get("failureCondition")
                                        or declared):
            raise ResourceError("successCondition, failureCondition and outputs are not supported for delete action")
        conditions = Conditions.of(self.resource)
        flags = parse_flags(list(self.resource.get("flags") or ()))
        text = await self.manifest_text()
        if not text.strip() and not (flags.type or flags.selector):
            raise ResourceError("Must provide at least one of flags or manifest.")
        manifest = _load(text) if text.strip() else None
        if self.action == "delete":
            await self.delete(manifest, flags)
            return {}
        obj = await self.act(manifest, flags)
        target = Target(obj["kind"], _namespace(obj), obj["metadata"]["name"])
        self.log(f"{target.ref()} {_DONE[self.action]}")
        if conditions.waits:
            obj = await self.wait(target, conditions)
        values = [self.output(p, obj) for p in params if (p["valueFrom"].get("jsonPath") or p["valueFrom"].get("jqFilter"))]
        return {"parameters": values} if values else {}

    # ---- the manifest ---------------------------------------------------------------------

    async def manifest_text(self) -> str:
        source = self.resource.get("manifestFrom")
        if not source:
            return str(self.resource.get("manifest") or "")
        name = ((source or {}).get("artifact") or {}).get("name")
        artifact = next((a for a in (self.template.get("inputs") or {}).get("artifacts") or ()
                         if a.get("name") == name), None)
        if artifact is None:
            raise ResourceError(f"artifact {name} in `manifestFrom` refer to a non-exist artifact")
        return await asyncio.to_thread(self._load_artifact, artifact)

    def _load_artifact(self, artifact: dict[str, Any]) -> str:
        context = self.context
        repo = LocalRepository(context.artifact_dir)
        artifacts = PodArtifacts.for_pod(repo, context.secrets, context.artifact_repositories.get(self.pod.workflow_uid),
                                         self.template, self.pod.pod_name, self.pod.artifact_key_prefix)
        with tempfile.TemporaryDirectory(prefix="argosy-manifest-") as tmp:
            dest = Path(tmp) / "manifest.yaml"
            artifacts.load(artifact, dest)
            if dest.is_dir():
                raise ResourceError(f"manifestFrom artifact {artifact.get('name')!r} is a directory, not a manifest")
            return dest.read_text()

    # ---- what the object is ---------------------------------------------------------------

    def target(self, manifest: Any, flags: Flags, *, patch: bool = False) -> Target:
        """The object named by the manifest, or (a patch without ``kind``, a json patch) by the flags."""
        from_flags = patch and (self.resource.get("mergeStrategy") == "json"
                                or (flags.type and not (isinstance(manifest, dict) and manifest.get("kind"))))
        if manifest is not None and not from_flags:
            if not isinstance(manifest, dict):
                raise ResourceError("the resource manifest must be one object (a YAML mapping)")
            kind = str(manifest.get("kind") or "")
            meta = manifest.get("metadata") or {}
            name = str(meta.get("name") or "")
            if not kind or not (name or meta.get("generateName")):
                raise ResourceError("Kind and name are both required but at least one of them is missing "
                                    "from the manifest")
            self.check_kind(kind, str(manifest.get("apiVersion") or ""))
            namespace = "" if kind in CLUSTER_KINDS else str(meta.get("namespace") or flags.namespace
                                                              or self.origin.namespace)
            return Target(kind, namespace, name)
        kind = kind_of(flags.type or "")
        if kind is None:
            self.check_kind(flags.type or "", "")
            raise ResourceError("resource flags must name the object's TYPE (and NAME)")
        if not flags.name and not flags.selector:
            raise ResourceError(f"resource flags name a type ({flags.type}) but no NAME")
        namespace = "" if kind in CLUSTER_KINDS else (flags.namespace or self.origin.namespace)
        return Target(kind, namespace, flags.name or "")

    def check_kind(self, kind: str, api_version: str) -> None:
        group = api_version.rpartition("/")[0] if "/" in api_version else ""
        if kind in KINDS and (not api_version or group == KINDS[kind]):
            return
        what = f"{kind} ({api_version})" if api_version else kind
        raise ResourceError(f"resource {self.action} of kind {what or '(none)'} needs the Kubernetes runtime: "
                            "Argosy keeps only Workflow, WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow "
                            "and ConfigMap objects itself")

    # ---- the actions ----------------------------------------------------------------------

    async def act(self, manifest: Any, flags: Flags) -> dict[str, Any]:
        if self.action == "get":
            return await self.must_get(self.target(manifest, flags))
        if self.action == "create":
            return await self.create(manifest, flags)
        if self.action == "patch":
            return await self.patch(manifest, flags)
        target = self.target(manifest, flags)
        if self.action == "apply":
            return await self.apply(manifest, flags, target)
        existing = await self.gateway.get(target.kind, target.namespace, target.name) if target.name else None
        if existing is None:
            raise _kubectl(f"Error from server (NotFound): {target} not found")
        replaced = copy.deepcopy(manifest)
        replaced.setdefault("metadata", {})["namespace"] = target.namespace
        return await self.update(replaced, target)

    async def apply(self, manifest: Any, flags: Flags, target: Target) -> dict[str, Any]:
        async def once() -> dict[str, Any]:
            existing = await self.gateway.get(target.kind, target.namespace, target.name) if target.name else None
            if existing is None:
                return await self.create(manifest, flags)
            merged = merge_patch(existing, manifest)
            # kubectl's "unchanged": nothing to write (also this node's own object after a restart)
            if _made_by(existing, self.origin) or merged == existing:
                return existing
            return await self.update(merged, target)

        return await _on_the_newest(once)

    async def must_get(self, target: Target) -> dict[str, Any]:
        if not target.name:
            raise ResourceError("Kind and name are both required but at least one of them is missing "
                                "from the manifest")
        obj = await self.gateway.get(target.kind, target.namespace, target.name)
        if obj is None:
            raise _kubectl(f"Error from server (NotFound): {target} not found")
        return obj

    async def create(self, manifest: Any, flags: Flags) -> dict[str, Any]:
        target = self.target(manifest, flags)
        obj = copy.deepcopy(manifest)
        meta = obj.setdefault("metadata", {})
        generate = meta.get("generateName")
        if not meta.get("name"):
            meta["name"] = child_name(str(generate), self.origin)
        if target.namespace:
            meta["namespace"] = target.namespace
        else:
            meta.pop("namespace", None)  # a cluster-scoped kind
        self.link(obj)
        try:
            return await self.gateway.create(obj)
        except AlreadyExists as err:
            # ours already (this node ran before a restart): find it again, create nothing
            existing = await self.gateway.get(target.kind, target.namespace, meta["name"])
            if existing is not None and _made_by(existing, self.origin):
                return existing
            raise _kubectl(f"Error from server (AlreadyExists): error when creating \"/tmp/manifest.yaml\": {err}") \
                from None

    def link(self, obj: dict[str, Any]) -> None:
        """Mark a created object with its parent node; an ownerReference when the template asks."""
        meta = obj["metadata"]
        o = self.origin
        meta["labels"] = {**(meta.get("labels") or {}), PARENT_UID_LABEL: o.workflow_uid}
        meta["annotations"] = {**(meta.get("annotations") or {}), PARENT_NAME_ANNOTATION: o.workflow_name,
                               PARENT_NODE_ANNOTATION: o.node_id}
        if self.resource.get("setOwnerReference"):
            meta["ownerReferences"] = [*(meta.get("ownerReferences") or ()), {
                "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "name": o.workflow_name,
                "uid": o.workflow_uid, "controller": True, "blockOwnerDeletion": True}]

    async def patch(self, manifest: Any, flags: Flags) -> dict[str, Any]:
        target = self.target(manifest, flags, patch=True)
        strategy = str(self.resource.get("mergeStrategy") or "strategic")
        if strategy == "strategic" and target.kind != "ConfigMap":
            # Kubernetes knows no strategic merge for custom resources (all Argo kinds are)
            raise _kubectl(f"error: application/strategic-merge-patch+json is not supported by "
                           f"argoproj.io/v1alpha1, Kind={target.kind}: use mergeStrategy merge or json")
        if strategy not in ("json", "merge", "strategic"):
            raise ResourceError(f"mergeStrategy {strategy!r} must be one of: strategic, merge, json")

        async def once() -> dict[str, Any]:
            existing = await self.must_get(target)
            # a ConfigMap's fields are maps and scalars: its strategic merge is the JSON merge patch
            patched = json_patch(existing, manifest) if strategy == "json" else merge_patch(existing, manifest)
            if not isinstance(patched, dict):
                raise ResourceError("the patch did not leave an object")
            return await self.update(patched, target)

        return await _on_the_newest(once)

    async def update(self, obj: dict[str, Any], target: Target) -> dict[str, Any]:
        meta = obj.setdefault("metadata", {})
        if meta.get("name", target.name) != target.name or obj.get("kind", target.kind) != target.kind:
            raise ResourceError(f"{self.action} cannot rename or change the kind of {target}")
        if target.namespace:
            meta["namespace"] = target.namespace
        try:
            return await self.gateway.update(obj)
        except NotFound as err:
            raise _kubectl(f"Error from server (NotFound): {err}") from None

    async def delete(self, manifest: Any, flags: Flags) -> None:
        target = self.target(manifest, flags)
        names = [target.name] if target.name else [
            o["metadata"]["name"] for o in await self.gateway.list(target.kind, target.namespace, flags.selector)]
        for name in names:
            if await self.gateway.delete(target.kind, target.namespace, name):
                self.log(f"{Target(target.kind, target.namespace, name).ref()} deleted")

    def log(self, line: str) -> None:
        """What kubectl would have printed, in the node's log."""
        self.context.write_log(self.pod.workflow_name, self.pod.pod_name, line + "\n")

    # ---- waiting and outputs --------------------------------------------------------------

    async def wait(self, target: Target, conditions: Conditions) -> dict[str, Any]:
        """Re-read the object each time it may have changed until a condition decides."""
        full = any(r.key.startswith("status.nodes") for r in (*conditions.success, *conditions.failure))
        while True:
            obj = await self.gateway.get(target.kind, target.namespace, target.name, full=full)
            if obj is None:
                raise ResourceError("The resource has been deleted while its status was still being checked. "
                                    f"Will not be retried: {target} not found")
            decided, message = conditions.check(obj)
            if decided is True:
                return obj if full else await self.must_get(target)
            if decided is False:
                raise ResourceError(message)
            await self.gateway.changed(target.kind, target.namespace, target.name)

    def output(self, param: dict[str, Any], obj: dict[str, Any]) -> dict[str, Any]:
        source = param.get("valueFrom") or {}
        if source.get("jsonPath"):
            value = jsonpath_output(obj, str(source["jsonPath"]))
        else:
            value = jq_output(obj, str(source["jqFilter"]))
        return {"name": param.get("name"), "value": value}


def _load(text: str) -> Any:
    try:
        documents = [d for d in yaml.load_all(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
                     if d is not None]
    except yaml.YAMLError as err:
        raise ResourceError(f"the resource manifest is not valid YAML: {err}") from None
    if len(documents) > 1:
        raise ResourceError("a resource template manages a single resource: the manifest has "
                            f"{len(documents)} documents")
    return documents[0] if documents else None


def _namespace(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("namespace") or "")


def _made_by(obj: dict[str, Any], origin: Origin) -> bool:
    meta = obj.get("metadata") or {}
    return ((meta.get("labels") or {}).get(PARENT_UID_LABEL) == origin.workflow_uid
            and (meta.get("annotations") or {}).get(PARENT_NODE_ANNOTATION) == origin.node_id)


async def _on_the_newest(once: Callable[[], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    """Read, change and write with ``once`` until no other change came between its read and its
    write (Conflict): the API server applies a patch or an apply to the newest object."""
    for _ in range(CONFLICT_RETRIES - 1):
        with contextlib.suppress(Conflict):
            return await once()
    try:
        return await once()
    except Conflict as err:
        raise _kubectl(f"Error from server (Conflict): {err}") from None


def _kubectl(message: str) -> ResourceError:
    """A failure kubectl would report: Argo's executor says it gave up retrying."""
    return ResourceError(f"no more retries {message}")
