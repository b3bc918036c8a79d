"""Repository resolution (Argo's artifactRepositoryRef rules), archive locations and archive strategies."""

from __future__ import annotations

import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest

from argosy.artifacts import (
    ArtifactRepositoryError,
    ConfigMapData,
    LocalRepository,
    PodArtifacts,
    WorkflowRepository,
    default_drivers,
)
from argosy.artifacts.archive import compression_level, stage
from argosy.artifacts.locations import repository_location
from argosy.artifacts.refs import DEFAULT_ANNOTATION, resolve_ref

S3_A = "s3: {bucket: a, endpoint: 'minio:9000'}"
S3_B = "s3: {bucket: b, endpoint: 'minio:9000', keyFormat: 'x/{{workflow.name}}'}"


def lookup_of(configmaps: dict[str, ConfigMapData]):
    return lambda namespace, name: configmaps.get(name)


ANNOTATED = ConfigMapData({"one": S3_A, "two": S3_B}, {DEFAULT_ANNOTATION: "one"})
PLAIN = ConfigMapData({"one": S3_A, "two": S3_B})
CONTROLLER = ConfigMapData({"artifactRepository": S3_B})


@pytest.mark.parametrize(
    ("ref", "configmaps", "want"),
    [
        (None, {}, {"default": True}),
        (None, {"workflow-controller-configmap": CONTROLLER}, {"default": True, "bucket": "b"}),
        (None, {"artifact-repositories": ANNOTATED}, {"configMap": "artifact-repositories", "key": "one"}),
        # no annotation and no key: the ConfigMap cannot say which repository, so the default is used
        (None, {"artifact-repositories": PLAIN}, {"default": True}),
        ({"key": "two"}, {"artifact-repositories": ANNOTATED}, {"configMap": "artifact-repositories", "key": "two"}),
        ({"configMap": "mine"}, {"mine": ANNOTATED}, {"configMap": "mine", "key": "one"}),
        ({"configMap": "mine", "key": "two"}, {"mine": PLAIN}, {"configMap": "mine", "key": "two"}),
    ],
    ids=["nothing", "controller-default", "annotated-default", "no-annotation", "key", "configmap", "both"],
)
def test_resolution(ref: dict | None, configmaps: dict, want: dict[str, Any]) -> None:
    got = resolve_ref(ref, "ns", lookup_of(configmaps))
    bucket = want.pop("bucket", None)
    assert {k: got[k] for k in want} == want
    if "configMap" in want:
        assert got["namespace"] == "ns"
        assert got["artifactRepository"]["s3"]["bucket"] == ("a" if want["key"] == "one" else "b")
    if bucket:
        assert got["artifactRepository"]["s3"]["bucket"] == bucket


@pytest.mark.parametrize(
    ("ref", "configmaps", "message"),
    [({"key": "one"}, {}, 'configmaps "artifact-repositories" not found'),
     ({"configMap": "mine"}, {"mine": PLAIN}, 'config map missing key ""'),
     ({"key": "three"}, {"artifact-repositories": ANNOTATED}, 'missing key "three"'),
     ({"key": "bad"}, {"artifact-repositories": ConfigMapData({"bad": "[1, 2"})}, "failed to unmarshal")],
    ids=["no-configmap", "no-default-key", "unknown-key", "bad-yaml"],
)
def test_resolution_errors(ref: dict, configmaps: dict, message: str) -> None:
    with pytest.raises(ArtifactRepositoryError, match=message):
        resolve_ref(ref, "ns", lookup_of(configmaps))


@pytest.mark.parametrize(
    ("repository", "want"),
    [(None, None),
     ({"s3": {"bucket": "b", "endpoint": "e"}}, {"s3": {"bucket": "b", "endpoint": "e",
                                                       "key": "{{workflow.name}}/{{pod.name}}"}}),
     ({"s3": {"bucket": "b", "keyPrefix": "pre"}}, {"s3": {"bucket": "b", "key": "pre/{{workflow.name}}/{{pod.name}}"}}),
     ({"s3": {"bucket": "b", "keyFormat": "k/{{pod.name}}"}}, {"s3": {"bucket": "b", "key": "k/{{pod.name}}"}}),
     ({"artifactory": {"repoURL": "http://a/r/", "usernameSecret": {"name": "u", "key": "k"}}},
      {"artifactory": {"usernameSecret": {"name": "u", "key": "k"},
                       "url": "http://a/r/{{workflow.name}}/{{pod.name}}"}}),
     ({"archiveLogs": True}, None)],
    ids=["none", "s3-default-format", "s3-key-prefix", "s3-key-format", "artifactory", "no-type"],
)
def test_repository_location(repository: dict | None, want: dict | None) -> None:
    assert repository_location(repository) == want


def test_template_archive_location_wins_and_key_only_relocates() -> None:
    ref = {"artifactRepository": {"s3": {"bucket": "repo", "endpoint": "e", "keyFormat": "{{workflow.name}}/{{pod.name}}"}}}
    wfrepo = WorkflowRepository(ref, {"workflow.name": "wf"})
    assert wfrepo.archive_location({}, "wf-pod-1", "unused") == {"s3": {"bucket": "repo", "endpoint": "e",
                                                                         "key": "wf/wf-pod-1"}}
    own = {"archiveLocation": {"s3": {"bucket": "own", "endpoint": "e2", "key": "fixed"}}}
    assert wfrepo.archive_location(own, "p", "unused") == {"s3": {"bucket": "own", "endpoint": "e2", "key": "fixed"}}
    # archiveLogs alone is not a location: the repository's is used
    assert wfrepo.archive_location({"archiveLocation": {"archiveLogs": True}}, "p", "-")["s3"]["bucket"] == "repo"
    assert WorkflowRepository().archive_location({}, "p", "wf/p") == {"local": {"key": "wf/p"}}
    pod = PodArtifacts(wfrepo.archive_location({}, "p", "-"), {})
    assert pod.relocate("s3", {"key": "only"}) == ("s3", {"bucket": "repo", "endpoint": "e", "key": "only"})
    assert pod.relocate("s3", {"bucket": "x", "endpoint": "y", "key": "z"}) == (
        "s3", {"bucket": "x", "endpoint": "y", "key": "z"})
    assert pod.relocate("http", {"url": "http://h/x"}) == ("http", {"url": "http://h/x"})
    kind, loc, status = pod.output_location({"name": "n", "path": "/p/f.txt", "archive": {"none": {}}})
    assert (kind, loc["key"], status) == ("s3", "wf/p/f.txt", {"s3": {"key": "wf/p/f.txt"}})


@pytest.mark.parametrize(("archive", "level"), [(None, 6), ({"tar": {}}, 6), ({"tar": {"compressionLevel": 0}}, 0),
                                                 ({"tar": {"compressionLevel": 9}}, 9),
                                                 ({"tar": {"compressionLevel": -1}}, 6)])
def test_compression_level(archive: dict | None, level: int) -> None:
    assert compression_level(archive) == level


def test_compression_level_changes_the_archive(tmp_path: Path) -> None:
    src = tmp_path / "big.txt"
    src.write_text("argosy " * 20000)
    sizes = {}
    for level in (0, 9):
        out = stage(src, tmp_path / f"l{level}", {"name": "big", "path": "/big.txt",
                                                  "archive": {"tar": {"compressionLevel": level}}})
        sizes[level] = out.stat().st_size
        with tarfile.open(out, "r:gz") as tar:  # still a gzip'd tar at level 0 (stored, not compressed)
            assert tar.getnames() == ["big.txt"]
    assert sizes[0] > 10 * sizes[9]


def test_zip_strategy_roundtrip(tmp_path: Path) -> None:
    d = tmp_path / "dir"
    (d / "sub").mkdir(parents=True)
    (d / "sub" / "f").write_text("zipped")
    repo = LocalRepository(tmp_path / "repo")
    pod = PodArtifacts({"local": {"key": "wf/p"}}, default_drivers(repo), repo)
    status = pod.save({"name": "z", "path": "/dir", "archive": {"zip": {}}}, d)
    assert status["local"] == {"key": "wf/p/z.zip"}
    assert zipfile.ZipFile(repo.path("wf/p/z.zip")).namelist()[:1] == ["dir/"]
    assert pod.load({"name": "z", "path": "/in", "archive": {"zip": {}}, "local": status["local"]}, tmp_path / "in")
    assert (tmp_path / "in" / "sub" / "f").read_text() == "zipped"


def test_the_documented_example_config_resolves() -> None:
    from argosy.artifacts.refs import objects_lookup
    from argosy.spec import ObjectSet, load_paths

    example = Path(__file__).resolve().parents[2] / "examples" / "config" / "s3-artifact-repository.yaml"
    objects = ObjectSet(load_paths([example]))
    got = resolve_ref(None, "default", objects_lookup(objects))
    assert (got["configMap"], got["key"]) == ("artifact-repositories", "minio")
    assert got["artifactRepository"]["s3"]["endpoint"] == "localhost:9000"
    aws = resolve_ref({"key": "aws"}, "default", objects_lookup(objects))
    assert aws["artifactRepository"]["s3"]["useSDKCreds"] is True
    assert objects.secret("my-minio-cred") == {"accesskey": "minioadmin", "secretkey": "minioadmin"}
