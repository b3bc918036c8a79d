"""A workflow's namespaces (their holder and network helper) live as long as the workflow."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

from podkit import container, pod_spec

from argosy.runtime import ProcessRuntime, RunContext


def test_a_finished_workflows_namespaces_close_at_once(runtime: ProcessRuntime, tmp_path: Path) -> None:
    """The controller's ``finish_workflow`` closes them: a linger timer would never fire once the
    event loop that armed it is gone (one ``argosy run``, one conformance case), and every
    finished workflow would keep a holder and a slirp4netns process."""
    pod = replace(pod_spec(container("true")), workflow_uid="uid-lifetime")
    context = RunContext(tmp_path / "data", workflow_uid=pod.workflow_uid)

    async def main() -> object:
        result = await runtime.run(pod, context, lambda *a, **k: None)
        assert result.phase == "Succeeded"
        (ns,) = [ns for (uid, _), ns in runtime.namespaces.live.items() if uid == "uid-lifetime"]
        await runtime.finish_workflow(pod.workflow_uid)
        return ns

    ns = asyncio.run(main())
    assert all(uid != "uid-lifetime" for uid, _ in runtime.namespaces.live)
    assert ns.holder.wait(timeout=10) is not None  # type: ignore[attr-defined]
