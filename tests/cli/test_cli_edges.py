"""CLI edges: a bad ``--parameter-file`` is one line and exit 1; a closed pipe is silent."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from argosy.cli.parameters import parse_parameters
from argosy.errors import SpecError

ROOT = Path(__file__).resolve().parents[2]


def argosy(*args: str) -> list[str]:
    return [sys.executable, "-m", "argosy.cli.main", *args]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "cannot read file: No such file or directory"),
        ("dir", "cannot read file: Is a directory"),
        (b"\xff\xfe", "cannot read file: 'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"),
        ("a: [1, 2\n", "invalid YAML: while parsing a flow sequence did not find expected ',' or ']'"),
        ("- a\n- b\n", "a parameter file must be one mapping of name: value, got a list"),
        ("just text\n", "a parameter file must be one mapping of name: value, got a string"),
        ("a: 1\n---\nb: 2\n", "a parameter file must be one mapping of name: value, got several documents"),
        ("a: 1\na: 2\n", "duplicate key 'a' in a mapping (first set on line 1)"),
    ],
    ids=["missing", "directory", "not-utf8", "bad-yaml", "list", "scalar", "two-documents", "duplicate-key"],
)
def test_bad_parameter_file_is_a_spec_error_naming_it(tmp_path: Path, content: str | bytes | None,
                                                      reason: str) -> None:
    path = tmp_path / "params.yaml"
    if content == "dir":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(SpecError) as caught:
        parse_parameters([], str(path))
    assert (caught.value.location.file, caught.value.reason) == (str(path), reason)


def test_parameter_file_values_and_overrides(tmp_path: Path) -> None:
    path = tmp_path / "params.json"
    path.write_text('{"who": "file", "n": 3, "empty": null}')
    assert parse_parameters(["who=flag"], str(path)) == {"who": "flag", "n": "3", "empty": "null"}
    (tmp_path / "blank.yaml").write_text("# nothing\n")
    assert parse_parameters([], str(tmp_path / "blank.yaml")) == {}


def test_missing_parameter_file_is_one_line_and_exit_1(tmp_path: Path) -> None:
    out = subprocess.run(
        argosy("run", "examples/hello-world.yaml", "--parameter-file", str(tmp_path / "nope.yaml"),
               "--data-dir", str(tmp_path)),
        capture_output=True, text=True, timeout=120, cwd=ROOT, check=False,
    )
    assert (out.returncode, out.stderr) == (
        1, f"argosy: {tmp_path / 'nope.yaml'}: cannot read file: No such file or directory\n"
    )


@pytest.mark.parametrize("command", ["list", "logs", "get"])
def test_closed_stdout_exits_quietly(tmp_path: Path, command: str) -> None:
    run = subprocess.run(argosy("run", "examples/hello-world.yaml", "-o", "name", "--data-dir", str(tmp_path)),
                         capture_output=True, text=True, timeout=120, cwd=ROOT, check=True)
    name = run.stdout.split()[-1]
    args = {"list": ["list"], "logs": ["logs", name], "get": ["get", name, "-o", "json"]}[command]
    # the reader is gone before argosy writes a byte: every write is a broken pipe
    proc = subprocess.Popen(argosy(*args, "--data-dir", str(tmp_path)), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    with proc.stderr:
        stderr = proc.stderr.read()
    assert (proc.wait(timeout=60), stderr) == (141, b"")


def test_run_whose_reader_leaves_still_finishes_the_workflow(tmp_path: Path) -> None:
    proc = subprocess.Popen(argosy("run", "examples/steps.yaml", "--data-dir", str(tmp_path)), cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    with proc.stderr:
        stderr = proc.stderr.read()
    assert (proc.wait(timeout=120), stderr) == (0, b"")
    listed = subprocess.run(argosy("list", "--data-dir", str(tmp_path)), capture_output=True, text=True,
                            timeout=60, cwd=ROOT, check=True)
    assert listed.stdout.split()[-1] == "Succeeded"  # not left Running
