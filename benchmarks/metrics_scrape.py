"""``GET /metrics`` with 10,000 workflows known (issue 11: a scrape ≤ 50 ms).

Two figures:

- **server**: a real ``argosy server`` (subprocess, SQLite store) started on a data dir holding
  N finished workflows (Succeeded/Failed/Error, 10 namespaces) written straight to the store;
  each scrape is timed from the client (HTTP round trip included). Floor: ``GET
  /api/v1/version`` on the same server, interleaved with the scrapes (the machine is shared:
  a ratio to a floor run side by side is what stays comparable).
- **registry**: in this process, a ``Metrics`` registry that knows N workflows and holds N
  custom series (one label value per workflow: the worst cardinality Argo's docs warn about),
  rendered to text (``Metrics.exposition``, what the server answers) per scrape.

Also printed: the server's start-up with N workflows (it reads them once to seed the gauge).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.append(str(Path(__file__).resolve().parent.parent / "tests"))

from harness import options, percentile, table, verdict

TARGET_MS = 50.0
PHASES = ("Succeeded", "Failed", "Error")


def seed_store(data_dir: Path, count: int) -> None:
    from argosy.controller.controller import STORE_FILE
    from argosy.store import open_store

    store = open_store(data_dir / STORE_FILE)
    try:
        for i in range(count):
            phase = PHASES[i % len(PHASES)]
            manifest = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
                        "metadata": {"name": f"wf-{i}", "namespace": f"ns-{i % 10}", "uid": str(uuid.uuid4())},
                        "spec": {"entrypoint": "main", "templates": [{"name": "main", "container": {
                            "image": "busybox", "command": ["echo"]}}]}}
            status = {"phase": phase, "startedAt": "2026-12-01T00:00:00Z", "finishedAt": "2026-12-01T00:00:01Z"}
            store.create_workflow(manifest, status)
        store.flush()
    finally:
        store.close()


def server_figures(count: int, scrapes: int) -> dict[str, float]:
    from serverkit import start_server

    with tempfile.TemporaryDirectory(prefix="argosy-metrics-bench-") as tmp:
        data = Path(tmp)
        seed_store(data, count)
        began = time.perf_counter()
        server = start_server(data)
        startup = time.perf_counter() - began
        try:
            with server.client() as api:
                text = api.get("/metrics").text
                assert f'argo_workflows_gauge{{status="Succeeded"}} {count // 3 + (1 if count % 3 else 0)}' in text, text[:500]
                scrape_ms, floor_ms = [], []
                for _ in range(scrapes):
                    t = time.perf_counter()
                    api.get("/metrics").raise_for_status()
                    scrape_ms.append((time.perf_counter() - t) * 1000)
                    t = time.perf_counter()
                    api.get("/api/v1/version").raise_for_status()
                    floor_ms.append((time.perf_counter() - t) * 1000)
        finally:
            server.stop()
    return {"startup_s": startup, "p50": statistics.median(scrape_ms), "p99": percentile(scrape_ms, 99),
            "floor_p50": statistics.median(floor_ms)}


def registry_figures(count: int, scrapes: int) -> dict[str, float]:
    from argosy.controller.custom_metrics import Emission
    from argosy.controller.metrics import Metrics

    metrics = Metrics()
    for i in range(count):
        uid = f"uid-{i}"
        metrics.known_workflow(uid, PHASES[i % len(PHASES)])
        metrics.upsert(Emission("runs", "runs by workflow", "counter", (("workflow", f"wf-{i}"),), 1.0), uid)
    times = []
    for _ in range(scrapes):
        t = time.perf_counter()
        metrics.exposition()
        times.append((time.perf_counter() - t) * 1000)
    return {"p50": statistics.median(times), "p99": percentile(times, 99)}


def main(argv: list[str] | None = None) -> None:
    args = options(__doc__.splitlines()[0], argv)
    count = 1_000 if args.quick else 10_000
    scrapes = 20 if args.quick else 100
    server = server_figures(count, scrapes)
    registry = registry_figures(count, scrapes)
    rows = [
        [f"server, {count:,} workflows in the store", f"{server['p50']:.1f}", f"{server['p99']:.1f}",
         f"{server['floor_p50']:.1f}", f"{server['p50'] / server['floor_p50']:.2f}x",
         verdict(server["p50"] <= TARGET_MS)],
        [f"registry, {count:,} workflows + {count:,} custom series", f"{registry['p50']:.1f}",
         f"{registry['p99']:.1f}", "-", "-", verdict(registry["p50"] <= TARGET_MS)],
    ]
    print(table(f"/metrics scrape — target ≤ {TARGET_MS:.0f} ms",
                ["what", "p50 ms", "p99 ms", "floor p50 ms (GET /api/v1/version)", "ratio", "verdict"], rows))
    print(f"\nserver start-up with {count:,} workflows (seeding the gauge included): {server['startup_s']:.2f} s")


if __name__ == "__main__":
    main()
