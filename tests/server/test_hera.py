"""Real clients, unmodified, against a real ``argosy server``: Hera and the generated ``argo-workflows`` client.

These are black-box tests of the REST API's shapes: each client parses every answer into its own
typed models, so a missing field, a ``null``, a wrong status code or path fails here.
"""

from __future__ import annotations

from typing import Any

import argo_workflows
import pytest
from argo_workflows.api import info_service_api, workflow_service_api, workflow_template_service_api
from argo_workflows.exceptions import NotFoundException
from argo_workflows.model.io_argoproj_workflow_v1alpha1_submit_opts import (
    IoArgoprojWorkflowV1alpha1SubmitOpts,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_create_request import (
    IoArgoprojWorkflowV1alpha1WorkflowCreateRequest,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_submit_request import (
    IoArgoprojWorkflowV1alpha1WorkflowSubmitRequest,
)
from argo_workflows.model.io_argoproj_workflow_v1alpha1_workflow_template_create_request import (
    IoArgoprojWorkflowV1alpha1WorkflowTemplateCreateRequest,
)
from hera.exceptions import AlreadyExists, BadRequest, NotFound
from hera.workflows import (
    DAG,
    Container,
    Parameter,
    Steps,
    Suspend,
    Workflow,
    WorkflowsService,
    WorkflowTemplate,
    script,
)
from hera.workflows.models import WorkflowLintRequest, WorkflowSetRequest, WorkflowTemplateRef
from serverkit import RunningServer

# Hera 7 still calls pydantic's v1-style ``.json()``; its deprecation warning is Hera's, not ours.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:hera")

# Hera sleeps this long before each poll of ``wait()``; the server answers in milliseconds.
POLL = 0.1


@pytest.fixture
def service(server: RunningServer) -> WorkflowsService:
    return WorkflowsService(host=server.url, verify_ssl=False, namespace="default")


# Unannotated: Hera reads a script's inputs from real annotations, and this module's are strings.
@script(image="python:3.11")
def add(a, b):  # type: ignore[no-untyped-def]
    print(int(a) + int(b))


def test_hera_workflow_create_wait_get_list(service: WorkflowsService) -> None:
    with Workflow(generate_name="hera-steps-", entrypoint="main", namespace="default",
                  workflows_service=service, labels={"client": "hera"}) as wf:
        hello = Container(name="hello", image="busybox", command=["sh", "-c", "echo hello"])
        with Steps(name="main"):
            hello(name="first")
            add(name="sum", arguments={"a": 1, "b": 2})
    created = wf.create()
    assert created.metadata.name and created.metadata.name.startswith("hera-steps-")
    assert wf.name == created.metadata.name and created.metadata.uid

    done = wf.wait(poll_interval=POLL)  # type: ignore[arg-type]  # Hera sleeps any number
    assert done.status is not None and done.status.phase == "Succeeded"
    results = {n.display_name: n.outputs.result for n in (done.status.nodes or {}).values()
               if n.outputs is not None and n.outputs.result is not None}
    assert results == {"first": "hello", "sum": "3"}

    got = service.get_workflow(wf.name)
    assert got.metadata.uid == created.metadata.uid and got.status is not None
    assert got.status.phase == "Succeeded" and got.status.finished_at is not None
    listed = service.list_workflows(label_selector="client=hera")
    assert wf.name in [item.metadata.name for item in listed.items or []]


def test_hera_dag_with_parameters(service: WorkflowsService) -> None:
    with (Workflow(generate_name="hera-dag-", entrypoint="main", namespace="default", workflows_service=service,
                   arguments=Parameter(name="n", value="4")) as wf,
          DAG(name="main", inputs=Parameter(name="n"))):
        a = add(name="a", arguments={"a": "{{inputs.parameters.n}}", "b": 1})
        b = add(name="b", arguments={"a": "{{tasks.a.outputs.result}}", "b": 10})
        a >> b
    wf.create()
    done = wf.wait(poll_interval=POLL)  # type: ignore[arg-type]
    assert done.status is not None and done.status.phase == "Succeeded"
    results = {n.display_name: n.outputs.result for n in (done.status.nodes or {}).values()
               if n.outputs is not None and n.outputs.result is not None}
    assert results == {"a": "5", "b": "15"}


def test_hera_suspend_set_outputs_then_wait(service: WorkflowsService) -> None:
    with Workflow(generate_name="hera-approve-", entrypoint="main", namespace="default",
                  workflows_service=service) as wf:
        approve = Suspend(name="approve", intermediate_parameters=[Parameter(name="ok", default="no")])
        echo = Container(name="echo", image="busybox", inputs=Parameter(name="v"),
                         command=["echo", "{{inputs.parameters.v}}"])
        with Steps(name="main"):
            approve(name="approve")
            echo(name="echo", arguments={"v": "{{steps.approve.outputs.parameters.ok}}"})
    wf.create()
    # at once Running (never a Pending after the create said Running): Hera's wait() ends on any other phase
    first = service.get_workflow(wf.name or "")
    assert first.status is not None and first.status.phase == "Running"
    service.set_workflow(wf.name or "", WorkflowSetRequest(node_field_selector="displayName=approve",
                                                           output_parameters='{"ok": "yes"}', phase="Succeeded"))
    done = wf.wait(poll_interval=POLL)  # type: ignore[arg-type]
    assert done.status is not None and done.status.phase == "Succeeded"
    results = {n.display_name: n.outputs.result for n in (done.status.nodes or {}).values()
               if n.outputs is not None and n.outputs.result is not None}
    assert results == {"echo": "yes"}


def test_hera_failing_workflow_ends_failed(service: WorkflowsService) -> None:
    with Workflow(generate_name="hera-fail-", entrypoint="main", namespace="default",
                  workflows_service=service) as wf:
        Container(name="main", image="busybox", command=["sh", "-c", "exit 3"])
    wf.create()
    done = wf.wait(poll_interval=POLL)  # type: ignore[arg-type]
    assert done.status is not None and done.status.phase == "Failed"
    node = (done.status.nodes or {})[wf.name or ""]
    assert node.phase == "Failed" and node.outputs is not None and node.outputs.exit_code == "3"


def test_hera_workflow_template_and_ref(service: WorkflowsService) -> None:
    with WorkflowTemplate(name="hera-greeter", entrypoint="main", namespace="default",
                          workflows_service=service, arguments=Parameter(name="who", value="world")) as tpl:
        Container(name="main", image="busybox", inputs=Parameter(name="who"),
                  command=["sh", "-c", "echo hello {{inputs.parameters.who}}"])
    created = tpl.create()
    assert created.metadata.name == "hera-greeter" and created.metadata.uid
    assert tpl.get().metadata.uid == created.metadata.uid
    assert tpl.lint().metadata.name == "hera-greeter"
    listed = service.list_workflow_templates()
    assert "hera-greeter" in [t.metadata.name for t in listed.items or []]
    with pytest.raises(AlreadyExists):
        tpl.create()

    wf = Workflow(generate_name="hera-ref-", namespace="default", workflows_service=service,
                  workflow_template_ref=WorkflowTemplateRef(name="hera-greeter"),
                  arguments=Parameter(name="who", value="hera"))
    wf.create()
    done = wf.wait(poll_interval=POLL)  # type: ignore[arg-type]
    assert done.status is not None and done.status.phase == "Succeeded"
    node = (done.status.nodes or {})[wf.name or ""]
    assert node.outputs is not None and node.outputs.result == "hello hera"
    service.delete_workflow_template("hera-greeter")
    with pytest.raises(NotFound):
        service.get_workflow_template("hera-greeter")


def test_hera_lint_and_errors(service: WorkflowsService) -> None:
    with Workflow(name="hera-lint", entrypoint="main", namespace="default", workflows_service=service) as good:
        Container(name="main", image="busybox", command=["true"])
    linted = service.lint_workflow(WorkflowLintRequest(workflow=good.build()))  # type: ignore[arg-type]
    assert linted.metadata.name == "hera-lint"
    with Workflow(name="hera-bad", entrypoint="nope", namespace="default", workflows_service=service) as bad:
        Container(name="main", image="busybox", command=["true"])
    with pytest.raises(BadRequest, match="nope"):
        service.lint_workflow(WorkflowLintRequest(workflow=bad.build()))  # type: ignore[arg-type]
    with pytest.raises(BadRequest, match="nope"):
        bad.create()
    with pytest.raises(NotFound):
        service.get_workflow("no-such-workflow")
    assert service.get_version().version


# ---- the generated client (argo-workflows on PyPI), its models type-checked on every answer ----

WORKFLOW: dict[str, Any] = {
    "apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow",
    "metadata": {"generateName": "generated-", "labels": {"client": "generated"}},
    "spec": {"entrypoint": "main", "arguments": {"parameters": [{"name": "who", "value": "world"}]},
             "templates": [{"name": "main", "inputs": {"parameters": [{"name": "who"}]},
                            "container": {"image": "busybox",
                                          "command": ["echo", "hi {{inputs.parameters.who}}"]}}]},
}


def test_generated_client_create_get_list_submit(server: RunningServer) -> None:
    config = argo_workflows.Configuration(host=server.url)
    config.verify_ssl = False
    with argo_workflows.ApiClient(config) as client:
        workflows = workflow_service_api.WorkflowServiceApi(client)
        templates = workflow_template_service_api.WorkflowTemplateServiceApi(client)
        assert info_service_api.InfoServiceApi(client).get_version().version

        request = IoArgoprojWorkflowV1alpha1WorkflowCreateRequest(workflow=WORKFLOW, _check_type=False)
        created = workflows.create_workflow("default", request)
        name = created.metadata.name
        assert name.startswith("generated-") and created.metadata.uid
        got = workflows.get_workflow("default", name)
        assert got.metadata.uid == created.metadata.uid
        listed = workflows.list_workflows("default", list_options_label_selector="client=generated")
        assert name in [item.metadata.name for item in listed["items"]]
        assert workflows.list_workflows("default", list_options_label_selector="client=none")["items"] == []
        with pytest.raises(NotFoundException):
            workflows.get_workflow("default", "no-such-workflow")

        template = {"metadata": {"name": "generated-tpl"}, "spec": WORKFLOW["spec"]}
        templates.create_workflow_template("default", IoArgoprojWorkflowV1alpha1WorkflowTemplateCreateRequest(
            template=template, _check_type=False))
        assert templates.get_workflow_template("default", "generated-tpl").metadata.name == "generated-tpl"
        submitted = workflows.submit_workflow("default", IoArgoprojWorkflowV1alpha1WorkflowSubmitRequest(
            resource_kind="WorkflowTemplate", resource_name="generated-tpl",
            submit_options=IoArgoprojWorkflowV1alpha1SubmitOpts(parameters=["who=client"])))
        assert submitted.metadata.name.startswith("generated-tpl-")
        workflows.delete_workflow("default", name)
        templates.delete_workflow_template("default", "generated-tpl")
