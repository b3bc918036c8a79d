"""Next runs: the cron list's for an ``@every`` schedule (robfig's constant delay after the last
run the status records; blank before the first run), and the cron page's list from the
server's scheduler (Argosy's ``GET /api/v1/argosy/cron-workflows/{ns}/{name}/next``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.sync_api import expect
from serverkit import RunningServer, hello

from argosy.store import open_store


def _shown(at: datetime) -> str:
    text = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return text[:-4] + "Z" if text.endswith(":00Z") else text


def test_every_schedules_run_their_delay_after_the_last_run(page: Any, server: RunningServer) -> None:
    last = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    crons = {
        "every-hour": ({"schedule": "@every 1h"}, {"lastScheduledTime": last.strftime("%Y-%m-%dT%H:%M:%SZ")}),
        "every-never-ran": ({"schedule": "@every 90m"}, {}),
        # the sooner of a cron schedule and an @every one
        "both": ({"schedules": ["0 0 1 1 *", "@every 1h30m"]}, {"lastScheduledTime": last.strftime("%Y-%m-%dT%H:%M:%SZ")}),
    }
    store = open_store(server.data_dir / "argosy.db")
    try:
        for name, (spec, status) in crons.items():
            store.create_object("CronWorkflow", {
                "apiVersion": "argoproj.io/v1alpha1", "kind": "CronWorkflow",
                "metadata": {"name": name, "namespace": "every"},
                "spec": {**spec, "workflowSpec": hello()["spec"]}, "status": status})
    finally:
        store.close()
    page.goto("/cron-workflows/every")
    expect(page.locator("tr[data-name=every-hour] .next-run")).to_have_text(_shown(last + timedelta(hours=1)))
    expect(page.locator("tr[data-name=both] .next-run")).to_have_text(_shown(last + timedelta(minutes=90)))
    expect(page.locator("tr[data-name=every-never-ran] .next-run")).to_have_text("")


def test_the_cron_page_lists_the_schedulers_next_runs(page: Any, server: RunningServer) -> None:
    body = {"metadata": {"name": "next-five"}, "spec": {"schedule": "0 2 * * *", "workflowSpec": hello()["spec"]}}
    with server.client() as api:
        assert api.post("/api/v1/cron-workflows/default", json={"cronWorkflow": body}).status_code == 200
        has_next = api.get("/api/v1/argosy/cron-workflows/default/next-five/next").status_code == 200
    page.goto("/cron-workflows/default/next-five")
    box = page.locator(".next-runs")
    if has_next:  # the cron scheduler's own answer (Argosy's GET …/next)
        expect(box).to_have_attribute("data-source", "server")
        expect(box.locator("code.next-time")).to_have_count(5)
        assert all(t.endswith("T02:00:00Z") for t in box.locator("code.next-time").all_inner_texts())
    else:  # without it, the page's own computation in the header stands alone
        expect(box).to_have_attribute("data-source", "page")
        expect(box.locator("code.next-time")).to_have_count(0)
    times = ["2027-01-01T02:00:00Z", "2027-01-02T02:00:00Z"]
    page.route("**/api/v1/argosy/cron-workflows/default/next-five/next?count=5",
               lambda route: route.fulfill(json={"nextScheduledTimes": times}))
    page.reload()
    expect(box.locator("code.next-time")).to_have_text(times)
