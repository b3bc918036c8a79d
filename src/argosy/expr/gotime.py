"""Go's time layouts ("2006-01-02T15:04:05Z07:00") and durations ("1h30m"), for dates in expressions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from argosy.errors import ExpressionError

RFC3339 = "2006-01-02T15:04:05Z07:00"
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")  # fmt: skip
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# Longest first where one token is a prefix of another, as Go's layout scanner decides.
_TOKENS = (
    "January", "Jan", "Monday", "Mon", "MST", "2006", "002", "01", "02", "03", "04", "05", "06", "_2",
    "15", "1", "2", "3", "4", "5", "PM", "pm", "-07:00:00", "-0700", "-07:00", "-07",
    "Z07:00:00", "Z0700", "Z07:00", "Z07",
)  # fmt: skip
_FRACTION = re.compile(r"[.,](0+|9+)(?!\d)")
_DURATION = re.compile(r"(\d*\.?\d*)(ns|us|µs|μs|ms|s|m|h)")
_UNITS = {"ns": 1e-3, "us": 1.0, "µs": 1.0, "μs": 1.0, "ms": 1e3, "s": 1e6, "m": 6e7, "h": 3.6e9}


@lru_cache(maxsize=256)
def layout_chunks(layout: str) -> tuple[tuple[bool, str], ...]:
    """Split a Go layout into (is a token, text) pieces."""
    chunks: list[tuple[bool, str]] = []
    literal, pos = "", 0
    while pos < len(layout):
        fraction = _FRACTION.match(layout, pos)
        token = fraction.group(0) if fraction else next((t for t in _TOKENS if layout.startswith(t, pos)), "")
        if token:
            if literal:
                chunks.append((False, literal))
                literal = ""
            chunks.append((True, token))
            pos += len(token)
        else:
            literal += layout[pos]
            pos += 1
    if literal:
        chunks.append((False, literal))
    return tuple(chunks)


def _zone(value: datetime, token: str) -> str:
    offset = value.utcoffset() or timedelta(0)
    if token.startswith("Z") and not offset:
        return "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    body = token.lstrip("Z-")
    if body == "07":
        return f"{sign}{hours:02d}"
    if body == "0700":
        return f"{sign}{hours:02d}{minutes:02d}"
    if body == "07:00:00":
        return f"{sign}{hours:02d}:{minutes:02d}:00"
    return f"{sign}{hours:02d}:{minutes:02d}"


def _format_token(value: datetime, token: str) -> str:
    hour12 = value.hour % 12 or 12
    simple = {
        "January": _MONTHS[value.month - 1], "Jan": _MONTHS[value.month - 1][:3],
        "Monday": _DAYS[value.weekday()], "Mon": _DAYS[value.weekday()][:3],
        "MST": value.tzname() or "UTC", "2006": f"{value.year:04d}", "06": f"{value.year % 100:02d}",
        "01": f"{value.month:02d}", "1": str(value.month), "02": f"{value.day:02d}", "_2": f"{value.day:2d}",
        "2": str(value.day), "002": f"{value.timetuple().tm_yday:03d}", "15": f"{value.hour:02d}",
        "03": f"{hour12:02d}", "3": str(hour12), "04": f"{value.minute:02d}", "4": str(value.minute),
        "05": f"{value.second:02d}", "5": str(value.second), "PM": "PM" if value.hour >= 12 else "AM",
        "pm": "pm" if value.hour >= 12 else "am",
    }  # fmt: skip
    if token in simple:
        return simple[token]
    if token[0] in ".,":
        digits = f"{value.microsecond:06d}000"[: len(token) - 1]
        if token[1] == "9":
            digits = digits.rstrip("0")
            return token[0] + digits if digits else ""
        return token[0] + digits
    return _zone(value, token)


def format_time(value: datetime, layout: str) -> str:
    """``time.Time.Format(layout)``."""
    return "".join(
        _format_token(value, text) if is_token else text for is_token, text in layout_chunks(layout)
    )


_STRPTIME = {
    "January": "%B", "Jan": "%b", "Monday": "%A", "Mon": "%a", "MST": "%Z", "2006": "%Y", "06": "%y",
    "01": "%m", "1": "%m", "02": "%d", "_2": "%d", "2": "%d", "002": "%j", "15": "%H", "03": "%I",
    "3": "%I", "04": "%M", "4": "%M", "05": "%S", "5": "%S", "PM": "%p", "pm": "%p",
}  # fmt: skip


def parse_time(text: str, layout: str, zone: object = UTC) -> datetime:
    """``time.ParseInLocation(layout, text, zone)`` for the common layout tokens."""
    pattern = []
    for is_token, chunk in layout_chunks(layout):
        if not is_token:
            pattern.append(chunk.replace("%", "%%"))
        elif chunk in _STRPTIME:
            pattern.append(_STRPTIME[chunk])
        elif chunk[0] in ".,":
            pattern.append(chunk[0] + "%f")
        else:
            pattern.append("%z")
    try:
        parsed = datetime.strptime(text, "".join(pattern))
    except ValueError as error:
        raise ExpressionError(f'parsing time "{text}" as "{layout}": {error}') from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)  # type: ignore[arg-type]


def parse_duration(text: str) -> timedelta:
    """``time.ParseDuration``: "300ms", "-1.5h", "2h45m"."""
    body = text[1:] if text[:1] in "+-" else text
    if body == "0":
        return timedelta(0)
    total, pos = 0.0, 0
    while pos < len(body):
        match = _DURATION.match(body, pos)
        if not match or match.group(1) in ("", "."):
            raise ExpressionError(f'time: invalid duration "{text}"')
        total += float(match.group(1)) * _UNITS[match.group(2)]
        pos = match.end()
    if not body:
        raise ExpressionError(f'time: invalid duration "{text}"')
    return timedelta(microseconds=-total if text.startswith("-") else total)


def utc(value: datetime) -> datetime:
    """A naive time read as UTC, so naive and aware times can be compared."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
