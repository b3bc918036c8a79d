"""Read fields the way Argo reads them, whatever spelling or YAML type the user chose.

Argo 4.x renamed singular fields to lists (``schedule`` → ``schedules``, ``mutex`` →
``mutexes``, ``semaphore`` → ``semaphores``) and still accepts the old spelling; the
accessors here always answer with the list form. Argo's ``AnyString`` fields accept
numbers and booleans where strings are expected (``value: 5`` means ``"5"``).
"""

from __future__ import annotations

import copy
from typing import Any

from argosy.goformat import any_string

_PARAMETER_STRING_FIELDS = ("value", "default")


def normalize_parameter(parameter: dict[str, Any]) -> dict[str, Any]:
    """A copy of one parameter with ``value``, ``default`` and ``enum`` entries as strings."""
    out = dict(parameter)
    for key in _PARAMETER_STRING_FIELDS:
        if key in out and out[key] is not None and not isinstance(out[key], (dict, list)):
            out[key] = any_string(out[key])
    if isinstance(out.get("enum"), list):
        out["enum"] = [any_string(v) if not isinstance(v, (dict, list)) else v for v in out["enum"]]
    value_from = out.get("valueFrom")
    if isinstance(value_from, dict) and "default" in value_from and value_from["default"] is not None:
        value_from = dict(value_from)
        value_from["default"] = any_string(value_from["default"])
        out["valueFrom"] = value_from
    return out


def normalize_parameters(parameters: Any) -> list[dict[str, Any]]:
    """A list of parameters with every scalar value stringified; non-dict entries are dropped."""
    if not isinstance(parameters, list):
        return []
    return [normalize_parameter(p) for p in parameters if isinstance(p, dict)]


def normalize_workflow_parameters(body: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of a workflow-like body whose parameter values are all strings.

    Covers ``spec.arguments``, every template's ``inputs``/``outputs`` and every step's and
    task's ``arguments``: the places the engine reads parameter values from.
    """
    out = copy.deepcopy(body)
    spec = out.get("spec")
    if isinstance(spec, dict):
        _normalize_spec(spec)
        workflow_spec = spec.get("workflowSpec")  # CronWorkflow
        if isinstance(workflow_spec, dict):
            _normalize_spec(workflow_spec)
    return out


def _normalize_spec(spec: dict[str, Any]) -> None:
    _normalize_holder(spec.get("arguments"))
    templates = spec.get("templates")
    if isinstance(spec.get("templateDefaults"), dict):
        templates = [*(templates if isinstance(templates, list) else []), spec["templateDefaults"]]
    for template in templates if isinstance(templates, list) else []:
        if not isinstance(template, dict):
            continue
        _normalize_holder(template.get("inputs"))
        _normalize_holder(template.get("outputs"))
        for step in _steps_and_tasks(template):
            _normalize_holder(step.get("arguments"))


def _normalize_holder(holder: Any) -> None:
    if isinstance(holder, dict) and isinstance(holder.get("parameters"), list):
        holder["parameters"] = [
            normalize_parameter(p) if isinstance(p, dict) else p for p in holder["parameters"]
        ]


def _steps_and_tasks(template: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    steps = template.get("steps")
    if isinstance(steps, list):
        for group in steps:
            # Argo accepts a group written as a mapping with "steps" (ParallelSteps) too.
            items = group.get("steps") if isinstance(group, dict) else group
            if isinstance(items, list):
                found.extend(s for s in items if isinstance(s, dict))
    dag = template.get("dag")
    if isinstance(dag, dict) and isinstance(dag.get("tasks"), list):
        found.extend(t for t in dag["tasks"] if isinstance(t, dict))
    return found


def _plural(holder: Any, plural: str, singular: str) -> list[Any]:
    if not isinstance(holder, dict):
        return []
    many = holder.get(plural)
    result: list[Any] = list(many) if isinstance(many, list) else []
    one = holder.get(singular)
    if one not in (None, "", {}) and one not in result:
        result.insert(0, one)
    return result


def cron_schedules(cron_spec: dict[str, Any]) -> list[str]:
    """A CronWorkflow's schedules: ``schedules`` (4.x) plus ``schedule`` (3.x), as strings."""
    return [str(s) for s in _plural(cron_spec, "schedules", "schedule")]


def mutexes(synchronization: Any) -> list[dict[str, Any]]:
    """``synchronization.mutexes`` (4.x) plus ``synchronization.mutex`` (3.x)."""
    return [m for m in _plural(synchronization, "mutexes", "mutex") if isinstance(m, dict)]


def semaphores(synchronization: Any) -> list[dict[str, Any]]:
    """``synchronization.semaphores`` (4.x) plus ``synchronization.semaphore`` (3.x)."""
    return [s for s in _plural(synchronization, "semaphores", "semaphore") if isinstance(s, dict)]


def step_groups(template: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """A steps template's groups, each a list of steps (accepting the ``{steps: [...]}`` form)."""
    groups: list[list[dict[str, Any]]] = []
    steps = template.get("steps")
    if not isinstance(steps, list):
        return groups
    for group in steps:
        items = group.get("steps") if isinstance(group, dict) else group
        groups.append([s for s in items if isinstance(s, dict)] if isinstance(items, list) else [])
    return groups


def dag_tasks(template: dict[str, Any]) -> list[dict[str, Any]]:
    """A DAG template's tasks."""
    dag = template.get("dag")
    if isinstance(dag, dict) and isinstance(dag.get("tasks"), list):
        return [t for t in dag["tasks"] if isinstance(t, dict)]
    return []
