"""The embedded store: one SQLite file (WAL), written by one writer thread, read by many.

SQLite is spoken to through the standard library: SQLAlchemy's import alone cost 0.24 s of
a one-step ``argosy run`` (the start-up budget is 0.35 s) and the statements are fixed SQL
that needs no query builder.

- Writes are queued to a ``Writer`` and committed in batches (``sqlite_batch``); WAL with
  ``synchronous=NORMAL``: a commit survives the process being killed (a power cut may lose
  the last commits, never corrupt the file).
- Reads use one connection per thread and see committed data only; a read that takes
  several statements runs in one read transaction, so it sees one moment.
- Every ``sqlite3`` error becomes a ``StoreError`` naming the file and what to do.
- Several processes may share a file (two ``argosy run`` in one data dir): SQLite's lock
  serialises their writers; one that waits past ``lock_timeout`` gets ``StoreLocked``.
"""

from __future__ import annotations

import atexit
import base64
import binascii
import errno
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from argosy.errors import (
    ListOptionsError,
    ResourceVersionTooOld,
    StoreCorrupt,
    StoreError,
    StoreFull,
    StoreLocked,
    StoreUnavailable,
)
from argosy.store import sqlite_batch as ops
from argosy.store.api import (
    COMPLETED_LABEL,
    FINISHED_PHASES,
    PHASE_LABEL,
    Change,
    WorkflowPage,
    WorkflowRecord,
    derived_labels,
)
from argosy.store.owner import owner_alive
from argosy.store.schema import epoch, labels_of, migrate, read_version
from argosy.store.sqlite_memo import MemoTable
from argosy.store.sqlite_metadata import MetadataWrites
from argosy.store.sqlite_objects import ObjectTable
from argosy.store.writer import Writer

if TYPE_CHECKING:
    from argosy.store.selector import Requirement

#: the same text as the partial index ix_workflows_unfinished, so SQLite can use it
_FINISHED_SQL = "('" + "', '".join(sorted(FINISHED_PHASES)) + "')"
_LIVE = ("uid, namespace, name, phase, created_at, started_at, finished_at, manifest, status, engine_record, "
         "owner, lease_expires_at, resource_version, id")
_ARCHIVED = ("uid, namespace, name, phase, created_at, started_at, finished_at, manifest, status, NULL, NULL, "
             "NULL, resource_version, id, archived_at")
#: a workflow's node rows as one JSON object, built by SQLite: one json.loads instead of one per node
_NODES_JSON = ("SELECT '{' || group_concat(json_quote(node_id) || ':' || body, ',') || '}' "
               "FROM nodes WHERE workflow_uid = ?")
#: the value expression of each phase-derived label (NULL: the label is absent)
_DERIVED = {
    PHASE_LABEL: "nullif(phase, '')",
    COMPLETED_LABEL: f"CASE WHEN phase = '' THEN NULL WHEN phase IN {_FINISHED_SQL} THEN 'true' ELSE 'false' END",
}
#: a label value as an integer, or NULL: Kubernetes compares only values that parse as integers
#: (an optional '-', then digits)
_DIGITS = "(CASE WHEN value GLOB '-*' THEN substr(value, 2) ELSE value END)"
_INT_VALUE = (f"(CASE WHEN {_DIGITS} GLOB '[0-9]*' AND {_DIGITS} NOT GLOB '*[^0-9]*' "
              "THEN CAST(value AS INTEGER) END)")
log = logging.getLogger(__name__)
_FIELD_COLUMNS = {"metadata.name": "name", "metadata.namespace": "namespace", "metadata.uid": "uid",
                  "status.phase": "phase"}


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _rfc3339(ts: float) -> str:
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sqlite_path(url_or_path: str | Path) -> Path:
    """The file of ``sqlite:///relative``, ``sqlite:////absolute`` or a plain path."""
    text = str(url_or_path)
    if text.startswith("sqlite:"):
        rest = text[len("sqlite:"):]
        if not rest.startswith("///"):
            raise StoreUnavailable(text, "a SQLite URL has the form sqlite:///relative/path or "
                                   "sqlite:////absolute/path", "correct the --database URL")
        return Path(rest[3:])
    if "://" in text:
        scheme = text.split("://", 1)[0]
        raise StoreUnavailable(scheme + "://…", f"the {scheme!r} store is not available in this Argosy",
                               "use a SQLite path or sqlite:/// URL")
    return Path(text)


def translate(exc: BaseException, location: str, lock_timeout: float) -> StoreError:
    """The ``StoreError`` a user can act on for a failure of the database at ``location``."""
    if isinstance(exc, StoreError):
        return exc
    code = getattr(exc, "sqlite_errorname", "") or ""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in text:
        return StoreLocked(location, f"the database stayed locked by another process for {lock_timeout:g} s",
                           "stop the other Argosy using this data directory, or use another one (--data-dir)")
    if (code.startswith("SQLITE_FULL") or "database or disk is full" in text
            or (isinstance(exc, OSError) and exc.errno == errno.ENOSPC)):
        return StoreFull(location, "the disk is full: the last write was not stored (the store keeps every "
                         "write before it)", "free space on that disk, then run again")
    if code.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or "malformed" in text or "not a database" in text:
        return StoreCorrupt(location, f"the file is not an Argosy database or is damaged ({text})",
                            "move the file aside (Argosy then starts an empty store) or restore it from a "
                            "backup; `sqlite3 FILE .recover` may save what it holds")
    if code.startswith(("SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_READONLY", "SQLITE_IOERR", "SQLITE_AUTH")) \
            or isinstance(exc, (OSError, sqlite3.OperationalError)):
        return StoreUnavailable(location, f"cannot use the database ({text})",
                                "check that its directory exists and is writable and the disk is healthy, "
                                "or use another data directory (--data-dir)")
    return StoreError(location, f"the store failed ({type(exc).__name__}: {text})",
                      "report this as a bug, with the message")


def _encode_token(created_at: float, row_id: int) -> str:
    return base64.urlsafe_b64encode(_dumps([created_at, row_id]).encode()).decode().rstrip("=")


def _decode_token(token: str) -> tuple[float, int]:
    try:
        created_at, row_id = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return float(created_at), int(row_id)
    except (ValueError, TypeError, binascii.Error) as exc:
        raise ListOptionsError(f"listOptions.continue: {token!r} is not a continue token this server "
                               "gave out (list again from the start)") from exc


def _label_sql(req: Requirement, labels_table: str, int_value: str = _INT_VALUE) -> tuple[str, list[Any]]:
    """A WHERE term for one label requirement (``int_value``: the label value as an integer, or NULL)."""
    marks = ",".join("?" * len(req.values))
    derived = _DERIVED.get(req.key)
    if derived is not None:
        match req.op:
            case "exists":
                return f"{derived} IS NOT NULL", []
            case "!exists":
                return f"{derived} IS NULL", []
            case "in":
                return f"{derived} IN ({marks})", list(req.values)
            case "notin":
                return f"({derived} IS NULL OR {derived} NOT IN ({marks}))", list(req.values)
            case _:
                return "1 = 0", []  # gt/lt need an integer; a phase never is one
    sub = f"SELECT uid FROM {labels_table} WHERE key = ?"
    match req.op:
        case "exists":
            return f"uid IN ({sub})", [req.key]
        case "!exists":
            return f"uid NOT IN ({sub})", [req.key]
        case "in":
            return f"uid IN ({sub} AND value IN ({marks}))", [req.key, *req.values]
        case "notin":
            return f"uid NOT IN ({sub} AND value IN ({marks}))", [req.key, *req.values]
        case _:
            cmp = ">" if req.op == "gt" else "<"
            return f"uid IN ({sub} AND {int_value} {cmp} ?)", [req.key, int(req.values[0])]


class SqliteStore(ObjectTable, MemoTable, MetadataWrites):
    """``argosy.store.api.Store`` over one SQLite file."""

    # the statements where SQL dialects differ (``PostgresStore`` replaces them)
    _nodes_json = _NODES_JSON
    _int_value = _INT_VALUE

    def __init__(self, path: Path, *, clock: Callable[[], float] | None = None, lock_timeout: float = 30.0,
                 changes_kept: int = ops.CHANGES_KEPT) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        self._clock = clock or time.time
        self._lock_timeout = lock_timeout
        self._local = threading.local()
        self._readers: list[sqlite3.Connection] = []
        self._readers_lock = threading.Lock()
        self._closed = False
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise self._error(exc) from None
        self._changes_kept = changes_kept
        self._listeners: list[Callable[[list[Change]], None]] = []
        try:
            conn = self._reader()
            try:
                # WAL is a property of the file: set once, every connection then uses it
                conn.execute("PRAGMA journal_mode=WAL")
                migrate(conn, self.location)
            except sqlite3.Error as exc:
                raise self._error(exc) from None
            self._writer: Writer[sqlite3.Connection] = Writer(
                self._connect_writer, self._apply, lambda c: c.close(), self._error)
        except BaseException:
            self._close_readers()
            raise
        atexit.register(self._at_exit)

    # ---- connections ------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=self._lock_timeout, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def _connect_writer(self) -> sqlite3.Connection:
        return self._connect()

    def _apply(self, conn: sqlite3.Connection, batch: list[Any]) -> list[Any]:
        """The writer's work: one batch, then tell the listeners what it committed."""
        results, changes = ops.apply_batch(conn, batch, self._changes_kept)
        if changes:
            for listener in list(self._listeners):
                try:
                    listener(changes)
                except Exception:  # a listener's bug must not stop the writer
                    log.exception("a change listener failed")
        return results

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            if self._closed:
                raise RuntimeError("the store is closed")
            try:
                conn = self._connect()
            except sqlite3.Error as exc:
                raise self._error(exc) from None
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def _close_readers(self) -> None:
        with self._readers_lock:
            for conn in self._readers:
                conn.close()
            self._readers.clear()

    def _error(self, exc: BaseException) -> StoreError:
        return translate(exc, self.location, self._lock_timeout)

    def _read(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run ``fn`` in one read transaction (one consistent view), translating errors."""
        conn = self._reader()
        try:
            conn.execute("BEGIN")
            try:
                return fn(conn)
            finally:
                conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise self._error(exc) from None

    # ---- lifecycle ----------------------------------------------------------------------------

    def schema_version(self) -> int:
        return int(self._read(read_version))

    def flush(self) -> None:
        self._writer.flush()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        atexit.unregister(self._at_exit)
        self._writer.close()
        self._close_readers()
        failure = self._writer.failure
        if failure is not None:
            raise type(failure)(failure.location, failure.problem, failure.advice)

    def _at_exit(self) -> None:
        # a process that ends without close() still stores what it queued
        try:
            self.close()
        except StoreError:
            pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---- workflows: writes ----------------------------------------------------------------------

    def create_workflow(self, manifest: Mapping[str, Any], status: Mapping[str, Any], *,
                        owner: str | None = None, lease_seconds: float | None = None) -> WorkflowRecord:
        return self.create_workflow_later(manifest, status, owner=owner, lease_seconds=lease_seconds).result()

    def create_workflow_later(self, manifest: Mapping[str, Any], status: Mapping[str, Any], *,
                              owner: str | None = None, lease_seconds: float | None = None
                              ) -> Future[WorkflowRecord]:
        body = {k: v for k, v in manifest.items() if k != "status"}
        meta = dict(body.get("metadata") or {})
        uid, name = meta.get("uid"), meta.get("name")
        if not uid or not name:
            raise ValueError("create_workflow needs metadata.uid and metadata.name")
        meta["namespace"] = namespace = meta.get("namespace") or "default"
        created_at = epoch(meta.get("creationTimestamp"))
        if created_at is None:
            created_at = self._clock()
            meta["creationTimestamp"] = _rfc3339(created_at)
        body["metadata"] = meta
        labels = labels_of(body)
        summary = {k: v for k, v in status.items() if k != "nodes"}
        nodes = status.get("nodes") or {}
        now = self._clock()
        record = WorkflowRecord(
            uid=uid, namespace=namespace, name=name, phase=summary.get("phase") or "", labels=labels,
            created_at=created_at, started_at=epoch(summary.get("startedAt")),
            finished_at=epoch(summary.get("finishedAt")), manifest=body, status=dict(status),
            engine_record=None, owner=owner, resource_version=0,
            lease_expires_at=(now + (lease_seconds or 0.0)) if owner else None)
        op = ops.Create(record, _dumps(body), _dumps(summary), [(nid, _dumps(n)) for nid, n in nodes.items()])
        future: Future[WorkflowRecord] = self._writer.submit_later(op)
        return future

    def save_progress(self, uid: str, status_summary: Mapping[str, Any],
                      changed_nodes: Iterable[tuple[str, Mapping[str, Any]]],
                      engine_record: Mapping[str, Any] | None = None) -> None:
        summary = {k: v for k, v in status_summary.items() if k != "nodes"}
        phase = summary.get("phase") or ""
        op = ops.Progress(uid, _dumps(summary), phase, epoch(summary.get("startedAt")),
                          epoch(summary.get("finishedAt")), [(nid, _dumps(body)) for nid, body in changed_nodes],
                          None if engine_record is None else _dumps(engine_record))
        # the end of a workflow is durable before the caller reports it
        self._writer.submit(op, wait=phase in FINISHED_PHASES)

    def delete_workflow(self, uid: str) -> bool:
        return bool(self._writer.submit(ops.Delete(uid), wait=True))

    # ---- workflows: reads -----------------------------------------------------------------------

    def _record(self, conn: sqlite3.Connection, row: tuple[Any, ...], with_nodes: bool) -> WorkflowRecord:
        (uid, namespace, name, phase, created_at, started_at, finished_at, manifest_json, status_json,
         engine_json, owner, lease, rv) = row[:13]
        archived_at = row[14] if len(row) > 14 else None
        manifest = json.loads(manifest_json)
        status = json.loads(status_json)
        if with_nodes:
            if archived_at is None:
                nodes_json = conn.execute(self._nodes_json, (uid,)).fetchone()[0]
                if nodes_json:
                    status["nodes"] = json.loads(nodes_json)
        else:
            status.pop("nodes", None)
        return WorkflowRecord(
            uid=uid, namespace=namespace, name=name, phase=phase, labels=labels_of(manifest), created_at=created_at,
            started_at=started_at, finished_at=finished_at, manifest=manifest, status=status,
            engine_record=None if engine_json is None else json.loads(engine_json), owner=owner,
            resource_version=rv, lease_expires_at=lease, archived_at=archived_at)

    def _one(self, table: str, where: str, params: tuple[Any, ...], with_nodes: bool,
             order: str = "") -> WorkflowRecord | None:
        cols = _LIVE if table == "workflows" else _ARCHIVED

        def read(conn: sqlite3.Connection) -> WorkflowRecord | None:
            row = conn.execute(f"SELECT {cols} FROM {table} WHERE {where}{order} LIMIT 1", params).fetchone()
            return None if row is None else self._record(conn, row, with_nodes)

        result: WorkflowRecord | None = self._read(read)
        return result

    def get_workflow(self, uid: str, *, with_nodes: bool = True) -> WorkflowRecord | None:
        return self._one("workflows", "uid = ?", (uid,), with_nodes)

    def find_workflow(self, namespace: str, name: str, *, with_nodes: bool = True) -> WorkflowRecord | None:
        return self._one("workflows", "namespace = ? AND name = ?", (namespace, name), with_nodes)

    def _list(self, table: str, labels_table: str, namespace: str | None, phases: Iterable[str] | None,
              label_selector: str | None, field_selector: str | None, name_prefix: str | None,
              limit: int | None, continue_token: str | None, with_nodes: bool) -> WorkflowPage:
        where: list[str] = []
        params: list[Any] = []
        if namespace:
            where.append("namespace = ?")
            params.append(namespace)
        if phases is not None:
            wanted = list(phases)
            where.append(f"phase IN ({','.join('?' * len(wanted))})" if wanted else "1 = 0")
            params.extend(wanted)
        if name_prefix:
            where.append("substr(name, 1, ?) = ?")
            params.extend((len(name_prefix), name_prefix))
        # imported here: `argosy run` never filters, and its start-up is counted in ms
        from argosy.store.selector import parse_field_selector, parse_label_selector

        for freq in parse_field_selector(field_selector):
            where.append(f"{_FIELD_COLUMNS[freq.field]} {'!=' if freq.negate else '='} ?")
            params.append(freq.value)
        for req in parse_label_selector(label_selector):
            term, term_params = _label_sql(req, labels_table, self._int_value)
            where.append(term)
            params.extend(term_params)
        if continue_token:
            where.append("(created_at, id) < (?, ?)")
            params.extend(_decode_token(continue_token))
        if limit is not None and limit < 0:
            raise ListOptionsError(f"listOptions.limit: {limit} is negative")
        cols = _LIVE if table == "workflows" else _ARCHIVED
        sql = f"SELECT {cols} FROM {table}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY created_at DESC, id DESC"
        if limit:
            sql += " LIMIT ?"
            params.append(limit + 1)

        def read(conn: sqlite3.Connection) -> WorkflowPage:
            rows = conn.execute(sql, params).fetchall()
            rv = conn.execute("SELECT value FROM meta WHERE key = 'resource_version'").fetchone()[0]
            token = None
            if limit and len(rows) > limit:
                rows = rows[:limit]
                token = _encode_token(rows[-1][4], rows[-1][13])
            return WorkflowPage([self._record(conn, r, with_nodes) for r in rows], token, rv)

        page: WorkflowPage = self._read(read)
        return page

    def list_workflows(self, namespace: str | None = None, *, phases: Iterable[str] | None = None,
                       label_selector: str | None = None, field_selector: str | None = None,
                       name_prefix: str | None = None, limit: int | None = None,
                       continue_token: str | None = None, with_nodes: bool = False) -> WorkflowPage:
        return self._list("workflows", "labels", namespace, phases, label_selector, field_selector, name_prefix,
                          limit, continue_token, with_nodes)

    # ---- ownership ------------------------------------------------------------------------------

    def claim(self, uid: str, owner_id: str, lease_seconds: float, *, now: float | None = None) -> bool:
        now = self._clock() if now is None else now
        return bool(self._writer.submit(ops.Claim(uid, owner_id, now + lease_seconds, now), wait=True))

    def heartbeat(self, owner_id: str, lease_seconds: float, *, now: float | None = None) -> None:
        now = self._clock() if now is None else now
        self._writer.submit(ops.Heartbeat(owner_id, now + lease_seconds))

    def release(self, uid: str) -> None:
        self._writer.submit(ops.Release(uid))

    def orphans(self, now: float | None = None) -> list[WorkflowRecord]:
        now = self._clock() if now is None else now

        def read(conn: sqlite3.Connection) -> list[WorkflowRecord]:
            unfinished = f"phase NOT IN {_FINISHED_SQL}"
            owners = [o for (o,) in conn.execute(
                f"SELECT DISTINCT owner FROM workflows WHERE owner IS NOT NULL AND {unfinished}")]
            dead = [o for o in owners if owner_alive(o) is False]
            marks = ",".join("?" * len(dead))
            rows = conn.execute(
                f"SELECT {_LIVE} FROM workflows WHERE {unfinished} AND (owner IS NULL OR lease_expires_at <= ?"
                + (f" OR owner IN ({marks})" if dead else "") + ") ORDER BY created_at, id",
                (now, *dead)).fetchall()
            return [self._record(conn, r, False) for r in rows]

        result: list[WorkflowRecord] = self._read(read)
        return result

    # ---- change feed ------------------------------------------------------------------------------

    def resource_version(self) -> int:
        return int(self._read(lambda c: c.execute(
            "SELECT value FROM meta WHERE key = 'resource_version'").fetchone()[0]))

    def subscribe(self, listener: Callable[[list[Change]], None]) -> Callable[[], None]:
        listeners = self._listeners

        def unsubscribe() -> None:
            if listener in listeners:
                listeners.remove(listener)

        listeners.append(listener)
        return unsubscribe

    def changes(self, since: int, limit: int = 1000) -> list[Change]:
        def read(conn: sqlite3.Connection) -> list[Change]:
            pruned = conn.execute("SELECT value FROM meta WHERE key = 'changes_pruned_through'").fetchone()[0]
            if since < pruned and pruned > 0:
                raise ResourceVersionTooOld(since, pruned + 1)
            rows = conn.execute("SELECT resource_version, kind, uid, namespace, name FROM changes "
                                "WHERE resource_version > ? ORDER BY resource_version LIMIT ?", (since, limit))
            return [Change(*row) for row in rows]

        result: list[Change] = self._read(read)
        return result

    # ---- archive ----------------------------------------------------------------------------------

    def archive_workflow(self, uid: str) -> WorkflowRecord | None:
        result: WorkflowRecord | None = self._writer.submit(ops.Archive(uid, self._clock()), wait=True)
        return result

    def get_archived_workflow(self, uid: str, *, with_nodes: bool = True) -> WorkflowRecord | None:
        return self._one("archived_workflows", "uid = ?", (uid,), with_nodes)

    def find_archived_workflow(self, namespace: str, name: str, *,
                               with_nodes: bool = True) -> WorkflowRecord | None:
        return self._one("archived_workflows", "namespace = ? AND name = ?", (namespace, name), with_nodes,
                         " ORDER BY created_at DESC, id DESC")

    def list_archived_workflows(self, namespace: str | None = None, *, phases: Iterable[str] | None = None,
                                label_selector: str | None = None, field_selector: str | None = None,
                                name_prefix: str | None = None, limit: int | None = None,
                                continue_token: str | None = None) -> WorkflowPage:
        return self._list("archived_workflows", "archived_labels", namespace, phases, label_selector,
                          field_selector, name_prefix, limit, continue_token, False)

    def delete_archived_workflow(self, uid: str) -> bool:
        return bool(self._writer.submit(ops.DeleteArchived(uid), wait=True))

    def _archived_labels(self, namespace: str | None) -> dict[str, set[str]]:
        scope = " WHERE uid IN (SELECT uid FROM archived_workflows WHERE namespace = ?)" if namespace else ""
        args = (namespace,) if namespace else ()

        def read(conn: sqlite3.Connection) -> dict[str, set[str]]:
            out: dict[str, set[str]] = {}
            for key, value in conn.execute(f"SELECT DISTINCT key, value FROM archived_labels{scope}", args):
                out.setdefault(key, set()).add(value)
            phase_scope = " WHERE namespace = ?" if namespace else ""
            for (phase,) in conn.execute(f"SELECT DISTINCT phase FROM archived_workflows{phase_scope}", args):
                for key, value in derived_labels(phase).items():
                    out.setdefault(key, set()).add(value)
            return out

        result: dict[str, set[str]] = self._read(read)
        return result

    def archived_label_keys(self, namespace: str | None = None) -> list[str]:
        return sorted(self._archived_labels(namespace))

    def archived_label_values(self, key: str, namespace: str | None = None) -> list[str]:
        return sorted(self._archived_labels(namespace).get(key, ()))
