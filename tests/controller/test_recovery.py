"""A workflow whose ``argosy run`` was killed (kill -9) is never left "Running": the next
Argosy process that opens the data dir recovers it: continues it when the engine can restore
itself, else ends it as Error, its running pods Error "pod deleted"."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from synckit import GatedRuntime

from argosy.controller import Controller, data_store
from argosy.controller.recovery import can_restore
from argosy.runtime.logs import read_journal
from argosy.testing import FakeRuntime, result_of

ROOT = Path(__file__).resolve().parents[2]
LONG = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: killed}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: first, template: quick}
    - - {name: slow, template: slow}
  - name: quick
    container: {image: busybox, command: [echo, quick]}
  - name: slow
    retryStrategy: {limit: 1, retryPolicy: Always}
    container:
      image: busybox
      command: [sh, -c, 'if [ "{{retries}}" = 0 ]; then echo started; sleep 300; fi; echo done']
"""
SHORT = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: next-one}
spec:
  entrypoint: main
  templates:
  - {name: main, container: {image: busybox, command: [echo, hi]}}
"""


def argosy(*args: str, data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "argosy.cli.main", *args, "--data-dir", str(data)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)


def kill_mid_run(tmp_path: Path) -> None:
    """Start ``argosy run`` of LONG, wait until its slow step runs, kill -9 it."""
    wf = tmp_path / "long.yaml"
    wf.write_text(LONG)
    proc = subprocess.Popen([sys.executable, "-m", "argosy.cli.main", "run", str(wf), "--data-dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    deadline = time.monotonic() + 60
    while "started" not in logged(tmp_path):
        assert time.monotonic() < deadline and proc.poll() is None, "the slow step never started"
        time.sleep(0.05)
    time.sleep(0.5)  # let a persist interval pass: the slow node is stored as Running
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def logged(data_dir: Path) -> str:
    return "".join(r.data.decode(errors="replace")
                   for path in (data_dir / "logs").glob("*.log") for r in read_journal(path))


def stored(tmp_path: Path, name: str) -> dict:
    got = argosy("get", name, "-o", "json", data=tmp_path)
    assert got.returncode == 0, got.stderr
    return json.loads(got.stdout)


def test_killed_run_is_shown_running_until_recovered_then_ended(tmp_path: Path) -> None:
    if can_restore():
        pytest.skip("this engine restores: see the test that resumes")
    kill_mid_run(tmp_path)
    assert "default/killed\tRunning (orphaned" in argosy("list", data=tmp_path).stdout
    (tmp_path / "next.yaml").write_text(SHORT)
    second = argosy("run", str(tmp_path / "next.yaml"), "-o", "name", data=tmp_path)
    assert second.returncode == 0, second.stderr
    [line] = [ln for ln in second.stderr.splitlines() if "recovered" in ln]
    assert line.startswith("argosy: recovered workflow default/killed: ended as Error: "
                           "workflow's controller stopped while it ran (process ")
    wf = stored(tmp_path, "killed")
    status = wf["status"]
    assert status["phase"] == "Error" and status["finishedAt"]
    assert status["message"].startswith("workflow's controller stopped while it ran")
    nodes = {n["displayName"]: n for n in status["nodes"].values()}
    assert nodes["first"]["phase"] == "Succeeded"
    slow_pods = [n for n in nodes.values() if n["type"] == "Pod" and n["templateName"] == "slow"]
    assert [(n["phase"], n["message"]) for n in slow_pods] == [("Error", "pod deleted")]
    assert all(n["phase"] not in ("Running", "Pending") for n in nodes.values())
    assert argosy("list", data=tmp_path).stdout.splitlines() == ["default/killed\tError", "default/next-one\tSucceeded"]


def test_killed_run_is_resumed_by_the_next_run(tmp_path: Path) -> None:
    if not can_restore():
        pytest.skip("this engine cannot restore a workflow: see the test that ends it")
    kill_mid_run(tmp_path)
    (tmp_path / "next.yaml").write_text(SHORT)
    second = argosy("run", str(tmp_path / "next.yaml"), "-o", "name", data=tmp_path)
    assert second.returncode == 0, second.stderr
    assert [ln for ln in second.stderr.splitlines() if "recovered" in ln] == [
        "argosy: recovered workflow default/killed: resumed"]
    status = stored(tmp_path, "killed")["status"]
    assert status["phase"] == "Succeeded", status.get("message")
    slow_pods = sorted((n["phase"], n.get("message", ""), n.get("outputs", {}).get("result"))
                       for n in status["nodes"].values() if n["type"] == "Pod" and n["templateName"] == "slow")
    # the pod killed with the first run is a deleted pod; its retry ran on the second
    assert slow_pods == [("Error", "pod deleted", None), ("Succeeded", "", "done")]
    assert argosy("list", data=tmp_path).stdout.splitlines() == [
        "default/killed\tSucceeded", "default/next-one\tSucceeded"]


def test_recover_call_resumes_or_ends_an_orphan(tmp_path: Path) -> None:
    kill_mid_run(tmp_path)

    async def go() -> tuple[list[str], str]:
        store = data_store(tmp_path)
        try:
            controller = Controller(data_dir=tmp_path, store=store, runtime=FakeRuntime(lambda pod: result_of()))
            recovered = await controller.recover()
            engines = await controller.wait_all()
            await controller.close()
            again = await Controller(data_dir=tmp_path, store=store, runtime=FakeRuntime(lambda pod: result_of())
                                     ).recover()
            assert again == []  # recovered once only
            record = store.find_workflow("default", "killed")
            return [r.outcome for r in recovered], (engines[0].phase if engines else record.phase)
        finally:
            store.close()

    outcomes, phase = asyncio.run(go())
    if can_restore():
        # the slow pod was lost; its retry runs on the new controller and succeeds
        assert (outcomes, phase) == (["resumed"], "Succeeded")
    else:
        assert (outcomes, phase) == (["ended"], "Error")


def orphan(tmp_path: Path) -> str:
    """A workflow stored as Running, its pod Running, owned by a process that has exited; its uid."""
    from argosy.controller import prepare_workflow
    from argosy.spec import ObjectSet, load_text
    from argosy.store.owner import owner_id

    gone = subprocess.Popen(["true"])
    gone.wait()
    wf = prepare_workflow(load_text(SHORT)[0].body, ObjectSet())
    uid = wf["metadata"]["uid"]
    status = {"phase": "Running", "startedAt": "2026-01-01T00:00:00Z", "progress": "0/1", "nodes": {
        "next-one": {"id": "next-one", "name": "next-one", "displayName": "next-one", "type": "Pod",
                     "templateName": "main", "phase": "Running", "startedAt": "2026-01-01T00:00:00Z"}}}
    store = data_store(tmp_path)
    try:
        store.create_workflow(wf, status, owner=owner_id(gone.pid), lease_seconds=3600)
    finally:
        store.close()
    return uid


def recover_in_process(tmp_path: Path) -> tuple[list, dict]:
    async def go() -> tuple[list, dict]:
        store = data_store(tmp_path)
        try:
            controller = Controller(data_dir=tmp_path, store=store, runtime=FakeRuntime(lambda pod: result_of()))
            recovered = await controller.recover()
            await controller.wait_all()
            await controller.close()
            record = store.find_workflow("default", "next-one")
            return recovered, dict(record.status)
        finally:
            store.close()

    return asyncio.run(go())


def test_orphan_is_ended_when_the_engine_cannot_restore(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from argosy.controller import recovery

    monkeypatch.setattr(recovery, "can_restore", lambda: False)
    orphan(tmp_path)
    [recovered], status = recover_in_process(tmp_path)
    assert recovered.outcome == "ended"
    assert status["phase"] == "Error" and status["message"] == recovered.message
    assert recovered.message.startswith("workflow's controller stopped while it ran (process ")
    assert [(n["phase"], n["message"]) for n in status["nodes"].values()] == [("Error", "pod deleted")]


def test_orphan_that_cannot_be_restored_is_ended_with_the_reason(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from argosy.controller import recovery
    from argosy.engine.reconciler import Reconciler

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError("unknown node type 'Teleport'")

    monkeypatch.setattr(recovery, "can_restore", lambda: True)
    monkeypatch.setattr(Reconciler, "restore", broken, raising=False)
    orphan(tmp_path)
    [recovered], status = recover_in_process(tmp_path)
    assert recovered.outcome == "ended"
    assert status["phase"] == "Error"
    assert status["message"].endswith("; it could not be resumed: unknown node type 'Teleport'")


def test_workflow_of_a_live_process_is_not_taken(tmp_path: Path) -> None:
    from argosy.controller import prepare_workflow
    from argosy.spec import ObjectSet, load_text
    from argosy.store.owner import owner_id

    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        wf = prepare_workflow(load_text(SHORT)[0].body, ObjectSet())
        store = data_store(tmp_path)
        try:
            store.create_workflow(wf, {"phase": "Running"}, owner=owner_id(sleeper.pid), lease_seconds=3600)
        finally:
            store.close()
        recovered, status = recover_in_process(tmp_path)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert (recovered, status["phase"]) == ([], "Running")


def test_close_leaves_a_running_workflow_as_stored_and_writes_nothing_after(tmp_path: Path) -> None:
    """A server shutting down closes its controller, then its store, while workflows run (one
    just accepted, one mid-step): the workers stop before the store closes (none writes to a
    closed store), and each stays as stored, unfinished, for the next controller to recover: the
    one mid-step Running, the one just accepted Pending (its worker never wrote)."""
    from argosy.controller import prepare_workflow
    from argosy.spec import ObjectSet, load_text

    async def go() -> list[str]:
        loop_errors: list[str] = []
        asyncio.get_running_loop().set_exception_handler(lambda _, ctx: loop_errors.append(ctx["message"]))
        store = data_store(tmp_path)
        try:
            # its pods run until the test ends them, which it never does
            controller = Controller(data_dir=tmp_path, store=store, runtime=GatedRuntime())
            first = await controller.start_async(prepare_workflow(load_text(LONG)[0].body, ObjectSet()))
            await asyncio.sleep(0.3)  # its first step runs
            just = await controller.start_async(prepare_workflow(load_text(SHORT)[0].body, ObjectSet()))
            await controller.close()
            assert first is not None and just is not None
            assert not controller.running(first.uid) and not controller.running(just.uid)
        finally:
            store.close()
        await asyncio.sleep(0.3)  # a persist interval: nothing is left to write
        return loop_errors

    assert asyncio.run(go()) == []
    store = data_store(tmp_path)
    try:
        assert [store.find_workflow("default", name).phase for name in ("killed", "next-one")] == [
            "Running", "Pending"]
    finally:
        store.close()
