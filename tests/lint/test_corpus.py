"""Upstream's examples lint clean when linted together, as upstream lints them all."""

from __future__ import annotations

from pathlib import Path

import pytest

from argosy.lint import format_problems, lint_paths
from argosy.spec import load_text

CORPUS = Path("/work/shared/conformance/argo-examples")

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason="conformance corpus not present")


#: Upstream's one example that strict decoding (``argo lint``'s default) refuses: its
#: metadata sets ``annotations`` twice. Go's YAMLToJSONStrict and Argosy both report it.
DUPLICATE_KEYS = CORPUS / "k8s-patch-json-workflow.yaml"


def test_every_corpus_file_lints_clean_as_one_set() -> None:
    problems = lint_paths([str(CORPUS)])
    assert [str(p) for p in problems] == [
        f"{DUPLICATE_KEYS}: line 13, column 3: duplicate key 'annotations' in a mapping (first set on line 6)"
    ], format_problems(problems)


def test_corpus_workflow_template_refs_need_the_templates() -> None:
    # The refs in workflow-template/ point at templates in other files: alone they are problems.
    problems = lint_paths([str(CORPUS / "workflow-template" / "workflow-template-ref.yaml")])
    assert [p.reason for p in problems] == [
        'workflowtemplates.argoproj.io "workflow-template-submittable" not found'
    ]
    assert lint_paths([str(CORPUS / "workflow-template" / "workflow-template-ref.yaml")], offline_refs_ok=True) == []


def test_non_kubernetes_file_named_explicitly_is_a_problem() -> None:
    problems = lint_paths([str(CORPUS / "grafana-dashboard.json")])
    assert [p.reason for p in problems] == ["not a Kubernetes object: missing apiVersion and kind"]


def test_bad_yaml_names_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Workflow\nspec:\n  a: [1, 2\n")
    problems = lint_paths([str(tmp_path)])
    assert len(problems) == 1
    assert str(problems[0]).startswith(f"{bad}: line 5, column 1: invalid YAML:")


def test_valid_file_lints_clean() -> None:
    text = (
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {generateName: ok-}\n"
        "spec:\n  entrypoint: main\n  templates:\n  - {name: main, container: {image: alpine}}\n"
    )
    from argosy.lint import lint_objects

    assert lint_objects(load_text(text, "ok.yaml")) == []
