"""Finding the template a step, task or hook calls.

A *template context* is Argo's ``templateScope``: ``local/`` for the workflow's own
templates, ``namespaced/NAME`` for a WorkflowTemplate's, ``cluster/NAME`` for a
ClusterWorkflowTemplate's. A plain ``template: foo`` resolves within the caller's context;
``templateRef`` switches context; ``inline`` stays.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from argosy.errors import ReferenceError_

LOCAL = "local/"


class TemplateResolver(Protocol):
    """Resolves a holder (step, task, hook, exit handler) to (template, new context)."""

    def resolve(self, holder: Mapping[str, Any], context: str) -> tuple[dict[str, Any], str]: ...


class Resolver:
    """Resolves against the workflow's templates and loaded (Cluster)WorkflowTemplates.

    ``lookup(kind, name)`` returns a template object's body (or None). Results are
    cached per (context, name): huge loops resolve the same template many times.
    """

    def __init__(
        self,
        workflow_spec: Mapping[str, Any],
        lookup: Any = None,
        defaults: Mapping[str, Any] | None = None,
    ) -> None:
        self._local = {t["name"]: t for t in workflow_spec.get("templates") or [] if "name" in t}
        self._lookup = lookup
        self._defaults = defaults if defaults is not None else workflow_spec.get("templateDefaults")
        self._cache: dict[tuple[str, str], dict[str, Any]] = {}
        self._objects: dict[str, dict[str, dict[str, Any]]] = {}

    def _templates_of(self, context: str) -> dict[str, dict[str, Any]]:
        if context == LOCAL:
            return self._local
        if context not in self._objects:
            kind, _, name = context.partition("/")
            obj_kind = "ClusterWorkflowTemplate" if kind == "cluster" else "WorkflowTemplate"
            body = self._lookup(obj_kind, name) if self._lookup else None
            if body is None:
                plural = "clusterworkflowtemplates" if kind == "cluster" else "workflowtemplates"
                raise ReferenceError_(f'{plural}.argoproj.io "{name}" not found')
            spec = body.get("spec") or {}
            self._objects[context] = {t["name"]: t for t in spec.get("templates") or [] if "name" in t}
        return self._objects[context]

    def _template(self, context: str, name: str) -> dict[str, Any]:
        key = (context, name)
        found = self._cache.get(key)
        if found is None:
            templates = self._templates_of(context)
            if name not in templates:
                where = "" if context == LOCAL else f" in {context}"
                raise ReferenceError_(f"template {name} not found{where}")
            found = merge_defaults(templates[name], self._defaults)
            self._cache[key] = found
        return found

    def resolve(self, holder: Mapping[str, Any], context: str) -> tuple[dict[str, Any], str]:
        if holder.get("inline"):
            return merge_defaults(holder["inline"], self._defaults), context
        ref = holder.get("templateRef")
        if ref:
            new_context = ("cluster/" if ref.get("clusterScope") else "namespaced/") + str(ref.get("name"))
            return self._template(new_context, str(ref.get("template"))), new_context
        name = holder.get("template")
        if not name:
            raise ReferenceError_("neither template, templateRef nor inline is set")
        return self._template(context, str(name)), context


def merge_defaults(template: dict[str, Any], defaults: Mapping[str, Any] | None) -> dict[str, Any]:
    """Apply ``templateDefaults``: the template's own fields win, maps merge deeply."""
    if not defaults:
        return template
    own_type = next((k for k in TYPE_KEYS if k in template), None)
    applicable = {k: v for k, v in defaults.items() if k not in TYPE_KEYS or k == own_type}
    return _deep_merge(applicable, template)


#: template keys that decide a template's type (only same-type defaults apply)
TYPE_KEYS = ("container", "script", "containerSet", "steps", "dag", "resource", "suspend", "data", "http", "plugin")


def _deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out
