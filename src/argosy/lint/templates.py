"""Checks of one template: its type, fields, and for steps and DAGs, every call it makes."""

from __future__ import annotations

import json
from typing import Any

from argosy.lint import dag as dag_checks
from argosy.lint.context import Callee, LintContext
from argosy.lint.fields import (
    IMAGE_PULL_POLICIES,
    RESOURCE_ACTIONS,
    check_duration,
    check_enum,
    check_int_or_string,
    check_parameters,
    check_retry_strategy,
    check_synchronization,
    is_variable,
)
from argosy.lint.metrics import check_template_metrics
from argosy.lint.names import field_name_problem
from argosy.lint.variables import (
    VariableScope,
    check_expression,
    check_expressions,
    check_variables,
    template_scope,
)
from argosy.spec import step_groups, template_types
from argosy.spec.bounds import loop_size_problem

LEAF_TYPES = frozenset({"Container", "ContainerSet", "Script", "Resource", "Data", "Suspend", "HTTP", "Plugin"})


def check_template(ctx: LintContext, template: dict[str, Any], where: str) -> None:
    """Every check of one template, reported under ``where`` (``templates.<name>``)."""
    report = ctx.report
    types = template_types(template)
    if not types:
        # a misspelt type (``contianer``) is an unknown field: the schema check names it
        report.add(
            where,
            "template type unspecified. choose one of: container, containerSet, steps, script, "
            "resource, dag, suspend, data, http, plugin",
        )
        return
    if len(types) > 1:
        report.add(where, f"multiple template types specified: {', '.join(types)}. choose one")
        return
    kind = types[0]
    leaf = kind in LEAF_TYPES
    check_parameters(report, f"{where}.inputs", template.get("inputs"), arguments=False)
    check_parameters(report, f"{where}.outputs", template.get("outputs"), arguments=False)
    check_retry_strategy(report, f"{where}.retryStrategy", template.get("retryStrategy"))
    check_synchronization(report, f"{where}.synchronization", template.get("synchronization"))
    if template.get("metrics") is not None:
        check_template_metrics(report, str(template.get("name", "")), f"{where}.metrics", template["metrics"])
    timeout = template.get("timeout")
    if timeout not in (None, "") and not is_variable(timeout):
        if not leaf:
            report.add(f"{where}.timeout", f"{kind} template doesn't support timeout field")
        elif isinstance(timeout, int) or (isinstance(timeout, str) and timeout.strip().isdigit()):
            report.add(f"{where}.timeout", f"invalid duration format in timeout: {timeout!r} has no unit (e.g. 30s)")
        else:
            check_duration(report, f"{where}.timeout", timeout)
    if template.get("activeDeadlineSeconds") is not None:
        if not leaf:
            report.add(f"{where}.activeDeadlineSeconds", "activeDeadlineSeconds is only valid for leaf templates")
        else:
            check_int_or_string(
                report, f"{where}.activeDeadlineSeconds", template["activeDeadlineSeconds"],
                "activeDeadlineSeconds", positive=True,
            )
    parallelism = template.get("parallelism")
    if parallelism is not None and not is_variable(parallelism):
        if kind not in ("Steps", "DAG"):
            report.add(f"{where}.parallelism", "parallelism is only valid for steps and dag templates")
        elif not isinstance(parallelism, int) or isinstance(parallelism, bool) or parallelism < 0:
            report.add(f"{where}.parallelism", f"parallelism must be a non-negative integer, got {parallelism!r}")
    for key in ("container", "script"):
        body = template.get(key)
        if isinstance(body, dict):
            check_enum(report, f"{where}.{key}.imagePullPolicy", body.get("imagePullPolicy"),
                       IMAGE_PULL_POLICIES, "imagePullPolicy")
            default = (ctx.defaults or {}).get(key)
            if not body.get("image") and not (isinstance(default, dict) and default.get("image")):
                report.add(f"{where}.{key}.image", "image may not be empty")
    if kind == "Suspend" and isinstance(template.get("suspend"), dict):
        check_duration(report, f"{where}.suspend.duration", template["suspend"].get("duration"))
    if kind == "Resource" and isinstance(template.get("resource"), dict):
        resource = template["resource"]
        check_enum(report, f"{where}.resource.action", resource.get("action"), RESOURCE_ACTIONS, "resource action")
        if not resource.get("action"):
            report.add(f"{where}.resource.action", "resource.action must be one of: " + ", ".join(RESOURCE_ACTIONS))
        if not resource.get("manifest") and not resource.get("manifestFrom") and resource.get("action") not in ("get", "delete"):
            report.add(f"{where}.resource", "either resource.manifest or resource.manifestFrom must be specified")
    scope = template_scope(ctx, template, kind)
    check_expressions(ctx, template, where)
    if kind == "Steps":
        _check_steps(ctx, template, where, scope)
    elif kind == "DAG":
        dag_checks.check_dag(ctx, template, where, scope)
    else:
        check_variables(ctx, template, where, scope)


def _check_steps(ctx: LintContext, template: dict[str, Any], where: str, scope: VariableScope) -> None:
    report = ctx.report
    seen: set[str] = set()
    earlier: dict[str, Callee | None] = {}
    for i, group in enumerate(step_groups(template)):
        current: dict[str, Callee | None] = {}
        for j, step in enumerate(group):
            at = f"{where}.steps[{i}][{j}]"
            name = step.get("name")
            if not name:
                report.add(f"{at}.name", "name is required")
                continue
            name = str(name)
            problem = field_name_problem(name)
            if problem:
                report.add(f"{at}.name", f"'{name}' is invalid: {problem}")
            if name in seen:
                report.add(f"{at}.name", f"'{name}' is not unique")
            seen.add(name)
            callee = check_call(ctx, step, at)
            current[name] = callee
            check_loop_fields(ctx, step, at)
            step_scope = scope.for_step(earlier, name, callee, step)
            check_variables(ctx, step, at, step_scope)
        earlier.update(current)
    outputs_scope = scope.for_step(earlier, None, None, {})
    check_variables(ctx, template.get("outputs"), f"{where}.outputs", outputs_scope)


def check_call(ctx: LintContext, holder: dict[str, Any], at: str) -> Callee | None:
    """Check what a step or task calls: found, inputs supplied, hooks and continueOn valid."""
    callee = ctx.call(holder, at)
    arguments = holder.get("arguments")
    check_parameters(ctx.report, f"{at}.arguments", arguments, arguments=True)
    if callee is not None:
        check_required_inputs(ctx, callee.template, arguments, at)
        inline = holder.get("inline")
        if isinstance(inline, dict):
            check_template(ctx, callee.template, f"{at}.inline")
    check_hooks(ctx, holder.get("hooks"), f"{at}.hooks")
    on_exit = holder.get("onExit")
    if on_exit and not is_variable(on_exit):
        ctx.call({"template": on_exit}, f"{at}.onExit")
    return callee


def check_required_inputs(ctx: LintContext, template: dict[str, Any], arguments: Any, at: str) -> None:
    """Every input parameter without value, default or valueFrom must be passed by name."""
    given = set()
    if isinstance(arguments, dict):
        given = {str(p.get("name")) for p in arguments.get("parameters") or [] if isinstance(p, dict)}
    inputs = template.get("inputs")
    params = inputs.get("parameters") if isinstance(inputs, dict) else None
    for param in params if isinstance(params, list) else []:
        if not isinstance(param, dict) or not param.get("name"):
            continue
        if any(param.get(k) is not None for k in ("value", "default", "valueFrom")):
            continue
        if str(param["name"]) not in given:
            callee = template.get("name") or "inline"
            ctx.report.add(
                f"{at}.arguments",
                f'inputs.parameters.{param["name"]} was not supplied (required by template "{callee}")',
            )


def check_hooks(ctx: LintContext, hooks: Any, at: str) -> None:
    """Lifecycle hooks: a mapping of name → {template|templateRef, expression}; only ``exit`` may omit expression."""
    if hooks is None:
        return
    if not isinstance(hooks, dict):
        ctx.report.add(at, "hooks must be a mapping of hook name to hook")
        return
    for name, hook in hooks.items():
        if not isinstance(hook, dict):
            ctx.report.add(f"{at}.{name}", "hook must be a mapping")
            continue
        expression = hook.get("expression")
        if name != "exit" and not expression:
            ctx.report.add(f"{at}.{name}", "Expression required")
        elif isinstance(expression, str) and "{{" not in expression:
            check_expression(ctx, f"{at}.{name}.expression", expression)
        ctx.call(hook, f"{at}.{name}")


def check_loop_fields(ctx: LintContext, holder: dict[str, Any], at: str) -> None:
    """At most one of withItems, withParam, withSequence; withSequence takes count or end."""
    loops = [k for k in ("withItems", "withParam", "withSequence") if holder.get(k) not in (None, "", [])]
    if len(loops) > 1:
        ctx.report.add(at, f"only one of withItems, withParam, withSequence can be specified, got {', '.join(loops)}")
    sequence = holder.get("withSequence")
    if isinstance(sequence, dict) and sequence.get("count") is not None and sequence.get("end") is not None:
        ctx.report.add(f"{at}.withSequence", "only one of count or end can be defined in withSequence")
    elif isinstance(sequence, dict):
        count = _sequence_length(sequence)
        problem = loop_size_problem("withSequence", count) if count is not None else None
        if problem:
            ctx.report.add(f"{at}.withSequence", problem)
    param = holder.get("withParam")
    if isinstance(param, str) and param.lstrip().startswith("[") and not is_variable(param):
        try:
            literal = json.loads(param)
        except (ValueError, RecursionError):
            literal = None
        problem = loop_size_problem("withParam", len(literal)) if isinstance(literal, list) else None
        if problem:
            ctx.report.add(f"{at}.withParam", problem)
    items = holder.get("withItems")
    if items is not None and not isinstance(items, list):
        ctx.report.add(f"{at}.withItems", "withItems must be a list")
    elif items is not None:
        problem = loop_size_problem("withItems", len(items))
        if problem:
            ctx.report.add(f"{at}.withItems", problem)


def _sequence_length(sequence: dict[str, Any]) -> int | None:
    """How many items a literal ``withSequence`` makes; None while a bound is a variable."""
    bounds = []
    for key in ("start", "end", "count"):
        value = sequence.get(key)
        if isinstance(value, bool):
            return None
        try:
            bounds.append(int(str(value)) if value is not None else None)
        except ValueError:
            return None
    start, end, count = bounds
    if count is not None:
        return count
    return abs(end - (start or 0)) + 1 if end is not None else None
