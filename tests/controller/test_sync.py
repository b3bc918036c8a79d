"""Semaphores, mutexes and the controller-wide queue: given workflows contending, who runs,
who waits (Pending, with Argo's message and ``status.synchronization``), in what order."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from synckit import GatedRuntime, configmaps, settle, workflow

from argosy.controller import Controller, FakeClock, prepare_workflow
from argosy.controller.queue import POSTPONED
from argosy.spec import ObjectSet

MUTEX = "{mutexes: [{name: test}]}"
SEMAPHORE = "{semaphores: [{configMapKeyRef: {name: my-config, key: workflow}}]}"
TEMPLATE_SEMAPHORE = "{semaphores: [{configMapKeyRef: {name: my-config, key: template}}]}"


class Harness:
    def __init__(self, **controller: Any) -> None:
        self.runtime = GatedRuntime()
        self.objects = configmaps(**{"my-config": {"workflow": "2", "template": "2"}})
        self.controller = Controller(data_dir=Path("/nonexistent"), runtime=self.runtime, clock=FakeClock(),
                                     object_source=self.objects, **controller)
        self.uids: dict[str, str] = {}

    def submit(self, body: dict[str, Any]) -> str:
        uid = self.controller.start(prepare_workflow(body, ObjectSet()))
        self.uids[body["metadata"]["name"]] = uid
        return uid

    def engine(self, name: str) -> Any:
        return self.controller.workers[self.uids[name]].engine

    def phase(self, name: str) -> str:
        return str(self.engine(name).phase)

    def message(self, name: str) -> str | None:
        return self.engine(name).message

    def sync_status(self, name: str) -> Any:
        return self.controller.workers[self.uids[name]].summary().get("synchronization")

    async def finish(self, name: str, phase: str = "Succeeded") -> None:
        self.runtime.finish_named(name, phase)
        await settle()

    async def done(self) -> None:
        for _ in range(200):
            for name in self.runtime.running_workflows():
                self.runtime.finish_named(name)
            await settle()
            if all(not self.controller.running(uid) for uid in self.uids.values()):
                break
        await asyncio.wait_for(self.controller.wait_all(), 5)


def run(test: Callable[[Harness], Awaitable[None]], **controller: Any) -> Harness:
    async def go() -> Harness:
        h = Harness(**controller)
        await test(h)
        await h.done()
        assert h.controller.sync.holding == {} and h.controller.sync.waiting == {}
        assert h.controller.admission.running == {}
        return h

    return asyncio.run(go())


def test_workflow_mutex_runs_one_at_a_time_in_creation_order() -> None:
    async def test(h: Harness) -> None:
        for name in ("a", "b", "c"):
            h.submit(workflow(name, sync=MUTEX))
        await settle()
        assert h.runtime.running_workflows() == ["a"]
        assert (h.phase("b"), h.message("b")) == ("Pending", "Waiting for default/Mutex/test lock. Lock status: 0/1")
        assert h.sync_status("a") == {"mutex": {"holding": [{"mutex": "default/Mutex/test", "holder": "a"}]}}
        assert h.sync_status("b") == {"mutex": {"waiting": [{"mutex": "default/Mutex/test", "holder": "default/a"}]}}
        await h.finish("a")
        assert h.runtime.running_workflows() == ["b"]
        assert (h.phase("b"), h.message("b")) == ("Running", None)
        await h.finish("b")
        assert h.runtime.running_workflows() == ["c"]

    h = run(test)
    assert [h.phase(n) for n in "abc"] == ["Succeeded"] * 3


def test_waiting_workflows_go_in_priority_then_creation_order() -> None:
    async def test(h: Harness) -> None:
        h.submit(workflow("first", sync=MUTEX))
        for name, priority in (("low", 1), ("high", 5), ("none", None), ("high2", 5)):
            h.submit(workflow(name, sync=MUTEX, priority=priority))
        await settle()
        order = []
        for _ in range(5):
            [running] = h.runtime.running_workflows()
            order.append(running)
            await h.finish(running)
        assert order == ["first", "high", "high2", "low", "none"]

    run(test)


def test_configmap_semaphore_limit_and_live_changes() -> None:
    async def test(h: Harness) -> None:
        for i in range(5):
            h.submit(workflow(f"w{i}", sync=SEMAPHORE))
        await settle()
        assert h.runtime.running_workflows() == ["w0", "w1"]
        assert h.message("w2") == "Waiting for default/ConfigMap/my-config/workflow lock. Lock status: 0/2"
        assert h.sync_status("w0") == {"semaphore": {"holding": [
            {"semaphore": "default/ConfigMap/my-config/workflow", "holders": ["w0"]}]}}
        # raised: the waiting ones start without any holder ending
        h.objects.configmaps["my-config"]["workflow"] = "3"
        h.controller.sync.refresh()
        await settle()
        assert h.runtime.running_workflows() == ["w0", "w1", "w2"]
        # lowered below the holders: they go on, nobody new starts until they are fewer
        h.objects.configmaps["my-config"]["workflow"] = "1"
        await h.finish("w0")
        await h.finish("w1")
        assert h.runtime.running_workflows() == ["w2"]
        await h.finish("w2")
        assert h.runtime.running_workflows() == ["w3"]

    run(test)


def test_template_semaphore_holds_pods_pending_with_argos_message() -> None:
    async def test(h: Harness) -> None:
        h.submit(workflow("t", template_sync=TEMPLATE_SEMAPHORE, pods=5))
        await settle()
        assert len(h.runtime.running()) == 2
        pending = [n for n in h.engine("t").nodes if n.type == "Pod" and n.phase == "Pending"]
        assert len(pending) == 3
        assert {n.message for n in pending} == {
            "Waiting for default/ConfigMap/my-config/template lock. Lock status: 0/2"}
        status = h.sync_status("t")["semaphore"]
        assert len(status["holding"][0]["holders"]) == 2
        for _ in range(3):
            h.runtime.finish(h.runtime.running()[0])
            await settle()
            assert len(h.runtime.running()) == 2

    h = run(test)
    assert h.phase("t") == "Succeeded"
    assert all(n.message is None for n in h.engine("t").nodes if n.type == "Pod")


def test_several_locks_are_taken_all_or_nothing() -> None:
    both = "{mutexes: [{name: alpha}, {name: beta}]}"

    async def test(h: Harness) -> None:
        h.submit(workflow("alpha", sync="{mutexes: [{name: alpha}]}"))
        h.submit(workflow("both", sync=both))
        h.submit(workflow("beta", sync="{mutex: {name: beta}}"))  # the 3.5 singular form
        await settle()
        # "both" waits for alpha and takes nothing meanwhile; "beta" is behind it in beta's queue
        assert h.runtime.running_workflows() == ["alpha"]
        assert h.message("both") == "Waiting for default/Mutex/alpha lock. Lock status: 0/1"
        await h.finish("alpha")
        assert h.runtime.running_workflows() == ["both"]
        await h.finish("both")
        assert h.runtime.running_workflows() == ["beta"]

    run(test)


@pytest.mark.parametrize("strategy", ["Stop", "Terminate"])
def test_stopping_a_waiting_workflow_frees_its_place(strategy: str) -> None:
    async def test(h: Harness) -> None:
        h.submit(workflow("a", sync=MUTEX))
        h.submit(workflow("b", sync=MUTEX, exit_handler=True))
        h.submit(workflow("c", sync=MUTEX))
        await settle()
        h.controller.stop(h.uids["b"], strategy)
        await settle()
        if strategy == "Stop":  # its exit handler still runs (and only it)
            assert h.runtime.running_workflows() == ["a", "b"]
            await h.finish("b")
        assert h.phase("b") == "Failed"
        started = [p.pod_name for p in h.runtime.pods.values() if p.workflow_name == "b"]
        assert [name.split("-")[1] for name in started] == (["bye"] if strategy == "Stop" else [])
        work = next(n for n in h.engine("b").nodes if n.display_name == "work(0:0)")
        assert (work.phase, work.message) == ("Failed", f"Stopped with strategy '{strategy}'")
        assert h.runtime.running_workflows() == ["a"]
        await h.finish("a")
        assert h.runtime.running_workflows() == ["c"]

    run(test)


def test_terminating_a_workflow_with_waiting_pods_releases_everything() -> None:
    async def test(h: Harness) -> None:
        h.submit(workflow("t", template_sync="{mutexes: [{name: m}]}", pods=3))
        h.submit(workflow("u", template_sync="{mutexes: [{name: m}]}", pods=1))
        await settle()
        assert len(h.runtime.running()) == 1
        h.controller.terminate(h.uids["t"])
        await settle()
        assert h.phase("t") == "Failed"
        assert h.runtime.running_workflows() == ["u"]

    run(test)


def test_missing_configmap_fails_the_workflow_with_argos_message() -> None:
    async def test(h: Harness) -> None:
        h.submit(workflow("x", sync="{semaphores: [{configMapKeyRef: {name: nope, key: k}}]}"))
        await settle()

    h = run(test)
    assert h.phase("x") == "Failed"
    assert h.message("x").startswith("Failed to acquire the synchronization lock. ")


def test_mutex_namespace_field_shares_a_lock_across_namespaces() -> None:
    shared = "{mutexes: [{name: db, namespace: shared}]}"

    async def test(h: Harness) -> None:
        h.submit(workflow("a", sync=shared, namespace="one"))
        h.submit(workflow("b", sync=shared, namespace="two"))
        await settle()
        assert h.runtime.running_workflows() == ["a"]
        assert h.message("b") == "Waiting for shared/Mutex/db lock. Lock status: 0/1"

    run(test)


@pytest.mark.parametrize(
    ("limits", "submitted", "running"),
    [
        ({"parallelism": 2}, [("a", "x"), ("b", "x"), ("c", "y")], ["a", "b"]),
        ({"namespace_parallelism": 1}, [("a", "x"), ("b", "x"), ("c", "y")], ["a", "c"]),
        ({"parallelism": 3, "namespace_parallelism": 2}, [("a", "x"), ("b", "x"), ("c", "x"), ("d", "y")],
         ["a", "b", "d"]),
    ],
    ids=["parallelism", "namespace-parallelism", "both"],
)
def test_controller_parallelism_postpones_workflows(limits: dict[str, int], submitted: list[tuple[str, str]],
                                                    running: list[str]) -> None:
    async def test(h: Harness) -> None:
        for name, namespace in submitted:
            h.submit(workflow(name, namespace=namespace))
        await settle()
        assert h.runtime.running_workflows() == running
        for name, _ in submitted:
            if name not in running:
                assert (h.phase(name), h.message(name)) == ("Pending", POSTPONED)
                assert h.controller.queued(h.uids[name])

    run(test, **limits)


def test_postponed_workflows_start_in_priority_order_as_others_finish() -> None:
    async def test(h: Harness) -> None:
        h.submit(workflow("first"))
        for name, priority in (("p1", 1), ("p9", 9), ("p0", None)):
            h.submit(workflow(name, priority=priority))
        await settle()
        order = []
        for _ in range(4):
            [name] = h.runtime.running_workflows()
            order.append(name)
            await h.finish(name)
        assert order == ["first", "p9", "p1", "p0"]

    run(test, parallelism=1)


@pytest.mark.parametrize(
    ("data", "want"),
    [
        ({"config": "parallelism: 3\nnamespaceParallelism: 2\n"}, (3, 2)),
        ({"parallelism": "4"}, (4, 0)),
        ({"config": "artifactRepository: {}"}, (0, 0)),
        ({"parallelism": "lots"}, (0, 0)),
        (None, (0, 0)),
    ],
    ids=["config-yaml", "old-layout", "unset", "not-a-number", "no-configmap"],
)
def test_controller_configmap_sets_parallelism(data: dict[str, str] | None, want: tuple[int, int]) -> None:
    async def build() -> tuple[int, int]:
        source = configmaps(**({"workflow-controller-configmap": data} if data else {}))
        c = Controller(data_dir=Path("/nonexistent"), runtime=GatedRuntime(), object_source=source)
        return c.admission.parallelism, c.admission.namespace_parallelism

    assert asyncio.run(build()) == want


def with_templates(name: str, templates: str) -> dict[str, Any]:
    """A workflow named ``name`` whose entrypoint is ``main``, with ``templates`` (YAML list items)."""
    from argosy.spec import load_text

    return load_text(f"""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {{name: {name}}}
spec:
  entrypoint: main
  templates:
{templates}
""")[0].body


def guarded(name: str, kind: str) -> dict[str, Any]:
    """A workflow whose ``guarded`` Steps or DAG template holds a mutex while its two pods run."""
    body = ("steps: [[{name: a, template: work}, {name: b, template: work}]]" if kind == "steps" else
            "dag: {tasks: [{name: a, template: work}, {name: b, template: work, dependencies: [a]}]}")
    return with_templates(name, f"""  - name: main
    steps: [[{{name: inner, template: guarded}}]]
  - name: guarded
    synchronization: {{mutexes: [{{name: section}}]}}
    {body}
  - {{name: work, container: {{image: busybox, command: [echo, hi]}}}}""")


@pytest.mark.parametrize("kind", ["steps", "dag"])
def test_steps_and_dag_templates_wait_for_their_locks(kind: str) -> None:
    async def test(h: Harness) -> None:
        h.submit(guarded("one", kind))
        h.submit(guarded("two", kind))
        await settle()
        assert h.runtime.running_workflows() == ["one"]
        inner = next(n for n in h.engine("two").nodes if n.display_name == "inner")
        assert (inner.phase, inner.message) == ("Pending", "Waiting for default/Mutex/section lock. Lock status: 0/1")
        holder = next(n for n in h.engine("one").nodes if n.display_name == "inner").id
        assert h.sync_status("one") == {"mutex": {"holding": [{"mutex": "default/Mutex/section", "holder": holder}]}}
        for _ in range(2):  # the DAG's b runs after a
            await h.finish("one")
        assert h.phase("one") == "Succeeded"
        assert h.runtime.running_workflows() == ["two"]
        assert (inner.phase, inner.message) == ("Running", None)

    h = run(test)
    assert h.phase("two") == "Succeeded"


def test_stopping_a_workflow_whose_steps_wait_for_a_lock() -> None:
    async def test(h: Harness) -> None:
        h.submit(guarded("one", "steps"))
        h.submit(guarded("two", "steps"))
        await settle()
        h.controller.terminate(h.uids["two"])
        await settle()
        assert h.phase("two") == "Failed"
        inner = next(n for n in h.engine("two").nodes if n.display_name == "inner")
        assert (inner.phase, inner.message) == ("Failed", "Stopped with strategy 'Terminate'")

    run(test)


def test_a_lock_handed_on_is_stored_released_before_it_is_stored_held(tmp_path: Path) -> None:
    """The store never shows a mutex held twice, so that a kill -9 at any moment recovers at
    most one holder: the pod that lets it go writes that at once, ahead of the pod it goes to
    (each workflow otherwise writes its progress at most every PERSIST_INTERVAL)."""
    from argosy.controller.worker import PERSIST_INTERVAL
    from argosy.store import open_store

    def body(name: str, free: bool) -> dict[str, Any]:
        # a goes on after its locked pod, so its end does not write the release anyway
        steps = "[{name: free, template: free}, {name: locked, template: locked}], [{name: after, template: free}]" \
            if free else "[{name: locked, template: locked}]"
        return with_templates(name, f"""  - {{name: main, steps: [{steps}]}}
  - {{name: free, container: {{image: busybox, command: [echo, hi]}}}}
  - {{name: locked, synchronization: {MUTEX}, container: {{image: busybox, command: [echo, hi]}}}}""")

    def stored_holders() -> list[str]:
        store.flush()
        holders = []
        for name in ("a", "b"):
            sync = store.find_workflow("default", name).status.get("synchronization") or {}
            holders += [f"{name}:{h['holder']}" for h in (sync.get("mutex") or {}).get("holding") or ()]
        return holders

    async def go() -> list[list[str]]:
        runtime = GatedRuntime()
        controller = Controller(data_dir=tmp_path, store=store, runtime=runtime, clock=FakeClock())
        controller.start(prepare_workflow(body("a", free=True), ObjectSet()))
        await settle()
        controller.start(prepare_workflow(body("b", free=False), ObjectSet()))
        await settle()
        seen = [stored_holders()]
        await asyncio.sleep(PERSIST_INTERVAL * 2.5)  # both wrote what they had, an interval ago
        seen.append(stored_holders())
        by_name = {runtime.pods[n].template.get("name") if runtime.pods[n].workflow_name == "a" else "b": n
                   for n in runtime.running()}
        runtime.finish(by_name["free"])  # a writes that now (its interval has passed) ...
        await settle()
        runtime.finish(by_name["locked"])  # ... and so had to wait to write this, before the fix
        await settle()
        seen.append(stored_holders())
        for name in ("a", "b"):
            runtime.finish_named(name)
        await asyncio.wait_for(controller.wait_all(), 5)
        await controller.close()
        return seen

    store = open_store(tmp_path / "argosy.db")
    try:
        seen = asyncio.run(go())
    finally:
        store.close()
    assert [len(holders) <= 1 for holders in seen] == [True, True, True], seen
    assert seen[1][0].startswith("a:") and seen[2][0].startswith("b:"), seen
