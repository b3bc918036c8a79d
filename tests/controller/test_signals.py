"""``argosy run`` treats SIGTERM and SIGHUP as Ctrl-C: the first stops (exit handlers run), a
second terminates."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from argosy.runtime.logs import read_journal

ROOT = Path(__file__).resolve().parents[2]
LONG = """
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
"""


def logged(data_dir: Path) -> str:
    return "".join(r.data.decode(errors="replace")
                   for path in (data_dir / "logs").glob("*.log") for r in read_journal(path))


def interrupted(tmp_path: Path, signals: list[signal.Signals], goodbye: str) -> dict:
    wf = tmp_path / "long.yaml"
    wf.write_text(LONG.replace("GOODBYE", goodbye))
    proc = subprocess.Popen([sys.executable, "-m", "argosy.cli.main", "run", str(wf), "-o", "json",
                             "--data-dir", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=ROOT)
    deadline = time.monotonic() + 60
    while "started" not in logged(tmp_path):
        assert time.monotonic() < deadline and proc.poll() is None, "the step never started"
        time.sleep(0.05)
    proc.send_signal(signals[0])
    if len(signals) > 1:
        while "bye" not in logged(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.05)
        proc.send_signal(signals[1])
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1, err
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_signal_stops_and_the_exit_handler_runs(sig: signal.Signals, tmp_path: Path) -> None:
    status = interrupted(tmp_path, [sig], "echo bye")["status"]
    assert (status["phase"], status["message"]) == ("Failed", "Stopped with strategy 'Stop'")
    exit_node = next(n for n in status["nodes"].values() if n["name"].endswith(".onExit"))
    assert exit_node["phase"] == "Succeeded" and exit_node["outputs"]["result"] == "bye"


def test_second_signal_terminates(tmp_path: Path) -> None:
    nodes = interrupted(tmp_path, [signal.SIGTERM, signal.SIGINT], "echo bye; sleep 300")["status"]["nodes"]
    exit_node = next(n for n in nodes.values() if n["name"].endswith(".onExit"))
    assert exit_node["phase"] == "Failed"  # the second signal cut the exit handler short
    assert all(n["phase"] not in ("Running", "Pending") for n in nodes.values())
