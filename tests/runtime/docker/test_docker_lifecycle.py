"""A pod's containers on Docker: shared volumes and localhost, labels, stop, adopt, removal."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import docker
import pytest
from podkit import pod_spec

from argosy.runtime import RunContext
from argosy.runtime.docker import DockerRuntime
from argosy.runtime.docker.config import LABEL_NODE, LABEL_UID

SRC = Path(__file__).resolve().parents[3] / "src"
TESTS = Path(__file__).resolve().parents[2]


def busybox(script: str, **extra: Any) -> dict[str, Any]:
    return {"image": "busybox", "command": ["sh", "-c", script], **extra}


def containers_of(pod: Any) -> list[dict[str, Any]]:
    api = docker.from_env().api
    return api.containers(all=True, filters={"label": [f"{LABEL_UID}={pod.workflow_uid}",
                                                       f"{LABEL_NODE}={pod.node_id}"]})


def test_init_container_fills_an_empty_dir_the_main_container_reads(run: Any) -> None:
    r = run({"initContainers": [busybox("echo from-init > /shared/f", name="init",
                                        volumeMounts=[{"name": "s", "mountPath": "/shared"}])],
             "volumes": [{"name": "s", "emptyDir": {}}],
             "container": busybox("cat /shared/f", volumeMounts=[{"name": "s", "mountPath": "/shared"}])})
    assert (r.phase, r.outputs["result"]) == ("Succeeded", "from-init")


def test_failing_init_container_fails_the_node(run: Any) -> None:
    r = run({"initContainers": [busybox("exit 5", name="setup")], "container": busybox("echo never")})
    assert (r.phase, r.message) == ("Failed", 'init container "setup" failed: Error (exit code 5)')


def test_sidecar_is_reached_on_localhost_and_stopped_after_main(run: Any) -> None:
    r = run({"container": {"image": "curlimages/curl:latest", "command": ["sh", "-c"],
                           "args": ["until curl -s http://127.0.0.1/ > /tmp/o; do sleep 0.2; done; cat /tmp/o"]},
             "sidecars": [{"name": "nginx", "image": "nginx:1.13"}]})
    assert r.phase == "Succeeded" and "Welcome to nginx!" in r.outputs["result"]


def test_config_map_secret_and_claim_volumes(run: Any) -> None:
    claim = {"name": "data", "persistentVolumeClaim": {"claimName": f"argosy-test-{time.time_ns()}"}}
    vols = [{"name": "c", "configMap": {"name": "cm"}}, {"name": "s", "secret": {"secretName": "sec"}}, claim]
    mounts = [{"name": "c", "mountPath": "/etc/c"}, {"name": "s", "mountPath": "/etc/s"},
              {"name": "data", "mountPath": "/data"}]
    first = run({"volumes": vols, "container": busybox(
        "cat /etc/c/greeting; echo; cat /etc/s/password; echo kept > /data/k", volumeMounts=mounts)})
    assert (first.phase, first.outputs["result"]) == ("Succeeded", "hello from cm\ns3cret")
    # a claim outlives the pod (and the workflow), like a PVC
    second = run({"volumes": [claim], "container": busybox("cat /data/k", volumeMounts=mounts[2:])})
    assert (second.phase, second.outputs["result"]) == ("Succeeded", "kept")
    docker.from_env().api.remove_volume(f"argosy-claim-{claim['persistentVolumeClaim']['claimName']}")


def test_container_set_runs_in_dependency_order_sharing_volumes(run: Any) -> None:
    r = run({"volumes": [{"name": "w", "emptyDir": {}}],
             "containerSet": {"volumeMounts": [{"name": "w", "mountPath": "/w"}], "containers": [
                 busybox("echo a >> /w/log", name="a"),
                 busybox("echo b >> /w/log", name="b", dependencies=["a"]),
                 busybox("cat /w/log", name="main", dependencies=["b"])]}})
    assert (r.phase, r.outputs["result"]) == ("Succeeded", "a\nb")


def test_containers_are_labelled_while_running_and_removed_after(docker_runtime: DockerRuntime,
                                                                 context: RunContext) -> None:
    pod = pod_spec({"container": busybox("sleep 0.5")}, workflow_name="wf-labels")
    seen: list[dict[str, Any]] = []

    async def main() -> None:
        await docker_runtime.run(pod, context, lambda: seen.extend(containers_of(pod)))
        await docker_runtime.settled(pod.workflow_uid)

    asyncio.run(main())
    [c] = seen
    assert c["Labels"]["workflows.argoproj.io/workflow"] == "wf-labels"
    assert c["Labels"]["io.argosy.pod"] == pod.pod_name
    assert containers_of(pod) == []


def test_stop_sends_sigterm_first(docker_runtime: DockerRuntime, context: RunContext) -> None:
    """A cancelled node gets SIGTERM (its trap runs), and its containers are removed."""
    pod = pod_spec({"container": busybox("trap 'echo got-term; exit 0' TERM; echo up; while true; do sleep 0.1; done")},
                   workflow_name="wf-stop")

    async def main() -> None:
        started = asyncio.Event()
        task = asyncio.create_task(docker_runtime.run(pod, context, started.set))
        await started.wait()
        await asyncio.sleep(0.5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await docker_runtime.settled(pod.workflow_uid)

    asyncio.run(main())
    assert "got-term" in context.read_log("wf-stop", pod.pod_name)
    assert containers_of(pod) == []


@pytest.mark.parametrize("exited", [False, True], ids=["still-running", "exited-meanwhile"])
def test_adopt_follows_a_running_container_instead_of_restarting_it(
        docker_runtime: DockerRuntime, context: RunContext, tmp_path: Path, exited: bool) -> None:
    """Argosy is killed while a node runs; a new Argosy adopts the container, running or not."""
    template = {"container": busybox("echo started-once >> /tmp/runs; sleep 2; echo -n done > /tmp/out; cat /tmp/runs"),
                "outputs": {"parameters": [{"name": "o", "valueFrom": {"path": "/tmp/out"}}]}}
    pod = pod_spec(template, workflow_name="wf-adopt")
    script = (
        "import asyncio, pickle, sys\n"
        "from pathlib import Path\n"
        "from argosy.runtime import RunContext\n"
        "from argosy.runtime.docker import DockerRuntime\n"
        "pod = pickle.loads(bytes.fromhex(sys.argv[1]))\n"
        "def started():\n"
        "    print('started', flush=True)\n"
        "asyncio.run(DockerRuntime().run(pod, RunContext(data_dir=Path(sys.argv[2])), started))\n"
    )
    import pickle

    proc = subprocess.Popen([sys.executable, "-c", script, pickle.dumps(pod).hex(), str(tmp_path / "first")],
                            stdout=subprocess.PIPE, env={"PYTHONPATH": f"{SRC}:{TESTS}", "PATH": "/usr/bin:/bin"})
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == b"started"
    proc.kill()  # no clean-up: the container keeps running
    proc.wait()
    proc.stdout.close()
    [running] = containers_of(pod)
    assert running["State"] == "running"
    if exited:
        docker.from_env().api.wait(running["Id"])
    starts: list[str] = []
    async def adopt() -> Any:
        try:
            return await docker_runtime.adopt(pod, context, lambda: starts.append("started"))
        finally:
            await docker_runtime.settled(pod.workflow_uid)

    r = asyncio.run(adopt())
    assert (r.phase, r.outputs["parameters"], r.outputs["result"]) == (
        "Succeeded", [{"name": "o", "value": "done"}], "started-once")
    assert starts == ([] if exited else ["started"])
    assert containers_of(pod) == []


def test_adopting_a_node_whose_containers_are_gone(docker_runtime: DockerRuntime, context: RunContext) -> None:
    r = asyncio.run(docker_runtime.adopt(pod_spec({"container": busybox("true")}), context, lambda: None))
    assert (r.phase, r.message) == ("Error", "pod deleted")


def test_daemon_ip_is_reachable_from_its_workflow_only(docker_runtime: DockerRuntime, context: RunContext) -> None:
    server = pod_spec({"container": {"image": "nginx:1.13", "readinessProbe": {"httpGet": {"path": "/", "port": 80}}}},
                      daemon=True, workflow_name="wf-ip")
    ips: list[str] = []

    def client(uid: str) -> Any:
        return pod_spec({"container": {"image": "curlimages/curl:latest", "command": ["sh", "-c"],
                                       "args": [f"curl -s -m 2 http://{ips[0]}/ || echo unreachable"]}},
                        workflow_name="wf-ip") if uid == server.workflow_uid else \
            pod_spec({"container": {"image": "curlimages/curl:latest", "command": ["sh", "-c"],
                                    "args": [f"curl -s -m 2 http://{ips[0]}/ || echo unreachable"]}},
                     workflow_name="wf-other")

    async def main() -> tuple[Any, Any]:
        ready = asyncio.Event()

        def started(ip: str | None = None) -> None:
            ips.append(ip or "")
            ready.set()

        task = asyncio.create_task(docker_runtime.run(server, context, started))
        await ready.wait()
        same = await docker_runtime.run(client(server.workflow_uid), context, lambda: None)
        other_pod = client("other")
        other_pod = other_pod.__class__(**{**{f: getattr(other_pod, f) for f in other_pod.__slots__},
                                           "workflow_uid": "uid-other"})
        other = await docker_runtime.run(other_pod, context, lambda: None)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await docker_runtime.settled(server.workflow_uid)
        await docker_runtime.finish_workflow("uid-other")
        return same, other

    same, other = asyncio.run(main())
    assert ips and ips[0] not in ("", "127.0.0.1")
    assert "Welcome to nginx!" in same.outputs["result"]
    assert other.outputs["result"] == "unreachable"
