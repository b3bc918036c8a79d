"""Variable scopes: what ``{{...}}`` can see at each point of a workflow.

Argo keeps one flat map of dotted names per template invocation (``inputs.parameters.x``,
``steps.gen.outputs.result`` ...) on top of the workflow's global map. We do the same with
two dicts chained: the frame's own and the workflow's global one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from argosy.engine.nodes import POD, SUCCEEDED, Node, rfc3339

Scope = Mapping[str, Any]


class Chained(Mapping[str, Any]):
    """Maps searched in order, first hit wins: a read-only ``ChainMap`` with a lookup
    about twice as fast (substitution asks it for every ``{{...}}`` of every node)."""

    __slots__ = ("maps",)

    def __init__(self, maps: tuple[Mapping[str, Any], ...]) -> None:
        self.maps = maps

    def __getitem__(self, key: str) -> Any:
        for m in self.maps:
            if key in m:
                return m[key]
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        for m in self.maps:
            if key in m:
                return True
        return False

    def get(self, key: str, default: Any = None) -> Any:
        for m in self.maps:
            if key in m:
                return m[key]
        return default

    def __iter__(self) -> Iterator[str]:
        seen: dict[str, None] = {}
        for m in reversed(self.maps):
            seen.update(dict.fromkeys(m))
        return iter(seen)

    def __len__(self) -> int:
        return len(set().union(*self.maps))


def chain(*maps: Mapping[str, Any]) -> Chained:
    """``maps`` as one scope, the first holding a name winning."""
    return Chained(maps)


def add_node_ref(scope: dict[str, Any], prefix: str, node: Node) -> None:
    """Add ``steps.NAME.*`` / ``tasks.NAME.*`` entries for a finished (or running) node."""
    scope[f"{prefix}.id"] = node.id
    if node.started_at is not None:
        scope[f"{prefix}.startedAt"] = rfc3339(node.started_at)
    if node.finished_at is not None:
        scope[f"{prefix}.finishedAt"] = rfc3339(node.finished_at)
    scope[f"{prefix}.status"] = node.phase
    if node.type == POD:
        scope[f"{prefix}.ip"] = node.pod_ip or "127.0.0.1"
    add_outputs(scope, prefix, node.outputs)


def add_outputs(scope: dict[str, Any], prefix: str, outputs: Mapping[str, Any] | None) -> None:
    if not outputs:
        return
    if "result" in outputs:
        scope[f"{prefix}.outputs.result"] = outputs["result"]
    if "exitCode" in outputs:
        scope[f"{prefix}.exitCode"] = outputs["exitCode"]
    for p in outputs.get("parameters") or ():
        if p.get("value") is not None:
            scope[f"{prefix}.outputs.parameters.{p['name']}"] = p["value"]
    for a in outputs.get("artifacts") or ():
        scope[f"{prefix}.outputs.artifacts.{a['name']}"] = a


def _json_list(values: list[str]) -> str:
    """Argo's aggregatedJSONValueList: a JSON list, of objects/arrays if all parse as such."""
    parsed: list[Any] = []
    for v in values:
        try:
            x = json.loads(v)
        except (ValueError, TypeError, RecursionError):  # RecursionError: a step printed 10⁵ "["
            return json.dumps(values, separators=(",", ":"))
        if not isinstance(x, (list, dict)):
            return json.dumps(values, separators=(",", ":"))
        parsed.append(x)
    return json.dumps(parsed, separators=(",", ":"))


def add_aggregate(scope: dict[str, Any], prefix: str, children: Iterable[Node]) -> None:
    """Outputs of a loop's children as JSON lists (Argo's processAggregateNodeOutputs)."""
    params: list[dict[str, str]] = []
    by_name: dict[str, list[str]] = {}
    results: list[Any] = []
    for node in children:
        out = node.outputs
        if not out or node.phase != SUCCEEDED:
            continue
        if out.get("parameters"):
            row: dict[str, str] = {}
            for p in out["parameters"]:
                value = str(p.get("value", ""))
                row[p["name"]] = value
                by_name.setdefault(p["name"], []).append(value)
            params.append(row)
        if "result" in out:
            try:
                results.append(json.loads(out["result"]))
            except (ValueError, TypeError, RecursionError):
                results.append(out["result"])
    scope[f"{prefix}.outputs.result"] = json.dumps(results, separators=(",", ":"))
    scope[f"{prefix}.outputs.parameters"] = json.dumps(params, separators=(",", ":"))
    for name, values in by_name.items():
        scope[f"{prefix}.outputs.parameters.{name}"] = _json_list(values)


def inputs_scope(inputs: Mapping[str, Any] | None) -> dict[str, Any]:
    """``inputs.parameters.*`` and ``inputs.artifacts.*`` entries of a processed template."""
    scope: dict[str, Any] = {}
    if not inputs:
        return scope
    params = inputs.get("parameters") or []
    for p in params:
        if "value" in p:
            scope[f"inputs.parameters.{p['name']}"] = p["value"]
    if params:
        scope["inputs.parameters"] = json.dumps(params, separators=(",", ":"))
    for a in inputs.get("artifacts") or []:
        if a.get("path"):
            scope[f"inputs.artifacts.{a['name']}.path"] = a["path"]
        scope[f"inputs.artifacts.{a['name']}"] = a
    return scope


def outputs_path_scope(outputs: Mapping[str, Any] | None) -> dict[str, Any]:
    """``outputs.parameters.NAME.path`` and ``outputs.artifacts.NAME.path`` entries."""
    scope: dict[str, Any] = {}
    if not outputs:
        return scope
    for p in outputs.get("parameters") or []:
        path = (p.get("valueFrom") or {}).get("path")
        if path:
            scope[f"outputs.parameters.{p['name']}.path"] = path
    for a in outputs.get("artifacts") or []:
        if a.get("path"):
            scope[f"outputs.artifacts.{a['name']}.path"] = a["path"]
    return scope
