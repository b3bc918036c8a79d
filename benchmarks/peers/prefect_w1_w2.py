"""W1/W2 shapes in Prefect 3, for a side-by-side per-task figure (not part of CI).

Run with the venv that ``setup.sh`` creates:
``benchmarks/peers/.venv-prefect/bin/python benchmarks/peers/prefect_w1_w2.py [--quick]``.
Each task runs the same sandboxed command as Argosy's process runtime (bwrap, host root
read-only, private tmpfs /tmp) with ``subprocess``. Prefect runs with a temporary local API
(``prefect_test_harness``-style ephemeral server), its default for a bare ``flow()`` call.
The fixed cost (import + first flow run) is reported apart from the per-task cost.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import time

t_import = time.perf_counter()
from prefect import flow, task
from prefect.task_runners import ThreadPoolTaskRunner

IMPORT_S = time.perf_counter() - t_import

BWRAP = shutil.which("bwrap") or "bwrap"


def sandboxed(command: list[str]) -> str:
    argv = [BWRAP, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
            "--unshare-pid", "--die-with-parent", "--chdir", "/", "--", *command]
    done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, check=True,
                          start_new_session=True)
    return done.stdout.decode().strip()


@task
def inc(x: str) -> str:
    return sandboxed(["sh", "-c", f"echo $(({x}+1))"])


@task
def echo(x: str) -> str:
    return sandboxed(["echo", x])


#: perf_counter marks taken inside the last flow: per-task cost without the flow's own start/end
MARKS: list[float] = []


@flow
def chain(steps: int) -> str:
    MARKS.clear()
    MARKS.append(time.perf_counter())
    x = "0"
    for _ in range(steps):
        x = inc(x)
        MARKS.append(time.perf_counter())
    return x


def fanout_flow(width: int):
    @flow(task_runner=ThreadPoolTaskRunner(max_workers=width))
    def fanout(items: int) -> str:
        MARKS.clear()
        MARKS.append(time.perf_counter())
        futures = echo.map([str(i) for i in range(items)])
        futures.wait()
        out = echo("done")
        MARKS.append(time.perf_counter())
        return out

    return fanout


def timed(fn, *args):
    t0 = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t0, out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--quick", action="store_true")
    p.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    args = p.parse_args()
    first, _ = timed(chain, 1)  # starts the ephemeral API: Prefect's fixed cost
    print(f"prefect import {IMPORT_S:.2f} s; first 1-task flow {first:.2f} s (fixed start-up)")
    rows = []
    # per task: time inside the flow body (first task to last), so neither a flow's own
    # start-up nor a slow ephemeral-API moment between flows is charged to its tasks
    for n in ([20] if args.quick else [200, 1000]):
        wall, out = timed(chain, n)
        assert out == str(n), out
        rows.append(("W1 chain", n, "-", wall, (MARKS[-1] - MARKS[0]) / n * 1000))
    for width in ([4] if args.quick else [2, 4]):
        for n in ([50] if args.quick else [1000]):
            f = fanout_flow(width)
            wall, _ = timed(f, n)
            rows.append(("W2 fan-out", n, width, wall, (MARKS[-1] - MARKS[0]) / (n + 1) * 1000))
    print("\n| shape | tasks | width | wall s | ms/task |\n| --- | --- | --- | --- | --- |")
    for shape, n, w, wall, per in rows:
        print(f"| {shape} | {n} | {w} | {wall:.2f} | {per:.2f} |")
    if args.json:
        print(json.dumps({"import_s": IMPORT_S, "first_flow_s": first,
                          "rows": [{"shape": s, "tasks": n, "width": w, "wall_s": wall, "ms_per_task": per}
                                   for s, n, w, wall, per in rows]}))


if __name__ == "__main__":
    main()
