"""Memory of an idle ``argosy server`` whose store holds 10,000 archived workflows.

The archived workflows (one pod node each, as Argo's archive keeps them) are written straight
to a data dir's store; a server is started on it, asked once for the first page of the
archive (as the UI's archive view does), and left idle for 3 s; then its resident memory is
read. Target (issue 10): <= 150 MB.
"""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import fresh_data_dir, options, table, verdict
from server_harness import Server

from argosy.store import open_store


def seed(data: Path, count: int) -> None:
    store = open_store(data / "argosy.db")
    try:
        for i in range(count):
            uid = str(uuid.uuid4())
            name = f"archived-{i}"
            manifest = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
                        "metadata": {"name": name, "namespace": "default", "uid": uid,
                                     "labels": {"team": f"t{i % 10}"}},
                        "spec": {"entrypoint": "main", "templates": [{"name": "main", "container": {
                            "image": "alpine", "command": ["sh", "-c", "echo hi"]}}]}}
            node = {"id": name, "name": name, "displayName": name, "type": "Pod", "templateName": "main",
                    "phase": "Succeeded", "startedAt": "2026-01-01T00:00:00Z",
                    "finishedAt": "2026-01-01T00:00:05Z", "outputs": {"result": "hi", "exitCode": "0"}}
            store.create_workflow(manifest, {"phase": "Succeeded", "startedAt": "2026-01-01T00:00:00Z",
                                             "finishedAt": "2026-01-01T00:00:05Z", "nodes": {name: node}})
            store.archive_workflow(uid)
            store.delete_workflow(uid)
    finally:
        store.close()


def measure(count: int) -> dict[str, float]:
    data = fresh_data_dir()
    t0 = time.perf_counter()
    seed(data, count)
    seeded = time.perf_counter() - t0
    empty = Server.start(fresh_data_dir())
    try:
        time.sleep(3)
        baseline = empty.rss_mb()
    finally:
        empty.stop()
    server = Server.start(data)
    try:
        with server.client() as api:
            page = api.get("/api/v1/archived-workflows", params={"listOptions.limit": "50"})
            page.raise_for_status()
            assert len(page.json()["items"]) == 50, page.text[:200]
        time.sleep(3)
        rss = server.rss_mb()
    finally:
        server.stop()
    return {"rss": rss, "empty": baseline, "seed_s": seeded}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = options(__doc__ or "", argv, runs=1)
    count = 1000 if args.quick else 10000
    m = measure(count)
    print(table("Idle server memory (target: <= 150 MB RSS with 10,000 archived workflows)",
                ["archived workflows", "RSS MB", "empty store RSS MB", "target"],
                [[count, m["rss"], m["empty"], verdict(m["rss"] <= 150)]]))
    return m


if __name__ == "__main__":
    main()
