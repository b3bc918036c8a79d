"""Fixtures for Docker-runtime tests: a real Docker Engine with locally built stand-in images.

Without an engine every test here is skipped, and the reason is printed (see
:func:`dockerkit.engine`): never silently.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dockerkit
import pytest
from podkit import pod_spec

from argosy.engine.intents import PodResult
from argosy.runtime import RunContext
from argosy.runtime.docker import DockerRuntime


@pytest.fixture(scope="session")
def docker_runtime() -> Iterator[DockerRuntime]:
    ok, why = dockerkit.engine()
    if not ok:
        pytest.skip(f"docker runtime: {why}")
    rt = DockerRuntime()
    yield rt
    asyncio.run(rt.close())


@pytest.fixture
def context(tmp_path: Path) -> RunContext:
    return RunContext(
        data_dir=tmp_path / "data",
        configmaps={"cm": {"greeting": "hello from cm", "file.txt": "cm file"}},
        secrets={"sec": {"password": "s3cret"}},
    )


@pytest.fixture
def run(docker_runtime: DockerRuntime, context: RunContext) -> Any:
    """Run one template to completion on Docker: ``run(template, **podspec_fields)``."""

    def _run(template: dict[str, Any], **kw: Any) -> PodResult:
        pod = pod_spec(template, **kw)

        async def go() -> PodResult:
            try:
                return await docker_runtime.run(pod, context, lambda: None)
            finally:
                await docker_runtime.settled(pod.workflow_uid)

        return asyncio.run(go())

    return _run


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Say why the docker tests did not run, even under ``-q`` (never a silent skip)."""
    reasons = {str(r.longrepr[2]).removeprefix("Skipped: ")
               for r in terminalreporter.stats.get("skipped", [])
               if "tests/runtime/docker/" in getattr(r, "nodeid", "") and isinstance(r.longrepr, tuple)}
    for reason in sorted(reasons):
        terminalreporter.write_line(f"docker tests skipped: {reason}")
