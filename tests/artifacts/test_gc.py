"""Artifact GC: which artifacts each strategy collects, and deleting them from S3 and the local repository."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from runkit import run_text
from s3kit import ACCESS_KEY, CREDENTIALS_SECRET, SECRET_KEY, S3Server

from argosy.artifacts import (
    LocalRepository,
    artifact_strategy,
    artifacts_to_collect,
    collect_garbage,
    default_drivers,
    has_artifact_gc,
    strategies_due,
)

# upstream's artifact-gc-workflow.yaml, plus an artifact that is never collected
WORKFLOW = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: artifact-gc}
spec:
  entrypoint: main
  artifactGC: {strategy: OnWorkflowDeletion}
  templates:
  - name: main
    container:
      image: argoproj/argosay:v2
      command: [sh, -c]
      args: ["echo hello > /tmp/on-completion.txt; echo hello > /tmp/on-deletion.txt; echo k > /tmp/keep.txt"]
    outputs:
      artifacts:
      - name: on-completion
        path: /tmp/on-completion.txt
        s3: {key: on-completion.txt}
        artifactGC: {strategy: OnWorkflowCompletion}
      - name: on-deletion
        path: /tmp/on-deletion.txt
        s3: {key: on-deletion.txt}
      - name: keep
        path: /tmp/keep.txt
        artifactGC: {strategy: Never}
"""


@pytest.mark.parametrize(
    ("workflow_strategy", "artifact_strategy_", "want"),
    [(None, None, "Never"), ("OnWorkflowDeletion", None, "OnWorkflowDeletion"),
     ("OnWorkflowDeletion", "OnWorkflowCompletion", "OnWorkflowCompletion"),
     ("OnWorkflowCompletion", "Never", "Never"), (None, "OnWorkflowDeletion", "OnWorkflowDeletion")],
)
def test_artifact_strategy_overrides_the_workflow(workflow_strategy: str | None, artifact_strategy_: str | None,
                                                  want: str) -> None:
    wf = {"spec": {"artifactGC": {"strategy": workflow_strategy}} if workflow_strategy else {}}
    art = {"name": "a", **({"artifactGC": {"strategy": artifact_strategy_}} if artifact_strategy_ else {})}
    assert artifact_strategy(wf, art) == want


def test_selection_on_a_status_dict() -> None:
    wf: dict[str, Any] = {
        "spec": {"artifactGC": {"strategy": "OnWorkflowCompletion"},
                 "templates": [{"name": "t", "outputs": {"artifacts": [{"name": "x", "path": "/x"}]}}]},
        "status": {
            "phase": "Succeeded",
            "artifactRepositoryRef": {"configMap": "artifact-repositories", "key": "k", "namespace": "default",
                                      "artifactRepository": {"s3": {"bucket": "bk", "endpoint": "e:9000",
                                                                    "keyFormat": "{{workflow.name}}"}}},
            "nodes": {
                "n1": {"type": "Pod", "templateName": "t", "outputs": {"artifacts": [
                    {"name": "x", "path": "/x", "s3": {"key": "wf/n1/x.tgz"}},
                    {"name": "gone", "path": "/y", "s3": {"key": "wf/n1/y.tgz"}, "deleted": True},
                    {"name": "kept", "path": "/z", "s3": {"key": "wf/n1/z.tgz"}, "artifactGC": {"strategy": "Never"}},
                ]}},
                "n2": {"type": "Steps", "outputs": {"artifacts": [{"name": "x", "s3": {"key": "wf/steps"}}]}},
            },
        },
    }
    assert has_artifact_gc(wf)
    assert strategies_due(wf) == ["OnWorkflowCompletion"]
    assert strategies_due(wf, deleting=True) == ["OnWorkflowCompletion", "OnWorkflowDeletion"]
    [item] = artifacts_to_collect(wf, "OnWorkflowCompletion")
    assert (item.node_id, item.name, item.kind) == ("n1", "x", "s3")
    # a key-only location is relocated into the workflow's repository, its key kept
    assert item.location == {"bucket": "bk", "endpoint": "e:9000", "key": "wf/n1/x.tgz"}
    assert artifacts_to_collect(wf, "OnWorkflowDeletion") == []
    wf["status"]["artifactGCStatus"] = {"strategiesProcessed": {"OnWorkflowCompletion": True}}
    assert strategies_due(wf) == []


def stored(tmp_path: Path, wf: dict[str, Any]) -> dict[str, Any]:
    """The workflow as the store has it (the controller's artifact GC writes there)."""
    from argosy.controller import data_store

    store = data_store(tmp_path / "data")
    try:
        record = store.get_workflow(wf["metadata"]["uid"])
        assert record is not None
        return record.to_workflow()
    finally:
        store.close()


def test_collects_from_s3_per_strategy(s3: S3Server, tmp_path: Path) -> None:
    """The controller collects OnWorkflowCompletion artifacts as the workflow ends; deletion's
    are collected when it is deleted (here: the GC function on the stored workflow)."""
    bucket = s3.new_bucket()
    [wf] = run_text(WORKFLOW, tmp_path, s3.manifests(bucket))
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    keep_key = next(k for k in s3.keys(bucket) if k.endswith("keep.tgz"))
    assert sorted(s3.keys(bucket)) == sorted(["on-deletion.txt", keep_key])
    wf = stored(tmp_path, wf)
    arts = {a["name"]: a for n in wf["status"]["nodes"].values() for a in (n.get("outputs") or {}).get("artifacts", [])}
    assert arts["on-completion"]["deleted"] is True and "deleted" not in arts["on-deletion"]
    assert wf["status"]["artifactGCStatus"]["strategiesProcessed"] == {"OnWorkflowCompletion": True}
    assert strategies_due(wf) == []
    assert strategies_due(wf, deleting=True) == ["OnWorkflowDeletion"]
    drivers = default_drivers(LocalRepository(tmp_path / "data" / "artifacts"),
                              {CREDENTIALS_SECRET: {"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}})
    report = collect_garbage(wf, "OnWorkflowDeletion", drivers)
    assert [i.name for i in report.deleted] == ["on-deletion"] and not report.failed
    assert s3.keys(bucket) == [keep_key]
    assert wf["status"]["artifactGCStatus"]["strategiesProcessed"] == {
        "OnWorkflowCompletion": True, "OnWorkflowDeletion": True}


def test_collects_from_the_local_repository(tmp_path: Path) -> None:
    [wf] = run_text(WORKFLOW, tmp_path)
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    repo = LocalRepository(tmp_path / "data" / "artifacts")
    # collected by the controller as the workflow ended
    assert not repo.exists("on-completion.txt") and repo.exists("on-deletion.txt")
    wf = stored(tmp_path, wf)
    collect_garbage(wf, "OnWorkflowDeletion", default_drivers(repo))
    assert not repo.exists("on-deletion.txt")


def test_failures_become_a_condition(tmp_path: Path) -> None:
    wf: dict[str, Any] = {"spec": {"artifactGC": {"strategy": "OnWorkflowCompletion"}}, "status": {"nodes": {
        "n": {"type": "Pod", "outputs": {"artifacts": [{"name": "h", "http": {"url": "http://127.0.0.1:9/x"}}]}}}}}
    report = collect_garbage(wf, "OnWorkflowCompletion", default_drivers(LocalRepository(tmp_path)))
    assert [i.name for i, _ in report.failed] == ["h"]
    [cond] = wf["status"]["conditions"]
    assert cond["type"] == "ArtifactGCError" and "not supported" in cond["message"]
    assert "deleted" not in wf["status"]["nodes"]["n"]["outputs"]["artifacts"][0]
