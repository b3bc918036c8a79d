"""Watch: ``GET /api/v1/workflow-events/{namespace}`` (Argo's ``WatchWorkflows``).

A stream of ``{"type": "ADDED"|"MODIFIED"|"DELETED", "object": Workflow}``: first ADDED for
every workflow that matches now (``listOptions.fieldSelector``, ``listOptions.labelSelector``),
then one event per change, as Kubernetes watches do. With ``listOptions.resourceVersion`` it
starts instead from the store's change feed after that version (no initial list), and a
version older than the feed keeps answers Kubernetes' "too old resource version".

How changes reach a stream, and why a slow client cannot hurt anyone:

- one :class:`WorkflowEvents` hub per app subscribes to the store's change feed (the
  listener runs on the store's writer thread and only hands the changes to the event loop);
- each stream keeps a *pending set*: at most one entry per workflow uid, the latest kind.
  Ten thousand writes to a workflow the client has not read yet are one entry, so a stream's
  memory is bounded by the number of workflows, not the number of writes, and the hub never
  waits on a stream;
- when the client is ready for more, the stream reads the workflow's *current* record from
  the store: a slow client gets the newest state (intermediate states are coalesced away),
  which is what a watch promises.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request

from argosy.errors import InvalidArgument
from argosy.server.projection import Fields, needs, parse_fields, project
from argosy.server.routing import Call, Verb, api_route
from argosy.server.streams import stream_response
from argosy.server.workflows import view
from argosy.store.selector import matches, parse_field_selector, parse_label_selector

if TYPE_CHECKING:
    from argosy.store.api import Change, Store, WorkflowRecord

#: a ``DELETED`` or a new ``ADDED`` wins over what was pending; a ``MODIFIED`` keeps a pending ``ADDED``
_KEEP = {("ADDED", "MODIFIED"): "ADDED"}


class WatchStream:
    """One client's pending changes: the latest kind per uid, in first-seen order."""

    def __init__(self, namespace: str | None, name: str | None) -> None:
        self.namespace = namespace
        self.name = name
        self.pending: dict[str, str] = {}
        self.ready = asyncio.Event()

    def offer(self, change: Change) -> None:
        if self.namespace and change.namespace != self.namespace:
            return
        if self.name is not None and change.name != self.name:
            return
        before = self.pending.get(change.uid)
        self.pending[change.uid] = _KEEP.get((before, change.kind), change.kind) if before else change.kind
        self.ready.set()

    def take(self) -> list[tuple[str, str]]:
        taken = list(self.pending.items())
        self.pending.clear()
        self.ready.clear()
        return taken


class WorkflowEvents:
    """The app's hub: the store's changes, fanned out to every open watch stream."""

    def __init__(self, store: Store, loop: asyncio.AbstractEventLoop) -> None:
        self.store = store
        self.loop = loop
        self.streams: set[WatchStream] = set()
        self._unsubscribe: Callable[[], None] = store.subscribe(self._on_commit)

    def _on_commit(self, changes: list[Change]) -> None:
        # on the store's writer thread: hand over and return at once
        if self.streams:
            with contextlib.suppress(RuntimeError):  # the loop is closed: the server is stopping
                self.loop.call_soon_threadsafe(self._dispatch, changes)

    def _dispatch(self, changes: list[Change]) -> None:
        for stream in self.streams:
            for change in changes:
                stream.offer(change)

    def close(self) -> None:
        self._unsubscribe()

    @classmethod
    def of(cls, request: Request, store: Store) -> WorkflowEvents:
        """The app's hub, made on the first watch."""
        state = request.app.state
        hub: WorkflowEvents | None = getattr(state, "workflow_events", None)
        if hub is None or hub.store is not store:
            hub = cls(store, asyncio.get_running_loop())
            state.workflow_events = hub
        return hub


class Watch:
    """What one watch request matches, and how a record becomes its event."""

    def __init__(self, namespace: str | None, field_selector: str | None, label_selector: str | None) -> None:
        self.namespace = namespace or None
        self.fields = parse_field_selector(field_selector)
        self.labels = parse_label_selector(label_selector)
        self.field_selector = field_selector
        self.label_selector = label_selector
        #: the one name ``metadata.name=X`` asks for (lets the hub skip other workflows cheaply)
        self.name = next((f.value for f in self.fields if f.field == "metadata.name" and not f.negate), None)

    def matches(self, record: WorkflowRecord) -> bool:
        if self.namespace and record.namespace != self.namespace:
            return False
        values = {"metadata.name": record.name, "metadata.namespace": record.namespace,
                  "metadata.uid": record.uid, "status.phase": record.phase}
        for f in self.fields:
            if (values.get(f.field) == f.value) == f.negate:
                return False
        if self.labels:
            from argosy.store.api import derived_labels

            labels = {**record.labels, **derived_labels(record.phase)}
            return matches(self.labels, labels)
        return True


View = Callable[["WorkflowRecord"], dict[str, Any]]


async def events(store: Store, hub: WorkflowEvents, watch: Watch, since: int | None,
                 workflow_object: View, *, with_nodes: bool = True) -> AsyncIterator[dict[str, Any]]:
    """The watch's events: the initial ADDED (or the feed after ``since``), then live changes."""
    stream = WatchStream(watch.namespace, watch.name)
    hub.streams.add(stream)
    #: uid -> resource version last sent, for what the client has seen (uids only: bounded)
    seen: dict[str, int] = {}
    try:
        if since is None:
            page = await asyncio.to_thread(
                store.list_workflows, watch.namespace, label_selector=watch.label_selector,
                field_selector=watch.field_selector, with_nodes=False)
            for summary in reversed(page.items):  # oldest first, as a list then watch reads
                record = await asyncio.to_thread(store.get_workflow, summary.uid, with_nodes=with_nodes)
                if record is not None and watch.matches(record):
                    seen[record.uid] = record.resource_version
                    yield {"type": "ADDED", "object": workflow_object(record)}
        else:
            for change in await asyncio.to_thread(store.changes, since, 100_000):
                stream.offer(change)
        while True:
            await stream.ready.wait()
            for uid, kind in stream.take():
                event = await _event(store, watch, seen, uid, kind, workflow_object, with_nodes)
                if event is not None:
                    yield event
    finally:
        hub.streams.discard(stream)


async def _event(store: Store, watch: Watch, seen: dict[str, int], uid: str, kind: str,
                 workflow_object: View, with_nodes: bool) -> dict[str, Any] | None:
    record = None if kind == "DELETED" else await asyncio.to_thread(store.get_workflow, uid,
                                                                    with_nodes=with_nodes)
    if record is None or not watch.matches(record):
        if uid not in seen:
            return None
        seen.pop(uid)
        if record is None:
            return {"type": "DELETED", "object": {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
                                                   "metadata": {"uid": uid}}}
        return {"type": "DELETED", "object": workflow_object(record)}
    if seen.get(uid) == record.resource_version:
        return None  # already sent (the initial list read it)
    kind = "MODIFIED" if uid in seen else "ADDED"
    seen[uid] = record.resource_version
    return {"type": kind, "object": workflow_object(record)}


async def watch_workflows(call: Call) -> Any:
    store = call.services.store
    version = call.query("listOptions.resourceVersion")
    since: int | None = None
    if version not in (None, "", "0"):
        if not str(version).isdigit():
            raise InvalidArgument(f"listOptions.resourceVersion: {version!r} is not a resource version")
        since = int(str(version))
        store.changes(since, 1)  # too old: the error answers before the stream starts
    # an all-namespaces watch on a --namespaced server sees only the namespace it manages
    namespace = call.namespace or call.services.authorizer.managed_namespace
    watch = Watch(namespace, call.query("listOptions.fieldSelector"), call.query("listOptions.labelSelector"))
    hub = WorkflowEvents.of(call.request, store)
    # Argo's UI narrows a watch with ``fields`` (paths under ``result.``, e.g.
    # ``result.object.metadata.name``): nodes are not even read when no path wants them
    fields = parse_fields(call.query("fields"))
    source = events(store, hub, watch, since, lambda record: view(call, record),
                    with_nodes=needs(fields, "result.object.status.nodes"))
    return stream_response(call.request, source if fields is None else _projected(source, fields))


async def _projected(source: AsyncIterator[dict[str, Any]], fields: Fields) -> AsyncIterator[dict[str, Any]]:
    async for event in source:
        yield project({"result": event}, fields).get("result") or {}


routes = [
    api_route("GET", "/api/v1/workflow-events/{namespace}", watch_workflows, verb=Verb.WATCH),
    api_route("GET", "/api/v1/workflow-events/", watch_workflows, verb=Verb.WATCH),
]
