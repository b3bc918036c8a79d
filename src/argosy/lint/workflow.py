"""Checks of one object: names, spec-level fields, entrypoint, exit handler, hooks, templates."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from weakref import WeakKeyDictionary

from argosy.errors import ReferenceError_
from argosy.lint.context import LintContext
from argosy.lint.cron import check_cron_spec
from argosy.lint.fields import (
    POD_GC_STRATEGIES,
    check_duration,
    check_enum,
    check_int_or_string,
    check_parameters,
    check_synchronization,
    is_variable,
)
from argosy.lint.names import (
    CRON_WORKFLOW_NAME_MAX,
    OBJECT_NAME_MAX,
    field_name_problem,
    object_name_problem,
)
from argosy.lint.paths import check_spec_paths
from argosy.lint.report import Report, did_you_mean
from argosy.lint.templates import check_hooks, check_required_inputs, check_template
from argosy.spec import (
    CLUSTER_WORKFLOW_TEMPLATE,
    CRON_WORKFLOW,
    WORKFLOW,
    WORKFLOW_TEMPLATE,
    Manifest,
    ObjectSet,
)

LINTED_KINDS = (WORKFLOW, WORKFLOW_TEMPLATE, CLUSTER_WORKFLOW_TEMPLATE, CRON_WORKFLOW)


def check_manifest(manifest: Manifest, objects: ObjectSet, report: Report, *, offline_refs_ok: bool) -> None:
    """Every check of one Workflow, WorkflowTemplate, ClusterWorkflowTemplate or CronWorkflow."""
    _check_metadata(manifest, report)
    spec = manifest.body.get("spec")
    if not isinstance(spec, dict):
        report.add("spec", "spec is required")
        return
    if manifest.kind == CRON_WORKFLOW:
        check_cron_spec(spec, report)
        workflow_spec = spec.get("workflowSpec")
        if isinstance(workflow_spec, dict):
            check_workflow_spec(workflow_spec, manifest, objects, report, offline_refs_ok=offline_refs_ok)
        return
    check_workflow_spec(spec, manifest, objects, report, offline_refs_ok=offline_refs_ok)


def _check_metadata(manifest: Manifest, report: Report) -> None:
    # A Workflow without either is accepted (upstream's own examples have two): Argosy names it.
    if manifest.kind != WORKFLOW and not manifest.name:
        report.add("metadata.name", f"a {manifest.kind} needs metadata.name: it is referred to by name")
    limit = CRON_WORKFLOW_NAME_MAX if manifest.kind == CRON_WORKFLOW else OBJECT_NAME_MAX
    if manifest.name:
        if len(manifest.name) > limit:
            report.add("metadata.name", f"name {manifest.name!r} must not be more than {limit} characters long "
                       f"(currently {len(manifest.name)})")
        problem = object_name_problem(manifest.name)
        if problem:
            report.add("metadata.name", f"name {manifest.name!r} is invalid: {problem}")
    elif manifest.generate_name:
        problem = object_name_problem(manifest.generate_name, generate=True)
        if problem:
            report.add("metadata.generateName", f"generateName {manifest.generate_name!r} is invalid: {problem}")


def check_workflow_spec(
    spec: dict[str, Any], manifest: Manifest, objects: ObjectSet, report: Report, *, offline_refs_ok: bool
) -> None:
    """A WorkflowSpec: as a Workflow (entrypoint required) or as a template library."""
    is_workflow = manifest.kind in (WORKFLOW, CRON_WORKFLOW)
    templates_list = spec.get("templates")
    if templates_list is not None and not isinstance(templates_list, list):
        report.add("spec.templates", "templates must be a list")
        templates_list = []
    templates_list = [t for t in templates_list or [] if isinstance(t, dict)]
    ref_spec = _referenced_spec(spec, report, objects, offline_refs_ok) if is_workflow else None
    has_ref = isinstance(spec.get("workflowTemplateRef"), dict)
    if has_ref and templates_list:
        report.add("spec.templates", "Templates is invalid field in spec if workflow referred WorkflowTemplate reference")
    templates: dict[str, dict[str, Any]] = {}
    for i, template in enumerate(templates_list):
        name = template.get("name")
        if not name:
            report.add(f"spec.templates[{i}].name", "name is required")
            continue
        name = str(name)
        problem = field_name_problem(name)
        if problem:
            report.add(f"spec.templates[{i}].name", f"'{name}' is invalid: {problem}")
        if name in templates:
            report.add(f"spec.templates[{i}].name", f"'{name}' is not unique")
        templates.setdefault(name, template)
    defaults = spec.get("templateDefaults")
    parameters = _argument_parameters(spec)
    if ref_spec is not None:
        for name, template in _templates_of(ref_spec).items():
            templates.setdefault(name, template)
        if not isinstance(defaults, dict):
            defaults = ref_spec.get("templateDefaults")
        parameters |= _argument_parameters(ref_spec)
    ctx = LintContext(
        report=report,
        objects=objects,
        templates=templates,
        defaults=defaults if isinstance(defaults, dict) else None,
        check_workflow_parameters=is_workflow,
        workflow_parameters=parameters,
        global_outputs=_global_outputs(objects, templates),
        offline_refs_ok=offline_refs_ok,
    )
    check_parameters(report, "spec.arguments", spec.get("arguments"), arguments=True)
    _check_spec_fields(spec, report)
    check_spec_paths(spec, report)
    entrypoint = spec.get("entrypoint") or (ref_spec or {}).get("entrypoint")
    if entrypoint:
        if not is_variable(entrypoint):
            found = ctx.template(str(entrypoint))
            if found is None:
                if not (has_ref and ref_spec is None):
                    report.add("spec.entrypoint", f'template "{entrypoint}" not found'
                               f"{did_you_mean(str(entrypoint), templates)}")
            elif is_workflow:
                check_required_inputs(ctx, found, _merged_arguments(spec, ref_spec), "spec")
    elif is_workflow and not (has_ref and ref_spec is None):
        report.add("spec.entrypoint", "spec.entrypoint is required")
    on_exit = spec.get("onExit")
    if on_exit and not is_variable(on_exit):
        ctx.call({"template": on_exit}, "spec.onExit")
    check_hooks(ctx, spec.get("hooks"), "spec.hooks")
    # A referenced WorkflowTemplate's templates are checked when it is linted itself.
    own = {str(t.get("name")) for t in templates_list if t.get("name")}
    for name, template in templates.items():
        if name in own:
            check_template(ctx, template, f"templates.{name}")


def _referenced_spec(
    spec: dict[str, Any], report: Report, objects: ObjectSet, offline_refs_ok: bool
) -> dict[str, Any] | None:
    ref = spec.get("workflowTemplateRef")
    if ref is None:
        return None
    if not isinstance(ref, dict) or not ref.get("name"):
        report.add("spec.workflowTemplateRef.name", "workflowTemplateRef.name is required")
        return None
    kind = CLUSTER_WORKFLOW_TEMPLATE if ref.get("clusterScope") else WORKFLOW_TEMPLATE
    try:
        return objects.get(kind, str(ref["name"])).spec
    except ReferenceError_ as e:
        if not offline_refs_ok:
            report.add("spec.workflowTemplateRef.name", f"{e}{did_you_mean(str(ref['name']), objects.names(kind))}")
        return None


def _templates_of(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    listed = spec.get("templates")  # a referenced spec may be malformed: its own lint says so
    for t in listed if isinstance(listed, list) else []:
        if isinstance(t, dict) and isinstance(t.get("name"), str) and t["name"]:
            found.setdefault(t["name"], t)
    return found


def _argument_parameters(spec: dict[str, Any]) -> set[str]:
    arguments = spec.get("arguments")
    params = arguments.get("parameters") if isinstance(arguments, dict) else None
    return {str(p["name"]) for p in params or [] if isinstance(p, dict) and p.get("name")}


def _merged_arguments(spec: dict[str, Any], ref_spec: dict[str, Any] | None) -> dict[str, Any]:
    params = [p for s in (spec, ref_spec or {}) for p in ((s.get("arguments") or {}).get("parameters") or [])]
    return {"parameters": params}


def _global_outputs(objects: ObjectSet, templates: dict[str, dict[str, Any]]) -> set[str] | None:
    """Names some template exports with ``globalName``; None if one is only known at runtime."""
    library = _library_global_outputs(objects)
    own = _exported_names(templates.values())
    return None if library is None or own is None else library | own


#: The (Cluster)WorkflowTemplates' exports, once per object set: computing them for every
#: linted object made a file of N workflows and N templates take N² time.
_LIBRARY_EXPORTS: WeakKeyDictionary[ObjectSet, set[str] | None] = WeakKeyDictionary()


def _library_global_outputs(objects: ObjectSet) -> set[str] | None:
    if objects not in _LIBRARY_EXPORTS:
        sources: list[dict[str, Any]] = []
        for kind in (WORKFLOW_TEMPLATE, CLUSTER_WORKFLOW_TEMPLATE):
            for holder in objects.names(kind):
                templates = objects.get(kind, holder).spec.get("templates")
                if isinstance(templates, list):
                    sources.extend(t for t in templates if isinstance(t, dict))
        _LIBRARY_EXPORTS[objects] = _exported_names(sources)
    return _LIBRARY_EXPORTS[objects]


def _exported_names(templates: Iterable[dict[str, Any]]) -> set[str] | None:
    names: set[str] = set()
    for template in templates:
        outputs = template.get("outputs")
        if not isinstance(outputs, dict):
            continue
        for group in ("parameters", "artifacts"):
            items = outputs.get(group)
            for item in items if isinstance(items, list) else []:
                if isinstance(item, dict) and item.get("globalName"):
                    if is_variable(item["globalName"]):
                        return None
                    names.add(str(item["globalName"]))
    return names


def _check_spec_fields(spec: dict[str, Any], report: Report) -> None:
    pod_gc = spec.get("podGC")
    if isinstance(pod_gc, dict):
        strategy = pod_gc.get("strategy")
        if strategy not in (None, "") and strategy not in POD_GC_STRATEGIES:
            report.add("spec.podGC.strategy", f"podGC.strategy unknown strategy '{strategy}' "
                       f"(one of: {', '.join(POD_GC_STRATEGIES)})")
        check_duration(report, "spec.podGC.deleteDelayDuration", pod_gc.get("deleteDelayDuration"))
    parallelism = spec.get("parallelism")
    if parallelism is not None and not is_variable(parallelism) and (
        not isinstance(parallelism, int) or isinstance(parallelism, bool) or parallelism < 0
    ):
        report.add("spec.parallelism", f"parallelism must be a non-negative integer, got {parallelism!r}")
    check_int_or_string(report, "spec.activeDeadlineSeconds", spec.get("activeDeadlineSeconds"),
                        "activeDeadlineSeconds", positive=True)
    check_synchronization(report, "spec.synchronization", spec.get("synchronization"))
    check_enum(report, "spec.imagePullPolicy", spec.get("imagePullPolicy"), ("Always", "IfNotPresent", "Never"),
               "imagePullPolicy")
    ttl = spec.get("ttlStrategy")
    if isinstance(ttl, dict):
        for key, value in ttl.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                report.add(f"spec.ttlStrategy.{key}", f"must be a non-negative number of seconds, got {value!r}")
