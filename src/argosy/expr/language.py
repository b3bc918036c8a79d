"""Compiling and evaluating expr-lang expressions with Argo's extra functions in scope.

The parser, the interpreter and sprig (about 40 classes to build) load with the first
expression compiled, not with this module: most workflows never write one, and every
``argosy run`` would pay for them at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from argosy.errors import ExpressionError
from argosy.goformat import from_json, to_json

if TYPE_CHECKING:
    from argosy.expr import nodes as n
    from argosy.expr.interpreter import Compiler, Evaluator


def jsonpath(document: Any, path: Any) -> Any:
    """Argo's ``jsonpath(json, path)``: one value for a singular path, else the list of matches."""
    if not isinstance(document, str) or not isinstance(path, str):
        raise ExpressionError("jsonpath expects a JSON string and a path string")
    import jsonpath as python_jsonpath  # imported on first use: it costs 0.1 s of every start-up

    data = from_json(document)
    try:
        compiled = _compile_jsonpath(path)
        found = compiled.findall(data)
    except python_jsonpath.JSONPathError as error:
        raise ExpressionError(f"jsonpath {path!r}: {error}") from None
    if not compiled.singular_query():
        return found
    if not found:
        raise ExpressionError(f"jsonpath {path!r}: not found")
    return found[0]


@lru_cache(maxsize=256)
def _compile_jsonpath(path: str) -> Any:
    import jsonpath as python_jsonpath

    return python_jsonpath.compile(path)


#: what Argo adds to every expression's env (util/expr/env); asInt/asFloat alias expr's int/float
ARGO_FUNCTION_NAMES = frozenset({"asInt", "asFloat", "jsonpath", "toJson", "sprig"})


@cache
def argo_functions() -> dict[str, Any]:
    """Argo's functions by name (:data:`ARGO_FUNCTION_NAMES`)."""
    from argosy.expr.builtins import to_float, to_int
    from argosy.expr.sprig import SPRIG

    return {"asInt": to_int, "asFloat": to_float, "jsonpath": jsonpath, "toJson": to_json, "sprig": SPRIG}


@cache
def _compiler() -> Compiler:
    from argosy.expr.builtins import BUILTINS
    from argosy.expr.interpreter import Compiler

    return Compiler(BUILTINS)


@dataclass(frozen=True)
class Compiled:
    """A parsed, compiled expression; call :meth:`evaluate` as often as needed."""

    source: str
    tree: n.Node
    run: Evaluator

    def evaluate(self, env: Mapping[str, Any]) -> Any:
        """Evaluate against ``env`` (nested maps; Argo's functions are always available)."""
        from argosy.expr.interpreter import Frame

        try:
            return self.run(Frame(env, argo_functions()))
        except ExpressionError:
            raise
        except (RecursionError, TypeError, ValueError, KeyError, OverflowError) as error:
            raise ExpressionError(f"cannot evaluate {self.source!r}: {error}") from None


@lru_cache(maxsize=4096)
def compile_expression(source: str) -> Compiled:
    """Parse and compile ``source`` once; syntax errors raise ExpressionSyntaxError with the column."""
    from argosy.expr.builtins import BUILTIN_NAMES
    from argosy.expr.parser import parse

    tree = parse(source, BUILTIN_NAMES)
    return Compiled(source, tree, _compiler().compile(tree))


def evaluate(expression: str, env: Mapping[str, Any]) -> Any:
    """Evaluate an expr-lang expression against ``env``."""
    return compile_expression(expression).evaluate(env)


def evaluate_bool(expression: str, env: Mapping[str, Any]) -> bool:
    """Evaluate an expression that must be a bool (hooks, ``retryStrategy.expression``)."""
    result = evaluate(expression, env)
    if not isinstance(result, bool):
        raise ExpressionError(f"unable to cast expression result '{result}' to bool")
    return result


def expression_variables(source: str) -> set[str]:
    """The dotted variable paths an expression needs, e.g. ``{"inputs.parameters.x"}`` (best effort).

    Like Argo, only the root name is needed of a path guarded by ``??`` or ``?.``; paths stop at
    non-literal indexes; names bound by ``let``, closure elements and Argo's functions are left out.
    """
    found: set[str] = set()
    _collect(compile_expression(source).tree, found, frozenset(), guarded=False)
    return found


def _path(node: n.Node) -> str | None:
    from argosy.expr import nodes as n

    if isinstance(node, n.Identifier):
        return node.name
    if isinstance(node, n.Member) and not node.optional and isinstance(node.property, n.Literal):
        base = _path(node.node)
        if base is not None and isinstance(node.property.value, str):
            return f"{base}.{node.property.value}"
    return None


def _collect(node: n.Node, found: set[str], bound: frozenset[str], guarded: bool) -> None:
    from argosy.expr import nodes as n

    path = _path(node)
    if path is not None:
        root = path.split(".", 1)[0]
        if root not in bound and root not in ARGO_FUNCTION_NAMES:
            found.add(root if guarded else path)
        return
    if isinstance(node, n.Let):
        _collect(node.value, found, bound, guarded)
        _collect(node.body, found, bound | {node.name}, guarded)
    elif isinstance(node, n.Binary) and node.operator == "??":
        _collect(node.left, found, bound, True)
        _collect(node.right, found, bound, guarded)
    elif isinstance(node, n.Member):
        _collect(node.node, found, bound, guarded or node.optional)
        _collect(node.property, found, bound, guarded)
    else:
        children = (
            node.arguments
            if isinstance(node, n.Call) and isinstance(node.callee, n.Identifier)
            else [getattr(node, field) for field in node.__slots__]
        )
        for child in _nodes(children):
            _collect(child, found, bound, guarded)


def _nodes(values: Any) -> list[n.Node]:
    from argosy.expr import nodes as n

    flat: list[n.Node] = []
    for value in values:
        if isinstance(value, n.Node):
            flat.append(value)
        elif isinstance(value, tuple):
            flat.extend(_nodes(value))
    return flat
