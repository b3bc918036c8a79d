"""Expression syntax errors and bad ``depends`` are reported with their column (needs argosy.expr)."""

from __future__ import annotations

import textwrap

import pytest

import argosy.expr
from argosy.lint import lint_objects
from argosy.spec import load_text

needs_compile = pytest.mark.skipif(
    not hasattr(argosy.expr, "compile_expression"), reason="argosy.expr.compile_expression not available yet"
)
needs_depends = pytest.mark.skipif(
    not hasattr(argosy.expr, "parse_depends"), reason="argosy.expr.parse_depends not available yet"
)


def _problems(spec: str) -> list[str]:
    text = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {generateName: e-}\nspec:\n" + textwrap.indent(
        textwrap.dedent(spec).strip("\n"), "  "
    )
    return [p.reason for p in lint_objects(load_text(text + "\n", "e.yaml"))]


@needs_compile
@pytest.mark.parametrize(
    "spec",
    [
        """
        entrypoint: main
        templates:
        - name: main
          container: {image: a, args: ["{{= 1 + + }}"]}""",
        """
        entrypoint: main
        hooks:
          running: {template: main, expression: "workflow.status == "}
        templates:
        - name: main
          container: {image: a}""",
    ],
    ids=["placeholder", "hook-expression"],
)
def test_expression_syntax_error_has_column(spec: str) -> None:
    [problem] = _problems(spec)
    assert problem.startswith("invalid expression ")
    assert " at column " in problem


@needs_depends
def test_depends_syntax_error_has_column() -> None:
    [problem] = _problems("""
        entrypoint: main
        templates:
        - name: main
          dag:
            tasks:
            - {name: a, template: w}
            - {name: b, template: w, depends: "a && (a.Succeeded"}
        - name: w
          container: {image: a}""")
    assert problem.startswith("invalid depends 'a && (a.Succeeded': ")
    assert " at column " in problem
