"""Archived workflows for tests, written through the store a server (or the CLI) reads."""

from __future__ import annotations

import uuid
from pathlib import Path

from argosy.store import open_store


def seed(where: Path | str, name: str, *, namespace: str = "default", phase: str = "Succeeded",
         labels: dict[str, str] | None = None) -> str:
    """A finished workflow, archived (and its live copy deleted) in the store of a data dir
    (a Path) or at a store location (a str: a file or URL); its uid."""
    uid = str(uuid.uuid4())
    store = open_store(where if isinstance(where, str) else where / "argosy.db")
    try:
        manifest = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
                    "metadata": {"name": name, "namespace": namespace, "uid": uid, "labels": labels or {}},
                    "spec": {"entrypoint": "main", "templates": [{"name": "main", "container": {
                        "image": "alpine", "command": ["true"]}}]}}
        node = {"id": name, "name": name, "displayName": name, "type": "Pod", "templateName": "main",
                "phase": phase, "startedAt": "2026-01-01T00:00:00Z", "finishedAt": "2026-01-01T00:00:05Z"}
        store.create_workflow(manifest, {"phase": phase, "startedAt": "2026-01-01T00:00:00Z",
                                         "finishedAt": "2026-01-01T00:00:05Z", "nodes": {name: node}})
        assert store.archive_workflow(uid) is not None
        store.delete_workflow(uid)
    finally:
        store.close()
    return uid
