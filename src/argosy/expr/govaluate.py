"""``when:`` conditions, evaluated like Argo does with govaluate (bare words are strings)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from argosy.errors import ExpressionError, WhenExpressionError
from argosy.expr.gotime import parse_time
from argosy.expr.runtime import regex
from argosy.goformat import format_v, is_number

# Token kinds, named as govaluate names them in its messages.
NUMERIC, BOOLEAN, STRING, PATTERN, TIME = "NUMERIC", "BOOLEAN", "STRING", "PATTERN", "TIME"
VARIABLE, ACCESSOR, PREFIX, MODIFIER = "VARIABLE", "ACCESSOR", "PREFIX", "MODIFIER"
COMPARATOR, LOGICALOP, TERNARY, SEPARATOR = "COMPARATOR", "LOGICALOP", "TERNARY", "SEPARATOR"
CLAUSE, CLAUSE_CLOSE = "CLAUSE", "CLAUSE_CLOSE"

_VALUES = frozenset({NUMERIC, BOOLEAN, STRING, PATTERN, TIME, VARIABLE, ACCESSOR})
_OPERATORS = frozenset({MODIFIER, COMPARATOR, LOGICALOP, TERNARY, SEPARATOR})
_AFTER_VALUE = _OPERATORS | {CLAUSE_CLOSE}
_BEFORE_VALUE = _VALUES | {PREFIX, CLAUSE}
_NEXT: dict[str, frozenset[str]] = {
    **{kind: _AFTER_VALUE for kind in _VALUES},
    **{kind: _BEFORE_VALUE for kind in _OPERATORS | {PREFIX}},
    CLAUSE: _BEFORE_VALUE | {CLAUSE_CLOSE},
    CLAUSE_CLOSE: _AFTER_VALUE | _VALUES | {CLAUSE},
}
_PREFIXES = frozenset({"-", "!", "~"})
_MODIFIERS = frozenset({"+", "-", "*", "/", "%", "**", "&", "|", "^", ">>", "<<"})
_LOGICAL = frozenset({"&&", "||"})
_COMPARATORS = frozenset({"==", "!=", ">", ">=", "<", "<=", "=~", "!~", "in"})
_TERNARIES = frozenset({"?", ":", "??"})
_TIME_LAYOUTS = (
    "2006-01-02T15:04:05Z07:00", "2006-01-02", "2006-01-02 15:04", "2006-01-02 15:04:05",
    "2006-01-02 15:04:05-07:00", "2006-01-02T15Z0700", "2006-01-02T15:04Z0700", "2006-01-02T15:04:05Z0700",
)  # fmt: skip

# Binary operators from loosest to tightest, as govaluate's planner nests them.
_LEVELS: tuple[frozenset[str], ...] = (
    frozenset({"?", ":", "??"}),
    frozenset({"||"}),
    frozenset({"&&"}),
    _COMPARATORS,
    frozenset({"&", "|", "^"}),
    frozenset({">>", "<<"}),
    frozenset({"+", "-"}),
    frozenset({"*", "/", "%"}),
    frozenset({"**"}),
)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    value: Any
    column: int


def _is_symbol_char(char: str) -> bool:
    return not (char.isalnum() or char in "()[]'\"" or char.isspace())


def _time_value(text: str) -> float | None:
    for layout in _TIME_LAYOUTS:
        try:
            return float(int(parse_time(text, layout).timestamp()))
        except ExpressionError:
            continue
    return None


def _read(text: str, pos: int, accept: Callable[[str], bool]) -> int:
    while pos < len(text) and accept(text[pos]):
        pos += 1
    return pos


def _quoted(text: str, pos: int, closers: str) -> tuple[str, int] | None:
    out: list[str] = []
    while pos < len(text):
        char = text[pos]
        if char == "\\" and pos + 1 < len(text):
            out.append(text[pos + 1])
            pos += 2
        elif char in closers:
            return "".join(out), pos + 1
        else:
            out.append(char)
            pos += 1
    return None


def tokenize(text: str) -> list[_Token]:
    """govaluate's lexer, with Argo's twist: variables become strings."""
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        char, column = text[pos], pos + 1
        previous = tokens[-1].kind if tokens else None
        if char.isspace():
            pos += 1
            continue
        if char.isdigit() or char == ".":
            end = _read(text, pos, lambda c: c.isdigit() or c == ".")
            if text.startswith(("0x", "0X"), pos):
                end = _read(text, pos + 2, lambda c: c in "0123456789abcdefABCDEF")
            try:
                value = (
                    float(int(text[pos + 2 : end], 16))
                    if end > pos + 1 and text[pos + 1] in "xX"
                    else float(text[pos:end])
                )
            except ValueError:
                raise WhenExpressionError(
                    f"Unable to parse numeric value '{text[pos:end]}' to float64", text, column
                ) from None
            token = _Token(NUMERIC, value, column)
            pos = end
        elif char == ",":
            token, pos = _Token(SEPARATOR, ",", column), pos + 1
        elif char == "[":
            end = text.find("]", pos)
            if end < 0:
                raise WhenExpressionError("Unclosed parameter bracket", text, column)
            token, pos = _Token(VARIABLE, text[pos + 1 : end], column), end + 1
        elif char.isalpha():
            end = _read(text, pos, lambda c: c.isalnum() or c in "_.")
            token, pos = _word(text, pos, end), end
        elif char in "'\"":
            quoted = _quoted(text, pos + 1, "'\"")
            if quoted is None:
                raise WhenExpressionError("Unclosed string literal", text, column)
            value, pos = quoted
            moment = _time_value(value)
            token = _Token(STRING, value, column) if moment is None else _Token(TIME, moment, column)
        elif char in "()":
            token, pos = _Token(CLAUSE if char == "(" else CLAUSE_CLOSE, char, column), pos + 1
        else:
            end = _read(text, pos, _is_symbol_char)
            symbol, pos = text[pos:end], end
            token = _Token(_symbol_kind(symbol, previous, text, column), symbol, column)
        if previous is not None and token.kind not in _NEXT[previous]:
            raise WhenExpressionError(
                f"Cannot transition token types from {previous} [{format_v(tokens[-1].value)}] "
                f"to {token.kind} [{format_v(token.value)}]",
                text,
                token.column,
            )
        if not tokens and token.kind not in _BEFORE_VALUE:
            raise WhenExpressionError(
                f"Cannot transition token types from UNKNOWN [<nil>] to {token.kind} [{token.value}]",
                text,
                token.column,
            )
        tokens.append(token)
    return tokens


def _word(text: str, start: int, end: int) -> _Token:
    word, column = text[start:end], start + 1
    if word in ("true", "false"):
        return _Token(BOOLEAN, word == "true", column)
    if word in ("in", "IN"):
        return _Token(COMPARATOR, "in", column)
    if "." in word[1:]:
        if word.endswith("."):
            raise WhenExpressionError(f"Hanging accessor on token '{word}'", text, column)
        for field in word.split(".")[1:]:
            if field[:1] != field[:1].upper():
                raise WhenExpressionError(
                    f"Unable to access unexported field '{field}' in token '{word}'", text, column
                )
        return _Token(ACCESSOR, word, column)
    # Argo turns govaluate's variables into strings, so `tails == heads` compares two words.
    return _Token(VARIABLE, word, column)


def _symbol_kind(symbol: str, previous: str | None, text: str, column: int) -> str:
    if symbol in _PREFIXES and (previous is None or PREFIX in _NEXT[previous]):
        return PREFIX
    for symbols, kind in (
        (_MODIFIERS, MODIFIER), (_LOGICAL, LOGICALOP), (_COMPARATORS, COMPARATOR), (_TERNARIES, TERNARY),
    ):  # fmt: skip
        if symbol in symbols:
            return kind
    raise WhenExpressionError(f"Invalid token: '{symbol}'", text, column)


_Tree = tuple[Any, ...]


class _Parser:
    def __init__(self, text: str, tokens: list[_Token]) -> None:
        self.text, self.tokens, self.index = text, tokens, 0

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def parse(self) -> _Tree:
        tree = self.separated()
        token = self.peek()
        if token is not None:
            raise WhenExpressionError(f"Unexpected token '{token.value}'", self.text, token.column)
        return tree

    def separated(self) -> _Tree:
        items = [self.level(0)]
        while (token := self.peek()) is not None and token.kind == SEPARATOR:
            self.index += 1
            items.append(self.level(0))
        return items[0] if len(items) == 1 else ("list", tuple(items))

    def level(self, depth: int) -> _Tree:
        if depth == len(_LEVELS):
            return self.prefix()
        left = self.level(depth + 1)
        while (
            (token := self.peek()) is not None and token.kind in _OPERATORS and token.value in _LEVELS[depth]
        ):
            self.index += 1
            left = ("binary", token.value, left, self.level(depth + 1))
        return left

    def prefix(self) -> _Tree:
        token = self.peek()
        if token is not None and token.kind == PREFIX:
            self.index += 1
            return ("prefix", token.value, self.prefix())
        return self.value()

    def value(self) -> _Tree:
        token = self.peek()
        if token is None:  # pragma: no cover - parse_when rejects a trailing operator first
            raise WhenExpressionError("Unexpected end of expression", self.text, len(self.text) + 1)
        self.index += 1
        if token.kind == CLAUSE:
            inner = self.separated()
            closing = self.peek()
            if closing is None or closing.kind != CLAUSE_CLOSE:
                raise WhenExpressionError("Unbalanced parenthesis", self.text, token.column)
            self.index += 1
            return inner
        if token.kind == ACCESSOR:
            return ("accessor", token.value)
        if token.kind in _VALUES:
            return ("literal", token.value)
        raise WhenExpressionError(f"Unexpected token '{token.value}'", self.text, token.column)


def _number(value: Any, operator: str, what: str = "modifier") -> float:
    if is_number(value):
        return float(value)
    raise ExpressionError(
        f"Value '{format_v(value)}' cannot be used with the {what} '{operator}', it is not a number"
    )


def _boolean(value: Any, operator: str) -> bool:
    if isinstance(value, bool):
        return value
    raise ExpressionError(
        f"Value '{format_v(value)}' cannot be used with the logical operator '{operator}', it is not a bool"
    )


def _compare(operator: str, left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        pair: tuple[Any, Any] = (left, right)
    else:
        pair = (_number(left, operator, "comparator"), _number(right, operator, "comparator"))
    return {
        ">": pair[0] > pair[1],
        ">=": pair[0] >= pair[1],
        "<": pair[0] < pair[1],
        "<=": pair[0] <= pair[1],
    }[operator]


def _same(left: Any, right: Any) -> bool:
    """reflect.DeepEqual on govaluate's values: the kinds must match."""
    return type(left) is type(right) and left == right


def _matches(left: Any, right: Any, operator: str) -> bool:
    if not isinstance(left, str) or not isinstance(right, str):
        raise ExpressionError(
            f"Value '{format_v(left if not isinstance(left, str) else right)}' cannot be used with the "
            f"comparator '{operator}', it is not a string"
        )
    return regex(right).search(left) is not None


def _arithmetic(operator: str, left: Any, right: Any) -> Any:
    if operator == "+" and not (is_number(left) and is_number(right)):
        if isinstance(left, str) or isinstance(right, str):
            return format_v(left) + format_v(right)
        raise ExpressionError(
            f"Value '{format_v(left)}' cannot be used with the modifier '+', it is not a number"
        )
    a, b = _number(left, operator), _number(right, operator)
    if operator in ("&", "|", "^", ">>", "<<"):
        x, y = int(a), int(b)
        bits = {"&": x & y, "|": x | y, "^": x ^ y, ">>": x >> y, "<<": x << y}
        return float(bits[operator])
    if operator in ("/", "%") and b == 0:
        return math.nan if a == 0 or operator == "%" else math.copysign(math.inf, a)
    results: dict[str, Callable[[], float]] = {
        "+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b,
        "%": lambda: math.fmod(a, b), "**": lambda: math.pow(a, b),
    }  # fmt: skip
    return results[operator]()


def _evaluate(tree: _Tree) -> Any:
    kind = tree[0]
    if kind == "literal":
        return tree[1]
    if kind == "list":
        return [_evaluate(item) for item in tree[1]]
    if kind == "accessor":
        raise ExpressionError(f"No parameter '{tree[1].split('.')[0]}' found.")
    if kind == "prefix":
        value = _evaluate(tree[2])
        if tree[1] == "!":
            return not _boolean(value, "!")
        number = _number(value, tree[1], "prefix")
        return -number if tree[1] == "-" else float(~int(number))
    operator, left = tree[1], _evaluate(tree[2])
    if operator in ("&&", "||"):
        if _boolean(left, operator) == (operator == "||"):
            return left
        return _boolean(_evaluate(tree[3]), operator)
    if operator == "?":
        return _evaluate(tree[3]) if _boolean(left, "?") else None
    if operator in (":", "??"):
        return left if left is not None else _evaluate(tree[3])
    right = _evaluate(tree[3])
    if operator in ("==", "!="):
        return _same(left, right) == (operator == "==")
    if operator in ("=~", "!~"):
        return _matches(left, right, operator) == (operator == "=~")
    if operator == "in":
        if not isinstance(right, list):
            raise ExpressionError(
                f"Value '{format_v(right)}' cannot be used with the comparator 'in', it is not an array"
            )
        return any(_same(left, item) for item in right)
    if operator in (">", ">=", "<", "<="):
        return _compare(operator, left, right)
    return _arithmetic(operator, left, right)


@lru_cache(maxsize=2048)
def parse_when(text: str) -> _Tree:
    """Parse a ``when`` condition (after ``{{...}}`` substitution); raises WhenExpressionError."""
    tokens = tokenize(text)
    depth = 0
    for token in tokens:
        depth += {CLAUSE: 1, CLAUSE_CLOSE: -1}.get(token.kind, 0)
    if depth != 0:
        raise WhenExpressionError("Unbalanced parenthesis", text, len(text) + 1)
    if tokens and tokens[-1].kind not in _VALUES | {CLAUSE_CLOSE}:
        raise WhenExpressionError("Unexpected end of expression", text, len(text) + 1)
    if not tokens:
        return ("literal", None)
    return _Parser(text, tokens).parse()


def evaluate_when(text: str) -> bool:
    """Whether a step or task with this (already substituted) ``when`` should run."""
    if text == "":
        return True
    tree = parse_when(text)
    try:
        result = _evaluate(tree)
    except ExpressionError as error:
        raise ExpressionError(f"Failed to evaluate 'when' expresion '{text}': {error}") from None
    if not isinstance(result, bool):
        raise ExpressionError(f"Expected boolean evaluation for '{text}'. Got {format_v(result)}")
    return result


_ = re  # the regex cache lives in runtime; re is kept for type checkers of Pattern results
