"""The SQLite store's writes: the operations the writer queues, and one batch as one transaction.

Operations are plain data (named tuples: cheaper to define at start-up than dataclasses), built (and their JSON serialised) on the caller's thread, so the
writer thread only runs SQL. Within a batch, consecutive progress writes of one workflow are
merged before they reach SQL: the last status summary wins, node bodies are merged by id,
and the workflow gets one new resource version and one MODIFIED change. A chain of fast
steps therefore costs one UPDATE and one node upsert per node per batch, however many
events the batch holds.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, ClassVar, NamedTuple

from argosy.errors import AlreadyExists
from argosy.store import sqlite_memo as memo
from argosy.store import sqlite_metadata as metadata
from argosy.store import sqlite_objects as objects
from argosy.store.api import Change, WorkflowRecord
from argosy.store.owner import owner_alive
from argosy.store.schema import labels_of

#: how many changes the feed keeps (older ones are pruned in steps of this size)
CHANGES_KEPT = 10_000

_UPSERT_NODE = (
    "INSERT INTO nodes (workflow_uid, node_id, body) VALUES (?, ?, ?) "
    "ON CONFLICT (workflow_uid, node_id) DO UPDATE SET body = excluded.body"
)

_LIVE_COLUMNS = ("uid, namespace, name, phase, created_at, started_at, finished_at, manifest, status, "
                 "engine_record, owner, lease_expires_at, resource_version")


class Create(NamedTuple):
    record: WorkflowRecord
    manifest_json: str
    status_json: str
    nodes: list[tuple[str, str]]


class Progress(NamedTuple):
    uid: str
    status_json: str
    phase: str
    started_at: float | None
    finished_at: float | None
    nodes: list[tuple[str, str]]
    engine_json: str | None


class Delete(NamedTuple):
    uid: str


class Claim(NamedTuple):
    uid: str
    owner: str
    lease_expires_at: float
    now: float


class Heartbeat(NamedTuple):
    owner: str
    lease_expires_at: float


class Release(NamedTuple):
    uid: str


class Archive(NamedTuple):
    uid: str
    now: float


class DeleteArchived(NamedTuple):
    uid: str


class _Merged:
    """The progress of one workflow accumulated within a batch."""

    __slots__ = ("engine_json", "last", "node_lists")

    def __init__(self, last: Progress) -> None:
        self.last = last
        #: each write's changed nodes, in order (merged by id only when there are several: at
        #: the end of a 100,000-node workflow one list is the common case, and a copy costs MBs)
        self.node_lists: list[list[tuple[str, str]]] = []
        self.engine_json: str | None = None

    def nodes(self) -> Iterable[tuple[str, str]]:
        lists = [n for n in self.node_lists if n]
        if len(lists) == 1:
            return lists[0]
        merged: dict[str, str] = {}
        for n in lists:
            merged.update(n)
        return merged.items()


class Batch:
    """One transaction on the writer's connection.

    The SQL is plain enough for PostgreSQL too (``postgres_batch`` runs this class through a
    placeholder adapter); ``handlers`` maps each op type to its method, so a backend can
    replace the few statements that differ.
    """

    handlers: ClassVar[dict[type, Callable[[Batch, Any], Any]]]

    def __init__(self, conn: sqlite3.Connection, changes_kept: int) -> None:
        self.conn = conn
        self.changes_kept = changes_kept
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        self.first_rv = self.rv = int(meta["resource_version"])
        self.pruned_through = int(meta["changes_pruned_through"])
        self.changes: list[tuple[int, Any, str, str, str]] = []
        self.pending: dict[str, _Merged] = {}

    def apply(self, op: Any) -> Any:
        if isinstance(op, Progress):
            merged = self.pending.get(op.uid)
            if merged is None:
                merged = self.pending[op.uid] = _Merged(op)
            merged.last = op
            merged.node_lists.append(op.nodes)
            if op.engine_json is not None:
                merged.engine_json = op.engine_json
            return None
        self.write_progress()  # what was queued before this op is applied before it
        return self.handlers[type(op)](self, op)

    def _bump(self, kind: str, uid: str, namespace: str, name: str) -> int:
        self.rv += 1
        self.changes.append((self.rv, kind, uid, namespace, name))
        return self.rv

    def write_progress(self) -> None:
        for uid, merged in self.pending.items():
            p = merged.last
            row = self.conn.execute(
                "UPDATE workflows SET phase = ?, started_at = ?, finished_at = ?, status = ?, "
                "engine_record = coalesce(?, engine_record), resource_version = ? WHERE uid = ? "
                "RETURNING namespace, name",
                (p.phase, p.started_at, p.finished_at, p.status_json, merged.engine_json, self.rv + 1, uid),
            ).fetchone()
            if row is None:
                continue  # deleted meanwhile: its progress has nowhere to go
            self._bump("MODIFIED", uid, row[0], row[1])
            self.conn.executemany(_UPSERT_NODE, ((uid, nid, body) for nid, body in merged.nodes()))
        self.pending.clear()

    def _create(self, op: Create) -> Any:
        r = op.record
        clash = self.conn.execute("SELECT 1 FROM workflows WHERE uid = ? OR (namespace = ? AND name = ?)",
                                  (r.uid, r.namespace, r.name)).fetchone()
        if clash:
            return AlreadyExists(r.name)
        rv = self._bump("ADDED", r.uid, r.namespace, r.name)
        self.conn.execute(
            f"INSERT INTO workflows ({_LIVE_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (r.uid, r.namespace, r.name, r.phase, r.created_at, r.started_at, r.finished_at, op.manifest_json,
             op.status_json, None, r.owner, r.lease_expires_at, rv))
        if r.labels:
            self.conn.executemany("INSERT INTO labels (uid, key, value) VALUES (?,?,?)",
                                  [(r.uid, k, v) for k, v in r.labels.items()])
        if op.nodes:
            self.conn.executemany(_UPSERT_NODE, ((r.uid, nid, body) for nid, body in op.nodes))
        return replace(r, resource_version=rv)

    def _delete(self, op: Delete) -> bool:
        row = self.conn.execute("DELETE FROM workflows WHERE uid = ? RETURNING namespace, name",
                                (op.uid,)).fetchone()
        if row is None:
            return False
        self.conn.execute("DELETE FROM nodes WHERE workflow_uid = ?", (op.uid,))
        self.conn.execute("DELETE FROM labels WHERE uid = ?", (op.uid,))
        self._bump("DELETED", op.uid, row[0], row[1])
        return True

    def _claim(self, op: Claim) -> bool:
        row = self.conn.execute("SELECT owner, lease_expires_at FROM workflows WHERE uid = ?",
                                (op.uid,)).fetchone()
        if row is None:
            return False
        owner, expires = row
        free = (owner is None or owner == op.owner or (expires is not None and expires <= op.now)
                or owner_alive(owner) is False)
        if free:
            self.conn.execute("UPDATE workflows SET owner = ?, lease_expires_at = ? WHERE uid = ?",
                              (op.owner, op.lease_expires_at, op.uid))
        return free

    def _heartbeat(self, op: Heartbeat) -> None:
        self.conn.execute("UPDATE workflows SET lease_expires_at = ? WHERE owner = ?",
                          (op.lease_expires_at, op.owner))

    def _release(self, op: Release) -> None:
        self.conn.execute("UPDATE workflows SET owner = NULL, lease_expires_at = NULL WHERE uid = ?", (op.uid,))

    def _archive(self, op: Archive) -> WorkflowRecord | None:
        row = self.conn.execute(
            "SELECT uid, namespace, name, phase, created_at, started_at, finished_at, manifest, status, "
            "resource_version FROM workflows WHERE uid = ?", (op.uid,)).fetchone()
        if row is None:
            return None
        uid, namespace, name, phase, created_at, started_at, finished_at, manifest_json, status_json, rv = row
        status = json.loads(status_json)
        nodes = {nid: json.loads(body) for nid, body in
                 self.conn.execute("SELECT node_id, body FROM nodes WHERE workflow_uid = ?", (uid,))}
        if nodes:
            status["nodes"] = nodes
        self.conn.execute("DELETE FROM archived_labels WHERE uid = ?", (uid,))
        self.conn.execute("DELETE FROM archived_workflows WHERE uid = ?", (uid,))
        self.conn.execute(
            "INSERT INTO archived_workflows (uid, namespace, name, phase, created_at, started_at, finished_at, "
            "archived_at, manifest, status, resource_version) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (uid, namespace, name, phase, created_at, started_at, finished_at, op.now, manifest_json,
             json.dumps(status, separators=(",", ":")), rv))
        self.conn.execute("INSERT INTO archived_labels (uid, key, value) SELECT uid, key, value FROM labels "
                          "WHERE uid = ?", (uid,))
        manifest = json.loads(manifest_json)
        return WorkflowRecord(uid=uid, namespace=namespace, name=name, phase=phase, labels=labels_of(manifest),
                              created_at=created_at, started_at=started_at, finished_at=finished_at,
                              manifest=manifest, status=status, engine_record=None, owner=None,
                              resource_version=rv, archived_at=op.now)

    def _delete_archived(self, op: DeleteArchived) -> bool:
        gone = self.conn.execute("DELETE FROM archived_workflows WHERE uid = ?", (op.uid,)).rowcount
        self.conn.execute("DELETE FROM archived_labels WHERE uid = ?", (op.uid,))
        return gone > 0

    def finish(self) -> None:
        """Write what is pending, the changes and the counters (the caller commits)."""
        self.write_progress()
        if self.rv == self.first_rv:
            return
        self.conn.executemany("INSERT INTO changes (resource_version, kind, uid, namespace, name) "
                              "VALUES (?,?,?,?,?)", self.changes)
        self.conn.execute("UPDATE meta SET value = ? WHERE key = 'resource_version'", (self.rv,))
        # prune in steps, not at every batch: one DELETE per `changes_kept` changes
        if self.rv - self.pruned_through > 2 * self.changes_kept:
            through = self.rv - self.changes_kept
            self.conn.execute("DELETE FROM changes WHERE resource_version <= ?", (through,))
            self.conn.execute("UPDATE meta SET value = ? WHERE key = 'changes_pruned_through'", (through,))


_HANDLERS: dict[type, Callable[[Batch, Any], Any]] = {
    Create: Batch._create, Delete: Batch._delete, Claim: Batch._claim, Heartbeat: Batch._heartbeat,
    Release: Batch._release, Archive: Batch._archive, DeleteArchived: Batch._delete_archived,
    objects.PutObject: objects.put_object, objects.DeleteObject: objects.delete_object,
    memo.SaveMemo: memo.save_memo, memo.TouchMemos: memo.touch_memos, memo.DeleteMemos: memo.delete_memos,
    memo.PutMemos: memo.put_memos, memo.ExpireMemos: memo.expire_memos,
    metadata.UpdateMetadata: metadata.update_metadata,
}
Batch.handlers = _HANDLERS


def apply_batch(conn: sqlite3.Connection, ops: list[Any],
                changes_kept: int = CHANGES_KEPT) -> tuple[list[Any], list[Change]]:
    """Apply ``ops`` in one transaction (all or nothing): one result per op, and the changes committed."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        batch = Batch(conn, changes_kept)
        results = [batch.apply(op) for op in ops]
        batch.finish()
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return results, [Change(*c) for c in batch.changes]
