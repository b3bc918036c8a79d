"""How sprig converts values (its ``strval``, ``toInt64``, ``toFloat64``, ``empty``), Go-style."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from argosy.errors import ExpressionError
from argosy.goformat import format_v, is_number

_INTEGER = re.compile(r"[+-]?(0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO]?[0-7_]*|[1-9][0-9_]*)")


def strval(value: Any) -> str:
    """sprig's ``strval``: strings as they are, anything else as Go's ``%v``."""
    return value if isinstance(value, str) else format_v(value)


def to_int64(value: Any) -> int:
    """``cast.ToInt64``: numbers truncate, bools are 0/1, strings parse in any Go base, else 0."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        return 0 if math.isnan(value) or math.isinf(value) else int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        text = value.replace("_", "")
        sign = -1 if text.startswith("-") else 1
        body = text.lstrip("+-")
        if len(body) > 1 and body[0] == "0" and body[1].isdigit():
            return sign * int(body, 8)
        return sign * int(body, 0)
    return 0


def to_float64(value: Any) -> float:
    """``cast.ToFloat64``: numbers widen, bools are 0/1, strings parse, anything else is 0."""
    if is_number(value) or isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value) if value.strip() == value and "_" not in value else 0.0
        except ValueError:
            return 0.0
    return 0.0


def empty(value: Any) -> bool:
    """sprig's ``empty``: nil, zero numbers, false, and empty strings, lists and maps."""
    if value is None:
        return True
    if isinstance(value, str | list | tuple | Mapping):
        return len(value) == 0
    if isinstance(value, bool):
        return not value
    if is_number(value):
        return value == 0
    return False


def as_list(value: Any, name: str) -> list[Any]:
    if isinstance(value, list | tuple):
        return list(value)
    raise ExpressionError(f"Cannot find {name} on type {type(value).__name__}")


def as_dict(value: Any, name: str) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    raise ExpressionError(f"{name}: expected a dict, got {format_v(value)}")
