"""The local artifact repository: a directory of keys, the default repository of a run."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from argosy.artifacts.archive import (
    DEFAULT_COMPRESSION,
    ArchiveError,
    is_tar_gz,
    pick_sub_path,
    place,
    tar_gz,
    untar,
)
from argosy.errors import ArtifactNotFound


class LocalRepository:
    """Artifacts stored as files (or directories, for unarchived directories) under ``root``.

    Locations use Argo's status layout with a ``local`` type: ``{"local": {"key": k}}``.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, key: str) -> Path:
        """Where ``key`` lives on disk; keys cannot leave the repository."""
        clean = os.path.normpath(key.strip("/"))
        if clean.startswith("..") or clean in ("", "."):
            raise ArchiveError(f"invalid artifact key {key!r}")
        return self.root / clean

    def save(self, key: str, src: Path, archive: str = "tgz", move: bool = False,
             compresslevel: int = DEFAULT_COMPRESSION) -> dict[str, Any]:
        """Store ``src`` under ``key`` (``archive``: ``tgz`` or ``none``); return its location.

        ``move`` lets an unarchived ``src`` be renamed into place instead of copied.
        """
        dest = self.path(key)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if archive == "tgz":
            tmp = dest.with_name(f".{dest.name}.part")
            tar_gz(Path(src), tmp, compresslevel)
            os.replace(tmp, dest)
        elif archive == "none":
            if dest.is_dir():
                shutil.rmtree(dest)
            if move and _same_device(Path(src), dest.parent):
                os.replace(src, dest)
            elif Path(src).is_dir():
                shutil.copytree(src, dest, symlinks=True)
            else:
                shutil.copyfile(src, dest)
        else:
            raise ArchiveError(f"unsupported archive strategy {archive!r}")
        return {"local": {"key": key}}

    def exists(self, key: str) -> bool:
        """True when something is stored under ``key``."""
        return self.path(key).exists()

    def keys(self, prefix: str = "") -> list[str]:
        """Every stored file's key under ``prefix`` (recursive, sorted), like an S3 listing."""
        base = self.path(prefix) if prefix.strip("/") else self.root
        if base.is_file():
            return [base.relative_to(self.root).as_posix()]
        out: list[str] = []
        for d, dirs, files in os.walk(base):
            # dot-names are this repository's staging files (``.NAME.part``)
            dirs[:] = [n for n in dirs if not n.startswith(".")]
            out += [(Path(d) / n).relative_to(self.root).as_posix() for n in files if not n.startswith(".")]
        return sorted(out)

    def read(self, key: str) -> bytes:
        """The stored bytes of ``key`` (a tgz stays a tgz)."""
        p = self.path(key)
        if not p.is_file():
            raise ArtifactNotFound(f"artifact key {key!r} not found in the local repository")
        return p.read_bytes()

    def open(self, key: str):
        """Open the stored file of ``key`` for reading."""
        p = self.path(key)
        if not p.is_file():
            raise ArtifactNotFound(f"artifact key {key!r} not found in the local repository")
        return p.open("rb")

    def delete(self, key: str) -> None:
        """Remove what is stored under ``key`` (a file or an unarchived directory); absent is fine."""
        p = self.path(key)
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        else:
            p.unlink(missing_ok=True)

    def load(self, location: dict[str, Any], dest: Path, sub_path: str | None = None) -> None:
        """Put the artifact at ``location`` to ``dest``, unpacking a tgz (Argo detects by content)."""
        key = (location.get("local") or location).get("key")
        if not key:
            raise ArchiveError("artifact location has no key")
        src = self.path(str(key))
        if not src.exists():
            raise ArtifactNotFound(f"artifact key {key!r} not found in the local repository")
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if src.is_file() and is_tar_gz(src):
            untar(src, dest, sub_path)
            return
        if sub_path:
            src = pick_sub_path(src, sub_path)
        if src.is_dir():
            staging = dest.with_name(f".{dest.name}.load")
            shutil.copytree(src, staging, symlinks=True)
            place(staging, dest)
        else:
            shutil.copyfile(src, dest)


def _same_device(a: Path, b: Path) -> bool:
    try:
        return os.stat(a).st_dev == os.stat(b).st_dev
    except OSError:
        return False
