"""``{{var}}`` and ``{{=expr}}`` substitution with Argo's rules for unresolved variables."""

from __future__ import annotations

from typing import Any

import pytest

from argosy.errors import (
    ExpressionError,
    ExpressionSyntaxError,
    UnresolvedExpressionVariableError,
    UnresolvedVariableError,
)
from argosy.expr import Placeholder, expand_scope, placeholders, render_value, substitute, substitute_object

SCOPE: dict[str, Any] = {
    "inputs.parameters.message": "hi",
    "inputs.parameters.should-print": "true",
    "inputs.parameters.n": "3",
    "workflow.name": "wf-abc",
    "steps.flip-coin.outputs.result": "heads",
    "steps.gen.outputs.result": "[1,2]",
    "item": {"a": 1, "b": "x"},
    "item.a": "1",
    "count": 2,
    "ratio": 0.5,
    "flag": True,
    "list": [1, "a"],
    "absent": None,
    "inner": "message",
    "multi": "line1\nline2 <&>",
}

CASES: list[tuple[str, str]] = [
    ("no placeholders", "no placeholders"),
    ("{{inputs.parameters.message}}", "hi"),
    ("say {{ inputs.parameters.message }}!", "say hi!"),
    ("{{workflow.name}}-{{steps.flip-coin.outputs.result}}", "wf-abc-heads"),
    ("{{count}} {{ratio}} {{flag}}", "2 0.5 true"),
    # maps and lists (artifacts) only resolve through from/fromExpression, never as text
    ("{{list}} {{item}}", "{{list}} {{item}}"),
    ("{{multi}}", "line1\nline2 <&>"),
    ("{{nope}} stays", "{{nope}} stays"),
    ("{{ nope }}", "{{ nope }}"),
    ("{{=asInt(inputs.parameters.n) * 10}}", "30"),
    ("{{= inputs.parameters['should-print'] == 'true' }}", "true"),
    ("{{=steps['flip-coin'].outputs.result}}", "heads"),
    ("{{=item.a}} {{=item.b}}", "1 x"),
    ("{{=item}}", '{"a":"1","b":"x"}'),
    ("{{=7 / 2}} {{=1.0 * 2}} {{=[1, 'a<']}} {{=nil ?? 'd'}}", '3.5 2 [1,"a\\u003c"] d'),
    ("{{=multi}}", "line1\nline2 <&>"),
    ("{{=toJson(filter([1, 3], {# > 1}))}}", "[3]"),
    ("{{=inputs.parameters.nope}}", "{{=inputs.parameters.nope}}"),
    ("{{=nil}}", "{{=nil}}"),
    ("{{=1 +}}", "{{=1 +}}"),
    ("{{=1 + 'a'}}", "{{=1 + 'a'}}"),
    ("{{ =1}}", "{{ =1}}"),
    ("{{inputs.parameters.{{inner}}}}", "{{inputs.parameters.message}}"),
    ("{{a{{nope}}}}", "{{a{{nope}}}}"),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_substitute(text: str, expected: str) -> None:
    assert substitute(text, SCOPE) == expected


STRICT_ERRORS: list[tuple[str, type[Exception], str]] = [
    ("{{inputs.parameters.nope}}", UnresolvedVariableError, "failed to resolve {{inputs.parameters.nope}}"),
    ("{{ nope }}", UnresolvedVariableError, "failed to resolve {{ nope }}"),
    (
        "{{=inputs.parameters.nope}}",
        UnresolvedExpressionVariableError,
        "failed to evaluate expression: inputs.parameters.nope is missing",
    ),
    ("{{=nil}}", ExpressionError, "failed to evaluate expression 'nil'"),
    ("{{=1 +}}", ExpressionSyntaxError, "column"),
    ("{{=1 + 'a'}}", ExpressionError, "failed to evaluate expression: invalid operation"),
    ("{{absent}}", ExpressionError, "unable to substitute {{absent}}: output is an absent optional"),
    ("unclosed {{x", ExpressionSyntaxError, 'cannot find end tag "}}"'),
]


@pytest.mark.parametrize(("text", "error", "message"), STRICT_ERRORS, ids=[e[0] for e in STRICT_ERRORS])
def test_strict_substitution_errors(text: str, error: type[Exception], message: str) -> None:
    with pytest.raises(error) as caught:
        substitute(text, SCOPE, allow_unresolved=False)
    assert message in str(caught.value)


def test_absent_optional_is_an_error_even_when_unresolved_is_allowed() -> None:
    with pytest.raises(ExpressionError, match="absent optional"):
        substitute("{{absent}}", SCOPE)


def test_late_bound_variables_stay_for_later() -> None:
    assert substitute("{{=item}}", {}) == "{{=item}}"
    assert substitute("{{=workflow.status == 'Succeeded'}}", {"workflow.name": "x"}) == (
        "{{=workflow.status == 'Succeeded'}}"
    )


def test_substitute_object_replaces_keys_and_values_and_keeps_other_values() -> None:
    obj = {"name-{{count}}": ["{{inputs.parameters.message}}", 1, None, {"v": "{{=1 + 1}}"}], "plain": 2.5}
    assert substitute_object(obj, SCOPE) == {"name-2": ["hi", 1, None, {"v": "2"}], "plain": 2.5}
    assert obj["name-{{count}}"][0] == "{{inputs.parameters.message}}"


def test_substitute_object_of_plain_text_is_that_text() -> None:
    assert substitute_object("plain", SCOPE) == "plain"


def test_substitute_object_strict() -> None:
    with pytest.raises(UnresolvedVariableError):
        substitute_object({"a": ["{{nope}}"]}, SCOPE, allow_unresolved=False)


def test_placeholders_report_kind_text_and_column() -> None:
    assert placeholders("a {{ x.y }} b {{= len(z) }}") == [
        Placeholder("variable", "x.y", 3, " x.y "),
        Placeholder("expression", " len(z) ", 15, "= len(z) "),
    ]
    assert placeholders("nothing here") == []
    with pytest.raises(ExpressionSyntaxError) as caught:
        placeholders("ok {{ unclosed")
    assert caught.value.column == 4


EXPANSIONS: list[tuple[dict[str, Any], dict[str, Any]]] = [
    ({"a.b": 1, "a.c": 2, "d": 3}, {"a": {"b": 1, "c": 2}, "d": 3}),
    ({"x": "leaf", "x.y": "child"}, {"x": {"y": "child"}}),
    ({"item": {"a": 1, "b": 2}, "item.a": "1"}, {"item": {"a": "1", "b": 2}}),
    ({"item": {"a": {"k": 1}}, "item.a.b": "2"}, {"item": {"a": {"k": 1, "b": "2"}}}),
    ({}, {}),
]


@pytest.mark.parametrize(("flat", "nested"), EXPANSIONS, ids=[str(sorted(e[0])) for e in EXPANSIONS])
def test_expand_scope(flat: dict[str, Any], nested: dict[str, Any]) -> None:
    original = repr(flat)
    assert expand_scope(flat) == nested
    assert repr(flat) == original


@pytest.mark.parametrize(
    ("value", "text"),
    [("s", "s"), (1, "1"), (2.0, "2"), (True, "true"), (None, "<nil>"), ([1], "[1]"), ({"a": 1}, '{"a":1}')],
)
def test_render_value(value: Any, text: str) -> None:
    assert render_value(value) == text


STATIC_CASES = [
    {"name": "t", "container": {"image": "alpine", "args": ["echo {{inputs.parameters.x}}"]},
     "outputs": {}, "n": 3},
    {"{{inputs.parameters.x}}": "key", "other": ["{{inputs.parameters.x}}", 1]},
    ["plain", {"a": "{{inputs.parameters.x}}"}, ["x", "{{inputs.parameters.x}}"]],
    {"nothing": ["to", {"see": "here"}]},
    {"outer": {"{{inputs.parameters.x}}": "a key inside"}},
]


@pytest.mark.parametrize("value", STATIC_CASES)
def test_static_substitution_gives_what_a_full_walk_gives(value: object) -> None:
    scope = {"inputs.parameters.x": "7"}
    once = substitute_object(value, scope, static=True)
    again = substitute_object(value, scope, static=True)  # from the remembered plan
    assert once == again == substitute_object(value, scope)
    assert once is not value  # a new top level, safe to change


def test_static_substitution_shares_the_parts_without_placeholders() -> None:
    value = {"container": {"args": ["{{a}}"]}, "metadata": {"labels": {"k": "v"}}}
    out = substitute_object(value, {"a": "1"}, static=True)
    assert out == {"container": {"args": ["1"]}, "metadata": {"labels": {"k": "v"}}}
    assert out["metadata"] is value["metadata"] and out["container"] is not value["container"]


@pytest.mark.parametrize("static", [True, False])
@pytest.mark.parametrize("value", [
    {"name": "{{a}}", "hooks": {"exit": {"arguments": "{{a}}"}}},
    {"{{a}}": "key", "hooks": {"exit": "{{a}}"}},
])
def test_kept_keys_are_copied_unsubstituted(value: dict, static: bool) -> None:
    out = substitute_object(value, {"a": "1"}, static=static, keep=("hooks",))
    assert out["hooks"] is value["hooks"]
    assert "1" in out and out["1"] == "key" if "{{a}}" in value else out["name"] == "1"


def test_static_plans_are_forgotten_past_their_limit() -> None:
    from argosy.expr import template

    values = [{"v": "{{a}}", "i": i} for i in range(template._MAX_PLANS + 5)]
    assert [substitute_object(v, {"a": "x"}, static=True)["v"] for v in values] == ["x"] * len(values)
    assert len(template._plans) <= template._MAX_PLANS
