"""What checking one object's templates needs to know: where templates live and what is global."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from argosy.errors import ReferenceError_
from argosy.lint.report import Report, did_you_mean
from argosy.spec import (
    CLUSTER_WORKFLOW_TEMPLATE,
    WORKFLOW_TEMPLATE,
    ObjectSet,
    apply_template_defaults,
)


@dataclass
class Callee:
    """The template a step, task, hook or entrypoint calls, once found."""

    template: dict[str, Any]
    #: None for the linted object itself, else the (Cluster)WorkflowTemplate it is in
    holder: str | None = None


@dataclass
class LintContext:
    """One object's templates and globals, plus the other objects linted with it."""

    report: Report
    objects: ObjectSet
    templates: dict[str, dict[str, Any]]
    defaults: dict[str, Any] | None
    #: Workflow (or CronWorkflow): ``workflow.parameters.*`` must be declared
    check_workflow_parameters: bool
    workflow_parameters: set[str] = field(default_factory=set)
    #: names of ``workflow.outputs.parameters/artifacts`` set by some globalName; None: any
    global_outputs: set[str] | None = None
    has_exit_handler: bool = False
    offline_refs_ok: bool = False
    checked: set[str] = field(default_factory=set)

    def template(self, name: str) -> dict[str, Any] | None:
        """This object's template ``name`` with templateDefaults applied, or None."""
        raw = self.templates.get(name)
        return apply_template_defaults(raw, self.defaults) if raw is not None else None

    def call(self, holder: dict[str, Any], where: str) -> Callee | None:
        """Find what ``holder`` (a step, task or hook) calls; report a problem if nothing."""
        ref = holder.get("templateRef")
        name = holder.get("template")
        inline = holder.get("inline")
        given = [k for k, v in (("template", name), ("templateRef", ref), ("inline", inline)) if v]
        if len(given) > 1:
            self.report.add(where, f"only one of template, templateRef or inline may be set, got {' and '.join(given)}")
            return None
        if isinstance(inline, dict):
            return Callee(apply_template_defaults(inline, self.defaults))
        if isinstance(ref, dict):
            return self.call_ref(ref, f"{where}.templateRef")
        if ref is not None:
            self.report.add(f"{where}.templateRef", "templateRef must be a mapping with name and template")
            return None
        if not name:
            self.report.add(where, "one of template, templateRef or inline is required")
            return None
        name = str(name)
        if "{{" in name:
            return None
        template = self.template(name)
        if template is None:
            self.report.add(where, f'template "{name}" not found{did_you_mean(name, self.templates)}')
            return None
        return Callee(template)

    def call_ref(self, ref: dict[str, Any], where: str) -> Callee | None:
        """Find the template a ``templateRef`` names among the linted objects."""
        holder, template = ref.get("name"), ref.get("template")
        if not holder:
            self.report.add(f"{where}.name", "resource name is required")
            return None
        if not template:
            self.report.add(f"{where}.template", "template name is required")
            return None
        if "{{" in str(holder) or "{{" in str(template):
            return None
        kind = CLUSTER_WORKFLOW_TEMPLATE if ref.get("clusterScope") else WORKFLOW_TEMPLATE
        try:
            manifest = self.objects.get(kind, str(holder))
        except ReferenceError_ as e:
            if not self.offline_refs_ok:
                self.report.add(f"{where}.name", f"{e}{did_you_mean(str(holder), self.objects.names(kind))}")
            return None
        # the holder may be malformed itself (its own lint reports that): read it defensively
        listed = manifest.spec.get("templates")
        names = {
            t["name"]: t for t in listed if isinstance(t, dict) and isinstance(t.get("name"), str)
        } if isinstance(listed, list) else {}
        found = names.get(template)
        if found is None:
            suggestion = did_you_mean(str(template), [str(n) for n in names if n])
            self.report.add(
                f"{where}.template",
                f'template "{template}" not found in {kind} "{holder}"{suggestion}',
            )
            return None
        return Callee(apply_template_defaults(found, self.defaults), holder=str(holder))
