"""Fixtures for process-runtime tests: real bwrap sandboxes, a run context in tmp_path."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from podkit import RunPod, pod_spec

from argosy.engine.intents import PodResult
from argosy.errors import RuntimeFailure
from argosy.runtime import ProcessRuntime, RunContext


@pytest.fixture(scope="session")
def runtime() -> ProcessRuntime:
    rt = ProcessRuntime()
    try:
        rt.check()
    except RuntimeFailure as e:
        pytest.skip(f"no sandbox on this machine: {e}")
    return rt


@pytest.fixture
def context(tmp_path: Path) -> RunContext:
    return RunContext(
        data_dir=tmp_path / "data",
        configmaps={"cm": {"greeting": "hello from cm", "file.txt": "cm file"}},
        secrets={"sec": {"password": "s3cret"}},
    )




@pytest.fixture
def run(runtime: ProcessRuntime, context: RunContext) -> RunPod:
    """Run one template to completion: ``run(template, **podspec_fields)``."""

    def _run(template: dict[str, Any], **kw: Any) -> PodResult:
        return asyncio.run(runtime.run(pod_spec(template, **kw), context, lambda: None))

    return _run
