"""Printing workflows like ``argo watch`` / ``argo get``: a node tree with phases."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from typing import Any

ICONS = {"Succeeded": "✔", "Failed": "✖", "Error": "⚠", "Running": "●", "Pending": "◷",
         "Skipped": "○", "Omitted": "○"}
_HIDDEN = {"StepGroup", "TaskGroup"}


def _seconds(node: dict[str, Any]) -> str:
    start, end = node.get("startedAt"), node.get("finishedAt")
    if not start or not end:
        return ""
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    d = (datetime.strptime(end, fmt) - datetime.strptime(start, fmt)).total_seconds()
    return f"{int(d)}s"


def render_tree(wf: dict[str, Any]) -> str:
    """The workflow's status as text: a header, then the node tree."""
    meta, status = wf.get("metadata") or {}, wf.get("status") or {}
    lines = [
        f"Name:      {meta.get('name')}",
        f"Namespace: {meta.get('namespace', 'default')}",
        f"Status:    {status.get('phase')}",
    ]
    if status.get("message"):
        lines.append(f"Message:   {status['message']}")
    if status.get("progress"):
        lines.append(f"Progress:  {status['progress']}")
    params = (status.get("outputs") or {}).get("parameters") or []
    for p in params:
        lines.append(f"Output:    {p['name']}={p.get('value')}")
    tree = node_tree(wf)
    if tree:
        lines.append("")
        lines.extend(tree)
    return "\n".join(lines)


def node_tree(wf: dict[str, Any]) -> list[str]:
    """The node tree under its column header (no lines when there are no nodes yet)."""
    meta, status = wf.get("metadata") or {}, wf.get("status") or {}
    nodes = status.get("nodes") or {}
    root = nodes.get(meta.get("name", ""))
    lines: list[str] = []
    if root:
        lines.append(f"{'STEP':<50} {'TEMPLATE':<24} {'DURATION':<8} MESSAGE")
        seen: set[str] = set()
        _walk(root, nodes, "", True, lines, seen, top=True)
        for extra in nodes.values():
            if extra["id"] not in seen and extra.get("boundaryID") is None and extra is not root:
                _walk(extra, nodes, "", True, lines, seen, top=True)
    return lines


def _walk(node: dict[str, Any], nodes: dict[str, Any], prefix: str, last: bool, lines: list[str],
          seen: set[str], top: bool = False) -> None:
    if node["id"] in seen:
        return
    seen.add(node["id"])
    kids = [nodes[c] for c in node.get("children", []) if c in nodes]
    if node["type"] in _HIDDEN and not top:
        for i, k in enumerate(kids):
            _walk(k, nodes, prefix, i == len(kids) - 1 and last, lines, seen)
        return
    icon = ICONS.get(node["phase"], "?")
    branch = "" if top else ("└─" if last else "├─")
    label = f"{prefix}{branch}{icon} {node['displayName']}"
    template = node.get("templateName") or (node.get("templateRef") or {}).get("template", "")
    lines.append(f"{label:<50} {template:<24} {_seconds(node):<8} {node.get('message', '')}".rstrip())
    child_prefix = prefix if top else prefix + ("  " if last else "│ ")
    for i, k in enumerate(kids):
        _walk(k, nodes, child_prefix, i == len(kids) - 1, lines, seen)


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
        # plain lines: one per node phase change
        for node in changed:
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
