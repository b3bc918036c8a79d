"""The garbage collector: what happens to a workflow after it ended (Argo's TTL, pod GC,
volume claim GC, artifact GC, archiving and archive retention) and when it is deleted.

One :class:`GarbageCollector` per Controller (``controller.gc``):

- :meth:`~GarbageCollector.on_finished` is one of the Controller's ``finished_hooks``, so it
  runs in every mode (``argosy run`` too): the runtime deletes the pods and claims the
  workflow's ``podGC``/``volumeClaimGC`` collect at its end (:mod:`.podgc`), the workflow is
  copied into the archive when the archive is on, ``OnWorkflowCompletion`` artifacts are
  deleted, and its TTL deletion is scheduled.
- :meth:`~GarbageCollector.run` (the server starts it, right after recovery) deletes
  workflows whose TTL ran out and archived workflows older than ``archiveTTL``. Due times
  come from the store (``finishedAt`` and the ``ttlStrategy``; :mod:`.ttl`): the queue in
  memory is rebuilt from it at start, so a restart loses no deletion, and each one is
  checked against the store again when it comes due. Time is the Controller's clock (a fake
  one in tests: :meth:`~GarbageCollector.collect_due` does one pass at its ``now``).
- :func:`delete_workflow` is the one deletion path (the API's DELETE and the TTL both use
  it): stop it if it runs, ``OnWorkflowDeletion`` artifacts (and completion's, if not done),
  archive (when on), delete from the store, the runtime's kept pods/claims/network, then
  ``deleted_hooks`` (children with an ownerReference to it are deleted there).

An artifact that cannot be deleted keeps its workflow (Argo's finalizer) with an
``ArtifactGCError`` condition, unless ``artifactGC.forceFinalizerRemoval`` is set; the TTL
tries again later.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import inspect
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from argosy.artifacts.gc import ON_COMPLETION, collect_garbage, has_artifact_gc, strategies_due
from argosy.controller.podgc import PodGC
from argosy.controller.ttl import FINISHED, RetentionConfig, archive_expired, expires_at
from argosy.errors import ArgosyError
from argosy.runtime.choice import runtime_of
from argosy.store.api import WorkflowRecord

if TYPE_CHECKING:
    from argosy.controller.controller import Controller
    from argosy.engine.reconciler import Reconciler

#: how often archived workflows are checked against ``archiveTTL`` (Argo: once a day; a
#: shorter beat keeps a small TTL meaningful and costs one indexed delete)
ARCHIVE_SWEEP_SECONDS = 60.0
#: how long a TTL deletion that could not finish (an artifact not deleted) waits to try again
RETRY_SECONDS = 60.0
#: the longest the loop sleeps without looking (a clock that jumped, a missed wake-up)
MAX_SLEEP_SECONDS = 30.0


class GarbageCollector:
    """TTL, pod/claim/artifact GC, archiving and archive retention of one Controller."""

    def __init__(self, controller: Controller, config: RetentionConfig | None = None) -> None:
        self.controller = controller
        self.config = config or RetentionConfig()
        #: (due time, uid) of finished workflows with a TTL; a cache of what the store implies
        self._due: list[tuple[float, str]] = []
        self._next_archive_sweep: float | None = None
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[None]] = set()
        #: called with each deleted workflow's record, awaited if it returns an awaitable
        #: (the ownerReference cascade deletes children here, through :func:`delete_workflow`)
        self.deleted_hooks: list[Callable[[WorkflowRecord], Any]] = []
        #: problems the collector met (an artifact it could not delete, a store error), newest last
        self.problems: list[str] = []

    # ---- per workflow: rules the runtime applies ----------------------------------------

    def policy(self, workflow: Mapping[str, Any]) -> PodGC:
        """The workflow's pod and claim collection rules (the runtime asks them at each pod's end)."""
        return PodGC.of(workflow, self.config.default_pod_gc)

    # ---- a workflow ended ---------------------------------------------------------------

    def on_finished(self, engine: Reconciler) -> None:
        """Finished hook: schedule what the workflow's end sets off (nothing when it sets off nothing)."""
        workflow = engine.workflow
        store = self.controller.store
        pods = self._pods_runtime()
        policy = self.policy(workflow)
        phase = engine.phase
        work: list[Any] = []
        if pods is not None and hasattr(pods, "collect_pods") and policy.at_workflow_end(phase):
            select = policy.selects if policy.selective else None
            work.append(lambda: pods.collect_pods(engine.uid, select))
        if pods is not None and hasattr(pods, "collect_claims") and policy.claims_at_workflow_end(phase):
            work.append(lambda: pods.collect_claims(engine.uid))
        archive = self.config.archive and store is not None
        artifacts = has_artifact_gc(workflow)
        if not (work or archive or artifacts):
            self._schedule_ttl(engine.uid, workflow, phase, engine.finished_at)
            return
        self._spawn(self._completed(engine, work, archive, artifacts))

    async def _completed(self, engine: Reconciler, work: list[Any], archive: bool, artifacts: bool) -> None:
        for step in work:
            try:
                await step()
            except ArgosyError as err:
                self._problem(f"workflow {engine.name}: pod GC: {err}")
        store = self.controller.store
        if artifacts:
            await self._collect_artifacts(engine.uid, engine.to_dict(), [ON_COMPLETION])
        if archive and store is not None:
            try:
                await asyncio.to_thread(store.archive_workflow, engine.uid)
            except ArgosyError as err:
                self._problem(f"workflow {engine.name}: archive: {err}")
        self._schedule_ttl(engine.uid, engine.workflow, engine.phase, engine.finished_at)

    # ---- artifacts ----------------------------------------------------------------------

    async def _collect_artifacts(self, uid: str, fallback: dict[str, Any], strategies: list[str]) -> bool:
        """Run artifact GC for ``strategies`` on the stored workflow (``fallback`` without a store)
        and save what it changed; whether every artifact it should delete is gone."""
        store = self.controller.store
        workflow = fallback
        if store is not None:
            await asyncio.to_thread(store.flush)
            record = await asyncio.to_thread(store.get_workflow, uid, with_nodes=True)
            if record is None:
                return True
            workflow = record.to_workflow()
        return await asyncio.to_thread(self._collect_now, workflow, strategies)

    def _collect_now(self, workflow: dict[str, Any], strategies: list[str]) -> bool:
        from argosy.artifacts.drivers import default_drivers
        from argosy.artifacts.repository import LocalRepository
        from argosy.runtime.base import RunContext

        meta = workflow.get("metadata") or {}
        context = RunContext(self.controller.data_dir, self.controller.object_source,
                             namespace=str(meta.get("namespace") or "default"))
        drivers = default_drivers(LocalRepository(context.artifact_dir), context.secrets)  # type: ignore[arg-type]
        ok = True
        before = {nid: repr(n.get("outputs")) for nid, n in ((workflow.get("status") or {}).get("nodes") or {}).items()}
        for strategy in strategies:
            report = collect_garbage(workflow, strategy, drivers)
            for item, why in report.failed:
                ok = False
                self._problem(f"workflow {meta.get('name')}: artifact {item.name} of node {item.node_id}: {why}")
        store = self.controller.store
        if store is not None and meta.get("uid"):
            status = workflow.get("status") or {}
            nodes = status.get("nodes") or {}
            changed = [(nid, node) for nid, node in nodes.items() if repr(node.get("outputs")) != before.get(nid)]
            summary = {k: v for k, v in status.items() if k != "nodes"}
            store.save_progress(str(meta["uid"]), summary, changed, None)
            store.flush()
        return ok

    # ---- TTL ----------------------------------------------------------------------------

    def _schedule_ttl(self, uid: str, workflow: Mapping[str, Any], phase: str, finished_at: float | None) -> None:
        if self.controller.store is None:
            return
        due = expires_at(workflow, phase, finished_at, self.config.default_ttl)
        if due is not None:
            heapq.heappush(self._due, (due, uid))
            if self._wake is not None:
                self._wake.set()

    def load(self) -> int:
        """Rebuild the TTL queue from the store's finished workflows; how many have a TTL."""
        store = self.controller.store
        self._due.clear()
        if store is None:
            return 0
        page = store.list_workflows(None, phases=sorted(FINISHED))
        for record in page.items:
            due = expires_at(record.to_workflow(), record.phase, record.finished_at, self.config.default_ttl)
            if due is not None:
                self._due.append((due, record.uid))
        heapq.heapify(self._due)
        return len(self._due)

    def next_due(self) -> float | None:
        """The earliest moment something is due (a TTL, the next archive sweep)."""
        times = [t for t in (self._due[0][0] if self._due else None, self._next_archive_sweep) if t is not None]
        return min(times) if times else None

    async def collect_due(self) -> list[str]:
        """One pass at the clock's ``now``: delete the workflows whose TTL ran out (as the
        store has them now) and sweep the archive when due; the uids deleted."""
        now = self.controller.clock.now()
        store = self.controller.store
        deleted: list[str] = []
        while store is not None and self._due and self._due[0][0] <= now:
            _, uid = heapq.heappop(self._due)
            record = await asyncio.to_thread(store.get_workflow, uid, with_nodes=False)
            if record is None or not record.finished:
                continue  # deleted already, or running again (retried)
            due = expires_at(record.to_workflow(), record.phase, record.finished_at, self.config.default_ttl)
            if due is None:
                continue
            if due > now:
                heapq.heappush(self._due, (due, uid))
                continue
            if await delete_workflow(self.controller, uid):
                deleted.append(uid)
            else:
                heapq.heappush(self._due, (now + RETRY_SECONDS, uid))
        sweep = self._next_archive_sweep
        if self.config.archive_ttl is not None and store is not None and (sweep is None or sweep <= now):
            await asyncio.to_thread(self.sweep_archive, now)
            self._next_archive_sweep = now + min(ARCHIVE_SWEEP_SECONDS, self.config.archive_ttl)
        return deleted

    def sweep_archive(self, now: float) -> int:
        """Delete archived workflows older than ``archiveTTL``; how many."""
        store = self.controller.store
        ttl = self.config.archive_ttl
        if store is None or ttl is None:
            return 0
        count = 0
        token: str | None = None
        while True:
            page = store.list_archived_workflows(None, limit=500, continue_token=token)
            for record in page.items:
                if archive_expired(record.archived_at, record.finished_at, record.created_at, ttl, now):
                    count += bool(store.delete_archived_workflow(record.uid))
            token = page.continue_token
            if not token:
                return count

    # ---- the service ----------------------------------------------------------------------

    async def start(self) -> None:
        """Load the queue from the store and run :meth:`run` until :meth:`close`."""
        await asyncio.to_thread(self.load)
        self._task = asyncio.get_running_loop().create_task(self.run())

    async def run(self) -> None:
        """Delete what comes due, for ever (sleeping on the clock until the next due time)."""
        self._wake = asyncio.Event()
        clock = self.controller.clock
        while True:
            try:
                await self.collect_due()
            except Exception as err:  # noqa: BLE001 - the collector must outlive one bad workflow
                self._problem(f"garbage collection: {type(err).__name__}: {err}")
            nxt = self.next_due()
            delay = MAX_SLEEP_SECONDS if nxt is None else min(max(nxt - clock.now(), 0.0), MAX_SLEEP_SECONDS)
            busy = self._pending or any(self.controller.running(uid) for uid in self.controller.workers)
            if nxt is not None and delay > 0 and not busy and clock.idle_advance(nxt):
                continue  # a fake clock jumps when nothing else runs
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=max(delay, 0.01))

    async def drain(self) -> None:
        """Wait for what finished workflows set off (pod GC, archiving, artifact GC)."""
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)

    async def close(self) -> None:
        """Finish what is under way and stop the loop."""
        await self.drain()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    # ---- plumbing -------------------------------------------------------------------------

    def _pods_runtime(self) -> Any:
        """The runtime that runs pods (under the task wrapper and the per-kind router)."""
        rt: Any = self.controller.runtime
        rt = getattr(rt, "runtime", rt)
        return getattr(rt, "process", rt)

    def _spawn(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def _problem(self, text: str) -> None:
        self.problems = [*self.problems[-99:], text]
        print(f"argosy: {text}", file=sys.stderr, flush=True)


async def delete_workflow(controller: Controller, uid: str) -> bool:
    """Delete a live workflow as Argo does (see the module docstring); False when it stays
    (an artifact it must delete first could not be, and its GC is not forced) or is gone."""
    store = controller.store
    if store is None:
        return False
    gc: GarbageCollector = controller.gc
    if controller.running(uid):
        controller.terminate(uid)  # what it runs ends with it, as Argo deletes its pods
        await controller.wait(uid)
        await gc.drain()
    await asyncio.to_thread(store.flush)
    record = await asyncio.to_thread(store.get_workflow, uid, with_nodes=False)
    if record is None:
        return False
    workflow = record.to_workflow()
    if has_artifact_gc(workflow):
        full = await asyncio.to_thread(store.get_workflow, uid, with_nodes=True)
        due = strategies_due(full.to_workflow() if full else workflow, deleting=True)
        if due and not await gc._collect_artifacts(uid, workflow, due) and not _force(workflow):
            return False
    if gc.config.archive and record.finished:
        await asyncio.to_thread(store.archive_workflow, uid)
    if not await asyncio.to_thread(store.delete_workflow, uid):
        return False
    pods = gc._pods_runtime()
    ensure = getattr(pods, "ensure", None)
    if ensure is not None:
        ensure(runtime_of(workflow))
    remove = getattr(pods, "delete_workflow", None)
    if remove is not None:
        try:
            await remove(uid)
        except ArgosyError as err:
            gc._problem(f"workflow {record.name}: removing its pods: {err}")
    for hook in gc.deleted_hooks:
        done = hook(record)
        if inspect.isawaitable(done):
            await done
    return True


def _force(workflow: Mapping[str, Any]) -> bool:
    return bool(((workflow.get("spec") or {}).get("artifactGC") or {}).get("forceFinalizerRemoval"))


def workflow_pod_spec_patch(engine: Reconciler) -> Callable[[], str] | None:
    """The workflow's ``spec.podSpecPatch``, read with its global variables (``workflow.parameters.*``,
    ``workflow.name``…) substituted when a pod starts (the engine fills them when it starts), for
    the runtime to apply before each template's own; None when it has none."""
    patch = (engine.workflow.get("spec") or {}).get("podSpecPatch")
    if not patch:
        return None
    from argosy.expr.template import substitute

    def substituted() -> str:
        try:
            return substitute(str(patch), engine.global_scope)
        except ArgosyError:
            return str(patch)

    return substituted
