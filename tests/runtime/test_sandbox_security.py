"""The sandbox, attacked by a hostile step: each test fails if the hole it probes is open.

Run as root (CI) and as any other user: root in a step is never root on the host.
"""

from __future__ import annotations

import asyncio
import os
import socket
import threading
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from podkit import RunPod, container, pod_spec

from argosy.runtime import ProcessRuntime, RunContext
from argosy.runtime.namespaces import SANDBOX_UID, own, runs_as_root


def _ok(r: Any) -> str:
    assert r.phase == "Succeeded", r.message
    return str(r.outputs["result"])


def test_root_in_a_step_has_no_capability_and_no_new_privileges(run: RunPod) -> None:
    out = _ok(run(container("sh", "-c", "id -u; grep -E '^(CapEff|CapPrm|CapAmb|NoNewPrivs)' /proc/self/status")))
    lines = dict(line.split(":\t") for line in out.splitlines()[1:])
    assert out.splitlines()[0] == "0", "steps expecting root inside their image see uid 0"
    assert lines == {"CapPrm": "0000000000000000", "CapEff": "0000000000000000",
                     "CapAmb": "0000000000000000", "NoNewPrivs": "1"}


@pytest.mark.parametrize("attack", [
    "mount -o remount,rw / && echo pwned > /etc/argosy-pwned",
    "umount /proc || umount -l /proc",
    "mount -t tmpfs none /mnt",
    "unshare -r true",
    "unshare -m true",
    "unshare -U -r mount -t tmpfs none /mnt",
], ids=["remount-root-rw", "unmount-proc", "mount-tmpfs", "unshare-user", "unshare-mount", "nested-userns-mount"])
def test_a_step_cannot_mount_or_make_namespaces(run: RunPod, attack: str) -> None:
    r = run(container("sh", "-c", f"({attack}) 2>/dev/null && echo HOLE || echo closed"))
    assert _ok(r) == "closed"
    assert not os.path.exists("/etc/argosy-pwned")


def test_files_a_step_writes_are_not_roots_on_the_host(run: RunPod, tmp_path: Path) -> None:
    own(str(tmp_path))
    tpl = {"volumes": [{"name": "h", "hostPath": {"path": str(tmp_path)}}],
           **container("sh", "-c", "echo x > /h/made", spec={"volumeMounts": [{"name": "h", "mountPath": "/h"}]})}
    _ok(run(tpl))
    expected = SANDBOX_UID if runs_as_root() else os.getuid()
    assert (tmp_path / "made").stat().st_uid == expected


def test_a_step_cannot_write_a_root_owned_host_file_through_a_volume(run: RunPod, tmp_path: Path) -> None:
    if not runs_as_root():
        pytest.skip("only a root run has root-owned files a step could reach")
    victim = tmp_path / "victim"
    victim.write_text("safe")
    os.chmod(victim, 0o644)
    own(str(tmp_path))
    tpl = {"volumes": [{"name": "h", "hostPath": {"path": str(tmp_path)}}],
           **container("sh", "-c", "echo pwned > /h/victim 2>/dev/null; chmod 666 /h/victim 2>/dev/null; cat /h/victim",
                       spec={"volumeMounts": [{"name": "h", "mountPath": "/h"}]})}
    assert _ok(run(tpl)) == "safe"
    assert victim.read_text() == "safe"


def test_a_step_sees_only_its_own_processes(run: RunPod) -> None:
    out = _ok(run(container("sh", "-c", "ls -d /proc/[0-9]* | wc -l")))
    assert int(out) < 10, "the host's processes are visible"


def test_a_step_cannot_read_host_processes_environments(run: RunPod, monkeypatch: pytest.MonkeyPatch) -> None:
    # a marker only this (the host's) process has in its environment
    monkeypatch.setenv("ARGOSY_HOST_MARKER", "host-secret-7781")
    r = run(container("sh", "-c", "cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c host-secret-7781 || true"))
    assert _ok(r) == "0"


@pytest.fixture
def host_loopback_server() -> Any:
    """A TCP server on the host's 127.0.0.1 (what a step must not reach)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(5)
    accepted: list[bool] = []

    def serve() -> None:
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            accepted.append(True)
            conn.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    yield srv.getsockname()[1], accepted
    srv.close()


def _connect(host: str, port: int) -> str:
    return (f"python3 -c \"import socket; socket.create_connection(('{host}', {port}), timeout=2)\" "
            "2>/dev/null && echo reached || echo refused")


@pytest.mark.parametrize("host", ["127.0.0.1", "10.0.2.2"], ids=["loopback", "slirp-gateway"])
def test_a_step_cannot_reach_the_hosts_loopback(run: RunPod, host_loopback_server: Any, host: str) -> None:
    port, accepted = host_loopback_server
    assert _ok(run(container("sh", "-c", _connect(host, port)))) == "refused"
    assert accepted == []


def test_host_network_opt_out_reaches_the_hosts_loopback(
    runtime: ProcessRuntime, context: RunContext, host_loopback_server: Any
) -> None:
    port, accepted = host_loopback_server
    tpl = container("sh", "-c", _connect("127.0.0.1", port))
    rt = ProcessRuntime(bwrap=runtime.bwrap, host_network=True)
    r = asyncio.run(rt.run(pod_spec(tpl), context, lambda: None))
    assert _ok(r) == "reached"
    assert accepted


def test_steps_of_one_workflow_share_a_loopback_other_workflows_do_not(
    runtime: ProcessRuntime, context: RunContext
) -> None:
    server = container("python3", "-c", (
        "import socket; s = socket.socket(); s.bind(('127.0.0.1', 18931)); s.listen(5)\n"
        "while True: s.accept()[0].close()"))
    client = container("sh", "-c", _connect("127.0.0.1", 18931))

    async def go() -> tuple[str, str]:
        started = asyncio.Event()
        daemon = asyncio.create_task(runtime.run(replace(pod_spec(server, daemon=True), workflow_uid="wf-a"),
                                                 context, started.set))
        await asyncio.wait_for(started.wait(), 20)
        await asyncio.sleep(0.5)  # the server binds
        same = await runtime.run(replace(pod_spec(client), workflow_uid="wf-a"), context, lambda: None)
        other = await runtime.run(replace(pod_spec(client), workflow_uid="wf-b"), context, lambda: None)
        daemon.cancel()
        with pytest.raises(asyncio.CancelledError):
            await daemon
        return _ok(same), _ok(other)

    assert asyncio.run(go()) == ("reached", "refused")


@pytest.mark.parametrize("parent", ["~", "/var/tmp"], ids=["home", "world-readable"])
def test_a_step_never_sees_the_data_dir(runtime: ProcessRuntime, parent: str) -> None:
    # outside /tmp (a private tmpfs in every sandbox anyway); /var/tmp: readable by any uid
    data = Path(os.path.expanduser(parent)) / f".argosy-test-data-{os.getpid()}"
    if not os.access(data.parent, os.W_OK):
        pytest.skip("not writable here")
    try:
        data.mkdir(mode=0o755)
        (data / "store.db").write_text("every workflow's secrets")
        ctx = RunContext(data_dir=data)
        r = asyncio.run(runtime.run(pod_spec(container("sh", "-c", f"ls -A {data}; cat {data}/store.db; true")),
                                    ctx, lambda: None))
        assert "secrets" not in _ok(r)
    finally:
        import shutil
        shutil.rmtree(data, ignore_errors=True)


@pytest.mark.parametrize("target", ["/tmp", "/dev/shm", "/.host"],
                         ids=["host-tmp", "host-shm", "host-root-bind"])
def test_the_split_layout_exposes_nothing_of_the_host(
    runtime: ProcessRuntime, context: RunContext, target: str
) -> None:
    # another node's files: in the host's /tmp and in the scratch dir (/dev/shm)
    marker = Path("/tmp") / f"argosy-other-step-{os.getpid()}"
    marker.write_text("other step's file")
    shm = Path("/dev/shm") / f"argosy-other-step-{os.getpid()}"
    shm.write_text("other step's file")
    try:
        # an output at a new root-level path forces the split layout
        tpl = container("sh", "-c", f"grep -rs \"other step's\" {target} 2>/dev/null | head -1; echo 1 > /result.txt",
                        outputs={"parameters": [{"name": "r", "valueFrom": {"path": "/result.txt"}}]})
        r = asyncio.run(runtime.run(pod_spec(tpl), context, lambda: None))
        assert _ok(r) == ""
        assert r.outputs["parameters"] == [{"name": "r", "value": "1"}]
    finally:
        marker.unlink()
        shm.unlink()


@pytest.mark.parametrize(("spec_line", "expected"), [("hostNetwork: true\n  ", True), ("", False)],
                         ids=["host-network", "own-network"])
def test_spec_host_network_reaches_the_runtime(spec_line: str, expected: bool) -> None:
    from harness import run_workflow

    from argosy.runtime.base import result_of

    seen: list[bool] = []

    def handler(pod: Any) -> Any:
        seen.append(bool(pod.template.get("hostNetwork")))
        return result_of()

    run_workflow("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: hn}\nspec:\n  "
                 f"{spec_line}entrypoint: main\n  templates:\n  - name: main\n    container: {{image: busybox}}\n",
                 handler)
    assert seen == [expected]


@pytest.mark.parametrize(("command", "path"), [
    ("ln -s {victim} /tmp/out", "/tmp/out"),
    ("mkdir -p /tmp/d && ln -s {victim_dir} /tmp/d/link", "/tmp/d/link/victim"),
    ("true", "{victim}"),
], ids=["symlinked-file", "symlinked-dir", "host-file-only-root-reads"])
def test_an_output_never_copies_out_what_the_step_could_not_read(run: RunPod, tmp_path: Path, command: str,
                                                                   path: str) -> None:
    victim_dir = Path("/var/tmp") / f"argosy-victim-{os.getpid()}"
    victim_dir.mkdir(mode=0o755, exist_ok=True)
    victim = victim_dir / "victim"
    victim.write_text("host secret")
    os.chmod(victim, 0o600 if runs_as_root() else 0o644)
    fill = {"victim": str(victim), "victim_dir": str(victim_dir)}
    try:
        tpl = container("sh", "-c", command.format(**fill), outputs={
            "parameters": [{"name": "p", "valueFrom": {"path": path.format(**fill), "default": "none"}}]})
        r = run(tpl)
        assert r.phase == "Succeeded", r.message
        # the step may read it only when Argosy (and so the step) is the file's owner
        assert r.outputs["parameters"][0]["value"] == ("none" if runs_as_root() else "host secret")
    finally:
        victim.unlink()
        victim_dir.rmdir()


def test_a_symlinked_output_resolves_in_the_steps_view_not_the_hosts(run: RunPod) -> None:
    marker = f"/tmp/argosy-link-{os.getpid()}"
    Path(marker).write_text("the host's file")
    try:
        tpl = container("sh", "-c", f"echo the step\\'s file > {marker}; ln -s {marker} /tmp/out",
                        outputs={"parameters": [{"name": "p", "valueFrom": {"path": "/tmp/out"}}]})
        r = run(tpl)
        assert r.phase == "Succeeded", r.message
        assert r.outputs["parameters"] == [{"name": "p", "value": "the step's file"}]
    finally:
        os.unlink(marker)


def test_a_host_directory_artifact_holds_only_what_the_step_could_read(run: RunPod, context: RunContext) -> None:
    d = Path("/var/tmp") / f"argosy-dir-{os.getpid()}"
    d.mkdir(mode=0o755, exist_ok=True)
    (d / "public").write_text("anyone")
    (d / "private").write_text("root only")
    os.chmod(d / "private", 0o600)
    try:
        tpl = container("true", outputs={"artifacts": [{"name": "a", "path": str(d), "archive": {"none": {}}}]})
        r = run(tpl)
        assert r.phase == "Succeeded", r.message
        key = r.outputs["artifacts"][0]["local"]["key"] if "local" in r.outputs["artifacts"][0] else None
        stored = sorted(p.name for p in context.artifact_dir.rglob("*") if p.is_file())
        assert "public" in stored, (key, stored)
        assert ("private" in stored) == (not runs_as_root())
    finally:
        import shutil
        shutil.rmtree(d)


def test_a_step_inherits_no_descriptor_of_argosy(runtime: ProcessRuntime, context: RunContext) -> None:
    # a descriptor Argosy's own parent left open (not close-on-exec), as a shell or CI runner may
    r, w = os.pipe()
    os.set_inheritable(w, True)
    try:
        rt = ProcessRuntime(bwrap=runtime.bwrap)
        tpl = {"volumes": [{"name": "v", "emptyDir": {}}, {"name": "s", "secret": {"secretName": "sec"}}],
               **container("sh", "-c", "ls /proc/self/fd | sort -n | tr '\\n' ' '",
                           spec={"volumeMounts": [{"name": "v", "mountPath": "/v"}, {"name": "s", "mountPath": "/s"}]})}
        out = _ok(asyncio.run(rt.run(pod_spec(tpl), context, lambda: None)))
        # stdin/stdout/stderr, the lifeline (3), the progress file (4), and what sh and ls
        # open themselves
        assert str(w) not in out.split() or w <= 5
        assert set(out.split()) <= {"0", "1", "2", "3", "4", "5", "10"}, out
    finally:
        os.close(r)
        os.close(w)


def test_a_step_does_not_share_the_hosts_ipc_namespace(run: RunPod) -> None:
    out = _ok(run(container("sh", "-c", "readlink /proc/self/ns/ipc")))
    assert out != os.readlink("/proc/self/ns/ipc")


def test_without_user_namespaces_every_step_fails_saying_so(
    runtime: ProcessRuntime, context: RunContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from argosy.errors import RuntimeFailure
    from argosy.runtime import namespaces

    # what unshare says where unprivileged user namespaces are off
    monkeypatch.setattr(namespaces, "_HOLDER_SCRIPT", "echo 'unshare failed: Operation not permitted' >&2; exit 1")
    rt = ProcessRuntime(bwrap=runtime.bwrap)
    with pytest.raises(RuntimeFailure, match="user namespace.*max_user_namespaces"):
        rt.check()
    r = asyncio.run(rt.run(pod_spec(container("true"), workflow_name="no-userns"), context, lambda: None))
    assert r.phase == "Error"
    assert "cannot create a user namespace" in (r.message or "")
    assert "Operation not permitted" in (r.message or "")


@pytest.mark.skipif(not os.path.exists("/run/docker.sock"), reason="no Docker socket on this host")
def test_a_step_cannot_reach_the_docker_socket(run: RunPod) -> None:
    probe = ("import socket, sys; s = socket.socket(socket.AF_UNIX)\n"
             "try: s.connect('/run/docker.sock'); print('reached')\nexcept OSError: print('refused')")
    assert _ok(run(container("python3", "-c", probe))) == "refused"


@pytest.mark.parametrize(("host", "steps"), [
    ("nameserver 127.0.0.53\noptions edns0 trust-ad\nsearch lan\n",
     "nameserver 10.0.2.3\noptions edns0 trust-ad\nsearch lan\n"),
    ("nameserver 10.255.255.53\n", None),
    ("nameserver 127.0.0.1\nnameserver 1.1.1.1\n", None),
], ids=["systemd-resolved", "remote", "mixed"])
def test_a_loopback_resolver_is_replaced_by_the_networks_forwarder(host: str, steps: str | None) -> None:
    from argosy.runtime.namespaces import resolv_conf_for_steps

    assert resolv_conf_for_steps(host) == steps


def test_steps_see_the_resolv_conf_their_network_needs(
    runtime: ProcessRuntime, context: RunContext
) -> None:
    from argosy.runtime.sandbox import DataFile

    rt = ProcessRuntime(bwrap=runtime.bwrap)
    rt.resolv_conf = DataFile(b"nameserver 10.0.2.3\n")
    r = asyncio.run(rt.run(pod_spec(container("cat", "/etc/resolv.conf")), context, lambda: None))
    ns = rt.namespaces.live.get(("uid-1", False))
    expected = "nameserver 10.0.2.3" if ns is None or ns.outbound else Path("/etc/resolv.conf").read_text().strip()
    assert _ok(r) == expected
