"""ArchivedWorkflow service over real HTTP: list (filters, paging), get, delete, label keys
and values; archived workflows are seeded through the store the server reads."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from archivekit import seed
from serverkit import RunningServer, start_server

from argosy.controller.recovery import can_restore
from argosy.store import open_store


@pytest.fixture(scope="module")
def archived(server: RunningServer) -> Iterator[dict[str, str]]:
    yield {
        "a1": seed(server.store_location, "arch-one", labels={"team": "red"}),
        "a2": seed(server.store_location, "arch-two", phase="Failed", labels={"team": "blue"}),
        "a3": seed(server.store_location, "other-three", namespace="ns2", labels={"team": "red", "tier": "x"}),
    }


def names(body: dict) -> set[str]:
    return {item["metadata"]["name"] for item in body["items"]}


@pytest.mark.parametrize(("query", "expected"), [
    ({}, {"arch-one", "arch-two", "other-three"}),
    ({"namespace": "default"}, {"arch-one", "arch-two"}),
    ({"namePrefix": "arch-"}, {"arch-one", "arch-two"}),
    ({"listOptions.labelSelector": "team=red"}, {"arch-one", "other-three"}),
    ({"listOptions.labelSelector": "workflows.argoproj.io/phase=Failed"}, {"arch-two"}),
    ({"listOptions.fieldSelector": "metadata.name=arch-one"}, {"arch-one"}),
], ids=["all", "namespace", "namePrefix", "label", "phase-label", "field"])
def test_list_filters(api: httpx.Client, archived: dict[str, str], query: dict, expected: set[str]) -> None:
    response = api.get("/api/v1/archived-workflows", params=query)
    assert response.status_code == 200
    body = response.json()
    assert names(body) == expected
    assert "metadata" in body
    assert all("nodes" not in item.get("status", {}) for item in body["items"])


def test_list_pages(api: httpx.Client, archived: dict[str, str]) -> None:
    seen: list[str] = []
    token = None
    while True:
        params = {"listOptions.limit": "2"} | ({"listOptions.continue": token} if token else {})
        body = api.get("/api/v1/archived-workflows", params=params).json()
        assert len(body["items"]) <= 2
        seen += [i["metadata"]["name"] for i in body["items"]]
        token = body["metadata"].get("continue")
        if not token:
            break
    assert sorted(seen) == sorted(set(seen)) and {"arch-one", "arch-two", "other-three"} <= set(seen)


def test_get_has_nodes_and_argo_fields(api: httpx.Client, archived: dict[str, str]) -> None:
    body = api.get(f"/api/v1/archived-workflows/{archived['a1']}").json()
    assert body["metadata"]["uid"] == archived["a1"]
    assert body["metadata"]["labels"]["team"] == "red"
    assert body["status"]["phase"] == "Succeeded"
    assert "arch-one" in body["status"]["nodes"]
    assert body["metadata"]["creationTimestamp"].endswith("Z")


@pytest.mark.parametrize("path", ["/api/v1/archived-workflows/no-such-uid"])
def test_get_unknown_is_grpc_not_found(api: httpx.Client, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == 5 and "no-such-uid" in response.json()["message"]


def test_get_in_other_namespace_is_not_found(api: httpx.Client, archived: dict[str, str]) -> None:
    assert api.get(f"/api/v1/archived-workflows/{archived['a3']}", params={"namespace": "default"}).status_code == 404
    assert api.get(f"/api/v1/archived-workflows/{archived['a3']}", params={"namespace": "ns2"}).status_code == 200


def test_label_keys_and_values(api: httpx.Client, archived: dict[str, str]) -> None:
    keys = api.get("/api/v1/archived-workflows-label-keys").json()["items"]
    assert {"team", "tier", "workflows.argoproj.io/phase"} <= set(keys)
    values = api.get("/api/v1/archived-workflows-label-values",
                     params={"listOptions.labelSelector": "team"}).json()["items"]
    assert values == ["blue", "red"]
    missing = api.get("/api/v1/archived-workflows-label-values")
    assert missing.status_code == 400 and missing.json()["code"] == 3


def test_delete(api: httpx.Client, server: RunningServer) -> None:
    uid = seed(server.store_location, "arch-doomed")
    assert api.delete(f"/api/v1/archived-workflows/{uid}").status_code == 200
    assert api.get(f"/api/v1/archived-workflows/{uid}").status_code == 404
    again = api.delete(f"/api/v1/archived-workflows/{uid}")
    assert again.status_code == 404 and again.json()["code"] == 5


def finished_and_archived(api: httpx.Client, server: RunningServer, name: str, command: str) -> str:
    """Run a workflow through the API, archive it, delete the live copy; its uid."""
    wf = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": name},
          "spec": {"entrypoint": "main", "templates": [
              {"name": "main", "container": {"image": "alpine", "command": ["sh", "-c", command]}}]}}
    uid = api.post("/api/v1/workflows/default", json={"workflow": wf}).json()["metadata"]["uid"]
    wait_finished(api, name)
    store = open_store(server.store_location)
    try:
        assert store.archive_workflow(uid) is not None
    finally:
        store.close()
    assert api.delete(f"/api/v1/workflows/default/{name}").status_code == 200
    return uid


def wait_finished(api: httpx.Client, name: str) -> dict:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        wf = api.get(f"/api/v1/workflows/default/{name}").json()
        if wf.get("status", {}).get("phase") in ("Succeeded", "Failed", "Error"):
            return wf
        time.sleep(0.05)
    raise AssertionError(f"{name} did not finish")


def test_resubmit_makes_a_new_live_workflow_from_the_archived_spec(api: httpx.Client, server: RunningServer) -> None:
    uid = finished_and_archived(api, server, "arch-resub", "exit 0")
    answer = api.put(f"/api/v1/archived-workflows/{uid}/resubmit", json={"uid": uid, "namespace": "default"})
    assert answer.status_code == 200, answer.text
    wf = answer.json()
    assert wf["metadata"]["name"].startswith("arch-resub-") and wf["metadata"]["uid"] != uid
    assert wf["metadata"]["labels"]["workflows.argoproj.io/resubmitted-from-workflow"] == "arch-resub"
    assert wait_finished(api, wf["metadata"]["name"])["status"]["phase"] == "Succeeded"


@pytest.mark.skipif(not can_restore(), reason="retry needs the engine's Reconciler.restore (h-engine)")
def test_retry_runs_the_archived_workflow_again_under_its_name(api: httpx.Client, server: RunningServer) -> None:
    uid = finished_and_archived(api, server, "arch-retry", "exit 1")
    answer = api.put(f"/api/v1/archived-workflows/{uid}/retry", json={"uid": uid, "namespace": "default"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["metadata"]["name"] == "arch-retry"
    assert wait_finished(api, "arch-retry")["metadata"]["uid"] == uid
    # a live workflow of that name now exists: a second retry is refused as Argo refuses it
    again = api.put(f"/api/v1/archived-workflows/{uid}/retry", json={"uid": uid, "namespace": "default"})
    assert again.status_code == 409 and again.json()["code"] == 6


def test_retry_of_a_succeeded_archived_workflow_is_invalid(api: httpx.Client, archived: dict[str, str]) -> None:
    answer = api.put(f"/api/v1/archived-workflows/{archived['a1']}/retry", json={})
    assert answer.status_code == 400 and answer.json()["code"] == 3


def test_a_namespaced_server_shows_only_its_namespace_archive(tmp_path: Path) -> None:
    running = start_server(tmp_path, "--namespaced", "--namespace", "team")
    try:
        mine = seed(tmp_path, "ours", namespace="team")
        theirs = seed(tmp_path, "theirs", namespace="other", labels={"secret": "x"})
        with running.client() as api:
            assert names(api.get("/api/v1/archived-workflows").json()) == {"ours"}
            assert api.get(f"/api/v1/archived-workflows/{mine}").status_code == 200
            denied = api.get(f"/api/v1/archived-workflows/{theirs}")
            assert denied.status_code == 403 and denied.json()["code"] == 7
            assert api.get("/api/v1/archived-workflows", params={"namespace": "other"}).status_code == 403
            assert "secret" not in api.get("/api/v1/archived-workflows-label-keys").json()["items"]
    finally:
        running.stop()
