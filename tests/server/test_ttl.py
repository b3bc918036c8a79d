"""TTL against a real ``argosy server --archive``: a finished workflow is deleted when its
ttlStrategy says, and stays readable from the archive (GET by name, archived-workflows);
the due deletion survives a restart of the server (it is derived from the store)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from serverkit import start_server


def body(name: str, ttl: dict[str, int]) -> dict[str, Any]:
    return {"workflow": {"metadata": {"name": name}, "spec": {
        "entrypoint": "main", "ttlStrategy": ttl,
        "templates": [{"name": "main", "container": {"image": "busybox", "command": ["echo", "hi"]}}]}}}


def wait_for(check: Any, seconds: float = 30) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")



def test_ttl_deletes_and_the_archive_keeps_it(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--archive")
    try:
        with server.client() as api:
            assert api.post("/api/v1/workflows/default", json=body("short", {"secondsAfterCompletion": 1})
                            ).status_code == 200
            assert api.post("/api/v1/workflows/default", json=body("long", {"secondsAfterCompletion": 3600})
                            ).status_code == 200

            def archived() -> set[str]:
                items = api.get("/api/v1/archived-workflows", params={"namespace": "default"}).json()["items"]
                return {i["metadata"]["name"] for i in items or []}

            assert wait_for(lambda: {"short", "long"} <= archived())
            from argosy.store import open_store

            def live(name: str) -> bool:
                store = open_store(tmp_path / "argosy.db")
                try:
                    return store.find_workflow("default", name, with_nodes=False) is not None
                finally:
                    store.close()

            wait_for(lambda: not live("short"))
            assert live("long")
            got = api.get("/api/v1/workflows/default/short")
            assert got.status_code == 200
            wf = got.json()
            assert wf["status"]["phase"] == "Succeeded" and wf["status"]["nodes"]
    finally:
        server.stop()


def test_a_due_ttl_survives_a_restart(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    try:
        with server.client() as api:
            api.post("/api/v1/workflows/default", json=body("later", {"secondsAfterSuccess": 4}))
            wait_for(lambda: api.get("/api/v1/workflows/default/later").json()["status"].get("phase") == "Succeeded")
    finally:
        server.kill()  # no chance to remember anything in memory
    server = start_server(tmp_path)
    try:
        with server.client() as api:
            wait_for(lambda: api.get("/api/v1/workflows/default/later").status_code == 404, seconds=30)
    finally:
        server.stop()


def test_a_bad_archive_ttl_stops_the_server_saying_why(tmp_path: Path) -> None:
    import os
    import subprocess

    from serverkit import ROOT, free_port, server_command

    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(server_command(free_port(), tmp_path, "--archive-ttl", "soon"), cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode != 0
    assert '--archive-ttl/--default-ttl: unable to parse soon as a duration' in done.stderr
