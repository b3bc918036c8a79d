"""UI: time until a huge workflow's graph is drawn and interactive in headless Chromium.

Starts a real `argosy server`, writes fan-out workflows of 1,000 / 10,000 / 100,000 nodes
into its store, opens `/workflows/default/NAME` in Debian's chromium (Playwright) and
measures, from the navigation's start: the first drawn graph node (render) and a click on a
node answered by its panel (interactive). Target (issue 12): 10,000 nodes ≤ 2 s,
100,000 ≤ 10 s. Prints a Markdown table; median of 3 loads per size (`--quick`: 1 load,
1,000 and 10,000 only).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from serverkit import start_server
from uikit import fanout, seed

TARGETS = {10_000: 2.0, 100_000: 10.0}


def main() -> None:
    quick = "--quick" in sys.argv
    sizes = [1_000, 10_000] if quick else [1_000, 10_000, 100_000]
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp))
        try:
            for size in sizes:
                seed(Path(tmp), *fanout(f"big-{size}", size - 6))
            rows = []
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-dev-shm-usage"])
                for size in sizes:
                    renders, interactives = [], []
                    for _ in range(1 if quick else 3):
                        page = browser.new_page(viewport={"width": 1400, "height": 900})
                        start = time.perf_counter()
                        page.goto(f"{server.url}/workflows/default/big-{size}", wait_until="commit")
                        page.wait_for_selector("svg.graph g.node", timeout=120_000)
                        renders.append(time.perf_counter() - start)
                        page.locator("svg.graph g.node[data-label=collect]").click()
                        page.wait_for_selector("aside.panel[data-node=collect]")
                        interactives.append(time.perf_counter() - start)
                        page.close()
                    rows.append((size, statistics.median(renders), statistics.median(interactives)))
                browser.close()
        finally:
            server.stop()
    print("| nodes | first graph render s | interactive (node panel open) s | target s | verdict |")
    print("| ----- | -------------------- | ------------------------------- | -------- | ------- |")
    for size, render, interactive in rows:
        target = TARGETS.get(size)
        verdict = "" if target is None else ("meets" if interactive <= target else "misses")
        print(f"| {size:,} | {render:.2f} | {interactive:.2f} | {target or ''} | {verdict} |")


if __name__ == "__main__":
    main()
