"""What every benchmark shares: run Argo YAML in this process, the sandboxed floor, tables."""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from argosy.controller import loop, prepare_workflow
from argosy.runtime.images import CommandPath
from argosy.runtime.namespaces import WorkflowNamespaces
from argosy.runtime.sandbox import MountPlan
from argosy.runtime.volumes import PASSED_ENV
from argosy.spec import ObjectSet, load_text
from argosy.testing import run_workflows

ROOT = Path(__file__).resolve().parent.parent


def options(description: str, argv: Sequence[str] | None = None, runs: int = 3) -> argparse.Namespace:
    """``--quick`` (one run, smallest sizes) and ``--runs N`` (default ``runs``)."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="smoke mode: one run, small sizes")
    p.add_argument("--runs", type=int, default=None, help=f"runs per figure (median; default {runs}, 1 with --quick)")
    args = p.parse_args(argv)
    if args.runs is None:
        args.runs = 1 if args.quick else runs
    return args


def dump(workflow: dict[str, Any]) -> str:
    """Argo YAML text of a generated workflow (what ``argosy run`` would read)."""
    return yaml.safe_dump(workflow, sort_keys=False)


@dataclass
class Run:
    """One in-process workflow run: the engine, its wall time and process CPU time."""

    engine: Any
    wall: float
    cpu: float


def run_yaml(text: str, runtime: Any = None, data_dir: Path | None = None) -> Run:
    """Run the Workflow in ``text`` as ``argosy run`` does, in this process (store included)."""
    objects = ObjectSet(load_text(text))
    wf = prepare_workflow(objects.workflows[0].body, objects, {}, None)
    own_dir = data_dir is None
    data = data_dir or fresh_data_dir()
    try:
        cpu0, t0 = time.process_time(), time.perf_counter()
        engines = loop.run(run_workflows([wf], objects, data, runtime=runtime, on_change=_quiet))
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    finally:
        if own_dir:
            shutil.rmtree(data, ignore_errors=True)
    engine = engines[0]
    if engine.phase != "Succeeded":
        raise SystemExit(f"benchmark workflow ended {engine.phase}: {engine.message}")
    return Run(engine, wall, cpu)


def fresh_data_dir() -> Path:
    """A new data dir beside the one ``argosy run`` uses by default (``~/.argosy``), so logs
    land on the same disk as a user's. ``ARGOSY_BENCH_DATA`` overrides the parent directory.

    Where matters on this machine: creating a file in a new directory under ``/tmp`` costs
    0.6-0.75 ms of CPU (ext4 inode allocation there), under ``/root`` about 0.03 ms, and every
    step creates its log file.
    """
    parent = Path(os.environ.get("ARGOSY_BENCH_DATA") or Path.home() / ".cache" / "argosy-bench")
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="run-", dir=parent))


def _quiet(_engine: Any, _changed: list[Any]) -> None:
    """The printer: benchmarks print nothing per node."""


class Floor:
    """The same command in the same bwrap sandbox the process runtime builds, no engine.

    The argv comes from :class:`MountPlan` (host-root layout, private tmpfs ``/tmp``, as the
    runtime builds it for a container with no outputs under ``/tmp``, with the host paths the
    runtime covers in every sandbox: container engines' sockets, the data and scratch dirs)
    plus the namespace prefix and flags :meth:`Container.bwrap_argv` adds; the environment is
    the runtime's sandbox PATH. The sandbox's own cost, security included, stays in the floor.
    """

    def __init__(self) -> None:
        from argosy.runtime.base import RunContext
        from argosy.runtime.process import ProcessRuntime

        self.bwrap = shutil.which("bwrap") or sys.exit("bwrap not found: apt-get install -y bubblewrap")
        self.dir = Path(tempfile.mkdtemp(prefix="argosy-floor-", dir=_scratch()))
        (self.dir / "root").mkdir()
        hidden = ProcessRuntime(bwrap=self.bwrap).hidden_paths(RunContext(self.dir / "data"))
        self.plan = MountPlan.new(str(self.dir / "root"), hidden=hidden)
        # the workflow's namespaces every step enters (argosy.runtime.namespaces)
        self.ns = WorkflowNamespaces.start(host_network=False)
        self.env = {k: os.environ[k] for k in PASSED_ENV if k in os.environ}
        self.env["PATH"] = CommandPath().sandbox_path

    def argv(self, command: list[str]) -> list[str]:
        return [*self.ns.prefix, self.bwrap, "--cap-drop", "ALL", *self.plan.args(),
                "--unshare-pid", "--die-with-parent", "--chdir", "/", "--", *command]

    def run(self, command: list[str]) -> str:
        """Run one sandboxed command to completion; its stdout."""
        done = subprocess.run(self.argv(command), stdin=subprocess.DEVNULL, capture_output=True,
                              env=self.env, start_new_session=True, check=True)
        return done.stdout.decode()

    async def run_async(self, command: list[str]) -> str:
        proc = await asyncio.create_subprocess_exec(
            *self.argv(command), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, env=self.env, start_new_session=True)
        out, _err = await proc.communicate()
        if proc.returncode != 0:
            raise SystemExit(f"floor command failed: {command}")
        return out.decode()

    def close(self) -> None:
        self.ns.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def _scratch() -> str | None:
    shm = "/dev/shm"
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None


def median_of(runs: int, measure: Callable[[], dict[str, float]]) -> dict[str, float]:
    """Each figure's median over ``runs`` calls of ``measure``."""
    samples = [measure() for _ in range(runs)]
    return {k: statistics.median(s[k] for s in samples) for k in samples[0]}


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of ``values`` (p in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def peak_rss_mb() -> float:
    """This process's peak resident set size (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table (pastes straight into the README)."""
    cells = [[_cell(c) for c in r] for r in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"
    out = [f"\n### {title}\n", line(header), "| " + " | ".join("-" * w for w in widths) + " |"]
    out += [line(r) for r in cells]
    return "\n".join(out)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "-"
        return f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return str(value)


def verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"
