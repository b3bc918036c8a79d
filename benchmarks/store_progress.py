"""Store micro-benchmark: the cost of one ``save_progress`` batch to its caller (the event loop).

Each batch is what the controller persists for a chain step: the status summary and two
changed nodes. Figures per batch: the caller thread's CPU (what the event loop pays), the
process CPU (writer thread included) and wall time, with the workflow at 10 and at 100,000
nodes (a node event must cost the same in both). ``--old REF`` compares with the store at a
git ref (e.g. ``main``), whose ``save_progress`` commits on the caller's thread.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _node(i: int, phase: str = "Running") -> dict[str, Any]:
    return {"id": f"wf-{i}", "name": f"wf[{i}].s{i}", "displayName": f"s{i}", "type": "Pod",
            "templateName": "inc", "phase": phase, "boundaryID": "wf", "startedAt": "2024-01-01T00:00:00Z",
            "inputs": {"parameters": [{"name": "x", "value": str(i)}]},
            "outputs": {"result": str(i + 1), "exitCode": "0"}, "hostNodeName": "localhost"}


def _status(i: int) -> dict[str, Any]:
    return {"phase": "Running", "startedAt": "2024-01-01T00:00:00Z", "progress": f"{i}/1000"}


def _load_old(ref: str) -> types.ModuleType:
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{ref}:src/argosy/store/sqlite.py"],
                            capture_output=True, text=True, check=True).stdout
    module = types.ModuleType("old_store")
    exec(compile(source, f"{ref}:sqlite.py", "exec"), module.__dict__)  # noqa: S102 - our own file at a ref
    return module


def _measure(save: Callable[[int], None], flush: Callable[[], None], batches: int) -> tuple[float, float, float]:
    thread0, cpu0, wall0 = time.thread_time(), time.process_time(), time.perf_counter()
    for i in range(batches):
        save(i)
    caller = time.thread_time() - thread0
    flush()
    return (caller / batches * 1e6, (time.process_time() - cpu0) / batches * 1e6,
            (time.perf_counter() - wall0) / batches * 1e6)


def bench_new(path: Path, nodes: int, batches: int) -> tuple[float, float, float]:
    from argosy.store.sqlite import SqliteStore

    store = SqliteStore(path)
    store.create_workflow({"metadata": {"name": "wf", "uid": "u1"}, "spec": {}},
                          {"phase": "Running", "nodes": {f"wf-{i}": _node(i, "Succeeded") for i in range(nodes)}})

    def save(i: int) -> None:
        store.save_progress("u1", _status(i), [(f"wf-{nodes + i}", _node(nodes + i)),
                                               (f"wf-{nodes + i - 1}", _node(nodes + i - 1, "Succeeded"))])

    try:
        return _measure(save, store.flush, batches)
    finally:
        store.close()


def bench_old(module: types.ModuleType, path: Path, nodes: int, batches: int) -> tuple[float, float, float]:
    store = module.Store(path)
    store.save_workflow("u1", {"metadata": {"name": "wf"}, "spec": {}}, "Running", 0.0, None)
    store.save_progress("u1", _status(0), [(f"wf-{i}", _node(i, "Succeeded")) for i in range(nodes)], 0.0, None)

    def save(i: int) -> None:
        store.save_progress("u1", _status(i), [(f"wf-{nodes + i}", _node(nodes + i)),
                                               (f"wf-{nodes + i - 1}", _node(nodes + i - 1, "Succeeded"))],
                            0.0, None)

    try:
        return _measure(save, lambda: None, batches)
    finally:
        store.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--old", metavar="REF", help="also measure the store at this git ref")
    p.add_argument("--batches", type=int, default=2000)
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    old = _load_old(args.old) if args.old else None
    print(f"{'store':<8} {'nodes':>7} {'caller µs':>10} {'cpu µs':>8} {'wall µs':>8}   (per batch, median of "
          f"{args.runs})")
    for nodes in (10, 100_000):
        for name in ("old", "new") if old else ("new",):
            figures = []
            for _ in range(args.runs):
                tmp = Path(tempfile.mkdtemp(prefix="argosy-store-bench-"))
                try:
                    if name == "new":
                        figures.append(bench_new(tmp / "a.db", nodes, args.batches))
                    else:
                        figures.append(bench_old(old, tmp / "a.db", nodes, args.batches))
                finally:
                    shutil.rmtree(tmp, ignore_errors=True)
            caller, cpu, wall = (statistics.median(f[k] for f in figures) for k in range(3))
            print(f"{name:<8} {nodes:>7} {caller:>10.1f} {cpu:>8.1f} {wall:>8.1f}")


if __name__ == "__main__":
    main()
