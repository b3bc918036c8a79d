"""What only the shared PostgreSQL store does: several processes on one database, its errors.

The contract suite (``test_contract.py``) runs against PostgreSQL too; these are the cases it
cannot show: another process's commits, a name raced for by two writers, and a server that
refuses the connection, the password or the database.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
from pathlib import Path

import pgcluster
import pytest

from argosy.errors import AlreadyExists, StoreSchemaTooNew, StoreUnavailable
from argosy.store import api, open_store

RUNNING = {"phase": "Running", "startedAt": "2023-11-14T22:13:21Z"}
SRC = str(Path(__file__).resolve().parents[2] / "src")


def manifest(name: str, uid: str) -> dict:
    return {"metadata": {"name": name, "namespace": "default", "uid": uid},
            "spec": {"entrypoint": "main", "templates": [{"name": "main", "container": {"image": "alpine"}}]}}


@pytest.fixture
def url(pg_cluster: pgcluster.Cluster) -> str:
    return pg_cluster.new_database()


def test_open_store_dispatches_on_the_url(url: str) -> None:
    with open_store(url) as store:
        assert isinstance(store, api.Store)
        assert type(store).__name__ == "PostgresStore"
        assert pgcluster.PASSWORD not in store.location and "127.0.0.1" in store.location


def test_sqlite_users_never_load_psycopg(tmp_path: Path) -> None:
    code = ("import sys; from argosy.store import open_store; open_store(sys.argv[1]).close(); "
            "print('psycopg' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "a.db")], capture_output=True, text=True,
                         check=True, env={"PYTHONPATH": SRC})
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(("make_url", "problem"), [
    (lambda c: c.url(password="wrong-password"), "refused the user name or password"),
    (lambda c: c.url("no_such_database"), "no such database"),
    (lambda c: f"postgresql://{pgcluster.USER}:{pgcluster.PASSWORD}@127.0.0.1:{pgcluster._free_port()}/x",
     "cannot connect"),
], ids=["auth", "database", "refused"])
def test_connection_failures_are_one_line_store_errors(pg_cluster: pgcluster.Cluster, make_url, problem) -> None:
    bad = make_url(pg_cluster)
    with pytest.raises(StoreUnavailable) as err:
        open_store(bad)
    message = str(err.value)
    assert problem in message and "\n" not in message
    assert message.startswith("postgresql://argosy:***@127.0.0.1:")  # the URL, never its password
    assert pgcluster.PASSWORD not in message and "wrong-password" not in message


def test_a_newer_schema_is_refused(url: str) -> None:
    open_store(url).close()
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(StoreSchemaTooNew, match="schema version 99, newer than this Argosy knows"):
        open_store(url)


def test_two_writers_racing_for_one_name_one_wins(url: str) -> None:
    stores = [open_store(url) for _ in range(4)]
    outcomes: list[str] = []

    def create(i: int) -> None:
        try:
            stores[i].create_workflow(manifest("same", f"u{i}"), RUNNING)
            outcomes.append("created")
        except AlreadyExists:
            outcomes.append("exists")

    threads = [threading.Thread(target=create, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["created", "exists", "exists", "exists"]
    for s in stores:
        s.close()


def test_listeners_hear_other_processes_commits(url: str) -> None:
    with open_store(url) as store:
        heard: list[api.Change] = []
        got = threading.Event()

        def listen(changes: list[api.Change]) -> None:
            heard.extend(changes)
            if any(c.kind == "DELETED" for c in changes):
                got.set()

        store.subscribe(listen)
        store.create_workflow(manifest("mine", "u-mine"), RUNNING)
        code = ("import sys; from argosy.store import open_store\n"
                "with open_store(sys.argv[1]) as s:\n"
                "    s.create_workflow({'metadata': {'name': 'theirs', 'uid': 'u-theirs'}, 'spec': {}}, {})\n"
                "    s.save_progress('u-theirs', {'phase': 'Running'}, [('n', {'id': 'n'})])\n"
                "    s.flush()\n"
                "    s.delete_workflow('u-theirs')\n")
        subprocess.run([sys.executable, "-c", code, url], check=True, env={"PYTHONPATH": SRC}, timeout=60)
        assert got.wait(30)
        assert [(c.kind, c.name) for c in heard] == [
            ("ADDED", "mine"), ("ADDED", "theirs"), ("MODIFIED", "theirs"), ("DELETED", "theirs")]
        assert heard == store.changes(0)


def test_a_lock_held_past_the_timeout_is_store_locked(url: str) -> None:
    import psycopg

    from argosy.errors import StoreLocked

    store = open_store(url, lock_timeout=0.5)
    with psycopg.connect(url) as other:  # another session's batch, stuck holding the version row
        other.execute("SELECT value FROM meta WHERE key = 'resource_version' FOR UPDATE")
        with pytest.raises(StoreLocked) as err:
            store.create_workflow(manifest("a", "u1"), RUNNING)
    assert "0.5 s" in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(StoreLocked):  # sticky: nothing after a failed write is committed
        store.flush()
    with contextlib.suppress(StoreLocked):
        store.close()


def test_server_side_failures_become_typed_store_errors() -> None:
    import psycopg.errors as pgerr

    from argosy.errors import StoreError, StoreFull
    from argosy.store.postgres import translate

    cases = [
        (pgerr.DiskFull("could not extend file: No space left on device"), StoreFull, "disk is full"),
        (pgerr.InvalidPassword("password authentication failed for user \"x\""), StoreUnavailable, "password"),
        (pgerr.AdminShutdown("terminating connection due to administrator command"), StoreUnavailable,
         "connection to the database failed"),
        (ValueError("unexpected"), StoreError, "report this as a bug"),
    ]
    for exc, kind, words in cases:
        err = translate(exc, "postgresql://u:***@db/argo", 30.0)
        assert type(err) is kind and words in str(err) and str(err).startswith("postgresql://u:***@db/argo: ")


def test_processes_sharing_a_database_keep_one_gapless_feed(url: str) -> None:
    # each process creates its own workflows, writes progress, and races the others for one name
    code = ("import sys\nfrom argosy.errors import AlreadyExists\nfrom argosy.store import open_store\n"
            "p = sys.argv[2]\n"
            "with open_store(sys.argv[1]) as s:\n"
            "    for i in range(10):\n"
            "        s.create_workflow({'metadata': {'name': f'{p}-{i}', 'uid': f'{p}-{i}'}, 'spec': {}}, {})\n"
            "        s.save_progress(f'{p}-{i}', {'phase': 'Succeeded'}, [('n', {'id': 'n'})])\n"
            "    try:\n"
            "        s.create_workflow({'metadata': {'name': 'shared', 'uid': f'{p}-shared'}, 'spec': {}}, {})\n"
            "        print('created')\n"
            "    except AlreadyExists:\n"
            "        print('exists')\n")
    procs = [subprocess.Popen([sys.executable, "-c", code, url, f"p{n}"], stdout=subprocess.PIPE, text=True,
                              env={"PYTHONPATH": SRC}) for n in range(3)]
    outs = sorted(p.communicate(timeout=120)[0].strip() for p in procs)
    assert [p.returncode for p in procs] == [0, 0, 0]
    assert outs == ["created", "exists", "exists"]
    with open_store(url) as store:
        feed = store.changes(0)
        assert [c.resource_version for c in feed] == list(range(1, 3 * 20 + 2))  # in commit order, no gaps
        assert len(store.list_workflows(phases=["Succeeded"]).items) == 30


def test_connections_cut_between_writes_are_made_again(url: str) -> None:
    import psycopg

    with open_store(url) as store:
        heard: list[api.Change] = []
        theirs = threading.Event()

        def listen(changes: list[api.Change]) -> None:
            heard.extend(changes)
            if any(c.name == "b" for c in changes):
                theirs.set()

        store.subscribe(listen)
        store.create_workflow(manifest("a", "u1"), RUNNING)
        assert store.get_workflow("u1") is not None
        with psycopg.connect(url, autocommit=True) as admin:  # e.g. the server restarted, or a proxy cut them
            cut = admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                                "application_name = 'argosy' AND pid <> pg_backend_pid()").fetchall()
        assert len(cut) >= 3  # the writer's, the listener's and this thread's reader
        store.save_progress("u1", {**RUNNING, "phase": "Succeeded"}, [("n", {"id": "n"})])
        got = store.get_workflow("u1")
        assert got is not None and got.phase == "Succeeded" and got.status["nodes"] == {"n": {"id": "n"}}
        with open_store(url) as other:  # the listener connection, cut too, is made again
            other.create_workflow(manifest("b", "u2"), RUNNING)
        assert theirs.wait(30)
        assert [(c.kind, c.name) for c in heard] == [("ADDED", "a"), ("MODIFIED", "a"), ("ADDED", "b")]
