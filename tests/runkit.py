"""Run workflows end to end (real process runtime) with extra manifests, for artifact tests."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from argosy.controller import prepare_workflow
from argosy.spec import ObjectSet, load_text
from argosy.testing import run_workflows


def run_text(text: str, tmp_path: Path, *extra: str) -> list[dict[str, Any]]:
    """Run every Workflow in ``text`` (with ConfigMaps/Secrets from ``extra``); their full objects."""
    manifests = [m for t in (text, *extra) for m in load_text(t)]
    objects = ObjectSet(manifests)
    workflows = [prepare_workflow(m.body, objects, {}, None) for m in manifests if m.kind == "Workflow"]
    engines = asyncio.run(asyncio.wait_for(
        run_workflows(workflows, objects, tmp_path / "data"), 60))
    return [e.to_dict() for e in engines]


def node_outputs(wf: dict[str, Any], display_name: str) -> dict[str, Any]:
    """The outputs of the node shown as ``display_name``."""
    for node in wf["status"]["nodes"].values():
        if node.get("displayName") == display_name:
            return dict(node.get("outputs") or {})
    raise KeyError(display_name)
