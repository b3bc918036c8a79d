"""Undefined ``{{variables}}`` and invalid ``{{= expressions}}``, checked in the context they are used.

Like Argo's validator, only variables under the prefixes Argo owns (``inputs.``, ``steps.``,
``tasks.``, ``workflow.``, ``pod.``, ``item``, plus ``retries``/``lastRetry.``) are checked;
anything else may be filled in by the user's own tooling. ``outputs.*`` always resolves (a
template may refer to its own outputs in metrics). Expressions are checked for syntax only,
as Argo does not resolve their variables before running.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from argosy.errors import ExpressionSyntaxError
from argosy.lint.context import Callee, LintContext
from argosy.lint.report import did_you_mean

POD_TYPES = frozenset({"Container", "ContainerSet", "Script", "Resource", "Data"})
WORKFLOW_VARIABLES = frozenset(
    {"name", "namespace", "uid", "serviceAccountName", "mainEntrypoint", "status", "failures", "duration",
     "priority", "scheduledTime", "creationTimestamp", "parameters", "labels", "annotations", "outputs"}
)
_CHECKED_PREFIXES = ("item.", "steps.", "inputs.", "pod.", "workflow.", "tasks.", "lastRetry.")
_CHECKED_EXACT = ("item", "retries")
_EXPRESSION_FIELDS = ("expression", "fromExpression")


@dataclass(frozen=True)
class Tag:
    """One ``{{...}}`` in a string."""

    kind: str  # "variable" | "expression"
    text: str
    column: int


def placeholders(text: str) -> list[Tag]:
    """The ``{{...}}`` tags in ``text``: argosy.expr's parser when present, else a simple scan.

    Raises ExpressionSyntaxError for a tag that is never closed.
    """
    try:
        from argosy.expr import placeholders as expr_placeholders  # type: ignore[attr-defined]
    except ImportError:
        return _scan(text)
    return [Tag(p.kind, p.text, p.column) for p in expr_placeholders(text)]


def _closed_placeholders(text: str) -> list[Tag]:
    """``placeholders``, or none for a string with an unclosed tag (check_expressions reports it)."""
    try:
        return placeholders(text)
    except ExpressionSyntaxError:
        return []


def _scan(text: str) -> list[Tag]:
    tags = []
    for match in re.finditer(r"\{\{(.*?)\}\}", text, re.DOTALL):
        inner = match.group(1).strip()
        if inner.startswith("="):
            tags.append(Tag("expression", inner[1:].strip(), match.start() + 1))
        else:
            tags.append(Tag("variable", inner, match.start() + 1))
    return tags


def compile_expression(text: str) -> None:
    """Parse an expr-lang expression (raising ExpressionSyntaxError); a no-op until argosy.expr exists."""
    try:
        from argosy.expr import compile_expression as expr_compile  # type: ignore[attr-defined]
    except ImportError:
        return
    expr_compile(text)


@dataclass(frozen=True)
class VariableScope:
    """What a string in one place of a template may refer to."""

    kind: str
    input_parameters: frozenset[str] = frozenset()
    input_artifacts: frozenset[str] = frozenset()
    has_retry: bool = False
    #: None: item is not defined; else the keys ``item.<key>`` may use (empty set: any)
    item_keys: frozenset[str] | None = None
    #: steps.<name> / tasks.<name> that have finished by now, with what they call
    nodes: dict[str, Callee | None] = field(default_factory=dict)
    #: every step or task of the template, to tell "not yet" from "no such"
    all_nodes: frozenset[str] = frozenset()
    #: the step or task being checked may refer to its own status (hooks, onExit)
    own: str | None = None

    def for_step(
        self, finished: dict[str, Callee | None], name: str | None, callee: Callee | None, holder: dict[str, Any]
    ) -> VariableScope:
        """The scope inside one step or task, given the steps/tasks that have finished before it."""
        return replace(self, nodes=dict(finished), own=name, item_keys=_item_keys(holder))


def template_scope(ctx: LintContext, template: dict[str, Any], kind: str) -> VariableScope:
    """The scope of a template's own fields."""
    inputs = template.get("inputs") if isinstance(template.get("inputs"), dict) else {}
    return VariableScope(
        kind=kind,
        input_parameters=_names(inputs.get("parameters")),
        input_artifacts=_names(inputs.get("artifacts")),
        has_retry=template.get("retryStrategy") is not None,
        all_nodes=frozenset(_node_names(template)),
    )


def _names(items: Any) -> frozenset[str]:
    return frozenset(str(i["name"]) for i in items or [] if isinstance(i, dict) and i.get("name"))


def _node_names(template: dict[str, Any]) -> list[str]:
    from argosy.spec import dag_tasks, step_groups

    names = [str(s.get("name")) for g in step_groups(template) for s in g if s.get("name")]
    return names + [str(t.get("name")) for t in dag_tasks(template) if t.get("name")]


def _item_keys(holder: dict[str, Any]) -> frozenset[str] | None:
    if holder.get("withParam") not in (None, "") or holder.get("withSequence") is not None:
        return frozenset()
    items = holder.get("withItems")
    if not isinstance(items, list) or not items:
        return None
    if all(isinstance(i, dict) for i in items):
        return frozenset(k for i in items for k in i)
    return frozenset()


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i}]")


def check_variables(ctx: LintContext, value: Any, where: str, scope: VariableScope) -> None:
    """Report every ``{{variable}}`` in ``value`` that cannot resolve in ``scope``."""
    if isinstance(value, dict) and "inline" in value:
        value = {k: v for k, v in value.items() if k != "inline"}  # checked as its own template
    if isinstance(value, dict) and scope.kind in ("Steps", "DAG") and scope.own is None:
        value = {k: v for k, v in value.items() if k not in ("steps", "dag")}
    for path, text in _strings(value, ""):
        if "{{" not in text:
            continue
        for tag in _closed_placeholders(text):
            if tag.kind != "variable":
                continue
            problem = _problem(ctx, tag.text.strip(), scope)
            if problem:
                ctx.report.add(f"{where}.{path}" if path else where, f"failed to resolve {{{{{tag.text}}}}}: {problem}")


def _problem(ctx: LintContext, tag: str, scope: VariableScope) -> str | None:
    if not (tag in _CHECKED_EXACT or tag.startswith(_CHECKED_PREFIXES)):
        return None
    head, _, rest = tag.partition(".")
    if head == "item":
        if scope.item_keys is None:
            return "item is only defined in a step or task with withItems, withParam or withSequence"
        key = rest.split(".")[0]
        if rest and scope.item_keys and key not in scope.item_keys:
            return f'the withItems entries have no key "{key}"{did_you_mean(key, scope.item_keys)}'
        return None
    if head in ("retries", "lastRetry"):
        return None if scope.has_retry else f"{head} is only defined in templates with a retryStrategy"
    if head == "inputs":
        return _input_problem(rest, scope)
    if head == "pod":
        if rest == "name" and scope.kind not in POD_TYPES:
            return f"pod.name is not defined in {scope.kind} templates, which run no pod"
        return None
    if head == "workflow":
        return _workflow_problem(ctx, rest)
    if head in ("steps", "tasks"):
        return _node_problem(head, rest, scope)
    return None


def _input_problem(rest: str, scope: VariableScope) -> str | None:
    group, _, name = rest.partition(".")
    if not name:
        return None
    if group == "parameters":
        if name not in scope.input_parameters:
            return f'no input parameter "{name}"{did_you_mean(name, scope.input_parameters)}'
    elif group == "artifacts":
        artifact = name.split(".")[0]
        if artifact not in scope.input_artifacts:
            return f'no input artifact "{artifact}"{did_you_mean(artifact, scope.input_artifacts)}'
    return None


def _workflow_problem(ctx: LintContext, rest: str) -> str | None:
    first, _, tail = rest.partition(".")
    if first not in WORKFLOW_VARIABLES:
        return f'unknown workflow variable "workflow.{first}"{did_you_mean(first, WORKFLOW_VARIABLES)}'
    if first == "parameters" and tail not in ("", "json") and ctx.check_workflow_parameters and (
        tail not in ctx.workflow_parameters
    ):
        return f'no workflow parameter "{tail}" in spec.arguments{did_you_mean(tail, ctx.workflow_parameters)}'
    if first == "outputs" and ctx.global_outputs is not None:
        _group, _, name = tail.partition(".")
        if name and name not in ctx.global_outputs:
            return f'no template sets globalName "{name}"{did_you_mean(name, ctx.global_outputs)}'
    return None


def _node_problem(head: str, rest: str, scope: VariableScope) -> str | None:
    name, _, field_path = rest.partition(".")
    if name == "name" and not field_path:
        return None
    noun = "step" if head == "steps" else "task"
    expected = "Steps" if head == "steps" else "DAG"
    if scope.kind != expected or (scope.own is None and not scope.nodes and not scope.all_nodes):
        return f"{head}.* is only defined inside a {expected} template"
    if name not in scope.all_nodes:
        return f'no {noun} "{name}" in this template{did_you_mean(name, scope.all_nodes)}'
    if name == scope.own:
        return None
    if name not in scope.nodes:
        if head == "steps":
            return f'step "{name}" has not run yet: only steps in earlier groups can be referenced'
        return f'task "{name}" is not an ancestor of task "{scope.own}": add it to depends or dependencies'
    callee = scope.nodes[name]
    parts = field_path.split(".")
    if callee is not None and len(parts) >= 3 and parts[0] == "outputs" and parts[1] in ("parameters", "artifacts"):
        outputs = callee.template.get("outputs") if isinstance(callee.template.get("outputs"), dict) else {}
        declared = _names(outputs.get(parts[1]))
        if parts[2] not in declared:
            what = "output parameter" if parts[1] == "parameters" else "output artifact"
            called = callee.template.get("name") or "inline"
            return f'template "{called}" has no {what} "{parts[2]}"{did_you_mean(parts[2], declared)}'
    return None


def check_expressions(ctx: LintContext, template: dict[str, Any], where: str) -> None:
    """Report ``{{= }}`` tags and ``expression:`` fields that do not parse, with the column."""
    for path, text in _strings(template, ""):
        at = f"{where}.{path}"
        leaf = path.rsplit(".", 1)[-1]
        if leaf in _EXPRESSION_FIELDS and "{{" not in text:
            check_expression(ctx, at, text)
        if "{{" in text:
            try:
                tags = placeholders(text)
            except ExpressionSyntaxError as e:
                message = str(e).split(" (column ")[0]
                ctx.report.add(at, f"{message} in {text!r} (column {e.column})")
                continue
            for tag in tags:
                if tag.kind == "expression":
                    check_expression(ctx, at, tag.text)


def check_expression(ctx: LintContext, at: str, text: str) -> None:
    """Report an expr-lang expression that does not parse, with the column."""
    try:
        compile_expression(text)
    except ExpressionSyntaxError as e:
        message = str(e).split(" (column ")[0]
        ctx.report.add(at, f"invalid expression {text!r}: {message} at column {e.column}")
