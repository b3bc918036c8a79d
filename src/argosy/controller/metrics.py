"""Prometheus metrics: Argo's controller metrics and the workflows' custom metrics.

Names, types, help texts and labels are Argo 3.6's (v3.6.19, ``workflow/metrics``), exposed
as its Prometheus exporter does: prefixed ``argo_workflows_``, counters without a ``_total``
suffix. What Argosy measures, and from where:

- ``gauge{status}``: workflows in the store by phase (all five phases, zeros included), and
  ``total_count{phase,namespace}``: workflows entering each phase, counted as this
  controller's workers report it (``New`` on submission);
- ``pods_gauge{phase}`` / ``pods_total_count{phase,namespace}``: the pods (Pod nodes) of the
  workflows running here, by Kubernetes phase (an Error node's pod is ``Failed``);
- ``workflowtemplate_triggered_total{name,namespace,cluster_scope,phase}``: workflows made from
  a ``workflowTemplateRef``, as they enter each phase, and ``workflowtemplate_runtime`` (histogram,
  OpenTelemetry's default buckets) their durations;
- ``cronworkflows_triggered_total{name,namespace}`` (:func:`cron_triggered`, for the cron
  scheduler) and ``error_count{cause}`` (:func:`error`; the three causes start at 0);
- ``operation_duration_seconds`` (histogram, Argo's default buckets 5..30 s): each reconciliation
  of a workflow by its worker (an event handled by the engine and its intents dispatched);
- ``queue_depth_gauge``/``queue_adds_count``/``queue_latency`` with ``queue_name="workflow_queue"``:
  the workers' event queues (stop, resume, timers: what Argo's workflow queue carries),
  ``workers_busy_count{worker_type="workflow"}``: workflows being run; ``is_leader`` is 1;
- ``workflow_condition{type="PodRunning",status}``: workflows with a running pod (``True``) and
  the others (``False``); ``version{...}`` 1, with Argosy's version.

Custom metrics (:mod:`argosy.controller.custom_metrics`) live in the same registry, each series
keyed by name and labels: a counter adds, a gauge sets (or ``operation: Add``/``Sub``), a
histogram observes into the buckets it was first created with; a realtime gauge is read at
scrape time. ``metricsTTL`` (seconds, 0 = never) drops series not updated for that long, as
Argo's GC does (never histograms, nor a realtime series still running).

Everything is in memory and kept current as workflows progress, so a scrape costs the number
of series, not the number of workflows. :meth:`Metrics.attach` wires one registry to a
Controller; the server does it for :data:`REGISTRY`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from prometheus_client.metrics_core import Metric

from argosy.controller.custom_metrics import (
    INVALID_NAME,
    Emission,
    RealtimeValue,
    emissions,
    is_realtime,
    node_scope,
    valid_name,
    workflow_scope,
)
from argosy.controller.metrics_text import (
    PREFIX,
    CustomFamily,
    Histogram,
    Series,
    custom_family,
    custom_text,
    family,
    histogram_family,
    render,
)
from argosy.errors import MetricError, StoreError
from argosy.spec import CLUSTER_WORKFLOW_TEMPLATE, WORKFLOW_SCOPE, WORKFLOW_TEMPLATE, TemplateScope

if TYPE_CHECKING:
    from argosy.controller.controller import Controller
    from argosy.engine.reconciler import Reconciler
    from argosy.store.api import Change

log = logging.getLogger("argosy.metrics")

WORKFLOW_PHASES = ("Pending", "Running", "Succeeded", "Failed", "Error")
ERROR_CAUSES = ("OperationPanic", "CronWorkflowSubmissionError", "CronWorkflowSpecError")
WORKFLOW_QUEUE = "workflow_queue"
QUEUE_LATENCY_BUCKETS = (1.0, 5.0, 20.0, 60.0, 180.0)
#: Argo's defaults: MAX_OPERATION_TIME 30 s in OPERATION_DURATION_METRIC_BUCKET_COUNT 6 linear buckets
OPERATION_BUCKETS = (5.0, 10.0, 15.0, 20.0, 25.0, 30.0)
#: OpenTelemetry's default histogram boundaries (Argo sets none for workflowtemplate_runtime)
OTEL_BUCKETS = (0.0, 5.0, 10.0, 25.0, 50.0, 75.0, 100.0, 250.0, 500.0, 750.0, 1000.0, 2500.0, 5000.0, 7500.0,
                10000.0)
#: a node phase as the phase of its pod (Kubernetes has no Error pod phase)
_POD_PHASE = {"Pending": "Pending", "Running": "Running", "Succeeded": "Succeeded", "Failed": "Failed",
              "Error": "Failed"}
_TEMPLATE_LABELS = ("workflows.argoproj.io/workflow-template", "workflows.argoproj.io/cluster-workflow-template")
#: the condition Argo adds to a workflow whose metrics could not be emitted
METRICS_ERROR = "MetricsError"


@dataclass(slots=True)
class _Run:
    """What the registry remembers of a workflow while this controller runs it."""

    namespace: str
    template: tuple[str, bool] | None
    seen: set[str] = field(default_factory=set)
    emitted: set[str] = field(default_factory=set)
    pods: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    started: bool = False


class ObservedQueue(asyncio.Queue):  # type: ignore[type-arg]
    """A worker's event queue that reports adds and time waited to the registry."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__()
        self._metrics = metrics
        self._put_at: deque[float] = deque()

    def put_nowait(self, item: Any) -> None:
        super().put_nowait(item)
        self._put_at.append(time.monotonic())
        self._metrics.queue_added()

    def get_nowait(self) -> Any:
        item = super().get_nowait()
        if self._put_at:
            self._metrics.queue_waited(time.monotonic() - self._put_at.popleft())
        return item


class Metrics:
    """One registry: Argo's controller metrics and the custom metrics (see module docstring)."""

    def __init__(self, *, metrics_ttl: float = 0.0, clock: Callable[[], float] = time.time) -> None:
        self.metrics_ttl = metrics_ttl
        self.clock = clock
        self._lock = threading.RLock()
        self._phase_of: dict[str, str] = {}
        self._phase_counts: Counter[str] = Counter()
        self._totals: Counter[tuple[str, str]] = Counter()
        self._template_totals: Counter[tuple[str, str, bool, str]] = Counter()
        self._errors: Counter[str] = Counter(dict.fromkeys(ERROR_CAUSES, 0))
        self._pod_counts: Counter[str] = Counter()
        self._pod_totals: Counter[tuple[str, str]] = Counter()
        self._cron: Counter[tuple[str, str]] = Counter()
        self._queue_adds = 0
        self._queue_latency = Histogram(QUEUE_LATENCY_BUCKETS)
        self._operations = Histogram(OPERATION_BUCKETS)
        self._template_runtime: dict[tuple[str, str, bool], Histogram] = {}
        self._custom: dict[str, CustomFamily] = {}
        self._realtime_of: dict[str, list[tuple[str, tuple[tuple[str, str], ...]]]] = {}
        self._runs: dict[str, _Run] = {}
        self._controller: Controller | None = None

    # ---- controller metrics --------------------------------------------------------------

    def workflow_phase(self, uid: str, namespace: str, phase: str,
                       template: tuple[str, bool] | None = None) -> None:
        """The workflow ``uid`` is now in ``phase`` (counted once per phase entered)."""
        with self._lock:
            before = self._phase_of.get(uid)
            if before == phase:
                return
            if before is not None:
                self._phase_counts[before] -= 1
            self._phase_of[uid] = phase
            self._phase_counts[phase] += 1
            self._totals[(phase, namespace)] += 1
            if template is not None:
                self._template_totals[(template[0], namespace, template[1], phase)] += 1

    def known_workflow(self, uid: str, phase: str) -> None:
        """A workflow already in the store (not a transition: nothing is counted)."""
        with self._lock:
            if uid not in self._phase_of:
                self._phase_of[uid] = phase
                self._phase_counts[phase] += 1

    def forget_workflow(self, uid: str) -> None:
        """The workflow is no longer in the store (deleted, archived)."""
        with self._lock:
            phase = self._phase_of.pop(uid, None)
            if phase is not None:
                self._phase_counts[phase] -= 1

    def cron_triggered(self, namespace: str, name: str) -> None:
        """A CronWorkflow started a workflow (``cronworkflows_triggered_total``)."""
        with self._lock:
            self._cron[(name, namespace)] += 1

    def error(self, cause: str) -> None:
        """One more controller error of ``cause`` (``error_count``)."""
        with self._lock:
            self._errors[cause] += 1

    def queue_added(self) -> None:
        self._queue_adds += 1

    def queue_waited(self, seconds: float) -> None:
        self._queue_latency.observe(seconds)

    def operation(self, seconds: float) -> None:
        """One reconciliation took ``seconds`` (``operation_duration_seconds``)."""
        self._operations.observe(seconds)

    def queue(self) -> ObservedQueue:
        """A worker's event queue reporting to this registry (``Controller.event_queue``)."""
        return ObservedQueue(self)

    # ---- custom metrics ------------------------------------------------------------------

    def upsert(self, emission: Emission, owner: str) -> None:
        """Record one custom metric emission of the workflow ``owner``; MetricError (Argo's
        message) when the name is invalid or differs in help or type from the registered one."""
        if not valid_name(emission.name):
            raise MetricError(INVALID_NAME)
        for key, _ in emission.labels:
            if not valid_name(key):
                raise MetricError(f"metric label '{key}' is invalid: keys may only contain alphanumeric characters or '_'")
        with self._lock:
            family = self._custom.get(emission.name)
            if family is None:
                if PREFIX + emission.name in _BUILT_IN:
                    raise MetricError(f"metric {emission.name} is a built-in metric")
                family = CustomFamily(emission.name, emission.help, emission.kind, emission.buckets)
                self._custom[emission.name] = family
            elif family.help != emission.help:
                raise MetricError(f"Help for metric {emission.name} is already set to {family.help}, "
                                  "it cannot be changed")
            elif family.kind != emission.kind:
                raise MetricError(f"Found existing {family.kind} for custom metric {emission.name} "
                                  f"of type {emission.kind}")
            labels = tuple(sorted(emission.labels))
            series = family.series.get(labels)
            if series is None:
                series = family.series[labels] = Series(labels, self.clock())
                if family.kind == "histogram":
                    series.histogram = Histogram(family.buckets)
            series.updated = self.clock()
            if emission.realtime is not None:
                series.realtime, series.completed = emission.realtime, False
                tracked = self._realtime_of.setdefault(owner, [])
                if (emission.name, labels) not in tracked:
                    tracked.append((emission.name, labels))
            elif family.kind == "histogram":
                assert series.histogram is not None
                series.histogram.observe(emission.value)
            elif family.kind == "counter" or emission.operation == "Add":
                series.value += emission.value
            elif emission.operation == "Sub":
                series.value -= emission.value
            else:
                series.value, series.realtime = emission.value, None

    def complete_realtime(self, owner: str) -> None:
        """The workflow ``owner`` ended: its realtime series stop being live (TTL may drop them)."""
        with self._lock:
            for name, labels in self._realtime_of.pop(owner, []):
                series = self._custom[name].series.get(labels) if name in self._custom else None
                if series is not None:
                    series.completed = True

    def expire(self, now: float | None = None) -> None:
        """Drop custom series older than ``metrics_ttl`` (Argo's ``metricsTTL``)."""
        if self.metrics_ttl <= 0:
            return
        now = self.clock() if now is None else now
        with self._lock:
            for family in self._custom.values():
                if family.kind == "histogram":
                    continue  # Argo never clears histograms
                for labels, series in list(family.series.items()):
                    if now - series.updated > self.metrics_ttl and (series.realtime is None or series.completed):
                        del family.series[labels]

    def emit(self, owner: str, metrics: Any, scope: dict[str, Any], realtime: dict[str, RealtimeValue], *,
             realtime_only: bool, workflow_name: str) -> list[str]:
        """Evaluate and record a ``metrics`` spec; the errors, as Argo words them."""
        found, errors = emissions(metrics, scope, realtime, realtime_only=realtime_only, workflow_name=workflow_name)
        for emission in found:
            try:
                self.upsert(emission, owner)
            except MetricError as err:
                errors.append(f"could not construct metric '{emission.name}': {err}")
        for message in errors:
            log.error("workflow %s: %s", workflow_name, message)
        return errors

    # ---- the Controller's side -----------------------------------------------------------

    def attach(self, controller: Controller) -> None:
        """Follow ``controller``'s workflows: every workflow in its store, its workers' progress
        (node listener), their ends (finished hook) and their event queues."""
        self._controller = controller
        controller.node_listeners.append(self.on_progress)
        controller.finished_hooks.append(self.on_finished)
        controller.event_queue = self.queue
        controller.on_operation = self.operation
        store = controller.store
        if store is None:
            return
        token = None
        while True:
            page = store.list_workflows(limit=1000, continue_token=token)
            for record in page.items:
                self.known_workflow(record.uid, record.phase or "Pending")
            token = page.continue_token
            if not token:
                break
        store.subscribe(self._changed)

    def _changed(self, changes: list[Change]) -> None:
        # the store's writer thread: only forget what left the store
        for change in changes:
            if change.kind == "DELETED":
                self.forget_workflow(change.uid)

    def on_progress(self, engine: Reconciler, changed: list[Any]) -> None:
        """A worker persisted progress: phases, pods, and the metrics of nodes that started or ended."""
        run = self._runs.get(engine.uid)
        if run is None:
            run = self._runs[engine.uid] = _Run(engine.namespace, _template_of(engine.workflow))
            if run.template is not None:
                with self._lock:
                    self._template_totals[(run.template[0], engine.namespace, run.template[1], "New")] += 1
        self.workflow_phase(engine.uid, engine.namespace, engine.phase or "Pending", run.template)
        spec_metrics = (engine.workflow.get("spec") or {}).get("metrics")
        if not run.started:
            run.started = True
            if spec_metrics:
                scope, realtime = workflow_scope(engine.global_scope, engine, now=self.clock)
                run.errors += self.emit(engine.uid, spec_metrics, scope, realtime, realtime_only=True,
                                        workflow_name=engine.name)
        for node in changed:
            self._pod(run, node)
            self._node_metrics(engine, run, node)

    def _pod(self, run: _Run, node: Any) -> None:
        if node.type != "Pod":
            return
        phase = _POD_PHASE.get(node.phase)
        before = run.pods.get(node.id)
        if phase is None or phase == before:
            return
        with self._lock:
            if before is not None:
                self._pod_counts[before] -= 1
            self._pod_counts[phase] += 1
            self._pod_totals[(phase, run.namespace)] += 1
        run.pods[node.id] = phase

    def _node_metrics(self, engine: Reconciler, run: _Run, node: Any) -> None:
        new = node.id not in run.seen
        run.seen.add(node.id)
        if node.id in run.emitted or not (new or node.fulfilled):
            return
        template = _template_for(engine, node)
        metrics = (template or {}).get("metrics")
        if not metrics:
            return
        if node.fulfilled:
            if _is_final_retry_attempt(engine, node):
                return  # Argo emits the last attempt's metrics as its retry node's
            run.emitted.add(node.id)
        elif not any(is_realtime(m) for m in metrics.get("prometheus") or [] if isinstance(m, dict)):
            return
        scope, realtime = node_scope(engine.global_scope, engine, node, now=self.clock)
        run.errors += self.emit(engine.uid, metrics, scope, realtime, realtime_only=not node.fulfilled,
                                workflow_name=engine.name)

    def on_finished(self, engine: Reconciler) -> None:
        """The workflow ended (status durable): its own metrics, then MetricsError if any failed."""
        run = self._runs.pop(engine.uid, None) or _Run(engine.namespace, _template_of(engine.workflow))
        self.workflow_phase(engine.uid, engine.namespace, engine.phase, run.template)
        with self._lock:
            for phase in run.pods.values():
                self._pod_counts[phase] -= 1  # a finished workflow's pods are gone
            if run.template is not None and engine.started_at is not None:
                key = (run.template[0], engine.namespace, run.template[1])
                runtime = self._template_runtime.setdefault(key, Histogram(OTEL_BUCKETS))
                runtime.observe(max(0.0, (engine.finished_at or self.clock()) - engine.started_at))
        spec_metrics = (engine.workflow.get("spec") or {}).get("metrics")
        if spec_metrics:
            root = engine.nodes.by_id.get(engine.nodes.id_for(engine.name)) if hasattr(engine.nodes, "id_for") else None
            if root is not None:
                scope, realtime = node_scope(engine.global_scope, engine, root, now=self.clock)
            else:
                scope, realtime = workflow_scope(engine.global_scope, engine, now=self.clock)
            scope["workflow.status"] = engine.phase
            run.errors += self.emit(engine.uid, spec_metrics, scope, realtime, realtime_only=False,
                                    workflow_name=engine.name)
        self.complete_realtime(engine.uid)
        self.expire()
        if run.errors:
            self._record_errors(engine, run.errors)

    def _record_errors(self, engine: Reconciler, errors: list[str]) -> None:
        """Argo's MetricsError condition on the workflow (its messages joined), written after
        the final status: the workflow's phase is not changed by a metric."""
        store = self._controller.store if self._controller is not None else None
        if store is None:
            return
        status = engine.status(with_nodes=False)
        status["conditions"] = [{"type": METRICS_ERROR, "status": "True", "message": ", ".join(errors)}]
        try:
            store.save_progress(engine.uid, status, [], None)
            store.flush()
        except StoreError as err:
            log.warning("workflow %s: cannot record its MetricsError condition: %s", engine.name, err)

    # ---- exposition ----------------------------------------------------------------------

    def collect(self) -> list[Metric]:
        """Every family with its samples (prometheus_client's model)."""
        with self._lock:
            self.expire()
            return self._controller_families() + [custom_family(f) for f in self._sorted_custom()]

    def exposition(self) -> str:
        """The Prometheus text format (0.0.4) of every family, as Argo's exporter writes it."""
        with self._lock:
            self.expire()
            parts = [render(self._controller_families())]
            for family in self._sorted_custom():
                parts.append(custom_text(family))
        return "".join(parts)

    def _sorted_custom(self) -> list[CustomFamily]:
        return sorted(self._custom.values(), key=lambda f: f.name)

    def _controller_families(self) -> list[Metric]:
        controller = self._controller
        workers = list(controller.workers.values()) if controller is not None else []
        busy = sum(1 for uid in (controller.workers if controller is not None else ()) if controller.running(uid))
        depth = sum(w.events.qsize() for w in workers if controller is not None and controller.running(w.engine.uid))
        with self._lock:
            pods_running = sum(1 for run in list(self._runs.values()) if "Running" in run.pods.values())
            return [
                family("gauge", "gauge", "number of Workflows currently accessible by the controller by status",
                        [({"status": p}, float(max(0, self._phase_counts[p]))) for p in WORKFLOW_PHASES]),
                family("total_count", "counter", "Total number of workflows that have entered each phase",
                        [({"phase": p, "namespace": ns}, float(n)) for (p, ns), n in sorted(self._totals.items())]),
                family("error_count", "counter", "Number of errors encountered by the controller by cause",
                        [({"cause": c}, float(n)) for c, n in sorted(self._errors.items())]),
                family("pods_gauge", "gauge",
                        "Number of Pods from Workflows currently accessible by the controller by status.",
                        [({"phase": p}, float(n)) for p, n in sorted(self._pod_counts.items()) if n > 0]),
                family("pods_total_count", "counter", "Total number of Pods that have entered each phase",
                        [({"phase": p, "namespace": ns}, float(n)) for (p, ns), n in sorted(self._pod_totals.items())]),
                family("cronworkflows_triggered_total", "counter", "Total number of cron workflows triggered",
                        [({"name": name, "namespace": ns}, float(n)) for (name, ns), n in sorted(self._cron.items())]),
                family("workflowtemplate_triggered_total", "counter",
                        "Total number of workflow templates triggered by workflowTemplateRef",
                        [({"name": name, "namespace": ns, "cluster_scope": str(cluster).lower(), "phase": p}, float(n))
                         for (name, ns, cluster, p), n in sorted(self._template_totals.items())]),
                histogram_family("workflowtemplate_runtime",
                                  "Duration of workflow template runs run through workflowTemplateRefs",
                                  [({"name": name, "namespace": ns, "cluster_scope": str(cluster).lower()}, h)
                                   for (name, ns, cluster), h in sorted(self._template_runtime.items())]),
                histogram_family("operation_duration_seconds", "Histogram of durations of operations",
                                  [({}, self._operations)]),
                family("queue_depth_gauge", "gauge", "Depth of the queue",
                        [({"queue_name": WORKFLOW_QUEUE}, float(depth))]),
                family("queue_adds_count", "counter", "Adds to the queue",
                        [({"queue_name": WORKFLOW_QUEUE}, float(self._queue_adds))]),
                histogram_family("queue_latency", "Time objects spend waiting in the queue",
                                  [({"queue_name": WORKFLOW_QUEUE}, self._queue_latency)]),
                family("workers_busy_count", "gauge", "Number of workers currently busy",
                        [({"worker_type": "workflow"}, float(busy))]),
                family("workflow_condition", "gauge", "Workflow condition.",
                        [({"type": "PodRunning", "status": "True"}, float(pods_running)),
                         ({"type": "PodRunning", "status": "False"},
                          float(max(0, sum(self._phase_counts.values()) - pods_running)))]),
                family("is_leader", "gauge", "Emits 1 if leader, 0 otherwise. Always 1 if leader election is disabled.",
                        [({}, 1.0)]),
                family("version", "counter", "Build metadata for this Controller", [(_VERSION_LABELS, 1.0)]),
            ]


_GOARCH = {"x86_64": "amd64", "aarch64": "arm64", "i686": "386"}


def _version_labels() -> dict[str, str]:
    import platform

    from argosy import __version__

    return {"version": f"v{__version__}", "platform": f"{platform.system().lower()}/{_GOARCH.get(platform.machine(), platform.machine())}",
            "go_version": f"python{platform.python_version()}", "build_date": "", "compiler": "cpython",
            "git_commit": "", "git_treestate": "", "git_tag": f"v{__version__}"}


#: Argo's ``version`` attributes, with Argosy's build (``go_version`` is the Python it runs on)
_VERSION_LABELS = _version_labels()

_BUILT_IN = {PREFIX + n for n in (
    "version", "gauge", "total_count", "error_count", "pods_gauge", "pods_total_count", "cronworkflows_triggered_total",
    "workflowtemplate_triggered_total", "workflowtemplate_runtime", "operation_duration_seconds", "queue_depth_gauge", "queue_adds_count", "queue_latency",
    "workers_busy_count", "workflow_condition", "is_leader")}


def _template_of(workflow: dict[str, Any]) -> tuple[str, bool] | None:
    ref = (workflow.get("spec") or {}).get("workflowTemplateRef")
    if isinstance(ref, dict) and ref.get("name"):
        return str(ref["name"]), bool(ref.get("clusterScope"))
    labels = (workflow.get("metadata") or {}).get("labels") or {}
    for key in _TEMPLATE_LABELS:
        if labels.get(key):
            return str(labels[key]), key.endswith("cluster-workflow-template")
    return None


def _template_for(engine: Reconciler, node: Any) -> dict[str, Any] | None:
    """The template a node ran (as written: its metrics' placeholders are the node's scope)."""
    if node.type in ("StepGroup", "TaskGroup", "Skipped"):
        return None
    holder: dict[str, Any] = {"templateRef": node.template_ref} if node.template_ref else {
        "template": node.template_name}
    if not node.template_ref and not node.template_name:
        return None
    kind, _, name = str(node.template_scope).partition("/")
    scope = {"namespaced": TemplateScope(WORKFLOW_TEMPLATE, name),
             "cluster": TemplateScope(CLUSTER_WORKFLOW_TEMPLATE, name)}.get(kind, WORKFLOW_SCOPE)
    try:
        template, _ = engine.resolver.resolve(holder, scope)
    except Exception:  # noqa: BLE001 - a template that no longer resolves has no metrics to emit
        return None
    return template


def _is_final_retry_attempt(engine: Reconciler, node: Any) -> bool:
    """Whether ``node`` is the last attempt of a retry node that has ended (whose own metrics
    then stand for it, as in Argo)."""
    if not node.name.endswith(")"):
        return False  # attempts are named NAME(N)
    for parent in engine.nodes:
        if parent.type == "Retry" and parent.children and parent.children[-1] == node.id:
            return bool(parent.fulfilled)
    return False


#: the registry ``argosy server`` exposes at ``/metrics``
REGISTRY = Metrics()


def cron_triggered(namespace: str, name: str) -> None:
    """Count one workflow started by the CronWorkflow ``namespace/name`` (for the cron scheduler)."""
    REGISTRY.cron_triggered(namespace, name)


def error(cause: str) -> None:
    """Count one controller error of ``cause`` (``CronWorkflowSubmissionError``, ``CronWorkflowSpecError``, ...)."""
    REGISTRY.error(cause)
