"""Artifact garbage collection: Argo's ``artifactGC`` strategies, applied to a finished workflow.

An output artifact's strategy is its own ``artifactGC.strategy``, else the workflow's
``spec.artifactGC.strategy``, else ``Never``. When the controller reaches a moment
(``OnWorkflowCompletion`` once the workflow has completed, ``OnWorkflowDeletion`` when it is
deleted — deletion also runs what completion has not), it calls :func:`collect_garbage`
with the workflow (manifest and ``status`` with ``status.nodes``): every Pod node's output
artifact with that strategy, not yet ``deleted``, is deleted from its repository; status
records it as Argo does (``deleted: true`` on the artifact,
``status.artifactGCStatus.strategiesProcessed``, and an ``ArtifactGCError`` condition for
artifacts that could not be deleted).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from argosy.artifacts.archive import ArchiveError
from argosy.artifacts.drivers import Driver, driver_for
from argosy.artifacts.locations import status_location

ON_COMPLETION = "OnWorkflowCompletion"
ON_DELETION = "OnWorkflowDeletion"
NEVER = "Never"
STRATEGIES = (ON_COMPLETION, ON_DELETION)


@dataclass(frozen=True)
class GarbageArtifact:
    """One output artifact to delete: the node that made it and the full location to delete."""

    node_id: str
    name: str
    kind: str
    location: dict[str, Any]


@dataclass
class CollectionReport:
    """What :func:`collect_garbage` did."""

    deleted: list[GarbageArtifact] = field(default_factory=list)
    failed: list[tuple[GarbageArtifact, str]] = field(default_factory=list)


def artifact_strategy(workflow: Mapping[str, Any], artifact: Mapping[str, Any]) -> str:
    """Argo's ``GetArtifactGCStrategy``: the artifact's, else the workflow's, else ``Never``."""
    own = (artifact.get("artifactGC") or {}).get("strategy")
    if own:
        return str(own)
    spec = workflow.get("spec") or {}
    return str((spec.get("artifactGC") or {}).get("strategy") or NEVER)


def has_artifact_gc(workflow: Mapping[str, Any]) -> bool:
    """True when some output artifact of the workflow's templates has a strategy other than Never."""
    spec = workflow.get("spec") or {}
    stored = ((workflow.get("status") or {}).get("storedTemplates") or {}).values()
    for tpl in [*(spec.get("templates") or ()), *stored]:
        for art in (tpl.get("outputs") or {}).get("artifacts") or ():
            if artifact_strategy(workflow, art) not in ("", NEVER):
                return True
    return False


def strategies_due(workflow: Mapping[str, Any], deleting: bool = False) -> list[str]:
    """The strategies to process now: completion once finished, deletion when ``deleting``."""
    status = workflow.get("status") or {}
    processed = (status.get("artifactGCStatus") or {}).get("strategiesProcessed") or {}
    finished = status.get("phase") in ("Succeeded", "Failed", "Error") or deleting
    due = []
    if finished and not processed.get(ON_COMPLETION):
        due.append(ON_COMPLETION)
    if deleting and not processed.get(ON_DELETION):
        due.append(ON_DELETION)
    return due


def artifacts_to_collect(workflow: Mapping[str, Any], strategy: str) -> list[GarbageArtifact]:
    """Every not-yet-deleted output artifact of a Pod node whose strategy is ``strategy``."""
    status = workflow.get("status") or {}
    found: list[GarbageArtifact] = []
    for node_id, node in (status.get("nodes") or {}).items():
        if node.get("type") != "Pod":
            continue
        for art in (node.get("outputs") or {}).get("artifacts") or ():
            if art.get("deleted") or artifact_strategy(workflow, art) != strategy:
                continue
            where = status_location(workflow, node, art)
            if where is not None:
                found.append(GarbageArtifact(node_id, str(art.get("name", "")), *where))
    return found


def collect_garbage(workflow: dict[str, Any], strategy: str, drivers: Mapping[str, Driver]) -> CollectionReport:
    """Delete the artifacts ``strategy`` collects and record it in ``workflow["status"]`` (in place)."""
    report = CollectionReport()
    for item in artifacts_to_collect(workflow, strategy):
        try:
            driver_for(item.kind, drivers, item.name).delete(item.location)
        except (ArchiveError, OSError) as e:
            report.failed.append((item, str(e)))
            continue
        report.deleted.append(item)
    status = workflow.setdefault("status", {})
    nodes = status.get("nodes") or {}
    done = {(i.node_id, i.name) for i in report.deleted}
    for node_id, node in nodes.items():
        for art in (node.get("outputs") or {}).get("artifacts") or ():
            if (node_id, art.get("name")) in done:
                art["deleted"] = True
    gc_status = status.setdefault("artifactGCStatus", {})
    gc_status.setdefault("strategiesProcessed", {})[strategy] = True
    if report.failed:
        names = ", ".join(f"{i.name} ({why})" for i, why in report.failed)
        status.setdefault("conditions", []).append({
            "type": "ArtifactGCError", "status": "True",
            "message": f"Artifact Garbage Collection failed for strategy {strategy}: {names}",
        })
    return report
