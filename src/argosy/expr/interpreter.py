"""Turns an expr-lang tree into nested Python closures, built once per expression."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from argosy.errors import ExpressionError
from argosy.expr import nodes as n
from argosy.expr import runtime as rt

Evaluator = Callable[["Frame"], Any]


class Frame:
    """What an evaluation can see: the env, ``let`` variables and the closure elements (``#``)."""

    __slots__ = ("env", "fallback", "pointers", "variables")

    def __init__(self, env: Mapping[str, Any], fallback: Mapping[str, Any]) -> None:
        self.env = env
        self.fallback = fallback
        self.variables: dict[str, Any] = {}
        self.pointers: list[dict[str, Any]] = []


class _NilChain(Exception):
    """Raised by ``?.`` on nil and caught where its chain ends."""


_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "+": rt.add,
    "-": rt.subtract,
    "*": rt.multiply,
    "/": rt.divide,
    "%": rt.modulo,
    "**": rt.power,
    "^": rt.power,
    "==": rt.equal,
    "!=": lambda a, b: not rt.equal(a, b),
    "<": lambda a, b: rt.compare("<", a, b),
    ">": lambda a, b: rt.compare(">", a, b),
    "<=": lambda a, b: rt.compare("<=", a, b),
    ">=": lambda a, b: rt.compare(">=", a, b),
    "in": rt.member_of,
    "matches": rt.matches,
    "contains": rt.contains,
    "startsWith": rt.starts_with,
    "endsWith": rt.ends_with,
    "..": rt.make_range,
}
_UNARY: dict[str, Callable[[Any], Any]] = {
    "-": rt.negate,
    "+": rt.plus,
    "!": lambda v: not rt.truthy(v, "!"),
    "not": lambda v: not rt.truthy(v, "not"),
}

BuiltinCompiler = Callable[[n.Builtin, Callable[[n.Node], Evaluator]], Evaluator]


def _describe(node: n.Node) -> str:
    """A callee as the user wrote it (``asInt``, ``sprig.trim``), for error messages."""
    if isinstance(node, n.Identifier):
        return node.name
    if isinstance(node, n.Member) and isinstance(node.property, n.Literal):
        return f"{_describe(node.node)}.{node.property.value}"
    return "value"


class Compiler:
    """Compiles nodes to closures; ``builtins`` compiles calls of expr's builtin functions."""

    def __init__(self, builtins: Mapping[str, BuiltinCompiler]) -> None:
        self.builtins = builtins

    def compile(self, node: n.Node) -> Evaluator:
        method = getattr(self, "_" + type(node).__name__.lower())
        return method(node)  # type: ignore[no-any-return]

    def _literal(self, node: n.Literal) -> Evaluator:
        value = node.value
        return lambda frame: value

    def _identifier(self, node: n.Identifier) -> Evaluator:
        name = node.name

        def identifier(frame: Frame) -> Any:
            if name in frame.variables:
                return frame.variables[name]
            if name in frame.env:
                return frame.env[name]
            if name in frame.fallback:
                return frame.fallback[name]
            if name == "$env":
                return frame.env
            raise ExpressionError(f"unknown name {name} (column {node.column})")

        return identifier

    def _pointer(self, node: n.Pointer) -> Evaluator:
        key = node.name or "#"

        def pointer(frame: Frame) -> Any:
            if key not in frame.pointers[-1]:
                raise ExpressionError(f"unknown pointer #{node.name}")
            return frame.pointers[-1][key]

        return pointer

    def _unary(self, node: n.Unary) -> Evaluator:
        operand, operation = self.compile(node.operand), _UNARY[node.operator]
        return lambda frame: operation(operand(frame))

    def _binary(self, node: n.Binary) -> Evaluator:
        left, right, operator = self.compile(node.left), self.compile(node.right), node.operator
        if operator in ("&&", "and"):
            return lambda frame: rt.truthy(left(frame), operator) and rt.truthy(right(frame), operator)
        if operator in ("||", "or"):
            return lambda frame: rt.truthy(left(frame), operator) or rt.truthy(right(frame), operator)
        if operator == "??":

            def coalesce(frame: Frame) -> Any:
                value = left(frame)
                return right(frame) if value is None else value

            return coalesce
        operation = _BINARY[operator]
        return lambda frame: operation(left(frame), right(frame))

    def _member(self, node: n.Member) -> Evaluator:
        container, key, optional = self.compile(node.node), self.compile(node.property), node.optional

        def member(frame: Frame) -> Any:
            value = container(frame)
            if value is None and optional:
                raise _NilChain
            return rt.fetch(value, key(frame))

        return member

    def _chain(self, node: n.Chain) -> Evaluator:
        inner = self.compile(node.node)

        def chain(frame: Frame) -> Any:
            try:
                return inner(frame)
            except _NilChain:
                return None

        return chain

    def _slice(self, node: n.Slice) -> Evaluator:
        container = self.compile(node.node)
        start = self.compile(node.start) if node.start else None
        stop = self.compile(node.stop) if node.stop else None
        return lambda frame: rt.slice_of(
            container(frame), start(frame) if start else None, stop(frame) if stop else None
        )

    def _call(self, node: n.Call) -> Evaluator:
        callee, arguments = self.compile(node.callee), [self.compile(a) for a in node.arguments]
        described = _describe(node.callee)

        def call(frame: Frame) -> Any:
            function = callee(frame)
            if not callable(function):
                raise ExpressionError(f"{described} is not callable ({rt.type_name(function)})")
            return function(*[argument(frame) for argument in arguments])

        return call

    def _builtin(self, node: n.Builtin) -> Evaluator:
        return self.builtins[node.name](node, self.compile)

    def _predicate(self, node: n.Predicate) -> Evaluator:
        return self.compile(node.body)

    def _conditional(self, node: n.Conditional) -> Evaluator:
        condition, then, otherwise = (self.compile(x) for x in (node.condition, node.then, node.otherwise))
        return lambda frame: then(frame) if rt.truthy(condition(frame), "?:") else otherwise(frame)

    def _array(self, node: n.Array) -> Evaluator:
        items = [self.compile(item) for item in node.items]
        return lambda frame: [item(frame) for item in items]

    def _map(self, node: n.Map) -> Evaluator:
        pairs = [(self.compile(k), self.compile(v)) for k, v in node.pairs]
        return lambda frame: {key(frame): value(frame) for key, value in pairs}

    def _let(self, node: n.Let) -> Evaluator:
        value, body, name = self.compile(node.value), self.compile(node.body), node.name

        def let(frame: Frame) -> Any:
            frame.variables[name] = value(frame)
            return body(frame)

        return let

    def _sequence(self, node: n.Sequence) -> Evaluator:
        items = [self.compile(item) for item in node.items]

        def sequence(frame: Frame) -> Any:
            result = None
            for item in items:
                result = item(frame)
            return result

        return sequence
