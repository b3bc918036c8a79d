"""Tokens of the expr-lang language (github.com/expr-lang/expr), with 1-based columns."""

from __future__ import annotations

from dataclasses import dataclass

from argosy.errors import ExpressionSyntaxError

IDENTIFIER, NUMBER, STRING, OPERATOR, BRACKET, EOF = (
    "Identifier",
    "Number",
    "String",
    "Operator",
    "Bracket",
    "EOF",
)

# Words the expr lexer turns into operators rather than names.
WORD_OPERATORS = frozenset(
    {"not", "in", "and", "or", "matches", "contains", "startsWith", "endsWith", "let", "if", "else"}
)
_SYMBOLS = ("==", "!=", "<=", ">=", "&&", "||", "??", "?.", "..", "**", "::") + tuple("+-*/%^<>!=?:,;.|#")
_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "`": "`",
}


@dataclass(frozen=True, slots=True)
class Token:
    """One token: its kind, text (strings already unescaped) and 1-based column."""

    kind: str
    value: str
    column: int

    def is_(self, kind: str, value: str | None = None) -> bool:
        """True when the token has this kind (and value, if given)."""
        return self.kind == kind and (value is None or self.value == value)

    def describe(self) -> str:
        """How an error message names this token."""
        return "end of expression" if self.kind == EOF else f"token {self.value!r}"


def tokenize(source: str) -> list[Token]:
    """Split ``source`` into tokens, ending with an EOF token."""
    tokens: list[Token] = []
    pos, size = 0, len(source)
    while pos < size:
        char = source[pos]
        if char.isspace():
            pos += 1
        elif source.startswith("//", pos):
            end = source.find("\n", pos)
            pos = size if end < 0 else end
        elif source.startswith("/*", pos):
            end = source.find("*/", pos + 2)
            if end < 0:
                raise ExpressionSyntaxError("unclosed comment", source, pos + 1)
            pos = end + 2
        elif char.isdigit() or (char == "." and pos + 1 < size and source[pos + 1].isdigit()):
            pos = _number(source, pos, tokens)
        elif char.isalpha() or char in "_$":
            end = pos + 1
            while end < size and (source[end].isalnum() or source[end] in "_$"):
                end += 1
            word = source[pos:end]
            tokens.append(Token(OPERATOR if word in WORD_OPERATORS else IDENTIFIER, word, pos + 1))
            pos = end
        elif char in "'\"":
            pos = _quoted(source, pos, tokens)
        elif char == "`":
            end = source.find("`", pos + 1)
            if end < 0:
                raise ExpressionSyntaxError("literal not terminated", source, pos + 1)
            tokens.append(Token(STRING, source[pos + 1 : end], pos + 1))
            pos = end + 1
        elif char in "()[]{}":
            tokens.append(Token(BRACKET, char, pos + 1))
            pos += 1
        else:
            symbol = next((s for s in _SYMBOLS if source.startswith(s, pos)), None)
            if symbol is None:
                raise ExpressionSyntaxError(f"unrecognized character {char!r}", source, pos + 1)
            tokens.append(Token(OPERATOR, symbol, pos + 1))
            pos += len(symbol)
    tokens.append(Token(EOF, "", size + 1))
    return tokens


def _number(source: str, pos: int, tokens: list[Token]) -> int:
    end, size = pos, len(source)
    if source.startswith(("0x", "0X", "0b", "0B", "0o", "0O"), pos):
        end = pos + 2
        while end < size and (source[end].isalnum() or source[end] == "_"):
            end += 1
    else:
        while end < size and (source[end].isdigit() or source[end] == "_"):
            end += 1
        # "1..3" is a range, so a dot only belongs to the number when a dot does not follow it.
        if end < size and source[end] == "." and not source.startswith("..", end):
            end += 1
            while end < size and (source[end].isdigit() or source[end] == "_"):
                end += 1
        if end < size and source[end] in "eE":
            exp = end + 1
            if exp < size and source[exp] in "+-":
                exp += 1
            if exp < size and source[exp].isdigit():
                end = exp
                while end < size and source[end].isdigit():
                    end += 1
    tokens.append(Token(NUMBER, source[pos:end], pos + 1))
    return end


def _quoted(source: str, pos: int, tokens: list[Token]) -> int:
    quote, out, index, size = source[pos], [], pos + 1, len(source)
    while index < size and source[index] != quote:
        char = source[index]
        if char == "\\":
            index, char = _escape(source, index)
        else:
            index += 1
        out.append(char)
    if index >= size:
        raise ExpressionSyntaxError("literal not terminated", source, pos + 1)
    tokens.append(Token(STRING, "".join(out), pos + 1))
    return index + 1


def _escape(source: str, index: int) -> tuple[int, str]:
    """Decode the escape at ``source[index]`` (a backslash) like Go's strconv.Unquote."""
    code = source[index + 1 : index + 2]
    if code in _ESCAPES:
        return index + 2, _ESCAPES[code]
    widths = {"x": 2, "u": 4, "U": 8}
    if code in widths:
        digits = source[index + 2 : index + 2 + widths[code]]
        if len(digits) == widths[code] and all(c in "0123456789abcdefABCDEF" for c in digits):
            return index + 2 + widths[code], chr(int(digits, 16))
    elif code and code in "01234567":
        digits = source[index + 1 : index + 4]
        if len(digits) == 3 and all(c in "01234567" for c in digits):
            return index + 4, chr(int(digits, 8))
    raise ExpressionSyntaxError("invalid char escape", source, index + 1)
