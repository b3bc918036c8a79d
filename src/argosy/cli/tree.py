"""Printing workflows like ``argo watch`` / ``argo get``: a header, then the node tree.

The tree is drawn the way ``argo get`` draws it (its ``convertToRenderTrees``): a Steps or
DAG node holds the nodes of its boundary; a StepGroup or Retry node holds its children;
step groups and single-attempt Retry nodes are not printed themselves, their children are
(so sequential step groups appear as siblings, ``├───✔ greet`` / ``└───✔ shout``, and the
steps of one group as ``├─┬─`` / ``│ └─``); TaskGroup and Container nodes are not drawn,
omitted nodes are hidden. Siblings are ordered by start time, then by loop index or name.
"""

from __future__ import annotations

import functools
import json
import re
import sys
import time
from datetime import UTC, datetime
from typing import Any

ICONS = {"Succeeded": "✔", "Failed": "✖", "Error": "⚠", "Running": "●", "Pending": "◷",
         "Skipped": "○", "Omitted": "○"}
#: an active suspend node is drawn with its type's icon
SUSPENDED_ICON = "ǁ"
_HIDDEN = {"StepGroup", "TaskGroup"}
_BOUNDARY = {"Steps", "DAG"}
_NON_BOUNDARY_PARENT = {"StepGroup", "Retry"}
_EXECUTION = {"Pod", "Skipped", "Suspend", "HTTP", "Plugin"}
_TIME = "%Y-%m-%dT%H:%M:%SZ"
_HEADER = "{:<20} {}"


def _parse(ts: str | None) -> datetime | None:
    if not ts:
        return None
    try:
        return datetime.strptime(ts, _TIME).replace(tzinfo=UTC)
    except ValueError:
        return None


def short_duration(start: str | None, end: str | None, now: datetime | None = None) -> str:
    """``argo get``'s DURATION column (its RelativeDurationShort): ``0s``, ``12s``, ``3m``, ``2h``, ``4d``."""
    begin = _parse(start)
    if begin is None:
        return ""
    seconds = max(0, int(((_parse(end) or now or datetime.now(UTC)) - begin).total_seconds()))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def _long_duration(start: str | None, end: str | None) -> str:
    """``argo get``'s Duration line: ``12 seconds``, ``3 minutes 5 seconds``."""
    begin = _parse(start)
    if begin is None:
        return ""
    seconds = int(((_parse(end) or datetime.now(UTC)) - begin).total_seconds())
    if seconds < 60:
        return _unit(seconds, "second")
    if seconds < 3600:
        return f"{_unit(seconds // 60, 'minute')} {seconds % 60} seconds"
    if seconds < 86400:
        return f"{_unit(seconds // 3600, 'hour')} {seconds // 60 % 60} minutes"
    return f"{_unit(seconds // 86400, 'day')} {seconds // 3600 % 24} hours"


def _unit(n: int, name: str) -> str:
    return f"{n} {name}" if n == 1 else f"{n} {name}s"


def _timestamp(ts: str | None) -> str:
    when = _parse(ts)
    return when.strftime("%a %b %d %H:%M:%S +0000") if when else ""


def render_tree(wf: dict[str, Any]) -> str:
    """The workflow's status as text: a header as ``argo get`` prints it, then the node tree."""
    meta, spec, status = wf.get("metadata") or {}, wf.get("spec") or {}, wf.get("status") or {}
    rows = [("Name:", meta.get("name")), ("Namespace:", meta.get("namespace", "default")),
            ("ServiceAccount:", spec.get("serviceAccountName") or "unset (will run with the default ServiceAccount)"),
            ("Status:", status.get("phase"))]
    if status.get("message"):
        rows.append(("Message:", status["message"]))
    if meta.get("creationTimestamp"):
        rows.append(("Created:", _timestamp(meta["creationTimestamp"])))
    if status.get("startedAt"):
        rows.append(("Started:", _timestamp(status["startedAt"])))
    if status.get("finishedAt"):
        rows.append(("Finished:", _timestamp(status["finishedAt"])))
    if status.get("startedAt"):
        rows.append(("Duration:", _long_duration(status["startedAt"], status.get("finishedAt"))))
    rows.append(("Progress:", status.get("progress", "")))
    arguments = [p for p in (spec.get("arguments") or {}).get("parameters") or () if p.get("value") is not None]
    if arguments:
        rows.append(("Parameters:", ""))
        rows += [(f"  {p['name']}:", p["value"]) for p in arguments]
    outputs = [p for p in (status.get("outputs") or {}).get("parameters") or () if p.get("value") is not None]
    if outputs:
        rows.append(("Output Parameters:", ""))
        rows += [(f"  {p['name']}:", p["value"]) for p in outputs]
    lines = [_HEADER.format(k, "" if v is None else v).rstrip() for k, v in rows]
    nodes = status.get("nodes") or {}
    name = meta.get("name", "")
    if name in nodes:
        table: list[list[str]] = [["STEP", "TEMPLATE", "PODNAME", "DURATION", "MESSAGE"]]
        roots, contained = _render_forest(nodes)
        _render(name, nodes, contained, table, " ", " ", wf)
        exit_id = _exit_root(name, nodes, roots)
        if exit_id is not None:
            table.append([""] * 5)
            _render(exit_id, nodes, contained, table, " ", " ", wf)
        lines.append("")
        lines += _align(table)
    return "\n".join(lines)


def _render_forest(nodes: dict[str, Any]) -> tuple[list[str], dict[str, list[str]]]:
    """Roots, and what each Steps/DAG/StepGroup/Retry node holds in the drawing (sorted)."""
    held_by: dict[str, str] = {}
    for nid, n in nodes.items():
        if n.get("type") in _NON_BOUNDARY_PARENT:
            for c in n.get("children") or ():
                held_by[c] = nid
    contained: dict[str, list[str]] = {}
    roots: list[str] = []
    for nid, n in nodes.items():
        if n.get("type") not in _BOUNDARY | _NON_BOUNDARY_PARENT | _EXECUTION:
            continue
        parent = held_by.get(nid) or n.get("boundaryID")
        if parent:
            contained.setdefault(parent, []).append(nid)
        else:
            roots.append(nid)
    order = functools.cmp_to_key(lambda a, b: _compare(nodes[a], nodes[b]))
    for ids in contained.values():
        ids.sort(key=order)
    return roots, contained


_INDEX = re.compile(r"^[^(]*\((\d+):")


def _index(display_name: str) -> int:
    """A loop item's index (``name(3:x)`` -> 3), else -1 (Argo's RecoverIndexFromNodeName)."""
    m = _INDEX.match(display_name)
    return int(m.group(1)) if m and ":" in display_name else -1


def _compare(a: dict[str, Any], b: dict[str, Any]) -> int:
    """``argo get``'s sibling order: start time, then loop index (both looped) or display name."""
    ta, tb = a.get("startedAt") or "", b.get("startedAt") or ""
    if ta != tb:
        return -1 if ta < tb else 1
    na, nb = a.get("displayName", ""), b.get("displayName", "")
    ia, ib = _index(na), _index(nb)
    if ia >= 0 and ib >= 0:
        return (ia > ib) - (ia < ib)
    return (na > nb) - (na < nb)


def _exit_root(name: str, nodes: dict[str, Any], roots: list[str]) -> str | None:
    for nid in roots:
        if nodes[nid].get("name") == f"{name}.onExit":
            return nid
    return None


def _filtered(node: dict[str, Any]) -> tuple[bool, bool]:
    """(not drawn itself, its children drawn with a group's indent) - Argo's filterNode."""
    kind = node.get("type")
    if kind == "Retry" and len(node.get("children") or ()) == 1:
        return True, False
    if kind == "StepGroup":
        return True, True
    if kind == "Skipped" and node.get("phase") == "Omitted":
        return True, False
    return False, False


def _render(nid: str, nodes: dict[str, Any], contained: dict[str, list[str]], table: list[list[str]],
            node_prefix: str, child_prefix: str, wf: dict[str, Any]) -> None:
    node = nodes[nid]
    filtered, child_indent = _filtered(node)
    if not filtered:
        table.append(_row(node, node_prefix, wf))
    kids = contained.get(nid, []) if node.get("type") not in _EXECUTION else []
    last = len(kids) - 1
    for i, kid in enumerate(kids):
        if filtered and child_indent:
            part, sub = ("──", "  ") if last == 0 else ("┬─", "│ ") if i == 0 else \
                ("└─", "  ") if i == last else ("├─", "│ ")
        elif not filtered:
            part, sub = ("└─", "  ") if i == last else ("├─", "│ ")
        else:
            part, sub = "", ""
        if not filtered:
            kid_prefix = child_prefix + part
        else:
            kid_prefix = (node_prefix if i == 0 else child_prefix) + part
        _render(kid, nodes, contained, table, kid_prefix, child_prefix + sub, wf)


def _row(node: dict[str, Any], prefix: str, wf: dict[str, Any]) -> list[str]:
    active_suspend = node.get("type") == "Suspend" and node.get("phase") == "Running"
    icon = SUSPENDED_ICON if active_suspend else ICONS.get(node.get("phase", ""), "?")
    ref = node.get("templateRef") or {}
    template = f"{ref.get('name')}/{ref.get('template')}" if ref else node.get("templateName") or ""
    pod, duration = "", ""
    if node.get("type") == "Pod":
        from argosy.engine.nodes import pod_name

        wf_name = (wf.get("metadata") or {}).get("name", "")
        pod = pod_name(wf_name, node.get("name", ""), ref.get("template") if ref else node.get("templateName"))
        duration = short_duration(node.get("startedAt"), node.get("finishedAt"))
    return [f"{prefix}{icon} {node.get('displayName', '')}", template, pod, duration, node.get("message") or ""]


def _align(table: list[list[str]]) -> list[str]:
    """Columns padded to their widest cell plus two spaces (``argo get``'s tabwriter)."""
    widths = [max(len(row[i]) for row in table) + 2 for i in range(len(table[0]) - 1)]
    return [("".join(cell.ljust(w) for cell, w in zip(row, widths)) + row[-1]).rstrip() for row in table]


class Printer:
    """Shows progress while workflows run, and the result when they end."""

    def __init__(self, mode: str, stream: Any = None) -> None:
        self.mode = mode
        self.stream = stream or sys.stdout
        self.tty = self.mode == "tree" and hasattr(self.stream, "isatty") and self.stream.isatty()
        self._last = 0.0
        self._shown_lines = 0
        self._phases: dict[str, str] = {}

    def __call__(self, engine: Any, changed: list[Any]) -> None:
        if self.mode != "tree":
            return
        if self.tty:
            now = time.monotonic()
            if now - self._last < 0.1 and not engine.done:
                return
            self._last = now
            text = render_tree(engine.to_dict())
            if self._shown_lines:
                self.stream.write(f"\x1b[{self._shown_lines}F\x1b[J")
            self.stream.write(text + "\n")
            self._shown_lines = text.count("\n") + 1
            self.stream.flush()
            return
        # plain lines: one per node phase change, in the order they happened (the time of the
        # change, then the order the engine changed the nodes in)
        for node in sorted(changed, key=_event_time):
            if node.type in _HIDDEN:
                continue
            if self._phases.get(node.id) != node.phase:
                self._phases[node.id] = node.phase
                if node.phase in ("Pending",):
                    continue
                msg = f" ({node.message})" if node.message else ""
                self.stream.write(f"{engine.name} {node.display_name}: {node.phase}{msg}\n")
        self.stream.flush()

    def finish(self, engines: list[Any]) -> None:
        for e in engines:
            if self.mode == "json":
                self.stream.write(json.dumps(e.to_dict(), separators=(",", ":")) + "\n")
            elif self.mode == "name":
                self.stream.write(f"{e.name}\n")
            else:
                if not self.tty:
                    self.stream.write("\n" + render_tree(e.to_dict()) + "\n")
        self.stream.flush()


def _event_time(node: Any) -> float:
    """When the node's current phase began: its end once it is over, else its start."""
    if node.finished_at is not None:
        return float(node.finished_at)
    return float(node.started_at or 0.0)
