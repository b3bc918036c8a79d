"""A long linear chain (hundreds of sequential steps) collapses in the graph as a wide fan-out
does: its first and last nodes drawn, the middle one "N more" node that opens page by page,
and a link to a node hidden in it opens the chain far enough to draw it. Opening a node asks
the server nothing more about the status."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect
from serverkit import RunningServer
from uikit import chain, seed


def test_a_long_chain_collapses_and_opens_page_by_page(page: Any, server: RunningServer) -> None:
    seed(server.data_dir, *chain("long-chain", 300, failed_at=200))
    page.goto("/workflows/default/long-chain")
    more = page.locator("svg.graph g.node.chain")
    # 600 chain nodes (a group and a step each): 6 drawn at the top, 4 at the bottom
    expect(more).to_have_attribute("data-label", "590 more")
    expect(more).to_have_class(re.compile(r"phase-Failed"))  # step-200, hidden in it, failed
    expect(page.locator("svg.graph g.node[data-label=step-2]")).to_be_visible()
    expect(page.locator("svg.graph g.node[data-label=step-299]")).to_have_count(1)
    expect(page.locator("svg.graph g.node[data-label=step-3]")).to_have_count(0)
    assert page.locator("svg.graph").get_attribute("data-nodes") == str(1 + 6 + 1 + 4)
    more.click()
    expect(more).to_have_attribute("data-label", "540 more")
    expect(page.locator("svg.graph g.node[data-label=step-27]")).to_have_count(1)
    expect(page.locator("svg.graph g.node[data-label=step-28]")).to_have_count(0)


def test_a_link_to_a_node_inside_a_collapsed_chain_draws_it(page: Any, server: RunningServer) -> None:
    manifest, status = chain("linked-chain", 200)
    seed(server.data_dir, manifest, status)
    target = next(n for n in status["nodes"].values() if n["displayName"] == "step-150")
    page.goto(f"/workflows/default/linked-chain?nodeId={target['id']}")
    expect(page.locator("aside.panel")).to_have_attribute("data-node", "step-150")
    expect(page.locator("svg.graph g.node.selected")).to_have_attribute("data-label", "step-150")
    # the rest of the chain after it stays collapsed
    expect(page.locator("svg.graph g.node.chain")).to_have_count(1)
    page.locator("input[name=find-node]").fill("step-180")
    page.locator("input[name=find-node]").press("Enter")
    expect(page.locator("svg.graph g.node.selected")).to_have_attribute("data-label", "step-180")


def test_opening_a_node_asks_the_server_for_no_status(page: Any, server: RunningServer) -> None:
    # the page's copy of the status (kept live by the watch) is what the panel shows: a node
    # alone costs the server a read of every node, so a click must not ask for one
    seed(server.data_dir, *chain("clicked", 3))
    page.goto("/workflows/default/clicked")
    expect(page.locator("svg.graph g.node[data-label=step-1]")).to_be_visible()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.locator("svg.graph g.node[data-label=step-1]").click()
    page.locator(".panel .tabs button", has_text="inputs-outputs").click()
    page.locator(".panel .tabs button", has_text="yaml").click()
    expect(page.locator("aside.panel pre.yaml")).to_contain_text("displayName: step-1")
    assert not [u for u in asked if "/api/v1/workflows/default/clicked" in u], asked
