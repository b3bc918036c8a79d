"""The SQLite schema and its ordered migrations, applied when a store is opened.

``schema_version`` holds one row: the version the file is at. Opening runs every migration
above it, in order, in one transaction, so a file is always at exactly one version. A file
at a version above ``LATEST`` was written by a newer Argosy: it is refused rather than
guessed at. Version 1 is the first versioned schema; a file from before versioning (tables
``workflows`` and ``nodes`` without ``schema_version``) is converted by migration 1: the
newest workflow of each namespace and name stays live, older duplicates (which the old store
allowed) go to the archive, so the uniqueness rule holds from then on.

A new migration is a function appended to ``MIGRATIONS``; never edit a released one.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

from argosy.errors import StoreSchemaTooNew
from argosy.goformat import rfc3339_epoch

# ---- version 1 ----------------------------------------------------------------------------------

_V1 = (
    # store-wide counters: resource_version, changes_pruned_through
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
    "INSERT INTO meta (key, value) VALUES ('resource_version', 0), ('changes_pruned_through', 0)",
    # id: insertion order, the tie-breaker of equal creation times in keyset paging
    """CREATE TABLE workflows (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uid TEXT NOT NULL UNIQUE,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        phase TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        started_at REAL,
        finished_at REAL,
        manifest TEXT NOT NULL,
        status TEXT NOT NULL,
        engine_record TEXT,
        owner TEXT,
        lease_expires_at REAL,
        resource_version INTEGER NOT NULL)""",
    "CREATE UNIQUE INDEX ux_workflows_namespace_name ON workflows (namespace, name)",
    "CREATE INDEX ix_workflows_created ON workflows (created_at, id)",
    "CREATE INDEX ix_workflows_namespace_created ON workflows (namespace, created_at, id)",
    "CREATE INDEX ix_workflows_phase_created ON workflows (phase, created_at, id)",
    "CREATE INDEX ix_workflows_owner ON workflows (owner) WHERE owner IS NOT NULL",
    # orphans() reads only unfinished workflows: few, however many finished ones are kept
    ("CREATE INDEX ix_workflows_unfinished ON workflows (created_at, id) "
     "WHERE phase NOT IN ('Error', 'Failed', 'Succeeded')"),
    """CREATE TABLE IF NOT EXISTS nodes (
        workflow_uid TEXT NOT NULL,
        node_id TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (workflow_uid, node_id))""",
    """CREATE TABLE labels (
        uid TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (uid, key))""",
    "CREATE INDEX ix_labels_key_value ON labels (key, value, uid)",
    """CREATE TABLE changes (
        resource_version INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        uid TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL)""",
    # an archived workflow is read-only: its nodes are folded into its status
    """CREATE TABLE archived_workflows (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        uid TEXT NOT NULL UNIQUE,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        phase TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        started_at REAL,
        finished_at REAL,
        archived_at REAL NOT NULL,
        manifest TEXT NOT NULL,
        status TEXT NOT NULL,
        resource_version INTEGER NOT NULL)""",
    "CREATE INDEX ix_archived_created ON archived_workflows (created_at, id)",
    "CREATE INDEX ix_archived_namespace_created ON archived_workflows (namespace, created_at, id)",
    "CREATE INDEX ix_archived_namespace_name ON archived_workflows (namespace, name, created_at)",
    "CREATE INDEX ix_archived_phase_created ON archived_workflows (phase, created_at, id)",
    """CREATE TABLE archived_labels (
        uid TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (uid, key))""",
    "CREATE INDEX ix_archived_labels_key_value ON archived_labels (key, value, uid)",
)


def epoch(ts: Any) -> float | None:
    """Seconds since the epoch of an RFC 3339 timestamp (None for none or a malformed one)."""
    return _epoch(ts) if isinstance(ts, str) and ts else None


@lru_cache(maxsize=256)
def _epoch(ts: str) -> float | None:
    # the same startedAt is parsed at every write of a workflow: cached
    return rfc3339_epoch(ts)


def labels_of(manifest: Mapping[str, Any]) -> dict[str, str]:
    """``metadata.labels`` as strings (YAML may give a number where Kubernetes means text)."""
    labels = (manifest.get("metadata") or {}).get("labels") or {}
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


def _v1(conn: sqlite3.Connection) -> None:
    legacy = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='workflows'").fetchone()
    if legacy:
        conn.execute("ALTER TABLE workflows RENAME TO legacy_workflows")
    for ddl in _V1:
        conn.execute(ddl)
    if legacy:
        _convert_legacy(conn)


def _convert_legacy(conn: sqlite3.Connection) -> None:
    """Move the unversioned store's rows into version 1's tables."""
    rows = conn.execute(
        "SELECT uid, namespace, name, phase, started_at, finished_at, manifest, status FROM legacy_workflows "
        "ORDER BY coalesce(started_at, 0) DESC, rowid DESC").fetchall()
    seen: set[tuple[str, str]] = set()
    rv = 0
    for uid, namespace, name, phase, started_at, finished_at, manifest_text, status_text in rows:
        rv += 1
        manifest = json.loads(manifest_text)
        manifest.pop("status", None)
        meta = manifest.get("metadata") or {}
        created_at = epoch(meta.get("creationTimestamp")) or started_at or 0.0
        labels = labels_of(manifest)
        if (namespace, name) not in seen:
            seen.add((namespace, name))
            conn.execute(
                "INSERT INTO workflows (uid, namespace, name, phase, created_at, started_at, finished_at, "
                "manifest, status, resource_version) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (uid, namespace, name, phase or "", created_at, started_at, finished_at,
                 json.dumps(manifest, separators=(",", ":")), status_text, rv))
            conn.executemany("INSERT INTO labels (uid, key, value) VALUES (?,?,?)",
                             [(uid, k, v) for k, v in labels.items()])
            continue
        status = json.loads(status_text)
        nodes = {nid: json.loads(body) for nid, body in
                 conn.execute("SELECT node_id, body FROM nodes WHERE workflow_uid = ?", (uid,))}
        if nodes:
            status["nodes"] = nodes
        conn.execute("DELETE FROM nodes WHERE workflow_uid = ?", (uid,))
        conn.execute(
            "INSERT OR REPLACE INTO archived_workflows (uid, namespace, name, phase, created_at, started_at, "
            "finished_at, archived_at, manifest, status, resource_version) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            (uid, namespace, name, phase or "", created_at, started_at, finished_at,
             finished_at or started_at or 0.0, json.dumps(manifest, separators=(",", ":")),
             json.dumps(status, separators=(",", ":")), rv))
        conn.executemany("INSERT OR REPLACE INTO archived_labels (uid, key, value) VALUES (?,?,?)",
                         [(uid, k, v) for k, v in labels.items()])
    conn.execute("DROP TABLE legacy_workflows")
    conn.execute("UPDATE meta SET value = ? WHERE key = 'resource_version'", (rv,))


# ---- version 2: objects other than workflows (server) -------------------------------------------


def _v2(conn: sqlite3.Connection) -> None:
    """Objects the server keeps besides workflows: WorkflowTemplates, ClusterWorkflowTemplates,
    CronWorkflows, ConfigMaps, Secrets. One table, keyed by kind, namespace ('' for a
    cluster-scoped kind) and name; the body is the whole object as the user gave it."""
    conn.execute("""CREATE TABLE objects (
        kind TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        uid TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL,
        resource_version INTEGER NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (kind, namespace, name))""")


# ---- version 3: memoization caches --------------------------------------------------------------


def _v3(conn: sqlite3.Connection) -> None:
    """Memoization caches (``argosy.store.sqlite_memo``): one row per entry of a ``memoize`` cache
    (Argo keeps a cache in a ConfigMap, 1 MiB at most), keyed by namespace, cache name and key."""
    conn.execute("""CREATE TABLE memo_entries (
        namespace TEXT NOT NULL,
        cache TEXT NOT NULL,
        key TEXT NOT NULL,
        node_id TEXT NOT NULL,
        outputs TEXT,
        created_at REAL NOT NULL,
        last_hit_at REAL NOT NULL,
        resource_version INTEGER NOT NULL,
        PRIMARY KEY (namespace, cache, key))""")


#: the migrations, in order: MIGRATIONS[i] takes a file from version i to i + 1
MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3]
LATEST = len(MIGRATIONS)


def read_version(conn: sqlite3.Connection) -> int:
    """The file's schema version (0: new, or from before versioning)."""
    has = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'").fetchone()
    if not has:
        return 0
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def _too_new(version: int, known: int, location: str) -> StoreSchemaTooNew:
    return StoreSchemaTooNew(
        location, f"the database is at schema version {version}, newer than this Argosy knows ({known})",
        "upgrade Argosy, or use another data directory (--data-dir) or database")


def migrate(conn: sqlite3.Connection, location: str,
            migrations: list[Callable[[sqlite3.Connection], None]] | None = None) -> int:
    """Bring the file to the latest version (in one transaction); return that version.

    ``conn`` must be in autocommit mode (``isolation_level=None``): the transaction is ours.
    ``migrations`` replaces ``MIGRATIONS`` (tests of the mechanism).
    """
    steps = MIGRATIONS if migrations is None else migrations
    version = read_version(conn)
    if version == len(steps):
        return version  # the common case: no write lock taken
    if version > len(steps):
        raise _too_new(version, len(steps), location)
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = read_version(conn)  # another process may have migrated while we waited
        if version > len(steps):
            raise _too_new(version, len(steps), location)
        for step in steps[version:]:
            step(conn)
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        conn.execute("DELETE FROM schema_version")
        conn.execute("INSERT INTO schema_version (version) VALUES (?)", (len(steps),))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(steps)
