"""ArchivedWorkflow service over real HTTP: list (filters, paging), get, delete, label keys
and values; archived workflows are seeded through the store the server reads."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from archivekit import seed
from serverkit import RunningServer


@pytest.fixture(scope="module")
def archived(server: RunningServer) -> Iterator[dict[str, str]]:
    yield {
        "a1": seed(server.data_dir, "arch-one", labels={"team": "red"}),
        "a2": seed(server.data_dir, "arch-two", phase="Failed", labels={"team": "blue"}),
        "a3": seed(server.data_dir, "other-three", namespace="ns2", labels={"team": "red", "tier": "x"}),
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
    uid = seed(server.data_dir, "arch-doomed")
    assert api.delete(f"/api/v1/archived-workflows/{uid}").status_code == 200
    assert api.get(f"/api/v1/archived-workflows/{uid}").status_code == 404
    again = api.delete(f"/api/v1/archived-workflows/{uid}")
    assert again.status_code == 404 and again.json()["code"] == 5
