"""Custom metrics: what a Workflow's or a template's ``metrics.prometheus`` emits, and when.

Argo (3.6) evaluates a template's metrics when its node completes, and the workflow's when the
workflow completes; a ``realtime: true`` gauge is registered when the node (or workflow) starts
and reads its value (``{{duration}}``, ``{{workflow.duration}}``) at every scrape. For each
metric, in Argo's order:

1. ``help`` must be set; then ``name``, ``help``, ``labels`` and ``when`` are substituted from
   the scope (an unresolved variable is an error), and ``when`` (govaluate) decides;
2. a realtime gauge's value must be exactly one realtime variable; any other value is
   substituted and parsed as a float (Go's ``strconv.ParseFloat``);
3. the registry upserts it: an invalid name, another ``help`` or another type for a name
   already registered is an error.

An error never fails the node or the workflow: Argo adds it to the workflow's ``MetricsError``
condition, and so does the Controller (:mod:`argosy.controller.metrics`).

The scope is Argo's ``prepareMetricScope``: the workflow's global variables plus ``status``,
``duration`` (seconds, ``%f``), ``retries``, ``exitCode``, ``inputs.parameters.*``,
``outputs.result``, ``outputs.parameters.*`` and ``resourcesDuration.{cpu,memory}``; built here
from the engine's persisted view of a node (no I/O, nothing added to the engine).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from argosy.errors import ArgosyError
from argosy.expr import evaluate_when, substitute

#: Prometheus' legacy metric name without ':' (Argo 3.6: valid for both Prometheus and OpenTelemetry)
_VALID_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*\Z")
INVALID_NAME = "metric name is invalid: names may only contain alphanumeric characters or '_'"
INVALID_LABEL = "metric label '{}' is invalid: keys may only contain alphanumeric characters or '_'"
#: Go's strconv.ParseFloat: no spaces, no underscores (Python's float() takes both)
_FLOAT = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan)\Z", re.IGNORECASE)

RealtimeValue = Callable[[], float]


def valid_name(name: str) -> bool:
    """Whether ``name`` is a metric (or label) name Argo accepts."""
    return bool(_VALID_NAME.match(name))


@dataclass(frozen=True, slots=True)
class Emission:
    """One metric to upsert: a series (name and labels) and what to do with it."""

    name: str
    help: str
    kind: str  # gauge | counter | histogram
    labels: tuple[tuple[str, str], ...]
    value: float = 0.0
    #: a gauge's ``operation``: Set, Add or Sub
    operation: str = "Set"
    buckets: tuple[float, ...] = ()
    #: a realtime gauge's value, read at every scrape
    realtime: RealtimeValue | None = None


def kind_of(metric: Mapping[str, Any]) -> str | None:
    for kind in ("gauge", "histogram", "counter"):
        if isinstance(metric.get(kind), Mapping):
            return kind
    return None


def is_realtime(metric: Mapping[str, Any]) -> bool:
    gauge = metric.get("gauge")
    return isinstance(gauge, Mapping) and bool(gauge.get("realtime"))


def parse_float(text: str) -> float:
    """Go's ``strconv.ParseFloat(text, 64)``; ValueError with Go's message."""
    if not _FLOAT.match(text):
        raise ValueError(f'strconv.ParseFloat: parsing "{text}": invalid syntax')
    return float(text)


def emissions(metrics: Any, scope: Mapping[str, Any], realtime_scope: Mapping[str, RealtimeValue], *,
              realtime_only: bool, workflow_name: str) -> tuple[list[Emission], list[str]]:
    """What ``metrics.prometheus`` emits in ``scope``, and the errors (Argo's messages)."""
    out: list[Emission] = []
    errors: list[str] = []
    listed = metrics.get("prometheus") if isinstance(metrics, Mapping) else None
    for metric in listed if isinstance(listed, list) else []:
        if not isinstance(metric, Mapping):
            continue
        if realtime_only and not is_realtime(metric):
            continue
        name = str(metric.get("name") or "")
        if not metric.get("help"):
            errors.append(f"metric '{name}' must contain a help string under 'help: ' field")
            continue
        try:
            name = substitute(name, scope, allow_unresolved=False)
            help_ = substitute(str(metric["help"]), scope, allow_unresolved=False)
            labels = tuple((substitute(str(label.get("key", "")), scope, allow_unresolved=False),
                            substitute(str(label.get("value", "")), scope, allow_unresolved=False))
                           for label in metric.get("labels") or [] if isinstance(label, Mapping))
            when = substitute(str(metric.get("when") or ""), scope, allow_unresolved=False)
        except ArgosyError as err:
            errors.append(f"unable to substitute parameters for metric '{name}': {err}")
            continue
        try:
            if not evaluate_when(when):
                continue
        except ArgosyError as err:
            errors.append(f"unable to compute 'when' clause for metric '{workflow_name}': {err}")
            continue
        kind = kind_of(metric)
        if kind is None:
            errors.append(f"could not construct metric '{name}': invalid metric spec")
            continue
        spec = metric[kind]
        if is_realtime(metric):
            raw = str(spec.get("value") or "")
            if not (raw.startswith("{{") and raw.endswith("}}")):
                errors.append("real time metrics can only be used with metric variables")
                continue
            variable = raw[2:-2].strip()
            source = realtime_scope.get(variable)
            if source is None:
                errors.append(f"'{variable}' is not available as a real time metric")
                continue
            out.append(Emission(name, help_, "gauge", labels, realtime=source))
            continue
        try:
            value = parse_float(substitute(str(spec.get("value") or ""), scope, allow_unresolved=False))
        except ArgosyError as err:
            errors.append(f"unable to substitute parameters for metric '{name}': {err}")
            continue
        except ValueError as err:
            errors.append(f"could not construct metric '{name}': {err}")
            continue
        buckets = tuple(float(b) for b in spec.get("buckets") or []) if kind == "histogram" else ()
        out.append(Emission(name, help_, kind, labels, value, str(spec.get("operation") or "Set"), buckets))
    return out, errors


def _duration(seconds: float) -> str:
    return f"{seconds:.6f}"  # Go's %f


def _span(thing: Any, now: Callable[[], float]) -> float:
    start = thing.started_at if thing.started_at is not None else now()
    end = thing.finished_at if thing.finished_at is not None else now()
    return max(0.0, end - start)


def workflow_scope(global_scope: Mapping[str, Any], workflow: Any, *, now: Callable[[], float] = time.time,
                   ) -> tuple[dict[str, Any], dict[str, RealtimeValue]]:
    """Argo's ``prepareDefaultMetricScope``: the workflow's variables, ``status`` Pending,
    ``duration`` 0; realtime ``workflow.duration`` reads ``workflow`` (``started_at``,
    ``finished_at``: the engine) live."""
    scope: dict[str, Any] = dict(global_scope)
    scope.update({"duration": "0", "status": "Pending", "resourcesDuration.cpu": "0",
                  "resourcesDuration.memory": "0"})
    return scope, {"workflow.duration": lambda: _span(workflow, now)}


def node_scope(global_scope: Mapping[str, Any], workflow: Any, node: Any, *, now: Callable[[], float] = time.time,
               ) -> tuple[dict[str, Any], dict[str, RealtimeValue]]:
    """Argo's ``prepareMetricScope(node)``: the scope and realtime scope of a node's metrics.

    ``node`` is an engine node (``phase``, ``started_at``, ``finished_at``, ``children``,
    ``inputs``, ``outputs``); the realtime ``duration`` reads it live, so it follows the node
    while it runs and stops when it ends."""
    scope, realtime = workflow_scope(global_scope, workflow, now=now)
    scope["duration"] = _duration(_span(node, now))
    realtime["duration"] = lambda: _span(node, now)
    if node.children:
        scope["retries"] = str(len(node.children) - 1)
    if node.phase:
        scope["status"] = node.phase
    for param in (node.inputs or {}).get("parameters") or []:
        scope[f"inputs.parameters.{param.get('name')}"] = "" if param.get("value") is None else str(param["value"])
    outputs = node.outputs or {}
    if outputs.get("result") is not None:
        scope["outputs.result"] = outputs["result"]
    if outputs.get("exitCode") is not None:
        scope["exitCode"] = str(outputs["exitCode"])
    for param in outputs.get("parameters") or []:
        scope[f"outputs.parameters.{param.get('name')}"] = "" if param.get("value") is None else str(param["value"])
    return scope, realtime
