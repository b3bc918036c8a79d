"""Process runtime behaviours the upstream example corpus relies on (scripts, output parents)."""

from __future__ import annotations

import pytest
from podkit import RunPod

from argosy.artifacts import LocalRepository
from argosy.runtime import RunContext


@pytest.mark.parametrize(
    "command",
    [["sh", "-c"], ["bash", "-c"]],
    ids=["sh-c", "bash-c"],
)
def test_script_file_is_executable(run: RunPod, command: list[str]) -> None:
    # `sh -c /argo/staging/script` executes the file by path, so it needs its x bit
    r = run({"script": {"image": "debian", "command": command, "source": "#!/bin/sh\necho ran"}})
    assert (r.phase, r.outputs["result"]) == ("Succeeded", "ran")


@pytest.mark.parametrize(
    ("path", "script"),
    [
        ("/mnt/out/part.json", "mkdir /mnt/out && echo x > /mnt/out/part.json"),
        ("/out/part.json", "mkdir /out && echo x > /out/part.json"),
        ("/tmp/out/part.json", "mkdir /tmp/out && echo x > /tmp/out/part.json"),
        ("/a/b/part.json", "mkdir -p /a/b && echo x > /a/b/part.json"),
    ],
    ids=["under-host-dir", "under-root", "under-tmp", "two-levels"],
)
def test_output_parent_is_not_created_but_creatable(run: RunPod, path: str, script: str) -> None:
    tpl = {"container": {"image": "alpine", "command": ["sh", "-c", script]},
           "outputs": {"parameters": [{"name": "p", "valueFrom": {"path": path}}]}}
    r = run(tpl)
    assert r.phase == "Succeeded", r.message
    assert r.outputs["parameters"] == [{"name": "p", "value": "x"}]


def test_output_parent_missing_without_mkdir(run: RunPod) -> None:
    tpl = {"container": {"image": "alpine", "command": ["sh", "-c", "test -e /mnt/out && echo exists || echo absent"]},
           "outputs": {"parameters": [{"name": "p", "valueFrom": {"path": "/mnt/out/f", "default": "d"}}]}}
    r = run(tpl)
    assert (r.phase, r.outputs["result"]) == ("Succeeded", "absent")


def test_key_only_directory_output_then_key_only_input(run: RunPod, context: RunContext) -> None:
    # map-reduce: a step mkdirs its output dir, saved unarchived under a key prefix
    split = {"script": {"image": "python:alpine3.23", "command": ["python"], "source": (
                 "import os\nos.mkdir('/mnt/out')\n"
                 "for i in range(2):\n    open(f'/mnt/out/{i}.json', 'w').write(str(i))\n")},
             "outputs": {"artifacts": [{"name": "parts", "path": "/mnt/out", "archive": {"none": {}},
                                        "s3": {"key": "wf/parts/"}}]}}
    r = run(split)
    assert r.phase == "Succeeded", r.message
    repo = LocalRepository(context.artifact_dir)
    assert repo.read("wf/parts/1.json") == b"1"
    consume = {"container": {"image": "alpine", "command": ["sh", "-c", "cat /mnt/in/part.json"]},
               "inputs": {"artifacts": [{"name": "part", "path": "/mnt/in/part.json", "s3": {"key": "wf/parts/1.json"}}]}}
    r = run(consume)
    assert (r.phase, r.outputs["result"]) == ("Succeeded", "1")
