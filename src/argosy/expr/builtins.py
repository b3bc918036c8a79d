"""expr-lang's builtin functions: closures over arrays (``filter``, ``map``, ...) and plain functions."""

from __future__ import annotations

import base64
import binascii
import math
import statistics
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from argosy.errors import ExpressionError
from argosy.expr import nodes as n
from argosy.expr import runtime as rt
from argosy.expr.gotime import RFC3339, parse_duration, parse_time
from argosy.expr.interpreter import Evaluator, Frame
from argosy.goformat import format_v, from_json, is_number, to_json

_DATE_LAYOUTS = (
    "2006-01-02", "15:04:05", "2006-01-02 15:04:05", RFC3339, "02 Jan 06 15:04 MST",
    "Monday, 02-Jan-06 15:04:05 MST", "Mon, 02 Jan 2006 15:04:05 MST",
)  # fmt: skip


def _items(value: Any, name: str) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    raise ExpressionError(f"cannot use {rt.type_name(value)} as array in {name}")


def _closure(node: n.Builtin, compile_: Callable[[n.Node], Evaluator]) -> Evaluator:
    """Compile a closure builtin: the array argument, the predicate and any trailing argument."""
    name = node.name
    array = compile_(node.arguments[0])
    body = compile_(node.arguments[1]) if len(node.arguments) > 1 else None
    extra = compile_(node.arguments[2]) if len(node.arguments) > 2 else None

    def run(frame: Frame) -> Any:
        items = _items(array(frame), name)
        if body is None:
            return _CLOSURES[name](items, None, None)

        def apply(index: int, item: Any, *acc: Any) -> Any:
            pointers = {"#": item, "index": index}
            if acc:
                pointers["acc"] = acc[0]
            frame.pointers.append(pointers)
            try:
                return body(frame)
            finally:
                frame.pointers.pop()

        return _CLOSURES[name](items, apply, extra(frame) if extra else _NO_VALUE)

    return run


_NO_VALUE = object()


def _predicate(apply: Callable[..., Any], index: int, item: Any, name: str) -> bool:
    return rt.truthy(apply(index, item), name)


def _find(items: list[Any], apply: Callable[..., Any], reverse: bool) -> int:
    order = range(len(items) - 1, -1, -1) if reverse else range(len(items))
    return next((i for i in order if _predicate(apply, i, items[i], "find")), -1)


def _found(items: list[Any], index: int) -> Any:
    return None if index < 0 else items[index]


def _count(items: list[Any], apply: Callable[..., Any] | None, _: Any) -> int:
    if apply is None:
        return sum(1 for item in items if rt.truthy(item, "count"))
    return sum(1 for i, item in enumerate(items) if _predicate(apply, i, item, "count"))


def _sum(items: list[Any], apply: Callable[..., Any] | None, _: Any) -> Any:
    values = items if apply is None else [apply(i, item) for i, item in enumerate(items)]
    total: Any = 0
    for value in values:
        total = rt.add(total, value)
    return total


def _reduce(items: list[Any], apply: Callable[..., Any], initial: Any) -> Any:
    if initial is _NO_VALUE:
        if not items:
            raise ExpressionError("reduce of empty array with no initial value")
        initial, items = items[0], items[1:]
        offset = 1
    else:
        offset = 0
    acc = initial
    for index, item in enumerate(items):
        acc = apply(index + offset, item, acc)
    return acc


def _group_by(items: list[Any], apply: Callable[..., Any], _: Any) -> dict[Any, list[Any]]:
    groups: dict[Any, list[Any]] = {}
    for index, item in enumerate(items):
        groups.setdefault(apply(index, item), []).append(item)
    return groups


def _sort_key(value: Any) -> Any:
    if is_number(value) or isinstance(value, str):
        return value
    raise ExpressionError(f"cannot sort {rt.type_name(value)}")


def _order(order: Any) -> bool:
    if order is _NO_VALUE or order == "asc":
        return False
    if order == "desc":
        return True
    raise ExpressionError(f"unknown order {order!r}, use asc or desc")


def _sort_by(items: list[Any], apply: Callable[..., Any], order: Any) -> list[Any]:
    keys = [_sort_key(apply(i, item)) for i, item in enumerate(items)]
    try:
        ranked = sorted(range(len(items)), key=keys.__getitem__, reverse=_order(order))
    except TypeError:
        raise ExpressionError("cannot sort values of different types") from None
    return [items[i] for i in ranked]


_CLOSURES: dict[str, Callable[[list[Any], Any, Any], Any]] = {
    "all": lambda items, f, _: all(_predicate(f, i, x, "all") for i, x in enumerate(items)),
    "any": lambda items, f, _: any(_predicate(f, i, x, "any") for i, x in enumerate(items)),
    "none": lambda items, f, _: not any(_predicate(f, i, x, "none") for i, x in enumerate(items)),
    "one": lambda items, f, _: sum(1 for i, x in enumerate(items) if _predicate(f, i, x, "one")) == 1,
    "filter": lambda items, f, _: [x for i, x in enumerate(items) if _predicate(f, i, x, "filter")],
    "map": lambda items, f, _: [f(i, x) for i, x in enumerate(items)],
    "find": lambda items, f, _: _found(items, _find(items, f, False)),
    "findIndex": lambda items, f, _: _find(items, f, False),
    "findLast": lambda items, f, _: _found(items, _find(items, f, True)),
    "findLastIndex": lambda items, f, _: _find(items, f, True),
    "count": _count,
    "sum": _sum,
    "groupBy": _group_by,
    "sortBy": _sort_by,
    "reduce": _reduce,
}


def to_int(value: Any) -> int:
    """expr's ``int()`` (and Argo's ``asInt``): numbers truncate, strings must be decimal integers."""
    if isinstance(value, bool) or value is None or not (is_number(value) or isinstance(value, str)):
        raise ExpressionError(f"invalid operation: int({rt.type_name(value)})")
    if isinstance(value, str):
        text = value[1:] if value[:1] in "+-" else value
        if not text.isdigit() or not text.isascii():
            raise ExpressionError(f'strconv.Atoi: parsing "{value}": invalid syntax')
        return int(value)
    if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
        raise ExpressionError(f"invalid operation: int({format_v(value)})")
    return int(value)


def to_float(value: Any) -> float:
    """expr's ``float()`` (and Argo's ``asFloat``): numbers widen, strings parse like strconv.ParseFloat."""
    if isinstance(value, bool) or value is None or not (is_number(value) or isinstance(value, str)):
        raise ExpressionError(f"invalid operation: float({rt.type_name(value)})")
    try:
        if isinstance(value, str) and ("_" in value or value != value.strip()):
            raise ValueError(value)
        return float(value)
    except ValueError:
        raise ExpressionError(f'strconv.ParseFloat: parsing "{value}": invalid syntax') from None


def _str(value: Any, name: str) -> str:
    if isinstance(value, str):
        return value
    raise ExpressionError(f"invalid argument for {name} (type {rt.type_name(value)})")


def _split(text: Any, separator: Any, count: int = -1, keep: bool = False) -> list[str]:
    text, separator = _str(text, "split"), _str(separator, "split")
    if count == 0:
        return []
    if separator == "":
        chars = list(text)
        return (
            chars if count < 0 or count >= len(chars) else [*chars[: count - 1], "".join(chars[count - 1 :])]
        )
    parts = text.split(separator, count - 1 if count > 0 else -1)
    if keep:
        parts = [part + separator for part in parts[:-1]] + parts[-1:]
    return parts


def _trim(text: Any, chars: Any = None) -> str:
    return _str(text, "trim").strip() if chars is None else _str(text, "trim").strip(_str(chars, "trim"))


def _numbers(arguments: tuple[Any, ...], name: str) -> list[Any]:
    values: list[Any] = []
    for argument in arguments:
        if isinstance(argument, list | tuple):
            values.extend(_numbers(tuple(argument), name))
        elif is_number(argument):
            values.append(argument)
        else:
            raise ExpressionError(f"invalid argument for {name} (type {rt.type_name(argument)})")
    if not values and name in ("max", "min"):
        raise ExpressionError(f"not enough arguments to call {name}")
    return values


def _abs(value: Any) -> Any:
    if is_number(value):
        return abs(value)
    raise ExpressionError(f"invalid argument for abs (type {rt.type_name(value)})")


def _rounding(function: Callable[[float], float], name: str) -> Callable[[Any], float]:
    def apply(value: Any) -> float:
        if is_number(value):
            return float(function(value))
        raise ExpressionError(f"invalid argument for {name} (type {rt.type_name(value)})")

    return apply


def _round_half_away(value: float) -> float:
    return math.copysign(math.floor(abs(value) + 0.5), value)


def _join(items: Any, separator: Any = "") -> str:
    return _str(separator, "join").join(_str(item, "join") for item in _items(items, "join"))


def _map_of(value: Any, name: str) -> Mapping[Any, Any]:
    if isinstance(value, Mapping):
        return value
    raise ExpressionError(f"cannot use {rt.type_name(value)} as map in {name}")


def _get(container: Any, key: Any) -> Any:
    try:
        return rt.fetch(container, key)
    except ExpressionError:
        return None


def _uniq(items: Any) -> list[Any]:
    unique: list[Any] = []
    for item in _items(items, "uniq"):
        if not any(rt.equal(item, seen) for seen in unique):
            unique.append(item)
    return unique


def _flatten(items: Any) -> list[Any]:
    flat: list[Any] = []
    for item in _items(items, "flatten"):
        flat.extend(_flatten(item) if isinstance(item, list | tuple) else [item])
    return flat


def _sort(items: Any, order: Any = _NO_VALUE) -> list[Any]:
    try:
        return sorted(_items(items, "sort"), key=_sort_key, reverse=_order(order))
    except TypeError:
        raise ExpressionError("cannot sort values of different types") from None


def _date(text: Any, layout: Any = None, zone: Any = None) -> datetime:
    location = timezone(zone) if zone is not None else UTC
    if isinstance(text, datetime):
        return text
    if layout is not None:
        return parse_time(_str(text, "date"), _str(layout, "date"), location)
    for candidate in _DATE_LAYOUTS:
        try:
            return parse_time(_str(text, "date"), candidate, location)
        except ExpressionError:
            continue
    raise ExpressionError(f"cannot parse {text} as date")


def timezone(name: Any) -> Any:
    """A time zone by IANA name (``timezone("Europe/Zurich")``)."""
    try:
        return ZoneInfo(_str(name, "timezone"))
    except (ZoneInfoNotFoundError, ValueError):
        raise ExpressionError(f"unknown time zone {name}") from None


def _from_base64(text: Any) -> str:
    try:
        return base64.b64decode(_str(text, "fromBase64"), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as error:
        raise ExpressionError(f"illegal base64 data: {error}") from None


def _bits(name: str, operation: Callable[[int, int], int]) -> Callable[[Any, Any], int]:
    def apply(left: Any, right: Any) -> int:
        if isinstance(left, int) and isinstance(right, int) and not isinstance(left, bool | float):
            return operation(left, right)
        raise ExpressionError(f"invalid argument for {name}")

    return apply


def _len(value: Any) -> int:
    if isinstance(value, list | tuple | Mapping | str):
        return len(value)
    raise ExpressionError(f"invalid argument for len (type {rt.type_name(value)})")


def _type(value: Any) -> str:
    names = {"<nil>": "nil", "float64": "float", "[]interface {}": "array", "map[string]interface {}": "map"}
    name = rt.type_name(value)
    return names.get(name, name)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": _len,
    "type": _type,
    "abs": _abs,
    "ceil": _rounding(math.ceil, "ceil"),
    "floor": _rounding(math.floor, "floor"),
    "round": _rounding(_round_half_away, "round"),
    "int": to_int,
    "float": to_float,
    "string": format_v,
    "trim": _trim,
    "trimPrefix": lambda s, p: _str(s, "trimPrefix").removeprefix(_str(p, "trimPrefix")),
    "trimSuffix": lambda s, p: _str(s, "trimSuffix").removesuffix(_str(p, "trimSuffix")),
    "upper": lambda s: _str(s, "upper").upper(),
    "lower": lambda s: _str(s, "lower").lower(),
    "split": lambda s, sep, count=-1: _split(s, sep, rt.to_int(count)),
    "splitAfter": lambda s, sep, count=-1: _split(s, sep, rt.to_int(count), keep=True),
    "replace": lambda s, old, new: _str(s, "replace").replace(_str(old, "replace"), _str(new, "replace")),
    "repeat": lambda s, count: _str(s, "repeat") * max(rt.to_int(count), 0),
    "join": _join,
    "indexOf": lambda s, sub: _str(s, "indexOf").find(_str(sub, "indexOf")),
    "lastIndexOf": lambda s, sub: _str(s, "lastIndexOf").rfind(_str(sub, "lastIndexOf")),
    "hasPrefix": lambda s, p: _str(s, "hasPrefix").startswith(_str(p, "hasPrefix")),
    "hasSuffix": lambda s, p: _str(s, "hasSuffix").endswith(_str(p, "hasSuffix")),
    "max": lambda *args: max(_numbers(args, "max")),
    "min": lambda *args: min(_numbers(args, "min")),
    "mean": lambda *args: float(statistics.fmean(_numbers(args, "mean") or [0])),
    "median": lambda *args: float(statistics.median(_numbers(args, "median") or [0])),
    "toJSON": lambda v: to_json(v, "  "),
    "fromJSON": lambda s: from_json(_str(s, "fromJSON")),
    "toBase64": lambda s: base64.b64encode(_str(s, "toBase64").encode()).decode(),
    "fromBase64": _from_base64,
    "now": lambda: datetime.now(UTC),
    "duration": lambda s: parse_duration(_str(s, "duration")),
    "date": _date,
    "timezone": timezone,
    "first": lambda v: _get(v, 0) if isinstance(v, list | tuple) else rt.fetch(v, 0),
    "last": lambda v: _get(v, -1) if isinstance(v, list | tuple) else rt.fetch(v, -1),
    "get": _get,
    "take": lambda v, count: _items(v, "take")[: max(rt.to_int(count), 0)],
    "keys": lambda m: sorted(_map_of(m, "keys"), key=str),
    "values": lambda m: [m[k] for k in sorted(_map_of(m, "values"), key=str)],
    "toPairs": lambda m: [[k, m[k]] for k in sorted(_map_of(m, "toPairs"), key=str)],
    "fromPairs": lambda pairs: {_items(p, "fromPairs")[0]: p[1] for p in _items(pairs, "fromPairs")},
    "reverse": lambda v: _items(v, "reverse")[::-1],
    "uniq": _uniq,
    "concat": lambda *arrays: [item for array in arrays for item in _items(array, "concat")],
    "flatten": _flatten,
    "sort": _sort,
    "bitand": _bits("bitand", lambda a, b: a & b),
    "bitor": _bits("bitor", lambda a, b: a | b),
    "bitxor": _bits("bitxor", lambda a, b: a ^ b),
    "bitnand": _bits("bitnand", lambda a, b: a & ~b),
    "bitshl": _bits("bitshl", lambda a, b: a << b),
    "bitshr": _bits("bitshr", lambda a, b: a >> b),
    "bitnot": lambda v: ~_bits("bitnot", lambda a, _: a)(v, 0),
}


def call_function(name: str, function: Callable[..., Any], arguments: list[Any]) -> Any:
    """Call a builtin, turning a wrong argument count into an ExpressionError."""
    try:
        return function(*arguments)
    except TypeError as error:
        raise ExpressionError(f"{name}: {error}") from None


def _plain(node: n.Builtin, compile_: Callable[[n.Node], Evaluator]) -> Evaluator:
    function, name = FUNCTIONS[node.name], node.name
    arguments = [compile_(argument) for argument in node.arguments]
    return lambda frame: call_function(name, function, [argument(frame) for argument in arguments])


BUILTINS: dict[str, Callable[[n.Builtin, Callable[[n.Node], Evaluator]], Evaluator]] = {
    **{name: _plain for name in FUNCTIONS},
    **{name: _closure for name in _CLOSURES},
}
BUILTIN_NAMES = frozenset(BUILTINS)
