"""Big workflows for the web UI's tests, benchmark and screenshots: Argo-shaped statuses
(a steps loop fanned out N wide, then a join; a long chain of sequential steps) written
straight into a server's store."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from argosy.engine.nodes import fnv32a
from argosy.store import open_store

T0 = "2026-01-01T00:00:00Z"


def _node(wf: str, name: str, display: str, type_: str, phase: str, **extra: Any) -> dict[str, Any]:
    node_id = wf if name == wf else f"{wf}-{fnv32a(name)}"
    return {"id": node_id, "name": name, "displayName": display, "type": type_, "phase": phase,
            "startedAt": T0, "finishedAt": "2026-01-01T00:01:00Z", **extra}


def fanout(name: str, width: int, *, failed_every: int = 0) -> tuple[dict[str, Any], dict[str, Any]]:
    """A workflow `prepare` → `work(i)` × width (withItems) → `collect`: width + 6 nodes."""
    spec = {"entrypoint": "main", "templates": [
        {"name": "main", "steps": [[{"name": "prepare", "template": "task"}],
                                   [{"name": "work", "template": "task", "withSequence": {"count": str(width)}}],
                                   [{"name": "collect", "template": "task"}]]},
        {"name": "task", "container": {"image": "busybox", "command": ["true"]}}]}
    nodes: dict[str, dict[str, Any]] = {}

    def add(node: dict[str, Any]) -> str:
        nodes[node["id"]] = node
        return str(node["id"])

    root = add(_node(name, name, name, "Steps", "Succeeded", templateName="main"))
    groups = [add(_node(name, f"{name}[{i}]", f"[{i}]", "StepGroup", "Succeeded", templateName="main",
                        boundaryID=root)) for i in range(3)]
    prepare = add(_node(name, f"{name}[0].prepare", "prepare", "Pod", "Succeeded", templateName="task",
                        boundaryID=root))
    collect = add(_node(name, f"{name}[2].collect", "collect", "Pod", "Succeeded", templateName="task",
                        boundaryID=root))
    workers = []
    for i in range(width):
        phase = "Failed" if failed_every and i % failed_every == failed_every - 1 else "Succeeded"
        workers.append(add(_node(name, f"{name}[1].work({i}:{i})", f"work({i}:{i})", "Pod", phase,
                                 templateName="task", boundaryID=root, children=[groups[2]],
                                 inputs={"parameters": [{"name": "item", "value": str(i)}]},
                                 outputs={"exitCode": "0"})))
    nodes[root]["children"] = [groups[0]]
    nodes[root]["outboundNodes"] = [collect]
    nodes[groups[0]]["children"] = [prepare]
    nodes[prepare]["children"] = [groups[1]]
    nodes[groups[1]]["children"] = workers
    nodes[groups[2]]["children"] = [collect]
    manifest = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
                "metadata": {"name": name, "namespace": "default", "uid": str(uuid.uuid4())}, "spec": spec}
    status = {"phase": "Succeeded", "startedAt": T0, "finishedAt": "2026-01-01T00:01:00Z",
              "progress": f"{width + 2}/{width + 2}", "nodes": nodes}
    return manifest, status


def chain(name: str, length: int, *, failed_at: int | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """A workflow of ``length`` sequential steps ``step-i`` (one step group each): 2 * length + 1 nodes."""
    spec = {"entrypoint": "main", "templates": [
        {"name": "main", "steps": [[{"name": f"step-{i}", "template": "task"}] for i in range(length)]},
        {"name": "task", "container": {"image": "busybox", "command": ["true"]}}]}
    nodes: dict[str, dict[str, Any]] = {}
    root = _node(name, name, name, "Steps", "Succeeded", templateName="main")
    nodes[root["id"]] = root
    last = root
    for i in range(length):
        group = _node(name, f"{name}[{i}]", f"[{i}]", "StepGroup", "Succeeded", templateName="main",
                      boundaryID=root["id"])
        phase = "Failed" if i == failed_at else "Succeeded"
        step = _node(name, f"{name}[{i}].step-{i}", f"step-{i}", "Pod", phase, templateName="task",
                     boundaryID=root["id"], outputs={"exitCode": "0"})
        last["children"] = [group["id"]]
        group["children"] = [step["id"]]
        nodes[group["id"]] = group
        nodes[step["id"]] = step
        last = step
    root["outboundNodes"] = [last["id"]]
    manifest = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
                "metadata": {"name": name, "namespace": "default", "uid": str(uuid.uuid4())}, "spec": spec}
    status = {"phase": "Succeeded", "startedAt": T0, "finishedAt": "2026-01-01T00:01:00Z",
              "progress": f"{length}/{length}", "nodes": nodes}
    return manifest, status


def seed(data_dir: Path, manifest: dict[str, Any], status: dict[str, Any]) -> None:
    """Write a finished workflow into the store of the server on ``data_dir``."""
    store = open_store(data_dir / "argosy.db")
    try:
        store.create_workflow(manifest, status)
    finally:
        store.close()
