"""The process runtime: each node runs on the host, in a per-node bubblewrap sandbox."""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from argosy.engine.intents import PodResult, PodSpec
from argosy.runtime.base import DEADLINE_MESSAGE, RunContext
from argosy.runtime.images import CommandPath
from argosy.runtime.limits import Cgroups
from argosy.runtime.namespaces import (
    NamespaceRegistry,
    resolv_conf_for_steps,
    runs_as_root,
)
from argosy.runtime.probe import check_sandbox
from argosy.runtime.process_pod import ProcessPod, remove_empty, shm_dir
from argosy.runtime.progress import ProgressFiles
from argosy.runtime.sandbox import DataFile, MountPlan
from argosy.runtime.spawn import close_inherited_on_exec
from argosy.runtime.start_slots import StartSlots
from argosy.runtime.volumes import host_env

#: container engines' sockets: whoever may connect is root on the host (an unprivileged
#: Argosy keeps its groups inside the user namespace, ``docker`` included)
ENGINE_SOCKETS = ("/run/docker.sock", "/var/run/docker.sock", "/run/containerd/containerd.sock",
                  "/run/podman/podman.sock", "/run/crio/crio.sock")


class ProcessRuntime:
    """Runs each node's containers as host processes inside bubblewrap sandboxes.

    ``check()`` says up front whether sandboxes can be created on this machine.
    ``host_network`` opts every step out of its workflow's network namespace (as a
    workflow's ``spec.hostNetwork: true`` does for its own steps). ``starting_pods``: how
    many pods are set up at once (see :mod:`argosy.runtime.start_slots`).
    """

    def __init__(self, bwrap: str | None = None, scratch_dir: Path | None = None,
                 host_network: bool = False, starting_pods: int | None = None) -> None:
        self.bwrap = bwrap or shutil.which("bwrap") or ""
        self.host_network = host_network
        #: how many pods are set up at once (None: one more than the CPUs)
        self.start_slots = StartSlots(starting_pods)
        #: each workflow's user and network namespaces
        self.namespaces = NamespaceRegistry()
        #: the tasks reaping ended workflows' namespace helpers
        self._reaping: set[asyncio.Task[None]] = set()
        try:
            with open("/etc/resolv.conf") as f:
                resolv = resolv_conf_for_steps(f.read())
        except OSError:
            resolv = None
        #: the resolv.conf steps get in their workflow's network (None: the host's works)
        self.resolv_conf = DataFile(resolv.encode()) if resolv else None
        #: cgroups enforcing ``resources.limits``
        self.cgroups = Cgroups()
        close_inherited_on_exec()
        #: where per-node sandboxes live while a node runs; a tmpfs keeps setup cheap
        self.scratch_dir = scratch_dir
        self._scratch_ready = False
        self._hidden: dict[str, tuple[str, ...]] = {}
        #: whether the steps' uid reaches the scratch dir (else a door per workflow)
        self._scratch_reachable: bool | None = None
        self.commands = CommandPath()
        #: what every container's environment starts from (host variables and the sandbox PATH)
        self.base_env = host_env(self.commands.sandbox_path)
        #: the files main containers write their progress to (ARGO_PROGRESS_FILE)
        self.progress_files = ProgressFiles()

    async def finish_workflow(self, workflow_uid: str) -> None:
        """A workflow ended: its namespaces' holder and network helper go now, not when their
        linger timer fires (which never comes once the event loop that armed it is gone).
        They are told to end at once and reaped in the background: the workflow's end does not
        wait the tens of ms the kernel takes to tear a network namespace down."""
        for ns in self.namespaces.take(workflow_uid):
            task = asyncio.get_running_loop().create_task(ns.close_async())
            self._reaping.add(task)
            task.add_done_callback(self._reaping.discard)

    async def close(self) -> None:
        """Nothing of this runtime outlives it: close every workflow's namespaces. Helpers of
        ended workflows, told to end already, are left to daemon threads to reap: ``argosy run``
        exits without waiting for the kernel's teardown of their network namespaces."""
        for task in self._reaping:
            task.cancel()
        self.namespaces.close()

    def check(self) -> None:
        """Raise :class:`RuntimeFailure` unless bwrap exists and can create a sandbox here."""
        check_sandbox(self.bwrap)

    def hidden_paths(self, context: RunContext) -> tuple[str, ...]:
        """The host paths every sandbox covers: the data dir and the scratch dir, where steps
        could see them (checked once: per step it would be a dozen ``stat`` calls)."""
        key = str(context.data_dir)
        hidden = self._hidden.get(key)
        if hidden is None:
            probe = MountPlan(root="")
            for path in (key, str(self.scratch_base(context)), *ENGINE_SOCKETS):
                # where it really is: the sandbox resolves the host's symlinks the same way
                probe.hide(os.path.realpath(path))
            hidden = self._hidden[key] = tuple(probe.binds)
        return hidden

    def scratch_base(self, context: RunContext) -> Path:
        """The directory holding per-node sandboxes: ``scratch_dir``, a private dir on
        ``/dev/shm`` when that is a writable tmpfs, else ``<data_dir>/sandbox``."""
        if self.scratch_dir is None:
            self.scratch_dir = shm_dir() or context.data_dir / "sandbox"
        if not self._scratch_ready:
            self._scratch_ready = True
            self.scratch_dir.mkdir(parents=True, exist_ok=True)
            if runs_as_root():
                # steps (another uid) must reach their own dirs in it, never list it
                os.chmod(self.scratch_dir, 0o711)
        return self.scratch_dir

    async def run(
        self, pod: PodSpec, context: RunContext, on_started: Callable[..., None]
    ) -> PodResult:
        """Run one node to completion; cancelling kills its process trees.

        ``on_started()`` once the main process runs; ``on_started(progress)`` whenever the
        ``N/M`` in its ``ARGO_PROGRESS_FILE`` changes.
        """
        if not self.bwrap:
            self.check()
        node = ProcessPod(self, pod, context, on_started)
        try:
            if pod.deadline_seconds is not None:
                try:
                    async with asyncio.timeout(pod.deadline_seconds):
                        return await node.execute()
                except TimeoutError:
                    return PodResult(phase="Failed", message=DEADLINE_MESSAGE, exit_code=None,
                                     outputs=node.partial_outputs())
            return await node.execute()
        finally:
            await node.stop_all()
            node.release()
            if node.progress_file is not None:
                self.progress_files.release(node.progress_file)
            # (one failing rmdir when no scratch dir was needed; a stale one is removed too)
            if not remove_empty(node.scratch, node.tmp_dirs):
                # the result is ready: remove the tree in a worker thread, off the hand-off path
                asyncio.get_running_loop().run_in_executor(
                    None, functools.partial(shutil.rmtree, node.scratch, ignore_errors=True))
