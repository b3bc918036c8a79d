"""Strict decoding: every field's type checked against Argo's schema, unknown fields refused.

Each case is a spec that used to pass lint and crash ``argosy run`` (or run wrongly); each
must now be the exact lint problem below, with the field's full path.
"""

from __future__ import annotations

import textwrap

import pytest

from argosy.lint import lint_objects
from argosy.spec import load_text
from argosy.spec.schema import KIND_TYPES, fields, types, undefined_types

HEAD = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  generateName: bad-\n"
W = "bad.yaml: Workflow bad-: "
T = W + "spec.templates[0]"
MAIN = "entrypoint: main\ntemplates:\n- name: main\n"


def wf(spec: str) -> str:
    return HEAD + "spec:\n" + textwrap.indent(textwrap.dedent(spec).strip("\n"), "  ") + "\n"


def main(template: str) -> str:
    """A Workflow whose one template ``main`` has ``template`` (YAML lines under it)."""
    return wf(MAIN + textwrap.indent(textwrap.dedent(template).strip("\n"), "  "))


def kind(kind_: str, spec: str, api: str = "argoproj.io/v1alpha1") -> str:
    return f"apiVersion: {api}\nkind: {kind_}\nmetadata: {{name: x}}\nspec: {spec}\n"


CASES: list[tuple[str, str, list[str]]] = [
    # the shapes the issue found crashing `argosy run`
    ("steps-a-string", main("steps: hello"), [f'{T}.steps: must be a list, got a string "hello"']),
    ("steps-of-non-maps", main("steps: [[a, b]]"), [
        f'{T}.steps[0][0]: must be a mapping (WorkflowStep), got a string "a"',
        f'{T}.steps[0][1]: must be a mapping (WorkflowStep), got a string "b"',
    ]),
    ("step-group-not-a-list", main("steps: [a]"),
     [f'{T}.steps[0]: must be a list of steps (each group of parallel steps is a list), got a string "a"']),
    ("outputs-a-list", main("outputs: [a]\ncontainer: {image: a}"),
     [f"{T}.outputs: must be a mapping (Outputs), got a list"]),
    ("labels-a-list", HEAD.replace("metadata:\n", "metadata:\n  labels: [a]\n")
     + "spec: {entrypoint: main, templates: [{name: main, container: {image: a}}]}\n",
     [W + "metadata.labels: must be a mapping, got a list"]),
    ("container-a-string", main("container: alpine"),
     [f'{T}.container: must be a mapping (Container), got a string "alpine"']),
    ("env-a-map", main("container: {image: a, env: {A: b}}"), [f"{T}.container.env: must be a list, got a mapping"]),
    ("volumes-a-map", wf("volumes: {a: {emptyDir: {}}}\n" + MAIN + "  container: {image: a}"),
     [W + "spec.volumes: must be a list, got a mapping"]),
    ("command-a-string", main("container: {image: a, command: echo hi}"),
     [f'{T}.container.command: must be a list, got a string "echo hi"']),
    ("template-not-a-mapping", wf(MAIN + "  container: {image: a}\n- just-a-string"),
     [W + 'spec.templates[1]: must be a mapping (Template), got a string "just-a-string"']),
    ("template-null", wf(MAIN + "  container: {image: a}\n- null"),
     [W + "spec.templates[1]: must be a mapping (Template), got null"]),
    ("extra-key-in-container", main("container: {image: a, imagee: b}"),
     [f'{T}.container.imagee: unknown field "imagee" (did you mean "image"?)']),
    ("misspelt-template-type", main("contianer: {image: a}"), [
        f'{T}.contianer: unknown field "contianer" (did you mean "container"?)',
        W + "templates.main: template type unspecified. choose one of: container, containerSet, steps, script, "
        "resource, dag, suspend, data, http, plugin",
    ]),
    ("unknown-top-level-field", wf(MAIN + "  container: {image: a}").replace("spec:", "specs: {}\nspec:"),
     [W + 'specs: unknown field "specs" (did you mean "spec"?)']),
    # unknown kinds and apiVersions
    ("unknown-argo-kind", kind("Workfow", "{}"),
     [('bad.yaml: Workfow x: kind: unknown kind "Workfow" (did you mean "Workflow"?); Argo\'s kinds are '
      "ClusterWorkflowTemplate, CronWorkflow, Workflow, WorkflowEventBinding, WorkflowTemplate")]),
    ("misspelt-kind-other-group", kind("Worklfow", "{}", api="v1"),
     [('bad.yaml: Worklfow x: kind: unknown kind "Worklfow" (did you mean "Workflow"?); Argo\'s kinds are '
      "ClusterWorkflowTemplate, CronWorkflow, Workflow, WorkflowEventBinding, WorkflowTemplate")]),
    ("wrong-api-version", kind("Workflow", "{entrypoint: main, templates: [{name: main, container: {image: a}}]}",
                               api="argoproj.io/v1"),
     [('bad.yaml: Workflow x: apiVersion: unknown apiVersion "argoproj.io/v1" for Workflow: '
      "Argo's kinds are argoproj.io/v1alpha1")]),
    ("other-kinds-pass-through", kind("PersistentVolumeClaim", "{accessModes: [ReadWriteOnce]}", api="v1"), []),
    ("other-argoproj-kinds-pass-through", kind("Sensor", "{dependencies: []}"), []),
    ("unknown-kind-in-argo-group", kind("Pipeline", "{}"),
     [('bad.yaml: Pipeline x: kind: unknown kind "Pipeline"; Argo\'s kinds are '
      "ClusterWorkflowTemplate, CronWorkflow, Workflow, WorkflowEventBinding, WorkflowTemplate")]),
    # the Kubernetes types Argo embeds
    ("port-not-an-integer", main("container: {image: a, ports: [{containerPort: http}]}"),
     [f'{T}.container.ports[0].containerPort: must be an integer, got a string "http"']),
    ("quantity-a-list", main("container: {image: a, resources: {limits: {memory: [1]}}}"),
     [(f"{T}.container.resources.limits.memory: must be a quantity (a string such as 500Mi, or a number), "
      "got a list")]),
    ("quantities-as-numbers-and-strings", main("container: {image: a, resources: {limits: {cpu: 1, memory: 1Gi}}}"),
     []),
    ("probe-header-extra-key",
     main("container: {image: a, readinessProbe: {httpGet: {path: /, port: 80, httpHeaders: [{name: a, x: 1}]}}}"),
     [f'{T}.container.readinessProbe.httpGet.httpHeaders[0].x: unknown field "x"']),
    ("probe-port-int-or-string", main("container: {image: a, livenessProbe: {tcpSocket: {port: http}}}"), []),
    ("env-value-a-number", main("container: {image: a, env: [{name: A, value: 5}]}"),
     [f"{T}.container.env[0].value: must be a string, got a number (5)"]),
    ("env-from-typo", main("container: {image: a, envFrom: [{configMapRf: {name: c}}]}"),
     [f'{T}.container.envFrom[0].configMapRf: unknown field "configMapRf" (did you mean "configMapRef"?)']),
    ("security-context-user", main("container: {image: a, securityContext: {runAsUser: root}}"),
     [f'{T}.container.securityContext.runAsUser: must be an integer, got a string "root"']),
    ("lifecycle-typo", main("container: {image: a, lifecycle: {preStart: {exec: {command: [a]}}}}"),
     [f'{T}.container.lifecycle.preStart: unknown field "preStart" (did you mean "postStart"?)']),
    ("volume-mount-read-only", main("container: {image: a, volumeMounts: [{name: v, mountPath: /v, readOnly: yes}]}"),
     []),
    ("volume-mount-path-a-list", main("container: {image: a, volumeMounts: [{name: v, mountPath: [/v]}]}"),
     [f"{T}.container.volumeMounts[0].mountPath: must be a string, got a list"]),
    ("volume-source-typo", wf("volumes: [{name: v, emptydir: {}}]\n" + MAIN + "  container: {image: a}"),
     [W + 'spec.volumes[0].emptydir: unknown field "emptydir" (did you mean "emptyDir"?)']),
    ("secret-volume-items", wf("volumes: [{name: v, secret: {secretName: s, items: [{key: k, path: p, mode: rw}]}}]\n"
                               + MAIN + "  container: {image: a}"),
     [W + 'spec.volumes[0].secret.items[0].mode: must be an integer, got a string "rw"']),
    ("pvc-template-access-modes", wf("volumeClaimTemplates: [{metadata: {name: w}, spec: {accessModes: ReadWriteOnce}}]\n"
                                     + MAIN + "  container: {image: a}"),
     [W + 'spec.volumeClaimTemplates[0].spec.accessModes: must be a list, got a string "ReadWriteOnce"']),
    ("affinity-loosely", main("container: {image: a}\naffinity: {nodeAffinity: {anything: [1]}}"), []),
    ("affinity-not-a-mapping", main("container: {image: a}\naffinity: [a]"),
     [f"{T}.affinity: must be a mapping, got a list"]),
    ("tolerations-a-mapping", main("container: {image: a}\ntolerations: {key: a}"),
     [f"{T}.tolerations: must be a list, got a mapping"]),
    # Argo's own types, every template kind
    ("parameter-value-a-mapping", wf("arguments: {parameters: [{name: p, value: {a: 1}}]}\n" + MAIN
                                     + "  container: {image: a}"),
     [W + "spec.arguments.parameters[0].value: must be a string, number or boolean, got a mapping"]),
    ("parameter-values-any-string", wf("arguments: {parameters: [{name: p, value: 5, enum: [5, true, x]}]}\n" + MAIN
                                       + "  container: {image: a}"), []),
    ("retry-limit-int-or-string", main("retryStrategy: {limit: '3', backoff: {factor: 2}}\ncontainer: {image: a}"), []),
    ("retry-limit-a-list", main("retryStrategy: {limit: [3]}\ncontainer: {image: a}"),
     [f"{T}.retryStrategy.limit: must be an integer or a string, got a list"]),
    ("script-source-a-number", main("script: {image: a, source: 1}"),
     [f"{T}.script.source: must be a string, got a number (1)"]),
    ("dag-tasks-a-mapping", main("dag: {tasks: {a: {template: x}}}"), [f"{T}.dag.tasks: must be a list, got a mapping"]),
    ("dag-task-typo", main("dag: {tasks: [{name: a, template: main, dependecies: [b]}]}"),
     [f'{T}.dag.tasks[0].dependecies: unknown field "dependecies" (did you mean "dependencies"?)']),
    ("step-with-items-a-string", main("steps: [[{name: a, template: main, withItems: abc}]]"),
     [f'{T}.steps[0][0].withItems: must be a list, got a string "abc"']),
    ("step-group-3x-form", wf(MAIN + "  steps: [{steps: [{name: a, template: w}]}]\n- {name: w, container: {image: a}}"),
     []),
    ("container-set", main("containerSet: {containers: [{name: a, image: a, dependencies: b}]}"),
     [f'{T}.containerSet.containers[0].dependencies: must be a list, got a string "b"']),
    ("resource-flags", main("resource: {action: create, manifest: x, flags: --validate=false}"),
     [f'{T}.resource.flags: must be a list, got a string "--validate=false"']),
    ("http-headers", main("http: {url: 'http://x', headers: {a: b}}"), [f"{T}.http.headers: must be a list, got a mapping"]),
    ("data-source", main("data: {source: {artifactPath: {}}, transformation: []}"),
     [f'{T}.data.source.artifactPath: unknown field "artifactPath" (did you mean "artifactPaths"?)']),
    ("suspend-duration-a-number", main("suspend: {duration: 10}"),
     [f"{T}.suspend.duration: must be a string, got a number (10)"]),
    ("plugin-not-a-mapping", main("plugin: hello"), [f'{T}.plugin: must be a mapping, got a string "hello"']),
    ("artifact-typo", main("inputs: {artifacts: [{name: a, path: /a, s3: {bucket: b, ky: k}}]}\ncontainer: {image: a}"),
     [f'{T}.inputs.artifacts[0].s3.ky: unknown field "ky" (did you mean "key"?)']),
    ("synchronization-3x-spelling", main("synchronization: {mutex: {name: m}}\ncontainer: {image: a}"), []),
    ("workflow-template", kind("WorkflowTemplate", "{templates: [{name: main, container: {image: a}, inputz: {}}]}"),
     ['bad.yaml: WorkflowTemplate x: spec.templates[0].inputz: unknown field "inputz" (did you mean "inputs"?)']),
    ("cluster-workflow-template", kind("ClusterWorkflowTemplate", "{templates: [{name: main, daemon: 'yes'}]}"),
     ['bad.yaml: ClusterWorkflowTemplate x: spec.templates[0].daemon: must be true or false, got a string "yes"']),
    ("cron-workflow", kind("CronWorkflow", "{schedule: '* * * * *', suspend: 'no', workflowSpec: {entrypoint: main, "
                           "templates: [{name: main, container: {image: a, args: [1]}}]}}"), [
        'bad.yaml: CronWorkflow x: spec.suspend: must be true or false, got a string "no"',
        "bad.yaml: CronWorkflow x: spec.workflowSpec.templates[0].container.args[0]: must be a string, got a number (1)",
    ]),
    ("workflow-event-binding", kind("WorkflowEventBinding",
                                    "{event: {selector: true}, submit: {workflowTemplateRef: {name: x}, argumentz: {}}}"),
     [
        "bad.yaml: WorkflowEventBinding x: spec.event.selector: must be a string, got a boolean (true)",
        'bad.yaml: WorkflowEventBinding x: spec.submit.argumentz: unknown field "argumentz" (did you mean "arguments"?)',
    ]),
    ("workflow-spec-ttl", wf("ttlStrategy: {secondsAfterCompletion: soon}\n" + MAIN + "  container: {image: a}"),
     [W + 'spec.ttlStrategy.secondsAfterCompletion: must be an integer, got a string "soon"']),
    ("status-is-not-checked", wf(MAIN + "  container: {image: a}") + "status: {anything: [1]}\n", []),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_wrong_type_or_unknown_field_is_a_lint_problem(text: str, expected: list[str]) -> None:
    assert [str(p) for p in lint_objects(load_text(text, "bad.yaml"))] == expected


def test_every_type_a_field_names_is_defined() -> None:
    assert undefined_types() == set()
    assert set(KIND_TYPES.values()) <= set(types())


@pytest.mark.parametrize(
    ("type_name", "field", "field_type"),
    [("Template", "container", "Container"), ("Template", "steps", "[ParallelSteps]"),
     ("Container", "env", "[EnvVar]"), ("Volume", "persistentVolumeClaim", "PersistentVolumeClaimVolumeSource"),
     ("ObjectMeta", "labels", "{str}"), ("Parameter", "value", "anystr"), ("Sequence", "count", "intstr"),
     ("ResourceRequirements", "limits", "{quantity}"), ("WorkflowSpec", "volumeClaimTemplates",
                                                         "[PersistentVolumeClaim]")],
)
def test_table_entries(type_name: str, field: str, field_type: str) -> None:
    assert fields(type_name)[field] == field_type
