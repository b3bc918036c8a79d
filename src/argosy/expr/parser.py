"""A Pratt parser for expr-lang, following the precedence and quirks of expr v1.17."""

from __future__ import annotations

from argosy.errors import ExpressionSyntaxError
from argosy.expr import nodes as n
from argosy.expr.lexer import BRACKET, EOF, IDENTIFIER, NUMBER, OPERATOR, STRING, Token, tokenize

UNARY = {"not": 50, "!": 50, "-": 90, "+": 90}
BINARY = {
    "|": 0, "or": 10, "||": 10, "and": 15, "&&": 15,
    "==": 20, "!=": 20, "<": 20, ">": 20, ">=": 20, "<=": 20,
    "in": 20, "matches": 20, "contains": 20, "startsWith": 20, "endsWith": 20,
    "..": 25, "+": 30, "-": 30, "*": 60, "/": 60, "%": 60, "**": 100, "^": 100, "??": 500,
}  # fmt: skip
RIGHT_ASSOCIATIVE = frozenset({"**", "^"})
COMPARISONS = frozenset({"<", ">", "<=", ">="})
NEGATABLE = frozenset({"contains", "matches", "startsWith", "endsWith", "in"})

# Closure builtins: "e" an expression, "p" a predicate; a trailing "?" marks an optional argument.
PREDICATES = {
    **{name: ("e", "p") for name in (
        "all", "none", "any", "one", "filter", "map", "find", "findIndex", "findLast", "findLastIndex",
        "groupBy",
    )},
    "count": ("e", "p?"),
    "sum": ("e", "p?"),
    "sortBy": ("e", "p", "e?"),
    "reduce": ("e", "p", "e?"),
}  # fmt: skip


class Parser:
    """Parses one expression; use :func:`parse`."""

    def __init__(self, source: str, builtin_names: frozenset[str]) -> None:
        self.source = source
        self.tokens = tokenize(source)
        self.index = 0
        self.depth = 0
        self.builtin_names = builtin_names

    @property
    def current(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != EOF:
            self.index += 1
        return token

    def error(self, message: str, token: Token | None = None) -> ExpressionSyntaxError:
        return ExpressionSyntaxError(message, self.source, (token or self.current).column)

    def expect(self, kind: str, value: str | None = None) -> Token:
        token = self.current
        if not token.is_(kind, value):
            raise self.error(f"unexpected {token.describe()}")
        return self.advance()

    def parse(self) -> n.Node:
        if self.current.kind == EOF:
            raise self.error("empty expression")
        node = self.sequence()
        if self.current.kind != EOF:
            raise self.error(f"unexpected {self.current.describe()}")
        return node

    def sequence(self) -> n.Node:
        items = [self.expression(0)]
        while self.current.is_(OPERATOR, ";"):
            self.advance()
            if self.current.kind == EOF:
                break
            items.append(self.expression(0))
        return items[0] if len(items) == 1 else n.Sequence(items[0].column, tuple(items))

    def expression(self, precedence: int) -> n.Node:
        if precedence == 0 and self.current.is_(OPERATOR, "let"):
            return self.let()
        if precedence == 0 and self.current.is_(OPERATOR, "if"):
            return self.if_else()
        left = self.primary()
        previous = ""
        while self.current.kind == OPERATOR:
            token = operator = self.current
            negate = token.value == "not"
            if negate:
                following = self.tokens[self.index + 1]
                if following.value not in NEGATABLE or following.kind != OPERATOR:
                    raise self.error(f"unexpected {following.describe()}", following)
                if BINARY[following.value] < precedence:
                    break
                self.advance()
                operator = following
            level = BINARY.get(operator.value)
            if level is None or level < precedence:
                break
            self.advance()
            if operator.value == "|":
                name = self.expect(IDENTIFIER)
                left = self.call(name, [left])
            elif previous == "??" and operator.value != "??":
                raise self.error(
                    f"Operator ({operator.value}) and coalesce expressions (??) cannot be mixed. "
                    "Wrap either by parentheses.",
                    operator,
                )
            elif operator.value in COMPARISONS:
                left = self.comparison(left, operator, level)
            else:
                right_level = level if operator.value in RIGHT_ASSOCIATIVE else level + 1
                right = self.expression(right_level)
                left = n.Binary(operator.column, operator.value, left, right)
                if negate:
                    left = n.Unary(token.column, "not", left)
            previous = operator.value
        if precedence == 0:
            left = self.conditional(left)
        return left

    def comparison(self, left: n.Node, operator: Token, level: int) -> n.Node:
        root: n.Node | None = None
        while True:
            right = self.expression(level + 1)
            node = n.Binary(operator.column, operator.value, left, right)
            root = node if root is None else n.Binary(operator.column, "&&", root, node)
            left, operator = right, self.current
            if not (operator.kind == OPERATOR and operator.value in COMPARISONS):
                return root
            self.advance()

    def let(self) -> n.Node:
        start = self.advance()
        name = self.expect(IDENTIFIER)
        self.expect(OPERATOR, "=")
        value = self.expression(0)
        self.expect(OPERATOR, ";")
        return n.Let(start.column, name.value, value, self.sequence())

    def if_else(self) -> n.Node:
        start = self.advance()
        condition = self.expression(0)
        self.expect(BRACKET, "{")
        then = self.sequence()
        self.expect(BRACKET, "}")
        self.expect(OPERATOR, "else")
        if self.current.is_(OPERATOR, "if"):
            otherwise = self.if_else()
        else:
            self.expect(BRACKET, "{")
            otherwise = self.sequence()
            self.expect(BRACKET, "}")
        return n.Conditional(start.column, condition, then, otherwise)

    def conditional(self, node: n.Node) -> n.Node:
        while self.current.is_(OPERATOR, "?"):
            token = self.advance()
            if self.current.is_(OPERATOR, ":"):
                self.advance()
                then, otherwise = node, self.expression(0)
            else:
                then = self.expression(0)
                self.expect(OPERATOR, ":")
                otherwise = self.expression(0)
            node = n.Conditional(token.column, node, then, otherwise)
        return node

    def primary(self) -> n.Node:
        token = self.current
        if token.kind == OPERATOR and token.value in UNARY:
            self.advance()
            operand = self.expression(UNARY[token.value])
            return self.postfix(n.Unary(token.column, token.value, operand))
        if token.is_(BRACKET, "("):
            self.advance()
            inner = self.sequence()
            self.expect(BRACKET, ")")
            return self.postfix(inner)
        if self.depth > 0 and token.kind == OPERATOR and token.value in "#.":
            name = ""
            if token.value == "#":
                self.advance()
                if self.current.kind == IDENTIFIER:
                    name = self.advance().value
            # A bare ".field" inside a closure means "#.field": the "." stays for postfix().
            return self.postfix(n.Pointer(token.column, name))
        return self.secondary()

    def secondary(self) -> n.Node:
        token = self.advance()
        node: n.Node
        if token.kind == IDENTIFIER:
            if token.value in ("true", "false"):
                return n.Literal(token.column, token.value == "true")
            if token.value == "nil":
                return n.Literal(token.column, None)
            if self.current.is_(BRACKET, "("):
                node = self.call(token, [])
            else:
                node = n.Identifier(token.column, token.value)
        elif token.kind == NUMBER:
            return n.Literal(token.column, self.number(token))
        elif token.kind == STRING:
            node = n.Literal(token.column, token.value)
        elif token.is_(BRACKET, "["):
            node = self.array(token)
        elif token.is_(BRACKET, "{"):
            node = self.map(token)
        else:
            raise self.error(f"unexpected {token.describe()}", token)
        return self.postfix(node)

    def number(self, token: Token) -> int | float:
        text = token.value.replace("_", "").lower()
        try:
            if text.startswith(("0x", "0b", "0o")):
                return int(text, 0)
            if "." in text or "e" in text:
                return float(text)
            return int(text, 10)
        except ValueError:
            raise self.error(f"invalid number literal {token.value!r}", token) from None

    def call(self, name: Token, arguments: list[n.Node]) -> n.Node:
        if name.value in PREDICATES:
            self.expect(BRACKET, "(")
            kinds = PREDICATES[name.value][len(arguments) :]
            for position, kind in enumerate(kinds):
                if self.current.is_(BRACKET, ")"):
                    if kind.endswith("?"):
                        break
                    raise self.error(f"expected at least {len(kinds)} arguments")
                if position > 0:
                    self.expect(OPERATOR, ",")
                arguments.append(self.predicate() if kind.startswith("p") else self.expression(0))
            if self.current.is_(OPERATOR, ","):
                self.advance()
            self.expect(BRACKET, ")")
            return n.Builtin(name.column, name.value, tuple(arguments))
        arguments = self.arguments(arguments)
        if name.value in self.builtin_names:
            return n.Builtin(name.column, name.value, tuple(arguments))
        return n.Call(name.column, n.Identifier(name.column, name.value), tuple(arguments))

    def arguments(self, arguments: list[n.Node]) -> list[n.Node]:
        offset = len(arguments)
        self.expect(BRACKET, "(")
        while not self.current.is_(BRACKET, ")"):
            if len(arguments) > offset:
                self.expect(OPERATOR, ",")
                if self.current.is_(BRACKET, ")"):
                    break
            arguments.append(self.expression(0))
        self.expect(BRACKET, ")")
        return arguments

    def predicate(self) -> n.Node:
        start = self.current
        braces = start.is_(BRACKET, "{")
        if braces:
            self.advance()
        self.depth += 1
        body = self.sequence() if braces else self.expression(0)
        self.depth -= 1
        if braces:
            self.expect(BRACKET, "}")
        elif self.current.is_(OPERATOR, ";"):
            raise self.error("wrap predicate with brackets { and }")
        return n.Predicate(start.column, body)

    def array(self, start: Token) -> n.Node:
        items: list[n.Node] = []
        while not self.current.is_(BRACKET, "]"):
            if items:
                self.expect(OPERATOR, ",")
                if self.current.is_(BRACKET, "]"):
                    break
            items.append(self.expression(0))
        self.expect(BRACKET, "]")
        return n.Array(start.column, tuple(items))

    def map(self, start: Token) -> n.Node:
        pairs: list[tuple[n.Node, n.Node]] = []
        while not self.current.is_(BRACKET, "}"):
            if pairs:
                self.expect(OPERATOR, ",")
                if self.current.is_(BRACKET, "}"):
                    break
            token = self.current
            key: n.Node
            if token.kind in (NUMBER, STRING, IDENTIFIER):
                key = n.Literal(token.column, self.advance().value)
            elif token.is_(BRACKET, "("):
                key = self.expression(0)
            else:
                raise self.error(
                    "a map key must be a quoted string, a number, a identifier, or an expression "
                    f"enclosed in parentheses (unexpected {token.describe()})"
                )
            self.expect(OPERATOR, ":")
            pairs.append((key, self.expression(0)))
        self.expect(BRACKET, "}")
        return n.Map(start.column, tuple(pairs))

    def postfix(self, node: n.Node) -> n.Node:
        while True:
            token = self.current
            if token.kind == OPERATOR and token.value in (".", "?."):
                node = self.dot(node, token)
            elif token.is_(BRACKET, "["):
                node = self.bracket(node, optional=False)
            else:
                return node

    def dot(self, node: n.Node, token: Token) -> n.Node:
        optional = token.value == "?."
        self.advance()
        if optional and self.current.is_(BRACKET, "["):
            return self.bracket(node, optional=True)
        name = self.advance()
        if name.kind != IDENTIFIER and not (name.kind == OPERATOR and name.value.isidentifier()):
            raise self.error("expected name", name)
        inner = node.node if isinstance(node, n.Chain) else node
        member: n.Node = n.Member(name.column, inner, n.Literal(name.column, name.value), optional)
        if self.current.is_(BRACKET, "("):
            member = n.Call(name.column, member, tuple(self.arguments([])))
        return n.Chain(name.column, member) if optional or isinstance(node, n.Chain) else member

    def bracket(self, node: n.Node, optional: bool) -> n.Node:
        start = self.advance()
        if self.current.is_(OPERATOR, ":"):
            self.advance()
            stop = None if self.current.is_(BRACKET, "]") else self.expression(0)
            self.expect(BRACKET, "]")
            return n.Slice(start.column, node, None, stop)
        index = self.expression(0)
        if self.current.is_(OPERATOR, ":"):
            self.advance()
            stop = None if self.current.is_(BRACKET, "]") else self.expression(0)
            self.expect(BRACKET, "]")
            return n.Slice(start.column, node, index, stop)
        self.expect(BRACKET, "]")
        inner = node.node if isinstance(node, n.Chain) else node
        member = n.Member(start.column, inner, index, optional)
        return n.Chain(start.column, member) if optional or isinstance(node, n.Chain) else member


def parse(source: str, builtin_names: frozenset[str] = frozenset()) -> n.Node:
    """Parse ``source`` into a tree, raising ExpressionSyntaxError with the column on bad input."""
    return Parser(source, builtin_names).parse()
