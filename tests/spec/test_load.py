"""Loading manifests: every kind, YAML and JSON, multi-document files, directories, lossless."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from argosy.errors import SpecError
from argosy.spec import (
    Manifest,
    any_string,
    cron_schedules,
    dump,
    load_file,
    load_paths,
    load_text,
    mutexes,
    normalize_parameters,
    normalize_workflow_parameters,
    semaphores,
)

CORPUS = Path("/work/shared/conformance/argo-examples")
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="conformance corpus not present")

KINDS = [
    ("workflow", "Workflow"),
    ("workflow-template", "WorkflowTemplate"),
    ("cluster-workflow-template", "ClusterWorkflowTemplate"),
    ("cron-workflow", "CronWorkflow"),
    ("event-binding", "WorkflowEventBinding"),
    ("configmap", "ConfigMap"),
    ("secret", "Secret"),
]


@pytest.mark.parametrize("kind", [k for _, k in KINDS], ids=[i for i, _ in KINDS])
def test_every_kind_loads(kind: str) -> None:
    [m] = load_text(f"apiVersion: v1\nkind: {kind}\nmetadata: {{name: x, namespace: ns}}\n", "f.yaml")
    assert (m.kind, m.name, m.namespace, m.source, m.index) == (kind, "x", "ns", "f.yaml", 0)


def test_multi_document_keeps_document_index() -> None:
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: b}\n"
    assert [(m.kind, m.index) for m in load_text(text)] == [("ConfigMap", 0), ("Secret", 2)]


def test_generate_name_only() -> None:
    [m] = load_text("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {generateName: hello-}\n")
    assert (m.name, m.generate_name, m.display_name) == (None, "hello-", "hello-")


def test_json_loads() -> None:
    body = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {"name": "j"}, "spec": {}}
    [m] = load_text(json.dumps(body))
    assert m.body == body


def test_kind_list_expands_to_items() -> None:
    text = "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: a}}\n"
    assert [m.name for m in load_text(text)] == ["a"]


def test_directories_are_walked_recursively(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n")
    (tmp_path / "sub" / "b.yml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n")
    (tmp_path / "sub" / "c.json").write_text('{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "c"}}')
    (tmp_path / "notes.txt").write_text("not a manifest")
    assert [m.name for m in load_paths([tmp_path])] == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("text", "reason", "field"),
    [
        ("kind: Workflow\nspec: [\n", "invalid YAML: while parsing a flow node did not find expected node content",
         "line 3, column 1"),
        ("metadata: {name: x}\n", "not a Kubernetes object: missing apiVersion and kind", None),
        ("apiVersion: v1\nmetadata: {name: x}\n", "not a Kubernetes object: missing kind", None),
        ("- a\n- b\n", "expected a Kubernetes object (a mapping), got a list", None),
        ('{"apiVersion": "v1", "kind": ', "invalid JSON: Expecting value", "line 1, column 30"),
    ],
    ids=["bad-yaml", "no-kind", "missing-kind", "list", "bad-json"],
)
def test_bad_input_is_a_spec_error_naming_the_file(text: str, reason: str, field: str | None) -> None:
    with pytest.raises(SpecError) as caught:
        load_text(text, "bad.yaml")
    assert caught.value.reason == reason
    assert caught.value.location.file == "bad.yaml"
    assert caught.value.location.field == field


def test_missing_file_is_a_spec_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="no such file"):
        load_paths([tmp_path / "nope.yaml"])


def test_round_trip_keeps_unknown_fields_and_dates_as_strings() -> None:
    text = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: x}\n"
        "spec:\n  futureField: {deep: [1, 2.5, true, null]}\n  created: 2024-01-02\n"
        "  templates:\n  - name: main\n    podSpecPatch: |\n      a: b\n    plugin: {anything: {x: 1}}\n"
    )
    [m] = load_text(text)
    assert m.body["spec"]["created"] == "2024-01-02"
    [again] = load_text(dump([m]))
    assert again.body == m.body


@needs_corpus
def test_corpus_round_trips_losslessly() -> None:
    # k8s-patch-json-workflow.yaml sets a key twice: strict loading refuses it (tests/lint)
    files = [f for f in sorted(CORPUS.rglob("*.yaml")) if f.name != "k8s-patch-json-workflow.yaml"]
    manifests = [m for f in files for m in load_file(f)]
    assert len(manifests) > 200
    again = load_text(dump(manifests))
    assert [m.body for m in again] == [m.body for m in manifests]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(5, "5"), (5.0, "5"), (1.5, "1.5"), (0.1, "0.1"), (1e21, "1000000000000000000000"), (True, "true"),
     (False, "false"), ("x", "x"), (None, None)],
    ids=["int", "float-whole", "float", "tenth", "big", "true", "false", "string", "none"],
)
def test_any_string_stringifies_like_argo(value: object, expected: str | None) -> None:
    assert any_string(value) == expected


def test_numbers_where_strings_are_expected() -> None:
    [m] = load_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: x}\nspec:\n"
        "  arguments: {parameters: [{name: n, value: 5}, {name: b, value: true}, {name: e, enum: [1, 2]}]}\n"
        "  templates:\n  - name: main\n    inputs: {parameters: [{name: d, default: 1.5}]}\n"
        "    steps: [[{name: s, template: main, arguments: {parameters: [{name: d, value: 7}]}}]]\n"
    )
    normal = normalize_workflow_parameters(m.body)
    spec = normal["spec"]
    assert spec["arguments"]["parameters"] == [
        {"name": "n", "value": "5"}, {"name": "b", "value": "true"}, {"name": "e", "enum": ["1", "2"]}
    ]
    assert spec["templates"][0]["inputs"]["parameters"] == [{"name": "d", "default": "1.5"}]
    assert spec["templates"][0]["steps"][0][0]["arguments"]["parameters"] == [{"name": "d", "value": "7"}]
    assert m.body["spec"]["arguments"]["parameters"][0]["value"] == 5  # the loaded body is untouched
    assert normalize_parameters([{"name": "x", "value": 0}]) == [{"name": "x", "value": "0"}]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [({"schedule": "* * * * *"}, ["* * * * *"]),
     ({"schedules": ["0 1 * * *", "0 2 * * *"]}, ["0 1 * * *", "0 2 * * *"]),
     ({"schedule": "a", "schedules": ["b"]}, ["a", "b"]),
     ({}, [])],
    ids=["3.x", "4.x", "both", "none"],
)
def test_cron_schedules_in_both_spellings(spec: dict, expected: list[str]) -> None:
    assert cron_schedules(spec) == expected


def test_synchronization_in_both_spellings() -> None:
    old = {"mutex": {"name": "m"}, "semaphore": {"configMapKeyRef": {"name": "c", "key": "k"}}}
    new = {"mutexes": [{"name": "m"}], "semaphores": [{"configMapKeyRef": {"name": "c", "key": "k"}}]}
    assert mutexes(old) == mutexes(new) == [{"name": "m"}]
    assert semaphores(old) == semaphores(new) == [{"configMapKeyRef": {"name": "c", "key": "k"}}]
    assert mutexes(None) == []


def test_manifest_spec_defaults_to_empty() -> None:
    assert Manifest(kind="ConfigMap", name="x", namespace=None, body={}).spec == {}
