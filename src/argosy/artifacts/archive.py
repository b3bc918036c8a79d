"""Tar+gzip archives in Argo's layout: one top entry named after the archived path."""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
from pathlib import Path

from argosy.errors import ArgosyError

GZIP_MAGIC = b"\x1f\x8b"


class ArchiveError(ArgosyError):
    """An archive could not be written or unpacked."""


def tar_gz(src: Path, dest: Path, compresslevel: int = 6) -> None:
    """Write ``src`` (file or directory) to ``dest`` as a tgz whose top entry is ``src``'s name."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(dest, "w:gz", compresslevel=compresslevel) as tar:
        tar.add(src, arcname=src.name or "artifact")


def is_tar_gz(path: Path) -> bool:
    """True when ``path`` is a file starting with the gzip magic bytes."""
    try:
        with path.open("rb") as f:
            return f.read(2) == GZIP_MAGIC
    except (IsADirectoryError, FileNotFoundError):
        return False


def untar(archive: Path, dest: Path, sub_path: str | None = None) -> None:
    """Unpack ``archive`` to ``dest``: a single top entry becomes ``dest`` itself (Argo's rule).

    ``sub_path`` picks a file or directory inside the unpacked artifact instead.
    """
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".untar-") as tmp:
        staging = Path(tmp)
        try:
            with tarfile.open(archive, "r:*") as tar:
                tar.extractall(staging, filter="data")
        except (tarfile.TarError, OSError) as e:
            raise ArchiveError(f"cannot unpack artifact archive {archive.name}: {e}") from e
        entries = os.listdir(staging)
        root = staging / entries[0] if len(entries) == 1 else staging
        if sub_path:
            root = pick_sub_path(root, sub_path)
        place(root, dest)


def pick_sub_path(root: Path, sub_path: str) -> Path:
    """``root/sub_path``, refusing paths that leave ``root`` or do not exist."""
    target = (root / sub_path.strip("/")).resolve()
    if not target.is_relative_to(root.resolve()):
        raise ArchiveError(f"subPath {sub_path!r} leaves the artifact")
    if not target.exists():
        raise ArchiveError(f"subPath {sub_path!r} not found in the artifact")
    return target


def place(src: Path, dest: Path) -> None:
    """Move ``src`` to ``dest``, replacing an empty directory or a file already there."""
    if dest.is_dir() and not dest.is_symlink():
        if any(dest.iterdir()):
            # merge into an existing non-empty directory (e.g. a volume mount point)
            if src.is_dir():
                shutil.copytree(src, dest, dirs_exist_ok=True, symlinks=True)
                return
            raise ArchiveError(f"cannot place a file at {dest}: a non-empty directory is there")
        dest.rmdir()
    os.replace(src, dest)
