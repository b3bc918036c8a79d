"""sprig's math, list, dict, date, path and URL functions."""

from __future__ import annotations

import copy
import math
import posixpath
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from argosy.errors import ExpressionError
from argosy.expr.gotime import format_time, parse_duration, parse_time, utc
from argosy.expr.runtime import equal
from argosy.expr.sprig_values import as_dict, as_list, strval, to_float64, to_int64
from argosy.goformat import format_duration, is_number


def _div(left: Any, right: Any) -> int:
    divisor = to_int64(right)
    if divisor == 0:
        raise ExpressionError("runtime error: integer divide by zero")
    quotient = abs(to_int64(left)) // abs(divisor)
    return quotient if (to_int64(left) < 0) == (divisor < 0) else -quotient


def _mod(left: Any, right: Any) -> int:
    divisor = to_int64(right)
    if divisor == 0:
        raise ExpressionError("runtime error: integer divide by zero")
    remainder = abs(to_int64(left)) % abs(divisor)
    return -remainder if to_int64(left) < 0 else remainder


def _float_fold(operation: Callable[[Decimal, Decimal], Decimal]) -> Callable[..., float]:
    def fold(first: Any, *rest: Any) -> float:
        total = Decimal(repr(to_float64(first)))
        for value in rest:
            total = operation(total, Decimal(repr(to_float64(value))))
        return float(total)

    return fold


def _round(value: Any, places: Any, half: Any = 0.5) -> float:
    number = to_float64(value)
    scale = 10 ** to_int64(places)
    digit = number * scale
    fraction = digit - math.floor(digit)
    rounded = math.ceil(digit) if fraction >= to_float64(half) else math.floor(digit)
    return rounded / scale


def _until_step(start: Any, stop: Any, step: Any) -> list[int]:
    first, last, increment = to_int64(start), to_int64(stop), to_int64(step)
    if increment == 0 or (last - first) * increment <= 0:
        return []
    return list(range(first, last, increment))


def _dict(*pairs: Any) -> dict[str, Any]:
    values = list(pairs) + ([""] if len(pairs) % 2 else [])
    return {strval(values[i]): values[i + 1] for i in range(0, len(values), 2)}


def _set(target: Any, key: Any, value: Any) -> dict[str, Any]:
    as_dict(target, "set")[strval(key)] = value
    return target  # type: ignore[no-any-return]


def _unset(target: Any, key: Any) -> dict[str, Any]:
    as_dict(target, "unset").pop(strval(key), None)
    return target  # type: ignore[no-any-return]


def _merge(overwrite: bool) -> Callable[..., dict[str, Any]]:
    def merge(target: Any, *sources: Any) -> dict[str, Any]:
        result = as_dict(target, "merge")
        for source in sources:
            _merge_into(result, as_dict(source, "merge"), overwrite)
        return result

    return merge


def _merge_into(target: dict[str, Any], source: dict[str, Any], overwrite: bool) -> None:
    for key, value in source.items():
        if isinstance(target.get(key), dict) and isinstance(value, dict):
            _merge_into(target[key], value, overwrite)
        elif key not in target or overwrite or target[key] is None:
            target[key] = value


def _dig(*arguments: Any) -> Any:
    if len(arguments) < 3:
        raise ExpressionError("dig needs at least three arguments")
    *keys, default, current = arguments
    for key in keys:
        if not isinstance(current, dict) or strval(key) not in current:
            return default
        current = current[strval(key)]
    return current


def _uniq(values: Any) -> list[Any]:
    unique: list[Any] = []
    for value in as_list(values, "uniq"):
        if not any(equal(value, seen) for seen in unique):
            unique.append(value)
    return unique


def _chunk(size: Any, values: Any) -> list[list[Any]]:
    items, width = as_list(values, "chunk"), to_int64(size)
    if width <= 0:
        raise ExpressionError("chunk size must be positive")
    return [items[i : i + width] for i in range(0, len(items), width)]


def _slice(values: Any, *indices: Any) -> list[Any]:
    items = as_list(values, "slice")
    bounds = [to_int64(i) for i in indices]
    if len(bounds) > 1:
        return items[bounds[0] : bounds[1]]
    return items[bounds[0] :] if bounds else items


def _to_date(value: Any) -> datetime:
    """sprig's date argument: a time, or Unix seconds; anything else is now (as in sprig)."""
    if isinstance(value, datetime):
        return utc(value)
    if is_number(value):
        return datetime.fromtimestamp(int(value), UTC)
    return datetime.now(UTC)


def _date_in_zone(layout: Any, value: Any, zone: Any) -> str:
    from argosy.expr.builtins import timezone

    name = strval(zone)
    location = UTC if name in ("", "UTC", "Local") else timezone(name)
    return format_time(_to_date(value).astimezone(location), strval(layout))


def _duration_seconds(value: Any) -> str:
    return format_duration(timedelta(seconds=to_int64(value)))


def _duration_round(value: Any) -> str:
    seconds = abs(
        parse_duration(value).total_seconds() if isinstance(value, str) else to_float64(value) / 1e9
    )
    for limit, unit in ((31536000, "y"), (2592000, "mo"), (86400, "d"), (3600, "h"), (60, "m")):
        if seconds >= limit:
            return f"{int(seconds // limit)}{unit}"
    return f"{int(seconds)}s"


def _url_parse(url: Any) -> dict[str, Any]:
    parts = urlsplit(strval(url))
    return {
        "scheme": parts.scheme, "host": parts.netloc.rpartition("@")[2], "hostname": parts.hostname or "",
        "path": parts.path, "query": parts.query, "opaque": "", "fragment": parts.fragment,
        "userinfo": parts.netloc.rpartition("@")[0],
    }  # fmt: skip


def _url_join(parts: Any) -> str:
    fields = as_dict(parts, "urlJoin")
    netloc = strval(fields.get("host", ""))
    if fields.get("userinfo"):
        netloc = f"{strval(fields['userinfo'])}@{netloc}"
    return urlunsplit(
        tuple(strval(fields.get(k, "")) for k in ("scheme",))
        + (netloc,)  # type: ignore[arg-type]
        + tuple(strval(fields.get(k, "")) for k in ("path", "query", "fragment"))
    )


def _ints(name: str, combine: Callable[[int, int], int]) -> Callable[..., int]:
    def fold(first: Any, *rest: Any) -> int:
        total = to_int64(first)
        for value in rest:
            total = combine(total, to_int64(value))
        return total

    return fold


COLLECTIONS: dict[str, Callable[..., Any]] = {
    "add1": lambda v: to_int64(v) + 1,
    "add": lambda *values: sum(to_int64(v) for v in values),
    "sub": lambda a, b: to_int64(a) - to_int64(b),
    "div": _div,
    "mod": _mod,
    "mul": _ints("mul", lambda a, b: a * b),
    "randInt": lambda low, high: random.randrange(to_int64(low), to_int64(high)),
    "add1f": lambda v: float(Decimal(repr(to_float64(v))) + 1),
    "addf": _float_fold(lambda a, b: a + b),
    "subf": _float_fold(lambda a, b: a - b),
    "mulf": _float_fold(lambda a, b: a * b),
    "divf": _float_fold(lambda a, b: a / b if b else Decimal("Infinity") * (1 if a >= 0 else -1)),
    "biggest": _ints("biggest", max),
    "max": _ints("max", max),
    "min": _ints("min", min),
    "maxf": lambda first, *rest: max([to_float64(first), *(to_float64(v) for v in rest)]),
    "minf": lambda first, *rest: min([to_float64(first), *(to_float64(v) for v in rest)]),
    "ceil": lambda v: float(math.ceil(to_float64(v))),
    "floor": lambda v: float(math.floor(to_float64(v))),
    "round": _round,
    "until": lambda count: (
        list(range(to_int64(count))) if to_int64(count) >= 0 else list(range(0, to_int64(count), -1))
    ),
    "untilStep": _until_step,
    "sortAlpha": lambda values: sorted(strval(v) for v in as_list(values, "sortAlpha")),
    "compact": lambda values: [
        v for v in as_list(values, "compact") if v not in (None, "", 0, False, [], {})
    ],
    "mustCompact": lambda values: [
        v for v in as_list(values, "compact") if v not in (None, "", 0, False, [], {})
    ],
    "deepCopy": copy.deepcopy,
    "mustDeepCopy": copy.deepcopy,
    "tuple": lambda *values: list(values),
    "list": lambda *values: list(values),
    "dict": _dict,
    "get": lambda target, key: as_dict(target, "get").get(strval(key), ""),
    "set": _set,
    "unset": _unset,
    "hasKey": lambda target, key: strval(key) in as_dict(target, "hasKey"),
    "pluck": lambda key, *dicts: [d[strval(key)] for d in dicts if strval(key) in as_dict(d, "pluck")],
    "keys": lambda *dicts: [key for d in dicts for key in as_dict(d, "keys")],
    "pick": lambda target, *keys: {
        k: v for k, v in as_dict(target, "pick").items() if k in map(strval, keys)
    },
    "omit": lambda target, *keys: {
        k: v for k, v in as_dict(target, "omit").items() if k not in map(strval, keys)
    },
    "merge": _merge(False),
    "mustMerge": _merge(False),
    "mergeOverwrite": _merge(True),
    "mustMergeOverwrite": _merge(True),
    "values": lambda target: list(as_dict(target, "values").values()),
    "append": lambda values, value: [*as_list(values, "append"), value],
    "push": lambda values, value: [*as_list(values, "push"), value],
    "mustAppend": lambda values, value: [*as_list(values, "append"), value],
    "prepend": lambda values, value: [value, *as_list(values, "prepend")],
    "mustPrepend": lambda values, value: [value, *as_list(values, "prepend")],
    "first": lambda values: (as_list(values, "first") or [None])[0],
    "mustFirst": lambda values: (as_list(values, "first") or [None])[0],
    "rest": lambda values: as_list(values, "rest")[1:],
    "mustRest": lambda values: as_list(values, "rest")[1:],
    "last": lambda values: (as_list(values, "last") or [None])[-1],
    "mustLast": lambda values: (as_list(values, "last") or [None])[-1],
    "initial": lambda values: as_list(values, "initial")[:-1],
    "mustInitial": lambda values: as_list(values, "initial")[:-1],
    "reverse": lambda values: as_list(values, "reverse")[::-1],
    "mustReverse": lambda values: as_list(values, "reverse")[::-1],
    "uniq": _uniq,
    "mustUniq": _uniq,
    "without": lambda values, *omit: [
        v for v in as_list(values, "without") if not any(equal(v, o) for o in omit)
    ],
    "mustWithout": lambda values, *omit: [
        v for v in as_list(values, "without") if not any(equal(v, o) for o in omit)
    ],
    "has": lambda needle, values: any(equal(needle, v) for v in as_list(values, "has")),
    "mustHas": lambda needle, values: any(equal(needle, v) for v in as_list(values, "has")),
    "slice": _slice,
    "mustSlice": _slice,
    "concat": lambda *lists: [v for values in lists for v in as_list(values, "concat")],
    "dig": _dig,
    "chunk": _chunk,
    "mustChunk": _chunk,
    "now": lambda: datetime.now(UTC),
    "date": lambda layout, value: _date_in_zone(layout, value, "UTC"),
    "dateInZone": _date_in_zone,
    "htmlDate": lambda value: _date_in_zone("2006-01-02", value, "UTC"),
    "htmlDateInZone": lambda value, zone: _date_in_zone("2006-01-02", value, zone),
    "dateModify": lambda change, value: _to_date(value) + parse_duration(strval(change)),
    "mustDateModify": lambda change, value: _to_date(value) + parse_duration(strval(change)),
    "toDate": lambda layout, value: parse_time(strval(value), strval(layout)),
    "mustToDate": lambda layout, value: parse_time(strval(value), strval(layout)),
    "unixEpoch": lambda value: str(int(_to_date(value).timestamp())),
    "ago": lambda value: format_duration(
        timedelta(seconds=round((datetime.now(UTC) - _to_date(value)).total_seconds()))
    ),
    "duration": _duration_seconds,
    "durationRound": _duration_round,
    "base": lambda p: (
        posixpath.basename(strval(p).rstrip("/")) or ("/" if strval(p).startswith("/") else ".")
    ),
    "dir": lambda p: posixpath.dirname(strval(p)) or ".",
    "clean": lambda p: posixpath.normpath(strval(p)) if strval(p) else ".",
    "ext": lambda p: posixpath.splitext(strval(p))[1],
    "isAbs": lambda p: strval(p).startswith("/"),
    "osBase": lambda p: posixpath.basename(strval(p).rstrip("/")) or ".",
    "osDir": lambda p: posixpath.dirname(strval(p)) or ".",
    "osClean": lambda p: posixpath.normpath(strval(p)) if strval(p) else ".",
    "osExt": lambda p: posixpath.splitext(strval(p))[1],
    "osIsAbs": lambda p: strval(p).startswith("/"),
    "urlParse": _url_parse,
    "urlJoin": _url_join,
    "semverCompare": lambda constraint, version: _semver_compare(strval(constraint), strval(version)),
    "roundHalfUp": lambda v: float(Decimal(repr(to_float64(v))).quantize(Decimal(1), ROUND_HALF_UP)),
}


def _semver(text: str) -> tuple[int, ...]:
    core = text.lstrip("v=").split("-")[0].split("+")[0]
    try:
        parts = [int(p) for p in core.split(".")]
    except ValueError:
        raise ExpressionError(f"Invalid Semantic Version {text!r}") from None
    return tuple((parts + [0, 0, 0])[:3])


def _semver_compare(constraint: str, version: str) -> bool:
    """``semverCompare`` for the simple comparison constraints (``>=1.2.3``, ``<2``, ``=1.0``, ``!=1``)."""
    for alternative in constraint.split("||"):
        if all(_check(term, _semver(version)) for term in alternative.replace(",", " ").split()):
            return True
    return False


def _check(term: str, version: tuple[int, ...]) -> bool:
    for operator in (">=", "<=", "!=", ">", "<", "=", "~", "^"):
        if term.startswith(operator):
            target = _semver(term[len(operator) :])
            break
    else:
        operator, target = "=", _semver(term)
    checks: dict[str, bool] = {
        ">=": version >= target, "<=": version <= target, "!=": version != target, ">": version > target,
        "<": version < target, "=": version == target, "~": version[:2] == target[:2] and version >= target,
        "^": version[0] == target[0] and version >= target,
    }  # fmt: skip
    return checks[operator]
