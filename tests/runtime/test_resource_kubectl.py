"""What Argo's executor asks of kubectl, without kubectl: flags, JSONPath templates, jq filters."""

from __future__ import annotations

import pytest

from argosy.errors import ResourceError
from argosy.runtime.kubectl import Flags, jq_output, jsonpath_output, kind_of, parse_flags

POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "my-pod", "labels": {"b": "2", "a": "1"}},
       "spec": {"containers": [{"name": "main", "image": "argosay"}, {"name": "side", "image": "nginx"}]},
       "status": {"phase": "Running", "ready": True, "restarts": 3, "nothing": None}}


@pytest.mark.parametrize(("flags", "parsed"), [
    ([], Flags()),
    (["workflow", "my-wf"], Flags("workflow", "my-wf")),
    (["configmap/settings"], Flags("configmap", "settings")),
    (["configmap", "--selector", "cleanup=true"], Flags("configmap", selector="cleanup=true")),
    (["cm", "-l", "a=b", "-n", "other"], Flags("cm", namespace="other", selector="a=b")),
    (["--namespace=other", "wf", "x"], Flags("wf", "x", namespace="other")),
    (["--selector=a in (b)", "cm"], Flags("cm", selector="a in (b)")),
    (["wf", "x", "--ignore-not-found"], Flags("wf", "x")),
])
def test_flags_name_the_object(flags: list[str], parsed: Flags) -> None:
    assert parse_flags(flags) == parsed


@pytest.mark.parametrize(("flags", "message"), [
    (["--server-side"], "resource flag '--server-side' is a kubectl flag that needs a Kubernetes API server"),
    (["--kubeconfig", "/x"], "'--kubeconfig'"),
    (["-o", "yaml"], "'-o'"),
    (["cm", "-n"], "resource flag '-n' needs a value"),
    (["cm", "a", "b"], "more than one object"),
])
def test_kubectl_only_flags_are_refused_by_name(flags: list[str], message: str) -> None:
    with pytest.raises(ResourceError) as err:
        parse_flags(flags)
    assert message in str(err.value)


@pytest.mark.parametrize(("name", "kind"), [
    ("workflow", "Workflow"), ("workflows", "Workflow"), ("wf", "Workflow"), ("Workflow", "Workflow"),
    ("workflows.argoproj.io", "Workflow"), ("wftmpl", "WorkflowTemplate"), ("cwf", "CronWorkflow"),
    ("clusterworkflowtemplates", "ClusterWorkflowTemplate"), ("configmap", "ConfigMap"), ("cm", "ConfigMap"),
    ("pods", None), ("job", None), ("secret", None),
])
def test_kubectl_names_of_kinds(name: str, kind: str | None) -> None:
    assert kind_of(name) == kind


@pytest.mark.parametrize(("template", "text"), [
    ("{.metadata.name}", "my-pod"),
    ("{$.metadata.name}", "my-pod"),
    ("name={.metadata.name} phase={.status.phase}", "name=my-pod phase=Running"),
    ("{.spec.containers[0].image}", "argosay"),
    ("{.spec.containers[*].name}", "main side"),            # several matches: space-separated
    ("{.spec.containers[?(@.name=='side')].image}", "nginx"),
    ("{..image}", "argosay nginx"),
    ("{.status.ready}", "true"),
    ("{.status.restarts}", "3"),
    ("{.metadata.labels}", '{"a":"1","b":"2"}'),               # objects as JSON, keys sorted
    ("{.status.missing}", ""),                                 # kubectl allows missing keys
    ("{.metadata.name}{\"\\n\"}", "my-pod\n"),                  # a quoted literal
    ("plain", "plain"),
])
def test_jsonpath_templates_print_as_kubectl_does(template: str, text: str) -> None:
    assert jsonpath_output(POD, template) == text


def test_jsonpath_range_is_refused_with_a_way_out() -> None:
    with pytest.raises(ResourceError, match="use jqFilter"):
        jsonpath_output(POD, "{range .spec.containers[*]}{.name}{end}")


@pytest.mark.parametrize(("program", "text"), [
    (".metadata.name", "my-pod"),                              # a string result is written raw
    (".status.restarts", "3"),
    (".metadata.labels", '{"a":"1","b":"2"}'),
    (".spec.containers[].name", "main\nside"),                  # one line per result
    (".spec.containers | length", "2"),
    (".status.nothing", "null"),
    ("[.spec.containers[].image]", '["argosay","nginx"]'),
])
def test_jq_filters_print_as_argo_does(program: str, text: str) -> None:
    assert jq_output(POD, program) == text


def test_a_bad_jq_filter_names_itself() -> None:
    with pytest.raises(ResourceError, match=r"jqFilter '\.metadata\.\[': "):
        jq_output(POD, ".metadata.[")
