"""Readiness probes of daemon containers, roughly as the kubelet runs them."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from typing import Any

from argosy.runtime.containers import Container

#: how often a probe is retried; shorter than Kubernetes' 10 s since everything is local
PROBE_PERIOD = 0.1
PROBE_TIMEOUT = 1.0


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT) as resp:
            return 200 <= resp.status < 400
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _port(container: dict[str, Any], port: Any) -> int:
    """A probe port: a number, or the name of one of the container's ``ports``."""
    if isinstance(port, int) or str(port).isdigit():
        return int(port)
    for p in container.get("ports") or ():
        if p.get("name") == port:
            return int(p["containerPort"])
    raise ValueError(f"unknown port {port!r}")


async def _exec_ok(container: Container, bwrap: str, command: list[str]) -> bool:
    proc = await asyncio.create_subprocess_exec(
        *container.bwrap_argv(bwrap, command),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
        env=container.env,
        start_new_session=True,
    )
    return await proc.wait() == 0


async def wait_ready(container: Container, bwrap: str) -> bool:
    """Wait until ``readinessProbe`` passes; False if the container exited first."""
    probe = container.spec.get("readinessProbe")
    if not probe:
        return True
    proc = container.proc
    assert proc is not None
    while proc.poll() is None:
        if "exec" in probe:
            ok = await _exec_ok(container, bwrap, [str(c) for c in probe["exec"].get("command") or ()])
        elif "httpGet" in probe:
            get = probe["httpGet"]
            scheme = str(get.get("scheme", "HTTP")).lower()
            host = get.get("host") or "127.0.0.1"
            url = f"{scheme}://{host}:{_port(container.spec, get.get('port', 80))}{get.get('path', '/')}"
            ok = await asyncio.to_thread(_http_ok, url)
        elif "tcpSocket" in probe:
            try:
                _, w = await asyncio.open_connection(
                    "127.0.0.1", _port(container.spec, probe["tcpSocket"].get("port")))
                w.close()
                ok = True
            except OSError:
                ok = False
        else:
            return True
        if ok:
            return True
        await asyncio.sleep(PROBE_PERIOD)
    return False
