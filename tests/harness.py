"""Engine tests: workflows run through the real controller loop on a fake runtime and clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from argosy import testing
from argosy.controller.worker import Worker
from argosy.engine.intents import PodResult, PodSpec
from argosy.engine.reconciler import Reconciler
from argosy.testing import result_of

Handler = Callable[[PodSpec], PodResult]


def echo_handler(pod: PodSpec) -> PodResult:
    """Pretend to run ``echo``-like containers: result = the joined args after ``-c``/echo."""
    t = pod.template
    c = t.get("container") or t.get("script") or {}
    args = [str(a) for a in (c.get("command") or []) + (c.get("args") or [])]
    text = ""
    if t.get("script"):
        text = t["script"].get("source", "").strip()
    elif args:
        joined = " ".join(args)
        if "echo " in joined:
            text = joined.split("echo ", 1)[1]
        if "exit 1" in joined:
            return result_of({"result": text}, exit_code=1)
    outputs: dict[str, Any] = {"result": text}
    params = []
    for p in (t.get("outputs") or {}).get("parameters") or []:
        vf = p.get("valueFrom") or {}
        if "default" in vf or "path" in vf:
            params.append({"name": p["name"], "value": str(vf.get("default", text))})
    if params:
        outputs["parameters"] = params
    return result_of(outputs)


def run_workflow(text: str, handler: Handler = echo_handler, *, templates: list[str] = (),
                 control: Callable[[Worker], Any] | None = None,
                 tmp: Path | None = None) -> Reconciler:
    return testing.run_workflow(text, handler, objects=templates, control=control, data_dir=tmp)


def by_display(engine: Reconciler) -> dict[str, Any]:
    return {n.display_name: n for n in engine.nodes}


@pytest.fixture
def run() -> Callable[..., Reconciler]:
    return run_workflow


async def until(check: Callable[[], bool], what: str, *, seconds: float = 30.0) -> None:
    """Wait on the running loop until ``check()`` holds; fail saying ``what`` never happened."""
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never: {what}")
