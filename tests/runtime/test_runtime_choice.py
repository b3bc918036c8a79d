"""A workflow picks its runtime with ``workflows.argosy.dev/runtime`` (annotation or label);
without one it runs on the default; an unknown or unusable runtime fails its pods clearly."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from podkit import pod_spec

from argosy.engine.intents import PodResult, PodSpec
from argosy.errors import RuntimeFailure
from argosy.runtime.base import RunContext
from argosy.runtime.choice import RuntimeChoice, runtime_of


class Named:
    def __init__(self, name: str, broken: bool = False) -> None:
        self.name = name
        self.broken = broken

    def check(self) -> None:
        if self.broken:
            raise RuntimeFailure("no Docker Engine answers")

    async def run(self, pod: PodSpec, context: RunContext, on_started: Any) -> PodResult:
        return PodResult(phase="Succeeded", outputs={"result": self.name})


@pytest.mark.parametrize(("metadata", "want"), [
    ({}, None),
    ({"annotations": {"workflows.argosy.dev/runtime": "docker"}}, "docker"),
    ({"labels": {"workflows.argosy.dev/runtime": "Process"}}, "process"),
    ({"annotations": {"workflows.argosy.dev/runtime": "docker"},
      "labels": {"workflows.argosy.dev/runtime": "process"}}, "docker"),
])
def test_runtime_of(metadata: dict[str, Any], want: str | None) -> None:
    assert runtime_of({"metadata": metadata}) == want


@pytest.mark.parametrize(("asked", "phase", "says"), [
    (None, "Succeeded", "process"),
    ("process", "Succeeded", "process"),
    ("docker", "Error", "the docker runtime this workflow asks for cannot run here: no Docker Engine answers"),
    ("kubernetes", "Error", "workflows.argosy.dev/runtime: 'kubernetes' is not a runtime; use one of process, docker"),
])
def test_each_workflow_runs_on_the_runtime_it_chose(tmp_path: Any, asked: str | None, phase: str, says: str) -> None:
    choice = RuntimeChoice("process", lambda kind: Named(kind, broken=kind == "docker"))
    context = RunContext(tmp_path)
    context.runtime_name = asked
    result = asyncio.run(choice.run(pod_spec({"name": "t", "container": {"image": "busybox"}}), context,
                                    lambda *a: None))
    assert result.phase == phase
    assert (result.outputs.get("result") if phase == "Succeeded" else result.message) == says


def test_an_unknown_default_is_refused() -> None:
    with pytest.raises(RuntimeFailure, match="use one of process, docker"):
        RuntimeChoice("podman")
