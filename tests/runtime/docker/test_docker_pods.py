"""A node on the Docker runtime ends as Argo's pod would: phase, message, outputs, logs."""

from __future__ import annotations

from typing import Any

import pytest
from podkit import container

from argosy.runtime import RunContext


def sh(script: str, image: str = "busybox", **extra: Any) -> dict[str, Any]:
    return container("sh", "-c", script, spec={"image": image, **extra.pop("spec", {})}, **extra)


@pytest.mark.parametrize(
    ("template", "phase", "message", "result", "code"),
    [
        (sh("echo hello"), "Succeeded", None, "hello", "0"),
        (sh("echo out; echo err >&2; exit 3"), "Failed", "Error (exit code 3)", "out", "3"),
        ({"container": {"image": "argoproj/argosay:v2", "args": ["echo", "from argosay"]}},
         "Succeeded", None, "from argosay", "0"),
        ({"container": {"image": "busybox", "args": ["-c", "echo image cmd kept"], "command": ["sh"]}},
         "Succeeded", None, "image cmd kept", "0"),
        ({"script": {"image": "python:3.11", "command": ["python"], "source": "import json\nprint(json.dumps([1, 2]))"}},
         "Succeeded", None, "[1, 2]", "0"),
        ({"script": {"image": "alpine:3.18", "command": ["sh"], "source": "echo script; exit 4"}},
         "Failed", "Error (exit code 4)", "script", "4"),
    ],
    ids=["echo", "exit-code", "argosay-entrypoint", "command-and-args", "python-script", "failing-script"],
)
def test_phase_message_result_and_exit_code(run: Any, template: dict, phase: str, message: str | None,
                                            result: str, code: str) -> None:
    r = run(template)
    assert (r.phase, r.message, r.outputs.get("result"), r.outputs.get("exitCode")) == (phase, message, result, code)


def test_output_parameters_and_artifacts_are_read_from_the_container(run: Any, context: RunContext) -> None:
    r = run(sh("mkdir -p /out/d && echo -n val > /tmp/p && echo file > /out/d/f",
               outputs={"parameters": [{"name": "p", "valueFrom": {"path": "/tmp/p"}},
                                       {"name": "d", "valueFrom": {"path": "/nope", "default": "dflt"}}],
                        "artifacts": [{"name": "a", "path": "/out/d"},
                                      {"name": "gone", "path": "/missing", "optional": True}]}))
    assert r.phase == "Succeeded", r.message
    assert r.outputs["parameters"] == [{"name": "p", "value": "val"}, {"name": "d", "value": "dflt"}]
    [art] = r.outputs["artifacts"]
    assert art["name"] == "a" and art["local"]["key"].endswith("/a.tgz")
    assert (context.artifact_dir / art["local"]["key"]).exists()


def test_missing_output_file_is_an_error_naming_the_path(run: Any) -> None:
    r = run(sh("true", outputs={"parameters": [{"name": "p", "valueFrom": {"path": "/tmp/none"}}]}))
    assert (r.phase, r.message) == ("Error", "open /tmp/none: no such file or directory")


def test_input_artifact_is_placed_in_the_container(run: Any) -> None:
    r = run(sh("cat /in/msg.txt", inputs={"artifacts": [{"name": "m", "path": "/in/msg.txt", "raw": {"data": "raw!"}}]}))
    assert (r.phase, r.outputs["result"]) == ("Succeeded", "raw!")


def test_environment_from_env_config_maps_and_secrets(run: Any) -> None:
    r = run(sh('echo "$A|$G|$P|$X_greeting|$ARGO_CONTAINER_NAME"', spec={
        "env": [{"name": "A", "value": "plain"},
                {"name": "G", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "greeting"}}},
                {"name": "P", "valueFrom": {"secretKeyRef": {"name": "sec", "key": "password"}}}],
        "envFrom": [{"prefix": "X_", "configMapRef": {"name": "cm"}}]}))
    assert r.outputs["result"] == "plain|hello from cm|s3cret|hello from cm|main"


def test_working_dir_and_security_context(run: Any) -> None:
    r = run(sh("pwd; id -u; id -g", spec={"workingDir": "/work/here",
                                          "securityContext": {"runAsUser": 1234, "runAsGroup": 2345}}))
    assert r.outputs["result"].split() == ["/work/here", "1234", "2345"]


def test_memory_limit_oom_kill_is_reported_as_argo_does(run: Any) -> None:
    # a shell variable that doubles until the cgroup kills it
    r = run(sh("x=aaaaaaaaaaaaaaaa; while true; do x=$x$x; done",
               spec={"resources": {"limits": {"memory": "16Mi", "cpu": "500m"}}}))
    assert (r.phase, r.message, r.outputs["exitCode"]) == ("Failed", "OOMKilled (exit code 137)", "137")


@pytest.mark.parametrize(
    ("policy", "fragment"),
    [("Never", 'ErrImageNeverPull: Container image "argosy-test/absent:1" is not present with pull policy of Never'),
     ("IfNotPresent", 'ErrImagePull: Back-off pulling image "argosy-test/absent:1"')],
)
def test_absent_image_fails_the_node_naming_it(run: Any, policy: str, fragment: str) -> None:
    r = run({"container": {"image": "argosy-test/absent:1", "imagePullPolicy": policy, "command": ["true"]}})
    assert r.phase == "Error" and r.message.startswith(fragment), r.message


@pytest.mark.parametrize("policy", ["Always", "IfNotPresent", "Never", None])
def test_a_local_image_runs_whatever_the_pull_policy(run: Any, policy: str | None) -> None:
    """No registry is reachable: a local image still runs (one pull is tried for Always)."""
    spec = {"image": "busybox:latest", "command": ["echo", "ran"]}
    if policy is not None:
        spec["imagePullPolicy"] = policy
    r = run({"container": spec})
    assert (r.phase, r.outputs["result"]) == ("Succeeded", "ran")


def test_deadline_fails_the_node(run: Any) -> None:
    r = run(sh("echo started; sleep 30"), deadline_seconds=1)
    assert (r.phase, r.message) == ("Failed", "Pod was active on the node longer than the specified deadline")


def test_logs_go_to_the_workflow_journal(run: Any, context: RunContext) -> None:
    r = run(sh("echo to-out; echo to-err >&2"), pod_name="logged-pod", workflow_name="wf-logs")
    assert r.phase == "Succeeded"
    # (two pipes: their relative order is the scheduler's)
    assert sorted(context.read_log("wf-logs", "logged-pod").splitlines()) == ["to-err", "to-out"]


def test_result_keeps_the_last_256_kib_of_stdout(run: Any) -> None:
    r = run(sh("head -c 300000 /dev/zero | tr '\\0' a; echo; echo END"))
    result = r.outputs["result"]
    assert len(result.encode()) == 256 * 1024 and result.endswith("a\nEND")


def test_outputs_never_follow_links_out_of_the_container(run: Any, context: RunContext) -> None:
    """A link in an output points into the container's files, never at the host's."""
    r = run(sh("mkdir /o && ln -s /etc/hostname /o/h && echo in > /o/f && ln -s /etc/shadow /tmp/p",
               outputs={"parameters": [{"name": "p", "valueFrom": {"path": "/tmp/p", "default": "no-file"}}],
                        "artifacts": [{"name": "o", "path": "/o", "archive": {"none": {}}}]}))
    assert r.phase == "Succeeded", r.message
    assert r.outputs["parameters"] == [{"name": "p", "value": "no-file"}]
    [art] = r.outputs["artifacts"]
    stored = context.artifact_dir / art["local"]["key"]
    assert (stored / "f").read_text() == "in\n"
    assert not (stored / "h").exists() or not (stored / "h").resolve().is_relative_to("/etc")
