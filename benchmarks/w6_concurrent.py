"""W6: 100 workflows of 20 chained steps running at once, against one such workflow alone.

Both run in this process through the Controller and the process runtime (real sandboxes), as
the server runs them. The figure is the engine's CPU per step (this process's CPU time: the
controller, the engines, the store's writer; not the steps' own processes): with 100 workflows
in flight it must stay within 1.5x of the single workflow's (issue 10) — the per-step work
must not grow with the number of workflows running.
"""

from __future__ import annotations

import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import fresh_data_dir, options, table, verdict
from w1_chain import chain

from argosy.controller import loop, prepare_workflow
from argosy.spec import ObjectSet
from argosy.testing import run_workflows

STEPS = 20


def run_many(count: int) -> dict[str, float]:
    objects = ObjectSet()
    workflows = [prepare_workflow(chain(STEPS), objects, {}, None) for _ in range(count)]
    data = fresh_data_dir()
    try:
        cpu0, t0 = time.process_time(), time.perf_counter()
        engines = loop.run(run_workflows(workflows, objects, data, on_change=lambda _e, _c: None))
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    finally:
        shutil.rmtree(data, ignore_errors=True)
    bad = [(e.name, e.phase, e.message) for e in engines if e.phase != "Succeeded"]
    if bad:
        raise SystemExit(f"W6 workflows did not succeed: {bad[:3]}")
    steps = count * STEPS
    return {"cpu_ms": cpu / steps * 1000, "wall": wall, "steps_s": steps / wall}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = options(__doc__ or "", argv, runs=3)
    count = 20 if args.quick else 100
    # interleaved: single, many, single, ... (the machine's speed drifts)
    singles, manys = [], []
    for _ in range(args.runs):
        singles.append(run_many(1))
        manys.append(run_many(count))
    one = {k: statistics.median(s[k] for s in singles) for k in singles[0]}
    many = {k: statistics.median(s[k] for s in manys) for k in manys[0]}
    ratio = many["cpu_ms"] / one["cpu_ms"]
    print(table(f"W6 {count} workflows of {STEPS} chained steps at once (target: CPU/step <= 1.5x one alone)",
                ["workflows", "engine CPU ms/step", "wall s", "steps/s", "ratio to one", "target"],
                [[1, one["cpu_ms"], one["wall"], one["steps_s"], 1.0, "-"],
                 [count, many["cpu_ms"], many["wall"], many["steps_s"], ratio, verdict(ratio <= 1.5)]]))
    return {"one": one, "many": many, "ratio": ratio}


if __name__ == "__main__":
    main()
