"""Readiness probes of daemon containers, roughly as the kubelet runs them.

Every probe runs inside the container's sandbox (its namespaces, its mounts): a daemon
listens on its workflow's own loopback, which the host cannot reach. ``tcpSocket`` and
``httpGet`` run a few lines of the sandbox's ``python3``.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any

from argosy.runtime.containers import Container
from argosy.runtime.sandbox import close_data_fds
from argosy.runtime.spawn import spawn, wait_exit

#: how often a probe is retried; shorter than Kubernetes' 10 s since everything is local
PROBE_PERIOD = 0.1
PROBE_TIMEOUT = 1.0


#: exits 0 when a TCP connection (argv: host port) or an HTTP GET (argv: url) succeeds
_PROBE_CODE = """
import socket, sys, urllib.request
t = float(sys.argv[1])
if len(sys.argv) == 4:
    socket.create_connection((sys.argv[2], int(sys.argv[3])), timeout=t).close()
else:
    with urllib.request.urlopen(sys.argv[2], timeout=t) as r:
        sys.exit(0 if 200 <= r.status < 400 else 1)
"""


def _port(container: dict[str, Any], port: Any) -> int:
    """A probe port: a number, or the name of one of the container's ``ports``."""
    if isinstance(port, int) or str(port).isdigit():
        return int(port)
    for p in container.get("ports") or ():
        if p.get("name") == port:
            return int(p["containerPort"])
    raise ValueError(f"unknown port {port!r}")


async def _exec_ok(container: Container, bwrap: str, command: list[str]) -> bool:
    """Run ``command`` in the container's sandbox; whether it exited 0."""
    keep_r, keep_w = os.pipe()
    fds: list[int] = []
    try:
        proc, pipes = spawn(container.bwrap_argv(bwrap, command, fds), container.env, keep_w,
                            container.inherited(fds))
    except OSError:
        return False
    finally:
        os.close(keep_w)
        os.close(keep_r)
        close_data_fds(container.plan, fds)
    try:
        return await wait_exit(proc) == 0
    except asyncio.CancelledError:
        os.killpg(proc.pid, 9)
        await wait_exit(proc)
        raise
    finally:
        # open until the probe exits: a probe writing to a closed pipe would die of SIGPIPE
        pipes.close()


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
            ok = await _exec_ok(container, bwrap, ["python3", "-c", _PROBE_CODE, str(PROBE_TIMEOUT), url])
        elif "tcpSocket" in probe:
            port = _port(container.spec, probe["tcpSocket"].get("port"))
            host = probe["tcpSocket"].get("host") or "127.0.0.1"
            ok = await _exec_ok(container, bwrap,
                                ["python3", "-c", _PROBE_CODE, str(PROBE_TIMEOUT), str(host), str(port)])
        else:
            return True
        if ok:
            return True
        await asyncio.sleep(PROBE_PERIOD)
    return False
