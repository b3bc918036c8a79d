"""Resource templates' objects, kept in the store: the controller's :class:`ResourceGateway`.

A resource node (``argosy.runtime.resource``) acts on objects through this gateway:

- a **Workflow** it creates is submitted through the Controller's own path (Argo's submission
  rules: ``workflowTemplateRef``, parameters, defaults) and runs on the same Controller, as a
  child; reading one gives Argo's full object (``to_workflow()``), status included; changing
  one (patch, apply, replace) does what Argo's controller honours on a live Workflow
  (``argosy.controller.live_workflow``: labels, annotations, suspend, shutdown);
- WorkflowTemplates, ClusterWorkflowTemplates, CronWorkflows and ConfigMaps live in the store's
  objects table (a served CronWorkflow is then scheduled like one created through the API). In
  embedded mode a ``get`` also finds the objects loaded from files.

Waiting for a condition re-reads the object when it may have changed: a Workflow's every
persisted change reaches :meth:`StoreResources.changed` through the store's change feed; the
objects table has no feed, so those are re-read every second.

Kubernetes deletes an object whose owner (``metadata.ownerReferences``) was deleted;
:func:`delete_dependents` does the same for a deleted Workflow: every workflow and object owned
by it, and theirs in turn. It runs as one of the garbage collector's ``deleted_hooks``, so a
child goes through the one deletion path (``controller.gc.delete_workflow``: stopped, its
artifacts collected, archived) and its own children follow it from there.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from argosy.controller.gc import delete_workflow
from argosy.controller.live_workflow import live_view, update_workflow
from argosy.controller.objects import CLUSTER_KINDS, StoreObjectSet, as_body
from argosy.controller.submit import prepare_workflow
from argosy.errors import ArgosyError, NotFound, ResourceError
from argosy.runtime.resource import PARENT_UID_LABEL
from argosy.spec import WORKFLOW, ObjectSet
from argosy.store.api import Change, Store

if TYPE_CHECKING:
    from argosy.controller.controller import Controller

#: seconds between two reads of a waited-for object that has no change feed (and the longest a
#: Workflow waits for one: writes by another process on the same SQLite file are not heard)
POLL_SECONDS = 1.0
WORKFLOW_POLL_SECONDS = 2.0
#: kinds of the objects table a resource template may act on
OBJECT_KINDS = ("WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow", "ConfigMap")
#: metadata the store sets: not part of what is written back
_SERVER_SET = ("uid", "resourceVersion", "creationTimestamp")


class StoreResources:
    """The objects a controller's resource nodes see: its store, its submission path."""

    def __init__(self, controller: Controller) -> None:
        self.controller = controller
        controller.gc.deleted_hooks.append(lambda record: delete_dependents(controller, record.uid))
        #: waiters for a change to a workflow, by (namespace, name)
        self._waiters: dict[tuple[str, str], set[asyncio.Event]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._unsubscribe: Any = None
        #: the resource version of each workflow as ``get`` last read it, by (namespace, name)
        self._read: dict[tuple[str, str], int] = {}

    @property
    def store(self) -> Store:
        store = self.controller.store
        if store is None:
            raise ResourceError("resource templates need Argosy's store (this Controller keeps none)")
        return store

    # ---- the gateway ------------------------------------------------------------------------

    async def create(self, obj: dict[str, Any]) -> dict[str, Any]:
        kind = obj.get("kind")
        meta = obj.get("metadata") or {}
        if kind == WORKFLOW:
            namespace = meta.get("namespace") or "default"
            objects = (self.controller.objects_in(namespace) if self.controller.objects_for is not None
                       else RunObjects(self.store, namespace, self.controller.objects))
            prepared = prepare_workflow(obj, objects)
            record = await self.controller.start_async(prepared)
            return record.to_workflow() if record is not None else prepared
        return as_body(self.store.create_object(str(kind), _scoped(obj)))

    async def get(self, kind: str, namespace: str, name: str, *, full: bool = True) -> dict[str, Any] | None:
        if kind == WORKFLOW:
            record = self.store.find_workflow(namespace or "default", name, with_nodes=full)
            if record is None:
                return None
            self._read[(record.namespace, record.name)] = record.resource_version
            return live_view(self.controller, record)
        record = self.store.get_object(kind, "" if kind in CLUSTER_KINDS else namespace, name)
        if record is not None:
            return as_body(record)
        # embedded mode: the templates and ConfigMaps loaded from files
        if self.controller.objects_for is None and self.controller.objects.has(kind, name):
            body = dict(self.controller.objects.get(kind, name).body)
            own = (body.get("metadata") or {}).get("namespace")
            return body if not own or own == namespace or kind in CLUSTER_KINDS else None
        return None

    async def update(self, obj: dict[str, Any]) -> dict[str, Any]:
        kind = str(obj.get("kind"))
        if kind == WORKFLOW:
            # what Argo's controller honours on a live Workflow (labels, annotations, suspend, shutdown)
            return await update_workflow(self.controller, obj)
        body = _scoped(obj)
        body["metadata"] = {k: v for k, v in body["metadata"].items() if k not in _SERVER_SET}
        try:
            return as_body(self.store.update_object(kind, body))
        except NotFound:
            # embedded mode: an object loaded from a file is changed into the store, the file is not
            name = str(body["metadata"].get("name"))
            if self.controller.objects_for is None and self.controller.objects.has(kind, name):
                return as_body(self.store.create_object(kind, body))
            raise

    async def delete(self, kind: str, namespace: str, name: str) -> bool:
        if kind == WORKFLOW:
            record = self.store.find_workflow(namespace or "default", name, with_nodes=False)
            if record is None:
                return False
            return await delete_workflow(self.controller, record.uid)
        return self.store.delete_object(kind, "" if kind in CLUSTER_KINDS else namespace, name)

    async def list(self, kind: str, namespace: str, label_selector: str | None) -> list[dict[str, Any]]:
        if kind == WORKFLOW:
            page = self.store.list_workflows(namespace or "default", label_selector=label_selector)
            return [r.to_workflow() for r in page.items]
        records = self.store.list_objects(kind, None if kind in CLUSTER_KINDS else namespace,
                                          label_selector=label_selector)
        return [as_body(r) for r in records]

    async def changed(self, kind: str, namespace: str, name: str) -> None:
        if kind != WORKFLOW:
            await asyncio.sleep(POLL_SECONDS)
            return
        self._subscribe()
        event = asyncio.Event()
        key = (namespace or "default", name)
        self._waiters.setdefault(key, set()).add(event)
        try:
            # a change committed between the caller's last read and now woke nobody: look first
            record = self.store.find_workflow(*key, with_nodes=False)
            if record is None or record.resource_version != self._read.get(key):
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), WORKFLOW_POLL_SECONDS)
        finally:
            waiting = self._waiters.get(key)
            if waiting is not None:
                waiting.discard(event)
                if not waiting:
                    del self._waiters[key]
                    self._read.pop(key, None)

    # ---- the change feed --------------------------------------------------------------------

    def _subscribe(self) -> None:
        loop = asyncio.get_running_loop()
        if self._unsubscribe is not None and self._loop is loop:
            return
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._loop = loop
        self._unsubscribe = self.store.subscribe(self._heard)

    def _heard(self, changes: list[Change]) -> None:
        """On the store's writer thread: hand the changes that someone waits for to the loop."""
        if not self._waiters or self._loop is None:
            return
        keys = {(c.namespace, c.name) for c in changes} & set(self._waiters)
        if keys:
            with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits any more
                self._loop.call_soon_threadsafe(self._wake, keys)

    def _wake(self, keys: set[tuple[str, str]]) -> None:
        for key in keys:
            for event in self._waiters.get(key, ()):
                event.set()

    def close(self) -> None:
        """Stop listening to the store."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None


class RunObjects(StoreObjectSet):
    """Embedded mode's objects for a child's submission: what resource templates put in the store
    (a WorkflowTemplate created by an earlier step), then the run's files."""

    def __init__(self, store: Store, namespace: str, files: ObjectSet) -> None:
        super().__init__(store, namespace)
        self.files = files

    def get(self, kind: str, name: str) -> Any:
        return super().get(kind, name) if super().has(kind, name) else self.files.get(kind, name)

    def has(self, kind: str, name: str) -> bool:
        return super().has(kind, name) or self.files.has(kind, name)

    def names(self, kind: str) -> list[str]:
        return sorted(set(super().names(kind)) | set(self.files.names(kind)))


def _scoped(obj: dict[str, Any]) -> dict[str, Any]:
    body = dict(obj)
    meta = dict(body.get("metadata") or {})
    if body.get("kind") in CLUSTER_KINDS:
        meta.pop("namespace", None)
    body["metadata"] = meta
    return body


# ---- deleting a workflow and what it owns -------------------------------------------------------


async def delete_dependents(controller: Controller, owner_uid: str) -> list[str]:
    """Delete every workflow and object whose ``ownerReferences`` name ``owner_uid`` (a deleted
    workflow's; their own dependents follow through the same hook), as Kubernetes' garbage
    collector does; their names, as ``kind/namespace/name``."""
    store = controller.store
    if store is None:
        return []
    deleted: list[str] = []
    selector = f"{PARENT_UID_LABEL}={owner_uid}"
    for record in list(_all_workflows(store, selector)):
        if _owned_by(record.manifest, owner_uid) and await delete_workflow(controller, record.uid):
            deleted.append(f"Workflow/{record.namespace}/{record.name}")
    for kind in OBJECT_KINDS:
        try:
            records = store.list_objects(kind, None, label_selector=selector)
        except ArgosyError:
            continue
        for obj in records:
            if _owned_by(obj.body, owner_uid) and store.delete_object(kind, obj.namespace, obj.name):
                deleted.append(f"{kind}/{obj.namespace}/{obj.name}")
    return deleted


def _all_workflows(store: Store, selector: str) -> Iterator[Any]:
    token: str | None = None
    while True:
        page = store.list_workflows(None, label_selector=selector, continue_token=token, limit=500)
        yield from page.items
        token = page.continue_token
        if not token:
            return


def _owned_by(body: Any, owner_uid: str) -> bool:
    refs = ((body or {}).get("metadata") or {}).get("ownerReferences") or ()
    return any(isinstance(r, dict) and r.get("uid") == owner_uid for r in refs)

