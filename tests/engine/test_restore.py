"""A restored engine finishes exactly as the uninterrupted one (issue 9, item 2).

Every workflow of ``examples/`` and of the conformance corpus (less what the conformance
test skips) runs on a simulated runtime with a fake clock, one event at a time. After each
event the persisted state is snapshotted (manifest + status with its nodes + ``record()``,
through JSON, as the store keeps it); a fresh engine is restored from the snapshot, its
running pods are re-adopted (the simulated runtime still has them and answers as it would
have), and it is run to the end. Its final status must equal the uninterrupted run's: node
ids, names, phases, outputs, messages and, on the fake clock, timestamps.
"""

from __future__ import annotations

import copy
import heapq
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from argosy.engine.intents import CancelPod, Intent, PodFinished, PodResult, PodSpec, PodStarted, RunPod
from argosy.engine.nodes import fnv32a
from argosy.engine.reconciler import Reconciler
from argosy.errors import ArgosyError
from argosy.spec import ObjectSet, TemplateResolver, load_paths, resolve_workflow

T0 = 1_700_000_000.0
MAX_EVENTS = 5_000
#: restore points per workflow (sampled, seeded, when a run has more events than this)
RESTORE_POINTS = 12
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


# ---- a runtime and a clock, simulated --------------------------------------------------


def answer(pod: PodSpec) -> tuple[PodResult, float]:
    """How a pod ends, and after how many seconds: a pure function of the pod."""
    t = pod.template
    c = t.get("container") or t.get("script") or {}
    words = [str(a) for a in (c.get("command") or []) + (c.get("args") or [])]
    text = str((t.get("script") or {}).get("source", "")).strip() or " ".join(words)
    seconds = float(1 + fnv32a(pod.pod_name) % 4)
    failed = "exit 1" in text or "sys.exit(1)" in text or ("random" in text and fnv32a(pod.pod_name) % 3 == 0)
    params = []
    for p in (t.get("outputs") or {}).get("parameters") or []:
        vf = p.get("valueFrom") or {}
        if "default" in vf or "path" in vf:
            params.append({"name": p["name"], "value": str(vf.get("default", text[:20]))})
    outputs: dict[str, Any] = {"result": text[:40], "exitCode": "1" if failed else "0"}
    if params:
        outputs["parameters"] = params
    if failed:
        return PodResult("Failed", "Error (exit code 1)", 1, outputs), seconds
    return PodResult("Succeeded", None, 0, outputs), seconds


@dataclass
class Simulation:
    """Pods in flight as a heap of future runtime reports; time jumps to the next one."""

    now: float = T0
    queue: list[tuple[float, int, Any]] = field(default_factory=list)
    seq: int = 0
    running: dict[str, PodSpec] = field(default_factory=dict)
    cancelled: set[str] = field(default_factory=set)
    events: int = 0

    def copy(self) -> Simulation:
        return Simulation(self.now, list(self.queue), self.seq, dict(self.running), set(self.cancelled), self.events)

    def _push(self, at: float, event: Any) -> None:
        self.seq += 1
        heapq.heappush(self.queue, (at, self.seq, event))

    def apply(self, intents: list[Intent], *, restored: bool = False) -> None:
        adopted: set[str] = set()
        for intent in intents:
            if isinstance(intent, RunPod):
                pod = intent.pod
                if intent.adopt:
                    assert pod.node_id in self.running, f"adopted {pod.pod_name}, which the runtime never ran"
                    adopted.add(pod.node_id)
                    continue
                assert pod.node_id not in self.running, f"{pod.pod_name} started twice"
                self.running[pod.node_id] = pod
                self._push(self.now, PodStarted(pod.node_id, self.now))
                if not pod.daemon:
                    result, seconds = answer(pod)
                    if pod.deadline_seconds is not None and seconds > pod.deadline_seconds:
                        seconds = pod.deadline_seconds
                        result = PodResult("Failed", "Pod was active on the node longer than the specified deadline")
                    self._push(self.now + seconds, PodFinished(pod.node_id, result, self.now + seconds))
            elif isinstance(intent, CancelPod):
                pod = self.running.get(intent.node_id)
                if pod is None or intent.node_id in self.cancelled:
                    continue  # already ended, or already being cancelled
                self.cancelled.add(intent.node_id)
                self.queue = [e for e in self.queue if e[2].node_id != intent.node_id]
                heapq.heapify(self.queue)
                result = PodResult("Succeeded") if pod.daemon else PodResult("Failed", intent.reason)
                self._push(self.now, PodFinished(intent.node_id, result, self.now))
        if restored:
            assert adopted == set(self.running), "restored engine adopted other pods than the runtime runs"

    def step(self, engine: Reconciler) -> bool:
        """Feed the engine its next event (a runtime report, a timer, or a resume); False at the end."""
        if engine.done:
            return False
        wake = engine.next_wakeup
        top = self.queue[0][0] if self.queue else None
        self.events += 1
        assert self.events < MAX_EVENTS, "workflow does not end"
        if top is not None and (wake is None or top <= wake):
            at, _, event = heapq.heappop(self.queue)
            self.now = max(self.now, at)
            if isinstance(event, PodFinished):
                self.running.pop(event.node_id, None)
            intents = engine.handle(event, self.now) + engine.tick(self.now)
        elif wake is not None:
            self.now = max(self.now, wake)
            intents = engine.tick(self.now)
        elif engine.suspended:
            intents = engine.resume(self.now)  # what a user would do
        else:
            raise AssertionError(f"stuck: nothing runs, no timer, phase {engine.phase}")
        self.apply(intents)
        return True


# ---- workflows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    id: str
    workflow: dict[str, Any]
    objects: ObjectSet = field(compare=False)


def prepared(body: dict[str, Any], objects: ObjectSet, index: int) -> dict[str, Any]:
    wf = json.loads(json.dumps(body))
    meta = wf.setdefault("metadata", {})
    meta["name"] = meta.get("name") or f"{meta.get('generateName') or 'wf-'}{index:05d}"
    meta.setdefault("namespace", "default")
    meta["uid"] = f"uid-{index}"
    meta["creationTimestamp"] = "2023-11-14T22:13:20Z"
    return resolve_workflow(wf, objects)


def example_cases() -> list[Case]:
    cases = []
    for path in sorted(EXAMPLES.glob("*.yaml")):
        manifests = load_paths([path])
        objects = ObjectSet(manifests)
        for i, m in enumerate(m for m in manifests if m.kind == "Workflow"):
            cases.append(Case(f"examples/{path.name}#{i}", prepared(m.body, objects, i), objects))
    return cases


def corpus_cases() -> list[Case]:
    try:
        import conformance.test_conformance as corpus
    except pytest.skip.Exception:  # no corpus on this machine (the module skips itself)
        return []
    cases = []
    for case in corpus.CASES:
        reason = corpus.skip_reason(case)
        # the simulation resumes a suspended workflow, as a user would
        if (reason is not None and not reason.startswith("Running (suspended)")) or case.path in corpus.LOAD_ERRORS:
            continue
        manifests = [m for m in load_paths([corpus.EXAMPLES / case.path]) if m.kind == "Workflow"]
        for i, m in enumerate(manifests):
            try:
                wf = prepared(m.body, corpus.OBJECTS, i)
            except ArgosyError:
                continue
            cases.append(Case(f"corpus/{case.path}#{i}", wf, corpus.OBJECTS))
    return cases


CASES = example_cases() + corpus_cases()


def configmap_lookup(objects: ObjectSet) -> Callable[[str, str], str | None]:
    def lookup(name: str, key: str) -> str | None:
        try:
            return objects.configmap(name).get(key)
        except ArgosyError:
            return None
    return lookup


def new_engine(case: Case) -> Reconciler:
    wf = copy.deepcopy(case.workflow)
    return Reconciler(wf, TemplateResolver(wf, case.objects), configmap=configmap_lookup(case.objects))


def restored_engine(case: Case, snapshot: dict[str, Any]) -> Reconciler:
    wf = snapshot["workflow"]
    manifest = {k: v for k, v in wf.items() if k != "status"}
    return Reconciler.restore(wf, TemplateResolver(manifest, case.objects),
                              configmap=configmap_lookup(case.objects), record=snapshot["record"])


def persisted(engine: Reconciler) -> dict[str, Any]:
    """What the store holds after an event: the workflow with its nodes, and the engine record."""
    return json.loads(json.dumps({"workflow": engine.to_dict(with_nodes=True), "record": engine.record()}))


def run(case: Case) -> tuple[Reconciler, list[tuple[dict[str, Any], Simulation]]]:
    """The uninterrupted run, and a snapshot (with the runtime's state) after each event."""
    engine = new_engine(case)
    sim = Simulation()
    sim.apply(engine.start(sim.now))
    snapshots = [(persisted(engine), sim.copy())]
    while sim.step(engine):
        snapshots.append((persisted(engine), sim.copy()))
    return engine, snapshots


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_restored_engine_ends_as_the_uninterrupted_one(case: Case) -> None:
    engine, snapshots = run(case)
    want = json.loads(json.dumps(engine.status()))
    points = list(range(len(snapshots) - 1))  # the last snapshot is the finished workflow
    if len(points) > RESTORE_POINTS:
        points = sorted(random.Random(case.id).sample(points, RESTORE_POINTS))
    for k in points:
        snapshot, sim_at_k = snapshots[k]
        sim = sim_at_k.copy()
        restored = restored_engine(case, snapshot)
        assert restored.nodes.to_dict() == snapshot["workflow"]["status"].get("nodes", {}), \
            f"restoring at event {k} changed the persisted nodes"
        sim.apply(restored.recover(sim.now), restored=True)
        while sim.step(restored):
            pass
        got = json.loads(json.dumps(restored.status()))
        assert got == want, f"restored at event {k} of {len(snapshots) - 1}: {first_difference(want, got)}"


def first_difference(want: Any, got: Any, path: str = "status") -> str:
    if isinstance(want, dict) and isinstance(got, dict):
        for key in sorted(set(want) | set(got)):
            if want.get(key) != got.get(key):
                return first_difference(want.get(key), got.get(key), f"{path}.{key}")
    return f"{path}: want {want!r}, got {got!r}"


# ---- the cases the corpus does not reach ----------------------------------------------------

STOPPED = """
metadata: {name: stopped}
spec:
  entrypoint: main
  onExit: bye
  parallelism: 1
  templates:
  - name: main
    steps:
    - - {name: a, template: work}
      - {name: b, template: work}
      - {name: c, template: work}
  - name: work
    container: {image: busybox, command: [sleep, "5"]}
  - name: bye
    container: {image: busybox, command: [echo, bye]}
"""

BACKOFF = """
metadata: {name: backoff}
spec:
  entrypoint: main
  templates:
  - name: main
    retryStrategy: {limit: 3, backoff: {duration: 10s, factor: 2}}
    container: {image: busybox, command: [sh, -c, "exit 1"]}
"""


def _case(text: str) -> Case:
    import yaml

    body = yaml.safe_load(text)
    return Case(body["metadata"]["name"], prepared(body, ObjectSet(), 0), ObjectSet())


def test_restored_mid_stop_finishes_the_stop() -> None:
    """A stop persisted in ``record()``: waiting pods never start, the exit handler still runs."""
    case = _case(STOPPED)
    engine = new_engine(case)
    sim = Simulation()
    sim.apply(engine.start(sim.now))
    sim.step(engine)  # a starts; b and c wait for the workflow's parallelism
    assert engine.record() == {"waitingPods": [engine.nodes.by_name("stopped[0].b").id,
                                               engine.nodes.by_name("stopped[0].c").id]}
    sim.apply(engine.stop(sim.now))
    snapshot = persisted(engine)
    assert snapshot["record"]["shutdown"] == "Stop"
    restored = restored_engine(case, snapshot)
    sim.apply(restored.recover(sim.now), restored=True)
    while sim.step(restored):
        pass
    assert restored.phase == "Failed"
    assert restored.message == "Stopped with strategy 'Stop'"
    assert restored.nodes.by_name("stopped.onExit").phase == "Succeeded"


def test_restored_mid_backoff_waits_out_the_rest_of_it() -> None:
    case = _case(BACKOFF)
    engine = new_engine(case)
    sim = Simulation()
    sim.apply(engine.start(sim.now))
    while engine.nodes.by_name("backoff").message is None:
        sim.step(engine)
    retry = engine.nodes.by_name("backoff")
    assert retry.message == "Backoff for 10 seconds"
    restored = restored_engine(case, persisted(engine))
    intents = restored.recover(sim.now)
    failed_at = engine.nodes.by_name("backoff(0)").finished_at
    assert [i for i in intents if not isinstance(i, RunPod)][-1].at == failed_at + 10


def test_a_pod_deleted_while_nobody_watched_is_retried() -> None:
    """The controller reports an adopted pod the runtime no longer has as Error "pod deleted"."""
    text = BACKOFF.replace("backoff: {duration: 10s, factor: 2}", "retryPolicy: Always")
    case = _case(text)
    engine = new_engine(case)
    sim = Simulation()
    sim.apply(engine.start(sim.now))
    restored = restored_engine(case, persisted(engine))
    adopted = [i for i in restored.recover(sim.now) if isinstance(i, RunPod)]
    assert [i.adopt for i in adopted] == [True]
    intents = restored.handle(PodFinished(adopted[0].pod.node_id, PodResult("Error", "pod deleted"), sim.now),
                              sim.now)
    attempt = restored.nodes.by_name("backoff(0)")
    assert (attempt.phase, attempt.message) == ("Error", "pod deleted")
    assert [i.pod.pod_name for i in intents if isinstance(i, RunPod)] == \
        [restored.pods[restored.nodes.by_name("backoff(1)").id].pod_name]


def test_a_finished_workflow_restores_as_it_was() -> None:
    case = _case(BACKOFF)
    engine, _ = run(case)
    restored = restored_engine(case, persisted(engine))
    assert restored.recover(T0 + 1000) == []
    assert restored.status() == engine.status()


def test_persisted_before_its_first_node_starts_on_recover() -> None:
    case = _case(BACKOFF)
    wf = copy.deepcopy(case.workflow)
    wf["status"] = {"phase": "Running", "startedAt": "2023-11-14T22:13:20Z"}
    restored = restored_engine(case, {"workflow": wf, "record": {}})
    intents = restored.recover(T0 + 5)
    assert [(i.pod.pod_name, i.adopt) for i in intents if isinstance(i, RunPod)] == \
        [(restored.pods[restored.nodes.by_name("backoff(0)").id].pod_name, False)]
    assert restored.status(with_nodes=False)["startedAt"] == "2023-11-14T22:13:20Z"


STOPPED_WITH_BUSY_EXIT = """
metadata: {name: busy-exit}
spec:
  entrypoint: main
  onExit: bye
  parallelism: 1
  templates:
  - name: main
    container: {image: busybox, command: [sleep, "5"]}
  - name: bye
    steps:
    - - {name: one, template: say}
      - {name: two, template: say}
  - name: say
    container: {image: busybox, command: [echo, bye]}
"""


def test_every_point_of_a_stop_restores() -> None:
    """Stopped mid-run: the exit handler's pods, queued behind the workflow's parallelism, still
    run after a restore at any later point, and the run ends as the uninterrupted one."""
    case = _case(STOPPED_WITH_BUSY_EXIT)

    def run_stopped() -> tuple[Reconciler, list[tuple[dict[str, Any], Simulation]]]:
        engine = new_engine(case)
        sim = Simulation()
        sim.apply(engine.start(sim.now))
        sim.step(engine)  # main starts
        sim.apply(engine.stop(sim.now))
        snapshots = [(persisted(engine), sim.copy())]
        while sim.step(engine):
            snapshots.append((persisted(engine), sim.copy()))
        return engine, snapshots

    engine, snapshots = run_stopped()
    assert engine.nodes.by_name("busy-exit.onExit").phase == "Succeeded"
    assert any(s["record"].get("waitingPods") for s, _ in snapshots), "no point with a pod waiting"
    want = json.loads(json.dumps(engine.status()))
    for k, (snapshot, sim_at_k) in enumerate(snapshots[:-1]):
        sim = sim_at_k.copy()
        restored = restored_engine(case, snapshot)
        sim.apply(restored.recover(sim.now), restored=True)
        while sim.step(restored):
            pass
        got = json.loads(json.dumps(restored.status()))
        assert got == want, f"restored at event {k}: {first_difference(want, got)}"
