"""A step's self-reported progress: Argo's ``ARGO_PROGRESS_FILE``.

A main container may write ``N/M`` lines to the file ``$ARGO_PROGRESS_FILE`` names; Argo's
executor reads its last line while the container runs and once it exited, and the node's
``progress`` becomes that. Here each main container gets a host file bound at
:data:`PROGRESS_FILE` in its sandbox (Argo's own path, ``/var/run/argo/progress``, would cost
the split sandbox layout). The files are pooled: one is truncated and reused by the next
node instead of being created and removed for every node (measured: about 0.2 ms a step,
from contention with the kernel tearing down the previous sandbox).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import Any

#: where ``$ARGO_PROGRESS_FILE`` points inside the sandbox (in its private /tmp)
PROGRESS_FILE = "/tmp/.argo/progress"
#: how often a running container's progress file is read (Argo's executor default: 3s)
PROGRESS_TICK = 3.0
#: only the end of a long progress file is read: its last line is what counts
_TAIL = 1 << 16


class ProgressFiles:
    """A pool of empty progress files, each a host path and an open descriptor."""

    def __init__(self) -> None:
        self._free: list[tuple[str, int]] = []
        #: [the directory holding them (made on first use), how many were made]
        self._dir: list[Any] = ["", 0]
        weakref.finalize(self, _drop, self._free, self._dir)

    def acquire(self, fallback_dir: Path) -> tuple[str, int]:
        """An empty file anyone may write (whatever uid a sandbox maps its user to)."""
        if self._free:
            return self._free.pop()
        if not self._dir[0]:
            # /dev/shm when usable (a tmpfs), else beside the run's data
            base = "/dev/shm" if os.access("/dev/shm", os.W_OK) else str(fallback_dir)
            os.makedirs(base, exist_ok=True)
            self._dir[0] = tempfile.mkdtemp(prefix="argosy-progress-", dir=base)
            os.chmod(self._dir[0], 0o711)
        self._dir[1] += 1
        path = f"{self._dir[0]}/{self._dir[1]}"
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
        os.fchmod(fd, 0o666)
        return path, fd

    def release(self, entry: tuple[str, int]) -> None:
        """Empty the file and keep it for the next node."""
        try:
            os.ftruncate(entry[1], 0)
        except OSError:
            _drop([entry])
            return
        self._free.append(entry)


def read_progress(fd: int) -> str | None:
    """The last non-empty line of a progress file, if any (the engine checks it is ``N/M``)."""
    try:
        size = os.fstat(fd).st_size
        data = os.pread(fd, min(size, _TAIL), max(0, size - _TAIL)) if size else b""
    except OSError:
        return None
    lines = data.decode(errors="replace").strip().splitlines()
    return lines[-1].strip() if lines else None


def _drop(files: list[tuple[str, int]], directory: list[Any] | None = None) -> None:
    """Close and remove files (and their directory, when their pool goes away)."""
    for path, fd in files:
        try:
            os.close(fd)
            os.unlink(path)
        except OSError:
            pass
    files.clear()
    if directory and directory[0]:
        shutil.rmtree(directory[0], ignore_errors=True)
