"""W1: a chain of N steps, each ``sh -c 'echo $((x+1))'`` fed the previous step's result.

Floor: the same commands, run one after another with ``subprocess`` from this process,
in the same bwrap sandbox flags the process runtime uses. Start-up: ``argosy run`` of a
one-step workflow as a subprocess, minus ``python -c pass``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import Floor, dump, median_of, options, run_yaml, table, verdict

#: the console script ``pip install`` made, next to this interpreter
ARGOSY = shutil.which("argosy", path=str(Path(sys.executable).parent)) or "argosy"
INC = "echo $(({{inputs.parameters.x}}+1))"


def chain(steps: int) -> dict[str, Any]:
    """A steps template of ``steps`` sequential groups, each incrementing the last result."""
    groups = []
    for i in range(steps):
        x = "0" if i == 0 else f"{{{{steps.s{i - 1}.outputs.result}}}}"
        groups.append([{"name": f"s{i}", "template": "inc",
                        "arguments": {"parameters": [{"name": "x", "value": x}]}}])
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": f"w1-chain-{steps}-"},
        "spec": {
            "entrypoint": "main",
            "templates": [
                {"name": "main", "steps": groups},
                {"name": "inc", "inputs": {"parameters": [{"name": "x"}]},
                 "container": {"image": "alpine:3", "command": ["sh", "-c"], "args": [INC]}},
            ],
        },
    }


def last_result(engine: Any, steps: int) -> str:
    node = next(n for n in engine.to_dict()["status"]["nodes"].values()
                if n.get("displayName") == f"s{steps - 1}")
    return node["outputs"]["result"]


def measure(steps: int, floor: Floor) -> dict[str, float]:
    text = dump(chain(steps))
    run = run_yaml(text)
    got = last_result(run.engine, steps)
    if got != str(steps):
        raise SystemExit(f"chain of {steps} ended with result {got!r}")
    t0 = time.perf_counter()
    x = "0"
    for _ in range(steps):
        x = floor.run(["sh", "-c", f"echo $(({x}+1))"]).strip()
    floor_wall = time.perf_counter() - t0
    assert x == str(steps)
    # the overhead is taken per pair (engine run, then floor run): the machine's speed drifts
    # by +-20 % over minutes, which a difference of separate medians would mistake for overhead
    return {"engine": run.wall, "floor": floor_wall, "cpu": run.cpu, "overhead": run.wall - floor_wall}


def startup(runs: int) -> dict[str, float]:
    """Wall of ``argosy run`` (1 step) and of ``python -c pass``, as subprocesses."""
    with tempfile.TemporaryDirectory(prefix="argosy-w1-") as d:
        path = Path(d) / "one.yaml"
        path.write_text(dump(chain(1)))

        def once() -> dict[str, float]:
            t0 = time.perf_counter()
            subprocess.run([ARGOSY, "run", str(path), "-o", "name", "--data-dir", d],
                           check=True, capture_output=True)
            t1 = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            t2 = time.perf_counter()
            return {"argosy": t1 - t0, "python": t2 - t1}

        return median_of(runs, once)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    # 9 pairs: one 200-step pair lasts ~3 s, and the machine's speed drifts within that
    args = options(__doc__ or "", argv, runs=9)
    sizes = [50] if args.quick else [200, 1000]
    floor = Floor()
    rows, results = [], {}
    try:
        floor.run(["true"])  # warm the page cache for bwrap and sh
        for n in sizes:
            m = median_of(args.runs, lambda n=n: measure(n, floor))
            per_step = m["overhead"] / n * 1000
            results[n] = {**m, "overhead_ms": per_step}
            rows.append([n, m["engine"], m["floor"], m["engine"] / m["floor"],
                         m["floor"] / n * 1000, per_step, m["cpu"] / n * 1000,
                         verdict(per_step <= 1.0)])
    finally:
        floor.close()
    s = startup(args.runs)
    fixed = s["argosy"] - s["python"]
    results["startup"] = {**s, "fixed": fixed}
    print(table("W1 chain (target: overhead <= 1 ms/step)",
                ["steps", "engine s", "floor s", "ratio", "floor ms/step", "overhead ms/step",
                 "engine CPU ms/step", "target"], rows))
    print(table("W1 start-up (target: <= 0.5 s fixed)",
                ["argosy run (1 step) s", "python -c pass s", "fixed start-up s", "target"],
                [[s["argosy"], s["python"], fixed, verdict(fixed <= 0.5)]]))
    return results


if __name__ == "__main__":
    main()
