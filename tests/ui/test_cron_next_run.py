"""The cron list's next run of an ``@every`` schedule: robfig's constant delay after the last
run the status records (unknown, so blank, before the first run)."""

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
