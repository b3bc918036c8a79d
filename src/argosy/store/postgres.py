"""The shared store: one PostgreSQL database (psycopg 3), which many Argosy processes may use at once.

Imported only when a ``postgresql://`` URL is opened, so ``argosy run`` never loads psycopg.

- Reads and writes are the SQLite backend's statements (standard SQL; ``postgres_batch``
  adapts the placeholders), with the few dialect differences as class attributes. So both
  backends share the SQL building, the selector parsing and the batching ``Writer``.
- Writes go through one writer thread per store object, committed in batches; a commit
  waits for PostgreSQL's WAL flush (``synchronous_commit`` as the server has it, ``on`` by
  default), so ``flush()`` and a finished phase mean durable. Batches of all processes are
  ordered by a row lock on the resource version (see ``postgres_batch``).
- Reads use one connection per thread; a read of several statements runs in one
  ``REPEATABLE READ`` transaction, so it sees one moment.
- ``subscribe`` listeners hear this object's commits at once (on the writer thread) and other
  processes' commits through ``LISTEN``/``NOTIFY`` (on a listener thread started by the
  first subscriber).
- A connection lost between commits (the server restarted, an idle connection was cut) is
  made again: a read is repeated, a batch that had not reached its COMMIT is applied again.
  Lost during a COMMIT, the outcome is unknown: that error is sticky, as every write failure.
- Every failure becomes a ``StoreError`` with a one-line message naming the URL (its password
  left out) and what to do: connection refused, authentication failed, no such database,
  disk full, a lock held past ``lock_timeout``.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import psycopg.errors as pgerr

from argosy.errors import (
    ResourceVersionTooOld,
    StoreError,
    StoreFull,
    StoreLocked,
    StoreUnavailable,
)
from argosy.store import postgres_batch
from argosy.store.api import Change
from argosy.store.postgres_batch import CHANNEL, PgConnection
from argosy.store.postgres_schema import migrate, read_version
from argosy.store.sqlite import SqliteStore
from argosy.store.sqlite_batch import CHANGES_KEPT
from argosy.store.writer import Writer

log = logging.getLogger(__name__)

#: a workflow's node rows as one JSON object, built by the server: one json.loads for all
_NODES_JSON = ("SELECT '{' || string_agg(to_json(node_id)::text || ':' || body, ',') || '}' "
               "FROM nodes WHERE workflow_uid = ?")
#: a label value as an integer, or NULL (CASE: PostgreSQL may evaluate a WHERE's terms in any order;
#: no '?' in the pattern: the shared statements' placeholder)
_INT_VALUE = "(CASE WHEN value ~ '^-{0,1}[0-9]{1,30}$' THEN CAST(value AS NUMERIC) END)"


def is_postgres_url(text: str) -> bool:
    return text.startswith(("postgresql://", "postgres://"))


def redact(url: str) -> str:
    """``url`` without its password (the form every message and log line uses)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "postgresql://…"
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = (parts.username or "") + ":***"
    return urlunsplit(parts._replace(netloc=f"{user}@{netloc[-1]}"))


def translate(exc: BaseException, location: str, lock_timeout: float) -> StoreError:
    """The ``StoreError`` a user can act on for a failure of the database at ``location``."""
    if isinstance(exc, StoreError):
        return exc
    text = " ".join(str(exc).split()) or type(exc).__name__
    low = text.lower()
    if isinstance(exc, pgerr.DiskFull) or "no space left on device" in low:
        return StoreFull(location, "the database server's disk is full: the last write was not stored (the "
                         "store keeps every write before it)", "free space on the database server, then run again")
    if isinstance(exc, (pgerr.LockNotAvailable, pgerr.QueryCanceled)) or "lock timeout" in low:
        return StoreLocked(location, f"a lock stayed held by another session for {lock_timeout:g} s",
                           "find the session holding it (pg_stat_activity) or try again")
    if isinstance(exc, (pgerr.InvalidPassword, pgerr.InvalidAuthorizationSpecification)) \
            or "authentication failed" in low or "no password supplied" in low or "no pg_hba.conf entry" in low:
        return StoreUnavailable(location, "the database refused the user name or password",
                                "check the user and password in --database (or PGPASSWORD / ~/.pgpass)")
    if isinstance(exc, pgerr.InvalidCatalogName) or ("database" in low and "does not exist" in low):
        return StoreUnavailable(location, "no such database on that server",
                                "create it (createdb NAME) or correct the database name in --database")
    if "connection refused" in low or "could not connect" in low or "no such file or directory" in low \
            or "could not translate host name" in low or "timeout expired" in low:
        return StoreUnavailable(location, "cannot connect to the PostgreSQL server (connection refused or "
                                "unreachable)", "start the server, or correct the host and port in --database")
    if isinstance(exc, (psycopg.OperationalError, psycopg.InterfaceError, OSError)):
        return StoreUnavailable(location, f"the connection to the database failed ({text})",
                                "check that the PostgreSQL server is running and reachable, then run again")
    return StoreError(location, f"the store failed ({type(exc).__name__}: {text})",
                      "report this as a bug, with the message")


class PostgresStore(SqliteStore):
    """``argosy.store.api.Store`` over one PostgreSQL database.

    A subclass of ``SqliteStore`` for its statements and record building, not its file:
    connections, transactions, the batch and the error translation are PostgreSQL's.
    """

    _nodes_json = _NODES_JSON
    _int_value = _INT_VALUE

    def __init__(self, url: str, *, clock: Callable[[], float] | None = None, lock_timeout: float = 30.0,
                 changes_kept: int = CHANGES_KEPT, connect_timeout: float = 10.0) -> None:
        self.url = url
        self.location = redact(url)
        self._clock = clock or time.time
        self._lock_timeout = lock_timeout
        self._connect_timeout = connect_timeout
        self._local = threading.local()
        self._readers: list[PgConnection] = []
        self._readers_lock = threading.Lock()
        self._closed = False
        self._changes_kept = changes_kept
        self._listeners: list[Callable[[list[Change]], None]] = []
        #: tells this object's notifications from other processes'
        self._token = f"{os.getpid()}-{id(self):x}-{time.monotonic_ns():x}"
        self._notifier: threading.Thread | None = None
        #: versions this object's writer already told the listeners (the notifier skips them)
        self._told: deque[int] = deque(maxlen=4096)
        self._told_lock = threading.Lock()
        try:
            conn = self._reader()
            try:
                migrate(conn.raw, self.location)
            except psycopg.Error as exc:
                raise self._error(exc) from None
            self._writer: Writer[PgConnection] = Writer(  # type: ignore[assignment]
                self._connect_writer, self._apply, lambda c: c.close(), self._error,
                name="argosy-postgres-writer")
        except BaseException:
            self._close_readers()
            raise
        atexit.register(self._at_exit)

    # ---- connections ------------------------------------------------------------------------

    def _connect(self) -> PgConnection:  # type: ignore[override]
        try:
            raw = psycopg.connect(self.url, autocommit=True, connect_timeout=max(1, int(self._connect_timeout)),
                                  application_name="argosy")
        except psycopg.Error as exc:
            raise self._error(exc) from None
        return PgConnection(raw)

    def _connect_writer(self) -> PgConnection:  # type: ignore[override]
        conn = self._connect()
        # a lock (the version row, held by another process's batch) waited on past this is an error
        conn.raw.execute(f"SET lock_timeout = '{int(self._lock_timeout * 1000)}ms'")
        return conn

    def _apply(self, conn: PgConnection, batch: list[Any]) -> list[Any]:  # type: ignore[override]
        results, changes = postgres_batch.apply_batch(conn, batch, self._changes_kept, self._token,
                                                      self._connect_writer)
        if changes:
            # recorded always (not only once a listener thread runs): a commit made while the
            # first subscriber starts it must not be told twice
            with self._told_lock:
                self._told.extend(c.resource_version for c in changes)
            self._tell(changes)
        return results

    def _tell(self, changes: list[Change]) -> None:
        for listener in list(self._listeners):
            try:
                listener(changes)
            except Exception:  # a listener's bug must not stop the writer
                log.exception("a change listener failed")

    def _reader(self) -> PgConnection:  # type: ignore[override]
        conn: PgConnection | None = getattr(self._local, "conn", None)
        if conn is None or conn.raw.closed:
            if self._closed:
                raise RuntimeError("the store is closed")
            conn = self._connect()
            self._local.conn = conn
            with self._readers_lock:
                self._readers.append(conn)
        return conn

    def _error(self, exc: BaseException) -> StoreError:
        return translate(exc, self.location, self._lock_timeout)

    def _read(self, fn: Callable[[Any], Any]) -> Any:
        """Run ``fn`` in one read-only snapshot, translating errors; once more on a new connection
        when the connection was lost (a read can always be repeated)."""
        for attempt in (1, 2):
            conn = self._reader()
            try:
                with conn.raw.transaction():
                    conn.raw.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    return fn(conn)
            except psycopg.Error as exc:
                if not (conn.raw.broken or conn.raw.closed):
                    raise self._error(exc) from None
                self._local.conn = None  # the next read reconnects
                if attempt == 2 or not isinstance(exc, psycopg.OperationalError):
                    raise self._error(exc) from None
        raise AssertionError("unreachable")

    # ---- lifecycle ----------------------------------------------------------------------------

    def schema_version(self) -> int:
        return int(self._read(lambda c: read_version(c.raw)))

    def close(self) -> None:
        if self._closed:
            return
        notifier = self._notifier
        self._notifier = None  # the listener thread sees it within its poll interval
        try:
            super().close()
        finally:
            if notifier is not None:
                notifier.join(timeout=5)

    # ---- change feed: other processes' commits ----------------------------------------------------

    def subscribe(self, listener: Callable[[list[Change]], None]) -> Callable[[], None]:
        unsubscribe = super().subscribe(listener)
        if self._notifier is None and not self._closed:
            since = self.resource_version()
            conn = self._connect()
            conn.raw.execute(f"LISTEN {CHANNEL}")
            self._notifier = threading.Thread(target=self._listen, args=(conn, since),
                                              name="argosy-postgres-listener", daemon=True)
            self._notifier.start()
        return unsubscribe

    def _listen(self, conn: PgConnection | None, since: int) -> None:
        """The listener thread: on each other process's commit, tell the listeners its changes.

        A lost connection is made again (once a second while the server is away); the changes
        committed meanwhile are read from the feed, so none is missed."""
        while self._notifier is not None:
            try:
                if conn is None:
                    conn = self._connect()
                    conn.raw.execute(f"LISTEN {CHANNEL}")
                    since = self._tell_others(since)
                for note in conn.raw.notifies(timeout=0.25):
                    token, _, rv = note.payload.partition(" ")
                    if token != self._token and int(rv) > since:
                        since = self._tell_others(since)
                    if self._notifier is None:
                        break
            except Exception:  # the listener thread must outlive a lost connection
                if self._notifier is not None:
                    log.warning("%s: lost the connection listening for other processes' changes; "
                                "connecting again", self.location, exc_info=True)
                    time.sleep(1.0)
                if conn is not None:
                    with contextlib.suppress(Exception):
                        conn.close()
                conn = None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()

    def _tell_others(self, since: int) -> int:
        try:
            changes = self.changes(since, limit=100_000)
        except ResourceVersionTooOld:
            return self.resource_version()  # fell behind the feed: listeners list again on their own
        if not changes:
            return since
        with self._told_lock:
            told = set(self._told)
        others = [c for c in changes if c.resource_version not in told]
        if others:
            self._tell(others)
        return changes[-1].resource_version
