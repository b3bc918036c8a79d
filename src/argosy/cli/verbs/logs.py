"""``argosy logs WORKFLOW [POD]``: a workflow's logs from the server (argo logs), or from the
data directory when no server is configured."""

from __future__ import annotations

import argparse
import re
from typing import Any

from argosy.cli.client import ArgoClient, configured_server, path
from argosy.cli.verbs import connect, connection_flags
from argosy.errors import ClientError

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s)")
_UNIT = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}


def go_duration(text: str) -> int:
    """Seconds in a Go duration (``90s``, ``5m``, ``1h30m``), rounded up."""
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text.strip():
        raise ClientError(f"--since {text!r}: expected a duration such as 30s, 5m or 1h")
    seconds = sum(float(n) * _UNIT[u] for n, u in parts)
    return max(1, int(-(-seconds // 1)))


def log_params(args: Any, pod: str | None, follow: bool) -> dict[str, Any]:
    """``logOptions.*`` and friends, as argo's CLI sends them."""
    params: dict[str, Any] = {"logOptions.container": getattr(args, "container", None) or "main",
                              "logOptions.follow": "true" if follow else None,
                              "podName": pod}
    since = getattr(args, "since", None)
    if since:
        params["logOptions.sinceSeconds"] = go_duration(since)
    if getattr(args, "since_time", None):
        from datetime import datetime

        try:
            at = datetime.fromisoformat(args.since_time)
        except ValueError:
            raise ClientError(f"--since-time {args.since_time!r}: expected an RFC 3339 time such as "
                              "2026-01-02T15:04:05Z") from None
        params["logOptions.sinceTime.seconds"] = int(at.timestamp())  # a Time, as grpc-gateway reads it
    tail = getattr(args, "tail", None)
    if tail is not None and tail >= 0:
        params["logOptions.tailLines"] = tail
    if getattr(args, "timestamps", False):
        params["logOptions.timestamps"] = "true"
    if getattr(args, "grep", None):
        params["grep"] = args.grep
    if getattr(args, "selector", None):
        params["selector"] = args.selector
    return params


def print_logs(client: ArgoClient, namespace: str, workflow: str, pod: str | None, *, follow: bool,
               args: Any) -> None:
    """Stream log entries and print each line as argo does: ``POD: CONTENT``."""
    for entry in client.stream(path("api", "v1", "workflows", namespace, workflow, "log"),
                               log_params(args, pod, follow)):
        content = entry.get("content")
        if content is None:
            continue
        print(f"{entry.get('podName', '')}: {content}", flush=True)


def logs_command(args: argparse.Namespace) -> int:
    if configured_server(args) is None:
        from argosy.cli.main import logs_command as local_logs

        return local_logs(args)
    client, namespace = connect(args)
    print_logs(client, namespace, args.name, args.pod, follow=args.follow, args=args)
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("logs", help="print a workflow's logs (from the server, or the data directory)",
                       description="Print the logs of a workflow's pods, or of one POD.")
    p.add_argument("name", metavar="WORKFLOW")
    p.add_argument("pod", nargs="?", metavar="POD")
    p.add_argument("-c", "--container", default="main", help="the container (default main)")
    p.add_argument("-f", "--follow", action="store_true", help="keep streaming while the workflow runs")
    p.add_argument("--since", metavar="DURATION", help="only logs newer than this (e.g. 5m)")
    p.add_argument("--since-time", metavar="RFC3339", help="only logs after this time")
    p.add_argument("--tail", type=int, default=-1, metavar="N", help="only the last N lines of each pod")
    p.add_argument("--grep", metavar="REGEX", help="only lines matching")
    p.add_argument("--selector", help="only pods of nodes matching this label selector")
    p.add_argument("--timestamps", action="store_true")
    p.add_argument("--no-color", action="store_true", help="accepted for argo compatibility")
    p.add_argument("--data-dir", help="local mode: the data directory")
    connection_flags(p)
    p.set_defaults(handler=logs_command)
