"""Resolve what a workflow runs: its effective spec, and each template a step or task names.

``resolve_workflow`` joins a Workflow with the WorkflowTemplate its ``workflowTemplateRef``
names (the workflow's own fields win) and applies ``templateDefaults`` to its templates.
``TemplateResolver`` finds the template a step or task calls: by ``template`` name in the
scope it is called from (the workflow, or the WorkflowTemplate the caller came from), by
``templateRef`` in another (Cluster)WorkflowTemplate, or ``inline``. Like Argo's
controller, it applies the *running workflow's* ``templateDefaults`` to every template,
wherever it was found; a referenced WorkflowTemplate's own ``templateDefaults`` do not
apply. Results are cached per (scope, name) since the engine asks once per node.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from argosy.errors import ReferenceError_, SpecError
from argosy.spec.manifest import CLUSTER_WORKFLOW_TEMPLATE, WORKFLOW, WORKFLOW_TEMPLATE
from argosy.spec.merge import strategic_merge
from argosy.spec.objects import ObjectSet

#: Argo's TemplateType names, keyed by the template field that selects each.
TEMPLATE_TYPES: dict[str, str] = {
    "container": "Container",
    "containerSet": "ContainerSet",
    "steps": "Steps",
    "dag": "DAG",
    "script": "Script",
    "resource": "Resource",
    "data": "Data",
    "suspend": "Suspend",
    "http": "HTTP",
    "plugin": "Plugin",
}
#: Template-type fields ``templateDefaults`` only applies to templates of that type.
_TYPED_DEFAULT_FIELDS = frozenset(TEMPLATE_TYPES) - {"steps"}


def template_types(template: dict[str, Any]) -> list[str]:
    """Every template type ``template`` declares (Argo allows exactly one)."""
    found = []
    for key, name in TEMPLATE_TYPES.items():
        value = template.get(key)
        if value is None or (key == "steps" and isinstance(value, list) and not value):
            continue
        found.append(name)
    return found


def template_type(template: dict[str, Any]) -> str:
    """The template's Argo type (Container, Script, Steps, DAG, ...); SpecError unless exactly one."""
    found = template_types(template)
    name = template.get("name", "")
    if not found:
        raise SpecError(
            f"templates.{name} template type unspecified. choose one of: "
            "container, containerSet, steps, script, resource, dag, suspend, data, http, plugin"
        )
    if len(found) > 1:
        raise SpecError(
            f"templates.{name} multiple template types specified: {', '.join(found)}. choose one"
        )
    return found[0]


def apply_template_defaults(template: dict[str, Any], defaults: dict[str, Any] | None) -> dict[str, Any]:
    """``template`` with ``defaults`` merged under it (the template's own fields win).

    Type-specific defaults (``container``, ``script``, ``http`` ...) apply only to templates
    of that type, so a default ``container`` never turns a steps template into two types.
    """
    if not defaults:
        return copy.deepcopy(template)
    own_types = set(template_types(template))
    applicable = {
        key: value
        for key, value in defaults.items()
        if key not in _TYPED_DEFAULT_FIELDS or TEMPLATE_TYPES[key] in own_types
    }
    return strategic_merge(applicable, template)


def _has_value(parameter: dict[str, Any]) -> bool:
    return any(parameter.get(k) is not None for k in ("value", "default", "valueFrom"))


def merge_workflow_spec(template_spec: dict[str, Any], workflow_spec: dict[str, Any]) -> dict[str, Any]:
    """A workflow's spec joined with its WorkflowTemplate's spec, the way Argo joins them.

    Strategic merge with the workflow winning; ``hooks`` are not merged key by key: the
    template's hooks are only added under names the workflow does not use; an argument
    parameter the workflow gives a value replaces the template's one whole.
    """
    template_hooks = template_spec.get("hooks")
    base = {k: v for k, v in template_spec.items() if k != "hooks"}
    merged = strategic_merge(base, workflow_spec)
    if isinstance(template_hooks, dict):
        hooks = merged.setdefault("hooks", {})
        if isinstance(hooks, dict):
            for name, hook in template_hooks.items():
                hooks.setdefault(name, copy.deepcopy(hook))
    wf_params = {
        p.get("name"): p
        for p in (workflow_spec.get("arguments") or {}).get("parameters") or []
        if isinstance(p, dict)
    }
    merged_params = (merged.get("arguments") or {}).get("parameters")
    if isinstance(merged_params, list):
        for i, param in enumerate(merged_params):
            own = wf_params.get(param.get("name")) if isinstance(param, dict) else None
            if own is not None and _has_value(own):
                merged_params[i] = copy.deepcopy(own)
    # Argo keeps the workflow's own suspend flag even when the template sets one.
    if "suspend" in workflow_spec:
        merged["suspend"] = workflow_spec["suspend"]
    elif "suspend" in merged and "suspend" in template_spec:
        del merged["suspend"]
    return merged


def resolve_workflow(workflow: dict[str, Any], objects: ObjectSet) -> dict[str, Any]:
    """The effective body to run: ``workflowTemplateRef`` joined in, ``templateDefaults`` applied.

    Returns a deep copy; ``workflow`` is not modified. ReferenceError_ if the referenced
    (Cluster)WorkflowTemplate is not in ``objects``.
    """
    body = copy.deepcopy(workflow)
    spec = body.get("spec")
    if not isinstance(spec, dict):
        raise SpecError("spec is required")
    ref = spec.get("workflowTemplateRef")
    if isinstance(ref, dict):
        name = ref.get("name")
        if not name:
            raise SpecError("spec.workflowTemplateRef.name is required")
        holder = objects.template_holder(str(name), bool(ref.get("clusterScope")))
        spec = merge_workflow_spec(copy.deepcopy(holder.spec), spec)
        body["spec"] = spec
    defaults = spec.get("templateDefaults")
    templates = spec.get("templates")
    if isinstance(defaults, dict) and isinstance(templates, list):
        spec["templates"] = [
            apply_template_defaults(t, defaults) if isinstance(t, dict) else t for t in templates
        ]
    return body


@dataclass(frozen=True, slots=True)
class TemplateScope:
    """Where a template was found: the workflow itself, or a (Cluster)WorkflowTemplate by name."""

    kind: str = WORKFLOW
    name: str | None = None

    @property
    def is_workflow(self) -> bool:
        """Whether this is the running workflow's own template list."""
        return self.kind == WORKFLOW

    @property
    def cluster_scope(self) -> bool:
        """Whether this is a ClusterWorkflowTemplate."""
        return self.kind == CLUSTER_WORKFLOW_TEMPLATE

    def status_scope(self, workflow_name: str) -> str:
        """Argo's ``templateScope`` string for node status: ``local/...``, ``namespaced/...``, ``cluster/...``."""
        if self.kind == WORKFLOW_TEMPLATE:
            return f"namespaced/{self.name}"
        if self.kind == CLUSTER_WORKFLOW_TEMPLATE:
            return f"cluster/{self.name}"
        return f"local/{workflow_name}"


WORKFLOW_SCOPE = TemplateScope()


class TemplateResolver:
    """Finds templates for one running workflow, with its ``templateDefaults`` applied, cached.

    ``workflow`` should be the body ``resolve_workflow`` returned.
    """

    def __init__(self, workflow: dict[str, Any], objects: ObjectSet) -> None:
        self.workflow = workflow
        self.objects = objects
        spec = workflow.get("spec") if isinstance(workflow.get("spec"), dict) else {}
        defaults = spec.get("templateDefaults")
        self._defaults: dict[str, Any] | None = defaults if isinstance(defaults, dict) else None
        self._cache: dict[tuple[TemplateScope, str], dict[str, Any]] = {}
        self._indexes: dict[TemplateScope, dict[str, dict[str, Any]]] = {}

    def templates_in(self, scope: TemplateScope) -> dict[str, dict[str, Any]]:
        """The raw templates of ``scope`` by name (no defaults applied)."""
        index = self._indexes.get(scope)
        if index is None:
            if scope.is_workflow:
                spec = self.workflow.get("spec") or {}
            else:
                spec = self.objects.template_holder(str(scope.name), scope.cluster_scope).spec
            templates = spec.get("templates") if isinstance(spec, dict) else None
            index = {}
            for t in templates if isinstance(templates, list) else []:
                if isinstance(t, dict) and isinstance(t.get("name"), str):
                    index.setdefault(t["name"], t)
            self._indexes[scope] = index
        return index

    def find_template(self, scope: TemplateScope, name: str) -> tuple[dict[str, Any], TemplateScope]:
        """The template called ``name`` in ``scope``; ReferenceError_ if there is none."""
        key = (scope, name)
        cached = self._cache.get(key)
        if cached is not None:
            return cached, scope
        raw = self.templates_in(scope).get(name)
        if raw is None:
            if scope.is_workflow:
                raise ReferenceError_(f"template {name} not found")
            raise ReferenceError_(f"template {name} not found in workflow template {scope.name}")
        template = apply_template_defaults(raw, self._defaults)
        self._cache[key] = template
        return template, scope

    def resolve_template_ref(self, ref: dict[str, Any]) -> tuple[dict[str, Any], TemplateScope]:
        """The template a ``templateRef: {name, template, clusterScope}`` names."""
        name, template = ref.get("name"), ref.get("template")
        if not name:
            raise SpecError("templateRef.name is required")
        if not template:
            raise SpecError("templateRef.template is required")
        cluster = bool(ref.get("clusterScope"))
        kind = CLUSTER_WORKFLOW_TEMPLATE if cluster else WORKFLOW_TEMPLATE
        self.objects.get(kind, str(name))
        return self.find_template(TemplateScope(kind, str(name)), str(template))

    def resolve(self, holder: dict[str, Any], scope: TemplateScope) -> tuple[dict[str, Any], TemplateScope]:
        """The template a step, task, hook or exit handler calls from ``scope``."""
        if isinstance(holder.get("templateRef"), dict):
            return self.resolve_template_ref(holder["templateRef"])
        if isinstance(holder.get("inline"), dict):
            return apply_template_defaults(holder["inline"], self._defaults), scope
        name = holder.get("template")
        if not name:
            raise SpecError("one of template, templateRef or inline is required")
        return self.find_template(scope, str(name))


# The module-level functions keep one resolver per (workflow, objects) pair so repeated
# calls share its cache; identity (not equality) picks the pair, as the engine reuses both.
_resolvers: dict[tuple[int, int], tuple[dict[str, Any], ObjectSet, TemplateResolver]] = {}
_MAX_RESOLVERS = 64


def _resolver(workflow: dict[str, Any] | None, objects: ObjectSet) -> TemplateResolver:
    workflow = workflow if workflow is not None else {"spec": {}}
    key = (id(workflow), id(objects))
    entry = _resolvers.get(key)
    if entry is not None and entry[0] is workflow and entry[1] is objects:
        return entry[2]
    if len(_resolvers) >= _MAX_RESOLVERS:
        _resolvers.pop(next(iter(_resolvers)))
    resolver = TemplateResolver(workflow, objects)
    _resolvers[key] = (workflow, objects, resolver)
    return resolver


def find_template(
    scope: TemplateScope, name: str, objects: ObjectSet, workflow: dict[str, Any]
) -> tuple[dict[str, Any], TemplateScope]:
    """The template ``name`` in ``scope``, with ``workflow``'s templateDefaults applied."""
    return _resolver(workflow, objects).find_template(scope, name)


def resolve_template_ref(
    ref: dict[str, Any], objects: ObjectSet, workflow: dict[str, Any] | None = None
) -> tuple[dict[str, Any], TemplateScope]:
    """The template a ``templateRef`` names, with ``workflow``'s templateDefaults (if given) applied."""
    return _resolver(workflow, objects).resolve_template_ref(ref)
