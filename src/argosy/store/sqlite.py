"""The store: workflows and their nodes in SQLite (SQLAlchemy Core).

Nodes are rows of their own, written only when they change, so persisting a node event
costs the same in a 10-node and a 100,000-node workflow.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    select,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

metadata = MetaData()

workflows = Table(
    "workflows",
    metadata,
    Column("uid", String, primary_key=True),
    Column("namespace", String, nullable=False),
    Column("name", String, nullable=False, index=True),
    Column("phase", String, nullable=False),
    Column("started_at", Float),
    Column("finished_at", Float),
    Column("body", Text, nullable=False),  # the workflow without status.nodes
)

nodes = Table(
    "nodes",
    metadata,
    Column("workflow_uid", String, primary_key=True),
    Column("node_id", String, primary_key=True),
    Column("body", Text, nullable=False),
)


class Store:
    """Workflows and nodes in one SQLite file (WAL)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(f"sqlite:///{path}")

        @event.listens_for(self.engine, "connect")
        def _pragmas(conn: Any, _record: Any) -> None:
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        metadata.create_all(self.engine)

    def save_workflow(self, uid: str, workflow: dict[str, Any], phase: str,
                      started_at: float | None, finished_at: float | None) -> None:
        body = {k: v for k, v in workflow.items() if k != "status"}
        status = {k: v for k, v in (workflow.get("status") or {}).items() if k != "nodes"}
        body["status"] = status
        meta = workflow.get("metadata") or {}
        row = {
            "uid": uid,
            "namespace": meta.get("namespace") or "default",
            "name": meta.get("name"),
            "phase": phase,
            "started_at": started_at,
            "finished_at": finished_at,
            "body": json.dumps(body, separators=(",", ":")),
        }
        stmt = sqlite_insert(workflows).values(row)
        stmt = stmt.on_conflict_do_update(index_elements=["uid"], set_={k: stmt.excluded[k] for k in row if k != "uid"})
        with self.engine.begin() as conn:
            conn.execute(stmt)

    def save_nodes(self, uid: str, changed: Iterable[tuple[str, dict[str, Any]]]) -> None:
        rows = [{"workflow_uid": uid, "node_id": nid, "body": json.dumps(body, separators=(",", ":"))}
                for nid, body in changed]
        if not rows:
            return
        stmt = sqlite_insert(nodes)
        stmt = stmt.on_conflict_do_update(index_elements=["workflow_uid", "node_id"], set_={"body": stmt.excluded.body})
        with self.engine.begin() as conn:
            conn.execute(stmt, rows)

    def find(self, name: str, namespace: str | None = None) -> dict[str, Any] | None:
        """The latest workflow with this name (with its nodes), or None."""
        q = select(workflows).where(workflows.c.name == name)
        if namespace:
            q = q.where(workflows.c.namespace == namespace)
        q = q.order_by(workflows.c.started_at.desc()).limit(1)
        with self.engine.connect() as conn:
            row = conn.execute(q).mappings().first()
            if row is None:
                return None
            wf = json.loads(row["body"])
            node_rows = conn.execute(select(nodes.c.node_id, nodes.c.body).where(nodes.c.workflow_uid == row["uid"]))
            wf.setdefault("status", {})["nodes"] = {nid: json.loads(b) for nid, b in node_rows}
        return wf

    def list(self) -> list[dict[str, Any]]:
        q = select(workflows.c.name, workflows.c.namespace, workflows.c.phase, workflows.c.started_at,
                   workflows.c.finished_at).order_by(workflows.c.started_at)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]
