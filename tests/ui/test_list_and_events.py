"""The workflows list's creation-time range (a link too, paged over the server's pages) and a
workflow's Events tab (the transitions its status records, with Argo's event reasons)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from serverkit import RunningServer, create, hello, wait_done
from uikit import fanout, seed


def _seed_at(data_dir: Path, name: str, created: str, namespace: str) -> None:
    manifest, status = fanout(name, 1)
    manifest["metadata"].update(namespace=namespace, creationTimestamp=created)
    seed(data_dir, manifest, status)


def test_a_creation_time_range_filters_the_list_across_pages(page: Any, server: RunningServer) -> None:
    ns = "dates"
    for i in range(4):
        _seed_at(server.data_dir, f"new-{i}", f"2025-06-{10 + i}T08:00:00Z", ns)
        _seed_at(server.data_dir, f"old-{i}", f"2025-01-{10 + i}T08:00:00Z", ns)
    for i in range(57):  # more than one page of the list (50) in range
        _seed_at(server.data_dir, f"mid-{i}", f"2025-03-01T{i // 60:02d}:{i % 60:02d}:00Z", ns)
    page.goto(f"/workflows/{ns}")
    expect(page.locator("tbody tr[data-name]")).to_have_count(50)
    page.locator("input[name=createdAfter]").fill("2025-02-01T00:00")
    page.locator("input[name=createdAfter]").dispatch_event("change")
    expect(page).to_have_url(re.compile(r"createdAfter=2025-02-01T00%3A00|createdAfter=2025-02-01T00:00"))
    page.locator("input[name=createdBefore]").fill("2025-05-01T00:00")
    page.locator("input[name=createdBefore]").dispatch_event("change")
    rows = page.locator("tbody tr[data-name]")
    expect(rows.first).to_have_attribute("data-name", "mid-56")
    expect(rows).to_have_count(50)
    page.get_by_role("button", name="Next →").click()
    expect(rows).to_have_count(7)
    names = rows.evaluate_all("rows => rows.map(r => r.dataset.name)")
    assert names == [f"mid-{i}" for i in range(6, -1, -1)]
    expect(page.get_by_role("button", name="Next →")).to_be_disabled()
    # the range is in the link: opened afresh, the same list
    page.goto(f"/workflows/{ns}?createdAfter=2025-06-11T00:00")
    expect(rows).to_have_count(3)
    assert sorted(rows.evaluate_all("rows => rows.map(r => r.dataset.name)")) == ["new-1", "new-2", "new-3"]
    page.goto(f"/workflows/{ns}?createdBefore=2025-01-11T09:00")
    expect(rows).to_have_count(2)
    page.goto(f"/workflows/{ns}?createdAfter=2030-01-01T00:00")
    expect(page.locator("td.empty")).to_contain_text("match these filters")


def test_events_tab_shows_the_transitions_the_status_records(page: Any, server: RunningServer) -> None:
    with server.client() as api:
        create(api, hello("ev-fails", command="echo bye; exit 3"))
        wf = wait_done(api, "ev-fails")
    assert wf["status"]["phase"] == "Failed"
    page.goto("/workflows/default/ev-fails?view=events")
    expect(page.locator("tr[data-reason=WorkflowRunning]")).to_contain_text("Workflow Running")
    failed_node = page.locator("tr[data-reason=WorkflowNodeFailed]")
    expect(failed_node).to_contain_text("Failed node ev-fails")
    expect(failed_node.locator(".event-Warning")).to_have_text("Warning")
    expect(page.locator("tr[data-reason=WorkflowFailed]")).to_be_visible()
    reasons = page.locator("table.events tbody tr").evaluate_all("rows => rows.map(r => r.dataset.reason)")
    assert reasons[0] == "WorkflowRunning" and reasons[-1] == "WorkflowFailed"
    assert reasons.index("WorkflowNodeRunning") < reasons.index("WorkflowNodeFailed")
    # an event of a node opens that node
    failed_node.click()
    expect(page.locator("aside.panel")).to_have_attribute("data-node", "ev-fails")
    assert "view=events" in page.url and "nodeId=" in page.url
