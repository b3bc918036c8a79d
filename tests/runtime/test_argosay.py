"""The argosay command behaves like upstream's argoproj/argosay:v2 entrypoint."""

from __future__ import annotations

import pytest
from podkit import RunPod

ARGOSAY = "argoproj/argosay:v2"

CASES = [
    ([], 0, "hello argo"),
    (["echo"], 0, "hello argo"),
    (["echo", "a message"], 0, "a message"),
    (["echo", "to file", "/tmp/d/f"], 0, ""),
    (["cat", "/etc/hostname"], 0, None),
    (["sleep", "0"], 0, ""),
    (["sleep", "0s"], 0, ""),
    (["exit"], 0, ""),
    (["exit", "7"], 7, ""),
    (["assert_contains", "/etc/passwd", "root"], 0, None),
    (["assert_contains", "/etc/passwd", "no-such-text-xyz"], 1, ""),
    (["whatever"], 1, ""),
]


@pytest.mark.parametrize(("args", "code", "out"), CASES, ids=[" ".join(c[0]) or "no-args" for c in CASES])
def test_argosay(run: RunPod, args: list[str], code: int, out: str | None) -> None:
    r = run({"container": {"image": ARGOSAY, "args": args}})
    assert r.exit_code == code, r.message
    if out is not None:
        assert r.outputs["result"] == out


def test_argosay_echo_to_file_then_output(run: RunPod) -> None:
    r = run({"container": {"image": ARGOSAY, "args": ["echo", "hello", "/mnt/file"]},
             "outputs": {"parameters": [{"name": "p", "valueFrom": {"path": "/mnt/file"}}]}})
    assert r.outputs["parameters"] == [{"name": "p", "value": "hello"}]


def test_argosay_sh_runs_a_file(run: RunPod) -> None:
    tpl = {"container": {"image": ARGOSAY, "args": ["sh", "/tmp/s.sh"]},
           "inputs": {"artifacts": [{"name": "s", "path": "/tmp/s.sh", "raw": {"data": "echo from-sh"}}]}}
    assert run(tpl).outputs["result"] == "from-sh"


def test_argosay_is_on_path_for_any_image(run: RunPod) -> None:
    assert run({"container": {"image": "busybox", "command": ["argosay", "echo", "x"]}}).outputs["result"] == "x"
