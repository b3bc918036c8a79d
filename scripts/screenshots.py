#!/usr/bin/env python3
"""Regenerates docs/screenshots/*.png: the web UI's main pages, light and dark, a
1,000-node graph, a workflow's events and the API docs, against a real `argosy server` on a throwaway data dir, in Debian's chromium.

    PYTHONPATH=src python3 scripts/screenshots.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

import yaml
from serverkit import create, start_server, wait_done
from uikit import fanout, seed

OUT = ROOT / "docs" / "screenshots"
TEMPLATE = {
    "metadata": {"name": "release"},
    "spec": {"entrypoint": "main",
             "arguments": {"parameters": [
                 {"name": "version", "value": "1.4.0", "description": "the version to build and publish"},
                 {"name": "channel", "value": "stable", "enum": ["stable", "beta", "nightly"],
                  "description": "where the release goes"}]},
             "templates": [
                 {"name": "main", "dag": {"tasks": [
                     {"name": "build", "template": "step"},
                     {"name": "unit-tests", "template": "step", "depends": "build"},
                     {"name": "e2e-tests", "template": "step", "depends": "build"},
                     {"name": "publish", "template": "step", "depends": "unit-tests && e2e-tests"}]}},
                 {"name": "step", "container": {"image": "busybox", "command": ["echo", "ok"]}}]},
}


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((ROOT / "examples" / name).read_text())


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp))
        try:
            with server.client() as api:
                names = [create(api, load(f))["metadata"]["name"] for f in
                         ("dag-depends.yaml", "steps.yaml", "exit-handler.yaml", "retry-on-failure.yaml",
                          "continue-on.yaml", "hello-world.yaml")]
                for name in names:
                    wait_done(api, name)
                api.post("/api/v1/workflow-templates/default", json={"template": TEMPLATE})
            seed(Path(tmp), *fanout("fan-out-1000", 994, failed_every=250))
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-dev-shm-usage"])
                for theme in ("light", "dark"):
                    page = browser.new_page(viewport={"width": 1400, "height": 820})
                    page.add_init_script(f"localStorage.setItem('argosy.theme', '{theme}')")
                    page.goto(f"{server.url}/workflows/default")
                    page.wait_for_selector("tr[data-name]")
                    page.screenshot(path=OUT / f"workflows-{theme}.png")
                    page.goto(f"{server.url}/workflows/default/{names[0]}")
                    page.locator("svg.graph g.node[data-label=recover]").click()
                    page.locator(".panel .tabs button", has_text="logs").click()
                    page.wait_for_selector("pre.logs[data-state=ended]")
                    page.screenshot(path=OUT / f"workflow-{theme}.png")
                    page.close()
                page = browser.new_page(viewport={"width": 1400, "height": 820})
                page.goto(f"{server.url}/workflow-templates/default/release")
                page.wait_for_selector("svg.graph g.node[data-label=publish]")
                page.screenshot(path=OUT / "template-submit.png")
                page.goto(f"{server.url}/workflows/default/fan-out-1000")
                page.locator("svg.graph g.node[data-label='work(3:3)']").click()
                page.locator(".panel .tabs button", has_text="inputs-outputs").click()
                page.wait_for_selector("svg.graph g.node.type-Collapsed")
                page.wait_for_timeout(300)  # the graph refits beside the panel
                page.screenshot(path=OUT / "graph-1000-nodes.png")
                page.goto(f"{server.url}/workflows/default/{names[2]}?view=events")
                page.wait_for_selector("tr[data-reason=WorkflowRunning]")
                page.screenshot(path=OUT / "workflow-events.png")
                page.goto(f"{server.url}/apidocs")
                page.wait_for_selector("tr[data-endpoint]")
                page.screenshot(path=OUT / "apidocs.png")
                browser.close()
        finally:
            server.stop()
    for path in sorted(OUT.glob("*.png")):
        print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
