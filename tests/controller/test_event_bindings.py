"""WorkflowEventBindings: which Workflow an event makes, and what a failing binding does.

Argo's rules (server/event/dispatch): the environment is payload, metadata (``x-`` headers,
lower-case, lists), discriminator and namespace; the selector must give a bool; parameters come
from ``valueFrom.event`` (a string as is, anything else as JSON); ``submit.metadata`` fields are
expressions giving strings; a failing binding is reported and the others still run.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from argosy.controller import Controller, FakeClock, data_store
from argosy.controller.event_bindings import (
    BINDING_LABEL,
    Event,
    dispatch,
    event_metadata,
    parameter_value,
    workflow_for,
)
from argosy.errors import EventBindingError
from argosy.goformat import from_json
from argosy.spec import ObjectSet, load_text
from argosy.testing import FakeRuntime, result_of

TEMPLATES = """
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: onboard, namespace: default}
spec:
  entrypoint: main
  arguments: {parameters: [{name: user}, {name: team, value: general}]}
  templates:
  - name: main
    container: {image: busybox, command: [echo, "{{workflow.parameters.user}}"]}
---
apiVersion: argoproj.io/v1alpha1
kind: ClusterWorkflowTemplate
metadata: {name: shared}
spec:
  entrypoint: main
  templates:
  - name: main
    container: {image: busybox, command: [echo, hi]}
"""


def binding(selector: str, *, name: str = "b", template: str = "onboard", cluster: bool = False,
            parameters: list[dict[str, Any]] | None = None, metadata: dict[str, Any] | None = None,
            submit: bool = True) -> dict[str, Any]:
    spec: dict[str, Any] = {"event": {"selector": selector}}
    if submit:
        ref: dict[str, Any] = {"name": template, **({"clusterScope": True} if cluster else {})}
        spec["submit"] = {"workflowTemplateRef": ref}
        if parameters is not None:
            spec["submit"]["arguments"] = {"parameters": parameters}
        if metadata is not None:
            spec["submit"]["metadata"] = metadata
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowEventBinding",
            "metadata": {"name": name, "namespace": "default"}, "spec": spec}


def env(payload: Any, *, discriminator: str = "", headers: list[tuple[str, str]] | None = None) -> dict[str, Any]:
    return Event("default", discriminator, payload, event_metadata(headers or [])).environment()


def test_metadata_is_the_x_headers_lower_cased_as_lists() -> None:
    headers = [("X-GitHub-Event", "push"), ("Authorization", "Bearer s3cret"), ("x-multi", "a"),
               ("X-Multi", "b"), ("Content-Type", "application/json"), ("cookie", "c=1")]
    assert event_metadata(headers) == {"x-github-event": ["push"], "x-multi": ["a", "b"]}


@pytest.mark.parametrize(("selector", "environment", "matched"), [
    ('payload.message != ""', env({"message": "hi"}), True),
    ('payload.message != ""', env({}), True),  # a missing field is nil, and nil != ""
    ('payload.message == "hi"', env({"message": "bye"}), False),
    ('metadata["x-argo"] == ["yes"]', env({}, headers=[("X-Argo", "yes")]), True),
    ('metadata["x-argo"] == "yes"', env({}, headers=[("X-Argo", "yes")]), False),  # values are lists
    ('discriminator == "my-discriminator"', env({}, discriminator="my-discriminator"), True),
    ('namespace == "default"', env(None), True),
    ("payload.count > 2", env(from_json('{"count": 3}')), True),
], ids=["field", "nil-field", "no-match", "header-list", "header-not-a-string", "discriminator", "namespace",
        "number"])
def test_selector(selector: str, environment: dict[str, Any], matched: bool) -> None:
    assert (workflow_for(binding(selector), environment) is not None) is matched


def test_a_match_makes_argos_workflow_from_the_template() -> None:
    wf = workflow_for(binding("true", name="onboarder", parameters=[
        {"name": "user", "valueFrom": {"event": "payload.user"}}]), env({"user": "ada"}))
    assert wf == {
        "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
        "metadata": {"generateName": "onboard-", "namespace": "default",
                     "labels": {"workflows.argoproj.io/workflow-template": "onboard", BINDING_LABEL: "onboarder"}},
        "spec": {"workflowTemplateRef": {"name": "onboard"},
                 "arguments": {"parameters": [{"name": "user", "value": "ada"}]}},
    }


def test_cluster_scope_submits_the_cluster_template() -> None:
    wf = workflow_for(binding("true", template="shared", cluster=True), env({}))
    assert wf is not None
    assert wf["spec"]["workflowTemplateRef"] == {"name": "shared", "clusterScope": True}
    assert wf["metadata"]["labels"]["workflows.argoproj.io/cluster-workflow-template"] == "shared"


@pytest.mark.parametrize(("expression", "payload", "value"), [
    ("payload.s", '{"s": "text"}', "text"),
    ("payload.n", '{"n": 3}', "3"),
    ("payload.f", '{"f": 2.5}', "2.5"),
    ("payload.b", '{"b": true}', "true"),
    ("payload.l", '{"l": ["a", 1]}', '["a",1]'),
    ("payload.m", '{"m": {"k": "<v>"}}', '{"k":"\\u003cv\\u003e"}'),  # json.Marshal escapes HTML
    ("payload.missing", "{}", "null"),
    ('payload.s + "-x"', '{"s": "a"}', "a-x"),
], ids=["string", "int", "float", "bool", "list", "map", "nil", "expression"])
def test_parameter_values_are_strings_as_is_and_others_as_json(expression: str, payload: str, value: str) -> None:
    wf = workflow_for(binding("true", parameters=[{"name": "p", "valueFrom": {"event": expression}}]),
                      env(from_json(payload)))
    assert wf is not None
    assert wf["spec"]["arguments"]["parameters"] == [{"name": "p", "value": value}]
    assert parameter_value("x") == "x"


def test_submit_metadata_fields_are_expressions() -> None:
    wf = workflow_for(binding("true", metadata={
        "name": 'payload.message + "-world"', "labels": {"someLabel": '"literal string"'},
        "annotations": {"anAnnotation": "payload.message"}}), env({"message": "hello"}))
    assert wf is not None
    meta = wf["metadata"]
    assert meta["name"] == "hello-world"
    assert meta["labels"]["someLabel"] == "literal string"
    assert meta["annotations"] == {"anAnnotation": "hello"}


@pytest.mark.parametrize(("b", "message"), [
    (binding("payload.x =="), "failed to evaluate workflow template expression"),
    (binding('"yes"'), "unable to cast expression result"),
    (binding("payload.a.b.c"), "failed to evaluate workflow template expression"),
    (binding("true", parameters=[{"name": "p"}]), 'malformed workflow template parameter "p": valueFrom is nil'),
    (binding("true", parameters=[{"name": "p", "valueFrom": {"event": "payload.("}}]),
     'failed to evaluate workflow template parameter "p" expression'),
    (binding("true", metadata={"name": "payload.n"}), "workflow name expression must evaluate to a string, not a float64"),
    (binding("true", metadata={"labels": {"l": "1 +"}}), 'failed to evaluate workflow label "l" expression'),
], ids=["selector-syntax", "selector-not-bool", "selector-nil-member", "parameter-without-valueFrom",
        "parameter-syntax", "name-not-a-string", "label-syntax"])
def test_a_binding_that_cannot_act_raises_event_binding_error(b: dict[str, Any], message: str) -> None:
    with pytest.raises(EventBindingError, match=message.replace("(", r"\(").replace('"', '"')):
        workflow_for(b, env(from_json('{"n": 1}')))


def test_no_submit_matches_but_creates_nothing() -> None:
    assert workflow_for(binding("true", submit=False), env({})) is None


def run_dispatch(bindings: list[dict[str, Any]], event: Event, store: Any = None,
                 **options: Any) -> tuple[list[Any], list[Any]]:
    async def go() -> tuple[list[Any], list[Any]]:
        controller = Controller(data_dir=Path("/nonexistent"), runtime=FakeRuntime(lambda pod: result_of()),
                                clock=FakeClock(), objects=ObjectSet(load_text(TEMPLATES)), store=store)
        results = await dispatch(controller, bindings, event, **options)
        engines = await asyncio.wait_for(controller.wait_all(), 10)
        return results, engines

    return asyncio.run(go())


def test_dispatch_starts_each_matching_binding_and_reports_failures_without_stopping() -> None:
    bindings = [
        binding("payload.user != nil", name="good", parameters=[{"name": "user", "valueFrom": {"event": "payload.user"}}]),
        binding("payload.user ==", name="malformed"),
        binding("true", name="missing", template="nope"),
        binding("false", name="other"),
        binding("true", name="shared", template="shared", cluster=True),
    ]
    results, engines = run_dispatch(bindings, Event("default", "", {"user": "ada"}))
    by_name = {r.binding: r for r in results}
    assert [r.binding for r in results] == ["good", "malformed", "missing", "other", "shared"]
    assert by_name["good"].matched and by_name["good"].workflow.startswith("onboard-") and by_name["good"].error is None
    assert "failed to evaluate workflow template expression" in by_name["malformed"].error
    assert by_name["missing"].error == ('failed to dispatch event: failed to get workflow template: '
                                        'workflowtemplates.argoproj.io "nope" not found')
    assert not by_name["other"].matched and by_name["other"].workflow is None and by_name["other"].error is None
    assert by_name["shared"].workflow.startswith("shared-")
    assert sorted(e.phase for e in engines) == ["Succeeded", "Succeeded"]
    good = next(e for e in engines if e.name == by_name["good"].workflow)
    assert good.workflow["spec"]["arguments"]["parameters"][0] == {"name": "user", "value": "ada"}


def test_a_caller_without_cluster_rights_cannot_submit_a_cluster_template() -> None:
    results, engines = run_dispatch([binding("true", template="shared", cluster=True)],
                                    Event("default", "", {}), cluster_templates=False)
    assert engines == [] and "forbidden" in (results[0].error or "")


def test_a_name_in_use_fails_that_binding(tmp_path: Path) -> None:
    twice = [binding("true", name=n, template="shared", cluster=True, metadata={"name": '"fixed"'})
             for n in ("first", "second")]
    store = data_store(tmp_path)
    try:
        results, engines = run_dispatch(twice, Event("default", "", {}), store)
    finally:
        store.close()
    assert results[0].workflow == "fixed" and len(engines) == 1
    assert results[1].error is not None and "already exists" in results[1].error
