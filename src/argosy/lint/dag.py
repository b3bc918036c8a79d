"""DAG checks: task names, ``depends``/``dependencies``, cycles, targets, and each task's call."""

from __future__ import annotations

import re
from typing import Any

from argosy.errors import ExpressionSyntaxError
from argosy.lint.context import Callee, LintContext
from argosy.lint.names import field_name_problem
from argosy.lint.report import did_you_mean
from argosy.lint.variables import VariableScope, check_variables
from argosy.spec import dag_tasks

_ITEM_RESULTS = ("AnySucceeded", "AllFailed")
_RESULTS = ("Succeeded", "Failed", "Errored", "Skipped", "Omitted", "Daemoned", *_ITEM_RESULTS)


def depends_task_names(text: str) -> tuple[set[str], set[str]]:
    """Task names a ``depends`` expression mentions, and those used with an items-only result.

    Uses argosy.expr's parser when present (raising ExpressionSyntaxError on bad syntax),
    else a plain scan of the words.
    """
    try:
        from argosy.expr import parse_depends  # type: ignore[attr-defined]
    except ImportError:
        parsed = None
    else:
        parsed = parse_depends(text)
    items_only = set()
    for name, result in re.findall(r"([A-Za-z0-9_][-A-Za-z0-9_]*)\.([A-Za-z]+)", text):
        if result in _ITEM_RESULTS:
            items_only.add(name)
    if parsed is not None:
        return set(parsed.task_names), items_only
    names = set()
    for word in re.split(r"&&|\|\||[!()\s]+", text):
        if word:
            names.add(word.split(".")[0])
    return names, items_only


def check_dag(ctx: LintContext, template: dict[str, Any], where: str, scope: VariableScope) -> None:
    """Every check of a DAG template."""
    from argosy.lint.templates import check_call, check_loop_fields

    report = ctx.report
    tasks = dag_tasks(template)
    if not tasks:
        report.add(f"{where}.dag.tasks", "must have at least one task")
        return
    by_name: dict[str, dict[str, Any]] = {}
    for i, task in enumerate(tasks):
        name = task.get("name")
        if not name:
            report.add(f"{where}.dag.tasks[{i}].name", "name is required")
            continue
        name = str(name)
        problem = field_name_problem(name)
        if problem:
            report.add(f"{where}.dag.tasks[{i}].name", f"'{name}' is invalid: {problem}")
        if name in by_name:
            report.add(f"{where}.dag.tasks[{i}].name", f"'{name}' is not unique")
        by_name.setdefault(name, task)
    using_depends = any(t.get("depends") for t in tasks)
    using_dependencies = any(t.get("dependencies") for t in tasks)
    deps: dict[str, set[str]] = {}
    for name, task in by_name.items():
        at = f"{where}.tasks.{name}"
        deps[name] = _dependencies(ctx, task, at, by_name)
        if task.get("depends") and task.get("dependencies"):
            report.add(at, "cannot use both 'depends' and 'dependencies' on one task")
        if (using_depends or using_dependencies) and name[:1].isdigit():
            report.add(at, "name cannot begin with a digit when using either 'depends' or 'dependencies'")
        if using_depends and task.get("continueOn") is not None:
            report.add(f"{at}.continueOn", "cannot use 'continueOn' when using 'depends'. "
                       "Instead use 'dep-task.Failed'/'dep-task.Errored'")
    if using_depends and using_dependencies and not any(
        t.get("depends") and t.get("dependencies") for t in tasks
    ):
        report.add(f"{where}.dag", "cannot use both 'depends' and 'dependencies' in the same DAG template")
    cycle = _find_cycle(deps)
    if cycle:
        report.add(f"{where}.dag.tasks", f"dependency cycle detected: {'->'.join(cycle)}")
        return
    target = template["dag"].get("target")
    if isinstance(target, str):
        for name in target.split():
            if "{{" not in name and name not in by_name:
                report.add(f"{where}.dag.target", f"target '{name}' is not defined{did_you_mean(name, by_name)}")
    callees: dict[str, Callee | None] = {}
    for name, task in by_name.items():
        at = f"{where}.tasks.{name}"
        callees[name] = check_call(ctx, task, at)
        check_loop_fields(ctx, task, at)
    for name, task in by_name.items():
        ancestors = _ancestors(name, deps)
        visible = {a: callees.get(a) for a in ancestors}
        check_variables(ctx, task, f"{where}.tasks.{name}", scope.for_step(visible, name, callees.get(name), task))
    outputs_scope = scope.for_step(callees, None, None, {})
    check_variables(ctx, template.get("outputs"), f"{where}.outputs", outputs_scope)


def _dependencies(ctx: LintContext, task: dict[str, Any], at: str, by_name: dict[str, Any]) -> set[str]:
    names: set[str] = set()
    dependencies = task.get("dependencies")
    if dependencies is not None:
        if not isinstance(dependencies, list):
            ctx.report.add(f"{at}.dependencies", "dependencies must be a list of task names")
        else:
            for dep in dependencies:
                dep = str(dep)
                if dep not in by_name:
                    ctx.report.add(f"{at}.dependencies", f"dependency '{dep}' not defined{did_you_mean(dep, by_name)}")
                else:
                    names.add(dep)
    depends = task.get("depends")
    if depends not in (None, ""):
        try:
            mentioned, items_only = depends_task_names(str(depends))
        except ExpressionSyntaxError as e:
            message = str(e).split(" (column ")[0]
            ctx.report.add(f"{at}.depends", f"invalid depends {depends!r}: {message} at column {e.column}")
            return names
        for dep in sorted(mentioned):
            if dep not in by_name:
                ctx.report.add(f"{at}.depends", f"dependency '{dep}' not defined{did_you_mean(dep, by_name)}")
                continue
            names.add(dep)
            other = by_name[dep]
            if dep in items_only and not any(other.get(k) for k in ("withItems", "withParam", "withSequence")):
                ctx.report.add(
                    f"{at}.depends",
                    f"dependency '{dep}' uses an items-based condition such as .AnySucceeded or "
                    ".AllFailed but does not contain any items",
                )
    return names


def _find_cycle(deps: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(deps.get(node, ())):
            if state.get(dep) == 1:
                return [*stack[stack.index(dep):], dep]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in deps:
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def _ancestors(name: str, deps: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(deps.get(name, ()))
    while todo:
        dep = todo.pop()
        if dep not in seen:
            seen.add(dep)
            todo.extend(deps.get(dep, ()))
    return seen
