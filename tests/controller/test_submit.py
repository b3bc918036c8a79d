"""Submission: Argo's rules for names, uid, parameters and entrypoint; refusals with Argo's messages."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import yaml

from argosy.controller import Controller, data_store, prepare_workflow
from argosy.errors import AlreadyExists, SpecError
from argosy.spec import ObjectSet, load_text
from argosy.testing import FakeRuntime, result_of

WORKFLOW = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: params-}
spec:
  entrypoint: main
  arguments:
    parameters: PARAMS
  templates:
  - name: main
    container: {image: busybox, command: [echo, hi]}
  - name: other
    container: {image: busybox, command: [echo, other]}
"""


def body(params: list[dict[str, Any]]) -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.replace("PARAMS", yaml.safe_dump(params, default_flow_style=True).strip()))


@pytest.mark.parametrize(
    ("params", "overrides", "message"),
    [
        ([{"name": "x"}], {}, "spec.arguments.x.value is required"),
        ([{"name": "x", "value": None}], {}, "spec.arguments.x.value is required"),
        ([{"name": "x", "value": "a", "enum": []}], {}, "spec.arguments.x.enum should contain at least one value"),
        ([{"name": "x", "value": "c", "enum": ["a", "b"]}], {},
         "spec.arguments.x.value should be present in spec.arguments.x.enum list"),
        ([{"name": "x", "value": "c", "enum": ["a", "b"]}], {"x": "z"},
         "spec.arguments.x.value should be present in spec.arguments.x.enum list"),
    ],
    ids=["no-value", "null-value", "empty-enum", "not-in-enum", "override-not-in-enum"],
)
def test_submission_is_refused(params: list[dict[str, Any]], overrides: dict[str, str], message: str) -> None:
    with pytest.raises(SpecError) as caught:
        prepare_workflow(body(params), ObjectSet(), overrides)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("params", "overrides", "want"),
    [
        ([{"name": "x"}], {"x": "given"}, "given"),
        ([{"name": "x", "value": ""}], {}, ""),
        ([{"name": "x", "value": 2}], {}, 2),
        ([{"name": "x", "value": "a", "enum": ["a", "b"]}], {"x": "b"}, "b"),
        ([{"name": "x", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k"}}}], {}, None),
        ([{"name": "x", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "k"}}}], {"x": "p"}, "p"),
    ],
    ids=["dash-p-fills-it", "empty-string-is-a-value", "number", "enum-override", "value-from",
         "dash-p-over-value-from"],
)
def test_submission_is_accepted(params: list[dict[str, Any]], overrides: dict[str, str], want: Any) -> None:
    wf = prepare_workflow(body(params), ObjectSet(), overrides)
    [param] = wf["spec"]["arguments"]["parameters"]
    assert param.get("value") == want


def test_names_uid_timestamp_namespace_and_entrypoint() -> None:
    first = prepare_workflow(body([]), ObjectSet(), {}, "other")
    second = prepare_workflow(body([]), ObjectSet(), {})
    meta = first["metadata"]
    assert meta["name"].startswith("params-") and len(meta["name"]) == len("params-") + 5
    assert meta["name"] != second["metadata"]["name"]
    assert meta["uid"] != second["metadata"]["uid"]
    assert meta["namespace"] == "default"
    assert meta["creationTimestamp"].endswith("Z")
    assert (first["spec"]["entrypoint"], second["spec"]["entrypoint"]) == ("other", "main")


def test_undeclared_parameter_is_added() -> None:
    wf = prepare_workflow(body([]), ObjectSet(), {"extra": "1"})
    assert wf["spec"]["arguments"]["parameters"] == [{"name": "extra", "value": "1"}]


def test_workflow_template_parameter_without_value_is_refused() -> None:
    objects = ObjectSet(load_text("""
apiVersion: argoproj.io/v1alpha1
kind: WorkflowTemplate
metadata: {name: tmpl}
spec:
  entrypoint: main
  arguments: {parameters: [{name: message}]}
  templates: [{name: main, container: {image: busybox, command: [echo]}}]
"""))
    ref = {"metadata": {"generateName": "ref-"}, "spec": {"workflowTemplateRef": {"name": "tmpl"}}}
    with pytest.raises(SpecError, match="spec.arguments.message.value is required"):
        prepare_workflow(ref, objects, {})
    wf = prepare_workflow(ref, objects, {"message": "hi"})
    assert wf["spec"]["arguments"]["parameters"] == [{"name": "message", "value": "hi"}]


def test_second_workflow_with_the_same_name_is_refused(tmp_path: Path) -> None:
    fixed = body([])
    fixed["metadata"] = {"name": "fixed"}

    async def go() -> list[str]:
        store = data_store(tmp_path)
        try:
            controller = Controller(data_dir=tmp_path, store=store, runtime=FakeRuntime(lambda pod: result_of()))
            [engine] = await controller.run([prepare_workflow(fixed, ObjectSet(), {})])
            with pytest.raises(AlreadyExists) as caught:
                controller.submit(fixed)
            await controller.close()
            return [engine.phase, str(caught.value)]
        finally:
            store.close()

    assert asyncio.run(go()) == ["Succeeded", 'workflows.argoproj.io "fixed" already exists']


def test_a_name_repeated_in_one_submission_starts_none(tmp_path: Path) -> None:
    fixed = body([])
    fixed["metadata"] = {"name": "twice"}
    other = body([])
    other["metadata"] = {"name": "once"}
    started: list[str] = []

    def record(pod: Any) -> Any:
        started.append(pod.workflow_name)
        return result_of()

    async def go() -> str:
        store = data_store(tmp_path)
        try:
            controller = Controller(data_dir=tmp_path, store=store, runtime=FakeRuntime(record))
            with pytest.raises(AlreadyExists) as caught:
                await controller.run([prepare_workflow(w, ObjectSet(), {}) for w in (other, fixed, fixed)])
            await controller.close()
            assert store.list_workflows().items == []
            return str(caught.value)
        finally:
            store.close()

    assert asyncio.run(go()) == 'workflows.argoproj.io "twice" already exists'
    assert started == []
