"""The command line, as a user runs it: run, get, logs, lint, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def argosy(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "argosy.cli.main", *args, "--data-dir", str(data)]
                          if args[0] != "lint" else [sys.executable, "-m", "argosy.cli.main", *args],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_run_prints_json_and_keeps_status_and_logs(tmp_path: Path) -> None:
    out = argosy("run", "examples/hello-world.yaml", "-o", "json", "-p", "who=argosy", data=tmp_path)
    assert out.returncode == 0, out.stderr
    wf = json.loads(out.stdout.strip().splitlines()[-1])
    assert wf["status"]["phase"] == "Succeeded"
    assert wf["status"]["outputs"]["parameters"] == [{"name": "greeting", "value": "HELLO ARGOSY!"}]
    name = wf["metadata"]["name"]
    got = argosy("get", name, "-o", "json", data=tmp_path)
    stored = json.loads(got.stdout)
    assert stored["status"]["phase"] == "Succeeded"
    assert set(stored["status"]["nodes"]) == set(wf["status"]["nodes"])
    logs = argosy("logs", name, data=tmp_path)
    assert "hello argosy" in logs.stdout


def test_failed_workflow_exits_1(tmp_path: Path) -> None:
    wf = tmp_path / "fail.yaml"
    wf.write_text("""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: fail-}
spec:
  entrypoint: main
  templates:
  - name: main
    container: {image: busybox, command: [sh, -c, "exit 3"]}
""")
    out = argosy("run", str(wf), "-o", "name", data=tmp_path)
    assert out.returncode == 1


def test_malformed_submission_is_rejected_whole_with_location(tmp_path: Path) -> None:
    wf = tmp_path / "bad.yaml"
    wf.write_text("""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: bad-}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: a, template: prnt}
  - name: print
    container: {image: busybox, command: [echo]}
""")
    out = argosy("run", str(wf), data=tmp_path)
    assert out.returncode == 1
    assert f'{wf}: Workflow bad-: templates.main.steps[0][0]: template "prnt" not found (did you mean "print"?)' in out.stderr
    assert not (tmp_path / "logs").exists()


def test_lint_exit_codes(tmp_path: Path) -> None:
    assert argosy("lint", "examples", data=tmp_path).returncode == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: x}\nspec: {templates: []}\n")
    out = argosy("lint", str(bad), data=tmp_path)
    assert out.returncode == 1 and "entrypoint" in out.stdout
