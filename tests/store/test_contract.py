"""The store contract: what every backend (``BACKENDS`` in conftest) must do.

Given writes, these reads: workflows by uid and by name, the uniqueness rule, progress
batches, lists with Argo's filters and paging, ownership leases and orphans (fake time),
the change feed, the archive, and reads while the writer commits.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest

from argosy.errors import AlreadyExists, ListOptionsError, ResourceVersionTooOld
from argosy.store import api
from argosy.store.owner import owner_id
from argosy.store.selector import matches, parse_label_selector

OpenStore = Callable[..., api.Store]
FakeClock = Any  # conftest's FakeClock: now, advance(seconds)


def manifest(name: str, uid: str | None = None, *, namespace: str = "default",
             labels: dict[str, str] | None = None, created: str | None = "2023-11-14T22:13:20Z") -> dict[str, Any]:
    """A submitted workflow's manifest as the controller hands it to the store."""
    meta: dict[str, Any] = {"name": name, "namespace": namespace, "uid": uid or f"uid-{namespace}-{name}"}
    if created:
        meta["creationTimestamp"] = created
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": meta,
            "spec": {"entrypoint": "main", "templates": [{"name": "main", "container": {"image": "alpine"}}]}}


RUNNING = {"phase": "Running", "startedAt": "2023-11-14T22:13:21Z", "progress": "0/1"}
SUCCEEDED = {"phase": "Succeeded", "startedAt": "2023-11-14T22:13:21Z", "finishedAt": "2023-11-14T22:13:30Z",
             "progress": "1/1"}


def node(node_id: str, phase: str = "Running", **extra: Any) -> dict[str, Any]:
    return {"id": node_id, "name": node_id, "type": "Pod", "phase": phase, **extra}


# ---- create, get, find ------------------------------------------------------------------------------

def test_satisfies_the_protocol(store: api.Store) -> None:
    assert isinstance(store, api.Store)
    assert store.schema_version() >= 1


def test_create_then_get_and_find(store: api.Store) -> None:
    rec = store.create_workflow(manifest("hello", "u1", labels={"team": "a"}), RUNNING)
    assert (rec.uid, rec.namespace, rec.name, rec.phase) == ("u1", "default", "hello", "Running")
    assert rec.resource_version == store.resource_version() > 0
    got = store.get_workflow("u1")
    assert got is not None
    assert got.labels == {"team": "a"}
    assert got.created_at == 1_700_000_000.0
    assert got.started_at == 1_700_000_001.0 and got.finished_at is None
    assert got.status == RUNNING
    assert got.engine_record is None and got.owner is None
    assert store.find_workflow("default", "hello") == got
    assert store.find_workflow("other", "hello") is None
    assert store.get_workflow("nope") is None


def test_a_create_queued_for_later_resolves_once_durable_with_the_record(store: api.Store) -> None:
    """What the server awaits on its event loop: the future holds the record as the store wrote
    it (resource version included), or the create's own refusal; other creates are not hurt."""
    futures = [store.create_workflow_later(manifest(f"w{i}", f"u{i}"), RUNNING) for i in range(5)]
    twice = store.create_workflow_later(manifest("w0", "u-again"), RUNNING)
    records = [f.result(timeout=30) for f in futures]
    assert [r.name for r in records] == [f"w{i}" for i in range(5)]
    assert all(r.resource_version > 0 for r in records)
    assert records == [store.get_workflow(f"u{i}", with_nodes=False) for i in range(5)]
    with pytest.raises(AlreadyExists):
        twice.result(timeout=30)
    assert store.get_workflow("u-again") is None


def test_to_workflow_is_argos_object(store: api.Store) -> None:
    store.create_workflow(manifest("hello", "u1", labels={"team": "a"}), {**RUNNING, "nodes": {"n": node("n")}})
    wf = store.get_workflow("u1").to_workflow()  # type: ignore[union-attr]
    assert wf["apiVersion"] == "argoproj.io/v1alpha1" and wf["kind"] == "Workflow"
    meta = wf["metadata"]
    assert meta["uid"] == "u1" and meta["namespace"] == "default" and meta["name"] == "hello"
    assert meta["creationTimestamp"] == "2023-11-14T22:13:20Z"
    assert meta["resourceVersion"] == str(store.resource_version())
    # the labels Argo's controller keeps in step with the phase
    assert meta["labels"] == {"team": "a", "workflows.argoproj.io/phase": "Running",
                              "workflows.argoproj.io/completed": "false"}
    assert wf["spec"]["entrypoint"] == "main"
    assert wf["status"]["nodes"] == {"n": node("n")}


def test_defaults_namespace_and_creation_time(store: api.Store, clock: FakeClock) -> None:
    m = manifest("hello", "u1", created=None)
    del m["metadata"]["namespace"]
    rec = store.create_workflow(m, {})
    assert rec.namespace == "default" and rec.created_at == clock.now and rec.phase == ""
    meta = store.get_workflow("u1").to_workflow()["metadata"]  # type: ignore[union-attr]
    assert meta["creationTimestamp"] == "2023-11-14T22:13:20Z"
    assert "labels" not in meta  # no phase yet: Argo shows no phase labels


def test_with_nodes_false_leaves_nodes_out(store: api.Store) -> None:
    store.create_workflow(manifest("hello", "u1"), {**RUNNING, "nodes": {"n": node("n")}})
    assert "nodes" not in store.get_workflow("u1", with_nodes=False).status  # type: ignore[union-attr]
    assert "nodes" not in store.find_workflow("default", "hello", with_nodes=False).status  # type: ignore[union-attr]


def test_label_values_are_text(store: api.Store) -> None:
    store.create_workflow(manifest("a", "u1", labels={"n": 1, "ok": True}), RUNNING)  # type: ignore[dict-item]
    assert store.get_workflow("u1").labels == {"n": "1", "ok": "True"}  # type: ignore[union-attr]
    assert [r.uid for r in store.list_workflows(label_selector="n=1,n>0").items] == ["u1"]


# ---- uniqueness ---------------------------------------------------------------------------------------

def test_a_live_name_is_taken_until_deleted(store: api.Store) -> None:
    store.create_workflow(manifest("hello", "u1"), SUCCEEDED)
    with pytest.raises(AlreadyExists) as err:
        store.create_workflow(manifest("hello", "u2"), RUNNING)
    assert str(err.value) == 'workflows.argoproj.io "hello" already exists'
    store.create_workflow(manifest("hello", "u3", namespace="other"), RUNNING)  # another namespace: fine
    assert store.delete_workflow("u1") is True
    assert store.delete_workflow("u1") is False
    store.create_workflow(manifest("hello", "u2"), RUNNING)
    assert store.find_workflow("default", "hello").uid == "u2"  # type: ignore[union-attr]


def test_a_uid_is_unique(store: api.Store) -> None:
    store.create_workflow(manifest("a", "u1"), RUNNING)
    with pytest.raises(AlreadyExists):
        store.create_workflow(manifest("b", "u1"), RUNNING)
    assert store.find_workflow("default", "b") is None


def test_a_refused_create_does_not_disturb_other_writes(store: api.Store) -> None:
    store.create_workflow(manifest("a", "u1"), RUNNING)
    store.save_progress("u1", RUNNING, [("n1", node("n1"))])
    with pytest.raises(AlreadyExists):
        store.create_workflow(manifest("a", "u2"), RUNNING)
    store.save_progress("u1", RUNNING, [("n2", node("n2"))])
    store.flush()
    assert set(store.get_workflow("u1").status["nodes"]) == {"n1", "n2"}  # type: ignore[union-attr]


# ---- progress -------------------------------------------------------------------------------------------

def test_progress_updates_summary_and_upserts_nodes(store: api.Store) -> None:
    store.create_workflow(manifest("a", "u1"), {"phase": "Running", "nodes": {"a": node("a")}})
    store.save_progress("u1", {**RUNNING, "progress": "0/2"}, [("a", node("a", "Succeeded")), ("b", node("b"))],
                        {"gates": [1]})
    store.save_progress("u1", {**RUNNING, "progress": "1/2"}, [("b", node("b", "Succeeded"))])
    store.flush()
    rec = store.get_workflow("u1")
    assert rec is not None
    assert rec.status["progress"] == "1/2"
    assert rec.status["nodes"] == {"a": node("a", "Succeeded"), "b": node("b", "Succeeded")}
    assert rec.engine_record == {"gates": [1]}  # None kept the stored record


def test_nodes_in_the_summary_are_ignored(store: api.Store) -> None:
    store.create_workflow(manifest("a", "u1"), RUNNING)
    store.save_progress("u1", {**RUNNING, "nodes": {"x": node("x")}}, [("a", node("a"))])
    store.flush()
    assert set(store.get_workflow("u1").status["nodes"]) == {"a"}  # type: ignore[union-attr]


def test_progress_serialises_nodes_before_returning(store: api.Store) -> None:
    store.create_workflow(manifest("a", "u1"), RUNNING)
    body = node("a")
    store.save_progress("u1", RUNNING, [("a", body)])
    body["phase"] = "Changed-after-the-call"
    store.flush()
    assert store.get_workflow("u1").status["nodes"]["a"]["phase"] == "Running"  # type: ignore[union-attr]


def test_the_end_of_a_workflow_is_durable_on_return(open_store: OpenStore) -> None:
    writer = open_store()
    writer.create_workflow(manifest("a", "u1"), RUNNING)
    writer.save_progress("u1", SUCCEEDED, [("a", node("a", "Succeeded"))])
    # no flush: another store on the same database sees the end at once
    rec = open_store().get_workflow("u1")
    assert rec is not None and rec.phase == "Succeeded" and rec.finished_at == 1_700_000_010.0
    assert rec.status["nodes"]["a"]["phase"] == "Succeeded"


def test_progress_for_a_deleted_workflow_is_dropped(store: api.Store) -> None:
    store.create_workflow(manifest("a", "u1"), RUNNING)
    store.delete_workflow("u1")
    store.save_progress("u1", RUNNING, [("a", node("a"))])
    store.flush()
    assert store.get_workflow("u1") is None
    store.create_workflow(manifest("a", "u1"), RUNNING)  # and left no node rows behind
    assert "nodes" not in store.get_workflow("u1").status  # type: ignore[union-attr]


def test_close_commits_what_is_queued(open_store: OpenStore) -> None:
    first = open_store()
    first.create_workflow(manifest("a", "u1"), RUNNING)
    for i in range(50):
        first.save_progress("u1", {**RUNNING, "progress": f"{i}/50"}, [(f"n{i}", node(f"n{i}"))])
    first.close()
    rec = open_store().get_workflow("u1")
    assert rec is not None and len(rec.status["nodes"]) == 50 and rec.status["progress"] == "49/50"


# ---- lists: filters and paging ---------------------------------------------------------------------------

def _fill(store: api.Store) -> None:
    rows = [
        ("a1", "ns1", "Running", {"app": "web", "tier": "front"}),
        ("a2", "ns1", "Succeeded", {"app": "web"}),
        ("b1", "ns1", "Failed", {"app": "db", "size": "10"}),
        ("b2", "ns2", "Succeeded", {"size": "3"}),
        ("c1", "ns2", "", {}),
        ("c2", "ns2", "Error", {"app": "web", "tier": "back"}),
    ]
    for i, (name, ns, phase, labels) in enumerate(rows):
        store.create_workflow(manifest(name, f"u-{name}", namespace=ns, labels=labels,
                                       created=f"2024-01-01T00:00:0{i}Z"),
                              {"phase": phase} if phase else {})


LABEL_CASES = [
    ("app=web", {"a1", "a2", "c2"}),
    ("app==web", {"a1", "a2", "c2"}),
    ("app!=web", {"b1", "b2", "c1"}),  # != also matches workflows without the key
    ("app in (web,db)", {"a1", "a2", "b1", "c2"}),
    ("app notin (web)", {"b1", "b2", "c1"}),
    ("tier", {"a1", "c2"}),
    ("!tier", {"a2", "b1", "b2", "c1"}),
    ("app=web,tier=front", {"a1"}),
    ("app=web, !tier", {"a2"}),
    ("size>5", {"b1"}),
    ("size<5", {"b2"}),
    ("workflows.argoproj.io/completed=true", {"a2", "b1", "b2", "c2"}),
    ("workflows.argoproj.io/completed!=true", {"a1", "c1"}),
    ("workflows.argoproj.io/phase in (Failed,Error)", {"b1", "c2"}),
    ("workflows.argoproj.io/phase notin (Running)", {"a2", "b1", "b2", "c1", "c2"}),
    ("!workflows.argoproj.io/phase", {"c1"}),
    ("workflows.argoproj.io/phase", {"a1", "a2", "b1", "b2", "c2"}),
    ("", {"a1", "a2", "b1", "b2", "c1", "c2"}),
]


@pytest.mark.parametrize(("selector", "expected"), LABEL_CASES, ids=[c[0] or "empty" for c in LABEL_CASES])
def test_label_selectors(store: api.Store, selector: str, expected: set[str]) -> None:
    _fill(store)
    got = {r.name for r in store.list_workflows(label_selector=selector).items}
    assert got == expected
    # the in-memory matcher (a watch stream's filter) agrees with the query
    every = store.list_workflows().items
    reqs = parse_label_selector(selector)
    assert {r.name for r in every if matches(reqs, r.to_workflow()["metadata"].get("labels", {}))} == expected


@pytest.mark.parametrize(("options", "expected"), [
    ({"namespace": "ns2"}, {"b2", "c1", "c2"}),
    ({"phases": ["Succeeded", "Error"]}, {"a2", "b2", "c2"}),
    ({"phases": []}, set()),
    ({"name_prefix": "b"}, {"b1", "b2"}),
    ({"namespace": "ns1", "name_prefix": "a", "label_selector": "tier"}, {"a1"}),
    ({"field_selector": "metadata.name=b1"}, {"b1"}),
    ({"field_selector": "metadata.namespace==ns1,status.phase!=Running"}, {"a2", "b1"}),
    ({"field_selector": "metadata.uid=u-c1"}, {"c1"}),
], ids=["namespace", "phases", "no-phases", "prefix", "combined", "field-name", "field-ns-phase", "field-uid"])
def test_list_filters(store: api.Store, options: dict[str, Any], expected: set[str]) -> None:
    _fill(store)
    assert {r.name for r in store.list_workflows(**options).items} == expected


def test_list_is_newest_first_without_nodes(store: api.Store) -> None:
    _fill(store)
    store.save_progress("u-a1", RUNNING, [("n", node("n"))])
    store.flush()
    page = store.list_workflows()
    assert [r.name for r in page.items] == ["c2", "c1", "b2", "b1", "a2", "a1"]
    assert page.continue_token is None and page.resource_version == store.resource_version()
    assert all("nodes" not in r.status for r in page.items)
    assert "nodes" in store.list_workflows(with_nodes=True).items[-1].status


def test_paging_visits_every_workflow_once(store: api.Store) -> None:
    # equal creation times (Argo's are whole seconds): the order still is total and stable
    for i in range(23):
        store.create_workflow(manifest(f"wf-{i:02}", f"u{i:02}", created=f"2024-01-01T00:00:0{i // 5}Z"), RUNNING)
    names: list[str] = []
    token = None
    pages = 0
    while True:
        page = store.list_workflows(limit=5, continue_token=token)
        names += [r.name for r in page.items]
        pages += 1
        token = page.continue_token
        if token is None:
            break
    assert pages == 5
    assert sorted(names) == [f"wf-{i:02}" for i in range(23)]
    assert len(set(names)) == 23
    # a workflow created while paging is not seen by the pages already handed out
    assert [r.name for r in store.list_workflows(limit=5).items][:1] == ["wf-22"]


def test_paging_with_filters(store: api.Store) -> None:
    for i in range(10):
        store.create_workflow(manifest(f"wf-{i}", f"u{i}", labels={"odd": str(i % 2)},
                                       created=f"2024-01-01T00:00:0{i}Z"), RUNNING)
    first = store.list_workflows(label_selector="odd=1", limit=3)
    second = store.list_workflows(label_selector="odd=1", limit=3, continue_token=first.continue_token)
    assert [r.name for r in first.items + second.items] == ["wf-9", "wf-7", "wf-5", "wf-3", "wf-1"]
    assert second.continue_token is None


@pytest.mark.parametrize("options", [
    {"label_selector": "app="},  # fine: an empty value
    {"label_selector": "x in ()"},
])
def test_label_selector_edge_syntax_is_accepted(store: api.Store, options: dict[str, Any]) -> None:
    store.list_workflows(**options)


@pytest.mark.parametrize("options", [
    {"label_selector": "app=web=x"},
    {"label_selector": "app in web"},
    {"label_selector": "app in (web"},
    {"label_selector": "=web"},
    {"label_selector": "size>x"},
    {"label_selector": "bad key=1"},
    {"label_selector": "a=" + "v" * 64},
    {"field_selector": "spec.entrypoint=main"},
    {"field_selector": "metadata.name"},
    {"continue_token": "not-a-token"},
    {"limit": -1},
])
def test_bad_list_options_are_refused(store: api.Store, options: dict[str, Any]) -> None:
    with pytest.raises(ListOptionsError) as err:
        store.list_workflows(**options)
    assert "listOptions." in str(err.value) and "\n" not in str(err.value)


# ---- ownership --------------------------------------------------------------------------------------------

def test_claim_heartbeat_release_and_orphans(store: api.Store, clock: FakeClock) -> None:
    me, other = "host-a/boot/1/1", "host-b/boot/2/2"  # owners on other hosts: judged by their lease
    store.create_workflow(manifest("a", "u1"), RUNNING)
    store.create_workflow(manifest("b", "u2"), RUNNING, owner=me, lease_seconds=30)
    store.create_workflow(manifest("c", "u3"), SUCCEEDED)
    # unowned unfinished workflows are orphans; finished ones never are
    assert [r.uid for r in store.orphans()] == ["u1"]
    assert store.claim("u1", me, 30) is True
    assert store.claim("u1", other, 30) is False
    assert store.orphans() == []
    clock.advance(20)
    store.heartbeat(me, 30)
    store.flush()  # a heartbeat is queued: reads see it once committed
    clock.advance(20)  # 40 s after the claim, 20 s after the heartbeat
    assert store.orphans() == []
    clock.advance(15)
    assert {r.uid for r in store.orphans()} == {"u1", "u2"}
    assert store.get_workflow("u2", with_nodes=False).owner == me  # type: ignore[union-attr]
    assert store.claim("u2", other, 30) is True  # the lease ran out: the other host takes over
    assert store.get_workflow("u2").owner == other  # type: ignore[union-attr]
    store.release("u1")
    store.flush()
    assert [r.uid for r in store.orphans()] == ["u1"]
    assert store.claim("nope", me, 30) is False


def test_a_claim_with_explicit_now(store: api.Store) -> None:
    store.create_workflow(manifest("a", "u1"), RUNNING)
    assert store.claim("u1", "h/b/1/1", 10, now=5.0)
    assert store.get_workflow("u1").lease_expires_at == 15.0  # type: ignore[union-attr]
    assert store.orphans(now=14.0) == []
    assert [r.uid for r in store.orphans(now=15.0)] == ["u1"]


def test_a_dead_owner_process_is_an_orphan_at_once(store: api.Store) -> None:
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    dead = owner_id(int(child.stdout))  # its pid (and start time) no longer exist
    if dead.endswith("/-"):
        dead = owner_id(os.getpid()).rsplit("/", 2)[0] + f"/{int(child.stdout)}/1"
    store.create_workflow(manifest("a", "u1"), RUNNING, owner=dead, lease_seconds=3600)
    store.create_workflow(manifest("b", "u2"), RUNNING, owner=owner_id(), lease_seconds=3600)
    assert [r.uid for r in store.orphans()] == ["u1"]
    assert store.claim("u1", owner_id(), 60) is True


def test_one_of_two_concurrent_claims_wins(open_store: OpenStore) -> None:
    a, b = open_store(), open_store()
    a.create_workflow(manifest("x", "u1"), RUNNING)
    results: list[bool] = []
    threads = [threading.Thread(target=lambda s=s, o=o: results.append(s.claim("u1", o, 60)))
               for s, o in ((a, "h1/b/1/1"), (b, "h2/b/2/2"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, True]


# ---- change feed -------------------------------------------------------------------------------------------

def test_changes_in_order(store: api.Store) -> None:
    start = store.resource_version()
    store.create_workflow(manifest("a", "u1"), RUNNING)
    store.create_workflow(manifest("b", "u2", namespace="ns"), RUNNING)
    store.save_progress("u1", RUNNING, [("n", node("n"))])
    store.flush()
    store.claim("u2", "h/b/1/1", 30)  # ownership is not a change of the Argo object
    store.delete_workflow("u2")
    got = store.changes(start)
    assert [(c.kind, c.uid, c.namespace, c.name) for c in got] == [
        ("ADDED", "u1", "default", "a"), ("ADDED", "u2", "ns", "b"), ("MODIFIED", "u1", "default", "a"),
        ("DELETED", "u2", "ns", "b")]
    rvs = [c.resource_version for c in got]
    assert rvs == sorted(rvs) and len(set(rvs)) == 4 and rvs[-1] == store.resource_version()
    assert store.changes(rvs[1]) == got[2:]
    assert store.changes(start, limit=1) == got[:1]
    assert store.changes(rvs[-1]) == []
    assert store.get_workflow("u1").resource_version == rvs[2]  # type: ignore[union-attr]


def test_subscribers_hear_each_commit(store: api.Store) -> None:
    heard: list[api.Change] = []
    unsubscribe = store.subscribe(heard.extend)
    store.subscribe(lambda changes: 1 / 0)  # a broken listener changes nothing for the others
    store.create_workflow(manifest("a", "u1"), RUNNING)
    store.save_progress("u1", SUCCEEDED, [])
    store.heartbeat("h/b/1/1", 10)  # not a change
    store.flush()
    assert [(c.kind, c.uid) for c in heard] == [("ADDED", "u1"), ("MODIFIED", "u1")]
    assert heard == store.changes(0)
    unsubscribe()
    store.delete_workflow("u1")
    assert len(heard) == 2


def test_a_burst_of_progress_is_one_change_per_commit_at_most(store: api.Store) -> None:
    store.create_workflow(manifest("a", "u1"), RUNNING)
    start = store.resource_version()
    for i in range(200):
        store.save_progress("u1", RUNNING, [(f"n{i}", node(f"n{i}"))])
    store.flush()
    got = store.changes(start)
    assert 1 <= len(got) <= 200 and all(c.kind == "MODIFIED" for c in got)
    assert len(store.get_workflow("u1").status["nodes"]) == 200  # type: ignore[union-attr]


def test_the_feed_is_bounded(open_store: OpenStore) -> None:
    store = open_store(changes_kept=5)
    store.create_workflow(manifest("a", "u1"), RUNNING)
    for i in range(30):
        store.save_progress("u1", {**RUNNING, "progress": str(i)}, [])
        store.flush()  # one batch, one change each
    now = store.resource_version()
    assert now == 31
    with pytest.raises(ResourceVersionTooOld) as err:
        store.changes(0)
    assert "too old resource version" in str(err.value)
    recent = store.changes(now - 5)
    assert [c.resource_version for c in recent] == list(range(now - 4, now + 1))


def test_resource_version_survives_reopening(open_store: OpenStore) -> None:
    first = open_store()
    first.create_workflow(manifest("a", "u1"), RUNNING)
    first.delete_workflow("u1")
    rv = first.resource_version()
    first.close()
    second = open_store()
    assert second.resource_version() == rv
    second.create_workflow(manifest("a", "u2"), RUNNING)
    assert second.resource_version() == rv + 1


# ---- archive ---------------------------------------------------------------------------------------------

def test_archive_get_find_list_delete(store: api.Store, clock: FakeClock) -> None:
    store.create_workflow(manifest("a", "u1", labels={"app": "web"}), RUNNING)
    store.save_progress("u1", SUCCEEDED, [("n", node("n", "Succeeded"))])
    archived = store.archive_workflow("u1")
    assert archived is not None and archived.archived_at == clock.now
    assert store.archive_workflow("nope") is None
    store.delete_workflow("u1")  # the live one goes; the archived copy stays
    store.create_workflow(manifest("a", "u2", labels={"app": "db"}, created="2024-01-01T00:00:00Z"), RUNNING)
    store.save_progress("u2", {**SUCCEEDED, "phase": "Failed"}, [])
    store.archive_workflow("u2")
    got = store.get_archived_workflow("u1")
    assert got is not None and got.phase == "Succeeded" and got.status["nodes"] == {"n": node("n", "Succeeded")}
    assert got.labels == {"app": "web"} and got.owner is None
    assert "nodes" not in store.get_archived_workflow("u1", with_nodes=False).status  # type: ignore[union-attr]
    assert store.find_archived_workflow("default", "a").uid == "u2"  # type: ignore[union-attr]  # the newest
    assert [r.uid for r in store.list_archived_workflows().items] == ["u2", "u1"]
    assert [r.uid for r in store.list_archived_workflows(label_selector="app=web").items] == ["u1"]
    assert [r.uid for r in store.list_archived_workflows(phases=["Failed"]).items] == ["u2"]
    assert store.list_archived_workflows(namespace="other").items == []
    page = store.list_archived_workflows(limit=1)
    assert [r.uid for r in store.list_archived_workflows(limit=1, continue_token=page.continue_token).items] == ["u1"]
    assert store.archived_label_keys() == ["app", "workflows.argoproj.io/completed", "workflows.argoproj.io/phase"]
    assert store.archived_label_values("app") == ["db", "web"]
    assert store.archived_label_values("workflows.argoproj.io/phase") == ["Failed", "Succeeded"]
    assert store.archived_label_keys(namespace="other") == []
    assert store.delete_archived_workflow("u1") is True
    assert store.delete_archived_workflow("u1") is False
    assert store.get_archived_workflow("u1") is None
    assert store.archived_label_values("app") == ["db"]


def test_archiving_again_replaces_the_copy(store: api.Store) -> None:
    store.create_workflow(manifest("a", "u1"), RUNNING)
    store.archive_workflow("u1")
    store.save_progress("u1", SUCCEEDED, [])
    store.archive_workflow("u1")
    assert [r.phase for r in store.list_archived_workflows().items] == ["Succeeded"]


# ---- concurrency --------------------------------------------------------------------------------------------

def test_readers_see_whole_batches_while_the_writer_commits(open_store: OpenStore) -> None:
    writer = open_store()
    reader = open_store()
    writer.create_workflow(manifest("a", "u1"), {"phase": "Running", "progress": "0"})
    stop = threading.Event()
    seen: list[tuple[int, int]] = []
    errors: list[BaseException] = []

    def read() -> None:
        try:
            while not stop.is_set():
                rec = reader.get_workflow("u1")
                assert rec is not None
                seen.append((int(rec.status["progress"]), len(rec.status.get("nodes", {}))))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for i in range(1, 301):
            # each write adds one node and says how many there are: a torn read would disagree
            writer.save_progress("u1", {"phase": "Running", "progress": str(i)}, [(f"n{i}", node(f"n{i}"))])
        writer.flush()
        writer.save_progress("u1", {"phase": "Succeeded", "progress": "300"}, [])
    finally:
        stop.set()
        thread.join()
    assert not errors
    assert seen and all(progress == count for progress, count in seen)
    assert reader.get_workflow("u1").phase == "Succeeded"  # type: ignore[union-attr]


def test_writes_from_many_threads(store: api.Store) -> None:
    def submit(i: int) -> None:
        store.create_workflow(manifest(f"wf-{i}", f"u{i}"), RUNNING)
        for j in range(20):
            store.save_progress(f"u{i}", RUNNING, [(f"n{j}", node(f"n{j}"))])
        store.save_progress(f"u{i}", SUCCEEDED, [])

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    page = store.list_workflows(phases=["Succeeded"], with_nodes=True)
    assert len(page.items) == 8 and all(len(r.status["nodes"]) == 20 for r in page.items)
    assert len(store.changes(0, limit=10_000)) >= 16
