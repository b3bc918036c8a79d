"""Read manifests from YAML or JSON text, files and directories, and write them back.

Bodies stay plain dicts exactly as the user wrote them, so unknown and future fields
survive a load → dump round trip. The YAML loader is PyYAML's C loader with these changes, so
that what loads is JSON, as Kubernetes reads it (Go's YAML → JSON conversion, strict mode):
timestamps stay strings; a key given twice in one mapping is an error; tags with no JSON
form (``!!binary``, ``!!set``, ``!!omap``, ``!!pairs``) are refused. Hostile input is bounded
by ``argosy.spec.bounds`` (size, nesting, alias expansion).
"""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode

from argosy.errors import Location, SpecError
from argosy.spec import bounds
from argosy.spec.manifest import Manifest

MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")

_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"
_NOT_JSON = ("binary", "set", "omap", "pairs")


class DuplicateKeyError(ConstructorError):
    """A mapping sets one key twice (Kubernetes' strict decoding refuses it, so do we)."""

    def __init__(self, key: Any, first: yaml.Mark, again: yaml.Mark) -> None:
        super().__init__(None, None, f"duplicate key {key!r}", again)
        self.key = key
        self.first = first


class _Loader(yaml.CSafeLoader):
    """CSafeLoader that yields JSON: dates stay strings, duplicate keys and non-JSON tags fail."""

    yaml_implicit_resolvers: ClassVar[dict[str, list[Any]]] = {
        first: [r for r in resolvers if r[0] != _TIMESTAMP]
        for first, resolvers in yaml.CSafeLoader.yaml_implicit_resolvers.items()
    }

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._flattened: set[int] = set()

    def flatten_mapping(self, node: MappingNode) -> None:
        """Apply ``<<`` merge keys once per node, each key once, after checking for duplicates.

        PyYAML concatenates merged entries without removing repeats, so mappings that each
        merge the previous one nine times grow 9ⁿ entries long (a "billion laughs" that no
        alias count sees); keeping the last entry per key keeps it linear.
        """
        if id(node) in self._flattened:
            return
        self._flattened.add(id(node))
        seen: dict[Any, yaml.Mark] = {}
        for key_node, _value in node.value:
            if key_node.tag == _MERGE:  # ``<<: *base`` keys may be overridden, as in Go
                continue
            key = self.construct_object(key_node)
            try:
                first = seen.setdefault(key, key_node.start_mark)
            except TypeError:
                continue  # unhashable: the base constructor reports it
            if first is not key_node.start_mark:
                raise DuplicateKeyError(key, first, key_node.start_mark)
        super().flatten_mapping(node)
        entries: dict[Any, tuple[Any, Any]] = {}
        for key_node, value_node in node.value:
            scalar = isinstance(key_node, yaml.ScalarNode)
            entries[(key_node.tag, key_node.value) if scalar else id(key_node)] = (key_node, value_node)
        node.value = list(entries.values())


def _refuse_tag(loader: _Loader, node: Any) -> Any:
    raise ConstructorError(None, None, f"tag {node.tag} has no JSON form", node.start_mark)


# An explicit !!timestamp stays a string too, as every other date does.
_Loader.add_constructor(_TIMESTAMP, yaml.constructor.SafeConstructor.construct_yaml_str)
for _tag in _NOT_JSON:
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_tag)


class _Dumper(yaml.CSafeDumper):
    """CSafeDumper that writes multi-line strings as block scalars, the way people write them."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value and not value.startswith(" ") else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _represent_str)


def load_text(text: str, source: str | None = None) -> list[Manifest]:
    """Every object in ``text`` (JSON, or YAML with ``---`` separated documents)."""
    return manifests_from_documents(_parse(text, source), source)


def manifests_from_documents(documents: list[Any], source: str | None = None) -> list[Manifest]:
    """The objects in decoded documents (as ``parse_documents`` returns them)."""
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
    return load_text(read_manifest_file(name), name)


def read_manifest_file(name: str) -> str:
    """The text of one manifest file, refused before reading if it is over the size limit."""
    try:
        with open(name, "rb") as f:
            bounds.check_size(os.fstat(f.fileno()).st_size, name)
            # a FIFO or /dev/zero has no size: read one byte past the limit to know
            data = f.read(bounds.MAX_MANIFEST_BYTES + 1)
        bounds.check_size(len(data), name)
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        reason = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
        raise SpecError(f"cannot read file: {reason}", Location(file=name)) from None


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
    bounds.check_size(len(text), source)
    json_error: json.JSONDecodeError | None = None
    if text.lstrip().startswith(("{", "[")):
        try:
            document = json.loads(text, object_pairs_hook=_json_object)
        except _DuplicateJSONKey as e:
            raise SpecError(f"duplicate key {e.args[0]!r} in a mapping", Location(file=source)) from None
        except json.JSONDecodeError as e:
            # YAML flow style also starts with "{": report the JSON error only if YAML fails too.
            json_error = e
        except RecursionError:
            raise bounds.too_deep(source) from None
        else:
            if bounds.might_nest_too_deep(text):
                bounds.check_graph(document, source, 0)
            return [document]
    # The cyclic GC rescans the growing document on every pass while it is built, which
    # made loading superlinear (3x slower at 3 MB); a loaded document holds no cycles.
    collecting = gc.isenabled()
    gc.disable()
    try:
        bounds.check_yaml_nesting(text, _Loader, source)
        documents = list(yaml.load_all(text, Loader=_Loader))
    except DuplicateKeyError as e:
        mark, first = e.problem_mark, e.first
        raise SpecError(
            f"duplicate key {e.key!r} in a mapping (first set on line {first.line + 1})",
            Location(file=source, field=f"line {mark.line + 1}, column {mark.column + 1}" if mark else None),
        ) from None
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
    except (ValueError, TypeError, OverflowError) as e:
        # an explicit tag on a scalar it cannot convert: ``!!int abc``, ``!!float []``
        raise SpecError(f"invalid YAML: {e}", Location(file=source)) from None
    finally:
        if collecting:
            gc.enable()
    if "&" in text:  # only anchors can make aliases; without them the graph is a tree
        for index, document in enumerate(documents):
            bounds.check_graph(document, source, index)
    return documents


class _DuplicateJSONKey(Exception):
    pass


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key given twice (as strict decoding does)."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _value in pairs:
            if key in seen:
                raise _DuplicateJSONKey(key)
            seen.add(key)
    return obj


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
