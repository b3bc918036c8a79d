"""Process runtime: a node's scratch dir is fresh when it starts and gone once it ended."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from podkit import container, pod_spec

from argosy.runtime import ProcessRuntime, RunContext


@pytest.mark.parametrize(("template", "phase"), [
    (container("sh", "-c", "echo hi"), "Succeeded"),
    (container("sh", "-c", "mkdir -p /tmp/a/b && echo x > /tmp/a/b/f"), "Succeeded"),
    (container("sh", "-c", "exit 2"), "Failed"),
    ({"script": {"image": "busybox", "command": ["sh"], "source": "echo from-script"}}, "Succeeded"),
    (container("sh", "-c", "echo 7 > /result.txt",
               outputs={"parameters": [{"name": "n", "valueFrom": {"path": "/result.txt"}}]}), "Succeeded"),
    ({"volumes": [{"name": "v", "emptyDir": {}}],
      **container("sh", "-c", "echo x > /v/f", spec={"volumeMounts": [{"name": "v", "mountPath": "/v"}]})},
     "Succeeded"),
], ids=["plain", "tmp-files", "failed", "script", "split-root-output", "empty-dir"])
def test_scratch_dir_is_removed_after_the_node(
    runtime: ProcessRuntime, context: RunContext, tmp_path: Path, template: dict[str, Any], phase: str
) -> None:
    rt = ProcessRuntime(bwrap=runtime.bwrap, scratch_dir=tmp_path / "scratch")
    r = asyncio.run(rt.run(pod_spec(template), context, lambda: None))
    assert r.phase == phase, r.message
    assert _left_in(tmp_path / "scratch") == []


def test_stale_scratch_dir_of_the_same_node_is_replaced(
    runtime: ProcessRuntime, context: RunContext, tmp_path: Path
) -> None:
    rt = ProcessRuntime(bwrap=runtime.bwrap, scratch_dir=tmp_path / "scratch")
    pod = pod_spec(container("sh", "-c", "ls /tmp"))
    stale = tmp_path / "scratch" / f"{pod.workflow_uid}_{pod.pod_name}" / "tmp-main"
    stale.mkdir(parents=True)
    (stale / "left-over").write_text("x")
    r = asyncio.run(rt.run(pod, context, lambda: None))
    # (an Argosy checkout under /tmp shows its own bin dir's parents here: that is expected)
    assert r.phase == "Succeeded" and "left-over" not in r.outputs["result"].split()
    assert _left_in(tmp_path / "scratch") == []


def test_tmp_is_a_host_dir_only_when_an_output_is_read_from_it(
    runtime: ProcessRuntime, context: RunContext, tmp_path: Path
) -> None:
    rt = ProcessRuntime(bwrap=runtime.bwrap, scratch_dir=tmp_path / "scratch")
    # mountinfo's 4th field is the mounted fs's own root: "/" for a fresh tmpfs, a path for a bind
    probe = "awk '$5 == \"/tmp\" {print ($4 == \"/\")}' /proc/self/mountinfo; echo 5 > /tmp/n"
    plain = asyncio.run(rt.run(pod_spec(container("sh", "-c", probe)), context, lambda: None))
    read = asyncio.run(rt.run(pod_spec(container(
        "sh", "-c", probe, outputs={"parameters": [{"name": "n", "valueFrom": {"path": "/tmp/n"}}]})),
        context, lambda: None))
    assert plain.phase == "Succeeded" and plain.outputs["result"] == "1"
    assert read.phase == "Succeeded" and read.outputs["result"] == "0"
    assert read.outputs["parameters"] == [{"name": "n", "value": "5"}]


def _left_in(scratch: Path) -> list[Path]:
    """What the runtime left in its scratch base (never created when no node needed it)."""
    return list(scratch.iterdir()) if scratch.exists() else []
