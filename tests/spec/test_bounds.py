"""Hostile input fails fast with a message naming the file, never a crash or a MemoryError.

Each case is a file a hostile (or careless) user could hand ``argosy run``; each must be
refused while loading, in bounded memory, with the exact message below.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from argosy.errors import SpecError
from argosy.lint import lint_paths
from argosy.spec import load_file, load_text
from argosy.spec.bounds import MAX_MANIFEST_BYTES, MAX_NESTING_DEPTH

HEAD = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: bomb}\n"


def billion_laughs() -> str:
    lines = ['  l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    return HEAD + "spec:\n" + "\n".join(lines) + "\n  arguments: {parameters: [{name: p, value: *l9}]}\n"


def repeated_long_string() -> str:
    # few aliases, but each stands for a 100 KB string: 10,000 of them are 1 GB as JSON
    return HEAD + f'spec:\n  a: &a "{"x" * 100_000}"\n  b: [{", ".join(["*a"] * 10_000)}]\n'


DEEP = MAX_NESTING_DEPTH + 1
TOO_DEEP = f"mappings and lists are nested more than {MAX_NESTING_DEPTH} levels deep"
EXPANDS = 'YAML aliases expand this document to more than 8 MiB (a "billion laughs" document?)'

CASES: list[tuple[str, str, str | None, str]] = [
    # (id, text, field, reason)
    ("billion-laughs", billion_laughs(), None, EXPANDS),
    ("aliased-long-string", repeated_long_string(), None, EXPANDS),
    ("recursive-alias", HEAD + "spec: &s {x: *s}\n", None,
     "a YAML alias refers to a mapping or list that contains it"),
    ("100k-flow-brackets", HEAD + "spec:\n  x: " + "[" * 100_000 + "]" * 100_000 + "\n",
     "line 5, column 104", TOO_DEEP),
    ("unclosed-flow-brackets", HEAD + "spec: " + "[" * 100_000 + "\n", "line 4, column 106", TOO_DEEP),
    ("deep-block-sequences", HEAD + "spec:\n  x:\n  " + "- " * 50_000 + "x\n", "line 6, column 199", TOO_DEEP),
    ("deep-flow-maps", HEAD + "spec:\n  x: " + "{a: " * 20_000 + "1" + "}" * 20_000 + "\n",
     "line 5, column 398", TOO_DEEP),
    ("deep-block-maps", HEAD + "spec:\n" + "".join(" " * i + "a:\n" for i in range(1, DEEP + 5)),
     "line 104, column 101", TOO_DEEP),
    ("deep-json", '{"apiVersion": "v1", "kind": "Workflow", "spec": ' + "[" * 100_000 + "]" * 100_000 + "}",
     None, TOO_DEEP),
    ("json-past-the-limit", '{"apiVersion": "v1", "kind": "Workflow", "spec": ' + "[" * DEEP + "]" * DEEP + "}",
     None, TOO_DEEP),
    ("aliases-nest-past-the-limit",
     HEAD + "spec:\n  a: &a " + "[" * 60 + "]" * 60 + "\n  b: &b " + "[" * 30 + "*a" + "]" * 30
     + "\n  c: " + "[" * 30 + "*b" + "]" * 30 + "\n", None, TOO_DEEP),
    ("duplicate-key", HEAD + "spec:\n  entrypoint: a\n  templates: []\n  entrypoint: b\n", "line 7, column 3",
     "duplicate key 'entrypoint' in a mapping (first set on line 5)"),
    ("duplicate-key-in-flow-map", HEAD + "spec: {templates: [{name: a, name: b}]}\n", "line 4, column 30",
     "duplicate key 'name' in a mapping (first set on line 4)"),
    ("duplicate-key-in-json", '{"apiVersion": "v1", "kind": "Workflow", "spec": {"a": 1, "a": 2}}', None,
     "duplicate key 'a' in a mapping"),
    ("binary-tag", HEAD + "spec: {x: !!binary aGVsbG8=}\n", "line 4, column 11",
     "invalid YAML: tag tag:yaml.org,2002:binary has no JSON form"),
    ("set-tag", HEAD + "spec: !!set {a, b}\n", "line 4, column 7",
     "invalid YAML: tag tag:yaml.org,2002:set has no JSON form"),
    ("bad-int-tag", HEAD + "spec: {x: !!int abc}\n", None,
     "invalid YAML: invalid literal for int() with base 10: 'abc'"),
]


@pytest.mark.parametrize(("text", "field", "reason"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_hostile_input_is_refused_with_a_message(text: str, field: str | None, reason: str) -> None:
    with pytest.raises(SpecError) as caught:
        load_text(text, "bomb.yaml")
    assert (caught.value.location.file, caught.value.location.field, caught.value.reason) == (
        "bomb.yaml", field, reason
    )


@pytest.mark.parametrize(
    "text",
    [
        HEAD + "spec:\n  x: " + "[" * (MAX_NESTING_DEPTH - 4) + "]" * (MAX_NESTING_DEPTH - 4) + "\n",
        '{"apiVersion": "v1", "kind": "W", "spec": ' + "[" * 90 + "]" * 90 + "}",
        # merge keys may override what they merge: not a duplicate
        HEAD + "spec:\n  base: &base {a: 1, b: 2}\n  x:\n    <<: *base\n    a: 3\n",
        # a few aliases of a small value are fine
        HEAD + "spec:\n  a: &a {image: alpine}\n  b: [*a, *a, *a]\n",
        # dates stay strings, even with an explicit tag
        HEAD + "spec: {when: !!timestamp 2024-01-02}\n",
    ],
    ids=["nesting-at-the-limit", "json-below-the-limit", "merge-key-override", "few-aliases", "timestamp"],
)
def test_legal_input_still_loads(text: str) -> None:
    [manifest] = load_text(text, "ok.yaml")
    assert manifest.kind in ("Workflow", "W")


def test_merge_key_override_keeps_the_own_value() -> None:
    [m] = load_text(HEAD + "spec:\n  base: &base {a: 1, b: 2}\n  x:\n    <<: *base\n    a: 3\n")
    assert m.body["spec"]["x"] == {"a": 3, "b": 2}


def test_first_merged_mapping_wins() -> None:
    [m] = load_text(HEAD + "spec:\n  a: &a {x: 1, y: 1}\n  b: &b {x: 2, z: 2}\n  c: {<<: [*a, *b]}\n")
    assert m.body["spec"]["c"] == {"x": 1, "y": 1, "z": 2}


def test_repeated_merge_keys_stay_linear() -> None:
    # each mapping merges the previous one nine times: PyYAML alone builds 9¹¹ entries
    lines = ["  m0: &m0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9}"]
    for i in range(1, 12):
        lines.append(f"  m{i}: &m{i}\n    <<: [" + ", ".join([f"*m{i - 1}"] * 9) + f"]\n    k{i}: {i}")
    [m] = load_text(HEAD + "spec:\n" + "\n".join(lines) + "\n")
    assert m.body["spec"]["m11"] == {**m.body["spec"]["m10"], "k11": 11}
    assert len(m.body["spec"]["m11"]) == 9 + 11


def test_oversized_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as f:
        f.truncate(MAX_MANIFEST_BYTES + 1)  # sparse: nothing is written, nothing need be read
    with pytest.raises(SpecError) as caught:
        load_file(big)
    assert str(caught.value) == (
        f"{big}: manifest is 8,388,609 bytes, more than the 8 MiB Argosy reads "
        "(Kubernetes itself refuses objects over 3 MiB)"
    )
    assert [str(p) for p in lint_paths([big])] == [str(caught.value)]


def test_oversized_text_is_refused() -> None:
    with pytest.raises(SpecError, match="more than the 8 MiB Argosy reads"):
        load_text("#" * (MAX_MANIFEST_BYTES + 1), "big.yaml")
