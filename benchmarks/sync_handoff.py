"""Issue 11 item 9: 1,000 workflows contending for a semaphore of limit 5, lock hand-off.

Each workflow has ``spec.synchronization.semaphores`` on a ConfigMap key of limit 5 and one
step; all 1,000 are submitted at once to one Controller with the SQLite store (as the server
runs them), on a quick runtime whose step takes ``--step-ms`` (default 5 ms) of asyncio sleep.
The hand-off is the time from a holder's step ending (the runtime's result, which also ends
its workflow) to the first step of the next holder starting: the engine finishing the
holder, its final (durable) status write, the lock's release, the waiter's admission and
its engine's start. With limit 5 each hand-off lets exactly one waiter in, so the k-th step
end (in time order) pairs with the (5+k)-th first step start.

Floor: the same steps behind an ``asyncio.Semaphore(5)`` in the same process (release →
next acquire → step start): what any hand-off costs on this event loop.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import fresh_data_dir, median_of, options, percentile, table, verdict

from argosy.controller import Controller, data_store, loop, prepare_workflow
from argosy.engine.intents import PodResult
from argosy.runtime.objects import ObjectDicts
from argosy.spec import ObjectSet

LIMIT = 5
TARGET_P50_MS, TARGET_P99_MS = 10.0, 50.0


def contender(i: int) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"name": f"contender-{i:04d}"},
        "spec": {"entrypoint": "main",
                 "synchronization": {"semaphores": [{"configMapKeyRef": {"name": "limits", "key": "db"}}]},
                 "templates": [{"name": "main", "container": {"image": "busybox", "command": ["true"]}}]},
    }


class QuickRuntime:
    """Each step sleeps ``seconds``; records when steps start and end."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.starts: list[float] = []
        self.ends: list[float] = []

    async def run(self, pod: Any, context: Any, on_started: Any) -> PodResult:
        self.starts.append(time.perf_counter())
        on_started()
        await asyncio.sleep(self.seconds)
        self.ends.append(time.perf_counter())
        return PodResult(phase="Succeeded", exit_code=0, outputs={"exitCode": "0"})


def handoffs(starts: list[float], ends: list[float]) -> list[float]:
    """ms from the k-th step end to the (LIMIT+k)-th step start."""
    starts, ends = sorted(starts), sorted(ends)
    return [(s - e) * 1000 for e, s in zip(ends, starts[LIMIT:], strict=False)]


async def argosy(count: int, seconds: float) -> tuple[list[float], float]:
    data = fresh_data_dir()
    store = data_store(data)
    runtime = QuickRuntime(seconds)
    try:
        controller = Controller(data_dir=data, store=store, runtime=runtime,
                                object_source=ObjectDicts(configmaps={"limits": {"db": str(LIMIT)}}))
        workflows = [prepare_workflow(contender(i), ObjectSet()) for i in range(count)]
        t0 = time.perf_counter()
        for wf in workflows:
            controller.start(wf)
        engines = await controller.wait_all()
        wall = time.perf_counter() - t0
        await controller.close()
    finally:
        store.close()
    bad = [e.name for e in engines if e.phase != "Succeeded"]
    if bad:
        raise SystemExit(f"{len(bad)} workflows did not succeed, e.g. {bad[0]}")
    return handoffs(runtime.starts, runtime.ends), wall


async def floor(count: int, seconds: float) -> list[float]:
    semaphore = asyncio.Semaphore(LIMIT)
    starts: list[float] = []
    ends: list[float] = []

    async def step() -> None:
        async with semaphore:
            starts.append(time.perf_counter())
            await asyncio.sleep(seconds)
            ends.append(time.perf_counter())

    await asyncio.gather(*(step() for _ in range(count)))
    return handoffs(starts, ends)


def main() -> None:
    args = options(__doc__ or "")
    count = 100 if args.quick else 1000
    seconds = 0.005

    def measure() -> dict[str, float]:
        ours, wall = loop.run(argosy(count, seconds))
        base = loop.run(floor(count, seconds))
        return {"p50": statistics.median(ours), "p99": percentile(ours, 99), "max": max(ours),
                "floor_p50": statistics.median(base), "floor_p99": percentile(base, 99), "wall": wall}

    m = median_of(args.runs, measure)
    ok = m["p50"] <= TARGET_P50_MS and m["p99"] <= TARGET_P99_MS
    print(table(f"Lock hand-off, {count} workflows on a semaphore of limit {LIMIT} "
                f"(target: p50 ≤ {TARGET_P50_MS:g} ms, p99 ≤ {TARGET_P99_MS:g} ms) — **{verdict(ok)}**",
                ["figure", "argosy ms", "floor ms (asyncio.Semaphore)"],
                [["p50", m["p50"], m["floor_p50"]], ["p99", m["p99"], m["floor_p99"]], ["max", m["max"], "-"],
                 [f"wall for {count} workflows (s)", m["wall"], "-"]]))


if __name__ == "__main__":
    main()
