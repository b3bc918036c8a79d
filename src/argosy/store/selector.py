"""Kubernetes label and field selectors, parsed once into requirements.

Label selectors use Kubernetes' syntax (``labels.Parse``): comma-separated requirements that
must all hold, each one of ``key``, ``!key``, ``key=value`` (or ``==``), ``key!=value``,
``key in (a,b)``, ``key notin (a,b)``, ``key>N``, ``key<N``. As in Kubernetes, ``!=`` and
``notin`` also match objects without the key. Backends turn requirements into queries;
``matches`` evaluates them in memory (a watch stream filtering changes).

Field selectors accept what Argo's server filters workflows by: ``metadata.name``,
``metadata.namespace``, ``metadata.uid`` and ``status.phase``, with ``=``, ``==`` or ``!=``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from argosy.errors import ListOptionsError

Operator = Literal["exists", "!exists", "in", "notin", "gt", "lt"]

#: Kubernetes' qualified name: an optional DNS-subdomain prefix and '/', then a name
_NAME = r"[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_KEY_RE = re.compile(rf"(?:[a-z0-9](?:[-a-z0-9.]{{0,251}}[a-z0-9])?/)?{_NAME}")
_VALUE_RE = re.compile(rf"(?:{_NAME})?")
_INT_RE = re.compile(r"-?[0-9]+")
#: tokens: punctuation, or a run of anything else that is not space or punctuation
_TOKEN_RE = re.compile(r"\s*(==|!=|[=!<>(),]|[^\s=!<>(),]+)")

FIELDS = ("metadata.name", "metadata.namespace", "metadata.uid", "status.phase")


@dataclass(frozen=True, slots=True)
class Requirement:
    """One label requirement; ``=`` is ``in`` with one value and ``!=`` is ``notin``."""

    key: str
    op: Operator
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        value = labels.get(self.key)
        if self.op == "exists":
            return value is not None
        if self.op == "!exists":
            return value is None
        if self.op == "in":
            return value is not None and value in self.values
        if self.op == "notin":
            return value is None or value not in self.values
        if value is None or not _INT_RE.fullmatch(value):
            return False
        return int(value) > int(self.values[0]) if self.op == "gt" else int(value) < int(self.values[0])


@dataclass(frozen=True, slots=True)
class FieldRequirement:
    """One field requirement: ``field`` equals (or, ``negate``, differs from) ``value``."""

    field: str
    value: str
    negate: bool = False


def matches(requirements: tuple[Requirement, ...], labels: Mapping[str, str]) -> bool:
    """True when ``labels`` satisfy every requirement."""
    return all(r.matches(labels) for r in requirements)


def _fail(selector: str, reason: str) -> ListOptionsError:
    return ListOptionsError(f"listOptions.labelSelector: unable to parse requirement {selector!r}: {reason}")


def parse_label_selector(selector: str | None) -> tuple[Requirement, ...]:
    """Parse a label selector; an empty one selects everything."""
    if not selector or not selector.strip():
        return ()
    tokens: list[str] = []
    pos = 0
    text = selector.rstrip()
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None:  # only trailing space is left
            break
        tokens.append(m.group(1))
        pos = m.end()
    out: list[Requirement] = []
    i = 0

    def take() -> str | None:
        nonlocal i
        tok = tokens[i] if i < len(tokens) else None
        i += 1
        return tok

    def key(tok: str | None) -> str:
        if tok is None or not _KEY_RE.fullmatch(tok) or len(tok.rpartition("/")[2]) > 63:
            raise _fail(selector, f"invalid label key {tok!r}" if tok else "a label key is missing")
        return tok

    def value(tok: str) -> str:
        if not _VALUE_RE.fullmatch(tok) or len(tok) > 63:
            raise _fail(selector, f"invalid label value {tok!r}: at most 63 characters, alphanumerics, "
                                  "'-', '_' or '.', starting and ending with an alphanumeric")
        return tok

    while True:
        tok = take()
        if tok == "!":
            out.append(Requirement(key(take()), "!exists"))
        else:
            k = key(tok)
            nxt = tokens[i] if i < len(tokens) else None
            if nxt is None or nxt == ",":
                out.append(Requirement(k, "exists"))
            elif nxt in ("=", "==", "!="):
                i += 1
                after = tokens[i] if i < len(tokens) else None
                v = ""
                if after is not None and after != ",":
                    v = value(after)
                    i += 1
                out.append(Requirement(k, "notin" if nxt == "!=" else "in", (v,)))
            elif nxt in (">", "<"):
                i += 1
                v = take()
                if v is None or not _INT_RE.fullmatch(v):
                    raise _fail(selector, f"{k}{nxt} needs an integer value")
                out.append(Requirement(k, "gt" if nxt == ">" else "lt", (v,)))
            elif nxt in ("in", "notin"):
                i += 1
                if take() != "(":
                    raise _fail(selector, f"'(' expected after {nxt!r}")
                values: list[str] = []
                while True:
                    v = take()
                    if v is None:
                        raise _fail(selector, "')' expected")
                    if v in (",", ")"):
                        values.append("")  # an empty value, as Kubernetes allows
                    else:
                        values.append(value(v))
                        v = take()
                    if v == ")":
                        break
                    if v != ",":
                        raise _fail(selector, f"',' or ')' expected, found {v!r}")
                out.append(Requirement(k, nxt, tuple(dict.fromkeys(values))))  # type: ignore[arg-type]
            else:
                raise _fail(selector, f"found {nxt!r}, expected one of '=', '==', '!=', 'in', 'notin', "
                                      "'<', '>', ','")
        sep = take()
        if sep is None:
            return tuple(out)
        if sep != ",":
            raise _fail(selector, f"found {sep!r}, expected ','")


def parse_field_selector(selector: str | None) -> tuple[FieldRequirement, ...]:
    """Parse a field selector of the fields workflows are filtered by."""
    if not selector or not selector.strip():
        return ()
    out: list[FieldRequirement] = []
    for term in selector.split(","):
        term = term.strip()
        m = re.fullmatch(r"([A-Za-z.]+)\s*(==|!=|=)\s*(.*)", term)
        if m is None:
            raise ListOptionsError(f"listOptions.fieldSelector: invalid selector {term!r}: "
                                   "expected FIELD=VALUE, FIELD==VALUE or FIELD!=VALUE")
        name, op, value = m.groups()
        if name not in FIELDS:
            raise ListOptionsError(f"listOptions.fieldSelector: field {name!r} is not supported "
                                   f"(supported: {', '.join(FIELDS)})")
        out.append(FieldRequirement(name, value.strip(), negate=op == "!="))
    return tuple(out)
