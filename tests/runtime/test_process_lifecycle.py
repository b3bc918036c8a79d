"""Process runtime: volumes, init containers, sidecars, containerSet, daemons, killing."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from podkit import RunPod, container, pod_spec, processes_with

from argosy.runtime import ProcessRuntime, RunContext
from argosy.runtime.namespaces import own

EMPTY_DIR = {"name": "shared", "emptyDir": {}}
MOUNT = {"name": "shared", "mountPath": "/shared"}


def test_init_container_writes_main_reads_empty_dir(run: RunPod) -> None:
    tpl = {
        "volumes": [EMPTY_DIR],
        "initContainers": [{"name": "init", "image": "busybox", "command": ["sh", "-c", "echo from-init > /shared/f"],
                            "volumeMounts": [MOUNT]}],
        "container": {"image": "busybox", "command": ["cat", "/shared/f"], "volumeMounts": [MOUNT]},
    }
    r = run(tpl)
    assert (r.phase, r.outputs["result"]) == ("Succeeded", "from-init")


def test_failing_init_container_fails_the_node(run: RunPod) -> None:
    tpl = {
        "initContainers": [{"name": "setup", "image": "busybox", "command": ["sh", "-c", "exit 3"]}],
        "container": {"image": "busybox", "command": ["echo", "never"]},
    }
    r = run(tpl)
    assert (r.phase, r.exit_code) == ("Failed", 3)
    assert r.message == 'init container "setup" failed: Error (exit code 3)'


@pytest.mark.parametrize(
    "volume",
    [{"name": "work", "persistentVolumeClaim": {"claimName": "my-claim"}}, {"name": "work"}],
    ids=["pvc", "volume-claim-template"],
)
def test_workflow_volume_is_shared_across_nodes(run: RunPod, volume: dict) -> None:
    mount = {"name": "work", "mountPath": "/mnt/vol"}
    w = run(container("sh", "-c", "echo persisted > /mnt/vol/data", spec={"volumeMounts": [mount]}),
            volumes=(volume,))
    assert w.phase == "Succeeded", w.message
    r = run(container("cat", "/mnt/vol/data", spec={"volumeMounts": [mount]}), volumes=(volume,))
    assert r.outputs["result"] == "persisted"


def test_host_path_and_config_map_and_secret_volumes(run: RunPod, tmp_path: Path) -> None:
    host = tmp_path / "hostdir"
    host.mkdir()
    own(str(host))  # a hostPath is the host's: steps write it only if their uid may
    (host / "h.txt").write_text("from host")
    tpl = {
        "volumes": [
            {"name": "h", "hostPath": {"path": str(host)}},
            {"name": "c", "configMap": {"name": "cm", "items": [{"key": "file.txt", "path": "renamed.txt"}]}},
            {"name": "s", "secret": {"secretName": "sec"}},
        ],
        "container": {
            "image": "busybox",
            "command": ["sh", "-c", "cat /h/h.txt /etc/cfg/renamed.txt /etc/sec/password; echo out > /h/new.txt"],
            "volumeMounts": [{"name": "h", "mountPath": "/h"}, {"name": "c", "mountPath": "/etc/cfg"},
                             {"name": "s", "mountPath": "/etc/sec"}],
        },
    }
    r = run(tpl)
    assert r.phase == "Succeeded", r.message
    assert r.outputs["result"] == "from hostcm files3cret"
    assert (host / "new.txt").read_text() == "out\n"


def test_unknown_volume_mount_is_an_error(run: RunPod) -> None:
    r = run(container("true", spec={"volumeMounts": [{"name": "ghost", "mountPath": "/g"}]}))
    assert (r.phase, r.message) == ("Error", 'volume "ghost" not found (container "main")')


def test_sidecar_runs_alongside_and_is_killed_after_main(run: RunPod) -> None:
    tpl = {
        "volumes": [EMPTY_DIR],
        "sidecars": [{"name": "side", "image": "busybox", "volumeMounts": [MOUNT],
                      "command": ["sh", "-c", "echo side-up > /shared/s; exec sleep 876543"]}],
        "container": {"image": "busybox", "volumeMounts": [MOUNT],
                      "command": ["sh", "-c", "while [ ! -f /shared/s ]; do sleep 0.01; done; cat /shared/s"]},
    }
    r = run(tpl)
    assert (r.phase, r.outputs["result"]) == ("Succeeded", "side-up")
    assert processes_with("876543") == []


def test_container_set_runs_in_dependency_order_sharing_volumes(run: RunPod) -> None:
    tpl = {
        "volumes": [{"name": "workspace", "emptyDir": {}}],
        "containerSet": {
            "volumeMounts": [{"name": "workspace", "mountPath": "/workspace"}],
            "containers": [
                {"name": "a", "image": "argoproj/argosay:v2", "args": ["echo", "hi", "/workspace/out"]},
                {"name": "b", "image": "busybox", "command": ["sh", "-c", "cat /workspace/out >> /workspace/log"],
                 "dependencies": ["a"]},
                {"name": "main", "image": "busybox", "command": ["cat", "/workspace/log"], "dependencies": ["b"]},
            ],
        },
        "outputs": {"parameters": [{"name": "out", "valueFrom": {"path": "/workspace/out"}}]},
    }
    r = run(tpl)
    assert r.phase == "Succeeded", r.message
    assert r.outputs["result"] == "hi"
    assert r.outputs["parameters"] == [{"name": "out", "value": "hi"}]


def test_container_set_failure_fails_the_node_and_skips_dependents(run: RunPod) -> None:
    tpl = {"containerSet": {"containers": [
        {"name": "a", "image": "busybox", "command": ["sh", "-c", "exit 2"]},
        {"name": "main", "image": "busybox", "command": ["echo", "never"], "dependencies": ["a"]},
    ]}}
    r = run(tpl)
    assert (r.phase, r.message, r.exit_code) == ("Failed", 'container "a" failed: Error (exit code 2)', 2)


def test_cancellation_kills_the_whole_process_tree(runtime: ProcessRuntime, context: RunContext) -> None:
    started = asyncio.Event()
    tpl = container("sh", "-c", "sleep 765432 & sleep 765433")

    async def go() -> None:
        task = asyncio.create_task(runtime.run(pod_spec(tpl), context, started.set))
        await started.wait()
        for _ in range(200):
            if len(processes_with("sleep 76543")) >= 2:
                break
            await asyncio.sleep(0.01)
        assert processes_with("sleep 765432"), "grandchild never started"
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(go())
    assert processes_with("76543") == []


def test_deadline_fails_the_node(run: RunPod) -> None:
    r = run(container("sh", "-c", "echo started; sleep 654321"), deadline_seconds=0.5)
    assert r.phase == "Failed"
    assert r.message == "Pod was active on the node longer than the specified deadline"
    assert processes_with("654321") == []


@pytest.mark.parametrize(
    "probe",
    [None, {"exec": {"command": ["test", "-f", "/h/ready"]}}],
    ids=["no-probe", "exec-probe"],
)
def test_daemon_reports_started_and_runs_until_cancelled(
    runtime: ProcessRuntime, context: RunContext, probe: dict | None, tmp_path: Path
) -> None:
    spec = {"image": "busybox", "command": ["sh", "-c", "sleep 0.3; touch /h/ready; exec sleep 543210"],
            "volumeMounts": [{"name": "h", "mountPath": "/h"}]}
    if probe:
        spec["readinessProbe"] = probe
    own(str(tmp_path))  # a hostPath is the host's: steps write it only if their uid may
    tpl = {"container": spec, "volumes": [{"name": "h", "hostPath": {"path": str(tmp_path)}}]}

    async def go() -> None:
        started = asyncio.Event()
        task = asyncio.create_task(runtime.run(pod_spec(tpl, daemon=True), context, started.set))
        await asyncio.wait_for(started.wait(), 20)
        assert not task.done()
        if probe:
            assert (tmp_path / "ready").exists(), "reported ready before the probe passed"
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(go())
    assert processes_with("543210") == []
