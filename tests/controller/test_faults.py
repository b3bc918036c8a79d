"""Faults never hang a run: an exception in a runtime or in the engine ends the affected node
as Error with the message, and the workflow goes on to its end (exit handler included)."""

from __future__ import annotations

from typing import Any

import pytest

from argosy.engine.intents import PodFinished, PodResult, PodSpec
from argosy.engine.reconciler import Reconciler
from argosy.testing import result_of, run_workflow

TWO_STEPS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: faults}
spec:
  entrypoint: main
  onExit: bye
  templates:
  - name: main
    steps:
    - - {name: a, template: work, continueOn: {error: true}}
    - - {name: b, template: work}
  - name: work
    container: {image: busybox, command: [echo, hi]}
  - name: bye
    container: {image: busybox, command: [echo, bye]}
"""


def nodes(engine: Reconciler) -> dict[str, Any]:
    return {n.display_name: n for n in engine.nodes}


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (ValueError("no such thing"), "runtime error: ValueError: no such thing"),
        (KeyError("k"), "runtime error: KeyError: 'k'"),
    ],
    ids=["value-error", "key-error"],
)
def test_runtime_exception_ends_the_node_and_the_run_goes_on(error: Exception, message: str) -> None:
    def handler(pod: PodSpec) -> PodResult:
        if pod.node_id == first["id"]:
            raise error
        return result_of({"result": "ok"})

    first: dict[str, str] = {}

    def remember(pod: PodSpec) -> PodResult:
        first.setdefault("id", pod.node_id)
        return handler(pod)

    engine = run_workflow(TWO_STEPS, remember)
    got = nodes(engine)
    assert (got["a"].phase, got["a"].message) == ("Error", message)
    assert got["b"].phase == "Succeeded"
    assert got["faults.onExit"].phase == "Succeeded"
    assert engine.phase == "Succeeded"


def test_runtime_exception_is_retried_by_retry_strategy() -> None:
    calls: list[str] = []

    def flaky(pod: PodSpec) -> PodResult:
        calls.append(pod.node_id)
        if len(calls) == 1:
            raise RuntimeError("socket closed")
        return result_of()

    engine = run_workflow("""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: retried}
spec:
  entrypoint: work
  templates:
  - name: work
    retryStrategy: {limit: 2, retryPolicy: Always}
    container: {image: busybox, command: [echo, hi]}
""", flaky)
    assert engine.phase == "Succeeded"
    messages = sorted(n.message or "" for n in engine.nodes if n.type == "Pod")
    assert messages == ["", "runtime error: RuntimeError: socket closed"]


def test_engine_exception_on_a_report_ends_that_node(monkeypatch: pytest.MonkeyPatch) -> None:
    real = Reconciler.handle
    raised: list[str] = []

    def handle(self: Reconciler, event: Any, now: float) -> Any:
        node = self.nodes.by_id.get(event.node_id)
        if isinstance(event, PodFinished) and node is not None and node.display_name == "a" and not raised:
            raised.append(node.id)
            raise ZeroDivisionError("division by zero")
        return real(self, event, now)

    monkeypatch.setattr(Reconciler, "handle", handle)
    engine = run_workflow(TWO_STEPS)
    got = nodes(engine)
    assert (got["a"].phase, got["a"].message) == ("Error", "engine error: ZeroDivisionError: division by zero")
    assert got["b"].phase == "Succeeded"
    assert got["faults.onExit"].phase == "Succeeded"
    assert engine.phase == "Succeeded"


def test_engine_that_keeps_raising_ends_the_workflow(monkeypatch: pytest.MonkeyPatch) -> None:
    def handle(self: Reconciler, event: Any, now: float) -> Any:
        raise RuntimeError("corrupt state")

    monkeypatch.setattr(Reconciler, "handle", handle)
    engine = run_workflow(TWO_STEPS)
    assert engine.phase == "Error"
    assert engine.message == "engine error: RuntimeError: corrupt state"
    assert {n.phase for n in engine.nodes} == {"Error"}


def test_engine_exception_at_start_ends_the_workflow(monkeypatch: pytest.MonkeyPatch) -> None:
    def start(self: Reconciler, now: float) -> Any:
        raise AttributeError("'NoneType' object has no attribute 'get'")

    monkeypatch.setattr(Reconciler, "start", start)
    engine = run_workflow(TWO_STEPS)
    assert (engine.phase, engine.message) == (
        "Error", "engine error: AttributeError: 'NoneType' object has no attribute 'get'")


def test_engine_exception_on_a_timer_ends_the_workflow(monkeypatch: pytest.MonkeyPatch) -> None:
    real = Reconciler.tick
    state = {"armed": False}

    def tick(self: Reconciler, now: float) -> Any:
        if state["armed"]:
            raise OverflowError("timer")
        return real(self, now)

    monkeypatch.setattr(Reconciler, "tick", tick)
    monkeypatch.setattr(Reconciler, "start", _arming(Reconciler.start, state))
    engine = run_workflow("""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: sleepy}
spec:
  entrypoint: wait
  templates:
  - name: wait
    suspend: {duration: "60"}
""")
    assert (engine.phase, engine.message) == ("Error", "engine error: OverflowError: timer")
    assert [n.phase for n in engine.nodes] == ["Error"]


def _arming(real: Any, state: dict[str, bool]) -> Any:
    def start(self: Reconciler, now: float) -> Any:
        out = real(self, now)
        state["armed"] = True
        return out

    return start


class RefusingRuntime:
    """A runtime of the handle contract whose ``start`` raises for the first pod."""

    def __init__(self) -> None:
        self.inner: Any = None
        self.refused = 0

    def start(self, pod: PodSpec, context: Any, report: Any) -> Any:
        if not self.refused:
            self.refused += 1
            raise OSError(28, "No space left on device")
        return self.inner.start(pod, context, report)

    def cancel(self, handle: Any, reason: str) -> None:
        self.inner.cancel(handle, reason)

    def adopt(self, handle: Any, pod: PodSpec, context: Any, report: Any) -> Any:
        return None


def test_runtime_that_cannot_start_a_pod_fails_that_node() -> None:
    from argosy.controller.clock import FakeClock
    from argosy.runtime.api import TaskRuntime
    from argosy.testing import FakeRuntime

    clock = FakeClock()
    runtime = RefusingRuntime()
    runtime.inner = TaskRuntime(FakeRuntime(lambda pod: result_of()), clock.now)
    engine = run_workflow(TWO_STEPS, runtime=runtime, clock=clock)
    got = nodes(engine)
    assert (got["a"].phase, got["a"].message) == ("Error", "runtime error: OSError: [Errno 28] No space left on device")
    assert (got["b"].phase, got["faults.onExit"].phase, engine.phase) == ("Succeeded", "Succeeded", "Succeeded")


def test_progress_display_that_breaks_does_not_stop_the_run() -> None:
    import asyncio
    from pathlib import Path

    from argosy.controller import Controller, FakeClock, prepare_workflow
    from argosy.spec import ObjectSet, load_text
    from argosy.testing import FakeRuntime

    calls: list[int] = []

    def closed_pipe(engine: Any, changed: Any) -> None:
        calls.append(1)
        raise BrokenPipeError(32, "Broken pipe")

    async def go() -> Reconciler:
        controller = Controller(data_dir=Path("/nonexistent"), runtime=FakeRuntime(lambda pod: result_of()),
                                clock=FakeClock(), on_change=closed_pipe)
        [engine] = await controller.run([prepare_workflow(load_text(TWO_STEPS)[0].body, ObjectSet())])
        return engine

    engine = asyncio.run(go())
    assert engine.phase == "Succeeded"
    assert calls == [1]  # told once, then left alone
