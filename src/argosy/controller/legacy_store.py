"""Until the SQLite backend of ``argosy.store.api.Store`` lands: the old ``Store`` class, seen
through the part of the Protocol the controller uses. Removed once ``open_store`` works.

It keeps no owners (so finds no orphans); a name already in the file is refused, as Argo
refuses the name of a live workflow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from argosy.errors import AlreadyExists
from argosy.store.api import WorkflowPage, WorkflowRecord


class LegacyStore:
    def __init__(self, path: Path) -> None:
        from argosy.store.sqlite import Store

        self.location = str(path)
        self._store = Store(path)
        self._times: dict[str, tuple[float | None, float | None]] = {}

    def create_workflow(self, manifest: Mapping[str, Any], status: Mapping[str, Any], *,
                        owner: str | None = None, lease_seconds: float | None = None) -> None:
        meta = manifest.get("metadata") or {}
        if self._store.find(meta["name"], meta.get("namespace") or "default") is not None:
            raise AlreadyExists(meta["name"])
        self._store.save_workflow(meta["uid"], {**manifest, "status": dict(status)},
                                  status.get("phase") or "Pending", None, None)

    def save_progress(self, uid: str, status_summary: Mapping[str, Any],
                      changed_nodes: Iterable[tuple[str, Mapping[str, Any]]],
                      engine_record: Mapping[str, Any] | None = None) -> None:
        from datetime import datetime

        def seconds(text: Any) -> float | None:
            return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").timestamp() if text else None

        self._store.save_progress(uid, dict(status_summary), changed_nodes,  # type: ignore[arg-type]
                                  seconds(status_summary.get("startedAt")),
                                  seconds(status_summary.get("finishedAt")))

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self._store.close()

    def claim(self, uid: str, owner_id: str, lease_seconds: float, *, now: float | None = None) -> bool:
        return True

    def heartbeat(self, owner_id: str, lease_seconds: float, *, now: float | None = None) -> None:
        pass

    def release(self, uid: str) -> None:
        pass

    def orphans(self, now: float | None = None) -> list[WorkflowRecord]:
        return []

    def find_workflow(self, namespace: str, name: str, *, with_nodes: bool = True) -> WorkflowRecord | None:
        wf = self._store.find(name, namespace)
        if wf is None:
            return None
        meta = wf.get("metadata") or {}
        status = wf.get("status") or {}
        return WorkflowRecord(uid=meta.get("uid", ""), namespace=meta.get("namespace") or "default", name=name,
                              phase=status.get("phase", ""), labels=meta.get("labels") or {}, created_at=0.0,
                              started_at=None, finished_at=None,
                              manifest={k: v for k, v in wf.items() if k != "status"}, status=status,
                              engine_record=None, owner=None, resource_version=0)

    def list_workflows(self, namespace: str | None = None, **_: Any) -> WorkflowPage:
        items = [self.find_workflow(r["namespace"], r["name"], with_nodes=False) for r in self._store.list()]
        return WorkflowPage([i for i in items if i is not None and (namespace is None or i.namespace == namespace)])
