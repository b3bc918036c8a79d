"""Through a real server: the Sync API (Argo 3.7's SyncService), workflows queued behind the
controller's parallelism or a lock reading Pending with Argo's message, and locks that
survive a kill -9 of the server without leaking."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from serverkit import RunningServer, create, hello, start_server, wait_done

from argosy.controller.queue import POSTPONED
from argosy.controller.recovery import can_restore

DB_SEMAPHORE = {"semaphores": [{"database": {"key": "gate"}}]}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("server"), "--parallelism", "2")
    yield running
    running.stop()


def phase_and_message(api: httpx.Client, name: str) -> tuple[str, str | None]:
    status = api.get(f"/api/v1/workflows/default/{name}").json()["status"]
    return status.get("phase"), status.get("message")


def wait_for(check: Any, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.parametrize(
    ("create_body", "query", "update_body", "want"),
    [
        ({"type": "DATABASE", "key": "db-key", "limit": 3}, {"type": "1"}, {"type": "DATABASE", "limit": 5},
         {"key": "db-key", "namespace": "default", "type": "DATABASE"}),
        ({"cmName": "limits", "key": "cm-key", "limit": 3}, {"cmName": "limits"},
         {"cmName": "limits", "limit": 5},
         {"key": "cm-key", "namespace": "default", "type": "CONFIGMAP", "cmName": "limits"}),
    ],
    ids=["database", "configmap"],
)
def test_sync_limit_crud(api: httpx.Client, create_body: dict[str, Any], query: dict[str, str],
                         update_body: dict[str, Any], want: dict[str, Any]) -> None:
    key = create_body["key"]
    made = api.post("/api/v1/sync/default", json=create_body)
    assert made.status_code == 200, made.text
    assert made.json() == {**want, "limit": 3}
    assert api.post("/api/v1/sync/default", json=create_body).status_code == 409
    assert api.get(f"/api/v1/sync/default/{key}", params=query).json() == {**want, "limit": 3}
    assert api.put(f"/api/v1/sync/default/{key}", json=update_body).json() == {**want, "limit": 5}
    assert api.delete(f"/api/v1/sync/default/{key}", params=query).status_code == 200
    gone = api.get(f"/api/v1/sync/default/{key}", params=query)
    assert (gone.status_code, gone.json()["code"]) == (404, 5)
    assert api.put(f"/api/v1/sync/default/{key}", json=update_body).status_code == 404


@pytest.mark.parametrize("body", [{"type": "DATABASE", "key": "k", "limit": 0},
                                  {"type": "DATABASE", "limit": 1},
                                  {"key": "k", "limit": 1},  # a ConfigMap limit needs cmName
                                  {"type": "NOPE", "key": "k", "limit": 1}],
                         ids=["zero-limit", "no-key", "no-cm-name", "bad-type"])
def test_sync_limit_refuses_bad_requests(api: httpx.Client, body: dict[str, Any]) -> None:
    answer = api.post("/api/v1/sync/default", json=body)
    assert (answer.status_code, answer.json()["code"]) == (400, 3), answer.text


def test_queued_workflows_read_pending_with_why_and_start_as_others_end(api: httpx.Client) -> None:
    for name in ("slot-1", "slot-2"):
        create(api, hello(name, command="sleep 1"))
    queued = create(api, hello("queued"))
    assert (queued["status"]["phase"], queued["status"]["message"]) == ("Pending", POSTPONED)
    assert phase_and_message(api, "queued") == ("Pending", POSTPONED)
    assert wait_done(api, "queued")["status"]["phase"] == "Succeeded"


def test_a_database_semaphore_limit_raised_through_the_api_starts_waiters(api: httpx.Client) -> None:
    api.post("/api/v1/sync/default", json={"type": "DATABASE", "key": "gate", "limit": 1}).raise_for_status()
    create(api, hello("holder", command="sleep 30", synchronization=DB_SEMAPHORE))
    waiter = create(api, hello("waiter", synchronization=DB_SEMAPHORE))
    assert waiter["status"]["phase"] == "Pending"
    assert waiter["status"]["message"] == "Waiting for default/Database/gate lock. Lock status: 0/1"
    sync = api.get("/api/v1/workflows/default/waiter").json()["status"]["synchronization"]
    assert sync == {"semaphore": {"waiting": [{"semaphore": "default/Database/gate", "holders": ["default/holder"]}]}}
    api.put("/api/v1/sync/default/gate", json={"type": "DATABASE", "limit": 2}).raise_for_status()
    assert wait_done(api, "waiter")["status"]["phase"] == "Succeeded"
    api.put("/api/v1/workflows/default/holder/terminate", json={}).raise_for_status()
    assert wait_done(api, "holder")["status"]["phase"] == "Failed"


def test_locks_survive_a_kill_and_none_leaks(tmp_path: Path) -> None:
    if not can_restore():
        pytest.skip("this engine cannot restore a workflow from its status")
    mutex = {"mutexes": [{"name": "only-one"}]}
    first = start_server(tmp_path)
    with first.client() as api:
        create(api, hello("holds", command="sleep 2", synchronization=mutex))
        create(api, hello("waits", synchronization=mutex))
        wait_for(lambda: phase_and_message(api, "holds")[0] == "Running")
        time.sleep(0.5)  # a persist interval: the holder's status.synchronization is stored
    first.kill()
    second = start_server(tmp_path)
    try:
        with second.client() as api:
            # the holder's pod died with the server: it ends (pod deleted) and hands the mutex on
            assert wait_done(api, "holds")["status"]["phase"] in ("Failed", "Error")
            assert wait_done(api, "waits")["status"]["phase"] == "Succeeded"
            create(api, hello("after", synchronization=mutex))
            assert wait_done(api, "after")["status"]["phase"] == "Succeeded"
    finally:
        second.stop()
