"""The resource runtime against an in-memory gateway: each action, the manifest's sources, waiting
for conditions while the object changes, and the node result Argo gives."""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from argosy.engine.intents import PodResult, PodSpec
from argosy.errors import AlreadyExists, NotFound
from argosy.runtime import NodeRuntime, RunContext
from argosy.runtime.resource import (
    PARENT_NODE_ANNOTATION,
    PARENT_UID_LABEL,
    Origin,
    ResourceRuntime,
    child_name,
)

ORIGIN = Origin("uid-1", "parent", "default", "parent-123")


class MemoryGateway:
    """Objects in a dict; ``script`` changes the waited-for object once per ``changed`` call."""

    def __init__(self, *objects: dict[str, Any]) -> None:
        self.objects: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.script: list[Any] = []
        self.waits = 0
        for obj in objects:
            self.objects[self.key(obj)] = copy.deepcopy(obj)

    @staticmethod
    def key(obj: dict[str, Any]) -> tuple[str, str, str]:
        meta = obj["metadata"]
        return obj["kind"], meta.get("namespace", ""), meta["name"]

    async def create(self, obj: dict[str, Any]) -> dict[str, Any]:
        if self.key(obj) in self.objects:
            raise AlreadyExists(obj["metadata"]["name"], obj["kind"].lower() + "s")
        self.objects[self.key(obj)] = copy.deepcopy(obj)
        return copy.deepcopy(obj)

    async def get(self, kind: str, namespace: str, name: str, *, full: bool = True) -> dict[str, Any] | None:
        found = self.objects.get((kind, namespace, name))
        return copy.deepcopy(found) if found is not None else None

    async def update(self, obj: dict[str, Any]) -> dict[str, Any]:
        if self.key(obj) not in self.objects:
            raise NotFound(obj["metadata"]["name"])
        self.objects[self.key(obj)] = copy.deepcopy(obj)
        return copy.deepcopy(obj)

    async def delete(self, kind: str, namespace: str, name: str) -> bool:
        return self.objects.pop((kind, namespace, name), None) is not None

    async def list(self, kind: str, namespace: str, label_selector: str | None) -> list[dict[str, Any]]:
        key, _, value = (label_selector or "").partition("=")
        return [copy.deepcopy(o) for (k, ns, _), o in self.objects.items()
                if k == kind and ns == namespace and (o["metadata"].get("labels") or {}).get(key) == value]

    async def changed(self, kind: str, namespace: str, name: str) -> None:
        self.waits += 1
        await asyncio.sleep(0)
        if self.script:
            self.script.pop(0)(self.objects[(kind, namespace, name)])


def configmap(name: str, data: dict[str, str], namespace: str = "default", **meta: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace, **meta},
            "data": data}


def act(gateway: MemoryGateway | None, resource: dict[str, Any], tmp_path: Path, **template: Any) -> PodResult:
    pod = PodSpec(node_id=ORIGIN.node_id, pod_name="parent-main", workflow_name="parent", namespace="default",
                  workflow_uid=ORIGIN.workflow_uid, template={"name": "main", "resource": resource, **template},
                  artifact_key_prefix="parent/parent-main")
    context = RunContext(tmp_path, workflow_uid=ORIGIN.workflow_uid)
    context.resources = gateway
    try:
        return asyncio.run(ResourceRuntime().run(pod, context, lambda: None))
    finally:
        context.close()


def manifest(obj: dict[str, Any]) -> str:
    return yaml.safe_dump(obj)


def test_create_links_the_object_to_its_node_and_names_it_for_that_node(tmp_path: Path) -> None:
    gw = MemoryGateway()
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"generateName": "made-", "labels": {"x": "y"}},
            "data": {"a": "b"}}
    result = act(gw, {"action": "create", "manifest": manifest(body), "setOwnerReference": True}, tmp_path)
    assert result == PodResult(phase="Succeeded", exit_code=0, outputs={"exitCode": "0"})
    [(key, obj)] = gw.objects.items()
    assert key == ("ConfigMap", "default", child_name("made-", ORIGIN))
    assert obj["metadata"]["labels"] == {"x": "y", PARENT_UID_LABEL: "uid-1"}
    assert obj["metadata"]["annotations"] == {"argosy.io/parent-workflow": "parent", PARENT_NODE_ANNOTATION: "parent-123"}
    assert obj["metadata"]["ownerReferences"] == [{"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
                                                   "name": "parent", "uid": "uid-1", "controller": True,
                                                   "blockOwnerDeletion": True}]
    # the same node again (a restart): the object it made is found, nothing new is created
    again = act(gw, {"action": "create", "manifest": manifest(body), "setOwnerReference": True}, tmp_path)
    assert again.phase == "Succeeded" and len(gw.objects) == 1


def test_create_of_a_name_someone_else_holds_fails_as_kubectl_does(tmp_path: Path) -> None:
    gw = MemoryGateway(configmap("taken", {}))
    result = act(gw, {"action": "create", "manifest": manifest(configmap("taken", {"a": "b"}))}, tmp_path)
    assert result.phase == "Failed" and result.exit_code == 64
    assert result.message == ('Error (exit code 64): no more retries Error from server (AlreadyExists): error when '
                              'creating "/tmp/manifest.yaml": configmaps "taken" already exists')


@pytest.mark.parametrize(("resource", "data"), [
    ({"action": "apply", "manifest": manifest(configmap("cm", {"b": "3"}))}, {"a": "1", "b": "3"}),
    ({"action": "replace", "manifest": manifest(configmap("cm", {"b": "3"}))}, {"b": "3"}),
    ({"action": "patch", "manifest": manifest(configmap("cm", {"a": None, "c": "4"}))}, {"b": "2", "c": "4"}),
    ({"action": "patch", "mergeStrategy": "merge", "manifest": "data: {c: '4'}", "flags": ["cm", "cm"]},
     {"a": "1", "b": "2", "c": "4"}),
    ({"action": "patch", "mergeStrategy": "json", "flags": ["configmap/cm"],
      "manifest": "- {op: remove, path: /data/a}\n- {op: add, path: /data/z, value: '9'}\n"}, {"b": "2", "z": "9"}),
])
def test_changing_an_existing_object(tmp_path: Path, resource: dict[str, Any], data: dict[str, str]) -> None:
    gw = MemoryGateway(configmap("cm", {"a": "1", "b": "2"}))
    result = act(gw, resource, tmp_path)
    assert result.phase == "Succeeded", result.message
    assert gw.objects[("ConfigMap", "default", "cm")]["data"] == data


def test_apply_creates_what_is_not_there(tmp_path: Path) -> None:
    gw = MemoryGateway()
    assert act(gw, {"action": "apply", "manifest": manifest(configmap("cm", {"a": "1"}))}, tmp_path).phase == "Succeeded"
    assert gw.objects[("ConfigMap", "default", "cm")]["data"] == {"a": "1"}


@pytest.mark.parametrize(("resource", "message"), [
    ({"action": "replace", "manifest": manifest(configmap("gone", {}))},
     'no more retries Error from server (NotFound): configmaps "gone" not found'),
    ({"action": "patch", "manifest": "apiVersion: argoproj.io/v1alpha1\nkind: WorkflowTemplate\n"
                                     "metadata: {name: t}\nspec: {entrypoint: x}\n"},
     "application/strategic-merge-patch+json is not supported by argoproj.io/v1alpha1, Kind=WorkflowTemplate"),
    ({"action": "patch", "mergeStrategy": "json", "flags": ["cm", "cm"], "manifest": "{op: add}"},
     "json patch: the patch must be a list of operations"),
    ({"action": "patch", "mergeStrategy": "json", "flags": ["cm", "cm"],
      "manifest": "- {op: replace, path: /data/nope, value: x}"}, "json patch: replace of '/data/nope'"),
    ({"action": "create", "manifest": "a: 1\n---\nb: 2\n"}, "a resource template manages a single resource"),
    ({"action": "create", "manifest": "kind: [\n"}, "the resource manifest is not valid YAML"),
    ({"action": "get"}, "Must provide at least one of flags or manifest."),
    ({"action": "frobnicate", "manifest": "x: 1"}, "resource.action 'frobnicate' must be one of"),
    ({"action": "create", "manifest": "apiVersion: stable.example.com/v1\nkind: Workflow\nmetadata: {name: w}\n"},
     "resource create of kind Workflow (stable.example.com/v1) needs the Kubernetes runtime"),
    ({"action": "create", "manifest": "apiVersion: v1\nkind: Secret\nmetadata: {name: s}\n"},
     "resource create of kind Secret (v1) needs the Kubernetes runtime"),
])
def test_failures_say_what_went_wrong(tmp_path: Path, resource: dict[str, Any], message: str) -> None:
    gw = MemoryGateway(configmap("cm", {"a": "1"}))
    result = act(gw, resource, tmp_path)
    assert (result.phase, result.exit_code, result.outputs) == ("Failed", 64, {"exitCode": "64"})
    assert result.message is not None and message in result.message, result.message


def test_without_a_gateway_the_node_says_what_it_needs(tmp_path: Path) -> None:
    result = act(None, {"action": "get", "manifest": manifest(configmap("cm", {}))}, tmp_path)
    assert result.phase == "Failed" and "resource templates need Argosy's store" in (result.message or "")


def test_delete_by_name_or_selector_and_a_missing_one_is_fine(tmp_path: Path) -> None:
    gw = MemoryGateway(configmap("a", {}, labels={"cleanup": "true"}), configmap("b", {}, labels={"cleanup": "true"}),
                       configmap("keep", {}))
    assert act(gw, {"action": "delete", "flags": ["configmap", "--selector", "cleanup=true"]}, tmp_path).phase \
        == "Succeeded"
    assert list(gw.objects) == [("ConfigMap", "default", "keep")]
    assert act(gw, {"action": "delete", "manifest": manifest(configmap("never", {}))}, tmp_path).phase == "Succeeded"
    assert act(gw, {"action": "delete", "flags": ["cm", "keep"]}, tmp_path).phase == "Succeeded"
    assert gw.objects == {}


def workflow(name: str, phase: str) -> dict[str, Any]:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
            "metadata": {"name": name, "namespace": "default"}, "status": {"phase": phase}}


def set_phase(phase: str) -> Any:
    return lambda obj: obj["status"].update(phase=phase)


WAIT = {"action": "get", "flags": ["workflow", "child"], "successCondition": "status.phase == Succeeded",
        "failureCondition": "status.phase in (Failed, Error)"}


def test_get_waits_and_looks_again_each_time_the_object_changes(tmp_path: Path) -> None:
    gw = MemoryGateway(workflow("child", "Pending"))
    gw.script = [set_phase("Running"), lambda obj: None, set_phase("Succeeded")]
    result = act(gw, WAIT, tmp_path, outputs={"parameters": [{"name": "p", "valueFrom": {"jsonPath": "{.status.phase}"}}]})
    assert result.phase == "Succeeded"
    assert result.outputs["parameters"] == [{"name": "p", "value": "Succeeded"}]
    assert gw.waits == 3


def test_a_failure_condition_ends_the_wait(tmp_path: Path) -> None:
    gw = MemoryGateway(workflow("child", "Running"))
    gw.script = [set_phase("Error")]
    result = act(gw, WAIT, tmp_path)
    assert result.message == "Error (exit code 64): failure condition 'status.phase in (Error,Failed)' evaluated true"


def test_an_object_deleted_while_waited_for_fails_the_node(tmp_path: Path) -> None:
    gw = MemoryGateway(workflow("child", "Running"))
    gw.script = [lambda obj: gw.objects.clear()]
    result = act(gw, WAIT, tmp_path)
    assert "The resource has been deleted while its status was still being checked" in (result.message or "")


def test_the_manifest_can_come_from_an_input_artifact(tmp_path: Path) -> None:
    gw = MemoryGateway()
    artifact = {"name": "manifest", "path": "/tmp/m.yaml", "raw": {"data": manifest(configmap("from-art", {"k": "v"}))}}
    result = act(gw, {"action": "create", "manifestFrom": {"artifact": {"name": "manifest"}}}, tmp_path,
                 inputs={"artifacts": [artifact]})
    assert result.phase == "Succeeded", result.message
    assert gw.objects[("ConfigMap", "default", "from-art")]["data"] == {"k": "v"}
    missing = act(gw, {"action": "create", "manifestFrom": {"artifact": {"name": "other"}}}, tmp_path,
                  inputs={"artifacts": [artifact]})
    assert "artifact other in `manifestFrom` refer to a non-exist artifact" in (missing.message or "")


def test_namespaces_come_from_the_manifest_the_flags_or_the_workflow(tmp_path: Path) -> None:
    gw = MemoryGateway(configmap("cm", {"a": "1"}, namespace="other"))
    got = act(gw, {"action": "get", "flags": ["cm", "cm", "-n", "other"],
                   "successCondition": "data.a == 1"}, tmp_path)
    assert got.phase == "Succeeded", got.message
    cluster = {"apiVersion": "argoproj.io/v1alpha1", "kind": "ClusterWorkflowTemplate",
               "metadata": {"name": "shared", "namespace": "ignored"}, "spec": {}}
    assert act(gw, {"action": "create", "manifest": manifest(cluster)}, tmp_path).phase == "Succeeded"
    assert ("ClusterWorkflowTemplate", "", "shared") in gw.objects


def test_node_runtime_sends_resource_templates_to_the_resource_runtime() -> None:
    resource = ResourceRuntime()
    process: Any = object()
    runtime = NodeRuntime(process, resource=resource)
    assert runtime.runtime_for({"resource": {"action": "get"}}) is resource
    assert runtime.runtime_for({"container": {}}) is process


def test_the_node_log_says_what_kubectl_would(tmp_path: Path) -> None:
    from argosy.runtime.logs import read_log

    gw = MemoryGateway(configmap("old", {}))
    act(gw, {"action": "create", "manifest": manifest(configmap("new", {}))}, tmp_path)
    log = read_log(tmp_path, "uid-1", "parent-main").decode()
    assert log == "configmap/new created\n"
    act(gw, {"action": "delete", "flags": ["cm", "old"]}, tmp_path)
    assert read_log(tmp_path, "uid-1", "parent-main").decode().endswith("configmap/old deleted\n")


def test_apply_of_what_is_already_there_writes_nothing(tmp_path: Path) -> None:
    wf = workflow("child", "Running")
    gw = MemoryGateway(wf)
    applied = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": "child"}}
    result = act(gw, {"action": "apply", "manifest": manifest(applied)}, tmp_path)
    assert result.phase == "Succeeded", result.message  # a Workflow could not be updated: none was needed
    assert gw.objects[("Workflow", "default", "child")] == wf


def test_a_wait_past_the_templates_deadline_fails_the_node(tmp_path: Path) -> None:
    gw = MemoryGateway(workflow("child", "Running"))
    gw.script = [lambda obj: None] * 10_000  # the child never ends

    pod = PodSpec(node_id=ORIGIN.node_id, pod_name="parent-main", workflow_name="parent", namespace="default",
                  workflow_uid=ORIGIN.workflow_uid, template={"name": "main", "resource": WAIT},
                  deadline_seconds=0.05)
    context = RunContext(tmp_path, workflow_uid=ORIGIN.workflow_uid)
    context.resources = gw
    result = asyncio.run(ResourceRuntime().run(pod, context, lambda: None))
    assert result == PodResult(phase="Failed", message="Pod was active on the node longer than the specified deadline")


def test_a_long_generate_name_is_cut_as_kubernetes_cuts_it() -> None:
    name = child_name("x" * 70, ORIGIN)
    assert len(name) == 63 and name.startswith("x" * 58)
    assert child_name("x" * 70, ORIGIN) == name  # the same node, the same name
    assert child_name("x" * 70, Origin("uid-1", "parent", "default", "other-node")) != name
