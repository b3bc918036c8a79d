"""Workflows whose artifacts live in S3 (moto's server): repository refs, key formats, explicit locations."""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path

import pytest
from runkit import node_outputs, run_text
from s3kit import S3Server

from argosy.engine.nodes import pod_name

PRODUCE_CONSUME = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: s3-pass, labels: {team: blue}}
spec:
  entrypoint: main
  arguments: {parameters: [{name: run, value: r1}]}
  templates:
  - name: main
    steps:
    - - name: produce
        template: produce
        arguments: {parameters: [{name: tag, value: t7}]}
    - - name: consume
        template: consume
        arguments:
          artifacts:
          - {name: file, from: "{{steps.produce.outputs.artifacts.file}}"}
          - {name: dir, from: "{{steps.produce.outputs.artifacts.dir}}"}
          - {name: raw, from: "{{steps.produce.outputs.artifacts.raw}}"}
  - name: produce
    inputs: {parameters: [{name: tag}]}
    script:
      image: alpine
      command: [sh]
      source: |
        echo hello > /tmp/file.txt
        mkdir -p /tmp/out/sub && echo a > /tmp/out/a && echo b > /tmp/out/sub/b
        echo unarchived > /tmp/raw.txt
    outputs:
      artifacts:
      - {name: file, path: /tmp/file.txt, archive: {tar: {compressionLevel: 1}}}
      - {name: dir, path: /tmp/out}
      - {name: raw, path: /tmp/raw.txt, archive: {none: {}}}
  - name: consume
    inputs:
      parameters: [{name: tag, value: consumer}]
      artifacts:
      - {name: file, path: /in/file.txt}
      - {name: dir, path: /in/dir}
      - {name: raw, path: /in/raw.txt}
    container:
      image: alpine
      command: [sh, -c, "cat /in/file.txt /in/dir/a /in/dir/sub/b /in/raw.txt"]
"""


def pod_of(wf: dict, display_name: str) -> str:
    """The pod name of a node, as Argo forms it (the default key format ends with it)."""
    node = next(n for n in wf["status"]["nodes"].values() if n["displayName"] == display_name)
    return pod_name(wf["metadata"]["name"], node["name"], node.get("templateName"))


def test_default_repository_from_the_configmap(s3: S3Server, tmp_path: Path) -> None:
    bucket = s3.new_bucket()
    [wf] = run_text(PRODUCE_CONSUME, tmp_path, s3.manifests(bucket))
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    ref = wf["status"]["artifactRepositoryRef"]
    assert {k: ref[k] for k in ("configMap", "key", "namespace")} == {
        "configMap": "artifact-repositories", "key": "default-v1", "namespace": "default"}
    assert ref["artifactRepository"]["s3"]["bucket"] == bucket
    produced = node_outputs(wf, "produce")["artifacts"]
    pod = pod_of(wf, "produce")
    prefix = f"s3-pass/{pod}"
    assert [a["s3"] for a in produced] == [{"key": f"{prefix}/file.tgz"}, {"key": f"{prefix}/dir.tgz"},
                                           {"key": f"{prefix}/raw.txt"}]
    assert s3.keys(bucket) == [f"{prefix}/dir.tgz", f"{prefix}/file.tgz", f"{prefix}/raw.txt"]
    assert s3.read(bucket, f"{prefix}/raw.txt") == b"unarchived\n"
    with tarfile.open(fileobj=io.BytesIO(s3.read(bucket, f"{prefix}/dir.tgz"))) as tar:
        assert sorted(tar.getnames()) == ["out", "out/a", "out/sub", "out/sub/b"]
    assert node_outputs(wf, "consume")["result"] == "hello\na\nb\nunarchived"


def test_key_format_uses_workflow_pod_and_input_variables(s3: S3Server, tmp_path: Path) -> None:
    bucket = s3.new_bucket()
    fmt = ("{{workflow.namespace}}/{{workflow.labels.team}}/{{workflow.parameters.run}}/"
           "{{inputs.parameters.tag}}/{{workflow.creationTimestamp.Y}}/{{pod.name}}")
    [wf] = run_text(PRODUCE_CONSUME, tmp_path, s3.manifests(bucket, key_format=fmt))
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    year = wf["metadata"]["creationTimestamp"][:4]
    pod = pod_of(wf, "produce")
    assert node_outputs(wf, "produce")["artifacts"][0]["s3"] == {
        "key": f"default/blue/r1/t7/{year}/{pod}/file.tgz"}


def test_unresolvable_key_format_fails_the_pod(s3: S3Server, tmp_path: Path) -> None:
    bucket = s3.new_bucket()
    [wf] = run_text(PRODUCE_CONSUME, tmp_path, s3.manifests(bucket, key_format="{{workflow.labels.nope}}/x"))
    assert wf["status"]["phase"] in ("Failed", "Error")
    produce = next(n for n in wf["status"]["nodes"].values() if n["displayName"] == "produce")
    assert "workflow.labels.nope" in produce["message"]


REF = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: ref-wf}
spec:
  entrypoint: main
  artifactRepositoryRef: {configMap: my-repos, key: second}
  templates:
  - name: main
    container: {image: alpine, command: [sh, -c, "echo hi > /tmp/hi.txt"]}
    outputs: {artifacts: [{name: hi, path: /tmp/hi.txt}]}
"""


def test_workflow_artifact_repository_ref_picks_configmap_and_key(s3: S3Server, tmp_path: Path) -> None:
    first, second = s3.new_bucket(), s3.new_bucket()
    extra = {"second": json.dumps({"s3": s3.location(second, keyFormat="by-ref/{{workflow.name}}")})}
    [wf] = run_text(REF, tmp_path, s3.manifests(first, extra_keys=extra, name="my-repos"))
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    ref = wf["status"]["artifactRepositoryRef"]
    assert (ref["configMap"], ref["key"]) == ("my-repos", "second")
    assert s3.keys(second) == ["by-ref/ref-wf/hi.tgz"]
    assert s3.keys(first) == []


@pytest.mark.parametrize(
    ("ref", "message"),
    [("{configMap: nothing-here}", 'configmaps "nothing-here" not found'),
     ("{key: missing-key}", 'config map missing key "missing-key"')],
    ids=["no-configmap", "no-key"],
)
def test_unresolvable_ref_is_an_error(s3: S3Server, tmp_path: Path, ref: str, message: str) -> None:
    from argosy.artifacts import ArtifactRepositoryError

    text = REF.replace("{configMap: my-repos, key: second}", ref)
    with pytest.raises(ArtifactRepositoryError, match=message):
        run_text(text, tmp_path, s3.manifests(s3.new_bucket()))


def test_no_configmap_means_the_local_repository(tmp_path: Path) -> None:
    [wf] = run_text(REF.replace("  artifactRepositoryRef: {configMap: my-repos, key: second}\n", ""), tmp_path)
    assert wf["status"]["phase"] == "Succeeded"
    assert wf["status"]["artifactRepositoryRef"] == {"default": True}
    assert node_outputs(wf, "ref-wf")["artifacts"][0]["local"] == {"key": "ref-wf/ref-wf/hi.tgz"}


EXPLICIT = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: explicit}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: put, template: put}
      - {name: get, template: get, dependencies: [put]}
      - {name: archived, template: archived}
  - name: put
    container: {image: alpine, command: [sh, -c, "echo explicit > /tmp/e.txt"]}
    outputs:
      artifacts:
      - name: e
        path: /tmp/e.txt
        archive: {none: {}}
        s3: LOCATION_E
  - name: get
    inputs:
      artifacts:
      - name: e
        path: /tmp/e.txt
        s3: LOCATION_E
    container: {image: alpine, command: [cat, /tmp/e.txt]}
  - name: archived
    archiveLocation:
      s3: LOCATION_ARCHIVE
    container: {image: alpine, command: [sh, -c, "echo a > /tmp/a.txt"]}
    outputs: {artifacts: [{name: a, path: /tmp/a.txt}]}
"""


def test_explicit_artifact_and_template_locations_without_a_repository(s3: S3Server, tmp_path: Path) -> None:
    bucket = s3.new_bucket()
    loc_e = json.dumps(s3.location(bucket, key="fixed/e.txt"))
    loc_archive = json.dumps(s3.location(bucket, key="tmpl/{{workflow.name}}/{{pod.name}}"))
    text = EXPLICIT.replace("LOCATION_E", loc_e).replace("LOCATION_ARCHIVE", loc_archive)
    [wf] = run_text(text, tmp_path, s3.secret_manifest())
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    assert node_outputs(wf, "get")["result"] == "explicit"
    # a location spelled out in the template stays spelled out in status
    assert node_outputs(wf, "put")["artifacts"][0]["s3"]["bucket"] == bucket
    archived = node_outputs(wf, "archived")["artifacts"][0]["s3"]
    assert archived["key"].startswith("tmpl/explicit/explicit-archived-") and archived["key"].endswith("/a.tgz")
    assert sorted(s3.keys(bucket)) == sorted(["fixed/e.txt", archived["key"]])


DATA = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: data-s3}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: write, template: write}
    - - {name: list, template: list}
    - - name: read
        template: read
        withParam: "{{steps.list.outputs.result}}"
        arguments: {artifacts: [{name: f, s3: {key: "{{item}}"}}]}
  - name: write
    container: {image: alpine, command: [sh, -c, "echo one > /tmp/1; echo two > /tmp/2; echo x > /tmp/3"]}
    outputs:
      artifacts:
      - {name: a, path: /tmp/1, s3: {key: logs/a/main.log}, archive: {none: {}}}
      - {name: b, path: /tmp/2, s3: {key: logs/b/main.log}, archive: {none: {}}}
      - {name: c, path: /tmp/3, s3: {key: logs/b/other.txt}, archive: {none: {}}}
  - name: list
    data:
      source: {artifactPaths: {name: logs, s3: {bucket: ignored-for-the-repositorys, key: logs}}}
      transformation: [{expression: 'filter(data, {# endsWith "main.log"})'}]
  - name: read
    inputs: {artifacts: [{name: f, path: /f}]}
    container: {image: alpine, command: [cat, /f]}
"""


def test_data_template_lists_the_s3_repository(s3: S3Server, tmp_path: Path) -> None:
    bucket = s3.new_bucket()
    [wf] = run_text(DATA, tmp_path, s3.manifests(bucket))
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    assert json.loads(node_outputs(wf, "list")["result"]) == ["logs/a/main.log", "logs/b/main.log"]
    reads = sorted(n["outputs"]["result"] for n in wf["status"]["nodes"].values()
                   if n["displayName"].startswith("read("))
    assert reads == ["one", "two"]


LOGS = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: logs}
spec:
  archiveLogs: true
  entrypoint: main
  templates:
  - name: main
    steps: [[{name: kept, template: say}, {name: quiet, template: quiet}]]
  - name: say
    container: {image: busybox, command: [echo, hello world]}
  - name: quiet
    archiveLocation: {archiveLogs: false}
    container: {image: busybox, command: [echo, not archived]}
"""


@pytest.mark.parametrize("repository", ["local", "s3"])
def test_archive_logs(repository: str, s3: S3Server, tmp_path: Path) -> None:
    from argosy.artifacts import LocalRepository

    bucket = s3.new_bucket()
    [wf] = run_text(LOGS, tmp_path, *([s3.manifests(bucket)] if repository == "s3" else []))
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    key = f"logs/{pod_of(wf, 'kept')}/main.log"
    assert node_outputs(wf, "kept")["artifacts"] == [{"name": "main-logs", repository: {"key": key}}]
    assert "artifacts" not in node_outputs(wf, "quiet")
    stored = s3.read(bucket, key) if repository == "s3" else \
        LocalRepository(tmp_path / "data" / "artifacts").read(key)
    assert stored == b"hello world\n"
