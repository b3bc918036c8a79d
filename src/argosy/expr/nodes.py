"""The syntax tree of an expr-lang expression, as the parser builds it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Node:
    """Base of all nodes; ``column`` is 1-based."""

    column: int


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: Any


@dataclass(frozen=True, slots=True)
class Identifier(Node):
    name: str


@dataclass(frozen=True, slots=True)
class Pointer(Node):
    """``#`` (the current closure element), ``#acc`` or ``#index``."""

    name: str


@dataclass(frozen=True, slots=True)
class Unary(Node):
    operator: str
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary(Node):
    operator: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Member(Node):
    """``node.property`` or ``node[property]``; optional for ``?.``."""

    node: Node
    property: Node
    optional: bool = False


@dataclass(frozen=True, slots=True)
class Chain(Node):
    """Where an optional chain ends: a nil met inside it makes the whole chain nil."""

    node: Node


@dataclass(frozen=True, slots=True)
class Slice(Node):
    node: Node
    start: Node | None
    stop: Node | None


@dataclass(frozen=True, slots=True)
class Call(Node):
    """A call of a value: an env function (``asInt(x)``) or a member (``sprig.trim(x)``)."""

    callee: Node
    arguments: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Builtin(Node):
    """A call of one of expr-lang's builtins; closure arguments are ``Predicate`` nodes."""

    name: str
    arguments: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Predicate(Node):
    body: Node


@dataclass(frozen=True, slots=True)
class Conditional(Node):
    condition: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True, slots=True)
class Array(Node):
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Map(Node):
    pairs: tuple[tuple[Node, Node], ...]


@dataclass(frozen=True, slots=True)
class Let(Node):
    name: str
    value: Node
    body: Node


@dataclass(frozen=True, slots=True)
class Sequence(Node):
    items: tuple[Node, ...]
