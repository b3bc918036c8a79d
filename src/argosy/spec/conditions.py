"""A resource template's ``successCondition`` and ``failureCondition``.

Argo reads both with Kubernetes' label-selector parser (``labels.Parse``) and matches the
requirements against the object's JSON, each key a gjson path (``status.phase``,
``status.conditions.0.type``, ``status.containerStatuses.#``) instead of a label name:

========================  =========================================================
``key``                   the field exists (a JSON ``null`` exists too)
``!key``                  the field does not exist
``key = v``, ``key == v`` the field exists and its text is ``v``
``key != v``              the field is missing or its text is not ``v``
``key in (a, b)``         the field exists and its text is one of the values
``key notin (a, b)``      the field is missing or its text is none of the values
``key > n``, ``key < n``  the field exists, its text is a base-10 integer, and compares
========================  =========================================================

Requirements are comma-separated and all must hold. A field's text is gjson's ``String()``:
a string as is, an integer as written, ``true``/``false``, ``""`` for ``null``, an object
or array as compact JSON. Keys and values must be valid label keys and values (so
``status.phase == "Succeeded"`` is refused, as in Argo: quotes are not label characters).

Argo evaluates the failure requirements first, one by one: any that matches fails the node
(``failure condition '<requirement>' evaluated true``); then the node succeeds when every
success requirement matches; otherwise it waits and evaluates again when the object changes.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from argosy.errors import SelectorError


class Operator(StrEnum):
    """Kubernetes' ``selection.Operator`` values."""

    EXISTS = "exists"
    DOES_NOT_EXIST = "!"
    EQUALS = "="
    DOUBLE_EQUALS = "=="
    NOT_EQUALS = "!="
    IN = "in"
    NOT_IN = "notin"
    GREATER_THAN = "gt"
    LESS_THAN = "lt"


#: the operators Kubernetes lists when it expects one
_BINARY = "in, notin, =, ==, !=, gt, lt"
_SYMBOLS = ("!=", "==", "=", "!", "(", ")", ",", ">", "<")
_SPECIAL = frozenset("=!(),<>")
_SPACE = frozenset(" \t\r\n")
_NAME = r"[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_PREFIX = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*"
_KEY_RE = re.compile(rf"(?:{_PREFIX}/)?{_NAME}")
_VALUE_RE = re.compile(rf"(?:{_NAME})?")
_INT_RE = re.compile(r"[-+]?[0-9]+")
_INT64 = 2**63


@dataclass(frozen=True, slots=True)
class Requirement:
    """One requirement of a selector: ``key``, an operator and its values (sorted, unique)."""

    key: str
    operator: Operator
    values: tuple[str, ...] = ()

    def matches(self, obj: Any) -> bool:
        """Whether the object (a JSON-like dict) satisfies this requirement."""
        text, exists = field_text(obj, self.key)
        op = self.operator
        if op is Operator.EXISTS:
            return exists
        if op is Operator.DOES_NOT_EXIST:
            return not exists
        if op in (Operator.IN, Operator.EQUALS, Operator.DOUBLE_EQUALS):
            return exists and text in self.values
        if op in (Operator.NOT_IN, Operator.NOT_EQUALS):
            return not exists or text not in self.values
        if not exists:
            return False
        have = _int64(text)
        if have is None:
            return False
        want = int(self.values[0])
        return have > want if op is Operator.GREATER_THAN else have < want

    def __str__(self) -> str:
        op = self.operator
        if op is Operator.EXISTS:
            return self.key
        if op is Operator.DOES_NOT_EXIST:
            return "!" + self.key
        if op in (Operator.IN, Operator.NOT_IN):
            return f"{self.key} {op.value} ({','.join(self.values)})"
        symbol = {Operator.GREATER_THAN: ">", Operator.LESS_THAN: "<"}.get(op, op.value)
        return f"{self.key}{symbol}{self.values[0]}"


def _int64(text: str) -> int | None:
    """Go's ``strconv.ParseInt(text, 10, 64)``, None where it errs."""
    if not _INT_RE.fullmatch(text):
        return None
    value = int(text)
    return value if -_INT64 <= value < _INT64 else None


# ---- the parser (Kubernetes' labels.Parse) -----------------------------------------------------


def _tokens(text: str) -> list[str]:
    """Kubernetes' lexer: runs of symbols (longest match) and identifiers split on space and symbols."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in _SPACE:
            i += 1
        elif ch in _SPECIAL:
            symbol = next((s for s in _SYMBOLS if text.startswith(s, i)), ch)
            out.append(symbol)
            i += len(symbol)
        else:
            j = i
            while j < len(text) and text[j] not in _SPACE and text[j] not in _SPECIAL:
                j += 1
            out.append(text[i:j])
            i = j
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str | None:
        tok = self.peek()
        self.pos += 1
        return tok

    @staticmethod
    def identifier(tok: str | None) -> bool:
        # in a value position ``in``/``notin`` are plain identifiers, as in Kubernetes' lexer
        return tok is not None and tok not in _SYMBOLS

    def parse(self) -> tuple[Requirement, ...]:
        out: list[Requirement] = []
        while True:
            tok = self.peek()
            if tok is None:
                return _sorted(out)
            if not (self.identifier(tok) or tok == "!"):
                raise _error(f"found '{tok}', expected: !, identifier, or 'end of string'")
            out.append(self.requirement())
            sep = self.take()
            if sep is None:
                return _sorted(out)
            if sep != ",":
                raise _error(f"found '{sep}', expected: ',' or 'end of string'")
            after = self.peek()
            if not (self.identifier(after) or after == "!"):
                raise _error(f"found '{after or ''}', expected: identifier after ','")

    def requirement(self) -> Requirement:
        negate = self.peek() == "!"
        if negate:
            self.take()
        key = self.take()
        if not self.identifier(key):
            raise _error(f"found '{key or ''}', expected: identifier")
        assert key is not None
        if negate:
            return _requirement(key, Operator.DOES_NOT_EXIST, ())
        nxt = self.peek()
        if nxt is None or nxt == ",":
            return _requirement(key, Operator.EXISTS, ())
        op = self.take()
        operator = {"=": Operator.EQUALS, "==": Operator.DOUBLE_EQUALS, "!=": Operator.NOT_EQUALS,
                    ">": Operator.GREATER_THAN, "<": Operator.LESS_THAN, "in": Operator.IN,
                    "notin": Operator.NOT_IN}.get(op or "")
        if operator is None:
            raise _error(f"found '{op}', expected: {_BINARY}")
        if operator in (Operator.IN, Operator.NOT_IN):
            return _requirement(key, operator, self.value_set())
        return _requirement(key, operator, (self.exact_value(),))

    def exact_value(self) -> str:
        tok = self.peek()
        if tok is None or tok == ",":
            return ""
        self.take()
        if not self.identifier(tok):
            raise _error(f"found '{tok}', expected: identifier")
        return tok

    def value_set(self) -> tuple[str, ...]:
        tok = self.take()
        if tok != "(":
            raise _error(f"found '{tok or ''}' expected: '('")
        values: list[str] = []
        tok = self.peek()
        if tok == ")":
            self.take()
            return ("",)
        if not (self.identifier(tok) or tok == ","):
            raise _error(f"found '{tok or ''}', expected: ',', ')' or identifier")
        while True:
            tok = self.take()
            if self.identifier(tok):
                assert tok is not None
                values.append(tok)
                nxt = self.take()
                if nxt == ")":
                    return tuple(values)
                if nxt != ",":
                    raise _error(f"found '{nxt or ''}', expected: ',' or ')'")
            elif tok == ",":
                # an empty value before a comma, as Kubernetes reads ``in (,a)`` and ``in (a,,b)``
                values.append("")
                if self.peek() == ")":
                    self.take()
                    return tuple(values)
            elif tok == ")" and values:
                values.append("")  # ``in (a,)``: the comma closed an empty value
                return tuple(values)
            else:
                raise _error(f"found '{tok or ''}', expected: ',', or identifier")


def _requirement(key: str, operator: Operator, values: Sequence[str]) -> Requirement:
    """Kubernetes' ``NewRequirement``: the key, the values and their count checked."""
    if len(key.rpartition("/")[2]) > 63 or len(key) > 317 or not _KEY_RE.fullmatch(key):
        raise _error(f"key: Invalid value: {json.dumps(key)}: a valid label key is an optional DNS "
                     "subdomain prefix and '/', then a name of at most 63 characters: alphanumerics, "
                     "'-', '_' or '.', starting and ending with an alphanumeric (e.g. 'status.phase')")
    if operator in (Operator.GREATER_THAN, Operator.LESS_THAN) and _int64(values[0]) is None:
        raise _error(f"values[0]: Invalid value: {json.dumps(values[0])}: "
                     "for 'Gt', 'Lt' operators, the value must be an integer")
    for value in values:
        if len(value) > 63 or not _VALUE_RE.fullmatch(value):
            raise _error(f"values[0][{key}]: Invalid value: {json.dumps(value)}: a valid label value "
                         "must be at most 63 characters: alphanumerics, '-', '_' or '.', starting and "
                         "ending with an alphanumeric (no quotes)")
    return Requirement(key, operator, tuple(sorted(set(values))))


def _sorted(requirements: list[Requirement]) -> tuple[Requirement, ...]:
    # Kubernetes sorts a selector's requirements by key (stable)
    return tuple(sorted(requirements, key=lambda r: r.key))


def _error(message: str) -> SelectorError:
    return SelectorError(f"unable to parse requirement: {message}")


def parse_condition(text: str) -> tuple[Requirement, ...]:
    """Parse a condition (Kubernetes' label-selector syntax); SelectorError when it is malformed."""
    return _Parser(text).parse()


# ---- field lookup (gjson paths) ----------------------------------------------------------------


def _components(path: str) -> list[str]:
    """Split a gjson path on unescaped dots (``\\.`` is a literal dot)."""
    parts: list[str] = []
    current: list[str] = []
    i = 0
    while i < len(path):
        ch = path[i]
        if ch == "\\" and i + 1 < len(path):
            current.append(path[i + 1])
            i += 2
            continue
        if ch == ".":
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


#: what :func:`field_value` returns for a path that selects nothing
MISSING: Any = object()


def field_value(obj: Any, path: str) -> Any:
    """The value at a gjson path, or :data:`MISSING`: keys, array indexes, ``#`` (an
    array's length), ``#.rest`` (``rest`` of every element) and ``*``/``?`` wildcards in keys."""
    return _lookup(obj, _components(path))


def _lookup(value: Any, parts: list[str]) -> Any:
    for i, part in enumerate(parts):
        if isinstance(value, list):
            if part == "#":
                rest = parts[i + 1:]
                if not rest:
                    return len(value)
                found = [_lookup(item, rest) for item in value]
                return [v for v in found if v is not MISSING]
            if part.isdigit() and int(part) < len(value):
                value = value[int(part)]
                continue
            return MISSING
        if isinstance(value, Mapping):
            if part in value:
                value = value[part]
                continue
            if "*" in part or "?" in part:
                pattern = re.compile("".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in part))
                key = next((k for k in value if pattern.fullmatch(str(k))), None)
                if key is not None:
                    value = value[key]
                    continue
            return MISSING
        return MISSING
    return value


def field_text(obj: Any, path: str) -> tuple[str, bool]:
    """gjson's ``String()`` of the field at ``path`` and whether it exists."""
    value = field_value(obj, path)
    if value is MISSING:
        return "", False
    return json_text(value), True


def json_text(value: Any) -> str:
    """A JSON value as gjson's ``String()`` writes it (compact JSON for objects and arrays)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # Go's FormatFloat(f, 'f', -1, 64): the shortest digits, never an exponent
        from decimal import Decimal  # rare: imported here to keep it out of every start-up

        text = format(Decimal(repr(value)), "f") if math.isfinite(value) else str(value)
        return text.rstrip("0").rstrip(".") if "." in text else text
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)



# ---- evaluation --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Conditions:
    """A template's parsed success and failure requirements."""

    success: tuple[Requirement, ...] = ()
    failure: tuple[Requirement, ...] = ()

    @classmethod
    def of(cls, resource: Mapping[str, Any]) -> Conditions:
        """Parse ``successCondition``/``failureCondition``; SelectorError names the one that fails."""
        parsed: dict[str, tuple[Requirement, ...]] = {}
        for field, name in (("successCondition", "success"), ("failureCondition", "fail")):
            text = resource.get(field)
            if not text:
                parsed[field] = ()
                continue
            try:
                parsed[field] = parse_condition(str(text))
            except SelectorError as err:
                raise SelectorError(f"{name} condition '{text}' failed to parse: {err}") from None
        return cls(parsed["successCondition"], parsed["failureCondition"])

    @property
    def waits(self) -> bool:
        """Whether there is anything to wait for (Argo returns at once without conditions)."""
        return bool(self.success or self.failure)

    def check(self, obj: Any) -> tuple[bool | None, str]:
        """(True, "") when succeeded, (False, message) when failed, (None, "") while neither."""
        for req in self.failure:
            if req.matches(obj):
                return False, f"failure condition '{req}' evaluated true"
        if all(req.matches(obj) for req in self.success):
            return True, ""
        return None, ""
