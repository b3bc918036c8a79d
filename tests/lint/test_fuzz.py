"""A seeded fuzz: mangled corpus files through load and lint raise nothing but SpecError.

Text mutations (truncations, dropped, doubled or re-indented lines, stray YAML syntax)
exercise the loader; structural ones (a value replaced by one of another type, a key
dropped, a value wrapped in or unwrapped from a list) exercise every check of lint. Any
other exception, or lint's own "cannot check this object" safety net, is a bug.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from argosy.errors import SpecError
from argosy.lint import lint_objects
from argosy.spec import dump, load_text

ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path("/work/shared/conformance/argo-examples")
FILES = sorted(CORPUS.rglob("*.yaml")) + sorted((ROOT / "examples").glob("*.yaml"))
ROUNDS = 300
STRAY = ["[", "{", "]", "}", ":", "- ", "&a ", "*a", "!!int ", "\t", "'", '"', "\n  ", "? ", "|", "%", "@", "#"]
VALUES: list[Any] = [
    None, "", "x", 0, -1, -(10**30), 3.5, 1e308, True, [], {}, ["a"], {"a": 1}, {1: 2}, [None], [[]], [{}],
    {"name": 1}, "{{", "{{=", "{{x}}", "{{=x}}", "{{inputs.parameters.x}}", "1s", "a\nb", {"name": "{{"},
    [{"name": "a"}, {"name": "a"}],
]


def mangle_text(rng: random.Random, text: str) -> str:
    lines = text.splitlines(True)
    i = rng.randrange(len(lines))
    at = rng.randrange(len(text) + 1)
    return [
        lambda: text[:at],
        lambda: "".join(lines[:i] + lines[i + 1:]),
        lambda: "".join(lines[: i + 1] + lines[i:]),
        lambda: "".join(lines[:i] + [" " + lines[i]] + lines[i + 1:]),
        lambda: text[:at] + rng.choice(STRAY) + text[at:],
        lambda: text[:at] + text[at + rng.randrange(20):],
    ][rng.randrange(6)]()


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        yield from _paths(child, (*prefix, key))


def mangle_body(rng: random.Random, body: dict[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(body)
    *parents, key = rng.choice(list(_paths(body))[1:])
    parent: Any = body
    for step in parents:
        parent = parent[step]
    choice = rng.randrange(3)
    if choice == 0:
        parent[key] = copy.deepcopy(rng.choice(VALUES))
    elif choice == 1:
        del parent[key]
    else:
        value = parent[key]
        parent[key] = (value[0] if value else {}) if isinstance(value, list) else [value]
    return body


def lint_problems(text: str) -> list[SpecError]:
    try:
        manifests = load_text(text, "fuzz.yaml")
    except SpecError:
        return []
    problems = lint_objects(manifests)
    assert all(isinstance(p, SpecError) for p in problems)
    assert not [p for p in problems if "cannot check this object" in p.reason]
    return problems


@pytest.mark.skipif(not CORPUS.is_dir(), reason="conformance corpus not present")
@pytest.mark.parametrize("seed", [1, 2])
def test_mangled_corpus_gets_messages_never_exceptions(seed: int) -> None:
    rng = random.Random(seed)
    texts = [f.read_text() for f in FILES if f.name != "k8s-patch-json-workflow.yaml"]  # a duplicate key
    found = 0
    for _ in range(ROUNDS):
        text = rng.choice(texts)
        if rng.random() < 0.5:
            found += bool(lint_problems(mangle_text(rng, text)))
            continue
        manifests = load_text(text, "fuzz.yaml")
        body = rng.choice(manifests).body
        for _ in range(1 + rng.randrange(3)):
            body = mangle_body(rng, body)
        found += bool(lint_problems(dump([body])))
    assert found > ROUNDS // 10  # the mutations do reach lint's checks


@pytest.mark.skipif(not CORPUS.is_dir(), reason="conformance corpus not present")
def test_mangled_referenced_templates_get_messages_never_exceptions() -> None:
    # A workflow is linted with the (Cluster)WorkflowTemplates it refers to: when one of those
    # is malformed, only that one gets problems; the checks reading it must not crash.
    rng = random.Random(3)
    texts = [f.read_text() for f in FILES if f.name != "k8s-patch-json-workflow.yaml"]
    library = [m for t in texts for m in load_text(t, "lib.yaml")
               if m.kind in ("WorkflowTemplate", "ClusterWorkflowTemplate")]
    for _ in range(ROUNDS // 2):
        i = rng.randrange(len(library))
        body = library[i].body
        for _ in range(1 + rng.randrange(3)):
            body = mangle_body(rng, body)
        try:
            mangled = load_text(dump([body]), "lib.yaml")
        except SpecError:
            continue
        referrers = [t for t in texts if f"name: {library[i].name}" in t] or texts
        problems = lint_objects(load_text(rng.choice(referrers), "fuzz.yaml") + library[:i] + mangled + library[i + 1:])
        assert not [p for p in problems if "cannot check this object" in p.reason]
