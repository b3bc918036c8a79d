"""One container of a node: its sandbox plan, its bwrap process, its log, how it ended."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from argosy.errors import RuntimeFailure
from argosy.runtime.limits import Cgroups, ContainerCgroup, Limits, wrapper
from argosy.runtime.logs import LogJournal
from argosy.runtime.sandbox import MountPlan, close_data_fds
from argosy.runtime.spawn import LIFELINE_FD, Pipes, Process, spawn, wait_exit

#: Argo runs a script's source from this path inside the container
SCRIPT_PATH = "/argo/staging/script"
READ_CHUNK = 1 << 16
#: stdout kept for ``result``: comfortably more than its last 256 KiB
TAIL_LIMIT = 2 * 256 * 1024
#: how long a killed container's processes may take to disappear
KILL_GRACE = 5.0


def exit_code_of(returncode: int) -> int:
    """A process return code as a container exit code (a signal N reads as 128+N)."""
    return 128 - returncode if returncode < 0 else returncode


def kill_group(proc: Process) -> None:
    """SIGKILL a container's whole process group (bwrap + everything in its pid namespace)."""
    if proc.returncode is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class Drain:
    """Feeds everything read from pipe ``fd`` to ``sink``, in the event loop, until EOF.

    ``eof`` is done at end of file (or holds the read error). ``close()`` stops reading
    before the fd is closed, so a reused fd number is never unregistered by mistake.
    """

    def __init__(self, fd: int, sink: Callable[[bytes], None]) -> None:
        self.fd = fd
        self.sink = sink
        self.loop = asyncio.get_running_loop()
        self.eof: asyncio.Future[None] = self.loop.create_future()
        os.set_blocking(fd, False)
        self.loop.add_reader(fd, self._readable)

    def _readable(self) -> None:
        # one read per wake-up (the selector calls again while more is there): no
        # BlockingIOError to raise and catch for every chunk
        try:
            chunk = os.read(self.fd, READ_CHUNK)
        except BlockingIOError:
            return
        except OSError as e:
            if not self.eof.done():
                self.eof.set_exception(e)
            self.close()
            return
        if chunk:
            self.sink(chunk)
            return
        if not self.eof.done():
            self.eof.set_result(None)
        self.close()

    def close(self) -> None:
        """Stop reading (whoever still waits for ``eof`` is cancelled); once is enough."""
        if self.fd < 0:
            return
        self.loop.remove_reader(self.fd)
        self.fd = -1
        if not self.eof.done():
            self.eof.cancel()


def _discard(chunk: bytes) -> None:
    pass


@dataclass
class Container:
    """A container ready to start: argv, environment, working directory and mounts."""

    name: str
    spec: dict[str, Any]
    argv: list[str]
    env: dict[str, str]
    plan: MountPlan
    #: where the output goes, as (pod, container) in the workflow's journal
    journal: LogJournal
    log_name: tuple[str, str]
    workdir: str = "/"
    capture: bool = False
    #: argv prefix entering the workflow's namespaces (see :mod:`argosy.runtime.namespaces`)
    prefix: list[str] = field(default_factory=list)
    #: bwrap options ahead of the mounts
    options: list[str] = field(default_factory=list)
    #: ``resources.limits``, and where cgroups for them are made (None: not enforced)
    limits: Limits = field(default_factory=Limits)
    cgroups: Cgroups | None = None
    #: descriptors every process of the container inherits as fd 4, 5, ... (ahead of the
    #: mounts'), e.g. the progress file; the caller owns them
    passed: list[int] = field(default_factory=list)
    cgroup: ContainerCgroup | None = None
    #: whether the kernel killed the container for its memory limit
    oom_killed: bool = False
    proc: Process | None = None
    pipes: Pipes | None = None
    stdout_tail: bytearray = field(default_factory=bytearray)
    #: read end of a pipe every process of the container inherits: EOF means all are gone
    _lifeline: int = -1
    #: stdout and stderr being drained into the log
    _drains: list[Drain] = field(default_factory=list)

    def bwrap_argv(self, bwrap: str, argv: list[str] | None = None, fds: list[int] | None = None) -> list[str]:
        """The full command line for ``argv`` (default: the container's own): the namespace
        prefix, then bwrap with no capability left and the mounts. Descriptors the mounts
        need are appended to ``fds``, expected after fd 3 (the lifeline) and :attr:`passed`:
        spawn with :meth:`inherited` of them."""
        return [
            *self.prefix, bwrap, "--cap-drop", "ALL", *self.options,
            *self.plan.args(fds, LIFELINE_FD + 1 + len(self.passed)), "--unshare-pid", "--die-with-parent",
            "--chdir", self.workdir, "--", *(argv or self.argv),
        ]

    def inherited(self, fds: list[int]) -> list[int]:
        """What to spawn with as fd 4, 5, ...: :attr:`passed`, then the mounts' ``fds``."""
        return [*self.passed, *fds] if self.passed else fds

    def start(self, bwrap: str) -> None:
        """Start the container; the loop drains its stdout and stderr into the journal."""
        self._lifeline, keep = os.pipe()
        fds: list[int] = []
        try:
            argv = self.bwrap_argv(bwrap, fds=fds)
            if self.limits and self.cgroups is not None:
                self.cgroup = self.cgroups.make(f"{self.log_name[0]}-{self.name}-{keep}", self.limits)
                argv = [*wrapper(self.cgroup, self.limits), *argv]
            self.proc, self.pipes = spawn(argv, self.env, keep, self.inherited(fds))
        except OSError as e:
            self.close()
            raise RuntimeFailure(f"cannot start bwrap for container {self.name!r}: {e}") from e
        finally:
            os.close(keep)
            close_data_fds(self.plan, fds)
        self._drains = [Drain(self.pipes.stdout, self._keep if self.capture else self._stdout),
                        Drain(self.pipes.stderr, self._stderr)]

    def _release_cgroup(self) -> None:
        cg = self.cgroup
        if cg is None:
            return
        self.oom_killed = self.oom_killed or cg.oom_killed()
        if not cg.remove():
            # the namespace's last processes are still going: try once more shortly
            asyncio.get_running_loop().call_later(1.0, cg.remove)
        self.cgroup = None

    def _stdout(self, chunk: bytes) -> None:
        self.journal.write(*self.log_name, "stdout", chunk)

    def _stderr(self, chunk: bytes) -> None:
        self.journal.write(*self.log_name, "stderr", chunk)

    def _keep(self, chunk: bytes) -> None:
        self._stdout(chunk)
        tail = self.stdout_tail
        tail += chunk
        if len(tail) > TAIL_LIMIT:
            del tail[: len(tail) - (TAIL_LIMIT // 2 + 1)]

    async def wait(self) -> int:
        """Wait for the container to exit and its output to be logged; its exit code."""
        proc = self.proc
        assert proc is not None
        for d in self._drains:
            await d.eof
        # at the pipes' EOF bwrap has usually exited already: no pidfd round trip then
        rc = proc.poll()
        if rc is None:
            rc = await wait_exit(proc)
        self._release_cgroup()
        self.close()
        return exit_code_of(rc)

    async def stop(self) -> None:
        """Kill the container's process tree, reap it and log what it wrote last."""
        if self.proc is not None:
            kill_group(self.proc)
            try:
                await wait_exit(self.proc)
                # the namespace's other processes die asynchronously: the lifeline's EOF says
                # they are gone, and then the pipes hold all they wrote
                if self._lifeline >= 0:
                    self._drains.append(Drain(self._lifeline, _discard))
                pending = [d.eof for d in self._drains if not d.eof.done()]
                if pending:
                    await asyncio.wait(pending, timeout=KILL_GRACE)
            finally:
                self._release_cgroup()
                self.close()

    def close(self) -> None:
        self.plan.close()
        for d in self._drains:
            d.close()
        self._drains.clear()
        if self._lifeline >= 0:
            os.close(self._lifeline)
            self._lifeline = -1
        if self.pipes is not None:
            self.pipes.close()
