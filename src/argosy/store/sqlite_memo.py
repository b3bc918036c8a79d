"""The store's memoization caches (table ``memo_entries``): Argo's cache ConfigMaps, without the
1 MiB ceiling of a ConfigMap.

One row per entry, keyed by (namespace, cache name, key), holding what Argo's entry holds: the
node that produced it, its outputs (JSON), its creation and last-hit times. The server shows a
cache as a ConfigMap labelled ``workflows.argoproj.io/configmap-type: Cache`` whose ``data[key]``
is the entry's JSON (``controller.memoize``). The statements are plain SQL both backends run;
writes go through the store's one writer like every other (``SaveMemo``/``TouchMemos`` are
queued: a workflow does not wait for its cache; ``DeleteMemos``/``PutMemos`` wait), each taking
the next store-wide resource version, and add nothing to the change feed (the workflows' watch).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

from argosy.store.api import MemoRecord

if TYPE_CHECKING:
    from argosy.store.sqlite_batch import Batch

_COLUMNS = "namespace, cache, key, node_id, outputs, created_at, last_hit_at, resource_version"
_UPSERT = (f"INSERT INTO memo_entries ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?) "
           "ON CONFLICT (namespace, cache, key) DO UPDATE SET node_id = excluded.node_id, "
           "outputs = excluded.outputs, created_at = excluded.created_at, last_hit_at = excluded.last_hit_at, "
           "resource_version = excluded.resource_version")


class SaveMemo(NamedTuple):
    namespace: str
    cache: str
    key: str
    node_id: str
    outputs_json: str | None
    created_at: float
    last_hit_at: float


class TouchMemos(NamedTuple):
    """Last-hit times: (at, namespace, cache, key) each."""

    hits: list[tuple[float, str, str, str]]


class DeleteMemos(NamedTuple):
    namespace: str
    cache: str
    #: None: every entry of the cache
    key: str | None


class ExpireMemos(NamedTuple):
    """Delete the entries last hit before ``before`` (the caches' garbage collection)."""

    before: float


class PutMemos(NamedTuple):
    """Replace a whole cache with these entries (a cache ConfigMap written through the API)."""

    namespace: str
    cache: str
    entries: list[SaveMemo]


def save_memo(batch: Batch, op: SaveMemo) -> None:
    batch.rv += 1
    batch.conn.execute(_UPSERT, (*op, batch.rv))


def touch_memos(batch: Batch, op: TouchMemos) -> None:
    batch.conn.executemany("UPDATE memo_entries SET last_hit_at = ? WHERE namespace = ? AND cache = ? AND key = ?",
                           op.hits)


def delete_memos(batch: Batch, op: DeleteMemos) -> int:
    if op.key is None:
        gone = batch.conn.execute("DELETE FROM memo_entries WHERE namespace = ? AND cache = ?",
                                  (op.namespace, op.cache)).rowcount
    else:
        gone = batch.conn.execute("DELETE FROM memo_entries WHERE namespace = ? AND cache = ? AND key = ?",
                                  (op.namespace, op.cache, op.key)).rowcount
    if gone:
        batch.rv += 1
    return int(gone)


def expire_memos(batch: Batch, op: ExpireMemos) -> int:
    gone = batch.conn.execute("DELETE FROM memo_entries WHERE last_hit_at < ?", (op.before,)).rowcount
    if gone:
        batch.rv += 1
    return int(gone)


def put_memos(batch: Batch, op: PutMemos) -> None:
    batch.conn.execute("DELETE FROM memo_entries WHERE namespace = ? AND cache = ?", (op.namespace, op.cache))
    batch.rv += 1
    if op.entries:
        batch.conn.executemany(_UPSERT, [(*e, batch.rv) for e in op.entries])


def _record(row: tuple[Any, ...]) -> MemoRecord:
    namespace, cache, key, node_id, outputs, created_at, last_hit_at, rv = row
    return MemoRecord(namespace, cache, key, node_id, json.loads(outputs) if outputs else None,
                      float(created_at), float(last_hit_at), int(rv))


def _dumps(outputs: Any) -> str | None:
    return None if outputs is None else json.dumps(outputs, separators=(",", ":"))


class MemoTable:
    """``SqliteStore``'s (and ``PostgresStore``'s) memoization-cache methods (see ``Store``)."""

    _writer: Any
    _clock: Any

    def _read(self, fn: Any) -> Any:  # provided by SqliteStore
        raise NotImplementedError

    def get_memo(self, namespace: str, cache: str, key: str) -> MemoRecord | None:
        def read(conn: Any) -> MemoRecord | None:
            row = conn.execute(f"SELECT {_COLUMNS} FROM memo_entries WHERE namespace = ? AND cache = ? AND key = ?",
                               (namespace, cache, key)).fetchone()
            return None if row is None else _record(row)

        found: MemoRecord | None = self._read(read)
        return found

    def save_memo(self, namespace: str, cache: str, key: str, node_id: str, outputs: Any, *,
                  now: float | None = None) -> None:
        at = self._clock() if now is None else now
        self._writer.submit(SaveMemo(namespace, cache, key, node_id, _dumps(outputs), at, at), wait=False)

    def touch_memos(self, hits: Iterable[tuple[str, str, str, float]]) -> None:
        rows = [(at, namespace, cache, key) for namespace, cache, key, at in hits]
        if rows:
            self._writer.submit(TouchMemos(rows), wait=False)

    def list_memos(self, namespace: str | None = None, cache: str | None = None) -> list[MemoRecord]:
        where, params = [], []
        if namespace is not None:
            where.append("namespace = ?")
            params.append(namespace)
        if cache is not None:
            where.append("cache = ?")
            params.append(cache)
        clause = f" WHERE {' AND '.join(where)}" if where else ""

        def read(conn: Any) -> list[MemoRecord]:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM memo_entries{clause} ORDER BY namespace, cache, key", params)
            return [_record(r) for r in rows]

        records: list[MemoRecord] = self._read(read)
        return records

    def delete_memos(self, namespace: str, cache: str, key: str | None = None) -> int:
        return int(self._writer.submit(DeleteMemos(namespace, cache, key), wait=True))

    def expire_memos(self, not_hit_since: float) -> int:
        return int(self._writer.submit(ExpireMemos(not_hit_since), wait=True))

    def put_memos(self, namespace: str, cache: str, entries: Iterable[MemoRecord]) -> None:
        ops = [SaveMemo(namespace, cache, e.key, e.node_id, _dumps(e.outputs), e.created_at, e.last_hit_at)
               for e in entries]
        self._writer.submit(PutMemos(namespace, cache, ops), wait=True)
