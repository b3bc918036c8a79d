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


def extract(stream: Iterable[bytes], dest_dir: Path, root: Path) -> None:
    """Unpack a ``get_archive`` stream into ``dest_dir``, the copy of a container directory
    under ``root`` (the copy of the container's ``/``); nothing lands outside ``dest_dir``."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    data = b"".join(stream)

    def rebase(member: tarfile.TarInfo, dest: str) -> tarfile.TarInfo | None:
        # a link to an absolute path means the container's path (/etc/mtab -> /proc/mounts):
        # point it at the copy of that path, never at the host's
        if member.issym() and member.linkname.startswith("/"):
            target = os.path.join(str(root), norm(member.linkname).lstrip("/"))
            here = os.path.dirname(os.path.join(dest, member.name))
            member = member.replace(linkname=os.path.relpath(target, here), deep=False)
        try:
            return tarfile.data_filter(member, dest)
        except tarfile.FilterError:
            return None  # (a link out of the copied directory, a device: not an output)

    with tarfile.open(fileobj=io.BytesIO(data), mode="r") as tar:
        tar.extractall(dest_dir, filter=rebase)


class ExtractedFiles:
    """Container paths copied out under ``root`` after the container exited.

    It answers ``host_path`` and ``output_path`` like a :class:`~argosy.runtime.sandbox.MountPlan`, so the
    process runtime's output readers (:mod:`argosy.runtime.outputs`) serve both runtimes.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def host_path(self, path: str) -> str:
        """Where the copy of container ``path`` is (it may not exist)."""
        return os.path.join(str(self.root), norm(path).lstrip("/"))

    def output_path(self, path: str) -> str:
        """Where an output at container ``path`` is read from: the copy (whose links were
        already pointed into the copy, never at the host)."""
        return self.host_path(path)

    def dir_for(self, path: str) -> Path:
        """The host directory an archive of ``path`` unpacks into (its parent's copy)."""
        return Path(self.host_path(os.path.dirname(norm(path))))
