"""Limits on what one manifest file may hold, checked while loading it.

A manifest is untrusted input: a shared server (and ``argosy run`` before it) must answer
a hostile file with a message, in bounded memory and time, never a crash. The limits:

- **size**: a file over ``MAX_MANIFEST_BYTES`` is refused before it is parsed. Kubernetes
  refuses request bodies over 3 MiB (etcd stores 1.5 MiB per object), so no workflow that
  runs on Argo comes near it; below it, loading and linting stay linear in the size.
- **nesting**: mappings and lists nested deeper than ``MAX_NESTING_DEPTH``. PyYAML's C
  composer recurses on the C stack (100,000 nested ``[`` crash the process) and Python's
  JSON decoder, ``copy.deepcopy`` and every recursive walk of a spec raise RecursionError
  long before that. The depth is measured on libyaml's event stream (an iterative parser)
  before anything is composed; Argo's own manifests nest about a dozen levels.
- **loops**: one ``withItems``/``withParam``/``withSequence`` expands to at most
  ``MAX_LOOP_ITEMS`` items (lint checks literal counts; the engine checks the rest).
- **aliases**: YAML anchors let a small file stand for an exponentially large document
  ("billion laughs"), or repeat a long string thousands of times. Loading shares the aliased
  objects, so the harm comes later, when something copies or serializes them. A document
  whose aliases expand it past the size limit (measured as the JSON it would serialize to),
  or that contains itself, is refused: counted on the shared graph, each distinct object
  once, so the count itself costs no memory.
"""

from __future__ import annotations

from typing import Any

import yaml

from argosy.errors import Location, SpecError

MAX_MANIFEST_BYTES = 8 * 1024 * 1024
MAX_NESTING_DEPTH = 100
#: The most items one ``withItems``/``withParam``/``withSequence`` may expand to: each item
#: is a node held in memory and persisted, so a count in the billions must fail the loop
#: with a message, not exhaust memory building the list.
MAX_LOOP_ITEMS = 100_000

_OPEN_EVENTS = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE_EVENTS = (yaml.MappingEndEvent, yaml.SequenceEndEvent)


def check_size(size: int, source: str | None) -> None:
    """Refuse a manifest of ``size`` bytes (or characters) over the limit, before parsing it."""
    if size > MAX_MANIFEST_BYTES:
        raise SpecError(
            f"manifest is {size:,} bytes, more than the {_mib(MAX_MANIFEST_BYTES)} Argosy reads "
            "(Kubernetes itself refuses objects over 3 MiB)",
            Location(file=source),
        )


def might_nest_too_deep(text: str) -> bool:
    """A cheap, safe over-estimate: False only if ``text`` cannot nest deeper than the limit.

    Every flow collection opens with ``[`` or ``{``; a block collection is either more
    indented than its parent or (a sequence under a mapping key) level with it, so it
    nests at most two levels per column of leading ``-`` and spaces.
    """
    flow = text.count("[") + text.count("{")
    if flow > MAX_NESTING_DEPTH:
        return True
    widest = 0
    for line in text.splitlines():
        stripped = line.lstrip(" -")
        widest = max(widest, len(line) - len(stripped))
    return flow + 2 * (widest + 1) > MAX_NESTING_DEPTH


def check_yaml_nesting(text: str, loader: type, source: str | None) -> None:
    """Refuse YAML nested deeper than the limit, reading libyaml's events (no recursion)."""
    if not might_nest_too_deep(text):
        return
    depth = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, _OPEN_EVENTS):
            depth += 1
            if depth > MAX_NESTING_DEPTH:
                mark = event.start_mark
                raise too_deep(source, f"line {mark.line + 1}, column {mark.column + 1}")
        elif isinstance(event, _CLOSE_EVENTS):
            depth -= 1


def too_deep(source: str | None, field: str | None = None) -> SpecError:
    """The error for a document nested deeper than ``MAX_NESTING_DEPTH``."""
    return SpecError(
        f"mappings and lists are nested more than {MAX_NESTING_DEPTH} levels deep",
        Location(file=source, field=field),
    )


def check_graph(document: Any, source: str | None, index: int) -> None:
    """Refuse a decoded document that nests too deep, expands too far, or contains itself.

    Walks each distinct list and mapping once (aliases share objects), iteratively, keeping
    per object its expanded size and depth: time and memory stay linear in the file.
    """
    where = Location(file=source, field=f"document {index}" if index else None)
    sizes: dict[int, tuple[int, int]] = {}  # id -> (expanded JSON size, depth)
    on_path: set[int] = set()
    # (container, children iterator); a container's totals are known once its iterator ends
    stack: list[tuple[Any, Any]] = []

    def enter(value: Any) -> None:
        if id(value) in on_path:
            raise SpecError("a YAML alias refers to a mapping or list that contains it", where)
        on_path.add(id(value))
        if len(on_path) > MAX_NESTING_DEPTH:
            raise too_deep(source, where.field)
        stack.append((value, iter(value.values() if isinstance(value, dict) else value)))

    if not isinstance(document, (dict, list)):
        return
    enter(document)
    while stack:
        container, children = stack[-1]
        for child in children:
            if isinstance(child, (dict, list)) and id(child) not in sizes:
                enter(child)
                break
        else:
            stack.pop()
            on_path.discard(id(container))
            values = container.values() if isinstance(container, dict) else container
            size, depth = 2, 1
            if isinstance(container, dict):
                size += sum(_json_size(key) + 2 for key in container)
            for child in values:
                if isinstance(child, (dict, list)):
                    child_size, child_depth = sizes[id(child)]
                    size += child_size + 1
                    depth = max(depth, child_depth + 1)
                else:
                    size += _json_size(child) + 1
            if size > MAX_MANIFEST_BYTES:
                raise SpecError(
                    f"YAML aliases expand this document to more than {_mib(MAX_MANIFEST_BYTES)} "
                    "(a \"billion laughs\" document?)",
                    where,
                )
            if depth > MAX_NESTING_DEPTH:
                raise too_deep(source, where.field)
            sizes[id(container)] = (size, depth)


def loop_size_problem(field: str, count: int) -> str | None:
    """Why a loop of ``count`` items may not run, or None."""
    if count <= MAX_LOOP_ITEMS:
        return None
    return (
        f"{field} expands to {count:,} items, more than the {MAX_LOOP_ITEMS:,} "
        "one loop may have (see Limits in Argosy's README)"
    )


def _json_size(value: Any) -> int:
    """About the length of ``value`` as JSON (exact for strings without escapes)."""
    if isinstance(value, str):
        return len(value) + 2
    return 5 if value is None or isinstance(value, bool) else len(str(value))


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MiB".replace(".0 MiB", " MiB")
