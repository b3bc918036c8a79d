"""expr-lang's runtime rules on Python values: Go's numeric rules, equality, member access."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from argosy.errors import ExpressionError
from argosy.expr.gotime import format_time, utc
from argosy.goformat import format_duration, is_number


def type_name(value: Any) -> str:
    """The Go type name expr would print for ``value`` in an error."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "[]interface {}"
    if isinstance(value, Mapping):
        return "map[string]interface {}"
    if isinstance(value, datetime):
        return "time.Time"
    if isinstance(value, timedelta):
        return "time.Duration"
    if callable(value):
        return "func"
    return type(value).__name__


def invalid(operator: str, left: Any, right: Any) -> ExpressionError:
    return ExpressionError(f"invalid operation: {type_name(left)} {operator} {type_name(right)}")


def add(left: Any, right: Any) -> Any:
    if is_number(left) and is_number(right):
        return left + right
    if isinstance(left, str) and isinstance(right, str):
        return left + right
    if isinstance(left, datetime) and isinstance(right, timedelta):
        return left + right
    if isinstance(left, timedelta) and isinstance(right, timedelta | datetime):
        return left + right
    raise invalid("+", left, right)


def subtract(left: Any, right: Any) -> Any:
    if is_number(left) and is_number(right):
        return left - right
    if isinstance(left, datetime) and isinstance(right, datetime):
        return utc(left) - utc(right)
    if isinstance(left, datetime) and isinstance(right, timedelta):
        return left - right
    if isinstance(left, timedelta) and isinstance(right, timedelta):
        return left - right
    raise invalid("-", left, right)


def multiply(left: Any, right: Any) -> Any:
    if is_number(left) and is_number(right):
        return left * right
    raise invalid("*", left, right)


def divide(left: Any, right: Any) -> float:
    """``/`` always yields a float64; dividing by zero gives ±Inf or NaN as in Go."""
    if not (is_number(left) and is_number(right)):
        raise invalid("/", left, right)
    if right == 0:
        return math.nan if left == 0 or math.isnan(left) else math.copysign(math.inf, left)
    return float(left) / float(right)


def modulo(left: Any, right: Any) -> int:
    """Go's ``%``: integers only, the result takes the sign of the dividend."""
    if (
        not (isinstance(left, int) and isinstance(right, int))
        or isinstance(left, bool)
        or isinstance(right, bool)
    ):
        raise invalid("%", left, right)
    if right == 0:
        raise ExpressionError("integer divide by zero")
    result = abs(left) % abs(right)
    return -result if left < 0 else result


def power(left: Any, right: Any) -> float:
    if not (is_number(left) and is_number(right)):
        raise invalid("**", left, right)
    try:
        return math.pow(left, right)
    except (OverflowError, ValueError):
        return math.inf if left > 0 else math.nan


def negate(value: Any) -> Any:
    if is_number(value):
        return -value
    if isinstance(value, timedelta):
        return -value
    raise ExpressionError(f"invalid operation: -{type_name(value)}")


def plus(value: Any) -> Any:
    if is_number(value):
        return value
    raise ExpressionError(f"invalid operation: +{type_name(value)}")


def truthy(value: Any, operator: str) -> bool:
    """A bool operand; anything else is the error Go's type assertion would raise."""
    if isinstance(value, bool):
        return value
    raise ExpressionError(f"invalid operation: {operator} {type_name(value)} (expected bool)")


def equal(left: Any, right: Any) -> bool:
    """expr's ``==``: numbers compare by value across int/float, other kinds must match exactly."""
    if is_number(left) and is_number(right):
        return bool(left == right)
    if type_name(left) != type_name(right):
        return False
    if isinstance(left, list | tuple):
        return len(left) == len(right) and all(equal(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, Mapping):
        return left.keys() == right.keys() and all(equal(left[k], right[k]) for k in left)
    return bool(left == right)


_ORDERED: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def compare(operator: str, left: Any, right: Any) -> bool:
    """``<``, ``>``, ``<=``, ``>=`` on numbers, strings, times or durations."""
    if (
        (is_number(left) and is_number(right))
        or (isinstance(left, str) and isinstance(right, str))
        or (isinstance(left, timedelta) and isinstance(right, timedelta))
    ):
        return _ORDERED[operator](left, right)
    if isinstance(left, datetime) and isinstance(right, datetime):
        return _ORDERED[operator](utc(left), utc(right))
    raise invalid(operator, left, right)


def member_of(needle: Any, haystack: Any) -> bool:
    """``needle in haystack`` for arrays (by ==) and maps (by key)."""
    if isinstance(haystack, list | tuple):
        return any(equal(needle, item) for item in haystack)
    if isinstance(haystack, Mapping):
        return needle in haystack if isinstance(needle, str | int | float | bool | None) else False
    if haystack is None:
        return False
    raise ExpressionError(f"operator in not defined on {type_name(haystack)}")


def strings_only(operator: str, left: Any, right: Any) -> tuple[str, str]:
    if isinstance(left, str) and isinstance(right, str):
        return left, right
    raise invalid(operator, left, right)


def contains(left: Any, right: Any) -> bool:
    text, part = strings_only("contains", left, right)
    return part in text


def starts_with(left: Any, right: Any) -> bool:
    text, part = strings_only("startsWith", left, right)
    return text.startswith(part)


def ends_with(left: Any, right: Any) -> bool:
    text, part = strings_only("endsWith", left, right)
    return text.endswith(part)


@lru_cache(maxsize=512)
def regex(pattern: str) -> re.Pattern[str]:
    """Compile a Go (RE2) regular expression; Python's syntax covers the common subset."""
    try:
        return re.compile(pattern)
    except re.error as error:
        raise ExpressionError(f"error parsing regexp: {error}: `{pattern}`") from None


def matches(left: Any, right: Any) -> bool:
    text, pattern = strings_only("matches", left, right)
    return regex(pattern).search(text) is not None


def to_int(value: Any) -> int:
    """An index or count: ints, and floats truncated, as expr's ToInt does."""
    if isinstance(value, bool) or not is_number(value):
        raise ExpressionError(f"invalid operation: cannot use {type_name(value)} as index")
    return int(value)


def fetch(container: Any, key: Any) -> Any:
    """``container.key`` / ``container[key]``: map lookups yield nil when the key is absent."""
    if isinstance(container, Mapping):
        return container.get(key) if isinstance(key, str | int | float | bool) else None
    if isinstance(container, list | tuple | str):
        index = to_int(key)
        length = len(container)
        if index < 0:
            index += length
        if not 0 <= index < length:
            raise ExpressionError(f"index out of range: {index} (array length is {length})")
        return container[index]
    if isinstance(container, datetime | timedelta) and isinstance(key, str):
        method = METHODS.get((type(container) is timedelta, key))
        if method is not None:
            return lambda *args: method(container, *args)
    raise ExpressionError(f"cannot fetch {key} from {type_name(container)}")


def slice_of(container: Any, start: Any, stop: Any) -> Any:
    if not isinstance(container, list | tuple | str):
        raise ExpressionError(f"cannot slice {type_name(container)}")
    length = len(container)
    low = 0 if start is None else to_int(start)
    high = length if stop is None else to_int(stop)
    low = max(low + length if low < 0 else low, 0)
    high = min(max(high + length if high < 0 else high, 0), length)
    return container[min(low, high) : high]


def make_range(start: Any, stop: Any) -> list[int]:
    if isinstance(start, int) and isinstance(stop, int) and not isinstance(start, bool | float):
        return list(range(start, stop + 1))
    raise invalid("..", start, stop)


def _seconds(value: timedelta) -> float:
    return value.total_seconds()


# Go methods reachable on times and durations, keyed by (is a duration, name).
METHODS: dict[tuple[bool, str], Callable[..., Any]] = {
    (True, "Seconds"): _seconds,
    (True, "Minutes"): lambda d: _seconds(d) / 60,
    (True, "Hours"): lambda d: _seconds(d) / 3600,
    (True, "Milliseconds"): lambda d: int(_seconds(d) * 1000),
    (True, "String"): format_duration,
    (False, "Year"): lambda t: t.year,
    (False, "Month"): lambda t: t.month,
    (False, "Day"): lambda t: t.day,
    (False, "Hour"): lambda t: t.hour,
    (False, "Minute"): lambda t: t.minute,
    (False, "Second"): lambda t: t.second,
    (False, "Weekday"): lambda t: (t.weekday() + 1) % 7,
    (False, "YearDay"): lambda t: t.timetuple().tm_yday,
    (False, "Unix"): lambda t: int(utc(t).timestamp()),
    (False, "Format"): format_time,
    (False, "UTC"): lambda t: utc(t).astimezone(UTC),
    (False, "Sub"): lambda t, other: utc(t) - utc(other),
    (False, "Add"): lambda t, d: t + d,
    (False, "After"): lambda t, other: utc(t) > utc(other),
    (False, "Before"): lambda t, other: utc(t) < utc(other),
}
