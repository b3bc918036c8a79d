"""The SQLite backend's own behaviour: its file, migrations, and what a broken file does.

Every failure must come out as a ``StoreError`` with a one-line message naming the file and
what to do, and must leave the file holding exactly the writes before it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from argosy.errors import (
    AlreadyExists,
    StoreCorrupt,
    StoreError,
    StoreFull,
    StoreLocked,
    StoreSchemaTooNew,
    StoreUnavailable,
)
from argosy.store import Store, open_store, schema
from argosy.store.owner import owner_alive, owner_id
from argosy.store.sqlite import SqliteStore, sqlite_path


def _manifest(name: str, uid: str, **meta: Any) -> dict[str, Any]:
    return {"metadata": {"name": name, "uid": uid, "namespace": "default",
                         "creationTimestamp": "2024-01-01T00:00:00Z", **meta}, "spec": {"entrypoint": "main"}}


def _one_line_naming(err: StoreError, path: Path) -> None:
    text = str(err)
    assert "\n" not in text
    assert text.startswith(f"{path}: ")


def test_public_names() -> None:
    import argosy.store

    assert argosy.store.__all__ == ["Change", "Store", "WorkflowPage", "WorkflowRecord", "open_store", "owner_id"]
    assert all(hasattr(argosy.store, name) for name in argosy.store.__all__)


# ---- opening ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("given", "expected"), [
    ("sqlite:///data/argosy.db", Path("data/argosy.db")),
    ("sqlite:////var/lib/argosy.db", Path("/var/lib/argosy.db")),
    ("/tmp/x/argosy.db", Path("/tmp/x/argosy.db")),
    ("relative.db", Path("relative.db")),
])
def test_sqlite_urls(given: str, expected: Path) -> None:
    assert sqlite_path(given) == expected


@pytest.mark.parametrize("given", ["sqlite://host/x.db", "postgresql://user:secret@db/argo"])
def test_unusable_urls_are_refused_without_credentials(given: str) -> None:
    with pytest.raises(StoreUnavailable) as err:
        sqlite_path(given)
    assert "secret" not in str(err.value) and "\n" not in str(err.value)


def test_open_store_makes_the_directory_and_a_wal_database(tmp_path: Path) -> None:
    with open_store(f"sqlite:///{tmp_path}/deep/er/argosy.db") as store:  # type: ignore[attr-defined]
        assert isinstance(store, SqliteStore)
        assert store.schema_version() == schema.LATEST
    conn = sqlite3.connect(tmp_path / "deep/er/argosy.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_a_directory_that_cannot_be_made(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(StoreUnavailable) as err:
        SqliteStore(tmp_path / "file" / "argosy.db")
    assert "--data-dir" in str(err.value) and "\n" not in str(err.value)


# ---- migrations ------------------------------------------------------------------------------------------

def test_reopening_migrates_nothing(tmp_path: Path) -> None:
    SqliteStore(tmp_path / "a.db").close()
    with SqliteStore(tmp_path / "a.db") as store:
        assert store.schema_version() == schema.LATEST


def test_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    SqliteStore(path).close()
    conn = sqlite3.connect(path)
    conn.execute("UPDATE schema_version SET version = ?", (schema.LATEST + 1,))
    conn.commit()
    conn.close()
    with pytest.raises(StoreSchemaTooNew) as err:
        SqliteStore(path)
    _one_line_naming(err.value, path)
    assert f"schema version {schema.LATEST + 1}" in str(err.value) and "upgrade Argosy" in str(err.value)


def test_migrations_run_in_order_and_all_or_nothing(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    ran: list[int] = []

    def one(c: sqlite3.Connection) -> None:
        ran.append(1)
        c.execute("CREATE TABLE one (x)")

    def two(c: sqlite3.Connection) -> None:
        ran.append(2)
        c.execute("CREATE TABLE two (x)")

    def broken(c: sqlite3.Connection) -> None:
        c.execute("CREATE TABLE three (x)")
        raise sqlite3.OperationalError("boom")

    assert schema.migrate(conn, "m.db", [one]) == 1
    with pytest.raises(sqlite3.OperationalError):
        schema.migrate(conn, "m.db", [one, two, broken])
    assert schema.read_version(conn) == 1  # two's table went with the failed transaction
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "two" not in tables and "three" not in tables and "one" in tables
    assert schema.migrate(conn, "m.db", [one, two]) == 2
    assert ran == [1, 2, 2]
    with pytest.raises(StoreSchemaTooNew):
        schema.migrate(conn, "m.db", [one])
    conn.close()


def test_the_unversioned_store_is_converted(tmp_path: Path) -> None:
    """A data dir written before versioning: duplicates by name (allowed then) are archived."""
    path = tmp_path / "argosy.db"
    conn = sqlite3.connect(path)
    conn.executescript("""
        CREATE TABLE workflows (uid TEXT PRIMARY KEY, namespace TEXT NOT NULL, name TEXT NOT NULL,
            phase TEXT NOT NULL, started_at REAL, finished_at REAL, manifest TEXT NOT NULL, status TEXT NOT NULL);
        CREATE INDEX ix_workflows_name ON workflows (name);
        CREATE TABLE nodes (workflow_uid TEXT NOT NULL, node_id TEXT NOT NULL, body TEXT NOT NULL,
            PRIMARY KEY (workflow_uid, node_id));
    """)
    rows = [("old", "hello", "Succeeded", 100.0, 110.0), ("new", "hello", "Running", 200.0, None),
            ("other", "bye", "Failed", 150.0, 160.0)]
    for uid, name, phase, started, finished in rows:
        manifest = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
                    "metadata": {"name": name, "labels": {"k": uid}}, "spec": {}}
        conn.execute("INSERT INTO workflows VALUES (?,?,?,?,?,?,?,?)",
                     (uid, "default", name, phase, started, finished, json.dumps(manifest),
                      json.dumps({"phase": phase})))
        conn.execute("INSERT INTO nodes VALUES (?,?,?)", (uid, f"{uid}-node", json.dumps({"phase": phase})))
    conn.commit()
    conn.close()
    with SqliteStore(path) as store:
        assert store.schema_version() == schema.LATEST
        live = store.find_workflow("default", "hello")
        assert live is not None and live.uid == "new" and live.status["nodes"] == {"new-node": {"phase": "Running"}}
        assert live.labels == {"k": "new"} and live.created_at == 200.0
        assert store.get_workflow("other").phase == "Failed"  # type: ignore[union-attr]
        archived = store.get_archived_workflow("old")
        assert archived is not None and archived.status["nodes"] == {"old-node": {"phase": "Succeeded"}}
        assert store.get_workflow("old") is None
        assert [r.uid for r in store.orphans()] == ["new"]  # left Running by a process long gone
        assert [r.uid for r in store.list_workflows(label_selector="k=new").items] == ["new"]
        before = store.resource_version()
        store.create_workflow(_manifest("third", "u3"), {})
        assert store.resource_version() == before + 1


# ---- a broken file ----------------------------------------------------------------------------------------

def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "argosy.db"
    path.write_bytes(b"this is not a database\n" * 500)
    with pytest.raises(StoreCorrupt) as err:
        SqliteStore(path)
    _one_line_naming(err.value, path)
    assert "move the file aside" in str(err.value)


def test_a_damaged_database_fails_reads_with_a_message(tmp_path: Path) -> None:
    path = tmp_path / "argosy.db"
    with SqliteStore(path) as store:
        for i in range(300):
            store.create_workflow(_manifest(f"wf-{i}", f"u{i}", labels={"i": str(i)}),
                                  {"phase": "Running", "nodes": {"n": {"pad": "x" * 300}}})
    data = bytearray(path.read_bytes())
    page = 4096
    for offset in range(4 * page, len(data) - page, 3 * page):  # scribble over many pages, not the first
        data[offset:offset + page] = b"\xff" * page
    path.write_bytes(bytes(data))
    with pytest.raises(StoreCorrupt) as err:
        store = SqliteStore(path)
        store.list_workflows(with_nodes=True)
        for i in range(300):
            store.get_workflow(f"u{i}")
    _one_line_naming(err.value, path)


def test_a_lock_held_past_the_timeout(tmp_path: Path) -> None:
    path = tmp_path / "argosy.db"
    store = SqliteStore(path, lock_timeout=0.1)
    store.create_workflow(_manifest("a", "u1"), {"phase": "Running"})
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreLocked) as err:
            store.create_workflow(_manifest("b", "u2"), {"phase": "Running"})
        _one_line_naming(err.value, path)
        assert "0.1 s" in str(err.value) and "--data-dir" in str(err.value)
        # sticky: nothing written after a lost write may be committed
        with pytest.raises(StoreLocked):
            store.save_progress("u1", {"phase": "Running"}, [])
        with pytest.raises(StoreLocked):
            store.flush()
        assert store.get_workflow("u1") is not None  # reads still work
    finally:
        other.execute("ROLLBACK")
        other.close()
    with pytest.raises(StoreLocked):
        store.close()
    with SqliteStore(path) as again:
        assert [r.uid for r in again.list_workflows().items] == ["u1"]


class _TinyDisk(SqliteStore):
    """A database that may not grow past a few pages: SQLite's own "database or disk is full"."""

    def _connect_writer(self) -> sqlite3.Connection:
        conn = super()._connect_writer()
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages + 8}")
        return conn


def test_a_full_disk_keeps_every_whole_batch(tmp_path: Path) -> None:
    path = tmp_path / "argosy.db"
    store = _TinyDisk(path)
    store.create_workflow(_manifest("a", "u1"), {"phase": "Running", "progress": "0"})
    with pytest.raises(StoreFull) as err:
        for i in range(1, 200):
            store.save_progress("u1", {"phase": "Running", "progress": str(i)},
                                [(f"n{i}", {"pad": "x" * 2000})])
            store.flush()
    _one_line_naming(err.value, path)
    assert "disk is full" in str(err.value) and "free space" in str(err.value)
    with pytest.raises(StoreFull):  # the end of the workflow cannot be written either: it says so
        store.save_progress("u1", {"phase": "Failed"}, [])
    with pytest.raises(StoreFull):
        store.close()
    with SqliteStore(path) as again:
        rec = again.get_workflow("u1")
        assert rec is not None and rec.phase == "Running"
        progress = int(rec.status["progress"])
        assert progress > 0 and len(rec.status.get("nodes", {})) == progress  # whole batches only


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 600 KiB tmpfs: a real "No space left on device" (needs root and mount rights)."""
    mountpoint = tmp_path / "small"
    mountpoint.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=600k", "tmpfs", str(mountpoint)],
                                           capture_output=True, check=False).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (not root, or no mount rights)")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)


def test_a_real_full_disk(small_disk: Path) -> None:
    path = small_disk / "argosy.db"
    store = SqliteStore(path)
    store.create_workflow(_manifest("a", "u1"), {"phase": "Running", "progress": "0"})
    with pytest.raises(StoreFull) as err:
        for i in range(1, 1000):
            store.save_progress("u1", {"phase": "Running", "progress": str(i)}, [(f"n{i}", {"pad": "x" * 3000})])
            if i % 5 == 0:
                store.flush()
    _one_line_naming(err.value, path)
    with pytest.raises(StoreFull):
        store.close()
    with SqliteStore(path) as again:
        rec = again.get_workflow("u1")
        assert rec is not None and len(rec.status.get("nodes", {})) == int(rec.status["progress"]) > 0


# ---- process exit -----------------------------------------------------------------------------------------

def test_queued_writes_are_committed_when_the_process_exits(tmp_path: Path) -> None:
    path = tmp_path / "argosy.db"
    script = textwrap.dedent(f"""
        from argosy.store.sqlite import SqliteStore
        s = SqliteStore({str(path)!r})
        s.create_workflow({{"metadata": {{"name": "a", "uid": "u1"}}}}, {{"phase": "Running"}})
        for i in range(100):
            s.save_progress("u1", {{"phase": "Running", "progress": str(i)}}, [(f"n{{i}}", {{}})])
        # no close(): the interpreter exits with writes queued
    """)
    subprocess.run([sys.executable, "-c", script], check=True, env={"PYTHONPATH": ":".join(sys.path)})
    with SqliteStore(path) as store:
        rec = store.get_workflow("u1")
        assert rec is not None and rec.status["progress"] == "99" and len(rec.status["nodes"]) == 100


def test_a_killed_process_loses_only_what_was_not_yet_committed(tmp_path: Path) -> None:
    path = tmp_path / "argosy.db"
    script = textwrap.dedent(f"""
        import os, signal
        from argosy.store.sqlite import SqliteStore
        s = SqliteStore({str(path)!r})
        s.create_workflow({{"metadata": {{"name": "a", "uid": "u1"}}}}, {{"phase": "Running"}})
        for i in range(50):
            s.save_progress("u1", {{"phase": "Running", "progress": str(i)}}, [(f"n{{i}}", {{}})])
        s.flush()
        s.create_workflow({{"metadata": {{"name": "b", "uid": "u2"}}}}, {{"phase": "Running"}})
        s.save_progress("u2", {{"phase": "Succeeded"}}, [("end", {{}})])  # the end waits: durable
        for i in range(1000):
            s.save_progress("u1", {{"phase": "Running", "progress": str(50 + i)}}, [(f"m{{i}}", {{}})])
        os.kill(os.getpid(), signal.SIGKILL)  # mid-stream: no atexit, no close
    """)
    done = subprocess.run([sys.executable, "-c", script], env={"PYTHONPATH": ":".join(sys.path)}, check=False)
    assert done.returncode == -9
    with SqliteStore(path) as store:
        assert store.get_workflow("u2").phase == "Succeeded"  # type: ignore[union-attr]
        rec = store.get_workflow("u1")
        assert rec is not None
        progress = int(rec.status["progress"])
        assert progress >= 49 and len(rec.status["nodes"]) == progress + 1  # whole batches, nothing torn
        assert [c.uid for c in store.changes(0) if c.kind == "ADDED"] == ["u1", "u2"]


# ---- owner ids ----------------------------------------------------------------------------------------------

def test_owner_ids() -> None:
    me = owner_id()
    assert owner_alive(me) is True
    assert owner_alive("another-host/boot/1/1") is None  # judged by its lease
    assert owner_alive("nonsense") is None
    host, boot, pid, start = me.split("/")
    assert owner_alive(f"{host}/{boot}/{pid}/{int(start) + 1}") is False  # the pid was reused
    assert owner_alive(f"{host}/{'0' * 8}/{pid}/{start}") is False  # another boot


# ---- the old Store(path) adapter ----------------------------------------------------------------------------

def test_legacy_adapter_replaces_a_finished_run_and_refuses_a_live_one(tmp_path: Path) -> None:
    store = Store(tmp_path / "argosy.db")
    wf = {"metadata": {"name": "hello", "namespace": "default"}, "spec": {}, "status": {"phase": "Running"}}
    store.save_workflow("u1", wf, "Running", 1.0, None)
    store.save_progress("u1", {"phase": "Succeeded", "finishedAt": "2024-01-01T00:00:00Z"},
                        [("n", {"phase": "Succeeded"})], 1.0, 2.0)
    store.save_workflow("u2", wf, "Running", 3.0, None)  # a finished one by that name: replaced
    with pytest.raises(AlreadyExists):
        store.save_workflow("u3", wf, "Running", 4.0, None)  # u2 runs in a live process: refused
    found = store.find("hello")
    assert found is not None and found["metadata"]["uid"] == "u2"
    assert [row["name"] for row in store.list()] == ["hello"]
    assert store.backend.get_archived_workflow("u1").status["nodes"] == {"n": {"phase": "Succeeded"}}  # type: ignore[union-attr]
    store.backend.delete_workflow("u2")
    assert store.find("hello")["metadata"]["uid"] == "u1"  # type: ignore[index]  # from the archive
    assert store.find("nope") is None
    store.close()
