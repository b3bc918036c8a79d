"""The command line, as a user runs it: run, get, logs, lint, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from argosy.runtime.logs import read_journal

ROOT = Path(__file__).resolve().parents[2]


def argosy(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "argosy.cli.main", *args, "--data-dir", str(data)]
                          if args[0] != "lint" else [sys.executable, "-m", "argosy.cli.main", *args],
                          capture_output=True, text=True, timeout=120, cwd=ROOT, check=False)


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


def _interrupted(tmp_path: Path, presses: int, goodbye: str) -> dict:
    import signal
    import time

    wf = tmp_path / "long.yaml"
    wf.write_text("""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: long-}
spec:
  entrypoint: main
  onExit: bye
  templates:
  - name: main
    container: {image: busybox, command: [sh, -c, "echo started; sleep 300"]}
  - name: bye
    container: {image: busybox, command: [sh, -c, "GOODBYE"]}
""".replace("GOODBYE", goodbye))
    proc = subprocess.Popen([sys.executable, "-m", "argosy.cli.main", "run", str(wf), "-o", "json",
                             "--data-dir", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT)
    deadline = time.monotonic() + 60
    while "started" not in _logged(tmp_path):
        assert time.monotonic() < deadline and proc.poll() is None, "the step never started"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    if presses == 2:
        while "bye" not in _logged(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    return json.loads(out.strip().splitlines()[-1])


def test_ctrl_c_once_stops_and_runs_the_exit_handler(tmp_path: Path) -> None:
    wf = _interrupted(tmp_path, presses=1, goodbye="echo bye")
    status = wf["status"]
    assert status["phase"] == "Failed"
    assert status["message"] == "Stopped with strategy 'Stop'"
    exit_node = next(n for n in status["nodes"].values() if n["name"].endswith(".onExit"))
    assert exit_node["phase"] == "Succeeded" and exit_node["outputs"]["result"] == "bye"


def test_ctrl_c_twice_terminates(tmp_path: Path) -> None:
    wf = _interrupted(tmp_path, presses=2, goodbye="echo bye; sleep 300")
    nodes = wf["status"]["nodes"].values()
    exit_node = next(n for n in nodes if n["name"].endswith(".onExit"))
    assert exit_node["phase"] == "Failed"  # the second press cut the exit handler short
    assert all(n["phase"] not in ("Running", "Pending") for n in nodes)


def _logged(data_dir: Path) -> str:
    """Everything every workflow under ``data_dir`` has logged so far."""
    return "".join(r.data.decode(errors="replace")
                   for path in (data_dir / "logs").glob("*.log") for r in read_journal(path))


def test_a_second_run_in_the_data_dir_hits_the_memoization_cache(tmp_path: Path) -> None:
    wf = tmp_path / "memo.yaml"
    wf.write_text("""
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: memoized-}
spec:
  entrypoint: main
  templates:
  - name: main
    memoize: {key: the-key, maxAge: 1h, cache: {configMap: {name: run-cache}}}
    container: {image: busybox, command: [sh, -c, "date +%s%N > /tmp/out"]}
    outputs: {parameters: [{name: out, valueFrom: {path: /tmp/out}}]}
""")
    runs = []
    for _ in range(2):
        out = argosy("run", str(wf), "-o", "json", data=tmp_path)
        assert out.returncode == 0, out.stderr
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    first, second = ({n["templateName"]: n for n in r["status"]["nodes"].values()}["main"] for r in runs)
    assert first["memoizationStatus"] == {"hit": False, "key": "the-key", "cacheName": "run-cache"}
    assert second["memoizationStatus"] == {"hit": True, "key": "the-key", "cacheName": "run-cache"}
    assert second["outputs"]["parameters"] == first["outputs"]["parameters"]
