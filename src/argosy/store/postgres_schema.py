"""The PostgreSQL schema and its ordered migrations, applied when a store is opened.

The same tables and versions as the SQLite schema (``schema.py``): version N means the same
data model in both backends. ``schema_version`` holds the version the database is at;
opening runs the migrations above it in one transaction, under an advisory lock, so two
processes opening a new database at once migrate it once. A database at a version above the
code's is refused (``StoreSchemaTooNew``).

JSON is kept as text, as in SQLite: the store never queries inside it, and the statements the
two backends share stay the same.
"""

from __future__ import annotations

from typing import Any

from argosy.store.schema import _too_new

#: any number that is ours: the advisory lock taken while migrating
_MIGRATION_LOCK = 0x61726730

_V1 = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL)",
    "INSERT INTO meta (key, value) VALUES ('resource_version', 0), ('changes_pruned_through', 0)",
    """CREATE TABLE workflows (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        phase TEXT NOT NULL DEFAULT '',
        created_at DOUBLE PRECISION NOT NULL,
        started_at DOUBLE PRECISION,
        finished_at DOUBLE PRECISION,
        manifest TEXT NOT NULL,
        status TEXT NOT NULL,
        engine_record TEXT,
        owner TEXT,
        lease_expires_at DOUBLE PRECISION,
        resource_version BIGINT NOT NULL)""",
    # the database enforces the name rule, whichever process creates: live workflows only
    # (a deleted one leaves this table; archived copies live in their own)
    "CREATE UNIQUE INDEX ux_workflows_namespace_name ON workflows (namespace, name)",
    "CREATE INDEX ix_workflows_created ON workflows (created_at, id)",
    "CREATE INDEX ix_workflows_namespace_created ON workflows (namespace, created_at, id)",
    "CREATE INDEX ix_workflows_phase_created ON workflows (phase, created_at, id)",
    "CREATE INDEX ix_workflows_owner ON workflows (owner) WHERE owner IS NOT NULL",
    ("CREATE INDEX ix_workflows_unfinished ON workflows (created_at, id) "
     "WHERE phase NOT IN ('Error', 'Failed', 'Succeeded')"),
    """CREATE TABLE nodes (
        workflow_uid TEXT NOT NULL,
        node_id TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (workflow_uid, node_id))""",
    "CREATE TABLE labels (uid TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (uid, key))",
    "CREATE INDEX ix_labels_key_value ON labels (key, value, uid)",
    """CREATE TABLE changes (
        resource_version BIGINT PRIMARY KEY,
        kind TEXT NOT NULL,
        uid TEXT NOT NULL,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL)""",
    """CREATE TABLE archived_workflows (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        uid TEXT NOT NULL UNIQUE,
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        phase TEXT NOT NULL DEFAULT '',
        created_at DOUBLE PRECISION NOT NULL,
        started_at DOUBLE PRECISION,
        finished_at DOUBLE PRECISION,
        archived_at DOUBLE PRECISION NOT NULL,
        manifest TEXT NOT NULL,
        status TEXT NOT NULL,
        resource_version BIGINT NOT NULL)""",
    "CREATE INDEX ix_archived_created ON archived_workflows (created_at, id)",
    "CREATE INDEX ix_archived_namespace_created ON archived_workflows (namespace, created_at, id)",
    "CREATE INDEX ix_archived_namespace_name ON archived_workflows (namespace, name, created_at)",
    "CREATE INDEX ix_archived_phase_created ON archived_workflows (phase, created_at, id)",
    """CREATE TABLE archived_labels (
        uid TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (uid, key))""",
    "CREATE INDEX ix_archived_labels_key_value ON archived_labels (key, value, uid)",
)

_V2 = (
    # "C": listed by name in byte order, as Kubernetes (and SQLite) sort, whatever the server's locale
    """CREATE TABLE objects (
        kind TEXT NOT NULL,
        namespace TEXT COLLATE "C" NOT NULL,
        name TEXT COLLATE "C" NOT NULL,
        uid TEXT NOT NULL UNIQUE,
        created_at DOUBLE PRECISION NOT NULL,
        resource_version BIGINT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (kind, namespace, name))""",
)

_V3 = (
    # memoization caches: SQLite's version 3 (names compared byte-wise, as there)
    """CREATE TABLE memo_entries (
        namespace TEXT COLLATE "C" NOT NULL,
        cache TEXT COLLATE "C" NOT NULL,
        key TEXT COLLATE "C" NOT NULL,
        node_id TEXT NOT NULL,
        outputs TEXT,
        created_at DOUBLE PRECISION NOT NULL,
        last_hit_at DOUBLE PRECISION NOT NULL,
        resource_version BIGINT NOT NULL,
        PRIMARY KEY (namespace, cache, key))""",
)

#: MIGRATIONS[i] takes a database from version i to i + 1 (append only; never edit a released one)
MIGRATIONS: list[tuple[str, ...]] = [_V1, _V2, _V3]
LATEST = len(MIGRATIONS)


def read_version(conn: Any) -> int:
    """The database's schema version (0: new)."""
    # a query of the catalog, not to_regclass(): after waiting on the migration lock, a
    # table another process just created is seen by a fresh snapshot, not by the (stale) caches
    if conn.execute("SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema() "
                    "AND tablename = 'schema_version'").fetchone() is None:
        return 0
    row = conn.execute("SELECT version FROM schema_version").fetchone()
    return int(row[0]) if row else 0


def migrate(conn: Any, location: str, migrations: list[tuple[str, ...]] | None = None) -> int:
    """Bring the database to the latest version in one transaction; return that version.

    ``conn`` is a psycopg connection in autocommit mode.
    """
    steps = MIGRATIONS if migrations is None else migrations
    version = read_version(conn)
    if version == len(steps):
        return version
    if version > len(steps):
        raise _too_new(version, len(steps), location)
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        version = read_version(conn)  # another process may have migrated while we waited
        if version > len(steps):
            raise _too_new(version, len(steps), location)
        for ddl in (stmt for step in steps[version:] for stmt in step):
            conn.execute(ddl)
        conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        conn.execute("DELETE FROM schema_version")
        conn.execute("INSERT INTO schema_version (version) VALUES (%s)", (len(steps),))
    return len(steps)
