"""Workflow operations over HTTP: submit from templates, stop, terminate, suspend, resume, set,
resubmit, retry; and workflows that read the server's ConfigMaps."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from serverkit import CRON, TEMPLATE, create, hello, wait_done

from argosy.controller.recovery import can_restore


def node_named(wf: dict[str, Any], display: str) -> dict[str, Any]:
    return next(n for n in wf["status"]["nodes"].values() if n["displayName"] == display)


def wait_for(api: httpx.Client, name: str, check: Any, namespace: str = "default", timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        wf = api.get(f"/api/v1/workflows/{namespace}/{name}").json()
        if check(wf):
            return wf
        time.sleep(0.05)
    raise AssertionError(f"{name}: condition not met: {wf.get('status')}")


def has_node(display: str, phase: str):
    return lambda wf: any(n["displayName"] == display and n["phase"] == phase
                          for n in (wf.get("status", {}).get("nodes") or {}).values())


@pytest.mark.parametrize(("kind", "base", "key", "body", "label"), [
    ("WorkflowTemplate", "/api/v1/workflow-templates/sub", "template", TEMPLATE,
     "workflows.argoproj.io/workflow-template"),
    ("ClusterWorkflowTemplate", "/api/v1/cluster-workflow-templates", "template",
     {**TEMPLATE, "metadata": {"name": "cluster-greeter"}}, "workflows.argoproj.io/cluster-workflow-template"),
    ("CronWorkflow", "/api/v1/cron-workflows/sub", "cronWorkflow", CRON, "workflows.argoproj.io/cron-workflow"),
], ids=["WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow"])
def test_submit_from(api: httpx.Client, kind: str, base: str, key: str, body: dict, label: str) -> None:
    api.post(base, json={key: body}).raise_for_status()
    name = body["metadata"]["name"]
    answer = api.post("/api/v1/workflows/sub/submit", json={
        "resourceKind": kind.lower() if kind == "WorkflowTemplate" else kind, "resourceName": name,
        "submitOptions": {"parameters": ["who=argosy"], "labels": "via=api"}})
    assert answer.status_code == 200, answer.text
    wf = answer.json()
    assert wf["metadata"]["name"].startswith(f"{name}-")
    assert wf["metadata"]["labels"][label] == name and wf["metadata"]["labels"]["via"] == "api"
    done = wait_done(api, wf["metadata"]["name"], "sub")
    assert done["status"]["phase"] == "Succeeded"
    assert {"name": "who", "value": "argosy"} in done["spec"]["arguments"]["parameters"] or \
        node_named(done, done["metadata"]["name"])["inputs"]["parameters"] == [{"name": "who", "value": "argosy"}]


def test_submit_of_a_missing_template_is_404(api: httpx.Client) -> None:
    answer = api.post("/api/v1/workflows/sub/submit", json={"resourceKind": "WorkflowTemplate",
                                                           "resourceName": "ghost"})
    assert answer.status_code == 404 and answer.json()["code"] == 5


@pytest.mark.parametrize(("verb", "phase", "shutdown"), [("stop", "Failed", "Stop"),
                                                         ("terminate", "Failed", "Terminate")])
def test_stop_and_terminate_end_a_running_workflow(api: httpx.Client, verb: str, phase: str,
                                                   shutdown: str) -> None:
    name = f"long-{verb}"
    create(api, hello(name, command="sleep 60"))
    wait_for(api, name, has_node(name, "Running"))
    answer = api.put(f"/api/v1/workflows/default/{name}/{verb}", json={})
    assert answer.status_code == 200 and answer.json()["spec"]["shutdown"] == shutdown
    assert wait_done(api, name)["status"]["phase"] == phase
    again = api.put(f"/api/v1/workflows/default/{name}/{verb}", json={})
    assert again.status_code == 400 and again.json()["code"] == 9


STEPS = {
    "metadata": {"name": "gated"},
    "spec": {"entrypoint": "main", "templates": [
        {"name": "main", "steps": [[{"name": "approve", "template": "wait"}], [{"name": "after", "template": "echo"}]]},
        {"name": "wait", "suspend": {}, "outputs": {"parameters": [{"name": "choice", "valueFrom": {"supplied": {}}}]}},
        {"name": "echo", "container": {"image": "busybox", "command": ["echo", "done"]}},
    ]},
}


def test_resume_by_node_field_selector(api: httpx.Client) -> None:
    create(api, STEPS)
    wait_for(api, "gated", has_node("approve", "Running"))
    answer = api.put("/api/v1/workflows/default/gated/resume", json={"nodeFieldSelector": "displayName=approve"})
    assert answer.status_code == 200, answer.text
    done = wait_done(api, "gated")
    assert done["status"]["phase"] == "Succeeded"


def test_set_ends_a_suspend_node_with_its_outputs(api: httpx.Client) -> None:
    create(api, {**STEPS, "metadata": {"name": "gated-set"}})
    wait_for(api, "gated-set", has_node("approve", "Running"))
    answer = api.put("/api/v1/workflows/default/gated-set/set", json={
        "nodeFieldSelector": "displayName=approve", "phase": "Succeeded",
        "outputParameters": '{"choice": "yes"}'})
    assert answer.status_code == 200, answer.text
    done = wait_done(api, "gated-set")
    assert done["status"]["phase"] == "Succeeded"
    assert node_named(done, "approve")["outputs"]["parameters"][0]["value"] == "yes"


@pytest.mark.parametrize(("body", "message"), [
    ({"nodeFieldSelector": "displayName=after", "phase": "Succeeded"}, "currently, set only targets suspend nodes"),
    ({"nodeFieldSelector": "displayName=approve", "outputParameters": '{"other": "x"}'},
     "node is not expecting output parameter 'other'"),
], ids=["not-a-suspend-node", "undeclared-output"])
def test_set_follows_argos_rules(api: httpx.Client, body: dict[str, str], message: str) -> None:
    name = f"gated-rules-{len(message)}"
    create(api, {**STEPS, "metadata": {"name": name}})
    wait_for(api, name, has_node("approve", "Running"))
    refused = api.put(f"/api/v1/workflows/default/{name}/set", json=body)
    assert (refused.status_code, refused.json()["message"]) == (400, message)
    # nothing was set: the suspend node still waits, and a resume ends the workflow
    assert node_named(api.get(f"/api/v1/workflows/default/{name}").json(), "approve")["phase"] == "Running"
    api.put(f"/api/v1/workflows/default/{name}/resume", json={}).raise_for_status()
    assert wait_done(api, name)["status"]["phase"] == "Succeeded"


def test_suspend_holds_new_pods_until_resume(api: httpx.Client) -> None:
    wf = {"metadata": {"name": "held"}, "spec": {"entrypoint": "main", "templates": [
        {"name": "main", "steps": [[{"name": "first", "template": "nap"}], [{"name": "second", "template": "nap"}]]},
        {"name": "nap", "container": {"image": "busybox", "command": ["sh", "-c", "sleep 0.5"]}},
    ]}}
    create(api, wf)
    wait_for(api, "held", has_node("first", "Running"))
    suspended = api.put("/api/v1/workflows/default/held/suspend", json={})
    assert suspended.status_code == 200 and suspended.json()["spec"]["suspend"] is True
    wait_for(api, "held", has_node("first", "Succeeded"))
    time.sleep(0.5)
    held = api.get("/api/v1/workflows/default/held").json()
    assert held["spec"]["suspend"] is True
    assert all(n["phase"] != "Running" for n in held["status"]["nodes"].values() if n["type"] == "Pod")
    assert held["status"]["phase"] == "Running"
    api.put("/api/v1/workflows/default/held/resume", json={}).raise_for_status()
    done = wait_done(api, "held")
    assert done["status"]["phase"] == "Succeeded" and "suspend" not in done["spec"]


def test_resubmit_makes_a_new_workflow_from_the_same_spec(api: httpx.Client) -> None:
    create(api, hello("original", labels={"team": "a"}))
    wait_done(api, "original")
    answer = api.put("/api/v1/workflows/default/original/resubmit", json={})
    assert answer.status_code == 200, answer.text
    again = answer.json()
    assert again["metadata"]["name"].startswith("original-")
    labels = again["metadata"]["labels"]
    assert labels["team"] == "a" and labels["workflows.argoproj.io/resubmitted-from-workflow"] == "original"
    assert wait_done(api, again["metadata"]["name"])["status"]["phase"] == "Succeeded"
    memo = api.put("/api/v1/workflows/default/original/resubmit", json={"memoized": True})
    assert memo.status_code == 400 and "Failed/Error" in memo.json()["message"]


def test_retry_refuses_a_workflow_that_did_not_fail(api: httpx.Client) -> None:
    create(api, hello("fine-retry"))
    wait_done(api, "fine-retry")
    answer = api.put("/api/v1/workflows/default/fine-retry/retry", json={})
    assert answer.status_code == 400 and "Failed/Error" in answer.json()["message"]


def test_retry_of_a_failed_workflow(api: httpx.Client) -> None:
    create(api, hello("flaky", command="exit 1"))
    assert wait_done(api, "flaky")["status"]["phase"] == "Failed"
    answer = api.put("/api/v1/workflows/default/flaky/retry", json={})
    if not can_restore():
        assert answer.status_code == 400 and answer.json()["code"] == 9 and "restore" in answer.json()["message"]
        return
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"]["phase"] == "Running"
    assert wait_done(api, "flaky")["status"]["phase"] == "Failed"


def test_workflow_reads_a_configmap_put_through_the_api(api: httpx.Client) -> None:
    api.post("/api/v1/argosy/configmaps/cfg", json={"metadata": {"name": "settings"},
                                                   "data": {"greeting": "from-configmap"}}).raise_for_status()
    wf = {"metadata": {"name": "reads-cm"}, "spec": {"entrypoint": "main", "templates": [{
        "name": "main", "inputs": {"parameters": [{"name": "g", "valueFrom": {
            "configMapKeyRef": {"name": "settings", "key": "greeting"}}}]},
        "container": {"image": "busybox", "command": ["echo", "{{inputs.parameters.g}}"]}}]}}
    create(api, wf, namespace="cfg")
    done = wait_done(api, "reads-cm", "cfg")
    assert done["status"]["phase"] == "Succeeded", done["status"]
    assert node_named(done, "reads-cm")["inputs"]["parameters"][0]["value"] == "from-configmap"


def test_retry_with_parameters_runs_the_failed_step_again(api: httpx.Client) -> None:
    if not can_restore():
        pytest.skip("this engine cannot restore a workflow from its status")
    wf = {"metadata": {"name": "retry-params"}, "spec": {
        "entrypoint": "main", "arguments": {"parameters": [{"name": "code", "value": "1"}]},
        "templates": [
            {"name": "main", "steps": [[{"name": "ok", "template": "run", "arguments": {"parameters": [
                {"name": "code", "value": "0"}]}}],
                [{"name": "flaky", "template": "run", "arguments": {"parameters": [
                    {"name": "code", "value": "{{workflow.parameters.code}}"}]}}]]},
            {"name": "run", "inputs": {"parameters": [{"name": "code"}]},
             "container": {"image": "busybox", "command": ["sh", "-c", "exit {{inputs.parameters.code}}"]}}]}}
    create(api, wf)
    failed = wait_done(api, "retry-params")
    assert failed["status"]["phase"] == "Failed"
    ok_before = node_named(failed, "ok")
    answer = api.put("/api/v1/workflows/default/retry-params/retry", json={"parameters": ["code=0"]})
    assert answer.status_code == 200, answer.text
    done = wait_done(api, "retry-params")
    assert done["status"]["phase"] == "Succeeded", done["status"]
    assert node_named(done, "ok")["id"] == ok_before["id"]
    assert node_named(done, "ok")["startedAt"] == ok_before["startedAt"]  # kept, not run again
    assert node_named(done, "flaky")["phase"] == "Succeeded"


def test_workflow_template_ref_resolves_in_its_own_namespace(api: httpx.Client) -> None:
    api.post("/api/v1/workflow-templates/refs", json={"template": TEMPLATE}).raise_for_status()
    wf = {"metadata": {"name": "by-ref"}, "spec": {"workflowTemplateRef": {"name": "greeter"},
                                                  "arguments": {"parameters": [{"name": "who", "value": "ref"}]}}}
    create(api, wf, namespace="refs")
    assert wait_done(api, "by-ref", "refs")["status"]["phase"] == "Succeeded"
    elsewhere = api.post("/api/v1/workflows/no-templates-here", json={"workflow": wf})
    assert elsewhere.status_code == 400 and elsewhere.json()["code"] == 3
    assert 'workflowtemplates.argoproj.io "greeter" not found' in elsewhere.json()["message"]
