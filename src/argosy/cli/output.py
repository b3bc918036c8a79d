"""How the client verbs print objects, shaped like argo's CLI output.

``argo list``'s table (NAME STATUS AGE DURATION PRIORITY MESSAGE, plus P/R/C PARAMETERS with
``-o wide``), ``argo get``'s header block followed by the node tree (drawn by
:mod:`argosy.cli.tree`), and ``-o name|json|yaml`` for every kind.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any

from argosy.cli.tree import node_tree
from argosy.goformat import rfc3339_epoch

#: ``-o`` choices of commands that print objects
OUTPUTS = ("name", "json", "yaml", "wide")

_FIELD = "{:<20} {}"


def parse_time(text: str | None) -> float | None:
    """An RFC 3339 timestamp (Argo's, ``Z``) as seconds since the epoch."""
    return rfc3339_epoch(text)


def human_duration(seconds: float) -> str:
    """A duration the way kubectl and argo print ages: ``45s``, ``3m20s``, ``5h``, ``2d``."""
    s = int(seconds)
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    m = s // 60
    if m < 10:
        return f"{m}m{s % 60}s" if s % 60 else f"{m}m"
    if m < 180:
        return f"{m}m"
    h = m // 60
    if h < 8:
        return f"{h}h{m % 60}m" if m % 60 else f"{h}h"
    if h < 48:
        return f"{h}h"
    d = h // 24
    if h < 24 * 8:
        return f"{d}d{h % 24}h" if h % 24 else f"{d}d"
    if d < 365 * 2:
        return f"{d}d"
    return f"{d // 365}y{d % 365}d" if d < 365 * 8 else f"{d // 365}y"


def _age(meta: dict[str, Any], now: float) -> str:
    created = parse_time(meta.get("creationTimestamp"))
    return human_duration(now - created) if created is not None else ""


def _duration(status: dict[str, Any], now: float) -> str:
    started = parse_time(status.get("startedAt"))
    if started is None:
        return "0s"
    finished = parse_time(status.get("finishedAt")) or now
    return human_duration(finished - started)


def dump(obj: Any, output: str) -> str:
    """An object (or list) as ``json`` (indented, as argo prints) or ``yaml``."""
    if output == "yaml":
        import yaml

        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        return yaml.dump(obj, Dumper=dumper, sort_keys=False, default_flow_style=False).rstrip("\n")
    return json.dumps(obj, indent=2)


def table(rows: list[list[str]]) -> str:
    """Columns padded like Go's tabwriter (three spaces between columns)."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("   ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def _node_counts(status: dict[str, Any]) -> str:
    pending = running = completed = 0
    for node in (status.get("nodes") or {}).values():
        if node.get("type") != "Pod":
            continue
        phase = node.get("phase")
        if phase == "Pending":
            pending += 1
        elif phase == "Running":
            running += 1
        else:
            completed += 1
    return f"{pending}/{running}/{completed}"


def workflow_table(workflows: list[dict[str, Any]], output: str = "", *, namespace: bool = False,
                   uid: bool = False, now: float | None = None) -> str:
    """``argo list``: one row per workflow (``-o wide`` adds P/R/C and PARAMETERS)."""
    now = time.time() if now is None else now
    head = (["NAMESPACE"] if namespace else []) + ["NAME", "STATUS", "AGE", "DURATION", "PRIORITY", "MESSAGE"]
    if output == "wide":
        head += ["P/R/C", "PARAMETERS"]
    if uid:
        head.append("UID")
    rows = [head]
    for wf in workflows:
        meta, status, spec = wf.get("metadata") or {}, wf.get("status") or {}, wf.get("spec") or {}
        row = ([meta.get("namespace", "")] if namespace else []) + [
            meta.get("name", ""), status.get("phase") or "Pending", _age(meta, now), _duration(status, now),
            str(spec.get("priority", 0)), status.get("message", "")]
        if output == "wide":
            params = (spec.get("arguments") or {}).get("parameters") or []
            row += [_node_counts(status), ",".join(f"{p.get('name')}={p.get('value', '')}" for p in params)]
        if uid:
            row.append(meta.get("uid", ""))
        rows.append(row)
    return table(rows)


def _timestamp(text: str | None, now: float) -> str:
    at = parse_time(text)
    if at is None:
        return ""
    when = datetime.fromtimestamp(at, UTC).strftime("%a %b %d %H:%M:%S %z")
    return f"{when} ({human_duration(now - at)} ago)" if now >= at else when


def workflow_details(wf: dict[str, Any], *, now: float | None = None) -> str:
    """``argo get``: the header block, then the node tree."""
    now = time.time() if now is None else now
    meta, status, spec = wf.get("metadata") or {}, wf.get("status") or {}, wf.get("spec") or {}
    lines = [_FIELD.format("Name:", meta.get("name", "")),
             _FIELD.format("Namespace:", meta.get("namespace", "default")),
             _FIELD.format("ServiceAccount:", spec.get("serviceAccountName")
                           or "unset (will run with the default ServiceAccount)"),
             _FIELD.format("Status:", status.get("phase") or "Pending")]
    if status.get("message"):
        lines.append(_FIELD.format("Message:", status["message"]))
    conditions = status.get("conditions") or []
    if conditions:
        lines.append("Conditions:")
        lines += [_FIELD.format(" " + str(c.get("type", "")), c.get("status", "")) for c in conditions]
    lines.append(_FIELD.format("Created:", _timestamp(meta.get("creationTimestamp"), now)))
    if status.get("startedAt"):
        lines.append(_FIELD.format("Started:", _timestamp(status["startedAt"], now)))
    if status.get("finishedAt"):
        lines.append(_FIELD.format("Finished:", _timestamp(status["finishedAt"], now)))
    if status.get("startedAt"):
        lines.append(_FIELD.format("Duration:", _duration(status, now)))
    if status.get("progress"):
        lines.append(_FIELD.format("Progress:", status["progress"]))
    params = (spec.get("arguments") or {}).get("parameters") or []
    if params:
        lines.append("Parameters:")
        lines += [_FIELD.format(f"  {p.get('name')}:", p.get("value", "")) for p in params]
    outputs = (status.get("outputs") or {}).get("parameters") or []
    if outputs:
        lines.append("Output Parameters:")
        lines += [_FIELD.format(f"  {p.get('name')}:", p.get("value", "")) for p in outputs]
    tree = node_tree(wf)
    if tree:
        lines.append("")
        lines += tree
    return "\n".join(lines)


def object_details(obj: dict[str, Any], *, now: float | None = None) -> str:
    """``argo template get`` / ``argo cron get``: name, namespace, created (and cron fields)."""
    now = time.time() if now is None else now
    meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
    lines = [_FIELD.format("Name:", meta.get("name", ""))]
    if meta.get("namespace"):
        lines.append(_FIELD.format("Namespace:", meta["namespace"]))
    lines.append(_FIELD.format("Created:", _timestamp(meta.get("creationTimestamp"), now)))
    if obj.get("kind") == "CronWorkflow":
        schedules = spec.get("schedules") or ([spec["schedule"]] if spec.get("schedule") else [])
        lines.append(_FIELD.format("Schedule:", ",".join(schedules)))
        lines.append(_FIELD.format("Suspended:", "true" if spec.get("suspend") else "false"))
        status = obj.get("status") or {}
        if status.get("lastScheduledTime"):
            lines.append(_FIELD.format("LastScheduledTime:", _timestamp(status["lastScheduledTime"], now)))
        active = status.get("active") or []
        if active:
            lines.append(_FIELD.format("Active Workflows:", ", ".join(a.get("name", "") for a in active)))
    return "\n".join(lines)


def print_objects(items: list[dict[str, Any]], output: str, rows: Any) -> str:
    """A list of objects as ``name``, ``json``/``yaml`` (a list), or the verb's table."""
    if output == "name":
        return "\n".join((o.get("metadata") or {}).get("name", "") for o in items)
    if output in ("json", "yaml"):
        return dump(items, output)
    return rows(items)
