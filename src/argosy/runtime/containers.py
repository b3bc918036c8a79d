"""One container of a node: its sandbox plan, its bwrap process, its log, how it ended."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from argosy.errors import RuntimeFailure
from argosy.runtime.sandbox import MountPlan

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


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL a container's whole process group (bwrap + everything in its pid namespace)."""
    if proc.returncode is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


async def wait_exit(proc: subprocess.Popen[bytes]) -> int:
    """Wait for ``proc`` without a watcher thread: a pidfd in the event loop (Linux >= 5.3)."""
    if proc.returncode is not None:
        return proc.returncode
    loop = asyncio.get_running_loop()
    try:
        pidfd = os.pidfd_open(proc.pid)
    except (AttributeError, OSError):
        return await asyncio.to_thread(proc.wait)
    done: asyncio.Future[None] = loop.create_future()

    def ready() -> None:
        if not done.done():
            done.set_result(None)

    loop.add_reader(pidfd, ready)
    try:
        await done
    finally:
        loop.remove_reader(pidfd)
        os.close(pidfd)
    return proc.wait()


async def read_pipe(fd: int, sink: Callable[[bytes], None]) -> None:
    """Feed everything read from pipe ``fd`` to ``sink`` until EOF, in the event loop."""
    loop = asyncio.get_running_loop()
    os.set_blocking(fd, False)
    eof: asyncio.Future[None] = loop.create_future()

    def readable() -> None:
        try:
            while chunk := os.read(fd, READ_CHUNK):
                sink(chunk)
        except BlockingIOError:
            return
        except OSError as e:
            if not eof.done():
                eof.set_exception(e)
            return
        if not eof.done():
            eof.set_result(None)

    loop.add_reader(fd, readable)
    try:
        await eof
    finally:
        loop.remove_reader(fd)


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
    log_path: str
    workdir: str = "/"
    capture: bool = False
    proc: subprocess.Popen[bytes] | None = None
    stdout_tail: bytearray = field(default_factory=bytearray)
    _log_fd: int = -1
    #: read end of a pipe every process of the container inherits: EOF means all are gone
    _lifeline: int = -1

    def bwrap_argv(self, bwrap: str, argv: list[str] | None = None) -> list[str]:
        """The full bwrap command line for ``argv`` (default: the container's own)."""
        return [
            bwrap, *self.plan.args(), "--unshare-pid", "--die-with-parent",
            "--chdir", self.workdir, "--", *(argv or self.argv),
        ]

    def start(self, bwrap: str) -> None:
        """Start the container; stdout is piped only when its result is needed."""
        self._log_fd = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._lifeline, keep = os.pipe()
        try:
            self.proc = subprocess.Popen(
                self.bwrap_argv(bwrap),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE if self.capture else self._log_fd,
                stderr=self._log_fd,
                env=self.env,
                start_new_session=True,
                pass_fds=(keep,),
            )
        except OSError as e:
            self.close()
            raise RuntimeFailure(f"cannot start bwrap for container {self.name!r}: {e}") from e
        finally:
            os.close(keep)

    def _keep(self, chunk: bytes) -> None:
        os.write(self._log_fd, chunk)
        tail = self.stdout_tail
        tail += chunk
        if len(tail) > TAIL_LIMIT:
            del tail[: len(tail) - (TAIL_LIMIT // 2 + 1)]

    async def wait(self) -> int:
        """Wait for the container to exit (draining stdout to the log); its exit code."""
        proc = self.proc
        assert proc is not None
        if proc.stdout is not None:
            await read_pipe(proc.stdout.fileno(), self._keep)
        # at stdout's EOF bwrap has usually exited already: no pidfd round trip then
        rc = proc.poll()
        if rc is None:
            rc = await wait_exit(proc)
        self.close()
        return exit_code_of(rc)

    async def stop(self) -> None:
        """Kill the container's process tree and reap it."""
        if self.proc is not None:
            kill_group(self.proc)
            try:
                await wait_exit(self.proc)
                if self._lifeline >= 0:
                    # the namespace's other processes die asynchronously; wait until they have
                    with contextlib.suppress(TimeoutError, OSError):
                        async with asyncio.timeout(KILL_GRACE):
                            await read_pipe(self._lifeline, _discard)
            finally:
                self.close()

    def close(self) -> None:
        if self._log_fd >= 0:
            os.close(self._log_fd)
            self._log_fd = -1
        if self._lifeline >= 0:
            os.close(self._lifeline)
            self._lifeline = -1
        if self.proc is not None and self.proc.stdout is not None and self.proc.returncode is not None:
            self.proc.stdout.close()
