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


@pytest.mark.parametrize(("script", "phase", "progress"), [
    ('echo 50/100 > "$ARGO_PROGRESS_FILE"', "Succeeded", "50/100"),
    ('echo 1/10 > "$ARGO_PROGRESS_FILE"; echo 7/10 >> "$ARGO_PROGRESS_FILE"; exit 3', "Failed", "7/10"),
    ("true", "Succeeded", None),
], ids=["reported", "last-line-of-a-failed-step", "silent"])
def test_a_step_reports_progress_through_argo_progress_file(run: RunPod, script: str, phase: str,
                                                             progress: str | None) -> None:
    r = run({"container": {"image": "alpine", "command": ["sh", "-c", script]}})
    assert (r.phase, r.progress) == (phase, progress)


@pytest.mark.parametrize(("command", "args"), [(["/argosay"], ["echo", "hi"]), (["/argosay", "echo"], ["hi"])],
                         ids=["command-only", "command-and-args"])
def test_argosay_is_reachable_at_its_image_path(run: RunPod, command: list[str], args: list[str]) -> None:
    r = run({"container": {"image": "argoproj/argosay:v2", "command": command, "args": args}})
    assert (r.phase, r.outputs["result"]) == ("Succeeded", "hi"), r.message
