"""Readiness probes of daemon containers, run from the host against the pod's IP (as the
kubelet runs them from the node), or as ``exec`` inside the container."""

from __future__ import annotations

import asyncio
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

from argosy.runtime.probes import PROBE_PERIOD, PROBE_TIMEOUT, _port

if TYPE_CHECKING:
    from argosy.runtime.docker.daemon import DockerDaemon


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT) as resp:
            return 200 <= resp.status < 400
    except (urllib.error.URLError, OSError, ValueError):
        return False


async def _running(daemon: DockerDaemon, cid: str) -> bool:
    info = await daemon.call(daemon.api.inspect_container, cid)
    return bool((info.get("State") or {}).get("Running"))


async def _exec_ok(daemon: DockerDaemon, cid: str, command: list[str]) -> bool:
    api = daemon.api
    try:
        ex = await daemon.call(api.exec_create, cid, command, stdout=False, stderr=False)
        await daemon.call(api.exec_start, ex["Id"])
        return (await daemon.call(api.exec_inspect, ex["Id"])).get("ExitCode") == 0
    except daemon.errors.APIError:
        return False


async def wait_ready(daemon: DockerDaemon, cid: str, spec: dict[str, Any], ip: str) -> bool:
    """Wait until ``readinessProbe`` passes; False if the container exited first."""
    probe = spec.get("readinessProbe")
    if not probe:
        return True
    while await _running(daemon, cid):
        if "exec" in probe:
            ok = await _exec_ok(daemon, cid, [str(c) for c in probe["exec"].get("command") or ()])
        elif "httpGet" in probe:
            get = probe["httpGet"]
            scheme = str(get.get("scheme", "HTTP")).lower()
            host = get.get("host") or ip
            url = f"{scheme}://{host}:{_port(spec, get.get('port', 80))}{get.get('path', '/')}"
            ok = await asyncio.to_thread(_http_ok, url)
        elif "tcpSocket" in probe:
            try:
                _, w = await asyncio.open_connection(ip, _port(spec, probe["tcpSocket"].get("port")))
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
