"""Argo's template language: ``{{...}}`` substitution, expr-lang, sprig, ``when`` and ``depends``."""

from __future__ import annotations

from argosy.expr.depends import Depends, TaskOutcome, dependencies_as_depends, parse_depends
from argosy.expr.govaluate import evaluate_when
from argosy.expr.language import (
    Compiled,
    compile_expression,
    evaluate,
    evaluate_bool,
    expression_variables,
    jsonpath,
)
from argosy.expr.template import (
    Placeholder,
    expand_scope,
    placeholders,
    render_value,
    substitute,
    substitute_object,
)

__all__ = [
    "Compiled",
    "Depends",
    "Placeholder",
    "TaskOutcome",
    "compile_expression",
    "dependencies_as_depends",
    "evaluate",
    "evaluate_bool",
    "evaluate_when",
    "expand_scope",
    "expression_variables",
    "jsonpath",
    "parse_depends",
    "placeholders",
    "render_value",
    "substitute",
    "substitute_object",
]
