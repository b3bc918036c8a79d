"""W3: 50 chained diamonds, each joined with ``depends: "b.Succeeded && c.Succeeded"``.

Diamond i is ``a{i}`` -> ``b{i}``, ``c{i}`` (and ``s{i}``, skipped by ``when``) ->
``a{i+1}`` (the last diamond joins into ``end``): 50 x 4 + 1 = 201 nodes.

Node timestamps in status are whole seconds (Argo's format), so hand-off is measured at the
runtime: a recording runtime wraps :class:`ProcessRuntime` and notes ``perf_counter()`` at
``run()`` entry, at ``on_started`` (the sandbox process is running) and at ``run()`` exit.
For each dependant node:

* engine hand-off = its entry - the latest exit of its dependencies (what the engine adds
  beyond the spawn; the target is on this one),
* spawn = its started - its entry (the runtime's setup plus fork/exec of bwrap),
* total = its started - the latest exit of its dependencies.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import dump, median_of, options, percentile, run_yaml, table, verdict

from argosy.engine.intents import PodResult, PodSpec
from argosy.runtime.base import RunContext
from argosy.runtime.process import ProcessRuntime

DIAMONDS = 50


def task(name: str, depends: str | None = None, when: str | None = None) -> dict[str, Any]:
    t: dict[str, Any] = {"name": name, "template": "echo",
                         "arguments": {"parameters": [{"name": "x", "value": name}]}}
    if depends:
        t["depends"] = depends
    if when:
        t["when"] = when
    return t


def lattice(diamonds: int) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The workflow and, per task that runs, the tasks it waits for."""
    tasks, deps = [], {}
    for i in range(diamonds):
        a = f"a{i}"
        if i == 0:
            tasks.append(task(a))
            deps[a] = []
        else:
            tasks.append(task(a, f"b{i - 1}.Succeeded && c{i - 1}.Succeeded"))
            deps[a] = [f"b{i - 1}", f"c{i - 1}"]
        for side in ("b", "c"):
            tasks.append(task(f"{side}{i}", a))
            deps[f"{side}{i}"] = [a]
        tasks.append(task(f"s{i}", a, when=f"'{{{{tasks.{a}.outputs.result}}}}' == 'never'"))
    last = diamonds - 1
    tasks.append(task("end", f"b{last}.Succeeded && c{last}.Succeeded"))
    deps["end"] = [f"b{last}", f"c{last}"]
    wf = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": "w3-lattice-"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "dag": {"tasks": tasks}},
                {"name": "echo", "inputs": {"parameters": [{"name": "x"}]},
                 "container": {"image": "alpine:3", "command": ["echo"],
                               "args": ["{{inputs.parameters.x}}"]}},
            ],
        },
    }
    return wf, deps


class RecordingRuntime:
    """A :class:`ProcessRuntime` that notes when each node entered, started and left ``run``."""

    def __init__(self) -> None:
        self.inner = ProcessRuntime()
        self.inner.check()
        self.entry: dict[str, float] = {}
        self.started: dict[str, float] = {}
        self.exit: dict[str, float] = {}

    async def run(self, pod: PodSpec, context: RunContext, on_started: Callable[[], None]) -> PodResult:
        node = pod.node_id
        self.entry[node] = time.perf_counter()

        def started() -> None:
            self.started[node] = time.perf_counter()
            on_started()

        try:
            return await self.inner.run(pod, context, started)
        finally:
            self.exit[node] = time.perf_counter()


def measure(diamonds: int) -> dict[str, float]:
    wf, deps = lattice(diamonds)
    rt = RecordingRuntime()
    run = run_yaml(dump(wf), runtime=rt)
    nodes = run.engine.to_dict()["status"]["nodes"]
    ids = {n["displayName"]: nid for nid, n in nodes.items() if n.get("type") == "Pod"}
    skipped = sum(1 for n in nodes.values() if n.get("type") == "Skipped")
    if skipped != diamonds or len(ids) != len(deps):
        raise SystemExit(f"lattice ran {len(ids)} pods and skipped {skipped} (expected {len(deps)}, {diamonds})")
    handoff, spawn, total = [], [], []
    for name, waits in deps.items():
        if not waits:
            continue
        me = ids[name]
        ready = max(rt.exit[ids[d]] for d in waits)
        handoff.append(rt.entry[me] - ready)
        spawn.append(rt.started[me] - rt.entry[me])
        total.append(rt.started[me] - ready)
    ms = lambda xs, p: percentile(xs, p) * 1000
    return {"handoff_p50": ms(handoff, 50), "handoff_p99": ms(handoff, 99),
            "spawn_p50": ms(spawn, 50), "spawn_p99": ms(spawn, 99),
            "total_p50": ms(total, 50), "total_p99": ms(total, 99), "wall": run.wall,
            "nodes": float(len(nodes))}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = options(__doc__ or "", argv)
    diamonds = 10 if args.quick else DIAMONDS
    m = median_of(args.runs, lambda: measure(diamonds))
    ok = m["handoff_p50"] <= 2 and m["handoff_p99"] <= 10
    print(table(f"W3 lattice of {diamonds} diamonds, {int(m['nodes'])} nodes "
                "(target: hand-off p50 <= 2 ms, p99 <= 10 ms beyond the spawn)",
                ["measure", "p50 ms", "p99 ms"],
                [["engine hand-off (dep exit -> dependant run() entry)", m["handoff_p50"], m["handoff_p99"]],
                 ["spawn (run() entry -> process started)", m["spawn_p50"], m["spawn_p99"]],
                 ["total (dep exit -> dependant process started)", m["total_p50"], m["total_p99"]]]))
    print(f"\nworkflow wall {m['wall']:.2f} s; target {verdict(ok)}")
    return m


if __name__ == "__main__":
    main()
