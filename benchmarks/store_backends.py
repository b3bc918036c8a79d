"""The two store backends side by side: SQLite (embedded) and PostgreSQL (a shared server).

1. ``save_progress`` batches per second, each batch the status summary and two changed nodes
   (what the controller persists for a chain step): *durable* is one batch then ``flush()``
   (a commit each, what a finished phase costs); *queued* is a burst of batches, then one
   ``flush()`` (the writer merges what queued while it committed). Caller CPU per batch
   is what the event loop pays.
2. W1's chain of 200 ``sh -c 'echo $((x+1))'`` steps through the ``Controller`` with each store:
   this process's CPU per step (engine, controller, store client and writer thread) and, for
   PostgreSQL, the server's CPU per step besides (its processes' utime + stime from /proc).

Without ``--url`` it starts a throwaway PostgreSQL cluster (``tests/pgcluster.py``) with
``fsync`` on, as a real server has it, so both backends' commits reach the disk. The SQLite
file lives in a fresh data dir (``harness.fresh_data_dir``). Nothing here is a test.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.append(str(HERE.parent / "tests"))  # pgcluster (after this dir: tests/ has a harness.py too)

import harness
from w1_chain import chain, last_result


def _node(i: int, phase: str = "Running") -> dict[str, Any]:
    return {"id": f"wf-{i}", "name": f"wf[{i}].s{i}", "displayName": f"s{i}", "type": "Pod",
            "templateName": "inc", "phase": phase, "boundaryID": "wf", "startedAt": "2024-01-01T00:00:00Z",
            "inputs": {"parameters": [{"name": "x", "value": str(i)}]},
            "outputs": {"result": str(i + 1), "exitCode": "0"}, "hostNodeName": "localhost"}


def batches_per_second(open_store: Callable[[], Any], batches: int, durable: bool) -> dict[str, float]:
    store = open_store()
    uid = f"u-{time.monotonic_ns()}"
    store.create_workflow({"metadata": {"name": uid, "uid": uid}, "spec": {}},
                          {"phase": "Running", "nodes": {f"wf-{i}": _node(i, "Succeeded") for i in range(10)}})
    try:
        thread0, wall0 = time.thread_time(), time.perf_counter()
        for i in range(batches):
            store.save_progress(uid, {"phase": "Running", "progress": f"{i}/{batches}"},
                                [(f"wf-{10 + i}", _node(10 + i)), (f"wf-{9 + i}", _node(9 + i, "Succeeded"))])
            if durable:
                store.flush()
        caller = time.thread_time() - thread0
        store.flush()
        wall = time.perf_counter() - wall0
    finally:
        store.close()
    return {"per_s": batches / wall, "caller_us": caller / batches * 1e6}


def server_cpu() -> float:
    """CPU seconds used so far by every process named postgres (with their reaped children)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        if name != "postgres" and not name.startswith("postgres:"):
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        total += sum(int(x) for x in fields[11:15]) / tick
    return total


def chain_through_controller(url_or_path: str, steps: int) -> dict[str, float]:
    from argosy.controller import Controller, loop, prepare_workflow
    from argosy.store import open_store

    text = harness.dump(chain(steps))
    objects = harness.ObjectSet(harness.load_text(text))
    wf = prepare_workflow(objects.workflows[0].body, objects, {}, None)
    data = harness.fresh_data_dir()

    async def run() -> Any:
        store = open_store(url_or_path or data / "argosy.db")
        try:
            controller = Controller(data_dir=data, store=store, objects=objects)
            engines = await controller.run([wf])
            await controller.close()
            return engines[0]
        finally:
            store.close()

    try:
        server0, cpu0, wall0 = server_cpu(), time.process_time(), time.perf_counter()
        engine = loop.run(run())
        wall, cpu, server = time.perf_counter() - wall0, time.process_time() - cpu0, server_cpu() - server0
    finally:
        shutil.rmtree(data, ignore_errors=True)
    if last_result(engine, steps) != str(steps):
        raise SystemExit(f"the chain ended {engine.phase} with the wrong result")
    return {"cpu_ms": cpu / steps * 1e3, "wall_ms": wall / steps * 1e3,
            "server_ms": server / steps * 1e3 if url_or_path else 0.0}


@contextlib.contextmanager
def postgres(url: str | None) -> Iterator[str]:
    if url:
        yield url
        return
    import pgcluster

    with pgcluster.cluster(fsync=True) as running:
        yield running.url()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", help="a PostgreSQL database to use (default: start a throwaway cluster)")
    p.add_argument("--quick", action="store_true", help="smoke mode: fewer batches, 20 steps, one run")
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args(argv)
    runs = 1 if args.quick else args.runs
    batches, steps = (200, 20) if args.quick else (2000, 200)
    with postgres(args.url) as url:
        backends: dict[str, Callable[[], Any]] = {}
        data = harness.fresh_data_dir()
        from argosy.store import open_store

        backends["SQLite"] = lambda: open_store(data / "bench.db")
        backends["PostgreSQL"] = lambda: open_store(url)
        rows = []
        for name, opener in backends.items():
            durable = [batches_per_second(opener, batches // 4, True) for _ in range(runs)]
            queued = [batches_per_second(opener, batches, False) for _ in range(runs)]
            rows.append([name, statistics.median(r["per_s"] for r in durable),
                         statistics.median(r["caller_us"] for r in durable),
                         statistics.median(r["per_s"] for r in queued),
                         statistics.median(r["caller_us"] for r in queued)])
        shutil.rmtree(data, ignore_errors=True)
        print(harness.table("save_progress batches (summary + 2 nodes)",
                            ["store", "durable batches/s", "caller µs", "queued batches/s", "caller µs"], rows))
        rows = []
        for name, target in (("SQLite", ""), ("PostgreSQL", url)):
            got = harness.median_of(runs, lambda target=target: chain_through_controller(target, steps))
            rows.append([name, got["cpu_ms"], got["server_ms"] if target else "-", got["wall_ms"]])
        print(harness.table(f"W1 chain of {steps} steps through the Controller",
                            ["store", "Argosy CPU ms/step", "server CPU ms/step", "wall ms/step"], rows))


if __name__ == "__main__":
    main()
