"""Child workflows through ``argosy server``: the corpus's resource-template files end as Argo's do,
a parent's children are found by label, and deleting the parent deletes what it owns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from serverkit import create, wait_done

from argosy.spec import load_paths

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "argo-examples"
#: the corpus files whose needs are ``k8s:create Workflow`` / ``k8s:get Workflow`` (expected.tsv)
FILES = ("k8s-owner-reference.yaml", "workflow-of-workflows.yaml", "k8s-wait-wf.yaml")
PARENT_UID = "argosy.io/parent-workflow-uid"


def children(api: httpx.Client, uid: str) -> list[dict[str, Any]]:
    answer = api.get("/api/v1/workflows/default", params={"listOptions.labelSelector": f"{PARENT_UID}={uid}"})
    answer.raise_for_status()
    return answer.json()["items"] or []


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"no conformance corpus at {CORPUS}")
def test_corpus_child_workflow_files_succeed_through_the_server(api: httpx.Client) -> None:
    [template] = [m for m in load_paths([CORPUS / "workflow-template" / "templates.yaml"])
                  if m.name == "workflow-template-submittable"]
    body = {k: v for k, v in template.body.items() if k not in ("apiVersion", "kind")}
    api.post("/api/v1/workflow-templates/default", json={"template": body}).raise_for_status()
    # all at once: k8s-wait-wf's child sleeps 20 s
    started = [create(api, m.body) for f in FILES for m in load_paths([CORPUS / f]) if m.kind == "Workflow"]
    for wf in started:
        done = wait_done(api, wf["metadata"]["name"], timeout=90)
        assert done["status"]["phase"] == "Succeeded", (wf["metadata"]["name"], done["status"].get("message"))
        kids = children(api, wf["metadata"]["uid"])
        assert kids
        for kid in kids:  # (a child nobody waits for may still run when its parent ends)
            assert wait_done(api, kid["metadata"]["name"])["status"]["phase"] == "Succeeded"
            node_id = kid["metadata"]["annotations"]["argosy.io/parent-node-id"]
            assert done["status"]["nodes"][node_id]["type"] == "Pod"  # the resource node that made it


CHILD = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: kid-}
spec:
  entrypoint: main
  templates:
  - {name: main, container: {image: busybox, command: [echo, hi]}}
"""


def test_deleting_a_parent_deletes_the_children_it_owns(api: httpx.Client) -> None:
    def resource(name: str, owned: bool) -> dict[str, Any]:
        return {"name": name, "resource": {"action": "create", "setOwnerReference": owned, "manifest": CHILD,
                                           "successCondition": "status.phase == Succeeded"}}

    parent = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": "owner"},
              "spec": {"entrypoint": "main", "templates": [
                  {"name": "main", "steps": [[{"name": "owned", "template": "owned"},
                                              {"name": "free", "template": "free"}]]},
                  resource("owned", True), resource("free", False)]}}
    wf = create(api, parent)
    assert wait_done(api, "owner")["status"]["phase"] == "Succeeded"
    kids = {k["metadata"]["name"]: k for k in children(api, wf["metadata"]["uid"])}
    assert len(kids) == 2
    [owned] = [n for n, k in kids.items() if k["metadata"].get("ownerReferences")]
    [free] = [n for n in kids if n != owned]
    linked = api.get("/api/v1/argosy/workflows/default/owner/children").json()["items"]
    nodes = wait_done(api, "owner")["status"]["nodes"]
    assert sorted((c["name"], nodes[c["nodeId"]]["displayName"], c["owned"], c["phase"]) for c in linked) == sorted(
        [(owned, "owned", True, "Succeeded"), (free, "free", False, "Succeeded")])
    assert api.delete("/api/v1/workflows/default/owner").status_code == 200
    assert api.get(f"/api/v1/workflows/default/{owned}").status_code == 404
    assert api.get(f"/api/v1/workflows/default/{free}").status_code == 200
    assert api.get("/api/v1/argosy/workflows/default/owner/children").status_code == 404


def test_a_resource_template_patches_workflows_through_the_server(api: httpx.Client) -> None:
    """Its own labels (upstream's k8s-patch-json-workflow.yaml), another's labels, another's
    ``spec.suspend``: seen through the API, label selectors included."""
    create(api, {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
                 "metadata": {"name": "patched", "labels": {"team": "a"}},
                 "spec": {"entrypoint": "main", "templates": [
                     {"name": "main", "steps": [[{"name": "approval", "template": "approval"}],
                                                [{"name": "work", "template": "work"}]]},
                     {"name": "approval", "suspend": {}},
                     {"name": "work", "container": {"image": "busybox", "command": ["echo", "hi"]}}]}})

    def patch(name: str, strategy: str, flags: list[str], manifest: str) -> dict[str, Any]:
        return {"name": name, "resource": {"action": "patch", "mergeStrategy": strategy, "flags": flags,
                                           "manifest": manifest}}

    since = api.get("/api/v1/workflows/default", params={"fields": "metadata"}).json()["metadata"]["resourceVersion"]
    create(api, {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": "patcher"},
                 "spec": {"entrypoint": "main", "templates": [
                     {"name": "main", "steps": [[{"name": n, "template": n} for n in ("self", "label", "suspend")]]},
                     patch("self", "json", ["workflow", "{{workflow.name}}"],
                           "- op: add\n  path: /metadata/labels/foo\n  value: bar\n"),
                     patch("label", "merge", ["workflow", "patched"], "metadata: {labels: {team: b}}\n"),
                     patch("suspend", "merge", ["workflow", "patched"], "spec: {suspend: true}\n")]}})
    done = wait_done(api, "patcher")
    assert done["status"]["phase"] == "Succeeded", {n["displayName"]: n.get("message")
                                                    for n in done["status"]["nodes"].values()}

    def selected(selector: str) -> list[str]:
        answer = api.get("/api/v1/workflows/default", params={"listOptions.labelSelector": selector})
        answer.raise_for_status()
        return sorted(w["metadata"]["name"] for w in answer.json()["items"] or [])

    assert selected("foo=bar") == ["patcher"]
    assert selected("team=b") == ["patched"]
    assert selected("team=a") == []
    patched = api.get("/api/v1/workflows/default/patched").json()
    assert patched["metadata"]["labels"]["team"] == "b"
    assert patched["spec"].get("suspend") is True and patched["status"]["phase"] == "Running"
    # a watch from before the patch hears it (the stream coalesces: its first event of a workflow
    # is ADDED, with the newest state)
    labels: list[str | None] = []
    with api.stream("GET", "/api/v1/workflow-events/default", timeout=30, params={
            "listOptions.resourceVersion": since, "listOptions.fieldSelector": "metadata.name=patched"}) as response:
        for line in response.iter_lines():
            if line.strip():
                labels.append(json.loads(line)["result"]["object"]["metadata"].get("labels", {}).get("team"))
                if labels[-1] == "b":
                    break
    assert labels[-1] == "b"
    assert api.put("/api/v1/workflows/default/patched/resume", json={}).status_code == 200
    assert wait_done(api, "patched")["status"]["phase"] == "Succeeded"
