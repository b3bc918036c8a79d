"""The process runtime sets up a bounded number of pods at once; a pod that is up (running,
sleeping, waiting to be ready) holds no place among them."""

from __future__ import annotations

import asyncio

import pytest
from podkit import container, pod_spec

from argosy.runtime import ProcessRuntime, RunContext
from argosy.runtime.start_slots import SETTLE_SECONDS, StartSlots, default_limit


def test_the_default_is_one_more_than_the_cpus() -> None:
    assert default_limit() >= 2
    assert StartSlots().limit == default_limit()
    assert StartSlots(3).limit == 3


def test_a_pod_waits_for_a_slot_until_one_is_released_or_settles() -> None:
    async def go() -> list[str]:
        slots = StartSlots(2)
        order: list[str] = []
        first, second = await slots.take(), await slots.take()

        async def third() -> None:
            slot = await slots.take()
            order.append("third in")
            slot.release()

        waiting = asyncio.create_task(third())
        await asyncio.sleep(0)
        order.append("two held")
        first.release()
        first.release()  # idempotent: frees one place only
        await waiting
        again = await slots.take()
        fourth = asyncio.create_task(slots.take())
        await asyncio.sleep(0)
        assert not fourth.done()  # the second and again hold both places
        second.spawned()  # its container was spawned: the place goes once the sandbox settled
        await asyncio.sleep(SETTLE_SECONDS * 2)
        assert fourth.done()
        order.append("settled")
        again.release()
        return order

    assert asyncio.run(go()) == ["two held", "third in", "settled"]


def test_slots_start_afresh_in_a_new_event_loop() -> None:
    slots = StartSlots(1)

    async def hold() -> None:
        await slots.take()  # never released: that loop ends with its place taken

    asyncio.run(hold())
    asyncio.run(asyncio.wait_for(hold(), 10))


def test_a_running_pod_does_not_hold_a_place(context: RunContext) -> None:
    """With one place, a step that sleeps does not keep the next pod from being set up."""
    runtime = ProcessRuntime(starting_pods=1)
    try:
        runtime.check()
    except Exception as e:  # noqa: BLE001
        pytest.skip(f"no sandbox on this machine: {e}")
    started = asyncio.Event()

    async def go() -> str:
        sleeper = asyncio.create_task(runtime.run(pod_spec(container("sleep", "654987")), context, started.set))
        try:
            await started.wait()
            # a hang here (the sleeper keeping the only place) would fail on the guard
            result = await asyncio.wait_for(runtime.run(pod_spec(container("echo", "next")), context,
                                                        lambda *_: None), 60)
            return result.phase
        finally:
            sleeper.cancel()
            await asyncio.gather(sleeper, return_exceptions=True)
            await runtime.close()

    assert asyncio.run(go()) == "Succeeded"
