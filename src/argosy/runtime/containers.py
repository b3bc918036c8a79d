"""One container of a node: its sandbox plan, its bwrap process, its log, how it ended."""

from __future__ import annotations

import asyncio
import os
import signal
from dataclasses import dataclass, field
from typing import Any

from argosy.errors import RuntimeFailure
from argosy.runtime.sandbox import MountPlan

#: Argo runs a script's source from this path inside the container
SCRIPT_PATH = "/argo/staging/script"
READ_CHUNK = 1 << 16


def exit_code_of(returncode: int) -> int:
    """A process return code as a container exit code (a signal N reads as 128+N)."""
    return 128 - returncode if returncode < 0 else returncode


def kill_group(proc: asyncio.subprocess.Process) -> None:
    """SIGKILL a container's whole process group (bwrap + everything in its pid namespace)."""
    if proc.returncode is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
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
    proc: asyncio.subprocess.Process | None = None
    stdout_tail: bytearray = field(default_factory=bytearray)
    _log_fd: int = -1

    def bwrap_argv(self, bwrap: str, argv: list[str] | None = None) -> list[str]:
        """The full bwrap command line for ``argv`` (default: the container's own)."""
        return [
            bwrap, *self.plan.args(), "--unshare-pid", "--die-with-parent",
            "--chdir", self.workdir, "--", *(argv or self.argv),
        ]

    async def start(self, bwrap: str) -> None:
        """Start the container; stdout is piped only when its result is needed."""
        self._log_fd = os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            self.proc = await asyncio.create_subprocess_exec(
                *self.bwrap_argv(bwrap),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE if self.capture else self._log_fd,
                stderr=self._log_fd,
                env=self.env,
                start_new_session=True,
            )
        except OSError as e:
            self.close()
            raise RuntimeFailure(f"cannot start bwrap for container {self.name!r}: {e}") from e

    async def wait(self) -> int:
        """Wait for the container to exit (draining stdout to the log); its exit code."""
        proc = self.proc
        assert proc is not None
        if self.capture and proc.stdout is not None:
            tail = self.stdout_tail
            limit = 2 * (256 * 1024) + READ_CHUNK
            while chunk := await proc.stdout.read(READ_CHUNK):
                os.write(self._log_fd, chunk)
                tail += chunk
                if len(tail) > limit:
                    del tail[: len(tail) - limit // 2]
        rc = await proc.wait()
        self.close()
        return exit_code_of(rc)

    async def stop(self) -> None:
        """Kill the container's process tree and reap it."""
        if self.proc is not None:
            kill_group(self.proc)
            try:
                await self.proc.wait()
            finally:
                self.close()

    def close(self) -> None:
        if self._log_fd >= 0:
            os.close(self._log_fd)
            self._log_fd = -1
