"""Memoization through the Controller and the store: caches outlive a run, a restart, a process."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from argosy import testing
from argosy.controller import Controller
from argosy.controller.clock import FakeClock
from argosy.controller.memoize import MemoLookup, StoreMemoCache, cache_configmap, entry_json, parse_entry
from argosy.engine.intents import SaveMemo
from argosy.errors import MemoizationError
from argosy.spec import ObjectSet
from argosy.store import open_store
from argosy.store.api import MemoRecord

T0 = 1_700_000_000.0

WF = """
metadata: {name: NAME}
spec:
  entrypoint: main
  templates:
  - name: main
    memoize: {key: k, maxAge: 1h, cache: {configMap: {name: c}}}
    container: {image: busybox, command: [sh, -c, "echo hi"]}
    outputs: {parameters: [{name: out, valueFrom: {path: /tmp/out}}]}
"""


def pods(ran: list[str]):
    def handler(pod):
        ran.append(pod.node_id)
        return testing.result_of({"parameters": [{"name": "out", "value": "hi"}]})
    return handler


def test_workflows_of_one_store_share_its_caches_across_controllers(tmp_path: Path) -> None:
    ran: list[str] = []
    store = open_store(tmp_path / "argosy.db")
    try:
        first = testing.run_workflow(WF.replace("NAME", "one"), pods(ran), store=store)
        second = testing.run_workflow(WF.replace("NAME", "two"), pods(ran), store=store,
                                      clock=FakeClock(T0 + 60))
    finally:
        store.close()
    assert ran == ["one"]
    assert first.nodes.get("one").memoization_status["hit"] is False
    assert second.nodes.get("two").memoization_status == {"hit": True, "key": "k", "cacheName": "c"}
    with open_store(tmp_path / "argosy.db") as again:
        (entry,) = again.list_memos("default", "c")
        assert (entry.node_id, entry.outputs["parameters"]) == ("one", [{"name": "out", "value": "hi"}])
        assert entry.last_hit_at - entry.created_at == 60  # the hit moved it, as Argo's Load does
        # what the stored hit node says survives the store: it is a plain Succeeded node
        record = again.find_workflow("default", "two")
        assert record is not None and record.status["nodes"]["two"]["memoizationStatus"]["hit"] is True


def test_a_lookup_after_a_save_of_this_process_sees_it(tmp_path: Path) -> None:
    with open_store(tmp_path / "argosy.db") as store:
        cache = StoreMemoCache(store)
        cache.save(SaveMemo("ns", "c", "k", "node", None, T0))
        got = cache.entry("ns", "c", "k", T0 + 1)
        assert got is not None and got.node_id == "node"


def test_a_recovered_workflow_keeps_its_hit_and_saves_its_misses(tmp_path: Path) -> None:
    # a workflow persisted mid-run by a dead process: its hit node stays, the rest runs and is saved
    two_steps = """
metadata: {name: rec}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: a, template: a}
    - - {name: b, template: b}
  - name: a
    memoize: {key: a, cache: {configMap: {name: c}}}
    container: {image: busybox, command: [echo, a]}
  - name: b
    memoize: {key: b, cache: {configMap: {name: c}}}
    retryStrategy: {limit: 1, retryPolicy: Always}
    container: {image: busybox, command: [echo, b]}
"""
    import subprocess

    import yaml

    from argosy.controller import prepare_workflow
    from argosy.store.owner import owner_id

    ran: list[str] = []
    store = open_store(tmp_path / "argosy.db")
    store.save_memo("default", "c", "a", "earlier", {"result": "cached"}, now=T0)
    store.flush()
    # the status a process persisted when it died: ``a`` hit, ``b`` Pending
    wf = prepare_workflow(yaml.safe_load(two_steps), ObjectSet())
    dead = Controller(data_dir=tmp_path, store=store, runtime=testing.FakeRuntime(pods(ran)))
    engine = dead.build_engine(wf)
    engine.start(T0)
    assert engine.nodes.by_name("rec[0].a").memoization_status["hit"] is True
    gone = subprocess.Popen(["true"])
    gone.wait()
    store.create_workflow({k: v for k, v in wf.items() if k != "status"}, engine.status(with_nodes=True),
                          owner=owner_id(gone.pid), lease_seconds=3600)

    async def recover() -> None:
        controller = Controller(data_dir=tmp_path, store=store, clock=FakeClock(T0 + 5),
                                runtime=testing.FakeRuntime(pods(ran)))
        (recovered,) = await controller.recover()
        restored = await controller.wait(recovered.uid)
        await controller.close()
        assert restored.phase == "Succeeded"
        assert restored.nodes.by_name("rec[0].a").memoization_status["hit"] is True
        assert restored.nodes.by_name("rec[1].b").memoization_status["hit"] is False

    try:
        asyncio.run(recover())
        b = engine.nodes.by_name("rec[1].b")
        # b's first attempt was gone ("pod deleted"), its retry ran; a's hit stands
        assert ran == [engine.nodes.id_for("rec[1].b(1)")]
        assert [store.get_memo("default", "c", k).node_id for k in ("a", "b")] == ["earlier", b.id]
    finally:
        store.close()


def test_entries_are_argos_json_both_ways() -> None:
    record = MemoRecord("ns", "c", "k", "wf-123", {"parameters": [{"name": "p", "value": "v"}]}, T0, T0 + 5)
    text = entry_json(record)
    assert text == ('{"nodeID":"wf-123","outputs":{"parameters":[{"name":"p","value":"v"}]},'
                    '"creationTimestamp":"2023-11-14T22:13:20Z","lastHitTimestamp":"2023-11-14T22:13:25Z"}')
    assert parse_entry("ns", "c", "k", text) == record
    view = cache_configmap("ns", "c", [record])
    assert view["metadata"]["labels"] == {"workflows.argoproj.io/configmap-type": "Cache"}
    assert view["data"] == {"k": text} and view["kind"] == "ConfigMap"
    with pytest.raises(MemoizationError, match="malformed cache entry"):
        parse_entry("ns", "c", "k", "{not json")


def test_a_configmap_of_another_namespace_is_not_the_cache(tmp_path: Path) -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "other"}, "data": {}}
    from argosy.spec import manifest_from_body

    objects = ObjectSet([manifest_from_body(cm)])
    with open_store(tmp_path / "argosy.db") as store:
        lookup = MemoLookup(StoreMemoCache(store), lambda ns: objects)
        assert lookup.get("default", "c", "k", T0) is None  # not refused: it is not in this namespace
        with pytest.raises(MemoizationError, match="refusing to use it"):
            lookup.get("other", "c", "k", T0)


DAG_RESUBMIT = """
metadata: {name: dagre}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: A, template: work}
      - {name: B, template: steps}
      - {name: C, template: work, depends: B}
      - {name: D, template: work, depends: "A && B"}
  - name: steps
    steps:
    - - {name: s1, template: work}
      - {name: s2, template: work}
  - name: work
    container: {image: busybox, command: [echo, work]}
"""


def test_resubmit_memoized_of_a_dag_runs_only_what_failed(tmp_path: Path) -> None:
    import yaml

    from argosy.controller import prepare_workflow
    from argosy.controller.retry import formulate_resubmit, resubmit_memoized

    ran: list[str] = []
    failing = {"dagre.C", "dagre.B[0].s2"}

    from argosy.engine.nodes import node_id

    failing_ids = {node_id("dagre", n) for n in failing}

    def handler(pod):
        ran.append(pod.node_id)
        return testing.result_of({"result": pod.node_id}, exit_code=1 if pod.node_id in failing_ids else 0)

    async def go() -> tuple[object, object]:
        store = open_store(tmp_path / "argosy.db")
        try:
            controller = Controller(data_dir=tmp_path, store=store, runtime=testing.FakeRuntime(handler))
            uid = controller.submit(yaml.safe_load(DAG_RESUBMIT))
            first = await controller.wait(uid)
            record = store.get_workflow(uid, with_nodes=True)
            wf = formulate_resubmit(record, {}, memoized=True)
            failing_ids.clear()
            ran.clear()
            status = wf.pop("status")
            new_uid = await resubmit_memoized(controller, prepare_workflow(wf, ObjectSet()), status)
            second = await controller.wait(new_uid)
            await controller.close()
            return first, second
        finally:
            store.close()

    first, second = asyncio.run(go())
    assert first.phase == "Failed" and second.phase == "Succeeded"
    by_name = {n.name.split(".", 1)[1] if "." in n.name else "": n for n in second.nodes}
    # A and B's s1 succeeded before: carried over as Skipped; s2 failed and ran again, then C and D
    assert (by_name["A"].type, by_name["A"].phase) == ("Skipped", "Skipped")
    assert by_name["A"].message == f"original pod: {node_id('dagre', 'dagre.A')}"
    assert (by_name["B[0].s1"].type, by_name["B[0].s1"].phase) == ("Skipped", "Skipped")
    ran_names = sorted(n.name.split(".", 1)[1] for n in second.nodes if n.id in ran)
    assert ran_names == ["B[0].s2", "C", "D"]


@pytest.mark.parametrize(("environ", "expected"), [
    ({}, None),
    ({"CACHE_GC_PERIOD": "0s"}, None),
    ({"CACHE_GC_PERIOD": "1m"}, (60.0, 30.0)),
    ({"CACHE_GC_PERIOD": "30s", "CACHE_GC_AFTER_NOT_HIT_DURATION": "1h30m"}, (30.0, 5400.0)),
], ids=["unset", "zero", "default-after", "both"])
def test_cache_gc_is_configured_as_argos_controller_is(environ: dict[str, str], expected) -> None:
    from argosy.controller.memoize import cache_gc_settings

    assert cache_gc_settings(environ) == expected


def test_a_cache_gc_setting_that_is_not_a_duration_says_which() -> None:
    from argosy.controller.memoize import cache_gc_settings

    with pytest.raises(MemoizationError, match="CACHE_GC_PERIOD='10' is not a duration"):
        cache_gc_settings({"CACHE_GC_PERIOD": "10"})


def test_cache_gc_deletes_entries_not_hit_lately_counting_this_process_hits(tmp_path: Path) -> None:
    from argosy.controller.memoize import run_cache_gc

    with open_store(tmp_path / "argosy.db") as store:
        cache = StoreMemoCache(store)
        for key in ("stale", "fresh", "hit"):
            cache.save(SaveMemo("ns", "c", key, f"node-{key}", None, T0 if key != "fresh" else T0 + 100))
        cache.flush()  # no hit gathered yet: hands nothing on
        assert cache.entry("ns", "c", "hit", T0 + 100) is not None  # gathered, maybe not yet written

        async def one_pass() -> None:
            task = asyncio.get_running_loop().create_task(
                run_cache_gc(store, cache, 0.01, 30.0, now=lambda: T0 + 110))
            await asyncio.sleep(0.2)
            task.cancel()

        asyncio.run(one_pass())
        assert [r.key for r in store.list_memos("ns", "c")] == ["fresh", "hit"]
