"""The store: workflows and their nodes in SQLite.

The workflow's manifest (metadata and spec) is written once when it is submitted; after
that each batch of events writes only what changed: the status summary and the nodes
that changed, each node a row of its own. So persisting a node event costs the same in a
10-node and a 100,000-node workflow.

The embedded store speaks to SQLite through the standard library: SQLAlchemy's import
alone cost 0.24 s of a one-step ``argosy run`` (the budget for all start-up is 0.5 s), and
the statements are fixed SQL that needs no query builder.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS workflows (
        uid TEXT PRIMARY KEY,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        phase TEXT NOT NULL,
        started_at REAL,
        finished_at REAL,
        manifest TEXT NOT NULL,
        status TEXT NOT NULL)""",
    "CREATE INDEX IF NOT EXISTS ix_workflows_name ON workflows (name)",
    """CREATE TABLE IF NOT EXISTS nodes (
        workflow_uid TEXT NOT NULL,
        node_id TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (workflow_uid, node_id))""",
)

_INSERT_WORKFLOW = (
    "INSERT INTO workflows (uid, namespace, name, phase, started_at, finished_at, manifest, status) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (uid) DO UPDATE SET namespace=excluded.namespace, "
    "name=excluded.name, phase=excluded.phase, started_at=excluded.started_at, "
    "finished_at=excluded.finished_at, manifest=excluded.manifest, status=excluded.status"
)
_UPDATE_STATUS = "UPDATE workflows SET phase=?, started_at=?, finished_at=?, status=? WHERE uid=?"
_UPSERT_NODE = (
    "INSERT INTO nodes (workflow_uid, node_id, body) VALUES (?, ?, ?) "
    "ON CONFLICT (workflow_uid, node_id) DO UPDATE SET body=excluded.body"
)


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


class Store:
    """Workflows and nodes in one SQLite file (WAL)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        for ddl in SCHEMA:
            self._conn.execute(ddl)
        self._conn.commit()

    def close(self) -> None:
        self._conn.close()

    def save_workflow(self, uid: str, workflow: dict[str, Any], phase: str,
                      started_at: float | None, finished_at: float | None) -> None:
        """Record a submitted workflow: its manifest and its status (without nodes)."""
        meta = workflow.get("metadata") or {}
        manifest = {k: v for k, v in workflow.items() if k != "status"}
        status = {k: v for k, v in (workflow.get("status") or {}).items() if k != "nodes"}
        self._conn.execute(_INSERT_WORKFLOW, (
            uid, meta.get("namespace") or "default", meta.get("name"), phase, started_at, finished_at,
            _json(manifest), _json(status)))
        self._conn.commit()

    def save_progress(self, uid: str, status: dict[str, Any], changed: Iterable[tuple[str, dict[str, Any]]],
                      started_at: float | None, finished_at: float | None) -> None:
        """One batch: the status summary and the nodes that changed, in one transaction."""
        rows = [(uid, nid, _json(body)) for nid, body in changed]
        if rows:
            self._conn.executemany(_UPSERT_NODE, rows)
        summary = {k: v for k, v in status.items() if k != "nodes"}
        self._conn.execute(_UPDATE_STATUS, (summary.get("phase", "Pending"), started_at, finished_at,
                                                    _json(summary), uid))
        self._conn.commit()

    def find(self, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        """The latest workflow with this name (with its nodes), or None."""
        sql = "SELECT uid, manifest, status FROM workflows WHERE name = ?"
        params: tuple[Any, ...] = (name,)
        if namespace:
            sql += " AND namespace = ?"
            params += (namespace,)
        sql += " ORDER BY started_at DESC LIMIT 1"
        row = self._conn.execute(sql, params).fetchone()
        if row is None:
            return None
        wf = json.loads(row[1])
        wf["status"] = json.loads(row[2])
        node_rows = self._conn.execute("SELECT node_id, body FROM nodes WHERE workflow_uid = ?", (row[0],))
        nodes_ = {nid: json.loads(body) for nid, body in node_rows}
        if nodes_:
            wf["status"]["nodes"] = nodes_
        return wf

    def list(self) -> list[dict[str, Any]]:
        rows = self._conn.execute(
            "SELECT name, namespace, phase, started_at, finished_at FROM workflows ORDER BY started_at")
        return [dict(zip(("name", "namespace", "phase", "started_at", "finished_at"), r)) for r in rows]
