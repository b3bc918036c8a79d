"""PostgreSQL's side of the shared statements: a placeholder adapter, and one batch as one transaction.

The SQLite backend's statements (``sqlite_batch.Batch``, the reads in ``sqlite.py``) are
standard SQL that PostgreSQL also runs; they are written with ``?`` placeholders, which
``PgConnection`` turns into psycopg's ``%s``. What differs is replaced here: the object
upsert (SQLite's ``INSERT OR REPLACE``) and how a batch starts.

Several processes may write one database. Each batch first locks the row holding the
store-wide resource version (``SELECT ... FOR UPDATE``), so batches from every process
commit one after another in resource-version order: a watcher that read up to version N
never later sees a commit numbered below N appear (a sequence would hand out numbers in
one order and commit them in another), the change feed has no gaps, and the checks a batch
makes before writing (a free name, a free or expired lease) cannot be raced. The database
still enforces the name rule itself (a unique index on the live workflows).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any, ClassVar

import psycopg

from argosy.errors import AlreadyExists, NotFound
from argosy.store import sqlite_batch
from argosy.store import sqlite_objects as objects
from argosy.store.api import Change, ObjectRecord, resource_name

#: the channel each commit with changes notifies (payload: "<store token> <resource version>")
CHANNEL = "argosy_changes"


@lru_cache(maxsize=512)
def _pg(sql: str) -> str:
    # the shared statements hold no literal '%' or '?' besides placeholders
    return sql.replace("%", "%%").replace("?", "%s")


class PgConnection:
    """A psycopg connection that takes the shared statements' ``?`` placeholders."""

    __slots__ = ("raw",)

    def __init__(self, raw: Any) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Iterable[Any] = ()) -> Any:
        return self.raw.execute(_pg(sql), tuple(params))

    def executemany(self, sql: str, rows: Iterable[Iterable[Any]]) -> Any:
        cur = self.raw.cursor()
        cur.executemany(_pg(sql), [tuple(r) for r in rows])
        return cur

    def close(self) -> None:
        self.raw.close()


def _put_object(batch: sqlite_batch.Batch, op: objects.PutObject) -> ObjectRecord | Exception:
    row = batch.conn.execute("SELECT uid, created_at FROM objects WHERE kind = ? AND namespace = ? AND name = ?",
                             (op.kind, op.namespace, op.name)).fetchone()
    if op.create and row is not None:
        return AlreadyExists(op.name, resource_name(op.kind))
    if not op.create and row is None:
        return NotFound(op.name, resource_name(op.kind))
    uid, created_at = row if row is not None else (str(uuid.uuid4()), op.now)
    batch.rv += 1
    batch.conn.execute(
        "INSERT INTO objects (kind, namespace, name, uid, created_at, resource_version, body) "
        "VALUES (?,?,?,?,?,?,?) ON CONFLICT (kind, namespace, name) DO UPDATE SET "
        "resource_version = excluded.resource_version, body = excluded.body",
        (op.kind, op.namespace, op.name, uid, created_at, batch.rv, op.body_json))
    return ObjectRecord(op.kind, op.namespace, op.name, uid, created_at, batch.rv, json.loads(op.body_json))


class PgBatch(sqlite_batch.Batch):
    """``sqlite_batch.Batch`` on PostgreSQL: the same ops, after locking the version row."""

    handlers: ClassVar[dict[type, Callable[[sqlite_batch.Batch, Any], Any]]] = {
        **sqlite_batch.Batch.handlers, objects.PutObject: _put_object}

    def __init__(self, conn: Any, changes_kept: int) -> None:
        # the lock that orders every process's batches (see the module's docstring)
        conn.execute("SELECT value FROM meta WHERE key = 'resource_version' FOR UPDATE")
        super().__init__(conn, changes_kept)


def apply_batch(conn: PgConnection, ops: list[Any], changes_kept: int, token: str,
                reconnect: Callable[[], PgConnection] | None = None) -> tuple[list[Any], list[Change]]:
    """Apply ``ops`` in one transaction (all or nothing): one result per op, and the changes committed.

    A connection lost before the COMMIT was sent (the server restarted, an idle connection was
    cut) rolled the batch back whole: it is applied again once on a new connection from
    ``reconnect``. Lost while committing, the outcome is unknown, and the error stands.
    """
    for attempt in (1, 2):
        committing = False
        try:
            with conn.raw.transaction():
                batch = PgBatch(conn, changes_kept)
                results = [batch.apply(op) for op in ops]
                batch.finish()
                if batch.changes:
                    # delivered to other processes' listeners when (and only if) this commits
                    conn.execute("SELECT pg_notify(?, ?)", (CHANNEL, f"{token} {batch.rv}"))
                committing = True  # leaving the block sends COMMIT
        except psycopg.OperationalError:
            if attempt == 2 or committing or reconnect is None or not conn.raw.broken:
                raise
            conn.raw.close()
            conn.raw = reconnect().raw
            continue
        break
    return results, [Change(*c) for c in batch.changes]
