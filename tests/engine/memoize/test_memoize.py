"""Memoization (``memoize``): a cached call does not run; a run that succeeds is cached.

Workflows run on the fake runtime and clock; runs share one in-memory cache
(``LocalMemoCache``) the way workflows of one controller share the store's.
"""

from __future__ import annotations

from typing import Any

import pytest

from argosy import testing
from argosy.controller.clock import FakeClock
from argosy.controller.memoize import LocalMemoCache
from argosy.engine.intents import PodResult, PodSpec, RunPod, SaveMemo
from argosy.engine.memoize import MemoEntry
from argosy.engine.reconciler import Reconciler
from argosy.spec import ObjectSet, TemplateResolver
from argosy.store.api import MemoRecord

T0 = 1_700_000_000.0

POD = """
metadata: {name: pod}
spec:
  entrypoint: main
  arguments: {parameters: [{name: message, value: hello}]}
  templates:
  - name: main
    steps:
    - - name: say
        template: say
        arguments: {parameters: [{name: message, value: "{{workflow.parameters.message}}"}]}
    - - name: print
        template: print
        arguments: {parameters: [{name: got, value: "{{steps.say.outputs.parameters.out}}"}]}
  - name: say
    inputs: {parameters: [{name: message}]}
    memoize:
      key: "say-{{inputs.parameters.message}}"
      maxAge: "10s"
      cache: {configMap: {name: say-cache}}
    container: {image: busybox, command: [sh, -c, "echo {{inputs.parameters.message}}"]}
    outputs: {parameters: [{name: out, valueFrom: {path: /tmp/out}}]}
  - name: print
    inputs: {parameters: [{name: got}]}
    container: {image: busybox, command: [echo, "{{inputs.parameters.got}}"]}
"""


class Pods:
    """A fake runtime's handler that records what ran; ``say`` outputs its message."""

    def __init__(self, fail: int = 0) -> None:
        self.ran: list[str] = []
        self.fail = fail

    def __call__(self, pod: PodSpec) -> PodResult:
        self.ran.append(pod.node_id)
        c = pod.template.get("container") or {}
        words = " ".join(str(w) for w in (c.get("command") or []) + (c.get("args") or []))
        text = words.split("echo ", 1)[-1]
        if self.fail > 0 or "exit 1" in words:
            self.fail -= 1
            return testing.result_of({"result": text}, exit_code=1)
        params = [{"name": p["name"], "value": text} for p in (pod.template.get("outputs") or {}).get("parameters") or ()]
        return testing.result_of({"result": text, **({"parameters": params} if params else {})})


def run(text: str, memo: Any, pods: Pods, *, clock: FakeClock | None = None, objects: list[str] = (),
        **kw: Any) -> Reconciler:
    return testing.run_workflow(text, pods, memo=memo, clock=clock, objects=objects, **kw)


def node(e: Reconciler, display: str) -> Any:
    return next(n for n in e.nodes if n.display_name == display)


def test_a_miss_runs_and_saves_then_a_hit_runs_nothing() -> None:
    memo, pods = LocalMemoCache(), Pods()
    first = run(POD, memo, pods)
    say = node(first, "say")
    assert say.memoization_status == {"hit": False, "key": "say-hello", "cacheName": "say-cache"}
    assert first.phase == "Succeeded" and say.id in pods.ran
    entry = memo.entries[("default", "say-cache", "say-hello")]
    assert entry.node_id == say.id and entry.outputs == say.outputs
    assert entry.outputs["parameters"] == [{"name": "out", "value": "hello"}]

    pods.ran.clear()
    second = run(POD.replace("name: pod}", "name: pod2}"), memo, pods)
    hit = node(second, "say")
    assert hit.memoization_status == {"hit": True, "key": "say-hello", "cacheName": "say-cache"}
    assert (hit.type, hit.phase, hit.progress) == ("Pod", "Succeeded", "1/1")
    assert hit.outputs == say.outputs and hit.inputs == {"parameters": [{"name": "message", "value": "hello"}]}
    assert hit.id not in pods.ran
    # the next step reads the cached output as it would the pod's
    assert node(second, "print").inputs == {"parameters": [{"name": "got", "value": "hello"}]}
    assert second.phase == "Succeeded"
    # the hit wrote nothing, only its last hit time moved
    assert memo.entries[("default", "say-cache", "say-hello")].node_id == say.id


def test_the_key_follows_the_inputs() -> None:
    memo, pods = LocalMemoCache(), Pods()
    run(POD, memo, pods)
    other = run(POD.replace("name: pod}", "name: pod2}"), memo, pods, parameters={"message": "bye"})
    assert node(other, "say").memoization_status["hit"] is False
    assert {k for _, _, k in memo.entries} == {"say-hello", "say-bye"}


@pytest.mark.parametrize(("age", "hit"), [(5.0, True), (10.0, True), (11.0, False)], ids=["fresh", "edge", "expired"])
def test_max_age_bounds_an_entry_by_its_creation(age: float, hit: bool) -> None:
    memo, pods = LocalMemoCache(), Pods()
    memo.entries[("default", "say-cache", "say-hello")] = MemoRecord(
        "default", "say-cache", "say-hello", "old-node", {"parameters": [{"name": "out", "value": "cached"}]},
        T0 - age, T0 - age)
    e = run(POD, memo, pods, clock=FakeClock(T0))
    say = node(e, "say")
    assert say.memoization_status["hit"] is hit
    assert say.outputs["parameters"][0]["value"] == ("cached" if hit else "hello")
    saved = memo.entries[("default", "say-cache", "say-hello")]
    assert (saved.node_id == "old-node") is hit  # an expired entry is overwritten by the run


def test_without_max_age_an_entry_never_expires() -> None:
    memo, pods = LocalMemoCache(), Pods()
    memo.entries[("default", "say-cache", "say-hello")] = MemoRecord(
        "default", "say-cache", "say-hello", "old-node", None, 0.0, 0.0)
    e = run(POD.replace('maxAge: "10s"', ""), memo, pods, clock=FakeClock(T0))
    assert node(e, "say").memoization_status["hit"] is True
    assert node(e, "say").outputs is None and e.phase == "Failed"  # print's input has no value: Argo's too


def test_an_entry_without_a_node_id_is_no_hit() -> None:
    memo, pods = LocalMemoCache(), Pods()
    memo.entries[("default", "say-cache", "say-hello")] = MemoRecord("default", "say-cache", "say-hello", "",
                                                                      None, T0, T0)
    e = run(POD, memo, pods, clock=FakeClock(T0))
    assert node(e, "say").memoization_status["hit"] is False and e.phase == "Succeeded"


def test_a_failed_node_is_not_saved() -> None:
    memo, pods = LocalMemoCache(), Pods(fail=1)
    e = run(POD, memo, pods)
    assert node(e, "say").phase == "Failed" and memo.entries == {}


RETRY = """
metadata: {name: retry}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: flaky, template: flaky}
  - name: flaky
    retryStrategy: {limit: "3"}
    memoize: {key: flaky, cache: {configMap: {name: retry-cache}}}
    container: {image: busybox, command: [sh, -c, "echo done"]}
    outputs: {parameters: [{name: out, valueFrom: {path: /tmp/out}}]}
"""


def test_retries_save_once_when_the_node_finally_succeeds_and_a_hit_skips_them() -> None:
    # Argo #10426: memoization with a retryStrategy
    memo, pods = LocalMemoCache(), Pods(fail=2)
    e = run(RETRY, memo, pods)
    flaky = node(e, "flaky")
    assert flaky.type == "Retry" and flaky.phase == "Succeeded" and len(flaky.children) == 3
    assert flaky.memoization_status == {"hit": False, "key": "flaky", "cacheName": "retry-cache"}
    attempts = [e.nodes.get(c) for c in flaky.children]
    assert all(a.memoization_status == flaky.memoization_status for a in attempts)
    saved = memo.entries[("default", "retry-cache", "flaky")]
    assert saved.node_id == flaky.id and saved.outputs == attempts[-1].outputs

    pods.ran.clear()
    again = run(RETRY.replace("name: retry}", "name: retry2}"), memo, pods)
    hit = node(again, "flaky")
    assert (hit.type, hit.phase, hit.children) == ("Pod", "Succeeded", [])
    assert hit.memoization_status["hit"] is True and hit.outputs == saved.outputs
    assert pods.ran == [] and again.phase == "Succeeded"


def test_retries_that_all_fail_save_nothing() -> None:
    memo, pods = LocalMemoCache(), Pods(fail=99)
    e = run(RETRY, memo, pods)
    assert node(e, "flaky").phase == "Failed" and memo.entries == {}


NESTED = """
metadata: {name: nested}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: inner, template: inner}
    - - name: use
        template: print
        arguments: {parameters: [{name: got, value: "{{steps.inner.outputs.parameters.total}}"}]}
  - name: inner
    memoize: {key: inner-v1, cache: {configMap: {name: nested-cache}}}
    KIND
    outputs:
      parameters:
      - name: total
        valueFrom: {parameter: "REF"}
  - name: say
    container: {image: busybox, command: [sh, -c, "echo 42"]}
    outputs: {parameters: [{name: out, valueFrom: {path: /tmp/out}}]}
  - name: print
    inputs: {parameters: [{name: got}]}
    container: {image: busybox, command: [echo, "{{inputs.parameters.got}}"]}
"""
STEPS = NESTED.replace("KIND", "steps: [[{name: a, template: say}], [{name: b, template: say}]]").replace(
    "REF", "{{steps.b.outputs.parameters.out}}")
DAG = NESTED.replace("KIND", "dag: {tasks: [{name: a, template: say}, {name: b, template: say, depends: a}]}").replace(
    "REF", "{{tasks.b.outputs.parameters.out}}")


@pytest.mark.parametrize(("text", "kind"), [(STEPS, "Steps"), (DAG, "DAG")], ids=["steps", "dag"])
def test_steps_and_dag_templates_are_memoized_whole(text: str, kind: str) -> None:
    memo, pods = LocalMemoCache(), Pods()
    first = run(text, memo, pods)
    inner = node(first, "inner")
    assert inner.type == kind and inner.memoization_status["hit"] is False and len(pods.ran) == 3
    assert memo.entries[("default", "nested-cache", "inner-v1")].outputs == {
        "parameters": [{"name": "total", "value": "42"}]}

    pods.ran.clear()
    again = run(text.replace("name: nested}", "name: nested2}"), memo, pods)
    hit = node(again, "inner")
    assert (hit.type, hit.phase, hit.memoization_status["hit"]) == (kind, "Succeeded", True)
    assert hit.outputs == {"parameters": [{"name": "total", "value": "42"}]}
    assert not any(n.display_name in ("a", "b") for n in again.nodes)  # its steps/tasks never ran
    use = node(again, "use")
    # a hit boundary is its own outbound node (Argo #7873): the next step group hangs off it
    assert [again.nodes.get(c).children for c in hit.children] == [[use.id]]
    assert use.inputs == {"parameters": [{"name": "got", "value": "42"}]} and len(pods.ran) == 1
    assert again.outbound(hit) == [hit.id]


@pytest.mark.parametrize(("memoize", "message"), [
    ('{key: "hello world", cache: {configMap: {name: c}}}', "invalid cache key: hello world"),
    ('{key: "-leading", cache: {configMap: {name: c}}}', "invalid cache key: -leading"),
    ('{key: "a.b", cache: {configMap: {name: c}}}', "invalid cache key: a.b"),
    ('{key: k, maxAge: "10", cache: {configMap: {name: c}}}', 'invalid maxAge: time: missing unit in duration "10"'),
    ('{key: k, maxAge: "1d", cache: {configMap: {name: c}}}', 'invalid maxAge: time: unknown unit "d" in duration "1d"'),
], ids=["space", "leading-dash", "dot", "no-unit", "days"])
def test_an_unusable_key_or_max_age_errors_the_node_before_it_runs(memoize: str, message: str) -> None:
    text = f"""
metadata: {{name: bad}}
spec:
  entrypoint: main
  templates:
  - name: main
    memoize: {memoize}
    container: {{image: busybox, command: [echo, hi]}}
"""
    memo, pods = LocalMemoCache(), Pods()
    e = run(text, memo, pods)
    root = e.nodes.get("bad")
    assert (root.phase, root.message) == ("Error", message)
    assert pods.ran == [] and e.phase == "Error" and memo.entries == {}


CACHE_CM = """
apiVersion: v1
kind: ConfigMap
metadata:
  name: say-cache
  LABELS
data:
  say-hello: '{"nodeID":"memoized-hdckj","outputs":{"parameters":[{"name":"out","value":"different world"}],"exitCode":"0"},"creationTimestamp":"2023-11-14T22:13:15Z","lastHitTimestamp":"2023-11-14T22:13:15Z"}'
"""


def test_a_cache_configmap_given_with_the_workflow_is_read() -> None:
    # as memoize-simple.yaml's header describes: a hand-made entry is used while within maxAge
    memo, pods = LocalMemoCache(), Pods()
    cm = CACHE_CM.replace("LABELS", "labels: {workflows.argoproj.io/configmap-type: Cache}")
    e = run(POD, memo, pods, objects=[cm], clock=FakeClock(T0))
    say = node(e, "say")
    assert say.memoization_status["hit"] is True and pods.ran == [node(e, "print").id]
    assert say.outputs["parameters"] == [{"name": "out", "value": "different world"}]


@pytest.mark.parametrize(("labels", "message"), [
    ("labels: {}", ("memoization configmap doesn't have workflows.argoproj.io/configmap-type label, "
                    "refusing to use it")),
    ("labels: {workflows.argoproj.io/configmap-type: Parameter}",
     "memoization configmap doesn't have label workflows.argoproj.io/configmap-type = Cache, refusing to use it"),
], ids=["no-label", "other-type"])
def test_a_configmap_that_is_not_a_cache_is_refused(labels: str, message: str) -> None:
    memo, pods = LocalMemoCache(), Pods()
    e = run(POD, memo, pods, objects=[CACHE_CM.replace("LABELS", labels)])
    say = node(e, "say")
    assert (say.phase, say.message) == ("Error", message) and pods.ran == []


FIB = """
metadata: {name: twice}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: first, template: work}
    - - {name: second, template: work}
  - name: work
    memoize: {key: same, cache: {configMap: {name: twice-cache}}}
    container: {image: busybox, command: [sh, -c, "echo 7"]}
    outputs: {parameters: [{name: out, valueFrom: {path: /tmp/out}}]}
"""


def test_a_later_call_of_the_same_key_in_one_workflow_hits() -> None:
    memo, pods = LocalMemoCache(), Pods()
    e = run(FIB, memo, pods)
    assert node(e, "first").memoization_status["hit"] is False
    assert node(e, "second").memoization_status["hit"] is True
    assert pods.ran == [node(e, "first").id]


class DictCache:
    def __init__(self, entries: dict[str, MemoEntry] | None = None) -> None:
        self.entries = entries or {}
        self.lookups: list[str] = []

    def get(self, namespace: str, cache: str, key: str, now: float) -> MemoEntry | None:
        self.lookups.append(key)
        return self.entries.get(key)


def _engine(text: str, memo: DictCache) -> Reconciler:
    import yaml

    wf = yaml.safe_load(text)
    return Reconciler(wf, TemplateResolver(wf, ObjectSet()), memo=memo)


def test_save_is_an_intent_and_a_restored_hit_is_not_looked_up_again() -> None:
    # the engine is pure: it asks for the save; restored, a hit node is just a Succeeded node
    memo = DictCache()
    e = _engine(FIB, memo)
    intents = e.start(T0)
    (first,) = [i for i in intents if isinstance(i, RunPod)]
    out = {"parameters": [{"name": "out", "value": "7"}]}
    from argosy.engine.intents import PodFinished

    intents = e.handle(PodFinished(first.pod.node_id, PodResult("Succeeded", outputs=out), T0 + 1), T0 + 1)
    saves = [i for i in intents if isinstance(i, SaveMemo)]
    assert saves == [SaveMemo("default", "twice-cache", "same", first.pod.node_id, out, T0 + 1)]
    # the second call hits what the first asked to save, before the save is carried out
    assert not any(isinstance(i, RunPod) for i in intents) and e.phase == "Succeeded"
    assert memo.lookups == ["same"]
    # a new run finds the entry in the cache (the worker would have saved it)
    memo.entries["same"] = MemoEntry(first.pod.node_id, out, T0 + 1, T0 + 1)
    memo.lookups.clear()
    e2 = _engine(FIB.replace("name: twice}", "name: again}"), memo)
    assert not any(isinstance(i, RunPod) for i in e2.start(T0 + 2)) and e2.phase == "Succeeded"
    status = {**e2.workflow, "status": e2.status(with_nodes=True)}
    import json

    status = json.loads(json.dumps(status))
    memo.lookups.clear()
    restored = Reconciler.restore(status, TemplateResolver(status, ObjectSet()), memo=memo)
    assert restored.recover(T0 + 3) == [] and memo.lookups == []
    assert restored.phase == "Succeeded"


ARTIFACTS = """
metadata: {name: arts}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: make, template: make}
    - - name: take
        template: take
        arguments: {artifacts: [{name: in, from: "{{steps.make.outputs.artifacts.art}}"}]}
  - name: make
    memoize: {key: make, cache: {configMap: {name: art-cache}}}
    container: {image: busybox, command: [sh, -c, "echo made > /tmp/p"]}
    outputs: {artifacts: [{name: art, path: /tmp/p}]}
  - name: take
    inputs: {artifacts: [{name: in, path: /tmp/in}]}
    container: {image: busybox, command: [cat, /tmp/in]}
"""


def test_outputs_with_artifacts_are_cached_with_their_locations() -> None:
    # Argo saves a node's outputs whole, artifacts (their repository locations) included
    art = {"name": "art", "path": "/tmp/p", "local": {"key": "arts/arts-make-1/art.tgz"}}

    def handler(pod: PodSpec) -> PodResult:
        ran.append(pod.node_id)
        if "make" in pod.node_id or pod.template.get("name") == "make":
            return testing.result_of({"artifacts": [art]})
        return testing.result_of({"result": "made"})

    ran: list[str] = []
    memo = LocalMemoCache()
    testing.run_workflow(ARTIFACTS, handler, memo=memo)
    assert memo.entries[("default", "art-cache", "make")].outputs["artifacts"] == [art]
    ran.clear()
    again = testing.run_workflow(ARTIFACTS.replace("name: arts}", "name: arts2}"), handler, memo=memo)
    assert node(again, "make").memoization_status["hit"] is True and node(again, "make").id not in ran
    take = node(again, "take")
    assert take.phase == "Succeeded"
    assert take.inputs["artifacts"][0]["local"] == {"key": "arts/arts-make-1/art.tgz"}
