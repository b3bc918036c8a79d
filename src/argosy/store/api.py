"""The store's contract: one ``Store`` Protocol and the frozen records it hands out.

Every backend (SQLite, embedded, now; PostgreSQL with the server) implements ``Store`` and
passes the one contract suite in ``tests/store``. Callers never see a connection, a row or a
live engine object: they get records, pages and changes.

Shape of the data, and why:

- A workflow is keyed by its ``uid``; ``(namespace, name)`` is unique among *live* workflows
  (those not deleted). Argo keeps a finished workflow live until it is deleted (by a user or
  its TTL), so a name stays taken until then. Archived copies (Argo's workflow archive) live
  apart and never clash.
- The manifest (``apiVersion``, ``kind``, ``metadata``, ``spec``) is written once, at
  creation. After that each write carries only the status summary (``status`` without
  ``nodes``) and the nodes that changed, one row each: a node event costs the same in a
  10-node and a 100,000-node workflow.
- Writes go through one writer that commits in batches off the caller's thread.
  ``save_progress`` returns at once (except the write that ends a workflow, which waits until
  it is durable); ``flush()`` waits for everything queued. ``create_workflow``, ``claim`` and
  the deletes wait for their commit, since the caller needs their answer. Reads use their
  own connection and see what has been committed: ``flush()`` first to read your own
  queued writes.
- Every write to a workflow object bumps one store-wide, monotonic ``resource_version``
  and appends a ``Change`` to a change feed of bounded length (what a watch stream and the UI
  read). Ownership (leases, heartbeats) is the store's bookkeeping, not part of the Argo
  object, so it does not bump it.
- Two labels Argo's controller maintains, ``workflows.argoproj.io/phase`` and
  ``workflows.argoproj.io/completed``, are derived from the phase: they appear in
  ``to_workflow()`` and label selectors match them, but nobody writes them.
- Errors: a broken store raises ``argosy.errors.StoreError`` subclasses (corrupt file, locked
  past its timeout, disk full, schema too new) with one-line messages naming the file and
  what to do. Once a queued write failed, every later write raises the same error: nothing
  after it is committed, so the file holds a consistent prefix of what was written.

All times are seconds since the epoch (floats); timestamps inside manifests and status are
Argo's RFC 3339 strings. ``Change`` and ``WorkflowPage`` are named tuples (immutable, and
cheaper than dataclasses to define: ``argosy run`` counts its start-up in milliseconds).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple, Protocol, runtime_checkable

#: phases after which a workflow never runs again (Argo's "completed")
FINISHED_PHASES = frozenset({"Succeeded", "Failed", "Error"})

#: the labels the store derives from the phase, as Argo's controller sets them
PHASE_LABEL = "workflows.argoproj.io/phase"
COMPLETED_LABEL = "workflows.argoproj.io/completed"

ChangeKind = Literal["ADDED", "MODIFIED", "DELETED"]


@dataclass(frozen=True, slots=True)
class WorkflowRecord:
    """One workflow as stored: its identity, indexed columns, manifest and status."""

    uid: str
    namespace: str
    name: str
    #: the status phase ("" while Argo would show none: accepted, not yet started)
    phase: str
    #: ``metadata.labels`` as submitted (without the phase-derived labels)
    labels: Mapping[str, str]
    #: ``metadata.creationTimestamp``, seconds since the epoch
    created_at: float
    started_at: float | None
    finished_at: float | None
    #: everything but ``status``: ``apiVersion``, ``kind``, ``metadata``, ``spec``
    manifest: Mapping[str, Any]
    #: the status summary; with ``nodes`` (keyed by node id) only when asked for
    status: Mapping[str, Any]
    #: what ``engine.record()`` returned at the last write (None: never written)
    engine_record: Mapping[str, Any] | None
    #: owner id of the process running it (see ``argosy.store.owner``), None when unowned
    owner: str | None
    #: the store-wide resource version of this workflow's last write
    resource_version: int
    #: when the owner's lease runs out (None when unowned)
    lease_expires_at: float | None = None
    #: when it was copied to the archive (None for a live workflow)
    archived_at: float | None = None

    @property
    def finished(self) -> bool:
        return self.phase in FINISHED_PHASES

    def to_workflow(self) -> dict[str, Any]:
        """Argo's full Workflow object: manifest, server-set metadata, status."""
        wf: dict[str, Any] = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow"}
        wf.update(self.manifest)
        meta = dict(self.manifest.get("metadata") or {})
        meta["name"] = self.name
        meta["namespace"] = self.namespace
        meta["uid"] = self.uid
        meta["resourceVersion"] = str(self.resource_version)
        labels = dict(self.labels)
        labels.update(derived_labels(self.phase))
        if labels:
            meta["labels"] = labels
        wf["metadata"] = meta
        wf["status"] = dict(self.status)
        return wf


def derived_labels(phase: str) -> dict[str, str]:
    """The labels Argo's controller keeps in step with a workflow's phase."""
    if not phase:
        return {}
    return {PHASE_LABEL: phase, COMPLETED_LABEL: "true" if phase in FINISHED_PHASES else "false"}


#: the resource names Kubernetes uses in messages, by kind
RESOURCES = {
    "Workflow": "workflows.argoproj.io",
    "WorkflowTemplate": "workflowtemplates.argoproj.io",
    "ClusterWorkflowTemplate": "clusterworkflowtemplates.argoproj.io",
    "WorkflowEventBinding": "workfloweventbindings.argoproj.io",
    "CronWorkflow": "cronworkflows.argoproj.io",
    "ConfigMap": "configmaps",
    "Secret": "secrets",
}


def resource_name(kind: str) -> str:
    """``kind``'s resource name as Kubernetes' messages give it (``workflowtemplates.argoproj.io``)."""
    return RESOURCES.get(kind, kind.lower() + "s")


@dataclass(frozen=True, slots=True)
class ObjectRecord:
    """An object other than a workflow (a WorkflowTemplate, CronWorkflow, ConfigMap, ...) as stored."""

    kind: str
    #: '' for a cluster-scoped kind (ClusterWorkflowTemplate)
    namespace: str
    name: str
    uid: str
    created_at: float
    resource_version: int
    #: the object as given (``apiVersion``, ``kind``, ``metadata``, ``spec`` or ``data`` ...)
    body: Mapping[str, Any]

    def to_object(self) -> dict[str, Any]:
        """The object with the metadata the store sets: uid, resourceVersion, creationTimestamp."""
        obj = dict(self.body)
        obj.setdefault("kind", self.kind)
        meta = dict(obj.get("metadata") or {})
        meta["name"] = self.name
        if self.namespace:
            meta["namespace"] = self.namespace
        meta["uid"] = self.uid
        meta["resourceVersion"] = str(self.resource_version)
        meta["creationTimestamp"] = _rfc3339(self.created_at)
        obj["metadata"] = meta
        return obj


@dataclass(frozen=True, slots=True)
class MemoRecord:
    """One memoization cache entry (Argo's cache ConfigMap ``data[key]``), as stored."""

    namespace: str
    #: the cache's name (``memoize.cache.configMap.name``)
    cache: str
    key: str
    node_id: str
    #: the node's outputs in Argo's status layout (None: the node had none)
    outputs: Mapping[str, Any] | None
    created_at: float
    last_hit_at: float
    resource_version: int = 0


def _rfc3339(ts: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class WorkflowPage(NamedTuple):
    """One page of a list, newest first (``creationTimestamp`` descending)."""

    items: list[WorkflowRecord]
    #: pass as ``continue_token`` for the next page; None on the last page
    continue_token: str | None = None
    #: the store's resource version when the page was read (start a watch from here)
    resource_version: int = 0


class Change(NamedTuple):
    """One entry of the change feed: this workflow was added, modified or deleted."""

    resource_version: int
    kind: ChangeKind
    uid: str
    namespace: str
    name: str


@runtime_checkable
class Store(Protocol):
    """What the controller and the server may ask of a store."""

    #: where the data lives (a path or a URL without credentials), for messages
    location: str

    # ---- lifecycle ----------------------------------------------------------------------

    def schema_version(self) -> int:
        """The schema version of the open database (migrations have run on open)."""
        ...

    def flush(self) -> None:
        """Wait until every write queued so far is durable; raise its error if one failed."""
        ...

    def close(self) -> None:
        """Flush, then release connections and the writer. Idempotent."""
        ...

    # ---- workflows: writes ----------------------------------------------------------------

    def create_workflow(self, manifest: Mapping[str, Any], status: Mapping[str, Any], *,
                        owner: str | None = None, lease_seconds: float | None = None) -> WorkflowRecord:
        """Store a submitted workflow; wait until it is durable.

        ``manifest`` must carry ``metadata.uid`` and ``metadata.name`` (``namespace``
        defaults to ``default``, ``creationTimestamp`` to now). ``status`` may hold
        ``nodes``. Given ``owner``, the workflow is claimed in the same transaction, so no
        other process sees it unowned. Raises ``AlreadyExists`` (Argo's message) when a live
        workflow has that namespace and name, or that uid.
        """
        ...

    def create_workflow_later(self, manifest: Mapping[str, Any], status: Mapping[str, Any], *,
                              owner: str | None = None, lease_seconds: float | None = None
                              ) -> Future[WorkflowRecord]:
        """:meth:`create_workflow` without waiting: the future holds the record (or its error)
        once the write is durable. A caller on an event loop awaits it with
        ``asyncio.wrap_future`` and keeps no thread blocked meanwhile."""
        ...

    def save_progress(self, uid: str, status_summary: Mapping[str, Any],
                      changed_nodes: Iterable[tuple[str, Mapping[str, Any]]],
                      engine_record: Mapping[str, Any] | None = None) -> None:
        """Queue one batch of progress: the status summary and the nodes that changed.

        Returns without waiting, except when ``status_summary`` ends the workflow (a
        finished phase): that write is durable on return. Node bodies are serialised before
        it returns, so the caller may change them afterwards. ``engine_record`` None keeps
        the stored one. Writes for a uid that is gone are dropped.
        """
        ...

    def delete_workflow(self, uid: str) -> bool:
        """Delete a live workflow with its nodes; wait. False when there was none."""
        ...

    def update_workflow_metadata(self, uid: str, labels: Mapping[str, Any] | None = None,
                                 annotations: Mapping[str, Any] | None = None) -> WorkflowRecord | None:
        """Replace a live workflow's ``metadata.labels`` and/or ``metadata.annotations`` (None: keep
        that map; empty: remove it); wait. The record after, without nodes; None when there is none.

        The only change to a manifest after its creation (a patch of the Workflow object). It
        takes a new resource version and adds a MODIFIED change; label selectors then match the
        new labels. Values are kept as text; the phase-derived labels are the store's, and
        given ones of their names are dropped.
        """
        ...

    # ---- workflows: reads -------------------------------------------------------------------

    def get_workflow(self, uid: str, *, with_nodes: bool = True) -> WorkflowRecord | None:
        """The live workflow with this uid."""
        ...

    def find_workflow(self, namespace: str, name: str, *, with_nodes: bool = True) -> WorkflowRecord | None:
        """The live workflow with this namespace and name."""
        ...

    def list_workflows(self, namespace: str | None = None, *, phases: Iterable[str] | None = None,
                       label_selector: str | None = None, field_selector: str | None = None,
                       name_prefix: str | None = None, limit: int | None = None,
                       continue_token: str | None = None, with_nodes: bool = False) -> WorkflowPage:
        """Live workflows, newest first, filtered and paged (Argo's ``listOptions``).

        ``label_selector`` is Kubernetes' syntax (``a=b``, ``a!=b``, ``a in (x,y)``,
        ``a notin (x)``, ``a``, ``!a``, comma-separated, all must hold);
        ``field_selector`` accepts ``metadata.name``, ``metadata.namespace``,
        ``metadata.uid`` and ``status.phase`` with ``=``, ``==`` or ``!=``. ``limit`` None or
        0 means all. A malformed selector or token raises ``ListOptionsError``.
        """
        ...

    # ---- ownership (crash recovery) ---------------------------------------------------------

    def claim(self, uid: str, owner_id: str, lease_seconds: float, *, now: float | None = None) -> bool:
        """Take ownership of a workflow; wait. True when this owner now holds it.

        Succeeds when the workflow is unowned, already ours, its lease ran out at ``now``,
        or its owner's process is gone (same host: pid gone or reused). Atomic across
        processes: of two claimants of an orphan, one wins.
        """
        ...

    def heartbeat(self, owner_id: str, lease_seconds: float, *, now: float | None = None) -> None:
        """Extend every lease held by ``owner_id`` to ``now + lease_seconds`` (queued)."""
        ...

    def release(self, uid: str) -> None:
        """Give up ownership of a workflow (queued, ordered after earlier writes)."""
        ...

    def orphans(self, now: float | None = None) -> list[WorkflowRecord]:
        """Unfinished live workflows nobody runs: unowned, lease expired, or owner process gone.

        Records come without nodes; ``get_workflow`` the one you claimed.
        """
        ...

    # ---- change feed --------------------------------------------------------------------------

    def resource_version(self) -> int:
        """The store's current resource version (0 when nothing was ever written)."""
        ...

    def subscribe(self, listener: Callable[[list[Change]], None]) -> Callable[[], None]:
        """Call ``listener`` with the changes of each commit this store object makes; returns unsubscribe.

        It runs on the writer's thread right after the commit: hand the changes to your own
        loop (``loop.call_soon_threadsafe``) and return; it must not wait on the store (a
        write that waits, or ``flush``, would wait for itself). On SQLite, writes by other
        processes on the same file reach no listener: read them with ``changes``. On
        PostgreSQL they do, shortly after their commit, on a listener thread of this store.
        """
        ...

    def changes(self, since: int, limit: int = 1000) -> list[Change]:
        """Changes with ``resource_version > since``, oldest first, at most ``limit``.

        Raises ``ResourceVersionTooOld`` when ``since`` is older than the retained feed
        (a watcher must list again, as with Kubernetes' 410 Gone).
        """
        ...

    # ---- archive (Argo's persistence.archive) -------------------------------------------------

    def archive_workflow(self, uid: str) -> WorkflowRecord | None:
        """Copy a live workflow, nodes included, into the archive; wait. None if no such uid.

        Archiving again replaces the archived copy. The live workflow stays until deleted.
        """
        ...

    def get_archived_workflow(self, uid: str, *, with_nodes: bool = True) -> WorkflowRecord | None:
        """The archived workflow with this uid."""
        ...

    def find_archived_workflow(self, namespace: str, name: str, *,
                               with_nodes: bool = True) -> WorkflowRecord | None:
        """The newest archived workflow with this namespace and name."""
        ...

    def list_archived_workflows(self, namespace: str | None = None, *, phases: Iterable[str] | None = None,
                                label_selector: str | None = None, field_selector: str | None = None,
                                name_prefix: str | None = None, limit: int | None = None,
                                continue_token: str | None = None) -> WorkflowPage:
        """Archived workflows, newest first; same filters and paging as ``list_workflows``."""
        ...

    def delete_archived_workflow(self, uid: str) -> bool:
        """Delete an archived workflow; wait. False when there was none."""
        ...

    def archived_label_keys(self, namespace: str | None = None) -> list[str]:
        """Every label key of archived workflows, sorted (phase-derived keys included)."""
        ...

    def archived_label_values(self, key: str, namespace: str | None = None) -> list[str]:
        """Every value of label ``key`` among archived workflows, sorted."""
        ...

    # ---- other objects (templates, cron workflows, ConfigMaps, Secrets) -------------------------

    def create_object(self, kind: str, body: Mapping[str, Any]) -> ObjectRecord:
        """Store a new object of ``kind`` (``metadata.name`` required; ``metadata.namespace`` ''
        or absent for a cluster-scoped kind); wait. ``AlreadyExists`` when the name is taken."""
        ...

    def update_object(self, kind: str, body: Mapping[str, Any]) -> ObjectRecord:
        """Replace an existing object (uid and creation time kept, a new resource version); wait.
        ``NotFound`` when there is none."""
        ...

    def get_object(self, kind: str, namespace: str, name: str) -> ObjectRecord | None:
        ...

    def list_objects(self, kind: str, namespace: str | None = None, *,
                     label_selector: str | None = None) -> list[ObjectRecord]:
        """Objects of ``kind`` (in ``namespace``; None: every namespace), by name."""
        ...

    def delete_object(self, kind: str, namespace: str, name: str) -> bool:
        """Delete an object; wait. False when there was none."""
        ...

    # ---- memoization caches (``memoize``: Argo's cache ConfigMaps) --------------------------------

    def get_memo(self, namespace: str, cache: str, key: str) -> MemoRecord | None:
        """The entry under ``key`` in ``cache`` of ``namespace`` (committed writes only)."""
        ...

    def save_memo(self, namespace: str, cache: str, key: str, node_id: str, outputs: Any, *,
                  now: float | None = None) -> None:
        """Write (or overwrite) an entry, created and last hit ``now``; queued, not waited for."""
        ...

    def touch_memos(self, hits: Iterable[tuple[str, str, str, float]]) -> None:
        """Record lookups of entries: (namespace, cache, key, last-hit time) each; queued."""
        ...

    def list_memos(self, namespace: str | None = None, cache: str | None = None) -> list[MemoRecord]:
        """Entries (of a namespace, of a cache), by namespace, cache and key."""
        ...

    def delete_memos(self, namespace: str, cache: str, key: str | None = None) -> int:
        """Delete one entry, or every entry of a cache (``key`` None); wait. How many went."""
        ...

    def expire_memos(self, not_hit_since: float) -> int:
        """Delete every entry last hit before ``not_hit_since`` (epoch seconds); wait. How many went."""
        ...

    def put_memos(self, namespace: str, cache: str, entries: Iterable[MemoRecord]) -> None:
        """Replace every entry of a cache with ``entries`` (their namespace and cache are ignored); wait."""
        ...
