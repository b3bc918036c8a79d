"""WorkflowEventBinding checks: what Argo would only find out when an event arrives.

Argo stores a binding as given and reports a bad one in its server's log, once per event
that reaches it. ``argosy lint`` (and the API's create/update) say so up front instead: the
selector and every expression of ``spec.submit`` must parse as expr-lang, each parameter
needs ``valueFrom.event``, and the ``workflowTemplateRef`` must name a template (among the
objects linted together, unless references may live elsewhere).
"""

from __future__ import annotations

from typing import Any

from argosy.errors import ExpressionError, ReferenceError_
from argosy.expr import compile_expression
from argosy.lint.report import Report, did_you_mean
from argosy.spec import CLUSTER_WORKFLOW_TEMPLATE, WORKFLOW_TEMPLATE, ObjectSet


def _expression(report: Report, field: str, source: Any, *, required: bool = True) -> None:
    if not isinstance(source, str) or not source.strip():
        if required:
            report.add(field, "an expression is required")
        return
    try:
        compile_expression(source)
    except ExpressionError as err:
        report.add(field, f"expression does not parse: {err}")


def check_event_binding(spec: dict[str, Any], objects: ObjectSet, report: Report, *, offline_refs_ok: bool) -> None:
    """Every check of one WorkflowEventBinding's ``spec``."""
    event = spec.get("event")
    _expression(report, "spec.event.selector", event.get("selector") if isinstance(event, dict) else None)
    submit = spec.get("submit")
    if not isinstance(submit, dict):
        return
    ref = submit.get("workflowTemplateRef")
    name = ref.get("name") if isinstance(ref, dict) else None
    if not name:
        report.add("spec.submit.workflowTemplateRef.name", "the name of the template to submit is required")
    elif not offline_refs_ok:
        kind = CLUSTER_WORKFLOW_TEMPLATE if ref.get("clusterScope") else WORKFLOW_TEMPLATE
        try:
            objects.get(kind, str(name))
        except ReferenceError_ as err:
            report.add("spec.submit.workflowTemplateRef.name", f"{err}{did_you_mean(str(name), objects.names(kind))}")
    meta = submit.get("metadata")
    if isinstance(meta, dict):
        for key in ("name", "generateName"):
            _expression(report, f"spec.submit.metadata.{key}", meta.get(key), required=False)
        for group in ("labels", "annotations"):
            for key, value in (meta.get(group) or {}).items():
                _expression(report, f"spec.submit.metadata.{group}.{key}", value)
    arguments = submit.get("arguments")
    parameters = arguments.get("parameters") if isinstance(arguments, dict) else None
    for index, param in enumerate(parameters if isinstance(parameters, list) else []):
        where = f"spec.submit.arguments.parameters[{index}]"
        if not isinstance(param, dict):
            continue
        if not param.get("name"):
            report.add(f"{where}.name", "a parameter needs a name")
        source = param.get("valueFrom")
        if not isinstance(source, dict) or not source.get("event"):
            report.add(f"{where}.valueFrom.event",
                       f'parameter "{param.get("name")}" needs valueFrom.event: an expression over the event')
            continue
        _expression(report, f"{where}.valueFrom.event", source.get("event"))
