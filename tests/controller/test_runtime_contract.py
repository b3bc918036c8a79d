"""The runtime contract over a runtime of the simple ``run()`` shape (``TaskRuntime``): every
start is answered by at most one PodStarted and exactly one PodFinished, cancelled or not."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from podkit import pod_spec

from argosy.engine.intents import PodFinished, PodResult, PodSpec
from argosy.runtime.api import NodeHandle, TaskRuntime
from argosy.runtime.base import RunContext


class Sleeper:
    """Starts, then sleeps until cancelled (or ends with ``result`` at once, or raises ``error``)."""

    def __init__(self, result: PodResult | None = None, error: Exception | None = None) -> None:
        self.result = result
        self.error = error

    async def run(self, pod: PodSpec, context: RunContext, on_started: Callable[[], None]) -> PodResult:
        if self.error is not None:
            raise self.error
        on_started()
        if self.result is not None:
            return self.result
        await asyncio.sleep(3600)
        raise AssertionError("not cancelled")


def drive(runtime: Any, cancel: str | None, *, daemon: bool = False, cancel_at_once: bool = False) -> list[Any]:
    reports: list[Any] = []

    async def go() -> None:
        rt = TaskRuntime(runtime, now=lambda: 7.0)
        pod = pod_spec({"container": {"image": "busybox"}}, daemon=daemon)
        handle = rt.start(pod, RunContext(Path("/nonexistent")), reports.append)
        assert handle == NodeHandle.for_pod(pod)
        if cancel is not None:
            if not cancel_at_once:
                await asyncio.sleep(0.01)
            rt.cancel(handle, cancel)
            rt.cancel(handle, "a second cancel is ignored")
        for _ in range(100):
            if any(isinstance(r, PodFinished) for r in reports):
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.01)
        assert rt.adopt(handle, pod, RunContext(Path("/nonexistent")), reports.append) is None

    asyncio.run(go())
    return [(type(r).__name__, getattr(r, "result", None)) for r in reports]


@pytest.mark.parametrize(
    ("runtime", "cancel", "daemon", "at_once", "want"),
    [
        (Sleeper(PodResult("Succeeded")), None, False, False,
         [("PodStarted", None), ("PodFinished", PodResult("Succeeded"))]),
        (Sleeper(), "stopped", False, False,
         [("PodStarted", None), ("PodFinished", PodResult("Failed", "stopped"))]),
        (Sleeper(), "stopped", True, False,
         [("PodStarted", None), ("PodFinished", PodResult("Succeeded"))]),
        (Sleeper(), "stopped before it ran", False, True,
         [("PodFinished", PodResult("Failed", "stopped before it ran"))]),
        (Sleeper(error=ValueError("bad")), None, False, False,
         [("PodFinished", PodResult("Error", "runtime error: ValueError: bad"))]),
    ],
    ids=["finishes", "cancelled", "daemon-cancelled", "cancelled-before-first-step", "raises"],
)
def test_one_finish_per_start(runtime: Any, cancel: str | None, daemon: bool, at_once: bool,
                              want: list[Any]) -> None:
    assert drive(runtime, cancel, daemon=daemon, cancel_at_once=at_once) == want


def test_handle_round_trips_as_data() -> None:
    handle = NodeHandle("uid", "node", "pod", "container-id")
    assert NodeHandle.from_dict(handle.to_dict()) == handle
