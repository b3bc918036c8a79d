"""Read manifests from YAML or JSON text, files and directories, and write them back.

Bodies stay plain dicts exactly as the user wrote them, so unknown and future fields
survive a load → dump round trip. The YAML loader is PyYAML's C loader with one change:
timestamps stay strings, as they do for Kubernetes (Go's YAML → JSON conversion).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

import yaml

from argosy.errors import Location, SpecError
from argosy.spec.manifest import Manifest

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _Loader(yaml.CSafeLoader):
    """CSafeLoader without the timestamp resolver: dates stay strings as in Kubernetes."""

    yaml_implicit_resolvers: ClassVar[dict[str, list[Any]]] = {
        first: [r for r in resolvers if r[0] != _TIMESTAMP]
        for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
    }


class _Dumper(yaml.CSafeDumper):
    """CSafeDumper that writes multi-line strings as block scalars, the way people write them."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and not value.startswith(" ") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def load_text(text: str, source: str | None = None) -> list[Manifest]:
    """Every object in ``text`` (JSON, or YAML with ``---`` separated documents)."""
    documents = _parse(text, source)
    manifests: list[Manifest] = []
    for index, document in enumerate(documents):
        if document is None:
            continue
        for body in _expand_list(document, source, index):
            manifests.append(manifest_from_body(body, source, index))
    return manifests


def load_file(path: str | os.PathLike[str]) -> list[Manifest]:
    """Every object in one file."""
    name = os.fspath(path)
    try:
        with open(name, encoding="utf-8") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError(f"cannot read file: {e}", Location(file=name)) from e
    return load_text(text, name)


def manifest_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[str]:
    """The files ``paths`` name: files as given, directories walked for *.yaml, *.yml, *.json."""
    for path in paths:
        name = os.fspath(path)
        if os.path.isdir(name):
            for root, dirs, files in os.walk(name):
                dirs.sort()
                for file in sorted(files):
                    if file.endswith(MANIFEST_SUFFIXES):
                        yield os.path.join(root, file)
        elif os.path.exists(name):
            yield name
        else:
            raise SpecError("no such file or directory", Location(file=name))


def load_paths(paths: Iterable[str | os.PathLike[str]]) -> list[Manifest]:
    """Every object in the given files and directories (recursively), in path order."""
    manifests: list[Manifest] = []
    for file in manifest_files(paths):
        manifests.extend(load_file(file))
    return manifests


def manifest_from_body(body: Any, source: str | None = None, index: int = 0) -> Manifest:
    """Wrap one decoded object; it must be a mapping with ``apiVersion`` and ``kind``."""
    where = Location(file=source, field=f"document {index}" if index else None)
    if not isinstance(body, dict):
        raise SpecError(f"expected a Kubernetes object (a mapping), got {_type_name(body)}", where)
    missing = [key for key in ("apiVersion", "kind") if not body.get(key)]
    if missing:
        raise SpecError(f"not a Kubernetes object: missing {' and '.join(missing)}", where)
    kind = body["kind"]
    if not isinstance(kind, str):
        raise SpecError(f"kind must be a string, got {_type_name(kind)}", where)
    metadata = body.get("metadata")
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise SpecError(f"metadata must be a mapping, got {_type_name(metadata)}", where)
    name = metadata.get("name")
    generate_name = metadata.get("generateName")
    namespace = metadata.get("namespace")
    return Manifest(
        kind=kind,
        name=str(name) if name is not None else None,
        namespace=str(namespace) if namespace is not None else None,
        body=body,
        source=source,
        index=index,
        generate_name=str(generate_name) if generate_name is not None else None,
        api_version=str(body["apiVersion"]),
    )


def is_kubernetes_object(document: Any) -> bool:
    """Whether a decoded document looks like a Kubernetes object at all (has apiVersion or kind)."""
    return isinstance(document, dict) and ("apiVersion" in document or "kind" in document)


def parse_documents(text: str, source: str | None = None) -> list[Any]:
    """The decoded documents of ``text``, without checking they are Kubernetes objects."""
    return _parse(text, source)


def dump(objects: Iterable[Manifest | dict[str, Any]]) -> str:
    """YAML for ``objects``, ``---`` separated, keys in their original order."""
    bodies = [o.body if isinstance(o, Manifest) else o for o in objects]
    return yaml.dump_all(bodies, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=10_000)


def _parse(text: str, source: str | None) -> list[Any]:
    json_error: json.JSONDecodeError | None = None
    if text.lstrip().startswith(("{", "[")):
        try:
            return [json.loads(text)]
        except json.JSONDecodeError as e:
            # YAML flow style also starts with "{": report the JSON error only if YAML fails too.
            json_error = e
    try:
        return list(yaml.load_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as e:
        if json_error is not None:
            where = f"line {json_error.lineno}, column {json_error.colno}"
            raise SpecError(f"invalid JSON: {json_error.msg}", Location(file=source, field=where)) from e
        mark = e.problem_mark or e.context_mark
        field = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = " ".join(p for p in (e.context, e.problem) if p)
        raise SpecError(f"invalid YAML: {problem}", Location(file=source, field=field)) from e
    except yaml.YAMLError as e:
        raise SpecError(f"invalid YAML: {e}", Location(file=source)) from e


def _expand_list(document: Any, source: str | None, index: int) -> list[Any]:
    """A ``kind: List`` (as ``kubectl get -o yaml`` writes) stands for its items."""
    if isinstance(document, dict) and document.get("kind") == "List" and "items" in document:
        items = document["items"]
        if not isinstance(items, list):
            raise SpecError("List items must be a list", Location(file=source, kind="List"))
        return items
    return [document]


def _type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", type(None): "null"}.get(
        type(value), type(value).__name__
    )
