"""The UI in a real browser against a real server: the list goes live, a running workflow's
graph follows it to Succeeded, a node's logs open, a template is submitted with parameters,
a failed workflow is retried, a cron workflow suspended and resumed, themes switch."""

from __future__ import annotations

import re
import time
from typing import Any

from archivekit import seed as archive_seed
from playwright.sync_api import expect
from serverkit import RunningServer, create, hello, wait_done
from uikit import fanout, seed

TEMPLATE = {
    "metadata": {"name": "greeter"},
    "spec": {
        "entrypoint": "main",
        "arguments": {"parameters": [
            {"name": "who", "value": "world", "description": "whom to greet"},
            {"name": "mood", "value": "calm", "enum": ["calm", "loud"], "description": "how to greet"},
        ]},
        "templates": [
            {"name": "main", "dag": {"tasks": [
                {"name": "greet", "template": "say",
                 "arguments": {"parameters": [{"name": "text", "value": "{{workflow.parameters.who}} {{workflow.parameters.mood}}"}]}},
                {"name": "after", "template": "say", "depends": "greet",
                 "arguments": {"parameters": [{"name": "text", "value": "done"}]}},
            ]}},
            {"name": "say", "inputs": {"parameters": [{"name": "text"}]},
             "container": {"image": "busybox", "command": ["echo", "{{inputs.parameters.text}}"]}},
        ],
    },
}


def test_list_goes_live_and_a_running_workflow_reaches_succeeded_with_logs(page: Any, server: RunningServer) -> None:
    page.goto("/workflows/default")
    expect(page.get_by_role("heading", name="Workflows")).to_be_visible()
    with server.client() as api:
        # created after the page loaded: the watch stream brings it in
        wf = create(api, hello("slow-hello", command="sleep 2; echo hello from the step"))
    row = page.locator("tr[data-name=slow-hello]")
    expect(row).to_be_visible()
    row.get_by_role("link", name="slow-hello").click()
    expect(page).to_have_url(f"{server.url}/workflows/default/slow-hello")
    expect(page.locator("svg.graph g.node")).to_have_count(1)
    expect(page.locator("h1 .phase")).to_have_text("Succeeded", timeout=60_000)
    expect(page.locator("svg.graph g.node.phase-Succeeded")).to_have_count(1)
    page.locator("svg.graph g.node").first.click()
    expect(page).to_have_url(f"{server.url}/workflows/default/slow-hello?nodeId={wf['metadata']['name']}")
    page.locator(".panel .tabs button", has_text="logs").click()
    expect(page.locator("pre.logs")).to_contain_text("hello from the step")
    assert "tab=logs" in page.url  # a shareable link to the node's logs
    page.reload()
    expect(page.locator("pre.logs")).to_contain_text("hello from the step")


def test_submit_from_a_template_with_parameters(page: Any, server: RunningServer) -> None:
    with server.client() as api:
        assert api.post("/api/v1/workflow-templates/default", json={"template": TEMPLATE}).status_code == 200
    page.goto("/workflow-templates/default")
    page.get_by_role("link", name="greeter").click()
    # the template's graph is drawn before anything runs
    expect(page.locator("svg.graph g.node[data-label=greet]")).to_be_visible()
    expect(page.locator("svg.graph g.node[data-label=after]")).to_be_visible()
    expect(page.get_by_text("whom to greet")).to_be_visible()
    mood = page.locator("select[name=param-mood]")
    assert mood.locator("option").all_inner_texts() == ["calm", "loud"]
    mood.select_option("loud")
    page.locator("input[name=param-who]").fill("argosy")
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page).to_have_url(re.compile(r"/workflows/default/greeter-"))
    expect(page.locator("h1 .phase")).to_have_text("Succeeded", timeout=60_000)
    page.locator("svg.graph g.node[data-label=greet]").click()
    page.locator(".panel .tabs button", has_text="inputs-outputs").click()
    expect(page.locator(".panel")).to_contain_text("argosy loud")


def test_retry_a_failed_workflow(page: Any, server: RunningServer) -> None:
    with server.client() as api:
        create(api, hello("fails-once", command="exit 3"))
        assert wait_done(api, "fails-once")["status"]["phase"] == "Failed"
    page.goto("/workflows/default/fails-once")
    expect(page.locator("h1 .phase")).to_have_text("Failed")
    with server.client() as api:
        version = api.get("/api/v1/workflows/default/fails-once").json()["metadata"]["resourceVersion"]
    page.get_by_role("button", name="Retry", exact=True).click()
    # either the server retried (the workflow was written again and runs to its end once more)
    # or it refused, and then the UI shows the server's own message instead of swallowing it
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if page.locator(".error").is_visible():
            assert re.match(r"retry: .{10,}", page.locator(".error").inner_text())
            return
        with server.client() as api:
            wf = api.get("/api/v1/workflows/default/fails-once").json()
        if wf["metadata"]["resourceVersion"] != version and wf["status"].get("phase") == "Failed":
            expect(page.locator("h1 .phase")).to_have_text("Failed")
            return
        time.sleep(0.1)
    raise AssertionError("retry neither ran the workflow again nor showed an error")


def test_resubmit_opens_the_new_workflow(page: Any, server: RunningServer) -> None:
    with server.client() as api:
        create(api, hello("once"))
        wait_done(api, "once")
    page.goto("/workflows/default/once")
    page.get_by_role("button", name="Resubmit").click()
    expect(page).to_have_url(re.compile(r"/workflows/default/once-"))
    expect(page.locator("h1 .phase")).to_have_text("Succeeded", timeout=60_000)


def test_cron_suspend_and_resume(page: Any, server: RunningServer) -> None:
    cron = {"metadata": {"name": "nightly"}, "spec": {"schedule": "0 2 * * *", "workflowSpec": hello()["spec"]}}
    with server.client() as api:
        assert api.post("/api/v1/cron-workflows/default", json={"cronWorkflow": cron}).status_code == 200
    page.goto("/cron-workflows/default")
    expect(page.locator("tr[data-name=nightly]")).to_contain_text("0 2 * * *")
    page.get_by_role("link", name="nightly").click()
    page.get_by_role("button", name="Suspend").click()
    expect(page.locator("h1 .phase")).to_have_text("Suspended")
    with server.client() as api:
        assert api.get("/api/v1/cron-workflows/default/nightly").json()["spec"]["suspend"] is True
    page.get_by_role("button", name="Resume").click()
    expect(page.locator("h1 .phase")).to_have_count(0)
    with server.client() as api:
        assert not api.get("/api/v1/cron-workflows/default/nightly").json()["spec"].get("suspend")


def test_yaml_submit_lints_on_the_server(page: Any, server: RunningServer) -> None:
    page.goto("/submit/default")
    editor = page.locator("textarea.editor")
    expect(page.locator(".lint")).to_have_attribute("data-ok", "true")
    editor.fill("metadata:\n  generateName: bad-\nspec:\n  entrypoint: nowhere\n  templates:\n  - name: main\n    container: {image: busybox}\n")
    expect(page.locator(".lint")).to_have_attribute("data-ok", "false")
    expect(page.locator(".lint")).to_contain_text("nowhere")
    expect(page.get_by_role("button", name="Submit", exact=True)).to_be_disabled()
    editor.fill("metadata:\n  generateName: good-\nspec:\n  entrypoint: main\n  templates:\n  - name: main\n    container: {image: busybox, command: [echo, hi]}\n")
    expect(page.locator(".lint")).to_have_attribute("data-ok", "true")
    page.get_by_role("button", name="Submit", exact=True).click()
    expect(page).to_have_url(re.compile(r"/workflows/default/good-"))


def test_theme_switches_and_is_remembered(page: Any) -> None:
    page.goto("/workflows")
    start = page.evaluate("document.documentElement.dataset.theme")
    page.locator("button.theme").click()
    flipped = "dark" if start == "light" else "light"
    expect(page.locator("html")).to_have_attribute("data-theme", flipped)
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", flipped)


def test_a_wide_fan_out_collapses_and_opens_page_by_page(page: Any, server: RunningServer) -> None:
    seed(server.data_dir, *fanout("wide", 994, failed_every=100))
    page.goto("/workflows/default/wide")
    expect(page.locator("svg.graph g.node[data-label='work(0:0)']")).to_be_visible()
    more = page.locator("svg.graph g.node.type-Collapsed")
    expect(more).to_have_attribute("data-label", "986 more")
    # the hidden children hold failures: the group says so
    expect(more).to_have_class(re.compile(r"phase-Failed"))
    # the join after the loop is still drawn, reached through the group
    expect(page.locator("svg.graph g.node[data-label=collect]")).to_be_visible()
    before = more.bounding_box()
    more.click()
    expect(more).to_have_attribute("data-label", "936 more")
    after = more.bounding_box()
    # the opened group stays where the user clicked it; the new children spread from there
    assert before and after and abs(before["x"] - after["x"]) < 2 and abs(before["y"] - after["y"]) < 2
    expect(page.locator("svg.graph g.node[data-label='work(57:57)']")).to_be_visible()
    # far to the right of the view now (pan to it); a click event is what it answers
    page.locator("svg.graph g.node[data-label='work(57:57)']").dispatch_event("click")
    page.locator(".panel .tabs button", has_text="inputs-outputs").click()
    expect(page.locator(".panel")).to_contain_text("item")


def test_exit_handler_and_skipped_nodes_are_drawn_as_argo_does(page: Any, server: RunningServer) -> None:
    wf = {"metadata": {"name": "with-exit"}, "spec": {"entrypoint": "main", "onExit": "cleanup", "templates": [
        {"name": "main", "dag": {"tasks": [
            {"name": "a", "template": "ok"},
            {"name": "never", "template": "ok", "depends": "a", "when": "1 == 2"}]}},
        {"name": "ok", "container": {"image": "busybox", "command": ["true"]}},
        {"name": "cleanup", "container": {"image": "busybox", "command": ["true"]}}]}}
    with server.client() as api:
        create(api, wf)
        wait_done(api, "with-exit")
    page.goto("/workflows/default/with-exit")
    expect(page.locator("svg.graph g.node[data-label=onExit]")).to_be_visible()
    expect(page.locator("svg.graph polyline.edge.dashed")).to_have_count(1)
    expect(page.locator("svg.graph g.node[data-label=never]")).to_have_class(re.compile(r"phase-(Skipped|Omitted)"))


def test_every_namespace_listed_and_keyboard_opens_a_row(page: Any, server: RunningServer) -> None:
    with server.client() as api:
        create(api, hello("in-team-a"), namespace="team-a")
        wait_done(api, "in-team-a", namespace="team-a")
    page.goto("/workflows")
    expect(page.locator("tr[data-name=in-team-a]")).to_contain_text("team-a")
    rows = page.locator("tbody tr[data-name]")
    expect(rows.first).to_be_visible()
    names = rows.evaluate_all("rows => rows.map(r => r.dataset.name)")
    target = names.index("in-team-a")
    for _ in range(target):
        page.keyboard.press("j")
    expect(page.locator("tr.cursor")).to_have_attribute("data-name", "in-team-a")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server.url}/workflows/team-a/in-team-a")


def test_archived_workflows_list_and_open(page: Any, server: RunningServer) -> None:
    archive_seed(server.data_dir, "archived-one", phase="Failed")
    page.goto("/archived-workflows")
    row = page.locator("tr[data-name=archived-one]")
    expect(row).to_contain_text("Failed")
    row.get_by_role("link", name="archived-one").click()
    expect(page.locator("h1 .phase")).to_have_text("Failed")
    expect(page.locator("svg.graph g.node[data-label=archived-one]")).to_be_visible()


def test_a_link_to_a_node_hidden_in_a_fan_out_draws_it_and_find_opens_another(page: Any, server: RunningServer) -> None:
    manifest, status = fanout("deep", 394)
    seed(server.data_dir, manifest, status)
    hidden = next(n for n in status["nodes"].values() if n["displayName"] == "work(200:200)")
    page.goto(f"/workflows/default/deep?nodeId={hidden['id']}")
    expect(page.locator("aside.panel")).to_have_attribute("data-node", "work(200:200)")
    expect(page.locator("svg.graph g.node.selected")).to_have_attribute("data-label", "work(200:200)")
    page.locator("input[name=find-node]").fill("work(333:")
    page.locator("input[name=find-node]").press("Enter")
    expect(page.locator("svg.graph g.node.selected")).to_have_attribute("data-label", "work(333:333)")
    expect(page.locator("aside.panel")).to_have_attribute("data-node", "work(333:333)")


def _next_run(minute: int, hour: int, weekdays: set[int], zone: str) -> str:
    """The next time (UTC, minute precision) at hour:minute on one of ``weekdays`` (Mon=0) in ``zone``."""
    from datetime import UTC, datetime, timedelta
    from zoneinfo import ZoneInfo

    now = datetime.now(ZoneInfo(zone)).replace(second=0, microsecond=0)
    for days in range(8):
        day = (now + timedelta(days=days)).replace(hour=hour, minute=minute)
        if day > now and day.weekday() in weekdays:
            return day.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
    raise AssertionError("no next run")


def test_cron_list_shows_next_run_times_in_their_timezone(page: Any, server: RunningServer) -> None:
    crons = [("at-two", {"schedule": "0 2 * * *"}),
             ("weekday-ny", {"schedule": "30 9 * * 1-5", "timezone": "America/New_York"})]
    with server.client() as api:
        for name, spec in crons:
            body = {"metadata": {"name": name}, "spec": {**spec, "workflowSpec": hello()["spec"]}}
            assert api.post("/api/v1/cron-workflows/default", json={"cronWorkflow": body}).status_code == 200
    page.goto("/cron-workflows/default")
    expect(page.locator("tr[data-name=at-two] .next-run")).to_have_text(_next_run(0, 2, set(range(7)), "UTC"))
    expect(page.locator("tr[data-name=weekday-ny] .next-run")).to_have_text(
        _next_run(30, 9, {0, 1, 2, 3, 4}, "America/New_York"))
