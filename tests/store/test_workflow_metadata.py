"""``update_workflow_metadata``: a live workflow's labels and annotations changed (every backend).

What a patch of a Workflow object needs from the store: durable on return, a new resource
version and a MODIFIED change, the label index in step (label selectors), the phase-derived
labels left to the store, nothing else of the workflow touched.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from argosy.store import api

OpenStore = Callable[..., api.Store]

RUNNING = {"phase": "Running", "startedAt": "2023-11-14T22:13:21Z", "progress": "0/1"}


def manifest(name: str, uid: str, *, labels: dict[str, str] | None = None,
             annotations: dict[str, str] | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "default", "uid": uid,
                            "creationTimestamp": "2023-11-14T22:13:20Z"}
    if labels:
        meta["labels"] = labels
    if annotations:
        meta["annotations"] = annotations
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": meta,
            "spec": {"entrypoint": "main", "templates": [{"name": "main", "container": {"image": "alpine"}}]}}


def names(store: api.Store, selector: str) -> set[str]:
    return {r.name for r in store.list_workflows(None, label_selector=selector).items}


@pytest.mark.parametrize(("labels", "annotations", "want_labels", "want_annotations"), [
    # both maps replaced whole (a patch resolves to the object's new maps)
    ({"team": "b", "tier": "gold"}, {"note": "new"}, {"team": "b", "tier": "gold"}, {"note": "new"}),
    # None keeps a map
    ({"team": "b"}, None, {"team": "b"}, {"note": "old"}),
    (None, {"note": "new", "other": "x"}, {"team": "a"}, {"note": "new", "other": "x"}),
    # empty removes it
    ({}, {}, {}, {}),
    # text, as Kubernetes keeps them; the phase-derived labels are the store's, not the caller's
    ({"n": 1, api.PHASE_LABEL: "Succeeded", api.COMPLETED_LABEL: "true"}, {"n": 2}, {"n": "1"}, {"n": "2"}),
])
def test_the_maps_are_replaced_and_the_rest_kept(store: api.Store, labels: Any, annotations: Any,
                                                 want_labels: dict[str, str], want_annotations: dict[str, str]) -> None:
    store.create_workflow(manifest("wf", "u1", labels={"team": "a"}, annotations={"note": "old"}),
                          {**RUNNING, "nodes": {"n": {"id": "n", "phase": "Running"}}})
    before = store.get_workflow("u1")
    assert before is not None
    record = store.update_workflow_metadata("u1", labels, annotations)
    assert record is not None
    assert dict(record.labels) == want_labels
    assert record.manifest["metadata"].get("annotations", {}) == want_annotations
    assert "labels" in record.manifest["metadata"] or not want_labels
    # Argo's object: the derived labels are still the phase's
    meta = record.to_workflow()["metadata"]
    assert meta["labels"] == {**want_labels, api.PHASE_LABEL: "Running", api.COMPLETED_LABEL: "false"}
    # nothing else changed: spec, identity, status, nodes
    assert record == store.get_workflow("u1", with_nodes=False)
    after = store.get_workflow("u1")
    assert after is not None
    assert after.manifest["spec"] == before.manifest["spec"]
    assert (after.uid, after.name, after.namespace, after.created_at) == (
        before.uid, before.name, before.namespace, before.created_at)
    assert after.status == before.status and after.phase == "Running"


def test_durable_versioned_and_on_the_change_feed(open_store: OpenStore) -> None:
    store = open_store()
    store.create_workflow(manifest("wf", "u1", labels={"team": "a"}), RUNNING)
    heard: list[api.Change] = []
    store.subscribe(heard.extend)
    start = store.resource_version()
    record = store.update_workflow_metadata("u1", {"team": "b"})
    assert record is not None
    assert record.resource_version == store.resource_version() > start
    assert [(c.kind, c.uid, c.name, c.resource_version) for c in store.changes(start)] == [
        ("MODIFIED", "u1", "wf", record.resource_version)]
    assert [(c.kind, c.uid) for c in heard] == [("MODIFIED", "u1")]
    assert record.to_workflow()["metadata"]["resourceVersion"] == str(record.resource_version)
    store.close()
    reopened = open_store()  # durable on return: a restart sees it
    again = reopened.get_workflow("u1", with_nodes=False)
    assert again is not None and dict(again.labels) == {"team": "b"}


def test_label_selectors_find_the_workflow_by_its_new_labels(store: api.Store) -> None:
    store.create_workflow(manifest("a", "u1", labels={"team": "x", "old": "1"}), RUNNING)
    store.create_workflow(manifest("b", "u2", labels={"team": "x"}), RUNNING)
    store.update_workflow_metadata("u1", {"team": "y", "foo": "bar"})
    assert names(store, "foo=bar") == {"a"}
    assert names(store, "team=y") == {"a"}
    assert names(store, "team=x") == {"b"}
    assert names(store, "old") == set()
    assert names(store, "!foo") == {"b"}
    # the derived labels still select by phase, whatever the caller sent
    store.update_workflow_metadata("u2", {api.PHASE_LABEL: "Failed"})
    assert names(store, f"{api.PHASE_LABEL}=Running") == {"a", "b"}
    assert names(store, f"{api.PHASE_LABEL}=Failed") == set()


def test_progress_around_it_keeps_both(store: api.Store) -> None:
    """A change of labels between queued progress writes loses neither: status and labels both land."""
    store.create_workflow(manifest("wf", "u1", labels={"team": "a"}), RUNNING)
    store.save_progress("u1", {**RUNNING, "progress": "1/2"}, [("n1", {"id": "n1", "phase": "Succeeded"})])
    store.update_workflow_metadata("u1", {"team": "b"}, {"why": "patched"})
    store.save_progress("u1", {**RUNNING, "progress": "2/2"}, [("n2", {"id": "n2", "phase": "Running"})])
    store.flush()
    got = store.get_workflow("u1")
    assert got is not None
    assert dict(got.labels) == {"team": "b"} and got.manifest["metadata"]["annotations"] == {"why": "patched"}
    assert got.status["progress"] == "2/2" and set(got.status["nodes"]) == {"n1", "n2"}
    kinds = [c.kind for c in store.changes(0)]
    assert kinds[0] == "ADDED" and set(kinds[1:]) == {"MODIFIED"}


def test_a_workflow_that_is_not_live_is_none(store: api.Store) -> None:
    start = store.resource_version()
    assert store.update_workflow_metadata("nope", {"a": "b"}) is None
    store.create_workflow(manifest("wf", "u1"), RUNNING)
    store.archive_workflow("u1")
    store.delete_workflow("u1")
    assert store.update_workflow_metadata("u1", {"a": "b"}) is None
    assert [c.kind for c in store.changes(start)] == ["ADDED", "DELETED"]
    archived = store.get_archived_workflow("u1")
    assert archived is not None and dict(archived.labels) == {}  # the archive is history: untouched
