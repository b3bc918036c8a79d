"""Every ``{{=...}}``, ``expression:`` and ``when:`` in the conformance corpus, with Argo's value for it.

The table says, per string, the variables we give it and what Argo produces; the scan makes sure
no string in the corpus is left out of the table.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from argosy.expr import evaluate, evaluate_when, expand_scope, substitute

CORPUS = Path("/work/shared/conformance/argo-examples")
CONFIG = '{"employees": [{"name": "Baris", "age":43},{"name": "Mo", "age": 42}, {"name": "Jai", "age" :44}]}'
WEATHER = '{"weekWeather": "' + base64.b64encode(b'{"temps": [34, 27, 15, 57, 46]}\n').decode() + '"}'
WEEK = '{"avg":35.8,"max":57,"min":15}'
NOW = datetime.now(UTC)


class Ago(timedelta):
    """A time this long before the test runs (not before the module was imported: a long suite
    runs this test many minutes after collection, which would turn "1 minute ago" into 6)."""


FLIP = "steps.flip-coin.outputs.result"
HOOKS = {"steps.step-1.status": "Running", "steps.step2.status": "Succeeded", "workflow.status": "Running"}
RETRY = {
    "lastRetry.exitCode": "2", "lastRetry.status": "Failed", "lastRetry.duration": "30",
    "lastRetry.message": "pod deleted", "inputs.parameters.safe-to-retry": "false",
}  # fmt: skip
COND = (
    "steps['flip-coin'].outputs.result == 'heads' ? steps.heads.outputs.result : steps.tails.outputs.result"
)
DAG_COND = (
    "tasks['flip-coin'].outputs.result == 'heads' ? tasks.heads.outputs.result : tasks.tails.outputs.result"
)
FIB = (
    "asInt(inputs.parameters.num) == 1? 1: asInt(inputs.parameters.num) == 2? 1: "
    "steps['fibonacci-helper'].outputs.parameters.result"
)
COMPLEX = (
    "( {{steps.flip-coin.outputs.result}} == heads &&\n  {{steps.flip-again.outputs.result}} == tails\n) || "
    "( {{steps.flip-coin.outputs.result}} == tails &&\n  {{steps.flip-again.outputs.result}} == tails )"
)
RETRY_EXPRESSION = (
    'asInt(lastRetry.exitCode) > 1 && lastRetry.status != "Error" && asInt(lastRetry.duration) < 120 && '
    "({{inputs.parameters.safe-to-retry}} == true || lastRetry.message matches 'imminent node shutdown|pod deleted')"
)
VERBOSE = (
    "{{=\n  map([\n      jsonpath(sprig.b64dec(jsonpath(workflow.parameters.weather, '$.weekWeather')), '$.temps')\n"
    "    ], {\n      toJson({\n        avg: sprig.add(#[0], #[1], #[2], #[3], #[4]) / 5,\n"
    "        min: sprig.min(#[0], #[1], #[2], #[3], #[4]),\n        max: sprig.max(#[0], #[1], #[2], #[3], #[4])\n"
    "      })\n  })[0]\n}}"
)
CRON = (
    "{{= cronworkflow.lastScheduledTime == nil || (now() - cronworkflow.lastScheduledTime).Seconds() > 360 }}"
)

# (kind, text) -> [(scope, what Argo produces)]; scopes are flat, as the engine builds them.
TABLE: dict[tuple[str, str], list[tuple[dict[str, Any], Any]]] = {
    ("when", "{{steps.flip-coin.outputs.result}} == heads"): [
        ({FLIP: "heads"}, True),
        ({FLIP: "tails"}, False),
    ],
    ("when", "{{steps.flip-coin.outputs.result}} == tails"): [
        ({FLIP: "heads"}, False),
        ({FLIP: "tails"}, True),
    ],
    ("when", "{{tasks.flip-coin.outputs.result}} == heads"): [
        ({"tasks.flip-coin.outputs.result": "heads"}, True)
    ],
    ("when", "{{tasks.flip-coin.outputs.result}} == tails"): [
        ({"tasks.flip-coin.outputs.result": "heads"}, False)
    ],
    ("when", COMPLEX): [
        ({FLIP: "heads", "steps.flip-again.outputs.result": "tails"}, True),
        ({FLIP: "tails", "steps.flip-again.outputs.result": "tails"}, True),
        ({FLIP: "tails", "steps.flip-again.outputs.result": "heads"}, False),
    ],
    ("when", "{{steps.flip-again.outputs.result}} =~ hea"): [
        ({"steps.flip-again.outputs.result": "heads"}, True)
    ],
    ("when", "{{steps.flip-again.outputs.result}} =~ tai"): [
        ({"steps.flip-again.outputs.result": "heads"}, False)
    ],
    ("when", "{{inputs.parameters.should-print}} == true"): [
        ({"inputs.parameters.should-print": "true"}, True),
        ({"inputs.parameters.should-print": "false"}, False),
    ],
    ("when", "{{= inputs.parameters[\"should-print\"] == 'true'}}"): [
        ({"inputs.parameters.should-print": "true"}, True),
        ({"inputs.parameters.should-print": "false"}, False),
    ],
    ("when", "{{=jsonpath(workflow.parameters.json, '$[0].value') == 'true'}}"): [
        ({"workflow.parameters.json": '[{"value": "true"}]'}, True),
        ({"workflow.parameters.json": '[{"value": "false"}]'}, False),
    ],
    ("when", CRON): [
        ({"cronworkflow.lastScheduledTime": None}, True),
        ({"cronworkflow.lastScheduledTime": Ago(minutes=10)}, True),
        ({"cronworkflow.lastScheduledTime": Ago(minutes=1)}, False),
    ],
    ("when", "{{status}} == Succeeded"): [({"status": "Succeeded"}, True), ({"status": "Failed"}, False)],
    ("when", "{{workflow.status}} == Succeeded"): [({"workflow.status": "Succeeded"}, True)],
    ("when", "{{workflow.status}} != Succeeded"): [({"workflow.status": "Failed"}, True)],
    ("when", "{{inputs.parameters.num}} != 1 && {{inputs.parameters.num}} != 2"): [
        ({"inputs.parameters.num": "5"}, True),
        ({"inputs.parameters.num": "2"}, False),
    ],
    ("when", "{{inputs.parameters.num-1}} != 1 && {{inputs.parameters.num-1}} != 2"): [
        ({"inputs.parameters.num-1": "1"}, False),
        ({"inputs.parameters.num-1": "3"}, True),
    ],
    ("when", "{{steps.approval.outputs.parameters.approve}} == YES"): [
        ({"steps.approval.outputs.parameters.approve": "YES"}, True),
        ({"steps.approval.outputs.parameters.approve": "NO"}, False),
    ],
    ("when", "{{item.evenness}} == even"): [
        ({"item.evenness": "even"}, True),
        ({"item.evenness": "odd"}, False),
    ],
    ("when", "{{steps.iterate-counter.outputs.result}} < {{inputs.parameters.limit}}"): [
        ({"steps.iterate-counter.outputs.result": "3", "inputs.parameters.limit": "10"}, True),
        ({"steps.iterate-counter.outputs.result": "10", "inputs.parameters.limit": "10"}, False),
    ],
    ("when", "{{steps.submit-resource.status}} == Failed"): [
        ({"steps.submit-resource.status": "Failed"}, True)
    ],
    ("when", "{{steps.flakey-container.status}} == Failed"): [
        ({"steps.flakey-container.status": "Succeeded"}, False)
    ],
    ("when", "{{steps.flakey-container.status}} == Succeeded"): [
        ({"steps.flakey-container.status": "Succeeded"}, True)
    ],
    ("when", "false"): [({}, False)],
    ("expression", COND): [
        ({FLIP: "heads", "steps.heads.outputs.result": "H", "steps.tails.outputs.result": "T"}, "H"),
        ({FLIP: "tails", "steps.heads.outputs.result": "H", "steps.tails.outputs.result": "T"}, "T"),
    ],
    ("expression", DAG_COND): [
        (
            {
                "tasks.flip-coin.outputs.result": "tails",
                "tasks.heads.outputs.result": "H",
                "tasks.tails.outputs.result": "T",
            },
            "T",
        ),
    ],
    ("expression", 'filter(data, {# endsWith "main.log"})'): [
        ({"data": ["a/main.log", "b/other.log", "c/main.log"]}, ["a/main.log", "c/main.log"]),
    ],
    ("expression", FIB): [
        ({"inputs.parameters.num": "1"}, 1),
        ({"inputs.parameters.num": "2"}, 1),
        ({"inputs.parameters.num": "5", "steps.fibonacci-helper.outputs.parameters.result": "5"}, "5"),
    ],
    ("expression", "workflow.parameters.foo"): [({"workflow.parameters.foo": "bar"}, "bar")],
    ("expression", 'steps["step-1"].status == "Running"'): [(HOOKS, True)],
    ("expression", 'steps["step-1"].status == "Succeeded"'): [(HOOKS, False)],
    ("expression", 'steps.step2.status == "Running"'): [(HOOKS, False)],
    ("expression", 'steps.step2.status == "Succeeded"'): [(HOOKS, True)],
    ("expression", 'workflow.status == "Running"'): [
        (HOOKS, True),
        ({"workflow.status": "Succeeded"}, False),
    ],
    ("expression", RETRY_EXPRESSION): [
        (RETRY, True),
        ({**RETRY, "lastRetry.message": "oom"}, False),
        ({**RETRY, "lastRetry.exitCode": "1"}, False),
        ({**RETRY, "lastRetry.message": "oom", "inputs.parameters.safe-to-retry": "true"}, True),
    ],
    ("expression", "tasks.producer.outputs.parameters.msg ?? 'expr-fallback'"): [
        ({"tasks.producer.outputs.parameters.msg": None}, "expr-fallback"),
        ({"tasks.producer.outputs.parameters.msg": "real"}, "real"),
    ],
    ("template", "{{=jsonpath(workflow.parameters.config, '$.employees[?(@.name==\"Baris\")].age')}}"): [
        ({"workflow.parameters.config": CONFIG}, "[43]"),
    ],
    ("template", "{{=jsonpath(workflow.parameters.config, '$.employees[?(@.age>42 && @.age<44)].age')}}"): [
        ({"workflow.parameters.config": CONFIG}, "[43]"),
    ],
    ("template", "{{=jsonpath(workflow.parameters.config, '$.employees[0:1]')}}"): [
        ({"workflow.parameters.config": CONFIG}, '[{"age":43,"name":"Baris"}]'),
    ],
    ("template", "{{=jsonpath(workflow.parameters.config, '$.employees[*].name')}}"): [
        ({"workflow.parameters.config": CONFIG}, '["Baris","Mo","Jai"]'),
    ],
    ("template", "{{=jsonpath(workflow.parameters.config, '$.a')}}"): [
        ({"workflow.parameters.config": '{"a": "1", "b": "2", "c": "3"}'}, "1"),
    ],
    ("template", "{{=jsonpath(workflow.parameters.config, '$.b')}}"): [
        ({"workflow.parameters.config": '{"a": "1", "b": "2", "c": "3"}'}, "2"),
    ],
    ("template", "{{=jsonpath(workflow.parameters.config, '$.c')}}"): [
        ({"workflow.parameters.config": '{"a": "1", "b": "2", "c": "3"}'}, "3"),
    ],
    ("template", VERBOSE): [({"workflow.parameters.weather": WEATHER}, WEEK)],
    ("template", "{{=jsonpath(inputs.parameters['week-temps'], '$.avg')}}"): [
        ({"inputs.parameters.week-temps": WEEK}, "35.8"),
    ],
    ("template", "{{=jsonpath(inputs.parameters['week-temps'], '$.min')}}"): [
        ({"inputs.parameters.week-temps": WEEK}, "15"),
    ],
    ("template", "{{=jsonpath(inputs.parameters['week-temps'], '$.max')}}"): [
        ({"inputs.parameters.week-temps": WEEK}, "57"),
    ],
    ("template", "{{=item}}"): [({"item": "3"}, "3"), ({}, "{{=item}}")],
    ("template", "{{=toJson(filter([1, 3], {# > 1}))}}"): [({}, "[3]")],
    # sprig's date() reads a string time as "now", so Argo prints the current year here.
    (
        "template",
        "hello {{=asInt(inputs.parameters.foo) * 10}} @ {{=sprig.date('2006', workflow.creationTimestamp)}}\n",
    ): [
        (
            {"inputs.parameters.foo": "3", "workflow.creationTimestamp": "2021-01-01T00:00:00Z"},
            f"hello 30 @ {NOW.year}\n",
        ),
    ],
}


def _found(node: Any, found: set[tuple[str, str]]) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("when", "expression") and isinstance(value, str):
                found.add((key, value))
            elif isinstance(value, str) and "{{=" in value:
                found.add(("template", value))
            _found(value, found)
    elif isinstance(node, list):
        for item in node:
            if isinstance(item, str) and "{{=" in item:
                found.add(("template", item))
            _found(item, found)


def _corpus_strings() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for path in sorted(CORPUS.rglob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text()):
            _found(document, found)
    return found


@pytest.mark.skipif(not CORPUS.is_dir(), reason="conformance corpus not present")
def test_every_corpus_expression_is_in_the_table() -> None:
    missing = _corpus_strings() - TABLE.keys()
    assert not missing


def _run(kind: str, text: str, scope: dict[str, Any]) -> Any:
    if kind == "when":
        return evaluate_when(substitute(text, scope, allow_unresolved=False))
    if kind == "expression":
        return evaluate(substitute(text, scope, allow_unresolved=False), expand_scope(scope))
    return substitute(text, scope)


CASES = [(kind, text, scope, expected) for (kind, text), runs in TABLE.items() for scope, expected in runs]


@pytest.mark.parametrize(
    ("kind", "text", "scope", "expected"), CASES, ids=[f"{c[0]}:{c[1][:60]}:{i}" for i, c in enumerate(CASES)]
)
def test_corpus_expression(kind: str, text: str, scope: dict[str, Any], expected: Any) -> None:
    scope = {k: datetime.now(UTC) - v if isinstance(v, Ago) else v for k, v in scope.items()}
    assert _run(kind, text, scope) == expected
