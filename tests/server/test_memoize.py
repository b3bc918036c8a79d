"""Memoization through ``argosy server``: caches as Argo's cache ConfigMaps, and ``resubmit --memoized``."""

from __future__ import annotations

import json
from typing import Any

import httpx
from serverkit import create, wait_done

CACHE_LABEL = "workflows.argoproj.io/configmap-type"


def memoized(name: str, cache: str, key: str = "k", command: str = "date +%s%N > /tmp/out") -> dict[str, Any]:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": name},
            "spec": {"entrypoint": "main", "templates": [{
                "name": "main",
                "memoize": {"key": key, "maxAge": "1h", "cache": {"configMap": {"name": cache}}},
                "container": {"image": "busybox", "command": ["sh", "-c", command]},
                "outputs": {"parameters": [{"name": "out", "valueFrom": {"path": "/tmp/out"}}]}}]}}


def root(wf: dict[str, Any]) -> dict[str, Any]:
    return wf["status"]["nodes"][wf["metadata"]["name"]]


def test_a_cache_is_shared_by_workflows_and_shown_as_argos_cache_configmap(api: httpx.Client) -> None:
    create(api, memoized("memo-one", "shared"))
    first = root(wait_done(api, "memo-one"))
    create(api, memoized("memo-two", "shared"))
    second = root(wait_done(api, "memo-two"))
    assert first["memoizationStatus"] == {"hit": False, "key": "k", "cacheName": "shared"}
    assert second["memoizationStatus"] == {"hit": True, "key": "k", "cacheName": "shared"}
    assert second["outputs"]["parameters"] == first["outputs"]["parameters"]

    cm = api.get("/api/v1/argosy/configmaps/default/shared").json()
    assert cm["kind"] == "ConfigMap" and cm["metadata"]["labels"] == {CACHE_LABEL: "Cache"}
    entry = json.loads(cm["data"]["k"])
    assert entry["nodeID"] == first["id"] and entry["outputs"]["parameters"] == first["outputs"]["parameters"]
    assert entry["creationTimestamp"].endswith("Z") and entry["lastHitTimestamp"].endswith("Z")
    caches = api.get("/api/v1/argosy/configmaps/default",
                     params={"listOptions.labelSelector": f"{CACHE_LABEL}=Cache"}).json()["items"]
    assert "shared" in [c["metadata"]["name"] for c in caches]
    everything = api.get("/api/v1/argosy/configmaps/").json()["items"]
    assert ("default", "shared") in [(c["metadata"]["namespace"], c["metadata"]["name"]) for c in everything]

    # deleting the ConfigMap empties the cache: the next run runs again
    assert api.delete("/api/v1/argosy/configmaps/default/shared").status_code == 200
    assert api.get("/api/v1/argosy/configmaps/default/shared").status_code == 404
    create(api, memoized("memo-three", "shared"))
    assert root(wait_done(api, "memo-three"))["memoizationStatus"]["hit"] is False


def test_a_cache_configmap_put_through_the_api_is_used(api: httpx.Client) -> None:
    entry = {"nodeID": "memoized-hdckj", "outputs": {"parameters": [{"name": "out", "value": "different world"}]},
             "creationTimestamp": "2099-01-01T00:00:00Z", "lastHitTimestamp": "2099-01-01T00:00:00Z"}
    cm = {"metadata": {"name": "seeded", "labels": {CACHE_LABEL: "Cache"}}, "data": {"k": json.dumps(entry)}}
    made = api.post("/api/v1/argosy/configmaps/default", json=cm)
    assert made.status_code == 200, made.text
    assert json.loads(made.json()["data"]["k"])["nodeID"] == "memoized-hdckj"
    create(api, memoized("memo-seeded", "seeded"))
    node = root(wait_done(api, "memo-seeded"))
    assert node["memoizationStatus"]["hit"] is True
    assert node["outputs"]["parameters"] == [{"name": "out", "value": "different world"}]
    bad = {"metadata": {"name": "broken", "labels": {CACHE_LABEL: "Cache"}}, "data": {"k": "{not json"}}
    answer = api.post("/api/v1/argosy/configmaps/default", json=bad)
    assert answer.status_code == 400 and "malformed cache entry" in answer.json()["message"]


def test_a_plain_configmap_of_the_cache_name_is_refused(api: httpx.Client) -> None:
    plain = {"metadata": {"name": "settings-not-cache"}, "data": {"k": "v"}}
    api.post("/api/v1/argosy/configmaps/default", json=plain).raise_for_status()
    create(api, memoized("memo-refused", "settings-not-cache"))
    node = root(wait_done(api, "memo-refused"))
    assert node["phase"] == "Error"
    assert node["message"] == (f"memoization configmap doesn't have {CACHE_LABEL} label, refusing to use it")
    # and it is still the plain ConfigMap it was
    assert api.get("/api/v1/argosy/configmaps/default/settings-not-cache").json()["data"] == {"k": "v"}


def two_steps(name: str) -> dict[str, Any]:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": name},
            "spec": {"entrypoint": "main", "arguments": {"parameters": [{"name": "fail", "value": "yes"}]},
                     "templates": [
                         {"name": "main", "steps": [
                             [{"name": "stamp", "template": "stamp"}],
                             [{"name": "check", "template": "check",
                               "arguments": {"parameters": [{"name": "v", "value": "{{steps.stamp.outputs.result}}"}]}}]]},
                         {"name": "stamp", "container": {"image": "busybox", "command": ["sh", "-c", "date +%s%N"]}},
                         {"name": "check", "inputs": {"parameters": [{"name": "v"}]},
                          "container": {"image": "busybox", "command": [
                              "sh", "-c", "echo {{inputs.parameters.v}}; test {{workflow.parameters.fail}} = no"]}}]}}


def test_resubmit_memoized_reuses_what_succeeded(api: httpx.Client) -> None:
    create(api, two_steps("resub"))
    failed = wait_done(api, "resub")
    assert failed["status"]["phase"] == "Failed"
    old = {n["displayName"]: n for n in failed["status"]["nodes"].values()}
    answer = api.put("/api/v1/workflows/default/resub/resubmit", json={"memoized": True, "parameters": ["fail=no"]})
    assert answer.status_code == 200, answer.text
    name = answer.json()["metadata"]["name"]
    assert name.startswith("resub-") and answer.json()["metadata"]["labels"][
        "workflows.argoproj.io/resubmitted-from-workflow"] == "resub"
    done = wait_done(api, name)
    assert done["status"]["phase"] == "Succeeded"
    new = {n["displayName"]: n for n in done["status"]["nodes"].values()}
    stamp = new["stamp"]
    # the step that succeeded did not run again: Argo's Skipped "original pod", its outputs kept
    assert (stamp["type"], stamp["phase"]) == ("Skipped", "Skipped")
    assert stamp["message"] == f"original pod: {old['stamp']['id']}"
    assert stamp["outputs"]["result"] == old["stamp"]["outputs"]["result"]
    check = new["check"]
    assert (check["type"], check["phase"]) == ("Pod", "Succeeded")
    assert check["inputs"]["parameters"] == [{"name": "v", "value": old["stamp"]["outputs"]["result"]}]
    assert all(n["id"].startswith(name) for n in new.values())
    # only a Failed or Errored workflow is resubmitted memoized
    refused = api.put(f"/api/v1/workflows/default/{name}/resubmit", json={"memoized": True})
    assert refused.status_code == 400 and "Failed/Error" in refused.json()["message"]


def test_resubmit_memoized_of_an_archived_workflow(api: httpx.Client, server) -> None:
    from argosy.store import open_store

    created = create(api, two_steps("arch-memo"))
    assert wait_done(api, "arch-memo")["status"]["phase"] == "Failed"
    uid = created["metadata"]["uid"]
    store = open_store(server.store_location)  # the server's backend: SQLite or PostgreSQL
    try:
        assert store.archive_workflow(uid) is not None
    finally:
        store.close()
    assert api.delete("/api/v1/workflows/default/arch-memo").status_code == 200
    answer = api.put(f"/api/v1/archived-workflows/{uid}/resubmit",
                     json={"uid": uid, "namespace": "default", "memoized": True, "parameters": ["fail=no"]})
    assert answer.status_code == 200, answer.text
    done = wait_done(api, answer.json()["metadata"]["name"])
    assert done["status"]["phase"] == "Succeeded"
    stamp = next(n for n in done["status"]["nodes"].values() if n["displayName"] == "stamp")
    assert (stamp["type"], stamp["phase"]) == ("Skipped", "Skipped")
