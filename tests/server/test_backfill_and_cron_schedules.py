"""CronWorkflows on a real ``argosy server``: a short schedule makes workflows that succeed,
status is written on the object, and the backfill and next-run endpoints."""

from __future__ import annotations

import time
from typing import Any

import httpx

CRON_LABEL = "workflows.argoproj.io/cron-workflow"


def every_second(name: str, **spec: Any) -> dict[str, Any]:
    return {"metadata": {"name": name},
            "spec": {"schedules": ["@every 1s"], **spec,
                     "workflowSpec": {"entrypoint": "main", "templates": [
                         {"name": "main", "container": {"image": "busybox", "command": ["echo", "{{workflow.scheduledTime}}"]}}]}}}


def runs(api: httpx.Client, namespace: str, name: str) -> list[dict[str, Any]]:
    page = api.get(f"/api/v1/workflows/{namespace}",
                   params={"listOptions.labelSelector": f"{CRON_LABEL}={name}"}).json()
    return page.get("items") or []


def wait_for(predicate: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_a_short_schedule_makes_workflows_that_succeed(api: httpx.Client) -> None:
    api.post("/api/v1/cron-workflows/cron-a", json={"cronWorkflow": every_second("ticker")}).raise_for_status()
    def succeeded() -> list[dict[str, Any]] | None:
        done = [w for w in runs(api, "cron-a", "ticker") if (w.get("status") or {}).get("phase") == "Succeeded"]
        return done if len(done) >= 2 else None

    done = wait_for(succeeded)
    wf = done[0]
    scheduled = wf["metadata"]["annotations"]["workflows.argoproj.io/scheduled-time"]
    assert wf["metadata"]["name"].startswith("ticker-")
    assert wf["metadata"]["ownerReferences"][0]["kind"] == "CronWorkflow"
    api.put("/api/v1/cron-workflows/cron-a/ticker/suspend").raise_for_status()

    def counted() -> dict[str, Any] | None:
        cron = api.get("/api/v1/cron-workflows/cron-a/ticker").json()
        return cron if (cron.get("status") or {}).get("succeeded", 0) >= 2 else None

    cron = wait_for(counted)
    status = cron["status"]
    assert status["phase"] == "Active" and status["lastScheduledTime"] >= scheduled
    listed = api.get("/api/v1/cron-workflows/cron-a").json()["items"]
    assert listed[0]["status"]["lastScheduledTime"]
    # suspended: no new run is made (one may have been submitted as the suspend arrived)
    time.sleep(1.5)
    count = len(runs(api, "cron-a", "ticker"))
    time.sleep(2.5)
    assert len(runs(api, "cron-a", "ticker")) == count
    # an update without status keeps the stored one
    body = every_second("ticker", suspend=True)
    updated = api.put("/api/v1/cron-workflows/cron-a/ticker", json={"cronWorkflow": body}).json()
    assert updated["status"]["succeeded"] >= 2
    # deleted: its workflows go with it, as Kubernetes' garbage collector takes owned objects
    assert runs(api, "cron-a", "ticker")
    api.delete("/api/v1/cron-workflows/cron-a/ticker").raise_for_status()
    assert runs(api, "cron-a", "ticker") == []
    assert api.get("/api/v1/cron-workflows/cron-a/ticker").status_code == 404
    assert api.delete("/api/v1/cron-workflows/cron-a/ticker").status_code == 404


def test_backfill_runs_each_time_of_the_range(api: httpx.Client) -> None:
    cron = {"metadata": {"name": "daily"},
            "spec": {"schedules": ["0 2 * * *"], "timezone": "UTC", "workflowSpec": {
                "entrypoint": "main", "templates": [{"name": "main", "container": {
                    "image": "busybox", "command": ["echo", "{{workflow.scheduledTime}}"]}}]}}}
    api.post("/api/v1/cron-workflows/cron-b", json={"cronWorkflow": cron}).raise_for_status()
    answer = api.post("/api/v1/argosy/cron-workflows/cron-b/daily/backfill",
                      json={"start": "2024-05-19T00:00:00Z", "end": "2024-05-21T23:59:59Z", "parallelism": 2})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["scheduledTimes"] == ["2024-05-19T02:00:00Z", "2024-05-20T02:00:00Z", "2024-05-21T02:00:00Z"]
    assert body["workflows"] == ["daily-1716084000", "daily-1716170400", "daily-1716256800"]
    for name in body["workflows"]:
        wait_for(lambda n=name: (api.get(f"/api/v1/workflows/cron-b/{n}").json().get("status") or {}).get(
            "phase") == "Succeeded")
    wf = api.get("/api/v1/workflows/cron-b/daily-1716170400").json()
    assert wf["metadata"]["annotations"]["workflows.argoproj.io/scheduled-time"] == "2024-05-20T02:00:00Z"
    backfills = wait_for(lambda: [b for b in api.get("/api/v1/argosy/cron-workflows/cron-b/daily/backfills").json()[
        "items"] if b["status"]["phase"] == "Completed"])
    assert backfills[0]["spec"]["parallelism"] == 2
    bad = api.post("/api/v1/argosy/cron-workflows/cron-b/daily/backfill", json={"start": "yesterday", "end": "now"})
    assert bad.status_code == 400 and "RFC 3339" in bad.json()["message"]
    missing = api.post("/api/v1/argosy/cron-workflows/cron-b/nobody/backfill",
                       json={"start": "2024-05-19T00:00:00Z", "end": "2024-05-20T00:00:00Z"})
    assert missing.status_code == 404


def test_next_run_times(api: httpx.Client) -> None:
    cron = {"metadata": {"name": "hourly"},
            "spec": {"schedules": ["@hourly"], "timezone": "UTC", "suspend": True,
                     "workflowSpec": {"entrypoint": "main", "templates": [
                         {"name": "main", "container": {"image": "busybox", "command": ["true"]}}]}}}
    api.post("/api/v1/cron-workflows/cron-c", json={"cronWorkflow": cron}).raise_for_status()
    times = api.get("/api/v1/argosy/cron-workflows/cron-c/hourly/next", params={"count": 3}).json()[
        "nextScheduledTimes"]
    assert len(times) == 3 and all(t.endswith(":00:00Z") for t in times)


def test_submit_from_cron_workflow_is_a_run_with_a_generated_name(api: httpx.Client) -> None:
    cron = {"metadata": {"name": "manual"},
            "spec": {"schedules": ["0 0 1 1 *"], "workflowMetadata": {"labels": {"team": "t"}},
                     "workflowSpec": {"entrypoint": "main", "templates": [
                         {"name": "main", "container": {"image": "busybox", "command": ["true"]}}]}}}
    created = api.post("/api/v1/cron-workflows/cron-d", json={"cronWorkflow": cron}).json()
    wf = api.post("/api/v1/workflows/cron-d/submit",
                  json={"resourceKind": "CronWorkflow", "resourceName": "manual"}).json()
    meta = wf["metadata"]
    assert meta["name"].startswith("manual-") and meta["labels"][CRON_LABEL] == "manual"
    assert meta["labels"]["team"] == "t"
    assert meta["annotations"]["workflows.argoproj.io/scheduled-time"].endswith("Z")
    assert meta["ownerReferences"][0]["uid"] == created["metadata"]["uid"]
