"""The old ``Store(path)`` interface, kept as a thin adapter over ``SqliteStore``.

The controller and the CLI call ``save_workflow``/``save_progress``/``find``/``list`` until
they move to ``argosy.store.api.Store``; then this module goes. Behaviour the old store had
and the new rules keep: running a workflow with a fixed name again in the same data
directory replaces a finished (or orphaned) one, which is archived; one still being run by
a live process is refused with Argo's "already exists".
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from argosy.errors import AlreadyExists
from argosy.store.owner import owner_id
from argosy.store.sqlite import SqliteStore

#: the adapter claims what it runs; a dead owner is seen at once (same host), so the lease
#: only matters across hosts
_LEASE_SECONDS = 3600.0


class Store:
    """Workflows and nodes in one SQLite file (the pre-Protocol interface)."""

    def __init__(self, path: Path) -> None:
        self.backend = SqliteStore(path)
        self._owner = owner_id()

    def close(self) -> None:
        self.backend.close()

    def save_workflow(self, uid: str, workflow: dict[str, Any], phase: str,
                      started_at: float | None, finished_at: float | None) -> None:
        """Record a submitted workflow: its manifest and its status (without nodes)."""
        manifest = {k: v for k, v in workflow.items() if k != "status"}
        meta = manifest["metadata"] = dict(manifest.get("metadata") or {})
        meta["uid"] = uid
        status = {k: v for k, v in (workflow.get("status") or {}).items() if k != "nodes"}
        try:
            self.backend.create_workflow(manifest, status, owner=self._owner, lease_seconds=_LEASE_SECONDS)
        except AlreadyExists:
            old = self.backend.find_workflow(meta.get("namespace") or "default", meta["name"], with_nodes=False)
            orphaned = old is not None and any(o.uid == old.uid for o in self.backend.orphans())
            if old is None or not (old.finished or orphaned):
                raise
            self.backend.archive_workflow(old.uid)
            self.backend.delete_workflow(old.uid)
            self.backend.create_workflow(manifest, status, owner=self._owner, lease_seconds=_LEASE_SECONDS)

    def save_progress(self, uid: str, status: dict[str, Any], changed: Iterable[tuple[str, dict[str, Any]]],
                      started_at: float | None, finished_at: float | None) -> None:
        """One batch: the status summary and the nodes that changed (queued; the end waits)."""
        self.backend.save_progress(uid, status, changed)

    def find(self, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        """The workflow with this name (with its nodes), live or else the newest archived, or None."""
        selector = f"metadata.name={name}"
        page = self.backend.list_workflows(namespace, field_selector=selector, limit=1)
        if page.items:
            rec = self.backend.get_workflow(page.items[0].uid)
        else:
            archived = self.backend.list_archived_workflows(namespace, field_selector=selector, limit=1)
            rec = self.backend.get_archived_workflow(archived.items[0].uid) if archived.items else None
        return None if rec is None else rec.to_workflow()

    def list(self) -> list[dict[str, Any]]:
        rows = sorted(self.backend.list_workflows().items, key=lambda r: (r.started_at or 0.0, r.created_at))
        return [{"name": r.name, "namespace": r.namespace, "phase": r.phase, "started_at": r.started_at,
                 "finished_at": r.finished_at} for r in rows]
