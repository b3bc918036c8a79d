"""W5 through the server: GET of a 10,000-node workflow from ``argosy server``, with and without
a ``fields`` projection.

The workflow (W5's fan-out, answered by the fake runtime in this process) is written to a
data dir's store as ``argosy run`` would; a server is then started on that data dir and the
workflow fetched by name (median of 20 GETs each). Target (issue 10): the GET with a
``fields`` projection answers in <= 200 ms. The projection is the one Argo's UI sends for a
workflow's summary (no nodes); one keeping the nodes, and the whole workflow, are shown too.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import dump, fresh_data_dir, options, run_yaml, table, verdict
from server_harness import Server
from w5_scale import answer, fanout

from argosy.runtime.base import FakeRuntime

#: what is asked for: (label, fields)
PROJECTIONS = [
    ("summary (fields, no nodes)", ("metadata,spec,status.phase,status.startedAt,status.finishedAt,"
                                   "status.progress,status.message")),
    ("with nodes (fields)", "metadata.name,status.phase,status.nodes"),
    ("whole workflow (no fields)", ""),
]


def measure(items: int, runs: int = 20) -> list[list[Any]]:
    data = fresh_data_dir()
    run = run_yaml(dump(fanout(items)), runtime=FakeRuntime(answer), data_dir=data)
    name, nodes = run.engine.name, len(run.engine.nodes.by_id)
    server = Server.start(data)
    rows = []
    try:
        with server.client() as api:
            for label, fields in PROJECTIONS:
                params = {"fields": fields} if fields else {}
                api.get(f"/api/v1/workflows/default/{name}", params=params).raise_for_status()
                times, size = [], 0
                for _ in range(runs):
                    t0 = time.perf_counter()
                    answer_ = api.get(f"/api/v1/workflows/default/{name}", params=params)
                    times.append(time.perf_counter() - t0)
                    answer_.raise_for_status()
                    size = len(answer_.content)
                ms = statistics.median(times) * 1000
                # the target is the projection's; the answers with every node are shown for scale
                target = verdict(ms <= 200) if "status.nodes" not in fields and fields else "-"
                rows.append([nodes, label, ms, size / 1024, target])
    finally:
        server.stop()
    return rows


def main(argv: list[str] | None = None) -> list[list[Any]]:
    args = options(__doc__ or "", argv, runs=20)
    rows = measure(1000 if args.quick else 10000, max(args.runs, 5))
    print(table("W5 through the server: GET of one workflow (target: with fields <= 200 ms)",
                ["nodes", "asked for", "median ms", "answer KiB", "target"], rows))
    return rows


if __name__ == "__main__":
    main()
