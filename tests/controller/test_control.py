"""Control by uid through the Controller: resume (all, or by node name), stop, terminate."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from argosy.controller import Controller, FakeClock, Resume, prepare_workflow
from argosy.engine.reconciler import Reconciler
from argosy.spec import ObjectSet, load_text
from argosy.testing import FakeRuntime, result_of

GATES = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: gates}
spec:
  entrypoint: main
  onExit: bye
  templates:
  - name: main
    steps:
    - - {name: approve, template: gate}
      - {name: review, template: gate}
    - - {name: work, template: work}
  - name: gate
    suspend: {}
  - name: work
    container: {image: busybox, command: [echo, hi]}
  - name: bye
    container: {image: busybox, command: [echo, bye]}
"""


def drive(control: Callable[[Controller, str], None]) -> Reconciler:
    async def go() -> Reconciler:
        controller = Controller(data_dir=Path("/nonexistent"), runtime=FakeRuntime(lambda pod: result_of()),
                                clock=FakeClock())
        [wf] = [prepare_workflow(load_text(GATES)[0].body, ObjectSet())]
        uid = controller.start(wf)
        await asyncio.sleep(0.01)
        control(controller, uid)
        return await asyncio.wait_for(controller.wait(uid), 10)

    return asyncio.run(go())


def phases(engine: Reconciler) -> dict[str, str]:
    return {n.display_name: n.phase for n in engine.nodes if n.type != "StepGroup"}


def resume_one_by_one(c: Controller, uid: str) -> None:
    c.resume(uid, "approve")
    c.apply(uid, Resume("gates[0].review"))


@pytest.mark.parametrize(
    ("control", "phase", "want"),
    [
        (lambda c, uid: c.resume(uid), "Succeeded",
         {"approve": "Succeeded", "review": "Succeeded", "work": "Succeeded"}),
        (resume_one_by_one, "Succeeded", {"approve": "Succeeded", "review": "Succeeded", "work": "Succeeded"}),
        (lambda c, uid: c.stop(uid), "Failed", {"approve": "Failed", "review": "Failed", "gates.onExit": "Succeeded"}),
        (lambda c, uid: c.terminate(uid), "Failed", {"approve": "Failed", "review": "Failed", "gates.onExit": None}),
    ],
    ids=["resume-all", "resume-by-name", "stop-runs-exit-handler", "terminate-skips-it"],
)
def test_control_by_uid(control: Callable[[Controller, str], None], phase: str, want: dict[str, str]) -> None:
    engine = drive(control)
    assert engine.phase == phase
    got = phases(engine)
    assert {k: got.get(k) for k in want} == want


def test_unknown_uid_is_a_key_error() -> None:
    async def go() -> None:
        controller = Controller(data_dir=Path("/nonexistent"), runtime=FakeRuntime(lambda pod: result_of()))
        with pytest.raises(KeyError):
            controller.stop("no-such-uid")

    asyncio.run(go())
