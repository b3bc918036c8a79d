"""The workflow's global scope: ``workflow.*`` variables and global outputs.

Argo's setGlobalParameters (``workflow.name``, ``workflow.parameters.*``,
``workflow.creationTimestamp.*`` ...) and the ``globalName`` outputs that become
``workflow.outputs.*`` and the workflow's own ``status.outputs``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from argosy.engine import nodes as N
from argosy.engine.arguments import parameter_string
from argosy.engine.nodes import Node, NodeTable, pod_name, rfc3339
from argosy.engine.scope import chain
from argosy.errors import ArgosyError
from argosy.expr import evaluate, expand_scope, substitute_object
from argosy.goformat import strftime_variables
from argosy.spec import TemplateResolver, TemplateScope


def creation_timestamp_variables(created: str) -> dict[str, str]:
    """``workflow.creationTimestamp`` and its strftime (``.Y``, ``.m`` ...), ``.s`` and ``.RFC3339`` forms."""
    return strftime_variables("workflow.creationTimestamp", created)


class VariablesRole:
    """The global scope of one workflow (mixed into ``Reconciler``)."""

    name: str
    namespace: str
    uid: str
    workflow: dict[str, Any]
    spec: dict[str, Any]
    now: float
    nodes: NodeTable
    resolver: TemplateResolver
    global_scope: dict[str, Any]
    outputs: dict[str, Any]
    _configmap: Callable[[str, str], str | None]

    def _init_global_scope(self) -> None:
        """Argo's setGlobalParameters: ``workflow.*`` variables."""
        meta = self.workflow.get("metadata") or {}
        g = self.global_scope
        g["workflow.name"] = self.name
        g["workflow.namespace"] = self.namespace
        g["workflow.uid"] = self.uid
        g["workflow.mainEntrypoint"] = self.spec.get("entrypoint", "")
        g["workflow.serviceAccountName"] = self.spec.get("serviceAccountName", "")
        created = meta.get("creationTimestamp") or rfc3339(self.now)
        g.update(creation_timestamp_variables(created))
        scheduled = (meta.get("annotations") or {}).get("workflows.argoproj.io/scheduled-time")
        if scheduled:
            g["workflow.scheduledTime"] = scheduled
        if self.spec.get("priority") is not None:
            g["workflow.priority"] = str(self.spec["priority"])
        g["workflow.status"] = N.RUNNING
        g["workflow.duration"] = "0"
        for key in ("labels", "annotations"):
            self._set_metadata_scope(key, meta.get(key) or {})
        params = (self.spec.get("arguments") or {}).get("parameters") or []
        g["workflow.parameters"] = g["workflow.parameters.json"] = json.dumps(params, separators=(",", ":"))
        for p in params:
            value = p.get("value")
            vf = p.get("valueFrom") or {}
            if value is None and vf.get("configMapKeyRef"):
                ref = vf["configMapKeyRef"]
                value = self._configmap(ref.get("name", ""), ref.get("key", ""))
                if value is None:
                    value = vf.get("default")
            if value is None:
                value = p.get("default")
            if value is not None:
                g[f"workflow.parameters.{p['name']}"] = parameter_string(value)
        for p in params:  # parameters may refer to workflow.* and to each other
            key = f"workflow.parameters.{p['name']}"
            if key in g:
                g[key] = substitute_object(g[key], g)

    def _set_metadata_scope(self, key: str, values: Mapping[str, Any]) -> None:
        g = self.global_scope
        g[f"workflow.{key}"] = g[f"workflow.{key}.json"] = json.dumps(values, separators=(",", ":"))
        for k, v in values.items():
            g[f"workflow.{key}.{k}"] = str(v)

    def set_metadata(self, labels: Mapping[str, str] | None, annotations: Mapping[str, str] | None) -> None:
        """The workflow's labels and/or annotations were changed (a patch of the Workflow): from now
        on ``workflow.labels.*`` and ``workflow.annotations.*`` are the new ones, as Argo's
        controller sets its global parameters again at each reconciliation. None keeps a map."""
        meta = self.workflow.setdefault("metadata", {})
        for key, values in (("labels", labels), ("annotations", annotations)):
            if values is None:
                continue
            prefix = f"workflow.{key}."
            for name in [k for k in self.global_scope if k.startswith(prefix)]:
                del self.global_scope[name]
            meta[key] = dict(values)
            self._set_metadata_scope(key, values)

    def eval_hook_expression(self, expression: str, scope: Mapping[str, Any]) -> bool:
        try:
            return bool(evaluate(expression, expand_scope(chain(dict(scope), self.global_scope))))
        except ArgosyError:
            return False

    def add_skipped_outputs(self, scope: dict[str, Any], prefix: str, node: Node,
                            holder: Mapping[str, Any], context: TemplateScope, artifacts: bool = False) -> None:
        """Outputs a skipped/omitted node declares: its defaults, or None (absent optional).

        ``artifacts``: its output artifacts too, as artifacts without a location (Argo does
        this for steps, not for DAG tasks).
        """
        if node.outputs or node.phase not in (N.SKIPPED, N.OMITTED):
            return
        try:
            template, _ = self.resolver.resolve(dict(holder), context)
        except ArgosyError:
            return
        for p in (template.get("outputs") or {}).get("parameters") or ():
            vf = p.get("valueFrom") or {}
            key = f"{prefix}.outputs.parameters.{p['name']}"
            scope[key] = parameter_string(vf["default"]) if "default" in vf else None
        for a in (template.get("outputs") or {}).get("artifacts") or () if artifacts else ():
            scope[f"{prefix}.outputs.artifacts.{a['name']}"] = {}

    def set_global_output(self, param: Mapping[str, Any]) -> None:
        """A ``globalName`` output becomes ``workflow.outputs.parameters.NAME``."""
        gname = param.get("globalName")
        if not gname or param.get("value") is None:
            return
        self.global_scope[f"workflow.outputs.parameters.{gname}"] = param["value"]
        params = self.outputs.setdefault("parameters", [])
        for p in params:
            if p["name"] == gname:
                p["value"] = param["value"]
                return
        params.append({"name": gname, "value": param["value"]})

    def set_global_artifact(self, art: Mapping[str, Any]) -> None:
        gname = art.get("globalName")
        if not gname:
            return
        entry = {k: v for k, v in art.items() if k not in ("globalName", "path", "name")}
        entry["name"] = gname
        self.global_scope[f"workflow.outputs.artifacts.{gname}"] = entry
        arts = self.outputs.setdefault("artifacts", [])
        arts[:] = [a for a in arts if a["name"] != gname] + [entry]

    def add_outputs_to_global(self, outputs: Mapping[str, Any] | None) -> None:
        for p in (outputs or {}).get("parameters") or ():
            self.set_global_output(p)
        for a in (outputs or {}).get("artifacts") or ():
            self.set_global_artifact(a)

    def restore_global_outputs(self, outputs: Mapping[str, Any] | None) -> None:
        """The workflow's persisted ``status.outputs`` are the last word on ``workflow.outputs.*``."""
        if not outputs:
            return
        self.outputs = json.loads(json.dumps(outputs))
        for p in self.outputs.get("parameters") or ():
            if p.get("value") is not None:
                self.global_scope[f"workflow.outputs.parameters.{p['name']}"] = p["value"]
        for a in self.outputs.get("artifacts") or ():
            self.global_scope[f"workflow.outputs.artifacts.{a['name']}"] = a

    def failures(self) -> str:
        """``workflow.failures``: the failed and errored nodes as a JSON list."""
        rows = []
        for n in self.nodes:
            if n.phase in (N.FAILED, N.ERROR):
                rows.append({
                    "displayName": n.display_name,
                    "message": n.message or "",
                    "templateName": n.template_name or "",
                    "phase": n.phase,
                    "podName": pod_name(self.name, n.name, n.template_name),
                    "finishedAt": rfc3339(n.finished_at) if n.finished_at else None,
                })
        return json.dumps(rows, separators=(",", ":"))
