"""WorkflowEventBindings: which workflows an event starts (Argo's event dispatch).

An event is any JSON posted to ``/api/v1/events/{namespace}/{discriminator}``. Every
WorkflowEventBinding of that namespace is tried in turn: its ``spec.event.selector`` (an
expr-lang expression) is evaluated over the event's environment, and when it is true and the
binding has ``spec.submit``, a Workflow is created from the ``workflowTemplateRef``
(a WorkflowTemplate of the namespace, or with ``clusterScope: true`` a
ClusterWorkflowTemplate), as Argo's server does:

- the environment is ``payload`` (the JSON, numbers as Go's float64), ``metadata`` (the HTTP
  headers starting with ``x-``, names lower-cased, each a list of values: ``authorization``
  and the like are never exposed), ``discriminator`` and ``namespace``;
- ``submit.metadata.name``/``generateName``/``labels``/``annotations`` are expressions that
  must give strings; without a name, ``generateName`` (default ``TEMPLATE-``) gets a suffix;
- each ``submit.arguments.parameters[].valueFrom.event`` is an expression; the parameter's
  value is its result as Argo writes it (a string as is, anything else as JSON);
- the workflow is labelled with the template (``workflows.argoproj.io/workflow-template`` or
  ``cluster-workflow-template``) and the binding (``workflows.argoproj.io/workflow-event-binding``).

A binding that fails (a selector that does not parse or is not a bool, a parameter without
``valueFrom``, a missing template, a name in use) does not stop the others: its error is
logged and returned in its :class:`Dispatched`, and whether the caller hears about it is
the server's choice (Argo 3.x, and 4.x with ``--event-async-dispatch``, answer 200 anyway).

This module knows no HTTP: the server hands it the namespace, discriminator, payload and
headers, and the Controller it submits to.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from argosy.controller.submit import prepare_workflow
from argosy.errors import ArgosyError, EventBindingError
from argosy.expr import evaluate
from argosy.goformat import to_json
from argosy.spec import CLUSTER_WORKFLOW_TEMPLATE, WORKFLOW_TEMPLATE

if TYPE_CHECKING:
    from argosy.controller.controller import Controller

log = logging.getLogger("argosy.events")

#: the store kind of a binding
KIND = "WorkflowEventBinding"
#: the label naming the binding that created a workflow
BINDING_LABEL = "workflows.argoproj.io/workflow-event-binding"
TEMPLATE_LABELS = {
    WORKFLOW_TEMPLATE: "workflows.argoproj.io/workflow-template",
    CLUSTER_WORKFLOW_TEMPLATE: "workflows.argoproj.io/cluster-workflow-template",
}
_RESOURCES = {
    WORKFLOW_TEMPLATE: "workflowtemplates.argoproj.io",
    CLUSTER_WORKFLOW_TEMPLATE: "clusterworkflowtemplates.argoproj.io",
}


def event_metadata(headers: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """The ``metadata`` of an event: ``x-`` headers only (lower-cased), each a list of values.

    Only ``x-`` headers, so credentials (``authorization``, ``cookie``) never reach an
    expression (or a workflow parameter)."""
    meta: dict[str, list[str]] = {}
    for name, value in headers:
        key = name.lower()
        if key.startswith("x-"):
            meta.setdefault(key, []).append(value)
    return meta


@dataclass(frozen=True, slots=True)
class Event:
    """One event as received: where it was posted, its JSON payload and its headers' metadata."""

    namespace: str
    discriminator: str
    payload: Any
    metadata: Mapping[str, list[str]] = field(default_factory=dict)

    def environment(self) -> dict[str, Any]:
        """The expression environment of selectors and parameters."""
        return {"namespace": self.namespace, "discriminator": self.discriminator,
                "metadata": {k: list(v) for k, v in self.metadata.items()}, "payload": self.payload}


@dataclass(frozen=True, slots=True)
class Dispatched:
    """What one binding did with an event."""

    binding: str
    matched: bool = False
    #: the name of the workflow it created (None: it created none)
    workflow: str | None = None
    #: why it failed (None: it did not)
    error: str | None = None


def go_type(value: Any) -> str:
    """The Go type a JSON value has in Argo's expression environment (for messages)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "float64" if isinstance(value, float) else "int"
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, list):
        return "[]interface {}"
    return type(value).__name__


def parameter_value(result: Any) -> str:
    """An event parameter's value as Argo writes it: a string as is, anything else as JSON."""
    return result if isinstance(result, str) else to_json(result)


def _evaluate(expression: Any, env: Mapping[str, Any], what: str) -> Any:
    if not isinstance(expression, str) or not expression.strip():
        raise EventBindingError(f"{what} expression is empty")
    try:
        return evaluate(expression, env)
    except ArgosyError as err:
        raise EventBindingError(f"failed to evaluate {what} expression: {err}") from None


def _string(expression: Any, env: Mapping[str, Any], what: str) -> str:
    value = _evaluate(expression, env, f"workflow {what}")
    if not isinstance(value, str):
        raise EventBindingError(f"workflow {what} expression must evaluate to a string, not a {go_type(value)}")
    return value


def matches(binding: Mapping[str, Any], env: Mapping[str, Any]) -> bool:
    """Whether the binding's ``spec.event.selector`` is true for the event."""
    selector = ((binding.get("spec") or {}).get("event") or {}).get("selector")
    result = _evaluate(selector, env, "workflow template")
    if not isinstance(result, bool):
        raise EventBindingError(f"unable to cast expression result '{selector}' to bool "
                                f"(it gave a {go_type(result)})")
    return result


def workflow_for(binding: Mapping[str, Any], env: Mapping[str, Any]) -> dict[str, Any] | None:
    """The Workflow the binding submits for an event, or None when it does not match (or has no
    ``submit``); EventBindingError when it cannot be made."""
    if not matches(binding, env) or not isinstance((binding.get("spec") or {}).get("submit"), Mapping):
        return None
    return submission(binding, env)


def submission(binding: Mapping[str, Any], env: Mapping[str, Any]) -> dict[str, Any]:
    """The Workflow of a matching binding's ``spec.submit`` for the event (EventBindingError)."""
    submit = binding["spec"]["submit"]
    ref = submit.get("workflowTemplateRef") or {}
    template = ref.get("name")
    if not template:
        raise EventBindingError("spec.submit.workflowTemplateRef.name is required")
    cluster = bool(ref.get("clusterScope"))
    kind = CLUSTER_WORKFLOW_TEMPLATE if cluster else WORKFLOW_TEMPLATE
    binding_meta = binding.get("metadata") or {}
    meta: dict[str, Any] = {"generateName": f"{template}-", "namespace": binding_meta.get("namespace") or "default",
                            "labels": {TEMPLATE_LABELS[kind]: template}}
    wanted = submit.get("metadata") or {}
    if wanted.get("name"):
        meta["name"] = _string(wanted["name"], env, "name")
    if wanted.get("generateName"):
        meta["generateName"] = _string(wanted["generateName"], env, "generateName")
    for key, expression in (wanted.get("labels") or {}).items():
        meta["labels"][key] = _string(expression, env, f'label "{key}"')
    for key, expression in (wanted.get("annotations") or {}).items():
        meta.setdefault("annotations", {})[key] = _string(expression, env, f'annotation "{key}"')
    meta["labels"][BINDING_LABEL] = str(binding_meta.get("name") or "")
    parameters = []
    for param in (submit.get("arguments") or {}).get("parameters") or []:
        name = param.get("name")
        source = param.get("valueFrom")
        if not isinstance(source, Mapping):
            raise EventBindingError(f'malformed workflow template parameter "{name}": valueFrom is nil')
        result = _evaluate(source.get("event"), env, f'workflow template parameter "{name}"')
        parameters.append({"name": name, "value": parameter_value(result)})
    spec: dict[str, Any] = {"workflowTemplateRef": {"name": template, **({"clusterScope": True} if cluster else {})}}
    if parameters:
        spec["arguments"] = {"parameters": parameters}
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": meta, "spec": spec}


async def dispatch(controller: Controller, bindings: Iterable[Mapping[str, Any]], event: Event, *,
                   cluster_templates: bool = True) -> list[Dispatched]:
    """Try every binding on ``event``; start the workflows of those that match. One result per
    binding, in order; a failing binding is logged and the others still run.

    ``cluster_templates`` False: the caller may not read ClusterWorkflowTemplates, so a
    binding submitting one fails (Argo submits with the caller's own rights)."""
    env = event.environment()
    results = []
    for binding in bindings:
        name = str((binding.get("metadata") or {}).get("name") or "")
        matched = False
        try:
            matched = matches(binding, env)
            if not matched or not isinstance((binding.get("spec") or {}).get("submit"), Mapping):
                results.append(Dispatched(name, matched=matched))
                continue
            created = await _submit(controller, submission(binding, env), cluster_templates)
            results.append(Dispatched(name, matched=True, workflow=created))
        except ArgosyError as err:
            log.warning("failed to dispatch event to WorkflowEventBinding %s/%s: %s", event.namespace, name, err)
            results.append(Dispatched(name, matched=matched, error=f"failed to dispatch event: {err}"))
    return results


async def _submit(controller: Controller, wf: dict[str, Any], cluster_templates: bool) -> str:
    namespace = wf["metadata"]["namespace"]
    ref = wf["spec"]["workflowTemplateRef"]
    kind = CLUSTER_WORKFLOW_TEMPLATE if ref.get("clusterScope") else WORKFLOW_TEMPLATE
    if kind == CLUSTER_WORKFLOW_TEMPLATE and not cluster_templates:
        raise EventBindingError(f'failed to get workflow template: {_RESOURCES[kind]} "{ref["name"]}" is '
                                "forbidden: the caller's token may not read cluster-scoped templates")
    objects = controller.objects_in(namespace)
    if not objects.has(kind, ref["name"]):
        raise EventBindingError(f'failed to get workflow template: {_RESOURCES[kind]} "{ref["name"]}" not found')
    try:
        prepared = prepare_workflow(wf, objects)
        await controller.start_async(prepared)
    except ArgosyError as err:
        raise EventBindingError(f"failed to create workflow: {err}") from err
    return str(prepared["metadata"]["name"])
