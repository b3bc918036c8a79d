"""Argo's executor in the corners: script sources, optional artifacts, progress, /argosay."""

from __future__ import annotations

import pytest
from podkit import RunPod


@pytest.mark.parametrize("script", [
    {"image": "alpine", "command": ["sh", "-c"], "args": ['echo "args: $0 $#"']},
    {"image": "alpine", "command": ["sh", "-c"], "args": ['echo "args: $0 $#"'], "source": ""},
], ids=["no-source", "empty-source"])
def test_a_script_without_source_gets_no_script_file(run: RunPod, script: dict) -> None:
    # Argo appends the script's path to the command only when `source` is non-empty
    r = run({"script": script})
    assert (r.phase, r.outputs["result"]) == ("Succeeded", "args: sh 0")


@pytest.mark.parametrize("location", [{"http": {}}, {"http": {"url": ""}}, {"s3": {"bucket": "b"}}, {"git": {}}],
                         ids=["http-empty", "http-no-url", "s3-no-key", "git-no-repo"])
def test_an_optional_input_artifact_without_location_is_skipped(run: RunPod, location: dict) -> None:
    art = {"name": "in", "path": "/tmp/in", "optional": True, **location}
    r = run({"inputs": {"artifacts": [art]},
             "container": {"image": "alpine", "command": ["sh", "-c", "test -e /tmp/in && echo there || echo absent"]}})
    assert (r.phase, r.outputs["result"]) == ("Succeeded", "absent"), r.message
