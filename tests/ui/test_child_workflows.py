"""A resource node that created a Workflow links to it from its panel, and the child links
back to the node, through the labels and annotations the resource runtime writes (the
contract in CONTRACTS.md: ``argosy.io/parent-workflow-uid``, ``…/parent-workflow``,
``…/parent-node-id``)."""

from __future__ import annotations

import uuid
from typing import Any

from playwright.sync_api import expect
from serverkit import RunningServer
from uikit import seed

T0, T1 = "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z"


def _workflow(name: str, templates: list[dict[str, Any]], nodes: list[dict[str, Any]], *,
              labels: dict[str, str] | None = None, annotations: dict[str, str] | None = None,
              ) -> tuple[dict[str, Any], dict[str, Any]]:
    manifest = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
                "metadata": {"name": name, "namespace": "default", "uid": str(uuid.uuid4()),
                             "labels": labels or {}, "annotations": annotations or {}},
                "spec": {"entrypoint": templates[0]["name"], "templates": templates}}
    status = {"phase": "Succeeded", "startedAt": T0, "finishedAt": T1,
              "nodes": {n["id"]: {"startedAt": T0, "finishedAt": T1, "phase": "Succeeded", **n} for n in nodes}}
    return manifest, status


def test_a_resource_node_links_to_its_child_workflow_and_back(page: Any, server: RunningServer) -> None:
    child_spec = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"generateName": "child-"}}
    parent, parent_status = _workflow("parent-wf", [
        {"name": "main", "steps": [[{"name": "make-child", "template": "make"}, {"name": "plain", "template": "echo"}]]},
        {"name": "make", "resource": {"action": "create", "manifest": str(child_spec)}},
        {"name": "echo", "container": {"image": "busybox", "command": ["true"]}},
    ], [
        {"id": "parent-wf", "name": "parent-wf", "displayName": "parent-wf", "type": "Steps", "templateName": "main",
         "children": ["parent-wf-1"]},
        {"id": "parent-wf-1", "name": "parent-wf[0]", "displayName": "[0]", "type": "StepGroup",
         "children": ["parent-wf-2", "parent-wf-3"]},
        {"id": "parent-wf-2", "name": "parent-wf[0].make-child", "displayName": "make-child", "type": "Pod",
         "templateName": "make"},
        {"id": "parent-wf-3", "name": "parent-wf[0].plain", "displayName": "plain", "type": "Pod",
         "templateName": "echo"},
    ])
    seed(server.data_dir, parent, parent_status)
    uid = parent["metadata"]["uid"]
    links = {"labels": {"argosy.io/parent-workflow-uid": uid},
             "annotations": {"argosy.io/parent-workflow": "parent-wf", "argosy.io/parent-node-id": "parent-wf-2"}}
    seed(server.data_dir, *_workflow("child-abcde", [{"name": "main", "container": {"image": "busybox"}}], [
        {"id": "child-abcde", "name": "child-abcde", "displayName": "child-abcde", "type": "Pod", "templateName": "main"},
    ], **links))
    # another parent's child and a child of another node of this parent are not this node's
    seed(server.data_dir, *_workflow("not-mine", [{"name": "main", "container": {"image": "busybox"}}], [
        {"id": "not-mine", "name": "not-mine", "displayName": "not-mine", "type": "Pod", "templateName": "main"},
    ], labels={"argosy.io/parent-workflow-uid": str(uuid.uuid4())},
        annotations={"argosy.io/parent-workflow": "other", "argosy.io/parent-node-id": "parent-wf-2"}))

    page.goto("/workflows/default/parent-wf")
    page.locator("svg.graph g.node[data-label=make-child]").click()
    link = page.locator("aside.panel a.child")
    expect(link).to_have_text("child-abcde")
    expect(link).to_have_count(1)
    expect(page.locator("aside.panel dd.children .phase")).to_have_text("Succeeded")
    # a node of a container template makes no workflow: no link
    page.locator("svg.graph g.node[data-label=plain]").click()
    expect(page.locator("aside.panel")).to_have_attribute("data-node", "plain")
    expect(page.locator("aside.panel a.child")).to_have_count(0)
    page.locator("svg.graph g.node[data-label=make-child]").click()
    page.locator("aside.panel a.child").click()
    expect(page).to_have_url(f"{server.url}/workflows/default/child-abcde")
    # and back to the node that made it
    page.locator("a.parent").click()
    expect(page).to_have_url(f"{server.url}/workflows/default/parent-wf?nodeId=parent-wf-2")
    expect(page.locator("aside.panel")).to_have_attribute("data-node", "make-child")
