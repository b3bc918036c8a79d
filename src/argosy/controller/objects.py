"""Objects from the store: the templates, ConfigMaps and Secrets a served workflow refers to.

``argosy run`` hands the Controller the manifests it loaded; a server keeps them in the store
(created through the API). :class:`StoreObjectSet` is the :class:`~argosy.spec.ObjectSet` of
one namespace (its WorkflowTemplates, ConfigMaps and Secrets, plus every
ClusterWorkflowTemplate), read from the store when first asked; :class:`StoreObjects` is the
runtime's :class:`~argosy.runtime.objects.ObjectSource` over the same table.
"""

from __future__ import annotations

from typing import Any

from argosy.errors import ArgosyError
from argosy.spec import CLUSTER_WORKFLOW_TEMPLATE, CONFIG_MAP, SECRET, ObjectSet, manifest_from_body
from argosy.store.api import ObjectRecord, Store

#: kinds that live outside any namespace
CLUSTER_KINDS = frozenset({CLUSTER_WORKFLOW_TEMPLATE})


def as_body(record: ObjectRecord) -> dict[str, Any]:
    body = record.to_object()
    body.setdefault("apiVersion", "v1" if record.kind in (CONFIG_MAP, SECRET) else "argoproj.io/v1alpha1")
    return body


class StoreObjectSet(ObjectSet):
    """The objects of ``namespace`` in ``store``, each read on first use (then kept)."""

    def __init__(self, store: Store, namespace: str) -> None:
        super().__init__()
        self.store = store
        self.namespace = namespace
        self._missing: set[tuple[str, str]] = set()

    def _load(self, kind: str, name: str) -> None:
        key = (kind, name)
        if key in self._named or key in self._missing:
            return
        record = self.store.get_object(kind, "" if kind in CLUSTER_KINDS else self.namespace, name)
        if record is None:
            self._missing.add(key)
        else:
            self.add(manifest_from_body(as_body(record)))

    def get(self, kind: str, name: str) -> Any:
        self._load(kind, name)
        return super().get(kind, name)

    def has(self, kind: str, name: str) -> bool:
        self._load(kind, name)
        return super().has(kind, name)

    def names(self, kind: str) -> list[str]:
        namespace = None if kind in CLUSTER_KINDS else self.namespace
        return sorted(r.name for r in self.store.list_objects(kind, namespace))


class StoreObjects:
    """ConfigMaps and Secrets from the store, by namespace and name (an ObjectSource)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def configmap(self, namespace: str, name: str) -> dict[str, str] | None:
        objects = StoreObjectSet(self.store, namespace)
        return objects.configmap(name) if objects.has(CONFIG_MAP, name) else None

    def secret(self, namespace: str, name: str) -> dict[str, str] | None:
        objects = StoreObjectSet(self.store, namespace)
        try:
            return objects.secret(name) if objects.has(SECRET, name) else None
        except ArgosyError:
            return None
