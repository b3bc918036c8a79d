"""A step's self-reported progress: Argo's ``ARGO_PROGRESS_FILE``.

A main container may write ``N/M`` lines to the file ``$ARGO_PROGRESS_FILE`` names; Argo's
executor reads its last line while the container runs and once it exited, and the node's
``progress`` becomes that. Here the file is a memory-only file (``memfd``) the main container
inherits as descriptor :data:`PROGRESS_FD`, and ``$ARGO_PROGRESS_FILE`` is its
``/dev/fd/N`` path: ``echo 1/2 > "$ARGO_PROGRESS_FILE"`` reopens (and truncates) the same
file from any process of the container that inherited it. No bind mount per container: a
bind cost the sandbox ~0.3 ms of wall time per step (bwrap makes the mount point in the
private ``/tmp`` and mounts; 300 interleaved spawns), which a chain pays on every step.

The files are pooled: one is truncated and reused by the next node instead of being made
for every node.
"""

from __future__ import annotations

import os
import weakref

from argosy.runtime.spawn import LIFELINE_FD

#: the descriptor number the main container finds its progress file at: the first one
#: passed after the lifeline (``Container.passed``)
PROGRESS_FD = LIFELINE_FD + 1
#: what ``$ARGO_PROGRESS_FILE`` says inside the sandbox (bwrap's ``/dev`` links ``fd`` to
#: ``/proc/self/fd``)
PROGRESS_FILE = f"/dev/fd/{PROGRESS_FD}"
#: how often a running container's progress file is read (Argo's executor default: 3s)
PROGRESS_TICK = 3.0
#: only the end of a long progress file is read: its last line is what counts
_TAIL = 1 << 16


class ProgressFiles:
    """A pool of empty progress files, each an open descriptor of a memory-only file."""

    def __init__(self) -> None:
        self._free: list[int] = []
        weakref.finalize(self, _drop, self._free)

    def acquire(self) -> int:
        """An empty file anyone may write (whatever uid a sandbox maps its user to): a memfd
        is made with mode 0777, and the sandbox reopens it through ``/dev/fd``."""
        if self._free:
            return self._free.pop()
        return os.memfd_create("argo-progress", os.MFD_CLOEXEC)

    def release(self, fd: int) -> None:
        """Empty the file and keep it for the next node."""
        try:
            os.ftruncate(fd, 0)
        except OSError:
            _drop([fd])
            return
        self._free.append(fd)


def read_progress(fd: int) -> str | None:
    """The last non-empty line of a progress file, if any (the engine checks it is ``N/M``)."""
    try:
        size = os.fstat(fd).st_size
        data = os.pread(fd, min(size, _TAIL), max(0, size - _TAIL)) if size else b""
    except OSError:
        return None
    lines = data.decode(errors="replace").strip().splitlines()
    return lines[-1].strip() if lines else None


def _drop(fds: list[int]) -> None:
    """Close pooled files (when their pool goes away)."""
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass
    fds.clear()
