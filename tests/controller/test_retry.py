"""What ``argo retry`` keeps and runs again, and what ``argo resubmit`` submits (Argo's rules)."""

from __future__ import annotations

from typing import Any

import pytest

from argosy.controller.retry import RESUBMITTED_FROM, formulate_resubmit, formulate_retry
from argosy.engine.nodes import node_id
from argosy.errors import InvalidArgument
from argosy.store.api import WorkflowRecord


def node(node_id: str, type_: str, phase: str, *children: str, display: str | None = None) -> dict[str, Any]:
    return {"id": node_id, "name": f"wf.{display or node_id}", "displayName": display or node_id, "type": type_,
            "phase": phase, "children": list(children), "finishedAt": "2026-01-01T00:00:00Z"}


def failed_steps() -> dict[str, Any]:
    """Two steps in one group (a ok, b failed) after a first group whose step succeeded; a
    pod's children are the next group, as Argo links steps."""
    nodes = [node("wf", "Steps", "Failed", "g0"), node("g0", "StepGroup", "Succeeded", "first"),
             node("first", "Pod", "Succeeded", "g1"), node("g1", "StepGroup", "Failed", "a", "b"),
             node("a", "Pod", "Succeeded"), node("b", "Pod", "Failed")]
    for n in nodes[1:]:
        n["boundaryID"] = "wf"
    return {"phase": "Failed", "message": "child failed", "finishedAt": "2026-01-01T00:00:00Z",
            "startedAt": "2025-12-31T23:59:00Z", "nodes": {n["id"]: n for n in nodes}}


def test_retry_drops_failed_pods_and_reopens_their_boundaries() -> None:
    status = formulate_retry(failed_steps())
    assert status["phase"] == "Running" and "finishedAt" not in status and "message" not in status
    assert status["startedAt"] == "2025-12-31T23:59:00Z"
    nodes = status["nodes"]
    assert set(nodes) == {"wf", "g0", "first", "g1", "a"}
    assert nodes["wf"]["phase"] == nodes["g1"]["phase"] == "Running"
    assert "finishedAt" not in nodes["g1"] and nodes["g1"]["children"] == ["a"]
    # what finished before the failure stays finished
    assert nodes["a"]["phase"] == nodes["first"]["phase"] == nodes["g0"]["phase"] == "Succeeded"
    assert nodes["first"]["finishedAt"]


def test_restart_successful_reruns_the_selected_succeeded_node() -> None:
    status = formulate_retry(failed_steps(), restart_successful=True, node_field_selector="displayName=first")
    assert set(status["nodes"]) == {"wf", "g0"}  # the next steps follow it, so they run again too
    assert status["nodes"]["g0"]["phase"] == "Running" and status["nodes"]["g0"]["children"] == []


def test_exit_handler_nodes_run_again() -> None:
    before = failed_steps()
    exit_node = node("x", "Pod", "Succeeded", display="onExit")
    exit_node["name"] = "wf.onExit"
    before["nodes"]["x"] = exit_node
    assert "x" not in formulate_retry(before)["nodes"]


def record(**meta: Any) -> WorkflowRecord:
    manifest = {"metadata": {"name": "wf", "namespace": "ns", **meta},
                "spec": {"entrypoint": "main", "shutdown": "Stop",
                         "arguments": {"parameters": [{"name": "p", "value": "1"}]}}}
    return WorkflowRecord(uid="u", namespace="ns", name="wf", phase="Failed",
                          labels={"team": "a", "workflows.argoproj.io/phase": "Failed"}, created_at=0.0,
                          started_at=None, finished_at=None, manifest=manifest, status={}, engine_record=None,
                          owner=None, resource_version=1)


@pytest.mark.parametrize(("meta", "generate_name"), [({}, "wf-"), ({"generateName": "job-"}, "job-")])
def test_resubmit_names_labels_and_parameters(meta: dict[str, str], generate_name: str) -> None:
    wf = formulate_resubmit(record(**meta), {"p": "2"})
    assert wf["metadata"]["generateName"] == generate_name and "name" not in wf["metadata"]
    assert wf["metadata"]["labels"] == {"team": "a", RESUBMITTED_FROM: "wf"}
    assert wf["spec"]["arguments"]["parameters"] == [{"name": "p", "value": "2"}]
    assert "shutdown" not in wf["spec"]


def test_memoized_resubmit_needs_a_failed_workflow() -> None:
    done = record()
    done = WorkflowRecord(**{**{f: getattr(done, f) for f in done.__dataclass_fields__}, "phase": "Succeeded"})
    with pytest.raises(InvalidArgument, match="workflow must be Failed/Error to resubmit in memoized mode"):
        formulate_resubmit(done, {}, memoized=True)


def test_memoized_resubmit_carries_succeeded_pods_over_as_skipped_under_the_new_name() -> None:
    # Argo's FormulateResubmitWorkflow(memoized): a named workflow whose succeeded pods are
    # Skipped "original pod: ID" with their outputs; failed pods (and exit handlers) run again
    status = failed_steps()
    status["nodes"]["wf"]["name"] = "wf"
    status["nodes"]["a"]["outputs"] = {"parameters": [{"name": "out", "value": "42"}]}
    status["nodes"]["x"] = {**node("x", "Pod", "Succeeded", display="onExit"), "name": "wf.onExit"}
    status["nodes"]["s"] = {**node("s", "Skipped", "Skipped", display="never"), "boundaryID": "wf"}
    status["nodes"]["g1"]["children"].append("s")
    old = record()
    old = WorkflowRecord(**{**{f: getattr(old, f) for f in old.__dataclass_fields__}, "status": status})
    wf = formulate_resubmit(old, {}, memoized=True, now=1_767_225_600.0)
    name = wf["metadata"]["name"]
    assert name.startswith("wf-") and len(name) == len("wf-") + 5
    assert wf["metadata"]["labels"][RESUBMITTED_FROM] == "wf"
    assert wf["status"]["phase"] == "Running" and wf["status"]["startedAt"] == "2026-01-01T00:00:00Z"
    nodes = {n["name"]: n for n in wf["status"]["nodes"].values()}
    assert set(nodes) == {name, f"{name}.g0", f"{name}.first", f"{name}.g1", f"{name}.a"}
    for n in nodes.values():
        assert n["id"] == node_id(name, n["name"])
        assert all(c in wf["status"]["nodes"] for c in n.get("children") or ())
    a = nodes[f"{name}.a"]
    assert (a["type"], a["phase"], a["message"]) == ("Skipped", "Skipped", "original pod: a")
    assert a["outputs"] == {"parameters": [{"name": "out", "value": "42"}]}
    assert a["boundaryID"] == name and a["startedAt"] == a["finishedAt"] == "2026-01-01T00:00:00Z"
    assert nodes[f"{name}.g1"]["phase"] == nodes[name]["phase"] == "Running"
    assert nodes[f"{name}.g1"]["children"] == [a["id"]] and "finishedAt" not in nodes[name]
