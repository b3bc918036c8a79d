"""``{{var}}`` and ``{{=expr}}`` substitution in strings and JSON-like objects, as Argo does it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from argosy.errors import (
    ExpressionError,
    ExpressionSyntaxError,
    UnresolvedExpressionVariableError,
    UnresolvedVariableError,
)
from argosy.expr.language import compile_expression, expression_variables
from argosy.goformat import format_v, to_json

# Variables bound late (per loop item, retry or exit handler): an expression needing one that is
# not there yet stays as it is, to be substituted again later.
LATE_BOUND = frozenset({
    "item", "retries", "lastRetry.exitCode", "lastRetry.status", "lastRetry.duration",
    "lastRetry.message", "workflow.status", "workflow.failures",
})  # fmt: skip


@dataclass(frozen=True, slots=True)
class Placeholder:
    """One ``{{...}}`` in a string: ``text`` is the variable name or the expression source."""

    kind: Literal["variable", "expression"]
    text: str
    column: int
    raw: str


@lru_cache(maxsize=8192)
def _chunks(text: str) -> tuple[str | Placeholder, ...]:
    """Split ``text`` into literal text and placeholders, the way fasttemplate scans ``{{ }}``."""
    chunks: list[str | Placeholder] = []
    position = 0
    while True:
        start = text.find("{{", position)
        if start < 0:
            break
        end = text.find("}}", start + 2)
        if end < 0:
            raise ExpressionSyntaxError('cannot find end tag "}}"', text, start + 1)
        if start > position:
            chunks.append(text[position:start])
        tag = text[start + 2 : end]
        if tag.startswith("="):
            chunks.append(Placeholder("expression", tag[1:], start + 1, tag))
        else:
            chunks.append(Placeholder("variable", tag.strip(), start + 1, tag))
        position = end + 2
    if position < len(text):
        chunks.append(text[position:])
    return tuple(chunks)


@lru_cache(maxsize=4096)
def _needed(expression: str) -> frozenset[str]:
    return frozenset(expression_variables(expression))


def placeholders(text: str) -> list[Placeholder]:
    """Every ``{{...}}`` in ``text`` with its kind, name or expression, and 1-based column."""
    if "{{" not in text:
        return []
    return [chunk for chunk in _chunks(text) if isinstance(chunk, Placeholder)]


def expand_scope(flat: Mapping[str, Any]) -> dict[str, Any]:
    """Nest a flat scope for expressions: ``{"a.b": 1}`` becomes ``{"a": {"b": 1}}``.

    When a name is both a value and a prefix (``item`` and ``item.a``), the more specific
    names win, as in Argo; a map value (a raw ``item``) keeps its own keys underneath them.
    """
    nested: dict[str, Any] = {}
    owned = {id(nested)}  # dicts built here; values from the scope are copied before changing
    for key in sorted(flat, key=lambda k: k.count(".")):
        *parents, leaf = key.split(".")
        node = nested
        for part in parents:
            child = node.get(part)
            if not isinstance(child, dict) or id(child) not in owned:
                child = dict(child) if isinstance(child, dict) else {}
                owned.add(id(child))
                node[part] = child
            node = child
        node[leaf] = flat[key]
    return nested


def _has_path(env: Mapping[str, Any], path: str) -> bool:
    current: Any = env
    for part in path.split("."):
        if not isinstance(current, Mapping) or part not in current:
            return False
        current = current[part]
    return True


def render_value(value: Any) -> str:
    """How a non-string value is written into a string: JSON for lists and maps, Go's %v otherwise."""
    if isinstance(value, dict | list | tuple):
        return to_json(value)
    return format_v(value)


class _Substitution:
    """One substitution pass; expands the scope for expressions at most once."""

    __slots__ = ("_env", "allow_unresolved", "scope")

    def __init__(self, scope: Mapping[str, Any], allow_unresolved: bool) -> None:
        self.scope = scope
        self.allow_unresolved = allow_unresolved
        self._env: dict[str, Any] | None = None

    def text(self, text: str) -> str:
        if "{{" not in text:
            return text
        parts: list[str] = []
        for chunk in _chunks(text):
            if isinstance(chunk, str):
                parts.append(chunk)
            elif chunk.kind == "variable":
                parts.append(self.variable(chunk))
            else:
                parts.append(self.expression(chunk))
        return "".join(parts)

    def variable(self, placeholder: Placeholder) -> str:
        name = placeholder.text
        if name in self.scope:
            value = self.scope[name]
            if value is None:
                raise ExpressionError(
                    f"unable to substitute {{{{{placeholder.raw}}}}}: output is an absent optional "
                    "(skipped/omitted node with no default)"
                )
            if isinstance(value, str):
                return value
            if not isinstance(value, dict | list | tuple):
                return render_value(value)
            # maps and lists (artifacts) are not text: Argo resolves them only through
            # ``from``/``fromExpression``, so a textual reference stays unresolved
        nested_at = placeholder.raw.rfind("{{")
        if nested_at > 0:
            # fasttemplate ends a tag at the first "}}", so "{{a{{b}}}}" reaches us as "a{{b".
            nested = placeholder.raw[nested_at + 2 :]
            value = self.scope.get(nested)
            if isinstance(value, str):
                return "{{" + placeholder.raw[:nested_at] + value
        if not self.allow_unresolved:
            raise UnresolvedVariableError(placeholder.raw)
        return "{{" + placeholder.raw + "}}"

    def expression(self, placeholder: Placeholder) -> str:
        unresolved = "{{" + placeholder.raw + "}}"
        if self._env is None:
            self._env = expand_scope(self.scope)
        env = self._env
        try:
            compiled = compile_expression(placeholder.text)
            needed = _needed(placeholder.text)
        except ExpressionError:
            if self.allow_unresolved:
                return unresolved
            raise
        missing = sorted(path for path in needed if not _has_path(env, path))
        if missing and self.allow_unresolved:
            return unresolved
        if missing:
            raise UnresolvedExpressionVariableError(missing[0])
        try:
            result = compiled.evaluate(env)
        except ExpressionError as error:
            if self.allow_unresolved:
                return unresolved
            raise ExpressionError(f"failed to evaluate expression: {error}") from None
        if result is None:
            if self.allow_unresolved:
                return unresolved
            raise ExpressionError(f"failed to evaluate expression {placeholder.text!r}")
        return result if isinstance(result, str) else to_json(result)

    def object(self, value: Any) -> Any:
        # plain strings without "{{" (most of a template) are kept without a call
        if isinstance(value, str):
            return self.text(value)
        obj = self.object
        if isinstance(value, dict):
            return {k if type(k) is str and "{{" not in k else obj(k):
                    v if type(v) is str and "{{" not in v else obj(v) for k, v in value.items()}
        if isinstance(value, list):
            return [v if type(v) is str and "{{" not in v else obj(v) for v in value]
        return value


def substitute(text: str, scope: Mapping[str, Any], *, allow_unresolved: bool = True) -> str:
    """Replace every ``{{var}}`` and ``{{=expr}}`` in ``text`` from the flat ``scope``.

    A missing variable stays as written when ``allow_unresolved``, else it raises
    UnresolvedVariableError (``failed to resolve {{inputs.parameters.nope}}``).
    """
    if "{{" not in text:
        return text
    return _Substitution(scope, allow_unresolved).text(text)


def substitute_object(
    obj: Any, scope: Mapping[str, Any], *, allow_unresolved: bool = True, static: bool = False,
    keep: tuple[str, ...] = (),
) -> Any:
    """Substitute in every string (keys too) of a JSON-like value, returning a new value.

    ``static`` says ``obj`` lives long and is never changed (a resolved template): where its
    placeholders are is then remembered, and the result shares every part without one
    (callers must not change those parts). The result's top level is always a new object.
    ``keep`` names top-level keys of a dict copied as they are (hooks run later, in their
    own scope).
    """
    sub = _Substitution(scope, allow_unresolved)
    if static and isinstance(obj, dict | list):
        plan = _plan_of(obj)
        if plan is None:
            return dict(obj) if isinstance(obj, dict) else list(obj)
        if plan is not _KEYS:
            return _apply(sub, obj, tuple((k, p) for k, p in plan if k not in keep) if keep else plan)
    if keep and isinstance(obj, dict):
        out = sub.object({k: v for k, v in obj.items() if k not in keep})
        out.update((k, obj[k]) for k in keep if k in obj)
        return out
    return sub.object(obj)


# Where a static value holds "{{": None (nowhere), _TEXT (this string), or a tuple of
# (key or index, plan) for the entries of a dict or list that hold some; _KEYS marks a dict
# with a placeholder in a key (rare: it is substituted whole, which keeps key order).
_TEXT = "text"
_KEYS = "keys"
_plans: dict[int, tuple[Any, Any]] = {}
_MAX_PLANS = 2048


def _plan_of(obj: Any) -> Any:
    entry = _plans.get(id(obj))
    if entry is not None and entry[0] is obj:
        return entry[1]
    if len(_plans) >= _MAX_PLANS:
        _plans.clear()
    plan = _plan(obj)
    _plans[id(obj)] = (obj, plan)  # holding obj keeps its id from being reused
    return plan


def _plan(value: Any) -> Any:
    if isinstance(value, str):
        return _TEXT if "{{" in value else None
    if isinstance(value, dict):
        if any(isinstance(k, str) and "{{" in k for k in value):
            return _KEYS
        entries = tuple((k, p) for k, v in value.items() if (p := _plan(v)) is not None)
        return entries or None
    if isinstance(value, list):
        entries = tuple((i, p) for i, v in enumerate(value) if (p := _plan(v)) is not None)
        return entries or None
    return None


def _apply(sub: _Substitution, value: Any, plan: Any) -> Any:
    if plan is _TEXT:
        return sub.text(value)
    if plan is _KEYS:
        return sub.object(value)
    out = dict(value) if isinstance(value, dict) else list(value)
    for at, inner in plan:
        out[at] = _apply(sub, value[at], inner)
    return out
