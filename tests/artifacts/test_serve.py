"""Streaming a finished workflow's artifacts back (the server's download endpoints), for each repository."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest
from runkit import run_text
from s3kit import ACCESS_KEY, CREDENTIALS_SECRET, SECRET_KEY, S3Server

from argosy.artifacts import ArtifactNotFound, LocalRepository, collect_garbage, default_drivers
from argosy.artifacts.serve import open_artifact

WORKFLOW = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: serve-me}
spec:
  entrypoint: main
  templates:
  - name: main
    inputs:
      artifacts: [{name: given, path: /in/given.txt, raw: {data: "raw input"}}]
    container: {image: alpine, command: [sh, -c, "cp /in/given.txt /tmp/out.txt; echo plain > /tmp/plain.txt"]}
    outputs:
      artifacts:
      # (deleted on deletion: the controller collects OnWorkflowCompletion ones as the run ends)
      - {name: out, path: /tmp/out.txt, artifactGC: {strategy: OnWorkflowDeletion}}
      - {name: plain, path: /tmp/plain.txt, archive: {none: {}}}
"""


def _drivers(tmp_path: Path) -> dict:
    return default_drivers(LocalRepository(tmp_path / "data" / "artifacts"),
                           {CREDENTIALS_SECRET: {"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}})


@pytest.mark.parametrize("repository", ["local", "s3"])
def test_open_outputs_and_inputs(repository: str, s3: S3Server, tmp_path: Path) -> None:
    extra = [s3.manifests(s3.new_bucket())] if repository == "s3" else []
    [wf] = run_text(WORKFLOW, tmp_path, *extra)
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    node_id = next(iter(wf["status"]["nodes"]))
    drivers = _drivers(tmp_path)
    stream, filename = open_artifact(wf, node_id, "out", drivers)
    with stream, tarfile.open(fileobj=io.BytesIO(stream.read())) as tar:
        assert tar.extractfile("out.txt").read() == b"raw input"  # type: ignore[union-attr]
    assert filename == "out.tgz"
    stream, filename = open_artifact(wf, node_id, "plain", drivers)
    with stream:
        assert (stream.read(), filename) == (b"plain\n", "plain.txt")
    stream, _ = open_artifact(wf, node_id, "given", drivers, direction="inputs")
    with stream:
        assert stream.read() == b"raw input"
    with pytest.raises(ArtifactNotFound, match="'nope' not found"):
        open_artifact(wf, node_id, "nope", drivers)
    collect_garbage(wf, "OnWorkflowDeletion", drivers)
    with pytest.raises(ArtifactNotFound, match="deleted"):
        open_artifact(wf, node_id, "out", drivers)


def test_an_unarchived_directory_cannot_be_streamed(tmp_path: Path) -> None:
    from argosy.artifacts import ArchiveError

    text = WORKFLOW.replace("{name: plain, path: /tmp/plain.txt, archive: {none: {}}}",
                            "{name: plain, path: /tmp, archive: {none: {}}}")
    [wf] = run_text(text, tmp_path)
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    with pytest.raises(ArchiveError, match="directory stream"):
        open_artifact(wf, next(iter(wf["status"]["nodes"])), "plain", _drivers(tmp_path))
