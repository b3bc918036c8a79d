"""A server killed with -9 and started again on the same data dir: nothing accepted is lost."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from serverkit import create, hello, start_server, wait_done

from argosy.controller.recovery import can_restore

TWO_NAPS = {"metadata": {"name": "held-over"}, "spec": {"entrypoint": "main", "templates": [
    {"name": "main", "steps": [[{"name": "first", "template": "nap"}], [{"name": "second", "template": "nap"}]]},
    {"name": "nap", "container": {"image": "busybox", "command": ["sh", "-c", "sleep 0.3"]}},
]}}


def test_finished_workflows_and_templates_survive_a_kill(tmp_path: Path) -> None:
    first = start_server(tmp_path)
    with first.client() as api:
        create(api, hello("kept"))
        wait_done(api, "kept")
        api.post("/api/v1/workflow-templates/default", json={"template": {
            "metadata": {"name": "kept-template"}, "spec": hello()["spec"]}}).raise_for_status()
    first.kill()
    second = start_server(tmp_path)
    try:
        with second.client() as api:
            assert api.get("/api/v1/workflows/default/kept").json()["status"]["phase"] == "Succeeded"
            assert api.get("/api/v1/workflow-templates/default/kept-template").status_code == 200
    finally:
        second.stop()


def test_a_suspended_workflow_is_still_suspended_after_a_kill(tmp_path: Path) -> None:
    if not can_restore():
        pytest.skip("this engine cannot restore a workflow from its status")
    first = start_server(tmp_path)
    with first.client() as api:
        create(api, TWO_NAPS)
        api.put("/api/v1/workflows/default/held-over/suspend", json={}).raise_for_status()
        time.sleep(1.0)  # the first nap ends; the second is held
    first.kill()
    second = start_server(tmp_path)
    try:
        with second.client() as api:
            time.sleep(0.5)
            wf = api.get("/api/v1/workflows/default/held-over").json()
            assert wf["spec"].get("suspend") is True, wf["status"]
            assert wf["status"]["phase"] == "Running"
            api.put("/api/v1/workflows/default/held-over/resume", json={}).raise_for_status()
            assert wait_done(api, "held-over")["status"]["phase"] == "Succeeded"
    finally:
        second.stop()
