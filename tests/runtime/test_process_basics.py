"""Process runtime: commands, exit codes, result, output parameters, env, isolation."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from podkit import RunPod, container, pod_spec

from argosy.runtime import ProcessRuntime, RunContext

NEEDS_COWSAY = pytest.mark.skipif(not Path("/usr/games/cowsay").exists(), reason="cowsay not installed")


def test_echo_result_and_exit_code(run: RunPod, context: RunContext) -> None:
    r = run(container("sh", "-c", "echo hello; echo oops >&2"), pod_name="hello")
    assert (r.phase, r.exit_code, r.message) == ("Succeeded", 0, None)
    assert r.outputs == {"result": "hello", "exitCode": "0"}
    log = context.read_log("wf", "hello")
    assert "hello\n" in log and "oops\n" in log


@pytest.mark.parametrize(
    ("script", "result"),
    [("printf 'a\\n\\n'", "a\n"), ("printf a", "a"), ("true", "")],
    ids=["strips-one-newline", "no-newline", "empty"],
)
def test_result_strips_one_trailing_newline(run: RunPod, script: str, result: str) -> None:
    assert run(container("sh", "-c", script)).outputs["result"] == result


def test_result_keeps_last_256_kib(run: RunPod) -> None:
    r = run(container("sh", "-c", "head -c 300000 /dev/zero | tr '\\0' x; echo END"))
    assert len(r.outputs["result"]) == 256 * 1024
    assert r.outputs["result"].endswith("xEND")


@pytest.mark.parametrize(
    ("code", "phase", "message"),
    [(0, "Succeeded", None), (1, "Failed", "Error (exit code 1)"), (42, "Failed", "Error (exit code 42)")],
    ids=["zero", "one", "forty-two"],
)
def test_exit_codes(run: RunPod, code: int, phase: str, message: str | None) -> None:
    r = run(container("sh", "-c", f"exit {code}"))
    assert (r.phase, r.message, r.exit_code, r.outputs["exitCode"]) == (phase, message, code, str(code))


OUTPUT_CASES = [
    ("/tmp/out.txt", {}, "42"),
    ("/result.txt", {}, "42"),
    ("/mnt/out/deep/v.txt", {}, "42"),
    ("/workspace/v.txt", {}, "42"),
    ("/tmp/absent", {"default": "dflt"}, "dflt"),
]


@pytest.mark.parametrize(("path", "vf", "value"), OUTPUT_CASES,
                         ids=["tmp", "root-level", "under-host-mnt", "new-top-dir", "default"])
def test_output_parameter_from_file(run: RunPod, path: str, vf: dict, value: str) -> None:
    write = "" if vf else f"mkdir -p $(dirname {path}) && echo 42 > {path}"
    tpl = container("sh", "-c", write or "true",
                    outputs={"parameters": [{"name": "p", "valueFrom": {"path": path, **vf}}]})
    r = run(tpl)
    assert r.phase == "Succeeded", r.message
    assert r.outputs["parameters"] == [{"name": "p", "value": value}]


def test_missing_output_parameter_is_an_error(run: RunPod) -> None:
    tpl = container("true", outputs={"parameters": [{"name": "p", "valueFrom": {"path": "/tmp/nope"}}]})
    r = run(tpl)
    assert (r.phase, r.message) == ("Error", "open /tmp/nope: no such file or directory")


def test_host_stays_untouched(run: RunPod) -> None:
    r = run(container("sh", "-c", "echo x > /etc/argosy-test || echo refused"))
    assert r.outputs["result"].endswith("refused")
    assert not Path("/etc/argosy-test").exists()


def test_parallel_nodes_have_private_tmp(runtime: ProcessRuntime, context: RunContext) -> None:
    def node(v: str):
        tpl = container("sh", "-c", f"echo {v} > /tmp/result.json; sleep 0.2; cat /tmp/result.json",
                        outputs={"parameters": [{"name": "r", "valueFrom": {"path": "/tmp/result.json"}}]})
        return runtime.run(pod_spec(tpl), context, lambda: None)

    async def both():
        return await asyncio.gather(node("one"), node("two"))

    a, b = asyncio.run(both())
    assert (a.outputs["result"], b.outputs["result"]) == ("one", "two")
    assert a.outputs["parameters"][0]["value"] == "one"
    assert b.outputs["parameters"][0]["value"] == "two"


def test_env_literal_configmap_secret_fieldref(run: RunPod) -> None:
    env = [
        {"name": "LIT", "value": "plain"},
        {"name": "CM", "valueFrom": {"configMapKeyRef": {"name": "cm", "key": "greeting"}}},
        {"name": "SEC", "valueFrom": {"secretKeyRef": {"name": "sec", "key": "password"}}},
        {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
    ]
    tpl = container("sh", "-c", 'echo "$LIT|$CM|$SEC|$POD"', spec={"env": env})
    r = run(tpl, pod_name="envpod")
    assert r.outputs["result"] == "plain|hello from cm|s3cret|envpod"


def test_env_from_configmap(run: RunPod) -> None:
    tpl = container("sh", "-c", 'echo "$X_greeting"', spec={"envFrom": [{"prefix": "X_", "configMapRef": {"name": "cm"}}]})
    assert run(tpl).outputs["result"] == "hello from cm"


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ({"configMapKeyRef": {"name": "nope", "key": "k"}}, 'configmap "nope" not found'),
        ({"configMapKeyRef": {"name": "cm", "key": "nokey"}}, "couldn't find key nokey in ConfigMap argo/cm"),
        ({"secretKeyRef": {"name": "nope", "key": "k"}}, 'secret "nope" not found'),
    ],
    ids=["configmap", "configmap-key", "secret"],
)
def test_env_missing_reference_is_an_error(run: RunPod, ref: dict, message: str) -> None:
    r = run(container("true", spec={"env": [{"name": "V", "valueFrom": ref}]}))
    assert (r.phase, r.message) == ("Error", message)


def test_env_optional_reference_is_skipped(run: RunPod) -> None:
    ref = {"configMapKeyRef": {"name": "nope", "key": "k", "optional": True}}
    r = run(container("sh", "-c", 'echo "[${V-unset}]"', spec={"env": [{"name": "V", "valueFrom": ref}]}))
    assert r.outputs["result"] == "[unset]"


def test_working_dir_is_created_and_used(run: RunPod) -> None:
    r = run(container("sh", "-c", "pwd; echo x > here && cat here", spec={"workingDir": "/src/app"}))
    assert r.outputs["result"] == "/src/app\nx"


def test_missing_command_names_command_and_image(run: RunPod) -> None:
    # as Argo's emissary: exit 64, the node Failed (not Error)
    r = run({"container": {"image": "x/y:1", "command": ["no-such-cmd-argosy"]}})
    assert (r.phase, r.exit_code, r.outputs["exitCode"]) == ("Failed", 64, "64")
    assert r.message == ('Error (exit code 64): failed to find name in PATH: exec: "no-such-cmd-argosy": '
                         'executable file not found in $PATH (image "x/y:1"; '
                         "the process runtime runs commands on the host)")


def test_script_python_source_path_is_last_arg(run: RunPod) -> None:
    src = "import sys\nprint(sys.argv)\nprint(sum([1, 2, 3]))\n"
    r = run({"script": {"image": "python:alpine3.23", "command": ["python"], "source": src}})
    assert r.phase == "Succeeded", r.message
    assert r.outputs["result"] == "['/argo/staging/script']\n6"


def test_script_sh(run: RunPod) -> None:
    r = run({"script": {"image": "alpine", "command": ["sh"], "source": 'echo "script $0"'}})
    assert r.outputs["result"] == "script /argo/staging/script"


@pytest.mark.parametrize(
    ("spec", "result"),
    [
        ({"image": "python:3.12"}, ""),
        ({"image": "python:alpine3.23", "command": ["python", "-c", "print('alias')"]}, "alias"),
        ({"image": "busybox", "args": ["sh", "-c", "echo args-replace-cmd"]}, "args-replace-cmd"),
        ({"image": "quay.io/argoproj/argosay:v2", "args": ["echo", "reg"]}, "reg"),
        ({"image": "argoproj/argosay:v2"}, "hello argo"),
        pytest.param({"image": "argoproj/argosay:v1", "args": ["cowsay", "moo"]}, None, marks=NEEDS_COWSAY),
        pytest.param({"image": "docker/whalesay:latest", "command": ["cowsay", "moo"]}, None, marks=NEEDS_COWSAY),
    ],
    ids=["python-default-cmd", "python-alias", "busybox-args", "registry-prefix", "argosay-entrypoint",
         "argosay-v1-cowsay", "whalesay"],
)
def test_image_defaults(run: RunPod, spec: dict, result: str) -> None:
    r = run({"container": spec})
    assert r.phase == "Succeeded", r.message
    if result is None:
        assert "moo" in r.outputs["result"]
    else:
        assert r.outputs["result"] == result


def test_unknown_image_without_command_is_an_error(run: RunPod) -> None:
    r = run({"container": {"image": "example/thing:1"}})
    assert r.phase == "Error"
    assert "has no default command" in (r.message or "")


def test_non_container_template_is_an_error(run: RunPod) -> None:
    r = run({"suspend": {}})
    assert r.phase == "Error" and "cannot run" in (r.message or "")
