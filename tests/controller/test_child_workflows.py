"""Child workflows: a resource template creates (or gets) a Workflow that runs on the same
Controller; the parent node waits for its success or failure condition, reads outputs from it,
owns it when asked, and after a restart finds it again instead of creating a second one."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from harness import until

from argosy.controller import Controller, data_store, prepare_workflow
from argosy.controller.gc import delete_workflow
from argosy.engine.intents import PodResult, PodSpec
from argosy.runtime import NodeRuntime
from argosy.runtime.resource import (
    PARENT_NODE_ANNOTATION,
    PARENT_UID_LABEL,
    Origin,
    ResourceRuntime,
    child_name,
)
from argosy.spec import ObjectSet, load_text
from argosy.store.owner import owner_id
from argosy.testing import result_of


class Pods:
    """Pods that succeed, fail (template ``fail``) or wait for ``release(template)``."""

    def __init__(self, gated: tuple[str, ...] = ()) -> None:
        self.gates = {name: asyncio.Event() for name in gated}
        self.started: list[str] = []

    async def run(self, pod: PodSpec, context: Any, on_started: Callable[[], None]) -> PodResult:
        on_started()
        name = str(pod.template.get("name"))
        self.started.append(f"{pod.workflow_name}/{name}")
        if name in self.gates:
            await self.gates[name].wait()
        return result_of(exit_code=1 if name == "fail" else 0)

    def release(self, name: str) -> None:
        self.gates[name].set()


def runtime(pods: Any) -> NodeRuntime:
    return NodeRuntime(pods, resource=ResourceRuntime())


def parent(main: str, *extra: str) -> dict[str, Any]:
    """A parent workflow named ``parent`` whose ``main`` template is the given YAML."""
    templates = [yaml.safe_load(main), *(yaml.safe_load(t) for t in extra)]
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": "parent"},
            "spec": {"entrypoint": "main", "templates": templates}}


CHILD = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: child-
spec:
  entrypoint: {entry}
  templates:
  - name: {entry}
    container: {{image: busybox, command: [echo, hi]}}
"""


def create_child(entry: str = "work", **resource: Any) -> str:
    body = {"action": "create", "manifest": CHILD.format(entry=entry),
            "successCondition": "status.phase == Succeeded", "failureCondition": "status.phase in (Failed, Error)",
            **resource}
    return yaml.safe_dump({"name": "main", "resource": body})


Scenario = Callable[[Controller, Any], Awaitable[None]]


def run(tmp_path: Path, workflow: dict[str, Any], pods: Any = None, *, objects: ObjectSet | None = None,
        during: Scenario | None = None) -> tuple[Any, Any]:
    """Submit ``workflow`` to a Controller with a store; run ``during`` beside it; (parent engine, store)."""
    store = data_store(tmp_path)

    async def go() -> Any:
        controller = Controller(data_dir=tmp_path, store=store, runtime=runtime(pods or Pods()),
                                objects=objects or ObjectSet())
        uid = controller.submit(workflow)
        if during is not None:
            await during(controller, store)
        engine = await asyncio.wait_for(controller.wait(uid), 30)
        await asyncio.wait_for(controller.wait_all(), 30)
        await controller.close()
        return engine

    try:
        return asyncio.run(go()), store
    finally:
        store.flush()


def children(store: Any, parent_uid: str) -> list[Any]:
    return store.list_workflows(None, label_selector=f"{PARENT_UID_LABEL}={parent_uid}", with_nodes=False).items


def main_node(engine: Any) -> dict[str, Any]:
    return next(n.to_dict() for n in engine.nodes if n.name == "parent")


def test_parent_node_waits_for_its_child_and_links_to_it(tmp_path: Path) -> None:
    pods = Pods(gated=("work",))

    async def during(controller: Controller, store: Any) -> None:
        await until(lambda: "child" in " ".join(pods.started), "the child's pod started")
        await asyncio.sleep(0.3)
        # the child runs: the parent's resource node still waits for it
        assert controller.workers[next(iter(controller.workers))].engine.phase == "Running"
        pods.release("work")

    engine, store = run(tmp_path, parent(create_child()), pods, during=during)
    assert engine.phase == "Succeeded", engine.message
    [child] = children(store, engine.uid)
    node = main_node(engine)
    assert child.name == child_name("child-", Origin(engine.uid, "parent", "default", node["id"]))
    assert child.phase == "Succeeded"
    meta = child.manifest["metadata"]
    assert meta["annotations"][PARENT_NODE_ANNOTATION] == node["id"]
    assert meta["annotations"]["argosy.io/parent-workflow"] == "parent"
    assert "ownerReferences" not in meta  # only with setOwnerReference, as in Argo
    assert node["outputs"] == {"exitCode": "0"}


def test_a_failed_child_fails_the_parent_node_with_argos_message(tmp_path: Path) -> None:
    engine, store = run(tmp_path, parent(create_child(entry="fail")))
    assert engine.phase == "Failed"
    assert main_node(engine)["message"] == (
        "Error (exit code 64): failure condition 'status.phase in (Error,Failed)' evaluated true")
    assert [c.phase for c in children(store, engine.uid)] == ["Failed"]


def test_create_without_conditions_does_not_wait(tmp_path: Path) -> None:
    pods = Pods(gated=("work",))

    async def during(controller: Controller, store: Any) -> None:
        parent_uid = next(iter(controller.workers))
        await asyncio.wait_for(controller.wait(parent_uid), 30)  # ends while the child still runs
        assert [c.phase for c in children(store, parent_uid)] == ["Running"]
        pods.release("work")

    manifest = {"name": "main", "resource": {"action": "create", "manifest": CHILD.format(entry="work")}}
    engine, store = run(tmp_path, parent(yaml.safe_dump(manifest)), pods, during=during)
    assert engine.phase == "Succeeded"
    assert [c.phase for c in children(store, engine.uid)] == ["Succeeded"]


WAIT = """
name: main
steps:
- - {name: create, template: create}
- - name: wait
    template: wait
    arguments: {parameters: [{name: wf, value: '{{steps.create.outputs.parameters.name}}'}]}
"""
CREATE = """
name: create
resource:
  action: create
  manifest: |
    apiVersion: argoproj.io/v1alpha1
    kind: Workflow
    metadata: {generateName: sleep-, labels: {team: a}}
    spec:
      entrypoint: work
      templates:
      - {name: work, container: {image: busybox, command: [sleep, "1"]}}
outputs:
  parameters:
  - name: name
    valueFrom: {jsonPath: '{.metadata.name}'}
  - name: labels
    valueFrom: {jqFilter: '.metadata.labels | {team}'}
  - name: kind-and-name
    valueFrom: {jsonPath: '{.kind}/{.metadata.name}'}
"""
GET = """
name: wait
inputs: {parameters: [{name: wf}]}
resource:
  action: get
  successCondition: status.phase == Succeeded
  failureCondition: status.phase in (Failed, Error)
  manifest: |
    apiVersion: argoproj.io/v1alpha1
    kind: Workflow
    metadata: {name: '{{inputs.parameters.wf}}'}
outputs:
  parameters:
  - name: phase
    valueFrom: {jsonPath: '{.status.phase}'}
"""


def test_get_waits_until_the_condition_holds_and_outputs_read_the_object(tmp_path: Path) -> None:
    pods = Pods(gated=("work",))

    async def during(controller: Controller, store: Any) -> None:
        await until(lambda: any(w.engine.name == "parent" and any(n.display_name == "wait" for n in w.engine.nodes)
                                for w in controller.workers.values()), "the wait step started")
        await asyncio.sleep(0.5)
        parent_engine = next(w.engine for w in controller.workers.values() if w.engine.name == "parent")
        assert parent_engine.phase == "Running"
        pods.release("work")  # the child changes: the get is evaluated again

    engine, store = run(tmp_path, parent(WAIT, CREATE, GET), pods, during=during)
    assert engine.phase == "Succeeded", engine.message
    outputs = {n.display_name: n.to_dict().get("outputs", {}) for n in engine.nodes}
    [child] = children(store, engine.uid)
    created = {p["name"]: p["value"] for p in outputs["create"]["parameters"]}
    assert created == {"name": child.name, "labels": '{"team":"a"}', "kind-and-name": f"Workflow/{child.name}"}
    assert outputs["wait"]["parameters"] == [{"name": "phase", "value": "Succeeded"}]


TEMPLATE = """
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: greet}
spec:
  entrypoint: main
  arguments: {parameters: [{name: message, value: default}]}
  templates:
  - name: main
    inputs: {parameters: [{name: message, value: '{{workflow.parameters.message}}'}]}
    container: {image: busybox, command: [echo, '{{inputs.parameters.message}}']}
"""


def test_a_child_from_a_workflow_template_gets_its_arguments(tmp_path: Path) -> None:
    main = yaml.safe_dump({"name": "main", "resource": {
        "action": "create", "successCondition": "status.phase == Succeeded",
        "manifest": "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {generateName: greet-}\n"
                    "spec:\n  arguments: {parameters: [{name: message, value: hello}]}\n"
                    "  workflowTemplateRef: {name: greet}\n"}})
    pods = Pods()
    engine, store = run(tmp_path, parent(main), pods, objects=ObjectSet(load_text(TEMPLATE)))
    assert engine.phase == "Succeeded", engine.message
    [child] = children(store, engine.uid)
    record = store.get_workflow(child.uid)
    [pod] = [n for n in record.status["nodes"].values() if n["type"] == "Pod"]
    assert pod["inputs"]["parameters"] == [{"name": "message", "value": "hello"}]


def test_owned_children_are_deleted_with_their_parent(tmp_path: Path) -> None:
    grandchild = {"name": "main", "resource": {"action": "create", "setOwnerReference": True,
                                               "manifest": CHILD.format(entry="leaf")}}
    owned_child = yaml.safe_dump({"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
                                  "metadata": {"generateName": "owned-"},
                                  "spec": {"entrypoint": "main", "templates": [grandchild]}})
    main = """
name: main
steps:
- - {name: owned, template: owned}
  - {name: free, template: free}
  - {name: cm, template: cm}
"""
    owned = yaml.safe_dump({"name": "owned", "resource": {"action": "create", "setOwnerReference": True,
                                                          "successCondition": "status.phase == Succeeded",
                                                          "manifest": owned_child}})
    free = yaml.safe_dump({"name": "free", "resource": {"action": "create", "manifest": CHILD.format(entry="w")}})
    cm = yaml.safe_dump({"name": "cm", "resource": {"action": "create", "setOwnerReference": True, "manifest":
                         "apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: owned-cm-}\ndata: {a: b}\n"}})
    engine, store = run(tmp_path, parent(main, owned, free, cm))
    assert engine.phase == "Succeeded", [(n.display_name, n.message) for n in engine.nodes]
    kids = children(store, engine.uid)
    [owned_wf] = [c for c in kids if c.name.startswith("owned-")]
    ref = owned_wf.manifest["metadata"]["ownerReferences"]
    assert ref == [{"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "name": "parent", "uid": engine.uid,
                    "controller": True, "blockOwnerDeletion": True}]
    [leaf] = children(store, owned_wf.uid)
    [configmap] = store.list_objects("ConfigMap", "default")
    assert configmap.body["metadata"]["ownerReferences"][0]["uid"] == engine.uid

    async def delete() -> None:
        controller = Controller(data_dir=tmp_path, store=store, runtime=runtime(Pods()))
        await delete_workflow(controller, engine.uid)  # what DELETE /api/v1/workflows/... does

    asyncio.run(delete())
    assert store.get_workflow(engine.uid) is None
    assert store.get_workflow(owned_wf.uid) is None
    assert store.get_workflow(leaf.uid) is None  # owned by the owned child: deleted in turn
    [free_child] = [c for c in kids if c.name.startswith("child-")]
    assert store.get_workflow(free_child.uid) is not None  # no ownerReference: it stays
    assert store.list_objects("ConfigMap", "default") == []


@pytest.mark.parametrize(("resource", "message"), [
    ({"action": "create", "manifest": "apiVersion: batch/v1\nkind: Job\nmetadata: {generateName: pi-}\n"},
     "resource create of kind Job (batch/v1) needs the Kubernetes runtime"),
    ({"action": "delete", "flags": ["pods", "--selector", "a=b"]},
     "resource delete of kind pods needs the Kubernetes runtime"),
    ({"action": "create", "manifest": CHILD.format(entry="w"), "flags": ["--server-side"]},
     "resource flag '--server-side' is a kubectl flag that needs a Kubernetes API server"),
    ({"action": "get", "manifest": "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: nope}\n"},
     'no more retries Error from server (NotFound): workflows.argoproj.io "nope" not found'),
    ({"action": "patch", "mergeStrategy": "merge", "flags": ["workflow", "parent"],
      "manifest": "spec: {parallelism: 1}\n"},
     'Argosy cannot change spec.parallelism of Workflow "parent"'),
    ({"action": "create", "manifest": CHILD.format(entry="w"), "successCondition": 'status.phase == "Succeeded"'},
     "success condition 'status.phase == \"Succeeded\"' failed to parse: unable to parse requirement"),
    ({"action": "delete", "manifest": CHILD.format(entry="w"), "successCondition": "status.phase == Succeeded"},
     "successCondition, failureCondition and outputs are not supported for delete action"),
    ({"action": "create", "manifest": "apiVersion: v1\nkind: ConfigMap\ndata: {a: b}\n"},
     "Kind and name are both required but at least one of them is missing from the manifest"),
])
def test_what_argosy_cannot_do_fails_the_node_saying_why(tmp_path: Path, resource: dict[str, Any],
                                                          message: str) -> None:
    engine, _ = run(tmp_path, parent(yaml.safe_dump({"name": "main", "resource": resource})))
    assert engine.phase == "Failed"
    got = main_node(engine)["message"]
    assert got.startswith("Error (exit code 64): ") and message in got, got


CONFIGMAP_STEPS = """
name: main
steps:
- - {name: create, template: create}
- - {name: merge, template: merge}
- - {name: json, template: json}
- - {name: apply, template: apply}
- - {name: read, template: read}
- - {name: delete, template: delete}
"""
CM = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, labels: {cleanup: 'true'}}\n"


def cm_template(name: str, action: str, manifest: str, **extra: Any) -> str:
    return yaml.safe_dump({"name": name, "resource": {"action": action, "manifest": manifest, **extra}})


def test_configmaps_are_created_patched_applied_read_and_deleted(tmp_path: Path) -> None:
    steps = [
        cm_template("create", "create", CM + "data: {a: '1', b: '2'}\n"),
        cm_template("merge", "patch", CM + "data: {b: null, c: '3'}\n", mergeStrategy="merge"),
        cm_template("json", "patch", "- {op: replace, path: /data/a, value: '10'}\n", mergeStrategy="json",
                    flags=["configmap", "settings"]),
        cm_template("apply", "apply", CM + "data: {d: '4'}\n"),
        yaml.safe_dump({"name": "read", "resource": {
            "action": "get", "manifest": CM, "successCondition": "data.a == 10, data.c"},
            "outputs": {"parameters": [{"name": "data", "valueFrom": {"jqFilter": ".data"}},
                                       {"name": "a", "valueFrom": {"jsonPath": "{.data.a}"}}]}}),
        yaml.safe_dump({"name": "delete", "resource": {"action": "delete",
                                                       "flags": ["configmap", "--selector", "cleanup=true"]}}),
    ]
    engine, store = run(tmp_path, parent(CONFIGMAP_STEPS, *steps))
    assert engine.phase == "Succeeded", [(n.display_name, n.message) for n in engine.nodes]
    read = next(n.to_dict() for n in engine.nodes if n.display_name == "read")
    assert read["outputs"]["parameters"] == [
        {"name": "data", "value": '{"a":"10","c":"3","d":"4"}'}, {"name": "a", "value": "10"}]
    assert store.list_objects("ConfigMap", "default") == []


def dead_owner() -> str:
    """The owner id of a process that has exited: what it owned is an orphan at once."""
    gone = subprocess.Popen(["true"])
    parts = owner_id(gone.pid).split("/")
    gone.wait()
    return "/".join(parts)


RETRIED_CHILD = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: child-}
spec:
  entrypoint: work
  templates:
  - name: work
    retryStrategy: {limit: 2, retryPolicy: Always}
    container: {image: busybox, command: [sleep, "1"]}
"""


def test_after_a_crash_the_waiting_node_finds_its_child_again(tmp_path: Path) -> None:
    """The controller dies while the parent waits for its child: the next one resumes both, and
    the resource node adopts the child it made instead of creating a second one."""
    store = data_store(tmp_path)
    main = yaml.safe_dump({"name": "main", "resource": {
        "action": "create", "manifest": RETRIED_CHILD, "successCondition": "status.phase == Succeeded",
        "failureCondition": "status.phase in (Failed, Error)"}})
    pods = Pods(gated=("work",))

    async def first_life() -> str:
        controller = Controller(data_dir=tmp_path, store=store, runtime=runtime(pods), owner=dead_owner())
        uid = controller.submit(parent(main))

        def child_running() -> bool:
            store.flush()
            kids = children(store, uid)
            return bool(kids) and any(n.get("type") == "Pod" and n.get("phase") == "Running"
                                      for n in (store.get_workflow(kids[0].uid).status.get("nodes") or {}).values())

        await until(child_running, "the child's pod runs")
        await asyncio.sleep(0.6)  # a persist interval: the parent's node is stored Running
        store.flush()
        # the process dies here: nothing it does from now on reaches the store
        for worker in controller.workers.values():
            worker.store = None
        controller.store = None
        return uid

    async def second_life() -> list[str]:
        controller = Controller(data_dir=tmp_path, store=store, runtime=runtime(Pods()))
        recovered = await controller.recover()
        await asyncio.wait_for(controller.wait_all(), 30)
        await controller.close()
        return sorted(r.outcome for r in recovered)

    try:
        uid = asyncio.run(first_life())
        [child] = children(store, uid)
        assert asyncio.run(second_life()) == ["resumed", "resumed"]
        store.flush()
        assert [c.name for c in children(store, uid)] == [child.name]  # no second child
        assert store.get_workflow(child.uid).phase == "Succeeded"
        assert store.get_workflow(uid).phase == "Succeeded"
    finally:
        store.close()


def test_prepared_children_follow_argos_submission_rules(tmp_path: Path) -> None:
    """A child is submitted as ``argo submit`` would: a parameter without value is refused."""
    manifest = ("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {generateName: c-}\n"
                "spec:\n  entrypoint: w\n  arguments: {parameters: [{name: p}]}\n"
                "  templates: [{name: w, container: {image: busybox}}]\n")
    engine, _ = run(tmp_path, parent(yaml.safe_dump({"name": "main", "resource": {"action": "create",
                                                                                 "manifest": manifest}})))
    assert engine.phase == "Failed"
    assert "spec.arguments.p.value is required" in main_node(engine)["message"]
    with pytest.raises(Exception, match="value is required"):
        prepare_workflow(yaml.safe_load(manifest), ObjectSet())


def test_a_configmap_from_the_run_files_can_be_patched_into_the_store(tmp_path: Path) -> None:
    """``argosy run --with cm.yaml``: the file's ConfigMap is read, and a patch of it is kept in the store."""
    cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: '1'}\n"
    steps = yaml.safe_dump({"name": "main", "resource": {
        "action": "patch", "mergeStrategy": "merge", "flags": ["cm", "settings"], "manifest": "data: {b: '2'}"}})
    engine, store = run(tmp_path, parent(steps), objects=ObjectSet(load_text(cm)))
    assert engine.phase == "Succeeded", [(n.display_name, n.message) for n in engine.nodes]
    assert store.get_object("ConfigMap", "default", "settings").body["data"] == {"a": "1", "b": "2"}


def test_a_child_from_a_template_an_earlier_step_created(tmp_path: Path) -> None:
    steps = """
name: main
steps:
- - {name: template, template: template}
- - {name: child, template: child}
"""
    template = yaml.safe_dump({"name": "template", "resource": {"action": "create", "manifest": TEMPLATE}})
    child = yaml.safe_dump({"name": "child", "resource": {
        "action": "create", "successCondition": "status.phase == Succeeded",
        "failureCondition": "status.phase in (Failed, Error)",
        "manifest": "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {generateName: greet-}\n"
                    "spec:\n  workflowTemplateRef: {name: greet}\n"}})
    engine, store = run(tmp_path, parent(steps, template, child))
    assert engine.phase == "Succeeded", [(n.display_name, n.message) for n in engine.nodes]
    [kid] = children(store, engine.uid)
    assert kid.phase == "Succeeded"
