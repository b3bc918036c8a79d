"""Locks never leak nor deadlock, whatever happens in whatever order (Argo's P1 bugs).

A seeded random driver interleaves submissions (workflow- and template-level semaphores and
mutexes, priorities, failing exit handlers), pods ending well or badly, stop, terminate,
delete, retry, resubmit, a raised limit and a crash of the controller (its process "killed":
nothing of it runs on; a new controller recovers from the store) on a fake runtime and clock.
After every step:

- every lock is held only by a running holder (a workflow this controller runs and has let
  in, or an unfinished node of one that is not waiting), never by more than its limit;
- no waiter starves while its locks are free: none could take all its locks and did not;
- a workflow beyond the controller's parallelism waits only while there is no room.

At the end every workflow finishes and nothing is held or waited for.
"""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest
from synckit import GatedRuntime, configmaps, settle, workflow

from argosy.controller import Controller, FakeClock, prepare_workflow
from argosy.controller.retry import retry_workflow
from argosy.engine import nodes as N
from argosy.spec import ObjectSet
from argosy.store import open_store

#: (workflow, pod template, steps template) synchronization
LOCKS = [
    ("{mutexes: [{name: m}]}", "", ""),
    ("{semaphores: [{configMapKeyRef: {name: limits, key: wf}}]}", "", ""),
    ("{mutexes: [{name: m}], semaphores: [{configMapKeyRef: {name: limits, key: wf}}]}", "", ""),
    ("", "{mutexes: [{name: t}]}", ""),
    ("", "{semaphores: [{configMapKeyRef: {name: limits, key: tmpl}}]}", ""),
    ("{semaphores: [{configMapKeyRef: {name: limits, key: wf}}]}", "{mutexes: [{name: t}]}", ""),
    ("", "", "{mutexes: [{name: s}]}"),
    ("", "{mutexes: [{name: t}]}", "{semaphores: [{configMapKeyRef: {name: limits, key: tmpl}}]}"),
    ("", "", ""),
]
LEASE = 0.05


class World:
    """One store, one controller at a time (a crash replaces it), and the workflows sent."""

    def __init__(self, tmp: Path, seed: int) -> None:
        self.rng = random.Random(seed)
        self.store = open_store(tmp / "argosy.db")
        self.objects = configmaps(limits={"wf": "2", "tmpl": "2"})
        self.tmp = tmp
        self.generation = 0
        self.names: list[str] = []
        self.runtime = GatedRuntime()
        self.controller = self._controller()

    def _controller(self) -> Controller:
        self.generation += 1
        return Controller(data_dir=self.tmp, store=self.store, runtime=self.runtime, clock=FakeClock(),
                          object_source=self.objects, owner=f"test-owner-{self.generation}",
                          lease_seconds=LEASE, parallelism=4)

    def uid(self, name: str) -> str | None:
        record = self.store.find_workflow("default", name, with_nodes=False)
        return record.uid if record is not None else None

    # ---- steps -----------------------------------------------------------------------

    def submit(self) -> None:
        name = f"w{len(self.names)}"
        sync, template_sync, steps_sync = self.rng.choice(LOCKS)
        body = workflow(name, sync=sync, template_sync=template_sync, steps_sync=steps_sync,
                        pods=self.rng.randint(1, 3),
                        priority=self.rng.choice([None, 1, 5]), exit_handler=self.rng.random() < 0.3)
        self.controller.start(prepare_workflow(body, ObjectSet()))
        self.names.append(name)

    def finish_pod(self) -> None:
        running = self.runtime.running()
        if running:
            self.runtime.finish(self.rng.choice(running), self.rng.choice(["Succeeded", "Succeeded", "Failed"]))

    def live(self) -> list[str]:
        c = self.controller
        return [w.engine.name for uid, w in c.workers.items() if c.running(uid)]

    def stop(self, strategy: str) -> None:
        live = self.live()
        if live:
            uid = self.uid(self.rng.choice(live))
            if uid is not None:
                self.controller.stop(uid, strategy)

    def delete(self) -> None:
        live = self.live()
        if live:
            uid = self.uid(self.rng.choice(live))
            if uid is not None:
                self.controller.terminate(uid)  # as the server's delete does
                self.store.delete_workflow(uid)

    async def retry(self) -> None:
        self.store.flush()
        failed = [r for r in self.store.list_workflows("default", phases=["Failed", "Error"]).items
                  if not self.controller.running(r.uid)]
        if failed:
            record = self.store.get_workflow(self.rng.choice(failed).uid, with_nodes=True)
            if record is not None:
                await retry_workflow(self.controller, record)

    def raise_limit(self) -> None:
        data = self.objects.configmaps["limits"]
        key = self.rng.choice(["wf", "tmpl"])
        data[key] = str(int(data[key]) + 1)
        self.controller.sync.refresh()

    async def crash(self) -> None:
        """kill -9 of the controller: nothing of it runs or writes on; a new one recovers."""
        old = self.controller
        self.runtime.dead = True
        for worker in old.workers.values():
            worker.store = None
            if worker._flush is not None:
                worker._flush.cancel()
        for task in [*old._runs.values(), old._heartbeat, old.admission._poll_task]:
            if task is not None:
                task.cancel()
        await settle()
        self.store.flush()
        await asyncio.sleep(LEASE * 2)  # its leases run out (nothing of the old one runs)
        self.runtime = GatedRuntime()
        self.controller = self._controller()
        await self.controller.recover()

    # ---- the invariant ---------------------------------------------------------------

    def check(self) -> None:
        c = self.controller
        sync = c.sync
        by_name = {w.engine.name: (uid, w) for uid, w in c.workers.items()}
        for lock in sync.locks.values():
            limit = sync.limits.limit(lock.ref)
            assert len(lock.holders) <= limit, (lock.ref.name, list(lock.holders), limit)
            for holder in lock.holders:
                _, name, *node = holder.split("/")
                uid, worker = by_name[name]
                assert c.running(uid) and not c.queued(uid), f"{holder} holds {lock.ref.name} but does not run"
                if node:
                    found = worker.engine.nodes.by_id.get(node[0])
                    assert found is not None and not N.fulfilled_phase(found.phase), f"{holder} ended"
        for holder, request in sync.waiting.items():
            assert not sync._can_take(request), f"{holder} could take {[r.name for r in request.locks]}"
        if c.admission.queued():
            assert len(c.admission.running) >= c.admission.parallelism

    async def finish_all(self) -> None:
        for _ in range(500):
            for node_id in self.runtime.running():
                self.runtime.finish(node_id)
            await settle()
            self.check()
            if not self.live():
                break
            await asyncio.sleep(0.001)
        await asyncio.wait_for(self.controller.wait_all(), 10)


async def drive(tmp: Path, seed: int, steps: int) -> World:
    world = World(tmp, seed)
    rng = world.rng
    try:
        for _ in range(steps):
            roll = rng.random()
            if roll < 0.3:
                world.submit()
            elif roll < 0.65:
                world.finish_pod()
            elif roll < 0.72:
                world.stop("Stop")
            elif roll < 0.78:
                world.stop("Terminate")
            elif roll < 0.83:
                world.delete()
            elif roll < 0.9:
                await world.retry()
            elif roll < 0.94:
                world.raise_limit()
            else:
                await world.crash()
            await settle()
            world.check()
        await world.finish_all()
        c = world.controller
        assert c.sync.holding == {} and c.sync.waiting == {}, (c.sync.holding, c.sync.waiting)
        assert c.admission.running == {} and c.admission.queued() == []
        await c.close()
    finally:
        world.store.close()
    return world


@pytest.mark.parametrize("seed", range(12))
def test_locks_are_held_by_running_holders_and_never_starve(tmp_path: Path, seed: int) -> None:
    world = asyncio.run(drive(tmp_path, seed, steps=60))
    assert world.names  # something was submitted
