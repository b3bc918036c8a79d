"""Go's ways of printing values: ``fmt``'s ``%v``, ``encoding/json``, ``strconv`` and times.

The one place Argosy turns a value into the text Go would print: expressions (``%v`` and
``json.Marshal``), parameters (Argo's ``AnyString``: YAML ``2.0`` is ``"2"``), loop items,
and status timestamps (RFC 3339, whole seconds). Matching Go byte for byte keeps substituted
strings and node names identical to Argo's. It sits beside ``errors.py``, below every room,
so ``spec`` (the lowest room) can use it too.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any

from argosy.errors import ExpressionError

_HTML_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def is_number(value: Any) -> bool:
    """True for ints and floats but not bools (Python's bool is an int, Go's is not)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _shortest(value: float) -> tuple[str, int]:
    """The shortest round-trip digits of ``value`` and where the decimal point goes."""
    digits = "".join(str(d) for d in Decimal(repr(abs(value))).normalize().as_tuple().digits)
    exponent = Decimal(repr(abs(value))).normalize().as_tuple().exponent
    return digits, len(digits) + int(exponent)


def _exponent_form(sign: str, digits: str, point: int, clean_negative: bool) -> str:
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    exponent = point - 1
    width = 1 if clean_negative and exponent < 0 else 2
    return f"{sign}{mantissa}e{'-' if exponent < 0 else '+'}{str(abs(exponent)).zfill(width)}"


def _plain_form(sign: str, digits: str, point: int) -> str:
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return sign + digits + "0" * (point - len(digits))
    return f"{sign}{digits[:point]}.{digits[point:]}"


def format_float_v(value: float) -> str:
    """A float64 printed with ``%v`` (strconv 'g', shortest): 2, 0.5, 1e+06, 1.5e-07."""
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    sign = "-" if math.copysign(1, value) < 0 else ""
    if value == 0:
        return sign + "0"
    digits, point = _shortest(value)
    if point - 1 < -4 or point - 1 >= 6:
        return _exponent_form(sign, digits, point, clean_negative=False)
    return _plain_form(sign, digits, point)


def format_float_json(value: float) -> str:
    """A float64 as ``encoding/json`` writes it: plain decimals, exponent only outside [1e-6, 1e21)."""
    if math.isinf(value) or math.isnan(value):
        raise ExpressionError(f"json: unsupported value: {format_float_v(value)}")
    sign = "-" if value < 0 else ""
    if value == 0:
        return "0"
    digits, point = _shortest(value)
    if abs(value) < 1e-6 or abs(value) >= 1e21:
        return _exponent_form(sign, digits, point, clean_negative=True)
    return _plain_form(sign, digits, point)


def format_duration(value: timedelta) -> str:
    """A duration as Go's ``time.Duration.String`` writes it (1h2m3s, 1.5s, 0s)."""
    micros = (value.days * 86400 + value.seconds) * 1_000_000 + value.microseconds
    if micros == 0:
        return "0s"
    sign = "-" if micros < 0 else ""
    micros = abs(micros)
    if micros < 1_000_000:
        if micros < 1000:
            return f"{sign}{micros}µs"
        return f"{sign}{_trim_fraction(micros / 1000)}ms"
    hours, rest = divmod(micros, 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    seconds = _trim_fraction(rest / 1_000_000)
    text = f"{seconds}s"
    if hours or minutes:
        text = f"{minutes}m{text}"
    if hours:
        text = f"{hours}h{text}"
    return sign + text


def _trim_fraction(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".")


def format_v(value: Any) -> str:
    """``fmt.Sprintf("%v", value)`` for JSON-like values, times and durations."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return format_float_v(value)
    if isinstance(value, list | tuple):
        return "[" + " ".join(format_v(v) for v in value) + "]"
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda kv: str(kv[0]))
        return "map[" + " ".join(f"{format_v(k)}:{format_v(v)}" for k, v in items) + "]"
    if isinstance(value, datetime):
        return _format_time(value)
    if isinstance(value, timedelta):
        return format_duration(value)
    return str(value)


def _format_time(value: datetime) -> str:
    offset = value.utcoffset()
    if offset is None:
        return value.strftime("%Y-%m-%d %H:%M:%S") + _fraction(value) + " +0000 UTC"
    zone = value.strftime("%z")
    name = value.tzname() or ""
    if name.startswith(("UTC+", "UTC-")) or not name:
        name = zone
    return value.strftime("%Y-%m-%d %H:%M:%S") + _fraction(value) + f" {zone} {name}"


def _fraction(value: datetime) -> str:
    return ("." + f"{value.microsecond:06d}".rstrip("0")) if value.microsecond else ""


def to_json(value: Any, indent: str = "") -> str:
    """``json.Marshal(value)`` (or ``MarshalIndent`` with ``indent``): keys sorted, HTML escaped like Go."""
    return "".join(_json_parts(value, indent, "\n" if indent else ""))


def _json_parts(value: Any, indent: str, newline: str) -> Iterator[str]:
    colon = ": " if indent else ":"
    if value is None:
        yield "null"
    elif isinstance(value, bool):
        yield "true" if value else "false"
    elif isinstance(value, int):
        yield str(value)
    elif isinstance(value, float):
        yield format_float_json(value)
    elif isinstance(value, str):
        yield json_string(value)
    elif isinstance(value, list | tuple | dict) and not value:
        yield "[]" if isinstance(value, list | tuple) else "{}"
    elif isinstance(value, list | tuple | dict):
        inner = newline + indent if newline else ""
        opening, closing = ("[", "]") if isinstance(value, list | tuple) else ("{", "}")
        yield opening
        keys = range(len(value)) if isinstance(value, list | tuple) else sorted(value, key=str)
        for index, key in enumerate(keys):
            yield ("," if index else "") + inner
            if isinstance(value, dict):
                yield json_string(str(key)) + colon
            yield from _json_parts(value[key], indent, inner)
        yield newline + closing
    elif isinstance(value, datetime):
        yield json_string(format_rfc3339(value))
    elif isinstance(value, timedelta):
        yield str(round(value.total_seconds() * 1e9))
    else:
        raise ExpressionError(f"json: unsupported type: {type(value).__name__}")


def format_rfc3339(value: datetime) -> str:
    """A time as RFC 3339 with Go's shortest fractional seconds, Z for UTC."""
    text = value.strftime("%Y-%m-%dT%H:%M:%S") + _fraction(value)
    offset = value.utcoffset()
    if not offset:
        return text + "Z"
    zone = value.strftime("%z")
    return f"{text}{zone[:3]}:{zone[3:]}"


def json_string(text: str) -> str:
    """A JSON string literal escaped the way Go escapes it."""
    encoded = json.dumps(text, ensure_ascii=False)
    for char, escape in _HTML_ESCAPES.items():
        if char in encoded:
            encoded = encoded.replace(char, escape)
    return encoded


def from_json(text: str) -> Any:
    """``json.Unmarshal`` into ``any``: every number becomes a float64, as in Go."""
    try:
        return json.loads(text, parse_int=float, parse_constant=_reject_constant)
    except (ValueError, TypeError) as error:
        raise ExpressionError(f"invalid JSON: {error}") from None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid character {name!r}")


def any_string(value: Any) -> str | None:
    """A scalar as Argo's ``AnyString`` reads it: ``5`` → "5", ``2.0`` → "2", ``True`` → "true".

    Floats print as Go's ``strconv.FormatFloat(v, 'f', -1, 64)``: shortest digits, never an
    exponent.
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return str(value)
        text = format(Decimal(repr(value)), "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        return text or "0"
    if isinstance(value, str):
        return value
    return str(value)


def parameter_string(value: Any) -> str:
    """A parameter value as Argo holds it: scalars as ``AnyString``, maps and lists as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    if value is None:
        return ""
    return any_string(value) or ""


def format_seconds(value: float) -> str:
    """A number of seconds as Go's ``%v`` of a float64 prints it (``12``, ``0.5``)."""
    return format_float_v(float(value))


def format_rfc3339_seconds(ts: float) -> str:
    """Seconds since the epoch as Argo's status timestamps (UTC, whole seconds, ``Z``)."""
    return _rfc3339_second(int(ts))


@lru_cache(maxsize=4096)
def _rfc3339_second(second: int) -> str:
    return datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text: str) -> float:
    """An Argo status timestamp (``2024-01-02T03:04:05Z``, fraction or offset allowed) as epoch seconds."""
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def rfc3339_epoch(text: Any) -> float | None:
    """:func:`parse_rfc3339` of a timestamp read from a stored or received object: None for
    none or a malformed one."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return parse_rfc3339(text)
    except ValueError:
        return None


def strftime_variables(prefix: str, text: str) -> dict[str, str]:
    """``PREFIX.Y``, ``PREFIX.m`` ... (Go's strftime letters), ``PREFIX.s`` and ``PREFIX.RFC3339`` of a timestamp."""
    out = {prefix: text, f"{prefix}.RFC3339": text}
    try:
        ts = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return out
    for char in "aAbBcCdDeFgGhHIjklmMnprRsStTuUVwWxXyYzZ":
        out[f"{prefix}.{char}"] = ts.strftime(f"%{char}") if char != "s" else str(int(ts.timestamp()))
    return out


def format_item(value: Any) -> str:
    """A loop item's value as ``{{item}}`` reads it: scalars as Go prints them, maps and lists as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    if value is None:
        return ""
    return str(value)


def format_item_v(value: Any) -> str:
    """A loop item as ``fmt``'s ``%v`` prints it inside a node name (``[a b]``, ``map[k:v]``)."""
    if isinstance(value, list):
        return "[" + " ".join(format_item_v(v) for v in value) + "]"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{format_item_v(value[k])}" for k in sorted(value)) + "]"
    return format_item(value)


def humanize_duration(seconds: float) -> str:
    """A wait as Argo's messages word it (``Backoff for 10 seconds``, ``... for 2 minutes``)."""
    if seconds < 60:
        s = int(seconds)
        return f"{s} second{'s' if s != 1 else ''}"
    m = int(seconds // 60)
    return f"{m} minute{'s' if m != 1 else ''}"
