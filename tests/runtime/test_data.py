"""The data template runtime: artifact paths from the local repository, expr transformations."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from podkit import pod_spec

from argosy.artifacts.repository import LocalRepository
from argosy.controller import prepare_workflow
from argosy.engine.intents import PodResult
from argosy.runtime import DataRuntime, HttpRuntime, NodeRuntime, ProcessRuntime, RunContext
from argosy.runtime.data import marshal
from argosy.spec import ObjectSet, load_paths
from argosy.testing import run_workflows

EXAMPLE = Path("/work/shared/conformance/argo-examples/data-transformations.yaml")
KEYS = ["logs/a/main.log", "logs/b/main.log", "logs/b/other.txt", "logs/c/d/main.log",
        "other/main.log", "top.txt"]


@pytest.fixture
def ctx(tmp_path: Path) -> RunContext:
    ctx = RunContext(data_dir=tmp_path / "data")
    repo = LocalRepository(ctx.artifact_dir)
    for key in KEYS:
        src = tmp_path / "src.txt"
        src.write_text(f"content of {key}\n")
        repo.save(key, src, archive="none")
    return ctx


def run_data(ctx: RunContext, data: dict[str, Any], **kw: Any) -> PodResult:
    started: list[bool] = []
    pod = pod_spec({"name": "d", "data": data}, **kw)
    result = asyncio.run(DataRuntime().run(pod, ctx, lambda: started.append(True)))
    assert started == [True]
    return result


def source(location: dict[str, Any] | None = None) -> dict[str, Any]:
    artifact: dict[str, Any] = {"name": "files"}
    if location is not None:
        artifact.update(location)
    return {"artifactPaths": artifact}


@pytest.mark.parametrize(("data", "expected"), [
    pytest.param({"source": source({"s3": {"bucket": "my-bucket"}})}, KEYS, id="whole-bucket"),
    pytest.param({"source": source()}, KEYS, id="no-location-is-default-repo"),
    pytest.param({"source": source({"s3": {"key": "logs"}})}, KEYS[:4], id="key-prefix"),
    pytest.param({"source": source({"s3": {"key": "/logs/b/"}})},
                 ["logs/b/main.log", "logs/b/other.txt"], id="prefix-slashes-ignored"),
    pytest.param({"source": source({"local": {"key": "logs/c"}})}, ["logs/c/d/main.log"],
                 id="local-location"),
    pytest.param({"source": source({"s3": {"key": "top.txt"}})}, [], id="file-key-is-not-a-dir"),
    pytest.param({"source": source({"s3": {"key": "missing"}})}, [], id="missing-prefix-empty"),
    pytest.param({"source": source({"s3": {"bucket": "b"}}),
                  "transformation": [{"expression": 'filter(data, {# endsWith "main.log"})'}]},
                 ["logs/a/main.log", "logs/b/main.log", "logs/c/d/main.log", "other/main.log"],
                 id="filter"),
    pytest.param({"source": source({"s3": {"key": "logs"}}),
                  "transformation": [{"expression": 'filter(data, {# endsWith "main.log"})'},
                                     {"expression": 'map(data, {# + ".ready"})'}]},
                 ["logs/a/main.log.ready", "logs/b/main.log.ready", "logs/c/d/main.log.ready"],
                 id="transformations-in-order"),
    pytest.param({"source": source({"s3": {"key": "logs"}}),
                  "transformation": [{"expression": "len(data)"}]}, 4, id="scalar-result"),
])
def test_result_is_the_transformed_data(ctx: RunContext, data: dict[str, Any],
                                        expected: Any) -> None:
    result = run_data(ctx, data)
    assert result.phase == "Succeeded", result.message
    assert json.loads(result.outputs["result"]) == expected
    assert result.outputs["exitCode"] == "0"


def test_result_is_compact_json_and_logged(ctx: RunContext) -> None:
    result = run_data(ctx, {"source": source({"s3": {"key": "logs/a"}})},
                      workflow_name="wf", pod_name="wf-list")
    assert result.outputs["result"] == '["logs/a/main.log"]'
    assert ctx.read_log("wf", "wf-list").strip() == '["logs/a/main.log"]'


@pytest.mark.parametrize(("value", "text"), [
    pytest.param(["a", "b"], '["a","b"]', id="list"),
    pytest.param({"k": 1.0, "f": 1.5}, '{"k":1,"f":1.5}', id="whole-floats-bare"),
    pytest.param("<a&b>", '"\\u003ca\\u0026b\\u003e"', id="html-escaped"),
    pytest.param("é", '"é"', id="utf8-kept"),
    pytest.param(None, "null", id="null"),
])
def test_marshal_matches_go(value: Any, text: str) -> None:
    assert marshal(value) == text


@pytest.mark.parametrize(("data", "message"), [
    pytest.param({"source": {}},
                 "unable to process data source: no valid source is used for data template",
                 id="no-source"),
    pytest.param({"source": source({"s3": {"bucket": "b"}}),
                  "transformation": [{"expression": "data"}, {"expression": "data +"}]},
                 "unable to process data transformation: error processing data step 1: ",
                 id="bad-expression-names-its-step"),
    pytest.param({"source": source({"gcs": {"bucket": "b"}})},
                 "unable to process data source: unable to source artifact paths: gcs artifact "
                 "repositories are not supported by the local runner", id="unsupported-location"),
    pytest.param({"source": source({"s3": {"key": "../escape"}})},
                 "unable to process data source: unable to source artifact paths: invalid "
                 "artifact key", id="key-cannot-escape"),
])
def test_errors_fail_the_node(ctx: RunContext, data: dict[str, Any], message: str) -> None:
    result = run_data(ctx, data)
    assert (result.phase, result.exit_code) == ("Failed", 1)
    assert (result.message or "").startswith(
        f"Error (exit code 1): unable to process data template: {message}")


# ---- through the controller ----------------------------------------------------------------

def run_file(path: Path, data_dir: Path, runtime: NodeRuntime) -> Any:
    manifests = load_paths([path])
    objects = ObjectSet(manifests)
    wf = prepare_workflow(next(m.body for m in manifests if m.kind == "Workflow"), objects, {}, None)
    [engine] = asyncio.run(run_workflows([wf], objects, data_dir,
                                         runtime=runtime))
    return engine


def test_data_node_is_a_pod_with_a_result(ctx: RunContext, tmp_path: Path) -> None:
    path = tmp_path / "wf.yaml"
    path.write_text("""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: data-}
spec:
  entrypoint: list
  templates:
    - name: list
      data:
        source: {artifactPaths: {name: files, s3: {key: logs}}}
        transformation: [{expression: 'filter(data, {# endsWith "main.log"})'}]
""")
    engine = run_file(path, ctx.data_dir, NodeRuntime(ProcessRuntime(), HttpRuntime(),
                                                      DataRuntime()))
    [node] = engine.status()["nodes"].values()
    assert engine.phase == "Succeeded", engine.status().get("message")
    assert (node["type"], node["phase"]) == ("Pod", "Succeeded")
    assert json.loads(node["outputs"]["result"]) == [k for k in KEYS[:4] if k.endswith("main.log")]


def test_upstream_data_transformations_example(ctx: RunContext, runtime: ProcessRuntime) -> None:
    engine = run_file(EXAMPLE, ctx.data_dir, NodeRuntime(runtime, HttpRuntime(), DataRuntime()))
    assert engine.phase == "Succeeded", engine.status().get("message")
    processed = sorted(
        n["inputs"]["parameters"][0]["value"] for n in engine.status()["nodes"].values()
        if n.get("templateName") == "process-logs" and n["type"] == "Pod"
    )
    assert processed == [k for k in KEYS if k.endswith("main.log")]
