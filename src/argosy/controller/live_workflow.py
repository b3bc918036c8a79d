"""A resource template's ``patch``, ``apply`` or ``replace`` of an existing Workflow.

In Kubernetes a Workflow object can be changed like any other; Argo's controller then acts on
what changed. ``argosy.runtime.resource`` has already turned the action into the whole object
wanted (a JSON or merge patch applied to the object read, an apply merged into it, a replace's
manifest); :func:`update_workflow` compares it with the workflow as it is and does what Argo's
controller honours on a live Workflow:

- ``metadata.labels`` / ``metadata.annotations``: kept in the store
  (``Store.update_workflow_metadata``: a new resource version, a MODIFIED change, label
  selectors find the new labels). The phase-derived labels stay the store's;
- ``spec.suspend`` true / false: ``argo suspend`` / the lifting of it (suspend nodes go on
  waiting: Argo resumes those only through ``argo resume``);
- ``spec.shutdown`` ``Stop`` / ``Terminate``: ``argo stop`` / ``argo terminate``.

Anything else is refused before anything is changed, naming the fields: Argo reads a live
workflow's spec again at each reconciliation, Argosy's engine keeps the spec it started with.
A finished workflow takes labels and annotations only. ``status`` is the controller's: what the
wanted object says of it is ignored (as for a resource with a status subresource).

Whether a workflow is suspended or shutting down is known to the worker running it, not to
the stored manifest: :func:`live_view` puts it into the object, as the server's view does.
"""

from __future__ import annotations

import asyncio
import contextlib
import weakref
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from argosy.controller.events import MetadataChanged, Resume
from argosy.errors import Conflict, NotFound, ResourceError
from argosy.store.api import COMPLETED_LABEL, PHASE_LABEL, WorkflowRecord

if TYPE_CHECKING:
    from argosy.controller.controller import Controller

#: the spec fields Argo's controller acts on when they change on a live workflow
HONOURED_SPEC = ("suspend", "shutdown")
#: Argo's ShutdownStrategy values
SHUTDOWN_STRATEGIES = ("Stop", "Terminate")
#: metadata that names the object or that the API server sets: never a change asked for
_IDENTITY = frozenset({"name", "namespace", "uid", "resourceVersion", "creationTimestamp", "generation",
                       "managedFields", "selfLink", "generateName"})
_CHANGEABLE_METADATA = ("labels", "annotations")
_DERIVED = frozenset({PHASE_LABEL, COMPLETED_LABEL})


def live_view(controller: Controller, record: WorkflowRecord) -> dict[str, Any]:
    """Argo's object for ``record``, with ``spec.suspend``/``spec.shutdown`` as the worker running it has them."""
    wf = record.to_workflow()
    worker = controller.workers.get(record.uid)
    if worker is None or record.finished:
        return wf
    spec = dict(wf.get("spec") or {})
    if worker.suspended:
        spec["suspend"] = True
    else:
        spec.pop("suspend", None)
    shutdown = getattr(worker.engine, "shutdown", None)
    if shutdown:
        spec["shutdown"] = shutdown
    wf["spec"] = spec
    return wf


async def update_workflow(controller: Controller, desired: Mapping[str, Any]) -> dict[str, Any]:
    """Make the workflow ``desired`` names what ``desired`` says, as far as Argo honours it; the object after.

    NotFound when there is no such live workflow; ResourceError (nothing changed) when
    ``desired`` changes what Argosy cannot change on it."""
    store = controller.store
    if store is None:
        raise ResourceError("resource templates need Argosy's store (this Controller keeps none)")
    meta = desired.get("metadata") or {}
    namespace, name = str(meta.get("namespace") or "default"), str(meta.get("name") or "")
    # one change at a time per workflow, read after the last one was written: a change made
    # from an older read than that is refused (Conflict), as Kubernetes refuses it, and the
    # resource node reads again and re-applies its patch
    async with _lock(namespace, name):
        return await _update(controller, store, desired, namespace, name)


def _lock(namespace: str, name: str) -> asyncio.Lock:
    key = (namespace, name)
    lock = _LOCKS.get(key)
    if lock is None:
        lock = _LOCKS[key] = asyncio.Lock()
    return lock


#: the lock of each workflow being changed (dropped once no change holds or awaits it)
_LOCKS: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = weakref.WeakValueDictionary()


async def _update(controller: Controller, store: Any, desired: Mapping[str, Any], namespace: str,
                  name: str) -> dict[str, Any]:
    meta = desired.get("metadata") or {}
    record = store.find_workflow(namespace, name, with_nodes=False)
    if record is None:
        raise NotFound(name)
    read = meta.get("resourceVersion")
    if read not in (None, "") and str(read) != str(record.resource_version):
        raise Conflict(name)
    current = live_view(controller, record)
    labels = _text_map(meta, "labels", drop=_DERIVED)
    annotations = _text_map(meta, "annotations")
    cur_meta = current.get("metadata") or {}
    relabel = labels != _text_map(cur_meta, "labels", drop=_DERIVED)
    reannotate = annotations != _text_map(cur_meta, "annotations")
    spec_changes = _changed(_unset_false(current.get("spec")), _unset_false(desired.get("spec")))
    refused = [f"metadata.{k}" for k in _changed(cur_meta, meta) if k not in _IDENTITY | set(_CHANGEABLE_METADATA)]
    running_here = not record.finished and controller.running(record.uid)
    if record.finished or not running_here:
        refused += [f"spec.{k}" for k in spec_changes]
    else:
        refused += [f"spec.{k}" for k in spec_changes if k not in HONOURED_SPEC]
    if refused:
        raise ResourceError(_refusal(record, refused, running_here))
    spec = desired.get("spec") or {}
    actions = _control(spec, spec_changes) if spec_changes else []
    if relabel or reannotate:
        updated = await asyncio.to_thread(store.update_workflow_metadata, record.uid,
                                          labels if relabel else None, annotations if reannotate else None)
        if updated is None:
            raise NotFound(name)
        if running_here:
            # its later steps' ``workflow.labels.*`` are the new ones, as in Argo
            actions.insert(0, lambda c, uid: c.apply(uid, MetadataChanged(
                dict(updated.labels) if relabel else None, annotations if reannotate else None)))
    for act in actions:
        with contextlib.suppress(KeyError):  # it ended meanwhile (and its worker was dropped)
            act(controller, record.uid)
    after = await asyncio.to_thread(store.get_workflow, record.uid)
    if after is None:
        raise NotFound(name)
    obj = live_view(controller, after)
    if actions:
        # the worker takes the events in its next turn: show the spec they make
        obj["spec"] = dict(obj.get("spec") or {})
        for key in spec_changes:
            if spec.get(key):
                obj["spec"][key] = spec[key]
            else:
                obj["spec"].pop(key, None)
    return obj


def _control(spec: Mapping[str, Any], changed: list[str]) -> list[Any]:
    """The Controller calls that carry out changed ``spec.suspend``/``spec.shutdown``, checked first."""
    actions: list[Any] = []
    if "suspend" in changed:
        suspend = spec.get("suspend")
        if suspend not in (True, False, None):
            raise ResourceError(f"spec.suspend must be true or false, not {suspend!r}")
        if suspend:
            actions.append(lambda c, uid: c.suspend(uid))
        else:
            # Argo's controller only lifts the hold: suspend nodes wait for ``argo resume``
            actions.append(lambda c, uid: c.apply(uid, Resume(nodes=False)))
    if "shutdown" in changed:
        strategy = spec.get("shutdown")
        if strategy not in SHUTDOWN_STRATEGIES:
            raise ResourceError(f"spec.shutdown must be one of {', '.join(SHUTDOWN_STRATEGIES)}, not {strategy!r}: "
                                "a stop or terminate cannot be taken back")
        actions.append(lambda c, uid: c.stop(uid, str(strategy)))
    return actions


def _refusal(record: WorkflowRecord, fields: list[str], running_here: bool) -> str:
    what = f'Argosy cannot change {", ".join(sorted(fields))} of Workflow "{record.name}"'
    if record.finished:
        return (f"{what}: it has finished ({record.phase}), and of a finished workflow Argosy changes only "
                "metadata.labels and metadata.annotations")
    if not running_here:
        return (f"{what}: it is not running on this controller (another process runs it, or its recovery is "
                "pending); Argosy changes only its metadata.labels and metadata.annotations now")
    return (f"{what}: on a running workflow Argosy honours metadata.labels, metadata.annotations, spec.suspend "
            "(true: suspend, false: lift the suspension) and spec.shutdown (Stop, Terminate); stop, resubmit "
            "or delete it to change anything else")


def _changed(current: Any, desired: Any) -> list[str]:
    """The top-level keys whose values differ (added and removed ones included), in order."""
    cur = current if isinstance(current, Mapping) else {}
    want = desired if isinstance(desired, Mapping) else {}
    return [k for k in dict.fromkeys([*cur, *want]) if cur.get(k) != want.get(k)]


def _unset_false(spec: Any) -> Any:
    """``spec`` with ``suspend: false`` left out: Kubernetes reads it as unset, so must a comparison."""
    if isinstance(spec, Mapping) and spec.get("suspend") is False:
        return {k: v for k, v in spec.items() if k != "suspend"}
    return spec


def _text_map(meta: Mapping[str, Any], key: str, *, drop: frozenset[str] = frozenset()) -> dict[str, str]:
    value = meta.get(key) or {}
    if not isinstance(value, Mapping):
        raise ResourceError(f"metadata.{key} must be a map of names to values, not {type(value).__name__}")
    return {str(k): str(v) for k, v in value.items() if str(k) not in drop and v is not None}
