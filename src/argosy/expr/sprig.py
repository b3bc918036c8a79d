"""The sprig template functions Argo exposes as ``sprig.<name>`` (all but ``env``/``expandenv``)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import random
import re
import string
import uuid
import zlib
from collections.abc import Callable
from typing import Any

from argosy.errors import ExpressionError
from argosy.expr.runtime import regex
from argosy.expr.sprig_collections import COLLECTIONS
from argosy.expr.sprig_values import empty, strval, to_float64, to_int64
from argosy.goformat import json_string, to_json


def _go_quote(text: str) -> str:
    """Go's ``%q``: a double-quoted string with Go escapes."""
    escaped = json_string(text)
    for escape, char in (("\\u003c", "<"), ("\\u003e", ">"), ("\\u0026", "&")):
        escaped = escaped.replace(escape, char)
    return escaped


def _title(text: Any) -> str:
    return re.sub(r"(^|\s)(\S)", lambda m: m.group(1) + m.group(2).upper(), strval(text))


def _untitle(text: Any) -> str:
    return re.sub(r"(^|\s)(\S)", lambda m: m.group(1) + m.group(2).lower(), strval(text))


def _substr(start: Any, end: Any, text: Any) -> str:
    text, low, high = strval(text), to_int64(start), to_int64(end)
    if low < 0:
        return text[:high]
    if high < 0 or high > len(text):
        return text[low:]
    return text[low:high]


def _trunc(count: Any, text: Any) -> str:
    text, size = strval(text), to_int64(count)
    if size < 0 and len(text) + size > 0:
        return text[len(text) + size :]
    if size >= 0 and len(text) > size:
        return text[:size]
    return text


def _abbrev(width: Any, text: Any) -> str:
    text, size = strval(text), to_int64(width)
    if size < 4 or len(text) <= size:
        return text
    return text[: size - 3] + "..."


def _abbrev_both(offset: int, width: int, text: str) -> str:
    """goutils.AbbreviateFull: abbreviate on both ends around ``offset``."""
    if width < 4 or len(text) <= width:
        return text
    offset = min(offset, len(text) - (width - 3))
    if offset <= 4:
        return text[: width - 3] + "..."
    if offset + width - 3 < len(text):
        return "..." + _abbrev(width - 3, text[offset:])
    return "..." + text[len(text) - (width - 3) :]


def _indent(spaces: Any, text: Any) -> str:
    pad = " " * to_int64(spaces)
    return pad + strval(text).replace("\n", "\n" + pad)


def _words(text: Any) -> list[str]:
    return re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+", strval(text))


def _camelcase(text: Any) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[_\s-]+", strval(text)))


def _random(alphabet: str) -> Callable[[Any], str]:
    return lambda count: "".join(random.choice(alphabet) for _ in range(to_int64(count)))


def _go_replacement(template: Any) -> str:
    """Go's ``$1``/``${name}`` replacement syntax as Python's ``\\g<...>``."""
    text = strval(template).replace("\\", "\\\\")
    text = re.sub(r"\$\{(\w+)\}", r"\\g<\1>", text)
    return re.sub(r"\$(\d+|[A-Za-z_]\w*)", r"\\g<\1>", text).replace("$$", "$")


def _regex_find_all(pattern: Any, text: Any, count: Any) -> list[str]:
    found = [m.group(0) for m in regex(strval(pattern)).finditer(strval(text))]
    limit = to_int64(count)
    return found if limit < 0 else found[:limit]


def _regex_find(pattern: Any, text: Any) -> str:
    found = regex(strval(pattern)).search(strval(text))
    return found.group(0) if found else ""


def _regex_split(pattern: Any, text: Any, count: Any) -> list[str]:
    limit = to_int64(count)
    if limit == 0:
        return []
    return regex(strval(pattern)).split(strval(text), maxsplit=max(limit - 1, 0))


def _b64dec(text: Any) -> str:
    try:
        return base64.b64decode(strval(text), validate=True).decode("utf-8", "replace")
    except binascii.Error as error:
        return str(error)


def _b32dec(text: Any) -> str:
    try:
        return base64.b32decode(strval(text)).decode("utf-8", "replace")
    except binascii.Error as error:
        return str(error)


def _from_json(text: Any, must: bool = False) -> Any:
    try:
        return json.loads(strval(text), parse_int=float)
    except ValueError as error:
        if must:
            raise ExpressionError(f"fromJson: {error}") from None
        return ""


def _fail(message: Any) -> str:
    raise ExpressionError(strval(message))


def _seq(*params: Any) -> str:
    numbers = [to_int64(p) for p in params]
    if len(numbers) == 1:
        start, step, end = 1, 1 if numbers[0] >= 1 else -1, numbers[0]
    elif len(numbers) == 2:
        start, end = numbers
        step = 1 if end >= start else -1
    elif len(numbers) == 3:
        start, step, end = numbers
    else:
        return ""
    if step == 0 or (end - start) * step < 0:
        return ""
    return " ".join(str(i) for i in range(start, end + (1 if step > 0 else -1), step))


def _split(separator: Any, text: Any, count: int = -1) -> dict[str, str]:
    parts = strval(text).split(strval(separator), count - 1 if count > 0 else -1)
    return {f"_{index}": part for index, part in enumerate(parts)}


STRINGS: dict[str, Callable[..., Any]] = {
    "hello": lambda: "Hello!",
    "abbrev": _abbrev,
    "abbrevboth": lambda left, right, text: _abbrev_both(to_int64(left), to_int64(right), strval(text)),
    "trunc": _trunc,
    "trim": lambda s: strval(s).strip(),
    "upper": lambda s: strval(s).upper(),
    "lower": lambda s: strval(s).lower(),
    "title": _title,
    "untitle": _untitle,
    "substr": _substr,
    "repeat": lambda count, s: strval(s) * max(to_int64(count), 0),
    "trimall": lambda cut, s: strval(s).strip(strval(cut)),
    "trimAll": lambda cut, s: strval(s).strip(strval(cut)),
    "trimSuffix": lambda suffix, s: strval(s).removesuffix(strval(suffix)),
    "trimPrefix": lambda prefix, s: strval(s).removeprefix(strval(prefix)),
    "nospace": lambda s: re.sub(r"\s", "", strval(s)),
    "initials": lambda s: "".join(word[0] for word in strval(s).split()),
    "randAlphaNum": _random(string.ascii_letters + string.digits),
    "randAlpha": _random(string.ascii_letters),
    "randAscii": _random("".join(chr(c) for c in range(32, 127))),
    "randNumeric": _random(string.digits),
    "swapcase": lambda s: strval(s).swapcase(),
    "shuffle": lambda s: "".join(random.sample(strval(s), len(strval(s)))),
    "snakecase": lambda s: "_".join(word.lower() for word in _words(s)),
    "camelcase": _camelcase,
    "kebabcase": lambda s: "-".join(word.lower() for word in _words(s)),
    "wrap": lambda width, s: _wrap(to_int64(width), strval(s), "\n"),
    "wrapWith": lambda width, sep, s: _wrap(to_int64(width), strval(s), strval(sep)),
    "contains": lambda sub, s: strval(sub) in strval(s),
    "hasPrefix": lambda prefix, s: strval(s).startswith(strval(prefix)),
    "hasSuffix": lambda suffix, s: strval(s).endswith(strval(suffix)),
    "quote": lambda *values: " ".join(_go_quote(strval(v)) for v in values if v is not None),
    "squote": lambda *values: " ".join(f"'{strval(v)}'" for v in values if v is not None),
    "cat": lambda *values: " ".join(strval(v) for v in values if v is not None),
    "indent": _indent,
    "nindent": lambda spaces, text: "\n" + _indent(spaces, text),
    "replace": lambda old, new, s: strval(s).replace(strval(old), strval(new)),
    "plural": lambda one, many, count: strval(one) if to_int64(count) == 1 else strval(many),
    "sha1sum": lambda s: hashlib.sha1(strval(s).encode()).hexdigest(),
    "sha256sum": lambda s: hashlib.sha256(strval(s).encode()).hexdigest(),
    "sha512sum": lambda s: hashlib.sha512(strval(s).encode()).hexdigest(),
    "adler32sum": lambda s: str(zlib.adler32(strval(s).encode())),
    "toString": strval,
    "atoi": lambda s: to_int64(s) if re.fullmatch(r"[+-]?\d+", strval(s)) else 0,
    "int64": to_int64,
    "int": to_int64,
    "float64": to_float64,
    "seq": _seq,
    "split": _split,
    "splitList": lambda sep, s: strval(s).split(strval(sep)) if strval(sep) else list(strval(s)),
    "splitn": lambda sep, count, s: _split(sep, s, to_int64(count)),
    "toStrings": lambda values: [strval(v) for v in values],
    "join": lambda sep, values: strval(sep).join(
        strval(v) for v in (values if isinstance(values, list | tuple) else [values]) if v is not None
    ),
    "default": lambda default, *given: default if not given or empty(given[0]) else given[0],
    "empty": empty,
    "coalesce": lambda *values: next((v for v in values if not empty(v)), None),
    "all": lambda *values: all(not empty(v) for v in values),
    "any": lambda *values: any(not empty(v) for v in values),
    "fromJson": _from_json,
    "mustFromJson": lambda text: _from_json(text, must=True),
    "toJson": to_json,
    "mustToJson": to_json,
    "toPrettyJson": lambda v: to_json(v, "  "),
    "mustToPrettyJson": lambda v: to_json(v, "  "),
    "toRawJson": lambda v: _go_quote_free_json(v),
    "mustToRawJson": lambda v: _go_quote_free_json(v),
    "ternary": lambda if_true, if_false, condition: if_true if condition is True else if_false,
    "b64enc": lambda s: base64.b64encode(strval(s).encode()).decode(),
    "b64dec": _b64dec,
    "b32enc": lambda s: base64.b32encode(strval(s).encode()).decode(),
    "b32dec": _b32dec,
    "uuidv4": lambda: str(uuid.uuid4()),
    "fail": _fail,
    "regexMatch": lambda pattern, s: regex(strval(pattern)).search(strval(s)) is not None,
    "mustRegexMatch": lambda pattern, s: regex(strval(pattern)).search(strval(s)) is not None,
    "regexFindAll": _regex_find_all,
    "mustRegexFindAll": _regex_find_all,
    "regexFind": _regex_find,
    "regexReplaceAll": lambda pattern, s, repl: regex(strval(pattern)).sub(_go_replacement(repl), strval(s)),
    "regexReplaceAllLiteral": lambda pattern, s, repl: regex(strval(pattern)).sub(
        lambda _: strval(repl), strval(s)
    ),
    "regexSplit": _regex_split,
    "regexQuoteMeta": lambda s: re.sub(r"([\\.+*?()|\[\]{}^$])", r"\\\1", strval(s)),
    "typeOf": lambda v: _go_type(v),
    "kindOf": lambda v: _go_kind(v),
    "typeIs": lambda name, v: _go_type(v) == strval(name),
    "kindIs": lambda name, v: _go_kind(v) == strval(name),
    "deepEqual": lambda a, b: a == b and type(a) is type(b),
    "toDecimal": lambda v: _octal(v),
}


def _octal(value: Any) -> int:
    try:
        return int(strval(value), 8)
    except ValueError:
        return 0


def _wrap(width: int, text: str, separator: str) -> str:
    lines: list[str] = []
    for line in text.split("\n"):
        words, current = line.split(" "), ""
        for word in words:
            if current and len(current) + 1 + len(word) > width:
                lines.append(current)
                current = word
            else:
                current = f"{current} {word}" if current else word
        lines.append(current)
    return separator.join(lines)


def _go_quote_free_json(value: Any) -> str:
    text = to_json(value)
    for escape, char in (("\\u003c", "<"), ("\\u003e", ">"), ("\\u0026", "&")):
        text = text.replace(escape, char)
    return text


def _go_type(value: Any) -> str:
    names = {bool: "bool", int: "int64", float: "float64", str: "string", list: "[]interface {}",
             dict: "map[string]interface {}"}  # fmt: skip
    return "<nil>" if value is None else names.get(type(value), type(value).__name__)


def _go_kind(value: Any) -> str:
    kinds = {bool: "bool", int: "int64", float: "float64", str: "string", list: "slice", dict: "map"}
    return "invalid" if value is None else kinds.get(type(value), "struct")


SPRIG: dict[str, Callable[..., Any]] = {**STRINGS, **COLLECTIONS}
