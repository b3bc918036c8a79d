"""What the server benchmarks share: a real ``argosy server`` subprocess on its own data dir,
its CPU time and memory, and clients of it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from harness import ROOT, fresh_data_dir

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def machine_cpu() -> float:
    """CPU seconds the whole machine has spent busy so far (every process, the kernel, and
    time stolen by the hypervisor), from ``/proc/stat``."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    data_dir: Path
    process: subprocess.Popen[bytes]

    @classmethod
    def start(cls, data_dir: Path | None = None, *extra: str) -> Server:
        data = data_dir or fresh_data_dir()
        port = _free_port()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), os.environ.get("PYTHONPATH")]))}
        # ARGOSY_BENCH_PROFILE=FILE: the server's event loop thread under cProfile, written at exit
        profile = os.environ.get("ARGOSY_BENCH_PROFILE")
        python = [sys.executable, *(["-m", "cProfile", "-o", profile] if profile else [])]
        process = subprocess.Popen(
            [*python, "-m", "argosy.cli.main", "server", "--port", str(port), "--data-dir", str(data), *extra],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"argosy server exited: {process.stderr.read().decode() if process.stderr else ''}")
            try:
                httpx.get(url + "/api/v1/version", timeout=1)
                return cls(url, data, process)
            except httpx.TransportError:
                time.sleep(0.05)
        process.kill()
        raise SystemExit("argosy server did not start in 60 s")

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=120)

    def cpu(self) -> float:
        """The server process's CPU seconds so far (user + system, its own threads)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def children_cpu(self) -> float:
        """CPU seconds of the server's children that have ended and been reaped (steps, their
        sandboxes, namespace holders, slirp4netns), as the kernel adds them up."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[13]) + int(fields[14])) / CLK_TCK

    def rss_mb(self) -> float:
        """The server's resident memory now."""
        pages = int(Path(f"/proc/{self.process.pid}/statm").read_text().split()[1])
        return pages * PAGE / 2**20

    def stop(self, *, keep: bool = False) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if not keep:
            shutil.rmtree(self.data_dir, ignore_errors=True)


def one_step(name: str, command: str = "true") -> dict[str, Any]:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
            "metadata": {"name": name, "labels": {"bench": "server"}},
            "spec": {"entrypoint": "main", "templates": [
                {"name": "main", "container": {"image": "busybox", "command": ["sh", "-c", command]}}]}}
