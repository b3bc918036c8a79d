"""Argo's enhanced ``depends:`` logic (``A.Succeeded && !B.Failed``) and its ``dependencies:`` form."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from argosy.errors import ExpressionError, ExpressionSyntaxError
from argosy.spec.kinds import Phase

_SUCCEEDED: str = Phase.SUCCEEDED.value
_FAILED: str = Phase.FAILED.value

RESULTS = ("Succeeded", "Failed", "Errored", "Skipped", "Omitted", "Daemoned", "AnySucceeded", "AllFailed")
# The shapes Argo's own regexes accept: "task-1.Succeeded" or a bare "task-1".
_OPERAND = re.compile(r"([a-zA-Z0-9][-a-zA-Z0-9]*?)\.([A-Z][a-zA-Z]+)|([a-zA-Z0-9][-a-zA-Z0-9]*)")
_OPERATORS = {"&&": "&&", "||": "||", "!": "!", "and": "&&", "or": "||", "not": "!"}
_EMPTY: Mapping[str, tuple[bool, bool]] = {}


@dataclass(frozen=True)
class TaskOutcome:
    """How a finished task ended; ``children_phases`` are its loop children's phases, if any."""

    phase: str
    daemoned: bool = False
    children_phases: tuple[str, ...] = ()

    def result(self, name: str) -> bool:
        """Whether this outcome has the task result ``name`` (``Succeeded``, ``AllFailed``, ...)."""
        checks = {
            "Succeeded": self.phase == _SUCCEEDED,
            "Failed": self.phase == _FAILED,
            "Errored": self.phase == Phase.ERROR.value,
            "Skipped": self.phase == Phase.SKIPPED.value,
            "Omitted": self.phase == Phase.OMITTED.value,
            "Daemoned": self.daemoned and self.phase != Phase.PENDING.value,
            "AnySucceeded": _SUCCEEDED in self.children_phases,
            "AllFailed": bool(self.children_phases) and all(p == _FAILED for p in self.children_phases),
        }
        return checks[name]


def _bare_results(task: str, continue_on: Mapping[str, tuple[bool, bool]]) -> tuple[str, ...]:
    failed, errored = continue_on.get(task, (False, False))
    return (
        ("Succeeded", "Skipped", "Daemoned")
        + (("Errored",) if errored else ())
        + (("Failed",) if failed else ())
    )


@dataclass(frozen=True)
class Depends:
    """A parsed ``depends`` expression."""

    text: str
    tree: tuple[Any, ...] = field(repr=False)
    task_names: frozenset[str]

    def evaluate(
        self, outcomes: Mapping[str, TaskOutcome], continue_on: Mapping[str, tuple[bool, bool]] = _EMPTY
    ) -> bool:
        """Whether the task may run. A bare ``A`` means ``A.Succeeded || A.Skipped || A.Daemoned``,
        widened by A's ``continueOn`` given as ``{"A": (failed, error)}``."""
        missing = sorted(self.task_names - outcomes.keys())
        if missing:
            raise ExpressionError(f"depends {self.text!r}: no outcome yet for task {missing[0]!r}")
        return _evaluate(self.tree, outcomes, continue_on)


def _evaluate(
    tree: tuple[Any, ...], outcomes: Mapping[str, TaskOutcome], continue_on: Mapping[str, tuple[bool, bool]]
) -> bool:
    kind = tree[0]
    if kind == "result":
        return outcomes[tree[1]].result(tree[2])
    if kind == "bare":
        return any(outcomes[tree[1]].result(r) for r in _bare_results(tree[1], continue_on))
    if kind == "literal":
        return bool(tree[1])
    if kind == "!":
        return not _evaluate(tree[1], outcomes, continue_on)
    if kind == "&&":
        return _evaluate(tree[1], outcomes, continue_on) and _evaluate(tree[2], outcomes, continue_on)
    return _evaluate(tree[1], outcomes, continue_on) or _evaluate(tree[2], outcomes, continue_on)


def _tokenize(text: str) -> list[tuple[str, Any, int]]:
    tokens: list[tuple[str, Any, int]] = []
    pos = 0
    while pos < len(text):
        char = text[pos]
        if char.isspace():
            pos += 1
            continue
        symbol = text[pos : pos + 2] if text[pos : pos + 2] in ("&&", "||") else char
        word = re.match(r"(and|or|not|true|false)(?![-a-zA-Z0-9])", text[pos:])
        operand = _OPERAND.match(text, pos)
        if symbol in ("&&", "||", "!", "(", ")"):
            tokens.append((symbol, symbol, pos + 1))
            pos += len(symbol)
        elif word:
            value = word.group(1)
            kind = "literal" if value in ("true", "false") else _OPERATORS[value]
            tokens.append((kind, value == "true", pos + 1))
            pos += len(value)
        elif operand:
            if operand.group(2) is not None and operand.group(2) not in RESULTS:
                raise ExpressionSyntaxError(
                    f"task result '{operand.group(2)}' for task '{operand.group(1)}' is invalid",
                    text,
                    pos + 1,
                )
            if operand.group(2) is not None:
                tokens.append(("result", (operand.group(1), operand.group(2)), pos + 1))
            else:
                tokens.append(("bare", operand.group(3), pos + 1))
            pos = operand.end()
        else:
            raise ExpressionSyntaxError(f"unexpected character {char!r} in depends", text, pos + 1)
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text, self.tokens, self.index = text, _tokenize(text), 0

    def peek(self) -> str:
        return self.tokens[self.index][0] if self.index < len(self.tokens) else ""

    def column(self) -> int:
        return self.tokens[self.index][2] if self.index < len(self.tokens) else len(self.text) + 1

    def parse(self) -> tuple[Any, ...]:
        tree = self.binary("||")
        if self.index < len(self.tokens):
            raise ExpressionSyntaxError(
                f"unexpected {self.tokens[self.index][0]!r}", self.text, self.column()
            )
        return tree

    def binary(self, operator: str) -> tuple[Any, ...]:
        tighter = (lambda: self.binary("&&")) if operator == "||" else self.unary
        left = tighter()
        while self.peek() == operator:
            self.index += 1
            left = (operator, left, tighter())
        return left

    def unary(self) -> tuple[Any, ...]:
        kind = self.peek()
        if kind == "!":
            self.index += 1
            return ("!", self.unary())
        if kind == "(":
            self.index += 1
            inner = self.binary("||")
            if self.peek() != ")":
                raise ExpressionSyntaxError("unclosed parenthesis in depends", self.text, self.column())
            self.index += 1
            return inner
        if kind in ("result", "bare", "literal"):
            value = self.tokens[self.index][1]
            self.index += 1
            return (kind, *value) if kind == "result" else (kind, value)
        what = f"unexpected {kind!r}" if kind else "unexpected end of depends"
        raise ExpressionSyntaxError(what, self.text, self.column())


def _names(tree: tuple[Any, ...]) -> frozenset[str]:
    if tree[0] in ("result", "bare"):
        return frozenset({tree[1]})
    return frozenset().union(*(_names(child) for child in tree[1:] if isinstance(child, tuple)))


@lru_cache(maxsize=4096)
def parse_depends(text: str) -> Depends:
    """Parse a ``depends`` expression once; syntax errors carry the column."""
    tree = _Parser(text).parse()
    return Depends(text, tree, _names(tree))


def dependencies_as_depends(
    names: Sequence[str], continue_on: Mapping[str, tuple[bool, bool]] = _EMPTY
) -> str:
    """The ``depends`` equivalent of ``dependencies: names``, widened by each dependency's
    ``continueOn`` given as ``{"A": (failed, error)}``."""
    parts = []
    for name in names:
        if name in continue_on and any(continue_on[name]):
            parts.append("(" + " || ".join(f"{name}.{r}" for r in _bare_results(name, continue_on)) + ")")
        else:
            parts.append(name)
    return " && ".join(parts)
