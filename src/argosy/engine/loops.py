"""Loops: ``withItems``, ``withParam`` and ``withSequence`` expansion, Argo's node names.

Each item becomes a copy of the step/task with ``{{item}}`` / ``{{item.key}}``
substituted, named ``name(INDEX:DESCRIPTION)`` exactly as Argo names it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from argosy.engine.scope import chain
from argosy.errors import ArgosyError, LoopError
from argosy.expr import evaluate_when, substitute, substitute_object
from argosy.goformat import format_item, format_item_v
from argosy.spec.bounds import loop_size_problem


def check_loop_size(field: str, count: int) -> None:
    """Refuse a loop of more than ``MAX_LOOP_ITEMS`` items, before it is built."""
    problem = loop_size_problem(field, count)
    if problem:
        raise LoopError(problem)


def item_name(name: str, index: int, item: Any) -> str:
    """Argo's generateNodeName: ``name(index:description)``."""
    if isinstance(item, dict):
        desc = ",".join(sorted(f"{k}:{format_item_v(v)}" for k, v in item.items()))
    elif isinstance(item, list):
        desc = format_item_v(item)
    else:
        desc = format_item(item)
    desc = desc.replace("(", "").replace(")", "")
    return f"{name}({index}:{desc})"


def item_scope(item: Any) -> dict[str, Any]:
    """``item`` and ``item.KEY`` as a loop body sees them."""
    if isinstance(item, dict):
        scope: dict[str, Any] = {f"item.{k}": format_item(v) for k, v in item.items()}
        scope["item"] = json.dumps(item, separators=(",", ":"))
        return scope
    if isinstance(item, list):
        return {"item": json.dumps(item, separators=(",", ":"))}
    return {"item": format_item(item)}


def sequence(seq: Mapping[str, Any]) -> list[str]:
    """``withSequence`` items (``start``, ``end`` or ``count``, ``format``)."""
    try:
        start = int(str(seq.get("start", 0)))
        if "end" in seq:
            end = int(str(seq["end"]))
        elif "count" in seq:
            count = int(str(seq["count"]))
            if count == 0:
                return []
            end = start + count - 1
        else:
            raise LoopError("neither end nor count was specified in withSequence")
    except ValueError as err:
        raise LoopError(f"withSequence: {err}") from None
    check_loop_size("withSequence", abs(end - start) + 1)
    fmt = seq.get("format") or "%d"
    step = 1 if start <= end else -1
    return [_printf(fmt, i) for i in range(start, end + step, step)]


def _printf(fmt: str, value: int) -> str:
    try:
        return fmt % value
    except (TypeError, ValueError):
        return str(value)


def loop_items(holder: Mapping[str, Any]) -> list[Any] | None:
    """The items a step/task loops over, or None if it is not a loop."""
    # Argo loops only over a non-empty withItems: an empty one runs the step once, as written
    if holder.get("withItems"):
        check_loop_size("withItems", len(holder["withItems"]))
        return list(holder["withItems"])
    if holder.get("withParam") not in (None, ""):
        raw = holder["withParam"]
        if isinstance(raw, list):
            check_loop_size("withParam", len(raw))
            return raw
        try:
            items = json.loads(raw)
        except RecursionError:
            raise LoopError("withParam value is nested too deeply to parse") from None
        except (ValueError, TypeError):
            raise LoopError(
                f"withParam value could not be parsed as a JSON list: {str(raw).strip()}"
            ) from None
        if items is None:  # Go decodes JSON null into an empty list
            return []
        if not isinstance(items, list):
            raise LoopError(f"withParam value could not be parsed as a JSON list: {str(raw).strip()}")
        check_loop_size("withParam", len(items))
        return items
    if holder.get("withSequence") is not None:
        return sequence(holder["withSequence"])
    return None


def expand(holder: dict[str, Any], items: list[Any], scope: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Copies of ``holder``, one per item, each with its Argo node-name suffix."""
    body = {k: v for k, v in holder.items() if k not in ("withItems", "withParam", "withSequence")}
    out = []
    for i, item in enumerate(items):
        if not isinstance(item, (str, int, float, bool, dict, list)):
            raise LoopError(f"withItems[{i}] expected string, number, list, or map. received: {item}")
        expanded = substitute_object(body, chain(item_scope(item), scope))
        out.append((item_name(holder["name"], i, item), expanded))
    return out


def when_allows(when: Any) -> tuple[bool, str | None]:
    """Evaluate an already substituted ``when``: (proceed, error message)."""
    if when in (None, ""):
        return True, None
    try:
        return bool(evaluate_when(str(when))), None
    except ArgosyError as err:
        return False, str(err)


def when_false(holder: Mapping[str, Any], scope: Mapping[str, Any]) -> str | None:
    """The substituted ``when`` of a step/task if it surely evaluates false, else None.

    Argo decides ``when`` before it resolves the rest of a step/task: one that will not
    run is skipped even if its arguments or loop refer to outputs that do not exist.
    """
    when = holder.get("when")
    if when in (None, ""):
        return None
    try:
        text = substitute(str(when), scope)
    except ArgosyError:
        return None
    if "{{" in text:
        return None
    proceed, err = when_allows(text)
    return text if err is None and not proceed else None


def unresolved_reference(obj: Any) -> str | None:
    """The first ``{{steps.*}}``/``{{tasks.*}}`` left in ``obj``, if any (Argo's strict prefixes)."""
    if isinstance(obj, str):
        text = obj
    elif "{{" not in repr(obj):  # repr is all C: the common case costs no JSON encoding
        return None
    else:
        text = json.dumps(obj)
    for prefix in ("{{steps.", "{{tasks.", "{{ steps.", "{{ tasks."):
        i = text.find(prefix)
        if i >= 0:
            j = text.find("}}", i)
            return text[i : j + 2] if j > 0 else text[i:]
    return None


__all__ = [
    "check_loop_size",
    "expand",
    "item_name",
    "loop_items",
    "sequence",
    "unresolved_reference",
    "when_allows",
    "when_false",
]
