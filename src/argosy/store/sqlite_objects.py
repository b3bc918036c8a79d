"""The SQLite store's table of objects other than workflows (templates, cron, ConfigMaps...).

Writes go through the store's one writer like every other (``PutObject``/``DeleteObject`` ops,
applied by :class:`~argosy.store.sqlite_batch.Batch`); each takes the next store-wide resource
version, but adds nothing to the change feed (that feed is the workflows' watch).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from argosy.errors import AlreadyExists, NotFound
from argosy.store.api import ObjectRecord, resource_name

if TYPE_CHECKING:
    from argosy.store.sqlite_batch import Batch

_COLUMNS = "kind, namespace, name, uid, created_at, resource_version, body"


class PutObject(NamedTuple):
    kind: str
    namespace: str
    name: str
    body_json: str
    #: True: create (the name must be free); False: update (the object must exist)
    create: bool
    now: float


class DeleteObject(NamedTuple):
    kind: str
    namespace: str
    name: str


def put_object(batch: Batch, op: PutObject) -> ObjectRecord | Exception:
    row = batch.conn.execute("SELECT uid, created_at FROM objects WHERE kind = ? AND namespace = ? AND name = ?",
                             (op.kind, op.namespace, op.name)).fetchone()
    if op.create and row is not None:
        return AlreadyExists(op.name, resource_name(op.kind))
    if not op.create and row is None:
        return NotFound(op.name, resource_name(op.kind))
    uid, created_at = row if row is not None else (str(uuid.uuid4()), op.now)
    batch.rv += 1
    batch.conn.execute(
        f"INSERT OR REPLACE INTO objects ({_COLUMNS}) VALUES (?,?,?,?,?,?,?)",
        (op.kind, op.namespace, op.name, uid, created_at, batch.rv, op.body_json))
    return ObjectRecord(op.kind, op.namespace, op.name, uid, created_at, batch.rv, json.loads(op.body_json))


def delete_object(batch: Batch, op: DeleteObject) -> bool:
    gone = batch.conn.execute("DELETE FROM objects WHERE kind = ? AND namespace = ? AND name = ?",
                              (op.kind, op.namespace, op.name)).rowcount
    if gone:
        batch.rv += 1
    return gone > 0


def _record(row: tuple[Any, ...]) -> ObjectRecord:
    kind, namespace, name, uid, created_at, rv, body = row
    return ObjectRecord(kind, namespace, name, uid, created_at, rv, json.loads(body))


class ObjectTable:
    """``SqliteStore``'s object methods (see ``argosy.store.api.Store``)."""

    _writer: Any
    _clock: Any

    def _read(self, fn: Any) -> Any:  # provided by SqliteStore
        raise NotImplementedError

    def _put(self, kind: str, body: Mapping[str, Any], create: bool) -> ObjectRecord:
        meta = body.get("metadata") or {}
        name = meta.get("name")
        if not name:
            raise ValueError("an object needs metadata.name")
        namespace = meta.get("namespace") or ""
        result = self._writer.submit(PutObject(kind, namespace, name, json.dumps(body, separators=(",", ":")),
                                               create, self._clock()), wait=True)
        if isinstance(result, Exception):
            raise result
        record: ObjectRecord = result
        return record

    def create_object(self, kind: str, body: Mapping[str, Any]) -> ObjectRecord:
        return self._put(kind, body, True)

    def update_object(self, kind: str, body: Mapping[str, Any]) -> ObjectRecord:
        return self._put(kind, body, False)

    def get_object(self, kind: str, namespace: str, name: str) -> ObjectRecord | None:
        def read(conn: sqlite3.Connection) -> ObjectRecord | None:
            row = conn.execute(f"SELECT {_COLUMNS} FROM objects WHERE kind = ? AND namespace = ? AND name = ?",
                               (kind, namespace, name)).fetchone()
            return None if row is None else _record(row)

        found: ObjectRecord | None = self._read(read)
        return found

    def list_objects(self, kind: str, namespace: str | None = None, *,
                     label_selector: str | None = None) -> list[ObjectRecord]:
        from argosy.store.selector import matches, parse_label_selector

        requirements = parse_label_selector(label_selector)
        where, params = "kind = ?", [kind]
        if namespace is not None:
            where += " AND namespace = ?"
            params.append(namespace)

        def read(conn: sqlite3.Connection) -> list[ObjectRecord]:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM objects WHERE {where} ORDER BY namespace, name", params)
            return [_record(r) for r in rows]

        records: list[ObjectRecord] = self._read(read)
        if requirements:
            records = [r for r in records if matches(requirements, _labels(r.body))]
        return records

    def delete_object(self, kind: str, namespace: str, name: str) -> bool:
        return bool(self._writer.submit(DeleteObject(kind, namespace, name), wait=True))


def _labels(body: Mapping[str, Any]) -> dict[str, str]:
    labels = (body.get("metadata") or {}).get("labels") or {}
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}
