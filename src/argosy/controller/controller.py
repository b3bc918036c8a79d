"""The Controller: the composition root every way of running a workflow goes through.

``argosy run``, the tests, the conformance corpus, the benchmarks (and the server, later) all
build one Controller and ``submit`` workflows to it. It owns:

- submission: Argo's rules (:mod:`argosy.controller.submit`), then the store's record of the
  workflow, claimed by this process (a duplicate name is refused there, with Argo's message);
- one :class:`~argosy.controller.worker.Worker` per workflow uid, reached only through
  :meth:`Controller.apply` (and its shorthands ``stop``, ``terminate``, ``resume``);
- the owner lease: every workflow it runs is claimed in the store under this process's owner
  id, and a heartbeat extends the leases while it runs;
- :meth:`Controller.recover`: workflows whose owner died (kill -9, a crash, a full disk) are
  claimed and either continued (when the engine can restore itself) or ended
  (:mod:`argosy.controller.recovery`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from argosy.artifacts.locations import WorkflowRepository
from argosy.controller.clock import Clock, RealClock
from argosy.controller.events import Resume, Stop, Suspend, WorkflowEvent
from argosy.controller.gc import GarbageCollector, workflow_pod_spec_patch
from argosy.controller.memoize import LocalMemoCache, MemoLookup, MemoStore, StoreMemoCache
from argosy.controller.queue import CONTROLLER_CONFIGMAP, Admission, configured_parallelism
from argosy.controller.resources import StoreResources
from argosy.controller.submit import prepare_workflow
from argosy.controller.synchronization import Limits, NodeLocks, SyncManager
from argosy.controller.worker import Listener, Worker
from argosy.engine.intents import Intent
from argosy.engine.reconciler import Reconciler
from argosy.errors import AlreadyExists, ArgosyError, StoreError
from argosy.runtime.api import PodRuntime, as_pod_runtime
from argosy.runtime.base import RunContext
from argosy.runtime.choice import runtime_of
from argosy.runtime.objects import ManifestObjects, ObjectSource
from argosy.spec import ObjectSet, TemplateResolver
from argosy.store.api import Store, WorkflowRecord

#: how a worker begins: the engine's ``start`` (a new workflow) or ``recover`` (a restored one)
Begin = Callable[[float], list[Intent]]

#: how long a claim on a workflow lasts without a heartbeat (seconds); another process may
#: take over a workflow whose lease ran out (on this host it need not wait: a dead owner's
#: process id is checked at once)
LEASE_SECONDS = 30.0


def default_runtime(kind: str = "process") -> Any:
    """What nodes run on: ``process`` (host sandboxes) or ``docker`` (containers on the local
    Docker Engine) for pods, plus HTTP, data and resource templates."""
    from argosy.runtime import DataRuntime, HttpRuntime, NodeRuntime
    from argosy.runtime.choice import RuntimeChoice
    from argosy.runtime.resource import ResourceRuntime

    # ``kind`` is the default; a workflow may ask for the other (argosy.runtime.choice)
    runtime = NodeRuntime(RuntimeChoice(kind), HttpRuntime(), DataRuntime(), ResourceRuntime())
    runtime.check()
    return runtime


#: the store's file in a data directory
STORE_FILE = "argosy.db"


def data_store(data_dir: Path) -> Store:
    """The store of a data directory (an ``argosy.store.api.Store``); the caller closes it."""
    from argosy.store import open_store

    return open_store(data_dir / STORE_FILE)


def this_owner() -> str:
    """This process's owner id, as the store judges whether an owner is still alive."""
    from argosy.store.owner import owner_id

    return owner_id()


class Controller:
    """Runs workflows: submit, apply events, wait, recover (see module docstring).

    ``runtime`` is a :class:`~argosy.runtime.api.PodRuntime` or a runtime of the simple
    ``run()`` shape (wrapped); None builds :func:`default_runtime`. ``store`` None keeps
    nothing (tests). ``objects`` are the templates, ConfigMaps and Secrets submissions may
    refer to.
    """

    def __init__(
        self,
        *,
        data_dir: Path,
        store: Store | None = None,
        runtime: Any = None,
        objects: ObjectSet | None = None,
        object_source: ObjectSource | None = None,
        clock: Clock | None = None,
        on_change: Listener | None = None,
        owner: str | None = None,
        lease_seconds: float = LEASE_SECONDS,
        runtime_kind: str = "process",
        objects_for: Callable[[str], ObjectSet] | None = None,
        memo: MemoStore | None = None,
        parallelism: int = 0,
        namespace_parallelism: int = 0,
        keep_finished: bool = True,
    ) -> None:
        self.data_dir = data_dir
        self.store = store
        self.clock = clock or RealClock()
        #: a runtime built here is closed here
        self._owns_runtime = runtime is None
        self.runtime: PodRuntime = as_pod_runtime(runtime if runtime is not None else default_runtime(runtime_kind),
                                                  self.clock.now)
        self.objects = objects or ObjectSet()
        #: the objects of one namespace (a server's come from its store); None: ``objects``
        self.objects_for = objects_for
        self.object_source: ObjectSource = object_source or ManifestObjects(self.objects)
        self.on_change = on_change
        self.owner = owner or (this_owner() if store is not None else "")
        self.lease_seconds = lease_seconds
        self.workers: dict[str, Worker] = {}
        self._runs: dict[str, asyncio.Task[Reconciler]] = {}
        self._heartbeat: asyncio.Task[None] | None = None
        #: store failures outside any one workflow's writes (the final flush)
        self._store_errors: list[StoreError] = []
        #: called with each workflow's engine once it ended and its status is durable (cron
        #: history, TTL, synchronization, metrics, a parent's resource node subscribe here)
        self.finished_hooks: list[Callable[[Reconciler], None]] = []
        #: TTL, pod/claim/artifact GC, archiving (controller.gc); its hook runs in every mode
        self.gc = GarbageCollector(self)
        self.finished_hooks.append(self.gc.on_finished)
        #: called like ``on_change`` (engine, changed nodes) at each persist of every worker;
        #: many may listen (metrics), unlike ``on_change`` (the CLI's one display)
        self.node_listeners: list[Listener] = []
        #: makes each worker's event queue (None: a plain asyncio.Queue; metrics observe it)
        self.event_queue: Callable[[], asyncio.Queue[Any]] | None = None
        #: told how long each worker's reconciliation took (metrics' operation_duration_seconds)
        self.on_operation: Callable[[float], None] | None = None
        #: memoization caches (``memoize``): the store's, or kept in memory without one
        self.memo: MemoStore = memo if memo is not None else (
            StoreMemoCache(store) if store is not None else LocalMemoCache())
        #: what engines look memoized templates up in: the entries, and cache ConfigMaps
        self.memo_lookup = MemoLookup(self.memo, self.objects_in)
        #: what resource templates act on: the store's objects, children submitted here
        self.resources = StoreResources(self) if store is not None else None
        #: semaphores and mutexes (argosy.controller.synchronization), and the controller-wide
        #: queue (Argo's ``parallelism``/``namespaceParallelism``) workflows pass before starting
        self.sync = SyncManager(Limits(self._configmap_data, store))
        if not parallelism and not namespace_parallelism:
            # Argo's controller configuration, when one is loaded (the flags win over it)
            with contextlib.suppress(ArgosyError):
                parallelism, namespace_parallelism = configured_parallelism(
                    self.object_source.configmap("default", CONTROLLER_CONFIGMAP))
        self.admission = Admission(self.sync, parallelism=parallelism,
                                   namespace_parallelism=namespace_parallelism, store=store)
        #: False (a long-running server): a workflow's worker is dropped once it ended and
        #: its status is durable; ``wait`` then answers from the store
        self.keep_finished = keep_finished

    # ---- submission ------------------------------------------------------------------

    def submit(self, body: Mapping[str, Any], *, parameters: Mapping[str, str] | None = None,
               entrypoint: str | None = None) -> str:
        """Submit a Workflow manifest as ``argo submit`` would and start running it; its uid.

        Raises SpecError for a submission Argo refuses, AlreadyExists for a name in use,
        StoreError when it cannot be recorded. Call from inside the event loop.
        """
        namespace = (body.get("metadata") or {}).get("namespace") or "default"
        return self.start(prepare_workflow(body, self.objects_in(namespace), parameters, entrypoint))

    def objects_in(self, namespace: str) -> ObjectSet:
        """The templates, ConfigMaps and Secrets a workflow in ``namespace`` may refer to."""
        return self.objects if self.objects_for is None else self.objects_for(namespace)

    def start(self, workflow: dict[str, Any]) -> str:
        """Record and start a workflow already prepared by :func:`prepare_workflow`; its uid."""
        engine = self.build_engine(workflow)
        if self.store is not None:
            manifest = {k: v for k, v in workflow.items() if k != "status"}
            self.store.create_workflow(manifest, engine.status(with_nodes=False), owner=self.owner,
                                       lease_seconds=self.lease_seconds)
        self._launch(engine, engine.start)
        return engine.uid

    async def start_async(self, workflow: dict[str, Any]) -> WorkflowRecord | None:
        """:meth:`start` for a caller on the loop that must not block it (the server): the
        store's write is awaited without a thread, so concurrent submissions share commits.
        The workflow as the store recorded it (resource version included); None without a store."""
        engine = self.build_engine(workflow)
        record = None
        if self.store is not None:
            manifest = {k: v for k, v in workflow.items() if k != "status"}
            record = await asyncio.wrap_future(self.store.create_workflow_later(
                manifest, engine.status(with_nodes=False), owner=self.owner, lease_seconds=self.lease_seconds))
        self._launch(engine, engine.start)
        return record

    async def run(self, workflows: list[dict[str, Any]]) -> list[Reconciler]:
        """Start every prepared workflow, then wait for all, in order.

        Names are checked first, so that a name in use (in the store, or twice in
        ``workflows``) starts none of them; if one still cannot start (the store), the ones
        already started are terminated before the error is raised."""
        self.check_names(workflows)
        uids: list[str] = []
        try:
            for wf in workflows:
                uids.append(self.start(wf))
        except ArgosyError:
            for uid in uids:
                self.terminate(uid)
            await asyncio.gather(*(self.wait(uid) for uid in uids))
            raise
        return [await self.wait(uid) for uid in uids]

    def check_names(self, workflows: list[dict[str, Any]]) -> None:
        """AlreadyExists (Argo's message) for a name taken in the store or repeated here."""
        seen: set[tuple[str, str]] = set()
        for wf in workflows:
            meta = wf.get("metadata") or {}
            key = (meta.get("namespace") or "default", str(meta.get("name")))
            if key in seen or (self.store is not None and self.store.find_workflow(*key, with_nodes=False)):
                raise AlreadyExists(key[1])
            seen.add(key)

    def build_engine(self, workflow: dict[str, Any]) -> Reconciler:
        """The engine of one workflow, with this controller's templates and ConfigMaps."""
        namespace = (workflow.get("metadata") or {}).get("namespace") or "default"
        return Reconciler(workflow, TemplateResolver(workflow, self.objects_in(namespace)),
                          configmap=self.configmap_lookup(namespace), memo=self.memo_lookup)

    def configmap_lookup(self, namespace: str) -> Any:
        source = self.object_source

        def configmap(name: str, key: str) -> str | None:
            try:
                data = source.configmap(namespace, name)
            except ArgosyError:
                return None
            return None if data is None else data.get(key)

        return configmap

    def _configmap_data(self, namespace: str, name: str) -> dict[str, str] | None:
        return self.object_source.configmap(namespace, name)

    def _launch(self, engine: Reconciler, begin: Begin, *,
                recovered: Mapping[str, Any] | None = None) -> Worker:
        context = RunContext(self.data_dir, self.object_source, namespace=engine.namespace,
                             workflow_uid=engine.uid)
        context.artifact_repositories[engine.uid] = WorkflowRepository.of(engine.workflow, engine.global_scope)
        context.pod_gc = self.gc.policy(engine.workflow)
        context.pod_spec_patch = workflow_pod_spec_patch(engine)
        context.runtime_name = runtime_of(engine.workflow)
        context.resources = self.resources
        worker = Worker(engine, self.runtime, context, clock=self.clock, store=self.store,
                        on_change=self.on_change, listeners=self.node_listeners, memo=self.memo)
        if self.event_queue is not None:
            worker.events = self.event_queue()
        worker.on_operation = self.on_operation
        worker.node_locks = NodeLocks(self.sync, engine, worker.events.put_nowait, self.clock.now)
        self.workers[engine.uid] = worker
        # the controller's parallelism and the workflow's locks (argosy.controller.queue)
        waiting = self.admission.begin(worker, begin, recovered)
        self._runs[engine.uid] = asyncio.get_running_loop().create_task(self._run(worker, begin, waiting))
        if self.store is not None and self._heartbeat is None:
            self._heartbeat = asyncio.get_running_loop().create_task(self._beat())
        return worker

    async def _run(self, worker: Worker, begin: Begin, waiting: Any = None) -> Reconciler:
        if waiting is not None:
            begin = await waiting
        try:
            engine = await worker.run(begin)
        finally:
            # its place and locks go to the next in line as soon as it ended
            self.admission.leave(worker.engine)
        finish = getattr(self.runtime, "finish_workflow", None)
        if finish is not None:
            await finish(engine.uid)
        if self.store is not None:
            try:
                self.store.release(engine.uid)
            except StoreError as err:
                worker.store_error = worker.store_error or err
        for hook in self.finished_hooks:
            hook(engine)
        if not self.keep_finished:
            self._forget(engine.uid, worker)
        return engine

    def _forget(self, uid: str, worker: Worker) -> None:
        """Drop an ended workflow's worker and engine (its store failure is kept for the end)."""
        if worker.store_error is not None:
            self._store_errors.append(worker.store_error)
        if self.workers.get(uid) is worker:
            del self.workers[uid]
            self._runs.pop(uid, None)

    async def _beat(self) -> None:
        """Extend this process's leases while any workflow runs (a third of a lease apart)."""
        store = self.store
        while store is not None and any(not t.done() for t in self._runs.values()):
            with contextlib.suppress(StoreError):
                store.heartbeat(self.owner, self.lease_seconds)
            await asyncio.sleep(self.lease_seconds / 3)
        self._heartbeat = None

    # ---- events in -------------------------------------------------------------------

    def apply(self, uid: str, event: WorkflowEvent) -> None:
        """Deliver an event to the workflow's worker (KeyError: no such running workflow)."""
        if isinstance(event, Stop):
            self.admission.stop(uid, event.strategy)  # a waiting workflow is let go at once
        self.workers[uid].apply(event)

    def stop(self, uid: str, strategy: str = "Stop") -> None:
        """``argo stop``: running nodes are stopped, exit handlers run."""
        self.apply(uid, Stop(strategy))

    def terminate(self, uid: str) -> None:
        """``argo terminate``: everything stops, exit handlers too."""
        self.apply(uid, Stop("Terminate"))

    def resume(self, uid: str, node_field_selector: str | None = None) -> None:
        """``argo resume``: suspended nodes (those matching the selector) go on."""
        self.apply(uid, Resume(node_field_selector))

    def suspend(self, uid: str) -> None:
        """``argo suspend``: no new pod starts until ``resume`` (running pods go on)."""
        self.apply(uid, Suspend())

    def queued(self, uid: str) -> bool:
        """Whether ``uid`` waits to start (the controller's parallelism, or its locks): it reads
        Pending with a message saying why."""
        return self.admission.waiting(uid)

    def waiting_status(self, uid: str) -> dict[str, Any] | None:
        """The status summary of a workflow that waits to start (phase, message, locks)."""
        worker = self.workers.get(uid)
        return worker.summary() if worker is not None and self.queued(uid) else None

    def running(self, uid: str) -> bool:
        """Whether this controller is running the workflow ``uid`` now."""
        run = self._runs.get(uid)
        return run is not None and not run.done()

    def stop_all(self, strategy: str = "Stop") -> None:
        """Stop (or terminate) every workflow still running here."""
        for uid, run in self._runs.items():
            if not run.done():
                self.apply(uid, Stop(strategy))

    # ---- results ---------------------------------------------------------------------

    async def wait(self, uid: str) -> Reconciler:
        """The workflow's engine once it is done (its status is then durable in the store);
        for one already dropped (``keep_finished=False``), rebuilt from the store."""
        run = self._runs.get(uid)
        if run is not None:
            return await run
        record = self.store.get_workflow(uid) if self.store is not None else None
        if record is None or not record.finished:
            raise KeyError(uid)
        wf = record.to_workflow()
        return Reconciler.restore(wf, TemplateResolver(wf, self.objects_in(record.namespace)),
                                  configmap=self.configmap_lookup(record.namespace),
                                  record=record.engine_record)

    async def wait_all(self) -> list[Reconciler]:
        """Every workflow started here, once all are done, in start order."""
        return list(await asyncio.gather(*self._runs.values()))

    def store_errors(self) -> list[StoreError]:
        """Store failures that lasted to the end (some final status may not be saved), each once."""
        errors = [w.store_error for w in self.workers.values() if w.store_error is not None]
        unique: dict[str, StoreError] = {}
        for err in [*errors, *self._store_errors]:
            unique.setdefault(str(err), err)
        return list(unique.values())

    # ---- recovery --------------------------------------------------------------------

    async def recover(self) -> list[Any]:
        """Claim every orphaned workflow in the store and continue or end it (see recovery)."""
        from argosy.controller.recovery import recover

        return await recover(self)

    def resume_recovered(self, engine: Reconciler, begin: Begin, *,
                         recovered: Mapping[str, Any] | None = None) -> Worker:
        """Run a restored engine from ``begin`` (its ``recover``): used by recovery (with the
        persisted status as ``recovered``: what ran then holds its locks) and by retry."""
        return self._launch(engine, begin, recovered=recovered)

    async def close(self) -> None:
        """Stop the workflows' workers, the heartbeat; flush the store (the caller closes it);
        close a runtime built here. A workflow still running stays as the store has it, Running
        under this controller's lease: the next controller recovers it, as after a crash."""
        running = [task for task in self._runs.values() if not task.done()]
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        self.admission.close()
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._heartbeat
            self._heartbeat = None
        await self.gc.close()
        if self.store is not None:
            try:
                self.memo.flush()  # the last-hit times it gathered
                self.store.flush()
            except StoreError as err:
                self._store_errors.append(err)
        if self.resources is not None:
            self.resources.close()
        close = getattr(self.runtime, "close", None)
        if self._owns_runtime and close is not None:
            await close()
