"""A workflow's log journal is keyed by its uid, and closed when the workflow ends."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from argosy.controller import Controller, data_store, prepare_workflow
from argosy.engine.intents import PodResult, PodSpec
from argosy.runtime.base import RunContext
from argosy.runtime.logs import journal_path, read_log
from argosy.spec import ObjectSet, load_text

WORKFLOW = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: same-name}
spec:
  entrypoint: main
  templates:
  - {name: main, container: {image: busybox, command: [echo, hi]}}
"""


class Talker:
    """Logs one line per pod, as a runtime without a process to stream from does."""

    async def run(self, pod: PodSpec, context: RunContext, on_started: Callable[[], None]) -> PodResult:
        on_started()
        context.write_log(pod.workflow_name, pod.pod_name, f"hello from {pod.workflow_uid}\n")
        return PodResult(phase="Succeeded")


def test_journal_by_uid_closed_at_the_end(tmp_path: Path) -> None:
    async def go() -> list[tuple[str, bool]]:
        store = data_store(tmp_path)
        out = []
        try:
            for _ in range(2):  # the same name twice, one after the other (the first deleted)
                controller = Controller(data_dir=tmp_path, store=store, runtime=Talker())
                wf = prepare_workflow(load_text(WORKFLOW)[0].body, ObjectSet())
                [engine] = await controller.run([wf])
                worker = controller.workers[engine.uid]
                out.append((engine.uid, not worker.context.journals))
                await controller.close()
                store.delete_workflow(engine.uid)
        finally:
            store.close()
        return out

    runs = asyncio.run(go())
    assert [closed for _, closed in runs] == [True, True]
    for uid, _ in runs:
        assert journal_path(tmp_path, uid).exists()
        assert read_log(tmp_path, uid, "same-name").decode() == f"hello from {uid}\n"
