"""A resource template changes an existing Workflow (patch, apply, replace), as Argo's controller
honours it on a live Workflow: labels and annotations are kept (and selected by), ``spec.suspend``
suspends or lifts the suspension, ``spec.shutdown`` stops or terminates; any other change fails
the node, naming the fields, and changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from harness import until

from argosy.controller import Controller, data_store
from argosy.engine.intents import PodResult, PodSpec
from argosy.runtime import NodeRuntime
from argosy.runtime.resource import ResourceRuntime
from argosy.testing import result_of


class Pods:
    """Pods that succeed, or wait for ``release(template)`` when their template is gated."""

    def __init__(self, gated: tuple[str, ...] = ()) -> None:
        self.gates = {name: asyncio.Event() for name in gated}
        self.started: list[str] = []
        #: each pod's container args, as substituted
        self.args: dict[str, list[str]] = {}

    async def run(self, pod: PodSpec, context: Any, on_started: Callable[[], None]) -> PodResult:
        on_started()
        name = str(pod.template.get("name"))
        self.started.append(f"{pod.workflow_name}/{name}")
        self.args[f"{pod.workflow_name}/{name}"] = list((pod.template.get("container") or {}).get("args") or ())
        if name in self.gates:
            await self.gates[name].wait()
        return result_of(exit_code=0)

    def release(self, name: str) -> None:
        self.gates[name].set()


def workflow(name: str, main: dict[str, Any], *extra: dict[str, Any], labels: dict[str, str] | None = None,
             **spec: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, **({"labels": labels} if labels else {})}
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": meta,
            "spec": {"entrypoint": "main", "templates": [{"name": "main", **main}, *extra], **spec}}


def resource(**body: Any) -> dict[str, Any]:
    return {"resource": body}


#: a workflow of two steps: ``hold`` (a pod the test releases), then ``after``
SIBLING = workflow("sibling", {"steps": [[{"name": "hold", "template": "hold"}], [{"name": "after",
                                                                               "template": "after"}]]},
                   {"name": "hold", "container": {"image": "busybox"}},
                   {"name": "after", "container": {"image": "busybox"}}, labels={"team": "a"})


def sibling_manifest(**fields: Any) -> str:
    """A merge patch (or an apply) of the workflow ``sibling``."""
    return yaml.safe_dump({"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
                           "metadata": {"name": "sibling", **fields.pop("metadata", {})}, **fields})


Scenario = Callable[[Controller, dict[str, str]], Awaitable[None]]


def run(tmp_path: Path, workflows: list[dict[str, Any]], pods: Pods | None = None,
        during: Scenario | None = None) -> tuple[dict[str, Any], Any]:
    """Submit ``workflows`` in order to one Controller with a store; run ``during`` beside them;
    (their engines by name, the store)."""
    store = data_store(tmp_path)

    async def go() -> dict[str, Any]:
        controller = Controller(data_dir=tmp_path, store=store,
                                runtime=NodeRuntime(pods or Pods(), resource=ResourceRuntime()))
        uids = {wf["metadata"]["name"]: controller.submit(wf) for wf in workflows}
        if during is not None:
            await asyncio.wait_for(during(controller, uids), 30)
        engines = {name: await asyncio.wait_for(controller.wait(uid), 30) for name, uid in uids.items()}
        await controller.close()
        return engines

    try:
        return asyncio.run(go()), store
    finally:
        store.flush()


def node(engine: Any, display_name: str) -> dict[str, Any]:
    return next(n.to_dict() for n in engine.nodes if n.display_name == display_name)


def outputs(engine: Any, display_name: str) -> dict[str, str]:
    params = (node(engine, display_name).get("outputs") or {}).get("parameters") or []
    return {p["name"]: p["value"] for p in params}


def selected(store: Any, selector: str) -> set[str]:
    return {r.name for r in store.list_workflows(None, label_selector=selector).items}


LABEL_OUTPUTS = {"parameters": [{"name": "foo", "valueFrom": {"jsonPath": "{.metadata.labels.foo}"}},
                                {"name": "phase-label", "valueFrom": {
                                    "jqFilter": '.metadata.labels["workflows.argoproj.io/phase"]'}}]}


@pytest.mark.parametrize("patch", [
    # upstream's k8s-patch-json-workflow.yaml: the workflow names itself in the flags
    {"mergeStrategy": "json", "flags": ["workflow", "{{workflow.name}}"],
     "manifest": "- op: add\n  path: /metadata/labels/foo\n  value: bar\n"},
    {"mergeStrategy": "merge", "flags": ["workflow", "{{workflow.name}}"],
     "manifest": "metadata: {labels: {foo: bar}, annotations: {why: patched}}\n"},
    # the object named by the manifest itself
    {"mergeStrategy": "merge", "manifest": "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n"
                                           "metadata: {name: '{{workflow.name}}', labels: {foo: bar}}\n"},
], ids=["json", "merge-flags", "merge-manifest"])
def test_a_workflow_patches_its_own_labels(tmp_path: Path, patch: dict[str, Any]) -> None:
    wf = workflow("self", {**resource(action="patch", successCondition="metadata.labels.foo == bar", **patch),
                           "outputs": LABEL_OUTPUTS}, labels={"team": "a"})
    engines, store = run(tmp_path, [wf])
    engine = engines["self"]
    assert engine.phase == "Succeeded", node(engine, "self").get("message")
    # the template's outputs read the changed object; the derived labels are the store's
    assert outputs(engine, "self") == {"foo": "bar", "phase-label": "Running"}
    record = store.find_workflow("default", "self", with_nodes=False)
    assert dict(record.labels) == {"team": "a", "foo": "bar"}
    assert record.to_workflow()["metadata"]["labels"]["workflows.argoproj.io/phase"] == "Succeeded"
    assert selected(store, "foo=bar") == {"self"}
    if "annotations" in patch["manifest"]:
        assert record.manifest["metadata"]["annotations"] == {"why": "patched"}
    # the change is on the change feed (what watchers and waiters hear)
    assert "MODIFIED" in {c.kind for c in store.changes(0) if c.name == "self"}


def test_later_steps_read_the_patched_labels_and_annotations(tmp_path: Path) -> None:
    """Argo sets ``workflow.labels.*`` again at each reconciliation: a step after the patch sees it."""
    wf = workflow("self", {"steps": [[{"name": "patch", "template": "patch"}], [{"name": "echo", "template": "echo"}]]},
                  {"name": "patch", **resource(action="patch", mergeStrategy="merge", flags=["workflow", "self"],
                                               manifest="metadata: {labels: {foo: bar, team: null}, "
                                                        "annotations: {why: patched}}\n")},
                  {"name": "echo", "container": {"image": "busybox", "args": [
                      "{{workflow.labels.foo}}", "{{workflow.annotations.why}}", "{{workflow.labels}}"]}},
                  labels={"team": "a"})
    pods = Pods()
    engines, _ = run(tmp_path, [wf], pods)
    assert engines["self"].phase == "Succeeded", [(n.display_name, n.message) for n in engines["self"].nodes]
    assert pods.args["self/echo"] == ["bar", "patched", '{"foo":"bar"}']


def test_a_workflow_that_suspends_itself_holds_its_next_step(tmp_path: Path) -> None:
    wf = workflow("self", {"steps": [[{"name": "patch", "template": "patch"}], [{"name": "next", "template": "next"}]]},
                  {"name": "patch", **resource(action="patch", mergeStrategy="merge", flags=["workflow", "self"],
                                               manifest="spec: {suspend: true}\n")},
                  {"name": "next", "container": {"image": "busybox"}})
    pods = Pods()
    held: dict[str, Any] = {}

    async def during(controller: Controller, uids: dict[str, str]) -> None:
        worker = controller.workers[uids["self"]]
        await until(lambda: any(n.display_name == "patch" and n.phase == "Succeeded" for n in worker.engine.nodes),
                    "the patch step succeeded")
        await asyncio.sleep(0.3)
        held.update(suspended=worker.suspended, started=list(pods.started))
        controller.resume(uids["self"])

    engines, _ = run(tmp_path, [wf], pods, during)
    assert held == {"suspended": True, "started": []}
    assert engines["self"].phase == "Succeeded"
    assert pods.started == ["self/next"]


def test_another_workflows_labels_are_patched_and_applied_while_it_runs(tmp_path: Path) -> None:
    pods = Pods(gated=("hold",))
    parent = workflow("parent", {"steps": [[{"name": "patch", "template": "patch"}],
                                           [{"name": "apply", "template": "apply"}]]},
                      {"name": "patch", **resource(action="patch", mergeStrategy="json", flags=["wf", "sibling"],
                                                   manifest="- {op: replace, path: /metadata/labels/team, "
                                                            "value: b}\n")},
                      {"name": "apply", **resource(action="apply", manifest=sibling_manifest(
                          metadata={"labels": {"stage": "approved"}, "annotations": {"by": "parent"}}))})
    seen: dict[str, Any] = {}

    async def during(controller: Controller, uids: dict[str, str]) -> None:
        await controller.wait(uids["parent"])
        record = controller.store.find_workflow("default", "sibling", with_nodes=False)
        seen.update(phase=record.phase, labels=dict(record.labels),
                    annotations=record.manifest["metadata"].get("annotations"),
                    team_b=selected(controller.store, "team=b,stage=approved"))
        pods.release("hold")

    engines, store = run(tmp_path, [SIBLING, parent], pods, during)
    assert engines["parent"].phase == "Succeeded", [(n.display_name, n.message) for n in engines["parent"].nodes]
    # changed while it ran, and it ran on
    assert seen == {"phase": "Running", "labels": {"team": "b", "stage": "approved"},
                    "annotations": {"by": "parent"}, "team_b": {"sibling"}}
    assert engines["sibling"].phase == "Succeeded"
    assert dict(store.find_workflow("default", "sibling").labels) == {"team": "b", "stage": "approved"}


def test_replace_with_the_same_spec_replaces_labels_and_annotations_whole(tmp_path: Path) -> None:
    pods = Pods(gated=("hold",))
    replacer = workflow("replacer", resource(action="replace", manifest=sibling_manifest(
        metadata={"labels": {"tier": "gold"}, "annotations": {"by": "replacer"}}, spec=SIBLING["spec"])))

    async def during(controller: Controller, uids: dict[str, str]) -> None:
        await controller.wait(uids["replacer"])
        pods.release("hold")

    engines, store = run(tmp_path, [SIBLING, replacer], pods, during)
    assert engines["replacer"].phase == "Succeeded", node(engines["replacer"], "replacer").get("message")
    record = store.find_workflow("default", "sibling", with_nodes=False)
    assert dict(record.labels) == {"tier": "gold"}  # `team` was not in the replacement
    assert record.manifest["metadata"]["annotations"] == {"by": "replacer"}
    assert record.phase == "Succeeded"


def test_a_waiting_get_sees_a_label_another_step_sets(tmp_path: Path) -> None:
    """Argo's approval pattern: one step waits on a label of a workflow, another sets it."""
    pods = Pods(gated=("hold",))
    parent = workflow("parent", {"steps": [[{"name": "wait", "template": "wait"},
                                            {"name": "approve", "template": "approve"}]]},
                      {"name": "wait", **resource(action="get", manifest=sibling_manifest(),
                                                  successCondition="metadata.labels.stage == approved")},
                      {"name": "approve", **resource(action="patch", mergeStrategy="merge", manifest=sibling_manifest(
                          metadata={"labels": {"stage": "approved"}}))})

    async def during(controller: Controller, uids: dict[str, str]) -> None:
        await controller.wait(uids["parent"])
        pods.release("hold")

    engines, _ = run(tmp_path, [SIBLING, parent], pods, during)
    assert engines["parent"].phase == "Succeeded", [(n.display_name, n.message) for n in engines["parent"].nodes]


def test_spec_suspend_true_suspends_a_workflow_and_false_lifts_it(tmp_path: Path) -> None:
    pods = Pods(gated=("hold",))
    suspend = workflow("suspender", {**resource(action="patch", mergeStrategy="merge",
                                                manifest=sibling_manifest(spec={"suspend": True})),
                                     "outputs": {"parameters": [{"name": "suspend", "valueFrom": {
                                         "jsonPath": "{.spec.suspend}"}}]}})
    lift = workflow("lifter", resource(action="patch", mergeStrategy="json", flags=["workflow", "sibling"],
                                       manifest="- {op: replace, path: /spec/suspend, value: false}\n"))
    suspended: dict[str, Any] = {}

    async def during(controller: Controller, uids: dict[str, str]) -> None:
        await controller.wait(uids["suspender"])
        await until(lambda: controller.workers[uids["sibling"]].suspended, "the sibling is suspended")
        pods.release("hold")
        await asyncio.sleep(0.5)
        # suspended: its running pod finished, the next step does not start
        suspended["started"] = list(pods.started)
        suspended["phase"] = controller.workers[uids["sibling"]].engine.phase
        suspended["spec"] = (await controller.resources.get("Workflow", "default", "sibling"))["spec"].get("suspend")
        uids["lifter"] = controller.submit(lift)

    engines, _ = run(tmp_path, [SIBLING, suspend], pods, during)
    assert outputs(engines["suspender"], "suspender") == {"suspend": "true"}
    assert suspended == {"started": ["sibling/hold"], "phase": "Running", "spec": True}
    assert engines["lifter"].phase == "Succeeded", node(engines["lifter"], "lifter").get("message")
    assert engines["sibling"].phase == "Succeeded"
    assert pods.started == ["sibling/hold", "sibling/after"]


def test_lifting_spec_suspend_leaves_suspend_nodes_waiting(tmp_path: Path) -> None:
    """A patch of ``spec.suspend: false`` is not ``argo resume``: a suspend template still waits."""
    gate = workflow("gate", {"steps": [[{"name": "approval", "template": "approval"}]]},
                    {"name": "approval", "suspend": {}})
    patch = workflow("patch", {"steps": [[{"name": "on", "template": "on"}], [{"name": "off", "template": "off"}]]},
                     {"name": "on", **resource(action="patch", mergeStrategy="merge", flags=["workflow", "gate"],
                                               manifest="spec: {suspend: true}\n")},
                     {"name": "off", **resource(action="patch", mergeStrategy="merge", flags=["workflow", "gate"],
                                                manifest="spec: {suspend: false}\n")})
    still: dict[str, Any] = {}

    async def during(controller: Controller, uids: dict[str, str]) -> None:
        await controller.wait(uids["patch"])
        await asyncio.sleep(0.3)
        worker = controller.workers[uids["gate"]]
        still.update(suspended=worker.suspended, phase=worker.engine.phase,
                     approval=node(worker.engine, "approval")["phase"])
        controller.resume(uids["gate"])  # `argo resume` does resume it

    engines, _ = run(tmp_path, [gate, patch], Pods(), during)
    assert engines["patch"].phase == "Succeeded", [(n.display_name, n.message) for n in engines["patch"].nodes]
    assert still == {"suspended": False, "phase": "Running", "approval": "Running"}
    assert engines["gate"].phase == "Succeeded"


@pytest.mark.parametrize("strategy", ["Stop", "Terminate"])
def test_spec_shutdown_stops_or_terminates_a_workflow(tmp_path: Path, strategy: str) -> None:
    pods = Pods(gated=("hold",))
    stopper = workflow("stopper", resource(action="patch", mergeStrategy="merge",
                                           manifest=sibling_manifest(spec={"shutdown": strategy})))
    engines, _ = run(tmp_path, [SIBLING, stopper], pods)
    assert engines["stopper"].phase == "Succeeded", node(engines["stopper"], "stopper").get("message")
    sibling = engines["sibling"]
    assert sibling.phase == "Failed"
    assert sibling.message == f"Stopped with strategy '{strategy}'"
    assert pods.started == ["sibling/hold"]


REFUSED = [
    # a spec field Argo's engine would read again, here fixed when the workflow started
    ("patch", {"mergeStrategy": "merge", "manifest": sibling_manifest(
        metadata={"labels": {"team": "z"}}, spec={"parallelism": 2, "activeDeadlineSeconds": 5})},
     ("Argosy cannot change spec.activeDeadlineSeconds, spec.parallelism of Workflow \"sibling\": on a running "
      "workflow Argosy honours metadata.labels, metadata.annotations, spec.suspend")),
    ("patch", {"mergeStrategy": "json", "flags": ["workflow", "sibling"],
               "manifest": "- {op: remove, path: /spec/templates/1}\n"}, "Argosy cannot change spec.templates"),
    # replace: the whole object; what it leaves out of the spec is a change too
    ("replace", {"manifest": sibling_manifest(spec={"entrypoint": "after"})},
     "Argosy cannot change spec.entrypoint, spec.templates of Workflow"),
    ("patch", {"mergeStrategy": "merge", "manifest": sibling_manifest(
        metadata={"ownerReferences": [{"kind": "Workflow", "name": "x", "uid": "u"}]})},
     "Argosy cannot change metadata.ownerReferences"),
    ("patch", {"mergeStrategy": "merge", "manifest": sibling_manifest(spec={"shutdown": "Pause"})},
     "spec.shutdown must be one of Stop, Terminate, not 'Pause'"),
    ("patch", {"mergeStrategy": "merge", "manifest": sibling_manifest(spec={"suspend": "yes"})},
     "spec.suspend must be true or false, not 'yes'"),
    ("patch", {"mergeStrategy": "merge", "flags": ["workflow", "nope"], "manifest": "metadata: {labels: {a: b}}"},
     'no more retries Error from server (NotFound): workflows.argoproj.io "nope" not found'),
]


@pytest.mark.parametrize(("action", "body", "message"), REFUSED, ids=[
    "spec-fields", "json-templates", "replace", "owner-references", "bad-shutdown", "bad-suspend", "not-found"])
def test_a_change_argosy_does_not_honour_fails_the_node_and_changes_nothing(
        tmp_path: Path, action: str, body: dict[str, Any], message: str) -> None:
    pods = Pods(gated=("hold",))
    changer = workflow("changer", resource(action=action, **body))

    async def during(controller: Controller, uids: dict[str, str]) -> None:
        await controller.wait(uids["changer"])
        pods.release("hold")

    engines, store = run(tmp_path, [SIBLING, changer], pods, during)
    assert engines["changer"].phase == "Failed"
    got = node(engines["changer"], "changer")["message"]
    assert got.startswith("Error (exit code 64): ") and message in got, got
    # all or nothing: the labels asked for beside the refused fields are not kept either
    assert engines["sibling"].phase == "Succeeded"
    assert dict(store.find_workflow("default", "sibling").labels) == {"team": "a"}


def test_a_finished_workflow_takes_labels_and_annotations_only(tmp_path: Path) -> None:
    done = workflow("done", {"container": {"image": "busybox"}})
    relabel = workflow("relabel", resource(action="patch", mergeStrategy="merge", flags=["workflow", "done"],
                                           manifest="metadata: {labels: {kept: 'yes'}}\n"))
    resuspend = workflow("resuspend", resource(action="patch", mergeStrategy="merge", flags=["workflow", "done"],
                                               manifest="spec: {suspend: true}\n"))

    async def during(controller: Controller, uids: dict[str, str]) -> None:
        await controller.wait(uids["done"])
        for wf in (relabel, resuspend):
            await controller.wait(controller.submit(wf))

    _, store = run(tmp_path, [done], Pods(), during)
    record = store.find_workflow("default", "done", with_nodes=False)
    assert record.phase == "Succeeded" and dict(record.labels) == {"kept": "yes"}
    assert selected(store, "kept=yes,workflows.argoproj.io/completed=true") == {"done"}
    records = {r.name: r for r in store.list_workflows(None).items}
    assert records["relabel"].phase == "Succeeded"
    assert records["resuspend"].phase == "Failed"
    [message] = [n["message"] for n in store.get_workflow(records["resuspend"].uid).status["nodes"].values()]
    assert ('Argosy cannot change spec.suspend of Workflow "done": it has finished (Succeeded), and of a finished '
            "workflow Argosy changes only metadata.labels and metadata.annotations") in message


def test_a_change_read_before_another_was_written_is_refused(tmp_path: Path) -> None:
    """Two changes of one workflow, both made from the same read: the second is refused as
    Kubernetes refuses it (Conflict), so the first is not lost. (A resource node's patch or
    apply then reads the newest object and applies itself again.)"""
    from argosy.controller.live_workflow import update_workflow
    from argosy.controller.resources import StoreResources
    from argosy.errors import Conflict

    pods = Pods(gated=("hold",))
    answers: list[str] = []
    after: dict[str, Any] = {}

    async def during(controller: Controller, uids: dict[str, str]) -> None:
        await until(lambda: "sibling/hold" in pods.started, "the sibling runs its held step")
        read = await StoreResources(controller).get("Workflow", "default", "sibling")
        assert read is not None
        relabel = {**read, "metadata": {**read["metadata"], "labels": {"team": "b"}}}
        suspend = {**read, "spec": {**read["spec"], "suspend": True}}
        for answer in await asyncio.gather(update_workflow(controller, relabel), update_workflow(controller, suspend),
                                           return_exceptions=True):
            answers.append(str(answer) if isinstance(answer, Conflict) else "updated")
        record = controller.store.find_workflow("default", "sibling", with_nodes=False)
        after.update(labels=dict(record.labels), suspended=controller.workers[uids["sibling"]].suspended)
        pods.release("hold")

    engines, _ = run(tmp_path, [SIBLING], pods, during)
    assert answers == ["updated", ('Operation cannot be fulfilled on workflows.argoproj.io "sibling": the object '
                                  "has been modified; please apply your changes to the latest version and try again")]
    assert after == {"labels": {"team": "b"}, "suspended": False}
    assert engines["sibling"].phase == "Succeeded"


def test_parallel_patches_of_one_workflow_all_land(tmp_path: Path) -> None:
    pods = Pods(gated=("hold",))
    patcher = workflow("patcher", {"steps": [[{"name": "label", "template": "label"},
                                              {"name": "stage", "template": "stage"}]]},
                       {"name": "label", **resource(action="patch", mergeStrategy="merge", flags=["wf", "sibling"],
                                                   manifest="metadata: {labels: {team: c}}\n")},
                       {"name": "stage", **resource(action="patch", mergeStrategy="merge", flags=["wf", "sibling"],
                                                   manifest="metadata: {labels: {stage: done}}\n")})

    async def during(controller: Controller, uids: dict[str, str]) -> None:
        await controller.wait(uids["patcher"])
        pods.release("hold")

    engines, store = run(tmp_path, [SIBLING, patcher], pods, during)
    assert engines["patcher"].phase == "Succeeded", [(n.display_name, n.message) for n in engines["patcher"].nodes]
    assert dict(store.find_workflow("default", "sibling").labels) == {"team": "c", "stage": "done"}
