"""A Steps or DAG template with ``synchronization``: the engine asks for its locks (``Acquire``),
starts nothing under it until answered (``Acquired``), hands them back (``Release``) when the
node ends, and after a restore a node that waited asks again while one that held them goes on."""

from __future__ import annotations

import json
from typing import Any

import pytest

from argosy.controller import prepare_workflow
from argosy.engine.intents import Acquire, Acquired, PodFinished, PodResult, Release, RunPod
from argosy.engine.reconciler import Reconciler
from argosy.spec import ObjectSet, TemplateResolver, load_text

WF = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: locked}
spec:
  entrypoint: main
  templates:
  - name: main
    steps: [[{name: inner, template: guarded}]]
  - name: guarded
    priority: 3
    synchronization: {mutexes: [{name: section}]}
    KIND
  - {name: work, container: {image: busybox, command: [echo, hi]}}
"""
KINDS = {"steps": "steps: [[{name: a, template: work}]]", "dag": "dag: {tasks: [{name: a, template: work}]}"}
OK = PodResult(phase="Succeeded", exit_code=0, outputs={"exitCode": "0"})


def engine_for(kind: str) -> Reconciler:
    wf = prepare_workflow(load_text(WF.replace("KIND", KINDS[kind]))[0].body, ObjectSet())
    return Reconciler(wf, TemplateResolver(wf, ObjectSet()))


def restored(engine: Reconciler) -> Reconciler:
    wf = json.loads(json.dumps(engine.to_dict(with_nodes=True)))
    manifest = {k: v for k, v in wf.items() if k != "status"}
    return Reconciler.restore(wf, TemplateResolver(manifest, ObjectSet()), record=engine.record())


def of(intents: list[Any], kind: type) -> list[Any]:
    return [i for i in intents if isinstance(i, kind)]


@pytest.mark.parametrize("kind", ["steps", "dag"])
def test_a_locked_template_waits_for_acquired_then_releases(kind: str) -> None:
    e = engine_for(kind)
    intents = e.start(0.0)
    [ask] = of(intents, Acquire)
    assert (ask.synchronization, ask.priority) == ({"mutexes": [{"name": "section"}]}, 3.0)
    assert of(intents, RunPod) == []
    inner = e.nodes.by_name("locked[0].inner")
    assert inner.phase == "Pending"
    intents = e.handle(Acquired(inner.id, 1.0), 1.0)
    [run] = of(intents, RunPod)
    assert inner.phase == "Running"
    intents = e.handle(PodFinished(run.pod.node_id, OK, 2.0), 2.0)
    assert of(intents, Release) == [Release(inner.id)]
    assert e.phase == "Succeeded"


def test_locks_that_cannot_be_taken_error_the_node() -> None:
    e = engine_for("steps")
    [ask] = of(e.start(0.0), Acquire)
    e.handle(Acquired(ask.node_id, 1.0, "Failed to acquire the synchronization lock. nope"), 1.0)
    assert (e.nodes.get(ask.node_id).phase, e.phase) == ("Error", "Failed")


@pytest.mark.parametrize("strategy", ["Stop", "Terminate"])
def test_a_stop_ends_a_waiting_node_and_gives_up_its_place(strategy: str) -> None:
    e = engine_for("steps")
    [ask] = of(e.start(0.0), Acquire)
    intents = e.stop(1.0, strategy)
    assert Release(ask.node_id) in intents
    node = e.nodes.get(ask.node_id)
    assert (node.phase, node.message) == ("Failed", f"Stopped with strategy '{strategy}'")
    assert e.phase == "Failed"


def test_restored_waiting_node_asks_again_and_a_holding_one_goes_on() -> None:
    e = engine_for("steps")
    [ask] = of(e.start(0.0), Acquire)
    again = restored(e)
    assert of(again.recover(5.0), Acquire) == [ask]
    e.handle(Acquired(ask.node_id, 1.0), 1.0)
    held = restored(e)
    intents = held.recover(5.0)
    assert of(intents, Acquire) == []
    [run] = of(intents, RunPod)  # its pod is adopted, not asked for again
    assert run.adopt
    intents = held.handle(PodFinished(run.pod.node_id, OK, 6.0), 6.0)
    assert of(intents, Release) == [Release(ask.node_id)]
