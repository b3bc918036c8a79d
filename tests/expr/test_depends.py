"""Enhanced ``depends:`` logic and its ``dependencies:`` equivalent."""

from __future__ import annotations

import pytest

from argosy.errors import ExpressionError, ExpressionSyntaxError
from argosy.expr import TaskOutcome, dependencies_as_depends, parse_depends

OUTCOMES = {
    "A": TaskOutcome("Succeeded"),
    "B": TaskOutcome("Failed"),
    "C": TaskOutcome("Error"),
    "skip": TaskOutcome("Skipped"),
    "omit": TaskOutcome("Omitted"),
    "daemon": TaskOutcome("Running", daemoned=True),
    "pending-daemon": TaskOutcome("Pending", daemoned=True),
    "loop": TaskOutcome("Failed", children_phases=("Failed", "Succeeded")),
    "all-failed": TaskOutcome("Failed", children_phases=("Failed", "Failed")),
    "task-1": TaskOutcome("Succeeded"),
    "and-then": TaskOutcome("Failed"),
}

CASES: list[tuple[str, bool]] = [
    ("A", True),
    ("B", False),
    ("C", False),
    ("skip", True),
    ("omit", False),
    ("daemon", True),
    ("pending-daemon", False),
    ("A.Succeeded", True),
    ("B.Failed", True),
    ("C.Errored", True),
    ("B.Errored", False),
    ("skip.Skipped", True),
    ("omit.Omitted", True),
    ("daemon.Daemoned", True),
    ("pending-daemon.Daemoned", False),
    ("loop.AnySucceeded", True),
    ("loop.AllFailed", False),
    ("all-failed.AllFailed", True),
    ("all-failed.AnySucceeded", False),
    ("A.AllFailed", False),
    ("A && B", False),
    ("A || B", True),
    ("!B", True),
    ("!A.Succeeded", False),
    ("A && (B.Failed || C.Succeeded)", True),
    ("A and not B", True),
    ("B or A", True),
    ("task-1.Succeeded && !and-then", True),
    ("(A)", True),
    ("A || B && C", True),
    ("(A || B) && C", False),
    ("true && A", True),
    ("false || B", False),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_depends(text: str, expected: bool) -> None:
    assert parse_depends(text).evaluate(OUTCOMES) is expected


def test_task_names_and_caching() -> None:
    depends = parse_depends("(task-2.Succeeded || task-2.Skipped) && !task-3.Failed || A")
    assert depends.task_names == frozenset({"task-2", "task-3", "A"})
    assert parse_depends("(task-2.Succeeded || task-2.Skipped) && !task-3.Failed || A") is depends


def test_continue_on_widens_bare_names() -> None:
    depends = parse_depends("B && C")
    assert depends.evaluate(OUTCOMES) is False
    assert depends.evaluate(OUTCOMES, {"B": (True, False), "C": (False, True)}) is True
    assert depends.evaluate(OUTCOMES, {"B": (False, True), "C": (True, False)}) is False


def test_missing_outcome_is_an_error() -> None:
    with pytest.raises(ExpressionError, match="no outcome yet for task 'Z'"):
        parse_depends("A && Z").evaluate(OUTCOMES)


SYNTAX: list[tuple[str, str, int]] = [
    ("A.Finished", "task result 'Finished' for task 'A' is invalid", 1),
    ("A &&", "unexpected end of depends", 5),
    ("(A", "unclosed parenthesis in depends", 3),
    ("A B", "unexpected 'bare'", 3),
    ("A & B", "unexpected character '&' in depends", 3),
    ("&& A", "unexpected '&&'", 1),
    ("", "unexpected end of depends", 1),
]


@pytest.mark.parametrize(("text", "message", "column"), SYNTAX, ids=[s[0] or "empty" for s in SYNTAX])
def test_depends_syntax_errors(text: str, message: str, column: int) -> None:
    with pytest.raises(ExpressionSyntaxError) as caught:
        parse_depends(text)
    assert message in str(caught.value)
    assert caught.value.column == column


def test_dependencies_as_depends() -> None:
    assert dependencies_as_depends(["A", "B"]) == "A && B"
    assert dependencies_as_depends(["A", "B"], {"A": (True, True), "B": (False, False)}) == (
        "(A.Succeeded || A.Skipped || A.Daemoned || A.Errored || A.Failed) && B"
    )
    converted = dependencies_as_depends(["B"], {"B": (True, False)})
    assert converted == "(B.Succeeded || B.Skipped || B.Daemoned || B.Failed)"
    assert parse_depends(converted).evaluate(OUTCOMES) is True
