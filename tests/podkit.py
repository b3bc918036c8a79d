"""Helpers for process-runtime tests: pod specs, templates, process lookups."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from argosy.engine.intents import PodResult, PodSpec

_counter = iter(range(1_000_000))


def pod_spec(template: dict[str, Any], **kw: Any) -> PodSpec:
    """A PodSpec around ``template`` with unique names."""
    n = next(_counter)
    kw.setdefault("workflow_name", "wf")
    name = kw.pop("pod_name", f"wf-node-{n}")
    return PodSpec(
        node_id=f"wf-{n}", pod_name=name, namespace="argo", workflow_uid="uid-1",
        template=template, artifact_key_prefix=f"{kw['workflow_name']}/{name}", **kw,
    )


RunPod = Callable[..., PodResult]


def container(*command: str, **extra: Any) -> dict[str, Any]:
    """A container template running ``command`` (image busybox unless given)."""
    spec = {"image": "busybox", "command": list(command), **extra.pop("spec", {})}
    return {"container": spec, **extra}


def processes_with(marker: str) -> list[int]:
    """Host pids whose command line contains ``marker``."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if marker in cmd and "pytest" not in cmd:
            found.append(int(pid))
    return found
