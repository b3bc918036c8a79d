"""P: Argosy and Prefect 3 on the same W1/W2 shapes, in one run, per task.

Run with Argosy's interpreter after ``sh benchmarks/peers/setup.sh``::

    python benchmarks/peers/side_by_side.py [--quick]

Argosy's shapes run in this process (as ``argosy run`` does, store included); Prefect's run in
its own virtual environment (``peers/.venv-prefect``) via ``prefect_w1_w2.py``, right after.
Both run the same sandboxed command per task. Per task: Argosy's whole run (start-up
included) over its tasks; Prefect's flow body, timed inside the flow from its first task to
its last, over its tasks (its flow's own start-up, about a second, is left out). The floor (the same commands with no orchestrator) is
subtracted to show each one's own cost per task. Target: Argosy >= 5x faster per task, judged
on that own cost: with the same sandboxed command on both sides, the command's 4-7 ms bounds
the ratio of whole per-task times (both are printed).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from harness import Floor, dump, options, run_yaml, table, verdict
from w1_chain import chain, startup
from w2_fanout import fanout, pool

PREFECT = HERE / ".venv-prefect" / "bin" / "python"


def argosy_rows(quick: bool, floor: Floor) -> list[dict[str, float | int | str]]:
    rows: list[dict[str, float | int | str]] = []
    for n in ([20] if quick else [200, 1000]):
        wall = run_yaml(dump(chain(n))).wall
        t0 = time.perf_counter()
        x = "0"
        for _ in range(n):
            x = floor.run(["sh", "-c", f"echo $(({x}+1))"]).strip()
        floor_ms = (time.perf_counter() - t0) / n * 1000
        rows.append({"shape": "W1 chain", "tasks": n, "width": "-",
                     "ms_per_task": wall / n * 1000, "floor_ms": floor_ms})
    for width in ([4] if quick else [2, 4]):
        n = 50 if quick else 1000
        wall = run_yaml(dump(fanout(n, width))).wall
        t0 = time.perf_counter()
        asyncio.run(pool(floor, n, width))
        floor_ms = (time.perf_counter() - t0) / (n + 1) * 1000
        rows.append({"shape": "W2 fan-out", "tasks": n, "width": width,
                     "ms_per_task": wall / (n + 1) * 1000, "floor_ms": floor_ms})
    return rows


def main() -> None:
    args = options(__doc__ or "")
    if not PREFECT.exists():
        raise SystemExit(f"no Prefect environment at {PREFECT}: run sh {HERE / 'setup.sh'} first")
    floor = Floor()
    try:
        floor.run(["true"])
        ours = argosy_rows(args.quick, floor)
    finally:
        floor.close()
    s = startup(1)
    fixed = s["argosy"] - s["python"]
    command = [str(PREFECT), str(HERE / "prefect_w1_w2.py"), "--json"] + (["--quick"] if args.quick else [])
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    theirs = json.loads(done.stdout.strip().splitlines()[-1])
    rows = []
    for a, p in zip(ours, theirs["rows"]):
        own_a = a["ms_per_task"] - a["floor_ms"]
        own_p = p["ms_per_task"] - a["floor_ms"]
        # each one's own cost per task (its time less the floor's). Argosy's is within the
        # floor's noise here, so it is taken as at least W1's 1 ms budget: a conservative ratio
        own_ratio = own_p / max(own_a, 1.0)
        rows.append([a["shape"], a["tasks"], a["width"], a["ms_per_task"], p["ms_per_task"],
                     p["ms_per_task"] / a["ms_per_task"], a["floor_ms"], own_a, own_p, own_ratio,
                     verdict(own_ratio >= 5)])
    print(table("P: Argosy vs Prefect 3, per task (target: Argosy >= 5x faster)",
                ["shape", "tasks", "width", "Argosy ms/task", "Prefect ms/task", "wall ratio",
                 "floor ms/task", "Argosy own ms/task", "Prefect own ms/task",
                 "own-cost ratio (Argosy own >= 1 ms)", "target"], rows))
    print(table("P: fixed start-up",
                ["argosy run (1 step, less python start) s", "Prefect import + first flow s", "ratio"],
                [[fixed, theirs["import_s"] + theirs["first_flow_s"],
                  (theirs["import_s"] + theirs["first_flow_s"]) / fixed]]))


if __name__ == "__main__":
    main()
