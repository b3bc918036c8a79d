"""Resolving workflowTemplateRef, templateRef, clusterScope and templateDefaults."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from argosy.errors import ReferenceError_, SpecError
from argosy.spec import (
    WORKFLOW_SCOPE,
    ObjectSet,
    TemplateResolver,
    TemplateScope,
    apply_template_defaults,
    find_template,
    load_paths,
    load_text,
    resolve_template_ref,
    resolve_workflow,
    template_type,
)

CORPUS = Path("/work/shared/conformance/argo-examples")
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="conformance corpus not present")


@pytest.fixture(scope="module")
def corpus() -> ObjectSet:
    return ObjectSet(load_paths([CORPUS / "workflow-template", CORPUS / "cluster-workflow-template"]))


def _workflow(objects: ObjectSet, path: str) -> dict:
    [found] = [w for w in objects.workflows if w.source == str(CORPUS / path)]
    return found.body


@needs_corpus
def test_workflow_template_ref_takes_spec_from_the_template(corpus: ObjectSet) -> None:
    wf = _workflow(corpus, "workflow-template/workflow-template-ref.yaml")
    resolved = resolve_workflow(wf, corpus)
    template = corpus.workflow_template("workflow-template-submittable")
    assert resolved["spec"]["entrypoint"] == template.spec["entrypoint"]
    assert [t["name"] for t in resolved["spec"]["templates"]] == [t["name"] for t in template.spec["templates"]]
    assert resolved["spec"]["workflowTemplateRef"] == {"name": "workflow-template-submittable"}
    assert "templates" not in wf["spec"]  # the input is not modified


@needs_corpus
def test_workflow_arguments_win_over_template_arguments(corpus: ObjectSet) -> None:
    wf = _workflow(corpus, "workflow-template/workflow-template-ref.yaml")
    wf = {**wf, "spec": {**wf["spec"], "arguments": {"parameters": [{"name": "message", "value": "from wf"}]}}}
    resolved = resolve_workflow(wf, corpus)
    params = resolved["spec"]["arguments"]["parameters"]
    assert [p for p in params if p["name"] == "message"] == [{"name": "message", "value": "from wf"}]


@needs_corpus
def test_cluster_scope_workflow_template_ref(corpus: ObjectSet) -> None:
    wf = _workflow(corpus, "cluster-workflow-template/workflow-template-ref.yaml")
    resolved = resolve_workflow(wf, corpus)
    assert resolved["spec"]["entrypoint"] == corpus.cluster_workflow_template(
        "cluster-workflow-template-submittable").spec["entrypoint"]


@needs_corpus
def test_template_ref_resolves_in_corpus_templates(corpus: ObjectSet) -> None:
    template, scope = resolve_template_ref(
        {"name": "workflow-template-print-message", "template": "print-message"}, corpus
    )
    assert scope == TemplateScope("WorkflowTemplate", "workflow-template-print-message")
    assert template["container"]["image"] == "busybox"
    assert scope.status_scope("wf") == "namespaced/workflow-template-print-message"


@needs_corpus
def test_template_name_resolves_within_the_template_it_came_from(corpus: ObjectSet) -> None:
    resolver = TemplateResolver({"spec": {"templates": []}}, corpus)
    inner, scope = resolver.resolve_template_ref({"name": "workflow-template-inner-steps", "template": "inner-steps"})
    step = inner["steps"][1][1]  # `template: print-message` inside the WorkflowTemplate
    found, found_scope = resolver.resolve(step, scope)
    assert found_scope == scope
    assert found["name"] == "print-message"


@needs_corpus
def test_cluster_template_ref(corpus: ObjectSet) -> None:
    template, scope = resolve_template_ref(
        {"name": "cluster-workflow-template-print-message", "template": "print-message", "clusterScope": True},
        corpus,
    )
    assert scope.cluster_scope and template["name"] == "print-message"
    assert scope.status_scope("wf") == "cluster/cluster-workflow-template-print-message"


@pytest.mark.parametrize(
    ("ref", "message"),
    [({"name": "nope", "template": "x"}, 'workflowtemplates.argoproj.io "nope" not found'),
     ({"name": "nope", "template": "x", "clusterScope": True}, 'clusterworkflowtemplates.argoproj.io "nope" not found'),
     ({"name": "workflow-template-print-message", "template": "nope"},
      "template nope not found in workflow template workflow-template-print-message")],
    ids=["namespaced", "cluster", "template"],
)
@needs_corpus
def test_template_ref_not_found(corpus: ObjectSet, ref: dict, message: str) -> None:
    with pytest.raises(ReferenceError_) as caught:
        resolve_template_ref(ref, corpus)
    assert str(caught.value) == message


def test_missing_workflow_template_ref() -> None:
    with pytest.raises(ReferenceError_, match='workflowtemplates.argoproj.io "gone" not found'):
        resolve_workflow({"spec": {"workflowTemplateRef": {"name": "gone"}}}, ObjectSet())


DEFAULTS = {
    "timeout": "30s",
    "retryStrategy": {"limit": 2},
    "container": {"imagePullPolicy": "Always", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
    "metadata": {"labels": {"team": "x", "tier": "a"}},
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ({"name": "c", "container": {"image": "i"}},
         {"name": "c", "timeout": "30s", "retryStrategy": {"limit": 2}, "metadata": {"labels": {"team": "x", "tier": "a"}},
          "container": {"image": "i", "imagePullPolicy": "Always",
                        "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}}),
        ({"name": "s", "steps": [[{"name": "a", "template": "c"}]]},
         {"name": "s", "timeout": "30s", "retryStrategy": {"limit": 2}, "metadata": {"labels": {"team": "x", "tier": "a"}},
          "steps": [[{"name": "a", "template": "c"}]]}),
        ({"name": "o", "timeout": "1m", "retryStrategy": {"limit": 5, "retryPolicy": "Always"},
          "metadata": {"labels": {"tier": "b"}},
          "container": {"image": "i", "env": [{"name": "B", "value": "own"}, {"name": "C", "value": "3"}]}},
         {"name": "o", "timeout": "1m", "retryStrategy": {"limit": 5, "retryPolicy": "Always"},
          "metadata": {"labels": {"team": "x", "tier": "b"}},
          "container": {"imagePullPolicy": "Always", "image": "i",
                        "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "own"}, {"name": "C", "value": "3"}]}}),
    ],
    ids=["container-gets-all", "steps-gets-no-container-defaults", "own-fields-win-maps-merge-env-by-name"],
)
def test_template_defaults(template: dict, expected: dict) -> None:
    assert apply_template_defaults(template, DEFAULTS) == expected
    assert template_type(apply_template_defaults(template, DEFAULTS)) == template_type(template)


def test_template_defaults_from_workflow_apply_to_referenced_templates() -> None:
    objects = ObjectSet(load_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: WorkflowTemplate\nmetadata: {name: lib}\nspec:\n"
        "  templateDefaults: {timeout: 99s}\n  templates:\n  - {name: t, container: {image: i}}\n"
    ))
    wf = {"spec": {"templateDefaults": {"timeout": "5s"}, "entrypoint": "main",
                   "templates": [{"name": "main", "container": {"image": "i"}}]}}
    resolved = resolve_workflow(wf, objects)
    assert resolved["spec"]["templates"][0]["timeout"] == "5s"
    template, _ = resolve_template_ref({"name": "lib", "template": "t"}, objects, resolved)
    assert template["timeout"] == "5s"  # the running workflow's defaults, not the library's
    bare, _ = resolve_template_ref({"name": "lib", "template": "t"}, objects)
    assert "timeout" not in bare


def test_workflow_template_ref_inherits_template_defaults_and_hooks() -> None:
    objects = ObjectSet(load_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: WorkflowTemplate\nmetadata: {name: lib}\nspec:\n"
        "  entrypoint: t\n  suspend: true\n  templateDefaults: {timeout: 9s}\n"
        "  hooks: {exit: {template: t}, running: {template: t, expression: x}}\n"
        "  templates:\n  - {name: t, container: {image: i}}\n"
    ))
    wf = {"spec": {"workflowTemplateRef": {"name": "lib"}, "hooks": {"exit": {"template": "mine"}}}}
    spec = resolve_workflow(wf, objects)["spec"]
    assert spec["templates"][0]["timeout"] == "9s"
    assert spec["hooks"] == {"exit": {"template": "mine"}, "running": {"template": "t", "expression": "x"}}
    assert "suspend" not in spec  # the workflow's own suspend flag decides


def test_find_template_is_cached_and_reports_missing() -> None:
    wf = {"spec": {"templates": [{"name": "a", "container": {"image": "i"}}]}}
    objects = ObjectSet()
    first, scope = find_template(WORKFLOW_SCOPE, "a", objects, wf)
    again, _ = find_template(WORKFLOW_SCOPE, "a", objects, wf)
    assert first is again and scope.is_workflow
    assert scope.status_scope("wf-1") == "local/wf-1"
    with pytest.raises(ReferenceError_, match="template b not found"):
        find_template(WORKFLOW_SCOPE, "b", objects, wf)


@pytest.mark.parametrize(
    ("template", "expected"),
    [({"container": {}}, "Container"), ({"script": {}}, "Script"), ({"containerSet": {}}, "ContainerSet"),
     ({"steps": [[]]}, "Steps"), ({"dag": {}}, "DAG"), ({"suspend": {}}, "Suspend"),
     ({"resource": {}}, "Resource"), ({"data": {}}, "Data"), ({"http": {}}, "HTTP"), ({"plugin": {}}, "Plugin"),
     ({"steps": [], "container": {}}, "Container")],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_template_type(template: dict, expected: str) -> None:
    assert template_type(template) == expected


@pytest.mark.parametrize("template", [{"name": "x"}, {"name": "x", "container": {}, "script": {}}],
                         ids=["none", "two"])
def test_template_type_errors(template: dict) -> None:
    with pytest.raises(SpecError, match="templates.x"):
        template_type(template)


def test_configmap_and_secret_values() -> None:
    encoded = base64.b64encode(b"s3cret").decode()
    objects = ObjectSet(load_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm}\ndata: {a: x, n: 5}\n---\n"
        f"apiVersion: v1\nkind: Secret\nmetadata: {{name: sec}}\ndata: {{pw: {encoded}}}\nstringData: {{user: me}}\n"
    ))
    assert objects.configmap("cm") == {"a": "x", "n": "5"}
    assert objects.secret("sec") == {"pw": "s3cret", "user": "me"}
    with pytest.raises(ReferenceError_, match='configmaps "nope" not found'):
        objects.configmap("nope")
    with pytest.raises(ReferenceError_, match='secrets "nope" not found'):
        objects.secret("nope")
