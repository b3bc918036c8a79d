"""Starting a container's process with ``posix_spawn``: half the cost of ``subprocess.Popen``.

``Popen`` costs about 0.5 ms here (pipes, file objects, an error pipe read after the fork);
``os.posix_spawn`` with the same file descriptors costs about 0.27 ms. A chain of steps pays
the spawn between every two steps, so it is worth the few lines below.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

#: the fd number the lifeline pipe has in the container (Popen's ``pass_fds`` equivalent)
LIFELINE_FD = 3
#: signals Python ignores that a spawned program must get back at their defaults
_RESET_SIGNALS = tuple(s for s in (signal.SIGPIPE, getattr(signal, "SIGXFSZ", None)) if s is not None)


@dataclass
class Process:
    """A spawned child: its pid and, once reaped, its return code (``-N`` for signal N)."""

    pid: int
    returncode: int | None = None

    def poll(self) -> int | None:
        """Reap the child if it has exited; its return code or None."""
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self) -> int:
        """Block until the child exits; its return code."""
        if self.returncode is None:
            _pid, status = os.waitpid(self.pid, 0)
            self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode


class Waitable(Protocol):
    """A child process as :func:`wait_exit` needs it."""

    pid: int
    returncode: int | None

    def wait(self) -> int: ...


async def wait_exit(proc: Waitable) -> int:
    """Wait for ``proc`` (a :class:`Process` or a ``subprocess.Popen``) without a watcher
    thread: a pidfd in the event loop (Linux >= 5.3)."""
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


@dataclass
class Pipes:
    """The parent's ends of a spawned child's stdout and stderr (-1 once closed)."""

    stdout: int
    stderr: int

    def close(self) -> None:
        for fd in (self.stdout, self.stderr):
            if fd >= 0:
                os.close(fd)
        self.stdout = self.stderr = -1


def spawn(argv: list[str], env: Mapping[str, str], lifeline: int,
          fds: Sequence[int] = ()) -> tuple[Process, Pipes]:
    """Start ``argv[0]`` (an absolute path) in a new session with stdin from /dev/null,
    stdout and stderr on fresh pipes, ``lifeline`` as fd 3 and ``fds`` as fds 4, 5, ...;
    everything else stays closed (Python opens every fd close-on-exec)."""
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    devnull = os.open(os.devnull, os.O_RDONLY | os.O_CLOEXEC)
    sources = [devnull, out_w, err_w, lifeline, *fds]
    top = len(sources) - 1
    try:
        # a dup2 onto itself would keep close-on-exec set, and a later dup2 must not
        # overwrite a source: keep every source above the highest target
        lifted = [_above(fd, top) for fd in sources]
        try:
            actions = [(os.POSIX_SPAWN_DUP2, fd, target) for target, fd in enumerate(lifted)]
            pid = os.posix_spawn(argv[0], argv, env, file_actions=actions, setsid=True,
                                 setsigdef=_RESET_SIGNALS)
        finally:
            for fd, orig in zip(lifted, sources):
                if fd != orig:
                    os.close(fd)
    except BaseException:
        os.close(out_r)
        os.close(err_r)
        raise
    finally:
        os.close(devnull)
        os.close(out_w)
        os.close(err_w)
    return Process(pid), Pipes(out_r, err_r)


def close_inherited_on_exec() -> None:
    """Mark close-on-exec every descriptor this process inherited open (Python's own are
    already): ``posix_spawn`` would pass them on to every step."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd <= 2:
            continue
        try:
            flags = fcntl.fcntl(fd, fcntl.F_GETFD)
            if not flags & fcntl.FD_CLOEXEC:
                fcntl.fcntl(fd, fcntl.F_SETFD, flags | fcntl.FD_CLOEXEC)
        except OSError:
            pass  # the listing's own descriptor, closed by now


def _above(fd: int, top: int) -> int:
    """``fd``, or a close-on-exec duplicate of it numbered above ``top``."""
    return fd if fd > top else fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, top + 1)
