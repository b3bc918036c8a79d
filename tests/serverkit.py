"""Start a real ``argosy server`` on 127.0.0.1 (a free port, its own data dir) for tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningServer:
    url: str
    data_dir: Path
    process: subprocess.Popen[str]
    #: the ``--database`` URL it was started with (None: SQLite in the data dir)
    database: str | None = None

    @property
    def store_location(self) -> str:
        """What ``open_store`` opens to reach the server's store from a test."""
        return self.database or str(self.data_dir / "argosy.db")

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, timeout=30, headers=headers)

    def kill(self) -> None:
        """``kill -9`` the server (nothing of it runs on)."""
        self.process.kill()
        self.process.communicate()

    def stop(self) -> str:
        """Stop the server (SIGTERM); its stderr."""
        if self.process.poll() is None:
            self.process.terminate()
        try:
            _, err = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return err


def server_command(port: int, data_dir: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "argosy.cli.main", "server", "--port", str(port),
            "--data-dir", str(data_dir), *extra]


def start_server(data_dir: Path, *extra: str) -> RunningServer:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    process = subprocess.Popen(server_command(port, data_dir, *extra), cwd=ROOT, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"argosy server exited: {process.communicate()[1]}")
        try:
            httpx.get(url + "/api/v1/version", timeout=1)
            database = extra[extra.index("--database") + 1] if "--database" in extra else None
            return RunningServer(url, data_dir, process, database)
        except httpx.TransportError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("argosy server did not start in 60 s")


# ---- workflows and templates the server tests submit ----

TEMPLATE = {
    "metadata": {"name": "greeter", "labels": {"team": "a"}},
    "spec": {"entrypoint": "main", "arguments": {"parameters": [{"name": "who", "value": "world"}]},
             "templates": [{"name": "main", "inputs": {"parameters": [{"name": "who"}]},
                            "container": {"image": "busybox",
                                          "command": ["echo", "hello {{inputs.parameters.who}}"]}}]},
}
CRON = {
    "metadata": {"name": "nightly"},
    "spec": {"schedule": "0 2 * * *", "workflowSpec": TEMPLATE["spec"]},
}


def hello(name: str | None = None, *, labels: dict[str, str] | None = None, command: str = "echo hi",
          **spec: Any) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name} if name else {"generateName": "hello-"}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": meta,
            "spec": {"entrypoint": "main", **spec,
                     "templates": [{"name": "main", "container": {"image": "busybox",
                                                                   "command": ["sh", "-c", command]}}]}}


def create(api: httpx.Client, wf: dict[str, Any], namespace: str = "default") -> dict[str, Any]:
    answer = api.post(f"/api/v1/workflows/{namespace}", json={"workflow": wf})
    assert answer.status_code == 200, answer.text
    return answer.json()


def wait_done(api: httpx.Client, name: str, namespace: str = "default", timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        wf = api.get(f"/api/v1/workflows/{namespace}/{name}").json()
        if wf.get("status", {}).get("phase") in ("Succeeded", "Failed", "Error"):
            return wf
        time.sleep(0.05)
    raise AssertionError(f"{name} did not finish: {wf}")
