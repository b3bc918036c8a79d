"""A workflow's namespaces (their holder and network helper) live as long as the workflow."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from podkit import container, pod_spec

from argosy.runtime import ProcessRuntime, RunContext, namespaces


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
    # told to end at once (their reaping goes on in the background): they exit by themselves
    for helper in (ns.holder, ns.network):  # type: ignore[attr-defined]
        if helper is not None:
            assert helper.wait(timeout=10) is not None


@pytest.mark.parametrize("slirp", [True, False], ids=["slirp4netns", "no-slirp4netns"])
def test_a_workflow_network_has_its_loopback_up(monkeypatch: pytest.MonkeyPatch, slirp: bool) -> None:
    """slirp4netns brings the loopback up; without it the namespaces do (a sidecar answers on
    localhost either way), and the holder itself runs no program to do it."""
    if not slirp:
        which = shutil.which
        monkeypatch.setattr(namespaces.shutil, "which", lambda name: None if name == "slirp4netns" else which(name))
    elif not shutil.which("slirp4netns"):
        pytest.skip("slirp4netns is not installed")
    ns = namespaces.WorkflowNamespaces.start(host_network=False)
    try:
        assert ns.outbound is slirp
        flags = subprocess.run([*ns.prefix, "cat", "/sys/class/net/lo/flags"], capture_output=True,
                               text=True, check=True).stdout
        assert int(flags, 16) & 0x1, "IFF_UP"
    finally:
        ns.close()
