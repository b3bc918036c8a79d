"""Workflow service over HTTP: create, get (fields), list (selectors, paging), delete, lint."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from serverkit import create, hello, wait_done


def test_create_answers_running_with_server_set_metadata_then_succeeds(api: httpx.Client) -> None:
    wf = create(api, hello())
    meta = wf["metadata"]
    assert meta["name"].startswith("hello-") and meta["namespace"] == "default"
    assert meta["uid"] and meta["resourceVersion"] and meta["creationTimestamp"].endswith("Z")
    assert wf["status"]["phase"] == "Running"
    done = wait_done(api, meta["name"])
    assert done["status"]["phase"] == "Succeeded"
    node = next(n for n in done["status"]["nodes"].values() if n["type"] == "Pod")
    assert node["outputs"]["exitCode"] == "0"


def test_server_dry_run_names_the_workflow_but_runs_nothing(api: httpx.Client) -> None:
    answer = api.post("/api/v1/workflows/default", json={"workflow": hello("dry-one"), "serverDryRun": True})
    assert answer.status_code == 200 and answer.json()["metadata"]["name"] == "dry-one"
    assert api.get("/api/v1/workflows/default/dry-one").status_code == 404


def test_duplicate_name_is_409_already_exists(api: httpx.Client) -> None:
    create(api, hello("twice"))
    answer = api.post("/api/v1/workflows/default", json={"workflow": hello("twice")})
    assert answer.status_code == 409
    assert answer.json() == {"code": 6, "message": 'workflows.argoproj.io "twice" already exists'}


@pytest.mark.parametrize("path", ["/api/v1/workflows/default", "/api/v1/workflows/default/lint"])
def test_invalid_workflow_is_400_with_the_lint_message(api: httpx.Client, path: str) -> None:
    bad = hello("bad")
    bad["spec"]["entrypoint"] = "nope"
    answer = api.post(path, json={"workflow": bad})
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == 3 and "nope" in body["message"] and "spec.entrypoint" in body["message"]


def test_lint_of_a_valid_workflow_returns_it(api: httpx.Client) -> None:
    answer = api.post("/api/v1/workflows/default/lint", json={"workflow": hello("fine")})
    assert answer.status_code == 200 and answer.json()["metadata"]["name"] == "fine"


def test_get_unknown_is_404_not_found(api: httpx.Client) -> None:
    answer = api.get("/api/v1/workflows/default/nobody")
    assert answer.status_code == 404
    assert answer.json() == {"code": 5, "message": 'workflows.argoproj.io "nobody" not found'}


def test_get_with_fields_keeps_or_drops_paths(api: httpx.Client) -> None:
    create(api, hello("fields-wf"))
    wait_done(api, "fields-wf")
    kept = api.get("/api/v1/workflows/default/fields-wf", params={"fields": "metadata.name,status.phase"}).json()
    assert kept == {"metadata": {"name": "fields-wf"}, "status": {"phase": "Succeeded"}}
    dropped = api.get("/api/v1/workflows/default/fields-wf", params={"fields": "-status.nodes"}).json()
    assert "nodes" not in dropped["status"] and dropped["spec"]["entrypoint"] == "main"


def test_list_filters_pages_and_is_scoped_by_namespace(api: httpx.Client) -> None:
    for i in range(3):
        create(api, hello(f"team-a-{i}", labels={"team": "a"}), namespace="listing")
    create(api, hello("team-b-0", labels={"team": "b"}), namespace="listing")
    create(api, hello("elsewhere", labels={"team": "a"}), namespace="other-ns")
    base = "/api/v1/workflows/listing"
    names = [w["metadata"]["name"] for w in api.get(base, params={"listOptions.labelSelector": "team=a"})
             .json()["items"]]
    assert sorted(names) == ["team-a-0", "team-a-1", "team-a-2"]
    by_name = api.get(base, params={"listOptions.fieldSelector": "metadata.name=team-b-0"}).json()["items"]
    assert [w["metadata"]["name"] for w in by_name] == ["team-b-0"]
    prefix = api.get(base, params={"namePrefix": "team-a-"}).json()["items"]
    assert len(prefix) == 3
    seen: list[str] = []
    token = None
    while True:
        params = {"listOptions.limit": "2", **({"listOptions.continue": token} if token else {})}
        page = api.get(base, params=params).json()
        assert len(page["items"]) <= 2
        seen += [w["metadata"]["name"] for w in page["items"]]
        token = page["metadata"].get("continue")
        if not token:
            break
    assert sorted(seen) == ["team-a-0", "team-a-1", "team-a-2", "team-b-0"]
    everywhere = {w["metadata"]["namespace"] for w in api.get("/api/v1/workflows/").json()["items"]}
    assert {"listing", "other-ns"} <= everywhere
    empty = api.get("/api/v1/workflows/empty-ns").json()
    assert empty["items"] == [] and isinstance(empty["metadata"], dict)


def test_list_fields_projection_keeps_items_and_metadata(api: httpx.Client) -> None:
    create(api, hello("projected"), namespace="proj")
    page = api.get("/api/v1/workflows/proj", params={"fields": "items.metadata.name"}).json()
    assert page == {"metadata": {}, "items": [{"metadata": {"name": "projected"}}]}


def test_delete_removes_the_workflow(api: httpx.Client) -> None:
    create(api, hello("doomed", command="sleep 30"))
    assert api.delete("/api/v1/workflows/default/doomed").status_code == 200
    assert api.get("/api/v1/workflows/default/doomed").status_code == 404
    assert api.delete("/api/v1/workflows/default/doomed").status_code == 404


def has_null(value: Any) -> bool:
    if isinstance(value, dict):
        return any(has_null(v) for v in value.values())
    if isinstance(value, list):
        return any(has_null(v) for v in value)
    return value is None


def test_no_null_anywhere(api: httpx.Client) -> None:
    create(api, hello("no-nulls", command="echo out > /tmp/o"))
    wait_done(api, "no-nulls")
    assert not has_null(api.get("/api/v1/workflows/default/no-nulls").json())
    assert not has_null(api.get("/api/v1/workflows/default").json())


def test_numbers_in_parameters_are_answered_as_strings(api: httpx.Client) -> None:
    wf = hello("numbers")
    wf["spec"]["arguments"] = {"parameters": [{"name": "count", "value": 3}]}
    wf["spec"]["templates"][0]["inputs"] = {"parameters": [{"name": "count"}]}
    wf["spec"]["templates"][0]["container"]["command"] = ["echo", "{{inputs.parameters.count}}"]
    created = create(api, wf)
    assert created["spec"]["arguments"]["parameters"] == [{"name": "count", "value": "3"}]
    done = wait_done(api, "numbers")
    assert done["status"]["phase"] == "Succeeded"
    pod = next(n for n in done["status"]["nodes"].values() if n["type"] == "Pod")
    assert pod["inputs"]["parameters"] == [{"name": "count", "value": "3"}]
    assert isinstance(pod["outputs"]["exitCode"], str)
