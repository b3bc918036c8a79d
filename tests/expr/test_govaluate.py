"""``when:`` conditions with govaluate's semantics as Argo applies them."""

from __future__ import annotations

import pytest

from argosy.errors import ExpressionError, WhenExpressionError
from argosy.expr import evaluate_when

CASES: list[tuple[str, bool]] = [
    ("", True),
    ("true", True),
    ("false", False),
    ("tails == heads", False),
    ("heads == heads", True),
    ("Succeeded != Failed", True),
    ("5 > 3", True),
    ("3 >= 3", True),
    ("2 < 1", False),
    ("2 <= 2", True),
    ("'2' == 2", False),
    ('"a" == a', True),
    ("b > a", True),
    ("b < a", False),
    ("a >= a", True),
    ("a <= b", True),
    ("heads =~ hea", True),
    ("heads =~ '^t'", False),
    ("heads !~ tai", True),
    ("heads !~ hea", False),
    ("(a == a && b == b) || c == d", True),
    ("!(1 > 2)", True),
    ("!true", False),
    ("-1 < 0", True),
    ("a in (a, b)", True),
    ("c IN (a, b)", False),
    ("1 in (1, 2)", True),
    ("1 + 2 == 3", True),
    ("'a' + 1 == a1", True),
    ("1 + 'a' == '1a'", True),
    ("10 - 4 == 6", True),
    ("2 * 3 == 6", True),
    ("7 / 2 == 3.5", True),
    ("7 % 4 == 3", True),
    ("2 ** 3 == 8", True),
    ("1 / 0 > 1000", True),
    ("-1 / 0 < 0", True),
    ("(5 & 3) == 1", True),
    ("(5 | 3) == 7", True),
    ("(5 ^ 3) == 6", True),
    ("(1 << 3) == 8", True),
    ("(8 >> 3) == 1", True),
    ("~0 == -1", True),
    ("0x1F == 31", True),
    ("true ? false : true", False),
    ("false ? false : true", True),
    ("false ?? true", False),
    ("[escaped name] == 'escaped name'", True),
    ("'2024-01-02' == '2024-01-02'", True),
    ("'2024-01-02' < '2024-01-03'", True),
    ("'a\\'b' == 'a\\'b'", True),
    ("true && false", False),
    ("false && nope", False),
    ("true || nope", True),
    ("false || true", True),
    ("3 < 10", True),
    ("10 < 3", False),
    ("1.5 > 1", True),
    ("(1 == 1)", True),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] or "empty" for c in CASES])
def test_when(text: str, expected: bool) -> None:
    assert evaluate_when(text) is expected


def test_modulo_by_zero_is_not_a_number() -> None:
    assert evaluate_when("(1 % 0) != (1 % 0)") is True
    assert evaluate_when("(0 / 0) != (0 / 0)") is True


SYNTAX: list[tuple[str, str, int]] = [
    ("a ==", "Unexpected end of expression", 5),
    ("(a == b", "Unbalanced parenthesis", 8),
    ("a == b)", "Unbalanced parenthesis", 8),
    ("a => b", "Invalid token: '=>' (hint: try wrapping the affected expression in quotes (\"))", 3),
    ("5d3 == 1", "Cannot transition token types from NUMERIC [5] to VARIABLE [d3]", 2),
    ("== a", "Cannot transition token types from UNKNOWN [<nil>] to COMPARATOR [==]", 1),
    ("Foo.bar == 1", "Unable to access unexported field 'bar' in token 'Foo.bar'", 1),
    ("Foo. == 1", "Hanging accessor on token 'Foo.'", 1),
    ("'abc == a", "Unclosed string literal", 1),
    ("[abc == a", "Unclosed parameter bracket", 1),
    ("1.2.3 == 1", "Unable to parse numeric value '1.2.3' to float64", 1),
    ("() == 1", "Unexpected token ')'", 2),
    ("(a) (b)", "Unexpected token '('", 5),
    ("((a) b)", "Unbalanced parenthesis", 1),
    ("\"it's\" == 'it'", "Cannot transition token types from STRING [it] to VARIABLE [s]", 5),
]


@pytest.mark.parametrize(("text", "reason", "column"), SYNTAX, ids=[s[0] for s in SYNTAX])
def test_when_syntax_errors(text: str, reason: str, column: int) -> None:
    with pytest.raises(WhenExpressionError) as caught:
        evaluate_when(text)
    assert str(caught.value) == f"Invalid 'when' expression '{text}': {reason}"
    assert caught.value.column == column


ERRORS: list[tuple[str, str]] = [
    ("xyz", "Expected boolean evaluation for 'xyz'. Got xyz"),
    ("   ", "Expected boolean evaluation for '   '. Got <nil>"),
    ("1 + 2", "Got 3"),
    ("heads-tails == x", "Value 'heads' cannot be used with the modifier '-', it is not a number"),
    ("true + true", "Value 'true' cannot be used with the modifier '+', it is not a number"),
    ("a > 1", "Value 'a' cannot be used with the comparator '>', it is not a number"),
    ("1 =~ a", "cannot be used with the comparator '=~', it is not a string"),
    ("a =~ 1", "Value '1' cannot be used with the comparator '=~', it is not a string"),
    ("a && true", "Value 'a' cannot be used with the logical operator '&&', it is not a bool"),
    ("true && a", "Value 'a' cannot be used with the logical operator '&&', it is not a bool"),
    ("!a", "cannot be used with the logical operator '!'"),
    ("-a == 1", "Value 'a' cannot be used with the prefix '-', it is not a number"),
    ("a in b", "Value 'b' cannot be used with the comparator 'in', it is not an array"),
    ("Foo.Bar == 1", "No parameter 'Foo' found."),
    ("1 ? true : false", "cannot be used with the logical operator '?'"),
    ("a =~ '('", "error parsing regexp"),
]


@pytest.mark.parametrize(("text", "message"), ERRORS, ids=[e[0] for e in ERRORS])
def test_when_evaluation_errors(text: str, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        evaluate_when(text)
    assert not isinstance(caught.value, WhenExpressionError)
    assert message in str(caught.value)


def test_failed_evaluation_names_the_expression() -> None:
    with pytest.raises(ExpressionError, match="Failed to evaluate 'when' expresion 'a > 1'"):
        evaluate_when("a > 1")
