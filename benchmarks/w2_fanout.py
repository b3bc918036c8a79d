"""W2: ``withItems`` fan-out of N ``echo`` steps plus one join, with ``parallelism`` 2 and 4.

Floor: the same sandboxed commands run by a pool of the same width (an asyncio semaphore)
from this process, then the join command.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Floor, dump, median_of, options, run_yaml, table, verdict


def fanout(items: int, parallelism: int) -> dict[str, Any]:
    """``items`` echo steps in one group, then one join step."""
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": f"w2-fanout-{items}-p{parallelism}-"},
        "spec": {
            "entrypoint": "main",
            "parallelism": parallelism,
            "templates": [
                {"name": "main", "steps": [
                    [{"name": "fan", "template": "echo", "withItems": list(range(items)),
                      "arguments": {"parameters": [{"name": "x", "value": "{{item}}"}]}}],
                    [{"name": "join", "template": "echo",
                      "arguments": {"parameters": [{"name": "x", "value": "done"}]}}],
                ]},
                {"name": "echo", "inputs": {"parameters": [{"name": "x"}]},
                 "container": {"image": "alpine:3", "command": ["echo"],
                               "args": ["{{inputs.parameters.x}}"]}},
            ],
        },
    }


async def pool(floor: Floor, items: int, width: int) -> None:
    gate = asyncio.Semaphore(width)

    async def one(i: int) -> None:
        async with gate:
            await floor.run_async(["echo", str(i)])

    await asyncio.gather(*(one(i) for i in range(items)))
    await floor.run_async(["echo", "done"])


def measure(items: int, width: int, floor: Floor) -> dict[str, float]:
    run = run_yaml(dump(fanout(items, width)))
    nodes = run.engine.to_dict()["status"]["nodes"]
    pods = sum(1 for n in nodes.values() if n.get("type") == "Pod")
    if pods != items + 1:
        raise SystemExit(f"fan-out of {items} ran {pods} pods")
    t0 = time.perf_counter()
    asyncio.run(pool(floor, items, width))
    return {"engine": run.wall, "floor": time.perf_counter() - t0, "cpu": run.cpu}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = options(__doc__ or "", argv)
    sizes = [100] if args.quick else [1000, 10000]
    widths = [4] if args.quick else [2, 4]
    floor = Floor()
    rows, results = [], {}
    try:
        floor.run(["true"])
        for width in widths:
            for n in sizes:
                runs = 1 if n >= 10000 else args.runs
                m = median_of(runs, lambda n=n, w=width: measure(n, w, floor))
                ratio = m["engine"] / m["floor"]
                per_task = (m["engine"] - m["floor"]) / (n + 1) * 1000
                results[(n, width)] = {**m, "ratio": ratio, "overhead_ms": per_task}
                rows.append([n, width, runs, m["engine"], m["floor"], ratio, per_task,
                             m["cpu"] / (n + 1) * 1000, verdict(ratio <= 1.3) if n <= 1000 else ""])
    finally:
        floor.close()
    print(table("W2 fan-out (target: <= 1.3x floor at 1,000; overhead/task flat to 10,000)",
                ["items", "parallelism", "runs", "engine s", "floor s", "ratio",
                 "overhead ms/task", "engine CPU ms/task", "target"], rows))
    return results


if __name__ == "__main__":
    main()
