"""Files into and out of containers, as the tar streams Docker's archive API speaks."""

from __future__ import annotations

import io
import os
import tarfile
from collections.abc import Iterable
from pathlib import Path

from argosy.runtime.sandbox import norm


def tar_of(entries: Iterable[tuple[str, str | bytes, int]], host: Iterable[tuple[str, str]] = ()) -> bytes:
    """A tar for ``put_archive`` at ``/``: ``(path, content, mode)`` entries, then host
    files or directories ``(path in container, host path)``; parents are created."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for path, content, mode in entries:
            data = content.encode() if isinstance(content, str) else content
            info = tarfile.TarInfo(norm(path).lstrip("/"))
            info.size, info.mode = len(data), mode
            tar.addfile(info, io.BytesIO(data))
        for path, src in host:
            tar.add(src, arcname=norm(path).lstrip("/"))
    return buf.getvalue()


def extract(stream: Iterable[bytes], dest_dir: Path) -> None:
    """Unpack a ``get_archive`` stream into ``dest_dir`` (never outside it)."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    data = b"".join(stream)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
        # "data" refuses absolute names, links out of dest_dir and device files
        tar.extractall(dest_dir, filter="data")


class ExtractedFiles:
    """Container paths copied out under ``root`` after the container exited.

    It answers ``host_path`` like a :class:`~argosy.runtime.sandbox.MountPlan`, so the
    process runtime's output readers (:mod:`argosy.runtime.outputs`) serve both runtimes.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def host_path(self, path: str) -> str:
        """Where the copy of container ``path`` is (it may not exist)."""
        return os.path.join(str(self.root), norm(path).lstrip("/"))

    def dir_for(self, path: str) -> Path:
        """The host directory an archive of ``path`` unpacks into (its parent's copy)."""
        return Path(self.host_path(os.path.dirname(norm(path))))
