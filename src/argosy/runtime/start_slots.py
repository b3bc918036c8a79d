"""How many pods the process runtime sets up at once.

Setting a pod up is CPU work: its workflow's namespaces (a holder process and slirp4netns) on
its first pod, then bubblewrap building each container's sandbox (mounts, then the exec). Set
up hundreds at once on a few cores and they thrash: none is ready sooner, and everything else
on the machine (the server answering its API, the steps already running) waits behind them.
So at most :func:`default_limit` pods are set up at a time and the others stay ``Pending``
meanwhile, as pods wait for a busy Kubernetes node's kubelet.

A pod's slot goes :data:`SETTLE_SECONDS` after its first container was spawned (time for
bubblewrap to build the sandbox), or when the pod ends: a long init container, a daemon
waiting to be ready, or a step that sleeps holds no slot.
"""

from __future__ import annotations

import asyncio
import os

#: how long a spawned container's sandbox is counted as still being built (seconds)
SETTLE_SECONDS = 0.05


def default_limit() -> int:
    """One more than the CPUs this process may run on: a set-up waiting on I/O leaves a core busy."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cpus = os.cpu_count() or 1
    return cpus + 1


class StartSlot:
    """One pod's place among those being set up; :meth:`release` is idempotent."""

    def __init__(self, free: asyncio.Semaphore) -> None:
        self._free: asyncio.Semaphore | None = free
        self._timer: asyncio.TimerHandle | None = None

    def spawned(self) -> None:
        """A container was spawned: the slot goes once its sandbox had time to be built."""
        if self._free is not None and self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(SETTLE_SECONDS, self.release)

    def release(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._free is not None:
            self._free.release()
            self._free = None


class StartSlots:
    """At most ``limit`` pods being set up at once (None: :func:`default_limit`)."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit or default_limit()
        self._free: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def take(self) -> StartSlot:
        """Wait for a free slot (FIFO), and hold it."""
        loop = asyncio.get_running_loop()
        if self._free is None or self._loop is not loop:
            # a semaphore belongs to one event loop: a runtime used from a new one starts afresh
            self._free, self._loop = asyncio.Semaphore(self.limit), loop
        await self._free.acquire()
        return StartSlot(self._free)


__all__ = ["SETTLE_SECONDS", "StartSlot", "StartSlots", "default_limit"]
