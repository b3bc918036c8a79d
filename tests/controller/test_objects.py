"""ConfigMaps and Secrets reach the engine and the runtimes through one namespaced ObjectSource."""

from __future__ import annotations

import pytest

from argosy.runtime.base import RunContext
from argosy.runtime.objects import ManifestObjects, ObjectDicts
from argosy.spec import ObjectSet, load_text
from argosy.testing import PodResult, PodSpec, result_of, run_workflow

OBJECTS = """
apiVersion: v1
kind: ConfigMap
metadata: {name: anywhere}
data: {k: everywhere}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: scoped, namespace: team-a}
data: {k: only-team-a}
---
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: team-a}
stringData: {password: s3cret}
"""


@pytest.mark.parametrize(
    ("kind", "namespace", "name", "want"),
    [
        ("configmap", "default", "anywhere", {"k": "everywhere"}),
        ("configmap", "team-a", "anywhere", {"k": "everywhere"}),
        ("configmap", "team-a", "scoped", {"k": "only-team-a"}),
        ("configmap", "default", "scoped", None),
        ("secret", "team-a", "creds", {"password": "s3cret"}),
        ("secret", "team-b", "creds", None),
        ("configmap", "default", "missing", None),
    ],
    ids=["unscoped-default", "unscoped-other", "scoped-own", "scoped-elsewhere", "secret-own",
         "secret-elsewhere", "missing"],
)
def test_manifest_objects_by_namespace(kind: str, namespace: str, name: str, want: dict[str, str] | None) -> None:
    source = ManifestObjects(ObjectSet(load_text(OBJECTS)))
    assert getattr(source, kind)(namespace, name) == want


def test_run_context_reads_its_namespace_only() -> None:
    source = ObjectDicts(configmaps={"team-a/cm": {"k": "a"}, "cm2": {"k": "any"}})
    ctx = RunContext(data_dir=None, objects=source, namespace="team-b")  # type: ignore[arg-type]
    assert ctx.configmaps.get("cm") is None
    assert ctx.configmaps.get("cm2") == {"k": "any"}
    assert RunContext(data_dir=None, objects=source, namespace="team-a").configmaps.get("cm") == {"k": "a"}  # type: ignore[arg-type]


def test_workflow_parameter_from_a_configmap_of_its_namespace() -> None:
    args: list[list[str]] = []

    def record(pod: PodSpec) -> PodResult:
        args.append(pod.template["container"]["args"])
        return result_of()

    engine = run_workflow("""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: cm, namespace: team-a}
spec:
  entrypoint: main
  arguments:
    parameters:
    - {name: a, valueFrom: {configMapKeyRef: {name: scoped, key: k}}}
    - {name: b, valueFrom: {configMapKeyRef: {name: anywhere, key: k}}}
  templates:
  - name: main
    container: {image: busybox, command: [echo], args: ["{{workflow.parameters.a}}", "{{workflow.parameters.b}}"]}
""", record, objects=[OBJECTS])
    assert engine.phase == "Succeeded", engine.message
    assert args == [["only-team-a", "everywhere"]]
