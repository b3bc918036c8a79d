"""Streams over real HTTP: the workflow-events watch and the log endpoints, NDJSON and SSE,
live while a step runs, and the same after the workflow ended and after a server restart."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from serverkit import RunningServer, start_server

FINISHED = ("Succeeded", "Failed", "Error")


def workflow(name: str, script: str, *, labels: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": labels or {}}
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": meta,
            "spec": {"entrypoint": "main", "templates": [
                {"name": "main", "script": {"image": "alpine", "command": ["sh"], "source": script}}]}}


def create(api: httpx.Client, wf: dict[str, Any], namespace: str = "default") -> dict[str, Any]:
    answer = api.post(f"/api/v1/workflows/{namespace}", json={"workflow": wf})
    assert answer.status_code == 200, answer.text
    return answer.json()


def ndjson(api: httpx.Client, path: str, params: dict[str, str], *, until: Any = None,
           headers: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
    """The messages of a stream, one per line (``data:`` lines for SSE), until ``until(msg)``."""
    with api.stream("GET", path, params=params, headers=headers or {}, timeout=60) as response:
        assert response.status_code == 200, response.read()
        for line in response.iter_lines():
            if not line.strip():
                continue
            line = line.removeprefix("data: ")
            message = json.loads(line)
            yield message
            if until is not None and until(message):
                return


def wait_done(api: httpx.Client, name: str) -> dict[str, Any]:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        wf = api.get(f"/api/v1/workflows/default/{name}").json()
        if wf.get("status", {}).get("phase") in FINISHED:
            return wf
        time.sleep(0.05)
    raise AssertionError(f"{name} did not finish")


def finished(message: dict[str, Any]) -> bool:
    return message["result"]["object"].get("status", {}).get("phase") in FINISHED


# ---- watch ---------------------------------------------------------------------------------

def test_watch_by_name_starts_with_added_and_ends_with_the_finished_workflow(api: httpx.Client) -> None:
    create(api, workflow("watched", "sleep 0.3; echo done"))
    events = list(ndjson(api, "/api/v1/workflow-events/default",
                         {"listOptions.fieldSelector": "metadata.name=watched"}, until=finished))
    kinds = [e["result"]["type"] for e in events]
    assert kinds[0] == "ADDED" and set(kinds[1:]) <= {"MODIFIED"}
    assert {e["result"]["object"]["metadata"]["name"] for e in events} == {"watched"}
    last = events[-1]["result"]["object"]
    assert last["status"]["phase"] == "Succeeded" and last["status"]["nodes"]
    versions = [int(e["result"]["object"]["metadata"]["resourceVersion"]) for e in events]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)


def test_watch_sees_workflows_created_after_it_started(api: httpx.Client) -> None:
    got: list[dict[str, Any]] = []

    def read() -> None:
        got.extend(ndjson(api, "/api/v1/workflow-events/default",
                          {"listOptions.labelSelector": "stream=late"},
                          until=lambda m: m["result"]["object"]["metadata"]["name"] == "late-b" and finished(m)))

    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(0.5)
    create(api, workflow("late-a", "true"))  # no label: not in this watch
    create(api, workflow("late-b", "true", labels={"stream": "late"}))
    reader.join(60)
    assert not reader.is_alive()
    assert {m["result"]["object"]["metadata"]["name"] for m in got} == {"late-b"}
    assert got[0]["result"]["type"] == "ADDED"


def test_watch_reports_a_deleted_workflow(api: httpx.Client) -> None:
    create(api, workflow("doomed", "true"))
    wait_done(api, "doomed")
    got: list[dict[str, Any]] = []

    def read() -> None:
        got.extend(ndjson(api, "/api/v1/workflow-events/default",
                          {"listOptions.fieldSelector": "metadata.name=doomed"},
                          until=lambda m: m["result"]["type"] == "DELETED"))

    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(0.5)
    assert api.delete("/api/v1/workflows/default/doomed").status_code == 200
    reader.join(30)
    assert [m["result"]["type"] for m in got] == ["ADDED", "DELETED"]


def test_watch_from_a_resource_version_replays_the_changes_after_it(api: httpx.Client) -> None:
    listed = api.get("/api/v1/workflows/default", params={"fields": "metadata"}).json()
    since = listed["metadata"]["resourceVersion"]
    create(api, workflow("replayed", "true"))
    wait_done(api, "replayed")
    events = list(ndjson(api, "/api/v1/workflow-events/default",
                         {"listOptions.resourceVersion": since,
                          "listOptions.fieldSelector": "metadata.name=replayed"}, until=finished))
    assert events[0]["result"]["type"] == "ADDED" and finished(events[-1])


def test_watch_as_server_sent_events(api: httpx.Client) -> None:
    create(api, workflow("sse-watched", "true"))
    wait_done(api, "sse-watched")
    with api.stream("GET", "/api/v1/workflow-events/default", timeout=30,
                    params={"listOptions.fieldSelector": "metadata.name=sse-watched"},
                    headers={"Accept": "text/event-stream"}) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        first = next(response.iter_lines())
    assert first.startswith("data: ")
    assert json.loads(first[len("data: "):])["result"]["type"] == "ADDED"


@pytest.mark.parametrize(("params", "code"), [
    ({"listOptions.labelSelector": "a in (b"}, 3),
    ({"listOptions.fieldSelector": "spec.nope=1"}, 3),
    ({"listOptions.resourceVersion": "abc"}, 3),
], ids=["bad-label-selector", "bad-field-selector", "bad-resource-version"])
def test_watch_with_bad_options_is_an_error_body(api: httpx.Client, params: dict[str, str], code: int) -> None:
    answer = api.get("/api/v1/workflow-events/default", params=params)
    assert answer.status_code == 400 and answer.json()["code"] == code


# ---- logs ----------------------------------------------------------------------------------

LINES = "for i in 1 2 3 4 5; do echo line $i; done; printf tail-without-newline"


def contents(api: httpx.Client, path: str, params: dict[str, str]) -> list[str]:
    return [m["result"]["content"] for m in ndjson(api, path, params)]


@pytest.fixture(scope="module")
def logged(server: RunningServer) -> str:
    with server.client() as api:
        create(api, workflow("logged", LINES))
        wait_done(api, "logged")
    return "logged"


@pytest.mark.parametrize(("params", "expected"), [
    ({}, ["line 1", "line 2", "line 3", "line 4", "line 5", "tail-without-newline"]),
    ({"logOptions.tailLines": "2"}, ["line 5", "tail-without-newline"]),
    ({"grep": "line [24]"}, ["line 2", "line 4"]),
    ({"logOptions.container": "wait"}, []),
    ({"podName": "not-a-pod"}, []),
    ({"logOptions.sinceSeconds": "3600"}, ["line 1", "line 2", "line 3", "line 4", "line 5",
                                           "tail-without-newline"]),
], ids=["all", "tail", "grep", "other-container", "other-pod", "since"])
def test_logs_of_a_finished_workflow(api: httpx.Client, logged: str, params: dict[str, str],
                                     expected: list[str]) -> None:
    assert contents(api, f"/api/v1/workflows/default/{logged}/log",
                    {"logOptions.container": "main", **params}) == expected


def test_stderr_lines_are_log_lines_of_their_own(api: httpx.Client) -> None:
    create(api, workflow("both-streams", "printf out-start; echo err >&2; sleep 0.2; echo -end"))
    wait_done(api, "both-streams")
    assert sorted(contents(api, "/api/v1/workflows/default/both-streams/log", {})) == ["err", "out-start-end"]


def test_log_entries_name_their_pod_and_pod_logs_path_filters(api: httpx.Client, logged: str) -> None:
    entries = [m["result"] for m in ndjson(api, f"/api/v1/workflows/default/{logged}/log", {})]
    pods = {e["podName"] for e in entries}
    assert len(pods) == 1
    pod = pods.pop()
    assert contents(api, f"/api/v1/workflows/default/{logged}/{pod}/log", {}) == [e["content"] for e in entries]


def test_logs_follow_a_running_step_live(api: httpx.Client) -> None:
    # the step sleeps between its lines: the first must reach the client while it still runs
    create(api, workflow("live", "echo first; sleep 1.5; echo second"))
    seen: list[tuple[str, str]] = []
    for message in ndjson(api, "/api/v1/workflows/default/live/log", {"logOptions.follow": "true"}):
        phase = api.get("/api/v1/workflows/default/live", params={"fields": "status.phase"}).json()
        seen.append((message["result"]["content"], phase["status"]["phase"]))
    assert [c for c, _ in seen] == ["first", "second"]
    assert seen[0][1] == "Running"


def test_logs_as_server_sent_events(api: httpx.Client, logged: str) -> None:
    with api.stream("GET", f"/api/v1/workflows/default/{logged}/log", timeout=30,
                    headers={"Accept": "text/event-stream"}) as response:
        body = response.read().decode()
    frames = [f for f in body.split("\n\n") if f]
    assert all(f.startswith("data: ") for f in frames)
    assert json.loads(frames[0][len("data: "):])["result"]["content"] == "line 1"


def test_logs_of_unknown_workflow_is_not_found(api: httpx.Client) -> None:
    answer = api.get("/api/v1/workflows/default/nobody/log")
    assert answer.status_code == 404 and answer.json()["code"] == 5


def test_logs_and_watch_after_a_server_restart(tmp_path: Any) -> None:
    first = start_server(tmp_path)
    try:
        with first.client() as api:
            create(api, workflow("survivor", "echo kept"))
            wait_done(api, "survivor")
    finally:
        first.stop()
    second = start_server(tmp_path)
    try:
        with second.client() as api:
            assert contents(api, "/api/v1/workflows/default/survivor/log", {}) == ["kept"]
            events = list(ndjson(api, "/api/v1/workflow-events/default",
                                 {"listOptions.fieldSelector": "metadata.name=survivor"}, until=finished))
            assert events[0]["result"]["type"] == "ADDED"
    finally:
        second.stop()


def test_a_stopping_server_closes_open_streams(tmp_path: Any) -> None:
    """SIGTERM ends the server even while a watch (which never ends by itself) is open."""
    running = start_server(tmp_path)
    opened = threading.Event()

    def watch() -> None:
        try:
            with running.client() as api, api.stream("GET", "/api/v1/workflow-events/default",
                                                     timeout=60) as response:
                opened.set()
                for _ in response.iter_lines():
                    pass
        except httpx.HTTPError:
            pass

    reader = threading.Thread(target=watch, daemon=True)
    reader.start()
    try:
        assert opened.wait(30)
        running.process.terminate()
        running.process.wait(timeout=25)  # without the grace limit it waits for the client forever
    finally:
        running.stop()
    reader.join(10)
    assert not reader.is_alive()


def test_watch_fields_keep_only_the_asked_paths(api: httpx.Client) -> None:
    create(api, workflow("narrowed", "true"))
    wait_done(api, "narrowed")
    events = list(ndjson(api, "/api/v1/workflow-events/default",
                         {"listOptions.fieldSelector": "metadata.name=narrowed",
                          "fields": "result.type,result.object.metadata.name,result.object.status.phase"},
                         until=lambda m: True))
    assert events == [{"result": {"type": "ADDED", "object": {"metadata": {"name": "narrowed"},
                                                              "status": {"phase": "Succeeded"}}}}]


def test_logs_of_an_archived_workflow_whose_live_copy_is_gone(api: httpx.Client, server: RunningServer) -> None:
    from argosy.store import open_store

    uid = create(api, workflow("archived-logs", "echo from the archive"))["metadata"]["uid"]
    wait_done(api, "archived-logs")
    store = open_store(server.store_location)
    try:
        assert store.archive_workflow(uid) is not None
    finally:
        store.close()
    assert api.delete("/api/v1/workflows/default/archived-logs").status_code == 200
    assert api.get("/api/v1/workflows/default/archived-logs").json()["metadata"]["uid"] == uid  # archived
    assert contents(api, "/api/v1/workflows/default/archived-logs/log", {}) == ["from the archive"]
