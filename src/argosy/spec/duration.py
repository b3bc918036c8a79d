"""Durations as Argo reads them: Go ``time.ParseDuration`` strings, or bare integers as seconds.

Argo's ``ParseStringToDuration`` (used for ``timeout``, ``suspend.duration``, retry backoff
``duration``/``maxDuration``/``cap``, ``podGC.deleteDelayDuration``) first tries an integer
string as seconds, then Go's duration syntax. Go has no day unit; neither does this.
"""

from __future__ import annotations

import re
from typing import Any

from argosy.errors import SpecError

_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,  # U+00B5 micro sign
    "μs": 1e-6,  # U+03BC Greek mu
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_NUMBER = re.compile(r"\d*\.?\d*")
_INTEGER = re.compile(r"[+-]?\d+")


def parse_go_duration(text: str) -> float:
    """Seconds in a Go duration string (``1h30m``, ``300ms``, ``-1.5s``, ``0``), with Go's errors."""
    original = text
    sign = 1.0
    if text and text[0] in "+-":
        sign = -1.0 if text[0] == "-" else 1.0
        text = text[1:]
    if text == "0":
        return 0.0
    if not text:
        raise SpecError(f'time: invalid duration "{original}"')
    total = 0.0
    while text:
        number = _NUMBER.match(text)
        if number is None or number.group(0) in ("", "."):
            raise SpecError(f'time: invalid duration "{original}"')
        text = text[number.end() :]
        unit_end = 0
        while unit_end < len(text) and not (text[unit_end] == "." or text[unit_end].isdigit()):
            unit_end += 1
        unit, text = text[:unit_end], text[unit_end:]
        if not unit:
            raise SpecError(f'time: missing unit in duration "{original}"')
        if unit not in _UNITS:
            raise SpecError(f'time: unknown unit "{unit}" in duration "{original}"')
        total += float(number.group(0)) * _UNITS[unit]
    return sign * total


def parse_duration(value: Any) -> float:
    """Seconds in an Argo duration field: ``10`` / ``"10"`` (seconds) or a Go duration string."""
    if isinstance(value, bool) or value is None:
        raise SpecError(f"unable to parse {value!r} as a duration")
    if isinstance(value, (int, float)):
        return float(value)
    if not isinstance(value, str):
        raise SpecError(f"unable to parse {value!r} as a duration")
    text = value.strip()
    if _INTEGER.fullmatch(text):
        return float(int(text))
    try:
        return parse_go_duration(text)
    except SpecError as e:
        raise SpecError(f"unable to parse {value} as a duration: {e.reason}") from None
