"""successCondition / failureCondition: Kubernetes' label-selector grammar over an object's fields.

The grammar is ``labels.Parse`` (apimachinery); the field lookup is gjson's, as Argo's
executor reads the object (``gjsonLabels``). Each row: condition, object, whether it matches.
"""

from __future__ import annotations

from typing import Any

import pytest

from argosy.errors import SelectorError, SpecError
from argosy.spec.conditions import Conditions, Operator, field_text, parse_condition

JOB = {"metadata": {"name": "pi", "labels": {"app": "pi"}},
       "status": {"phase": "Succeeded", "succeeded": 1, "failed": 0, "ratio": 1.5, "ready": True,
                  "nothing": None, "conditions": [{"type": "Complete", "status": "True"},
                                                  {"type": "Ready", "status": "False"}],
                  "big": 2.0, "count": "007"}}

MATCHES: list[tuple[str, bool]] = [
    ("status.phase == Succeeded", True),
    ("status.phase = Succeeded", True),
    ("status.phase==Succeeded", True),
    ("status.phase == Failed", False),
    ("status.phase != Failed", True),
    ("status.phase != Succeeded", False),
    ("status.missing != Failed", True),          # != also matches a missing field
    ("status.missing == Failed", False),
    ("status.phase in (Failed, Error)", False),
    ("status.phase in (Succeeded,Error)", True),
    ("status.phase notin (Failed, Error)", True),
    ("status.missing notin (Failed)", True),     # notin also matches a missing field
    ("status.missing in (Failed)", False),
    ("status.succeeded > 0", True),
    ("status.succeeded>1", False),
    ("status.succeeded < 2", True),
    ("status.failed > 3", False),
    ("status.count > 6", True),                  # the text is parsed as a base-10 integer
    ("status.ratio > 1", False),                 # not an integer: never matches
    ("status.phase > 1", False),
    ("status.missing < 5", False),
    ("status.phase", True),                      # exists
    ("status.nothing", True),                    # a JSON null exists
    ("!status.missing", True),
    ("!status.phase", False),
    ("status.nothing == ", True),                # ... and reads as ""
    ("status.ready == true", True),
    ("status.ratio == 1.5", True),
    ("status.big == 2", True),                   # Go writes a whole float without a fraction
    ("status.conditions.0.type == Complete", True),
    ("status.conditions.1.status == False", True),
    ("status.conditions.5.type == Complete", False),
    ("metadata.labels.app == pi", True),
    ("status.phase == Succeeded, status.succeeded > 0", True),   # all must hold
    ("status.phase == Succeeded,status.failed > 0", False),
    ("status.phase in (Succeeded,)", True),
]


@pytest.mark.parametrize(("condition", "expected"), MATCHES, ids=[c for c, _ in MATCHES])
def test_condition_matches_the_object(condition: str, expected: bool) -> None:
    requirements = parse_condition(condition)
    assert all(r.matches(JOB) for r in requirements) is expected


BAD: list[tuple[str, str]] = [
    ("status.phase == \"Succeeded\"", "Invalid value"),    # quotes are not label characters
    ("status.phase Succeeded", "expected: in, notin, =, ==, !=, gt, lt"),
    ("status.succeeded > one", "must be an integer"),
    ("status.phase in Failed", "expected: '('"),
    ("status.phase in (Failed", "expected: ',' or ')'"),
    ("status.phase in (a b)", "expected: ',' or ')'"),
    ("status.phase ==", ""),                               # an empty value is allowed ...
    ("status.phase == a,", "identifier after ','"),
    (",status.phase", "expected: !, identifier"),
    ("!status.phase == a", "expected: ',' or 'end of string'"),
    ("status.phase. == a", "Invalid value"),       # a name ends with an alphanumeric
    # gjson's own path syntax is not a label key: Kubernetes' parser refuses it before gjson sees it
    ("status.conditions.# == 2", "Invalid value"),
    ("status.pha?e == Succeeded", "Invalid value"),
    ("status.phase == " + "a" * 64, "at most 63 characters"),
    ("status.phase == a=b", "expected: ',' or 'end of string'"),
]


@pytest.mark.parametrize(("condition", "fragment"), BAD, ids=[c for c, _ in BAD])
def test_malformed_conditions_are_refused(condition: str, fragment: str) -> None:
    if not fragment:
        parse_condition(condition)  # valid, for contrast
        return
    with pytest.raises(SelectorError, match=None) as err:
        parse_condition(condition)
    assert fragment in str(err.value)
    assert isinstance(err.value, SpecError)


def test_requirements_print_as_kubernetes_prints_them() -> None:
    reqs = parse_condition("status.phase in (Failed, Error), !a, b, c != d, e > 3, f == g")
    assert [str(r) for r in reqs] == ["!a", "b", "c!=d", "e>3", "f==g", "status.phase in (Error,Failed)"]
    assert reqs[0].operator is Operator.DOES_NOT_EXIST


@pytest.mark.parametrize(("path", "text", "exists"), [
    ("status.phase", "Succeeded", True),
    ("status.succeeded", "1", True),
    ("status.ratio", "1.5", True),
    ("status.ready", "true", True),
    ("status.nothing", "", True),
    ("status.conditions.0", '{"type":"Complete","status":"True"}', True),
    ("status.conditions.#.type", '["Complete","Ready"]', True),
    ("metadata.labels", '{"app":"pi"}', True),
    ("status.none", "", False),
    ("status.phase.deeper", "", False),
])
def test_field_text_is_gjsons_string(path: str, text: str, exists: bool) -> None:
    assert field_text(JOB, path) == (text, exists)


def test_escaped_dots_name_one_key() -> None:
    obj = {"metadata": {"annotations": {"example.com/done": "yes"}}}
    assert field_text(obj, "metadata.annotations.example\\.com/done") == ("yes", True)


CHECKS: list[tuple[dict[str, Any], dict[str, Any], tuple[bool | None, str]]] = [
    ({"successCondition": "status.phase == Succeeded", "failureCondition": "status.phase in (Failed, Error)"},
     {"status": {"phase": "Running"}}, (None, "")),
    ({"successCondition": "status.phase == Succeeded", "failureCondition": "status.phase in (Failed, Error)"},
     {"status": {"phase": "Succeeded"}}, (True, "")),
    ({"successCondition": "status.phase == Succeeded", "failureCondition": "status.phase in (Failed, Error)"},
     {"status": {"phase": "Error"}}, (False, "failure condition 'status.phase in (Error,Failed)' evaluated true")),
    # the failure condition is checked first: both true fails the node
    ({"successCondition": "status.phase", "failureCondition": "status.phase"},
     {"status": {"phase": "Error"}}, (False, "failure condition 'status.phase' evaluated true")),
    # only a failure condition: anything else succeeds at once
    ({"failureCondition": "status.failed > 3"}, {"status": {"failed": 1}}, (True, "")),
    ({}, {}, (True, "")),
]


@pytest.mark.parametrize(("resource", "obj", "outcome"), CHECKS)
def test_conditions_decide_success_failure_or_waiting(resource: dict[str, Any], obj: dict[str, Any],
                                                       outcome: tuple[bool | None, str]) -> None:
    assert Conditions.of(resource).check(obj) == outcome


def test_a_bad_condition_names_which_one() -> None:
    with pytest.raises(SelectorError, match="^fail condition 'status.phase = \"x\"' failed to parse: "):
        Conditions.of({"successCondition": "a", "failureCondition": 'status.phase = "x"'})
    assert not Conditions.of({}).waits
    assert Conditions.of({"successCondition": "a"}).waits
