"""W5: ``withItems`` workflows of 100, 10,000 and 100,000 nodes on a fake runtime.

The engine, the runner and the SQLite store run for real (status persisted as in ``argosy
run``); nodes are answered by :class:`FakeRuntime` at once, so no process is started. Each
size runs in a fresh subprocess, so peak RSS is per size. A node event is one ``PodStarted``
or ``PodFinished`` handled by the engine (two per pod).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import dump, median_of, options, peak_rss_mb, run_yaml, table, verdict

from argosy.engine.intents import PodResult, PodSpec
from argosy.runtime.base import FakeRuntime, result_of


def fanout(items: int) -> dict[str, Any]:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": f"w5-scale-{items}-"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "steps": [
                    [{"name": "fan", "template": "echo", "withItems": list(range(items)),
                      "arguments": {"parameters": [{"name": "x", "value": "{{item}}"}]}}],
                ]},
                {"name": "echo", "inputs": {"parameters": [{"name": "x"}]},
                 "container": {"image": "alpine:3", "command": ["echo"],
                               "args": ["{{inputs.parameters.x}}"]}},
            ],
        },
    }


def answer(pod: PodSpec) -> PodResult:
    return result_of({"result": pod.template["container"]["args"][0]})


def child(items: int) -> dict[str, float]:
    """One run of ``items`` nodes in this (fresh) process."""
    text = dump(fanout(items))
    runtime = FakeRuntime(answer)
    run = run_yaml(text, runtime=runtime)
    pods = len(runtime.started)
    if pods != items:
        raise SystemExit(f"ran {pods} of {items} pods")
    events = 2 * pods
    return {"wall": run.wall, "cpu": run.cpu, "events": events,
            "us_per_event": run.cpu / events * 1e6, "rss_mb": peak_rss_mb()}


def measure(items: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", str(items)],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> dict[str, Any]:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["--child"]:
        print(json.dumps(child(int(argv[1]))))
        return {}
    args = options(__doc__ or "", argv)
    sizes = [100, 2000] if args.quick else [100, 10000, 100000]
    results = {n: median_of(1 if n >= 100000 else args.runs, lambda n=n: measure(n)) for n in sizes}
    base = results[sizes[0]]["us_per_event"]
    rows = []
    for n, m in results.items():
        growth = m["us_per_event"] / base
        rss_cap = 100 if n <= 10000 else 1024
        ok = growth <= 1.5 and m["rss_mb"] <= rss_cap and (n < 100000 or m["wall"] <= 60)
        rows.append([n, m["wall"], m["cpu"], int(m["events"]), m["us_per_event"], growth, m["rss_mb"],
                     verdict(ok)])
    print(table("W5 scale on FakeRuntime + SQLite store (targets: per-event CPU at 100k <= 1.5x at 100; "
                "100k <= 60 s; RSS <= 100 MB at 10k, <= 1 GB at 100k)",
                ["nodes", "wall s", "CPU s", "events", "CPU us/event", "x vs 100", "peak RSS MB", "target"],
                rows))
    return results


if __name__ == "__main__":
    main()
