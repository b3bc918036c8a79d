"""WorkflowTemplate, ClusterWorkflowTemplate, CronWorkflow and ConfigMap services over HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from serverkit import CRON, TEMPLATE


@pytest.mark.parametrize(("base", "key", "body", "resource"), [
    ("/api/v1/workflow-templates/tpl", "template", TEMPLATE, "workflowtemplates.argoproj.io"),
    ("/api/v1/cluster-workflow-templates", "template", TEMPLATE, "clusterworkflowtemplates.argoproj.io"),
    ("/api/v1/cron-workflows/tpl", "cronWorkflow", CRON, "cronworkflows.argoproj.io"),
], ids=["WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow"])
def test_crud_and_lint(api: httpx.Client, base: str, key: str, body: dict[str, Any], resource: str) -> None:
    name = body["metadata"]["name"]
    created = api.post(base, json={key: body})
    assert created.status_code == 200, created.text
    meta = created.json()["metadata"]
    assert meta["uid"] and meta["resourceVersion"] and meta["creationTimestamp"].endswith("Z")
    assert ("namespace" in meta) == ("cluster" not in base)
    again = api.post(base, json={key: body})
    assert again.status_code == 409 and again.json() == {"code": 6, "message": f'{resource} "{name}" already exists'}
    listed = api.get(base).json()
    assert [i["metadata"]["name"] for i in listed["items"]] == [name] and "metadata" in listed
    got = api.get(f"{base}/{name}").json()
    assert got["metadata"]["uid"] == meta["uid"]
    changed = {**body, "metadata": {**body["metadata"], "labels": {"team": "b"}}}
    updated = api.put(f"{base}/{name}", json={key: changed}).json()
    assert updated["metadata"]["labels"] == {"team": "b"} and updated["metadata"]["uid"] == meta["uid"]
    assert int(updated["metadata"]["resourceVersion"]) > int(meta["resourceVersion"])
    assert api.post(f"{base}/lint", json={key: body}).status_code == 200
    bad = {**body, "metadata": {"name": "bad"}}
    bad_spec = dict(bad["spec"])
    if key == "cronWorkflow":
        bad_spec["workflowSpec"] = {**bad_spec["workflowSpec"], "entrypoint": "nope"}
    else:
        bad_spec["entrypoint"] = "nope"
    bad["spec"] = bad_spec
    linted = api.post(f"{base}/lint", json={key: bad})
    assert linted.status_code == 400 and linted.json()["code"] == 3 and "nope" in linted.json()["message"]
    assert api.post(base, json={key: bad}).status_code == 400
    assert api.delete(f"{base}/{name}").status_code == 200
    missing = api.get(f"{base}/{name}")
    assert missing.status_code == 404
    assert missing.json() == {"code": 5, "message": f'{resource} "{name}" not found'}


def test_templates_are_scoped_by_namespace(api: httpx.Client) -> None:
    api.post("/api/v1/workflow-templates/ns-one", json={"template": TEMPLATE}).raise_for_status()
    assert api.get("/api/v1/workflow-templates/ns-two/greeter").status_code == 404
    assert api.get("/api/v1/workflow-templates/ns-two").json()["items"] == []
    everywhere = api.get("/api/v1/workflow-templates/").json()["items"]
    assert ("ns-one", "greeter") in {(t["metadata"]["namespace"], t["metadata"]["name"]) for t in everywhere}


def test_cron_suspend_and_resume_set_spec_suspend(api: httpx.Client) -> None:
    api.post("/api/v1/cron-workflows/cron-ns", json={"cronWorkflow": CRON}).raise_for_status()
    suspended = api.put("/api/v1/cron-workflows/cron-ns/nightly/suspend").json()
    assert suspended["spec"]["suspend"] is True
    resumed = api.put("/api/v1/cron-workflows/cron-ns/nightly/resume").json()
    assert resumed["spec"]["suspend"] is False
    assert api.put("/api/v1/cron-workflows/cron-ns/nobody/suspend").status_code == 404


def test_configmaps_and_secrets_endpoint(api: httpx.Client) -> None:
    cm = {"metadata": {"name": "settings"}, "data": {"greeting": "hi"}}
    made = api.post("/api/v1/argosy/configmaps/cm-ns", json=cm).json()
    assert made["kind"] == "ConfigMap" and made["apiVersion"] == "v1" and made["data"] == {"greeting": "hi"}
    assert api.get("/api/v1/argosy/configmaps/cm-ns/settings").json()["data"] == {"greeting": "hi"}
    assert api.get("/api/v1/argosy/configmaps/other/settings").status_code == 404
    secret = {"metadata": {"name": "creds"}, "stringData": {"password": "s3cret"}}
    assert api.post("/api/v1/argosy/secrets/cm-ns", json=secret).status_code == 200
    assert [s["metadata"]["name"] for s in api.get("/api/v1/argosy/secrets/cm-ns").json()["items"]] == ["creds"]
