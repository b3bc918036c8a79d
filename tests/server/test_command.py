"""``argosy server`` as a user starts it: help, refusals, one server per store."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from serverkit import ROOT, free_port, server_command, start_server


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "argosy.cli.main", *args], capture_output=True, text=True,
                          timeout=60, cwd=ROOT, env=env, check=False)


def test_help_names_every_flag() -> None:
    out = run("server", "--help")
    assert out.returncode == 0
    for flag in ("--port", "--address", "--data-dir", "--database", "--runtime", "--auth-mode",
                 "--namespaced", "--namespace"):
        assert flag in out.stdout


def test_non_loopback_address_without_client_auth_is_refused(tmp_path: Path) -> None:
    out = run(*server_command(free_port(), tmp_path, "--address", "0.0.0.0")[3:])
    assert out.returncode == 1
    assert "--auth-mode client" in out.stderr


def test_second_server_on_the_same_data_dir_is_refused(tmp_path: Path) -> None:
    first = start_server(tmp_path)
    try:
        out = run(*server_command(free_port(), tmp_path)[3:])
        assert out.returncode == 1
        assert "another argosy server" in out.stderr and str(first.process.pid) in out.stderr
    finally:
        log = first.stop()
    assert "listening on http://127.0.0.1:" in log and "argosy.db" in log
    assert first.process.returncode == 0, log  # SIGTERM: stopped, store flushed and closed


def test_runtime_flag_picks_the_pod_runtime() -> None:
    """``--runtime docker`` runs pods as containers; an unknown runtime is refused by name."""
    import pytest

    from argosy.errors import ServerRefused
    from argosy.server.serve import build_runtime

    pytest.importorskip("docker", reason="the docker SDK is installed with scripts/install --docker")
    try:
        runtime = build_runtime("docker")
    except Exception as err:  # noqa: BLE001 - no engine here: the runtime says so when checked
        pytest.skip(f"no Docker Engine: {err}")
    try:
        # pods go to a RuntimeChoice whose default is Docker (a workflow may pick the process runtime)
        assert runtime.process.default == "docker"
        assert type(runtime.process.process).__name__ == "DockerRuntime"
    finally:
        asyncio.run(runtime.process.process.close())  # its Docker SDK client's socket
    with pytest.raises(ServerRefused, match="--runtime 'kube'"):
        build_runtime("kube")
