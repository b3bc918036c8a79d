"""A long-running controller (``keep_finished=False``, as the server runs it) keeps nothing of
a workflow once it ended and its status is durable; ``wait`` still answers from the store."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from argosy.controller import Controller, prepare_workflow
from argosy.controller.controller import data_store
from argosy.controller.recovery import can_restore
from argosy.spec import ObjectSet, load_text
from argosy.testing import FakeRuntime, result_of

CHAIN = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: kept-short}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: one, template: say}
    - - {name: two, template: say}
  - name: say
    container: {image: busybox, command: [echo, hi]}
"""


@pytest.mark.parametrize("keep", [True, False], ids=["embedded", "server"])
def test_an_ended_workflow_is_dropped_and_still_awaitable(tmp_path: Path, keep: bool) -> None:
    if not keep and not can_restore():
        pytest.skip("this engine cannot restore a workflow from its status")

    async def go() -> tuple[bool, list[tuple[str, str]], list[tuple[str, str]]]:
        store = data_store(tmp_path)
        try:
            controller = Controller(data_dir=tmp_path, store=store, keep_finished=keep,
                                    runtime=FakeRuntime(lambda pod: result_of({"result": "hi"})))
            uid = controller.start(prepare_workflow(load_text(CHAIN)[0].body, ObjectSet()))
            first = await asyncio.wait_for(controller.wait(uid), 10)
            await asyncio.sleep(0)  # the run's task has returned: its worker is gone (or kept)
            held = uid in controller.workers or controller.running(uid)
            again = await controller.wait(uid)
            await controller.close()
        finally:
            store.close()
        seen = lambda e: sorted((n.display_name, n.phase) for n in e.nodes)
        return held, seen(first), seen(again)

    held, first, again = asyncio.run(go())
    assert held is keep
    assert again == first
    assert ("two", "Succeeded") in first
