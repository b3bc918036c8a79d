"""The corpus's CronWorkflows, scheduled: each is created in a store, its schedule is made to
fire (a fake clock moved to its next run time), and every workflow it spawns Succeeds."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from argosy.controller import Controller
from argosy.controller.clock import FakeClock
from argosy.controller.cron import CronScheduler
from argosy.errors import ArgosyError
from argosy.spec import ObjectSet, load_paths
from argosy.spec.manifest import Manifest
from argosy.store import open_store

EXAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "conformance" / "argo-examples"
if not EXAMPLES.is_dir():
    pytest.skip(f"no conformance corpus at {EXAMPLES}", allow_module_level=True)

CRON_FILES = ["cron-workflow.yaml", "cron-when.yaml", "cron-workflow-multiple-schedules.yaml",
              "dag-inline-cronworkflow.yaml"]
TIMEOUT = 60.0


def corpus_templates() -> list[Manifest]:
    """The WorkflowTemplates of the corpus (``dag-inline`` is one), as the conformance test applies them."""
    found: list[Manifest] = []
    for path in sorted(EXAMPLES.rglob("*.y*ml")):
        try:
            found.extend(m for m in load_paths([path]) if m.kind in ("WorkflowTemplate", "ClusterWorkflowTemplate"))
        except ArgosyError:
            continue
    return found


async def fire_once(body: dict, data: Path) -> list[tuple[str, str, dict]]:
    """Create the CronWorkflow, move the clock to its next run, run it; (name, phase, workflow)."""
    store = open_store(data / "argosy.db")
    clock = FakeClock(1_767_607_230.0)  # 2026-01-05T10:00:30Z
    controller = Controller(data_dir=data, store=store, objects=ObjectSet(corpus_templates()), clock=clock)
    scheduler = CronScheduler(controller)
    try:
        store.create_object("CronWorkflow", {**body, "metadata": {**body["metadata"], "namespace": "default"}})
        await scheduler.start(loop=False)
        due = scheduler.next_due()
        assert due is not None
        clock.t = due
        await scheduler.run_once()
        await asyncio.wait_for(controller.wait_all(), TIMEOUT)
        await asyncio.sleep(0)
        store.flush()
        return [(r.name, r.phase, r.to_workflow()) for r in store.list_workflows("default").items]
    finally:
        await scheduler.stop()
        await controller.close()
        store.close()


@pytest.mark.parametrize("path", CRON_FILES)
def test_corpus_cron_workflow_spawns_workflows_that_succeed(path: str, tmp_path: Path) -> None:
    [cron] = [m.body for m in load_paths([EXAMPLES / path]) if m.kind == "CronWorkflow"]
    spawned = asyncio.run(fire_once(cron, tmp_path))
    assert spawned, f"{path}: the schedule made no workflow"
    for name, phase, workflow in spawned:
        assert phase == "Succeeded", f"{path}: {name} ended {phase}: {(workflow.get('status') or {}).get('message')}"
        meta = workflow["metadata"]
        assert meta["labels"]["workflows.argoproj.io/cron-workflow"] == cron["metadata"]["name"]
        assert meta["annotations"]["workflows.argoproj.io/scheduled-time"].endswith("Z")
