"""The store's objects besides workflows: templates, cron workflows, ConfigMaps, Secrets (every backend)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from argosy.errors import AlreadyExists, NotFound
from argosy.store import api

OpenStore = Callable[..., api.Store]


def template(name: str, namespace: str = "argo", **labels: str) -> dict:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowTemplate",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {"entrypoint": "main"}}


def test_create_get_update_delete_keep_identity_and_bump_versions(open_store: OpenStore) -> None:
    with open_store() as store:
        created = store.create_object("WorkflowTemplate", template("t"))
        meta = created.to_object()["metadata"]
        assert meta["uid"] and meta["creationTimestamp"].endswith("Z") and meta["namespace"] == "argo"
        with pytest.raises(AlreadyExists, match='workflowtemplates.argoproj.io "t" already exists'):
            store.create_object("WorkflowTemplate", template("t"))
        changed = template("t")
        changed["spec"]["entrypoint"] = "other"
        updated = store.update_object("WorkflowTemplate", changed)
        assert updated.uid == created.uid and updated.resource_version > created.resource_version
        got = store.get_object("WorkflowTemplate", "argo", "t")
        assert got is not None and got.body["spec"]["entrypoint"] == "other"
        assert store.get_object("WorkflowTemplate", "default", "t") is None
        assert store.delete_object("WorkflowTemplate", "argo", "t")
        assert not store.delete_object("WorkflowTemplate", "argo", "t")
        with pytest.raises(NotFound):
            store.update_object("WorkflowTemplate", changed)


def test_list_is_scoped_by_kind_namespace_and_labels(open_store: OpenStore) -> None:
    with open_store() as store:
        store.create_object("WorkflowTemplate", template("a", team="x"))
        store.create_object("WorkflowTemplate", template("b", team="y"))
        store.create_object("WorkflowTemplate", template("c", "other", team="x"))
        store.create_object("CronWorkflow", template("a"))
        assert [r.name for r in store.list_objects("WorkflowTemplate", "argo")] == ["a", "b"]
        assert [r.name for r in store.list_objects("WorkflowTemplate")] == ["a", "b", "c"]
        assert [r.name for r in store.list_objects("WorkflowTemplate", label_selector="team=x")] == ["a", "c"]


def test_objects_outlive_a_reopen(open_store: OpenStore) -> None:
    with open_store() as store:
        store.create_object("ConfigMap", {"metadata": {"name": "cm", "namespace": "default"}, "data": {"k": "v"}})
    with open_store() as store:
        got = store.get_object("ConfigMap", "default", "cm")
        assert got is not None and got.body["data"] == {"k": "v"}
