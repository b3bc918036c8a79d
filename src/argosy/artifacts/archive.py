"""Archive strategies in Argo's layout: tar+gzip (one top entry named after the path), zip, none."""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from argosy.errors import ArchiveError

GZIP_MAGIC = b"\x1f\x8b"
#: Go's gzip.DefaultCompression (-1) is level 6
DEFAULT_COMPRESSION = 6


def strategy(archive: dict[str, Any] | None) -> str:
    """The archive strategy of an artifact's ``archive`` field: ``tgz`` (default), ``zip`` or ``none``."""
    archive = archive or {}
    if "none" in archive:
        return "none"
    if "zip" in archive:
        return "zip"
    return "tgz"


def compression_level(archive: dict[str, Any] | None) -> int:
    """``archive.tar.compressionLevel`` as a gzip level (Argo: -1 or unset is the default level)."""
    tar = (archive or {}).get("tar") or {}
    level = tar.get("compressionLevel")
    if level is None or int(level) < 0:
        return DEFAULT_COMPRESSION
    if int(level) > 9:
        raise ArchiveError(f"tar.compressionLevel {level} is out of range (0-9, or -1 for the default)")
    return int(level)


def archive_name(artifact: dict[str, Any]) -> str:
    """The file name Argo stores an output artifact under: ``NAME.tgz``, ``NAME.zip`` or the path's base."""
    kind = strategy(artifact.get("archive"))
    if kind == "tgz":
        return f"{artifact['name']}.tgz"
    if kind == "zip":
        return f"{artifact['name']}.zip"
    return os.path.basename(str(artifact["path"]).rstrip("/")) or str(artifact["name"])


def tar_gz(src: Path, dest: Path, compresslevel: int = DEFAULT_COMPRESSION) -> None:
    """Write ``src`` (file or directory) to ``dest`` as a tgz whose top entry is ``src``'s name."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(dest, "w:gz", compresslevel=compresslevel) as tar:
        tar.add(src, arcname=src.name or "artifact")


def zip_path(src: Path, dest: Path) -> None:
    """Write ``src`` to ``dest`` as a zip whose top entry is ``src``'s name (Argo's zip strategy)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    import zipfile  # only zip strategies need it

    top = src.name or "artifact"
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        if src.is_file():
            z.write(src, top)
            return
        for root, dirs, files in os.walk(src):
            dirs.sort()
            rel = Path(root).relative_to(src)
            z.write(root, (Path(top) / rel).as_posix() + "/")
            for n in sorted(files):
                z.write(os.path.join(root, n), (Path(top) / rel / n).as_posix())


def stage(src: Path, workdir: Path, artifact: dict[str, Any]) -> Path:
    """What to upload for ``artifact`` found at ``src``: an archive written in ``workdir``, or ``src``."""
    kind = strategy(artifact.get("archive"))
    if kind == "none":
        return src
    dest = workdir / archive_name(artifact)
    if kind == "zip":
        zip_path(src, dest)
    else:
        tar_gz(src, dest, compression_level(artifact.get("archive")))
    return dest


def _magic(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(4)
    except (IsADirectoryError, FileNotFoundError):
        return b""


def is_tar_gz(path: Path) -> bool:
    """True when ``path`` is a file starting with the gzip magic bytes."""
    return _magic(path)[:2] == GZIP_MAGIC


def untar(archive: Path, dest: Path, sub_path: str | None = None) -> None:
    """Unpack ``archive`` to ``dest``: a single top entry becomes ``dest`` itself (Argo's rule).

    ``sub_path`` picks a file or directory inside the unpacked artifact instead.
    """
    _unpack(archive, dest, sub_path, "tar")


def unzip(archive: Path, dest: Path, sub_path: str | None = None) -> None:
    """Unpack a zip ``archive`` to ``dest`` with the same single-top-entry rule as :func:`untar`."""
    _unpack(archive, dest, sub_path, "zip")


def _unpack(archive: Path, dest: Path, sub_path: str | None, kind: str) -> None:
    import zipfile  # only zip strategies need it

    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=".untar-") as tmp:
        staging = Path(tmp)
        try:
            if kind == "zip":
                with zipfile.ZipFile(archive) as z:
                    for member in z.namelist():
                        # zip names are not filtered by the library: refuse entries leaving the dir
                        if not (staging / member).resolve().is_relative_to(staging.resolve()):
                            raise ArchiveError(f"zip entry {member!r} leaves the artifact")
                    z.extractall(staging)
            else:
                with tarfile.open(archive, "r:*") as tar:
                    tar.extractall(staging, filter="data")
        except (tarfile.TarError, zipfile.BadZipFile, OSError) as e:
            raise ArchiveError(f"cannot unpack artifact archive {archive.name}: {e}") from e
        entries = os.listdir(staging)
        root = staging / entries[0] if len(entries) == 1 else staging
        if sub_path:
            root = pick_sub_path(root, sub_path)
        place(root, dest)


def unpack_download(tmp: Path, dest: Path, sub_path: str | None, archive: dict[str, Any] | None) -> None:
    """Put a downloaded artifact ``tmp`` at ``dest`` per the input's ``archive`` (Argo's unarchiveArtifact).

    ``none`` keeps the bytes as they are; ``tar``/``zip`` unpack; unset detects a tarball by content.
    ``tmp`` is consumed.
    """
    archive = archive or {}
    try:
        if tmp.is_dir():
            root = pick_sub_path(tmp, sub_path) if sub_path else tmp
            place(root, dest)
        elif "none" in archive:
            place(tmp, dest)
        elif "zip" in archive:
            unzip(tmp, dest, sub_path)
        elif "tar" in archive or is_tar_gz(tmp):
            untar(tmp, dest, sub_path)
        else:
            if sub_path:
                raise ArchiveError(f"subPath {sub_path!r} needs an archived artifact")
            place(tmp, dest)
    finally:
        if tmp.is_dir():
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            tmp.unlink(missing_ok=True)


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
    dest.parent.mkdir(parents=True, exist_ok=True)
    if dest.is_dir() and not dest.is_symlink():
        if any(dest.iterdir()):
            # merge into an existing non-empty directory (e.g. a volume mount point)
            if src.is_dir():
                shutil.copytree(src, dest, dirs_exist_ok=True, symlinks=True)
                return
            raise ArchiveError(f"cannot place a file at {dest}: a non-empty directory is there")
        dest.rmdir()
    try:
        os.replace(src, dest)
    except OSError:
        # another filesystem (a download dir on tmpfs): copy, then drop the source
        if src.is_dir():
            shutil.copytree(src, dest, symlinks=True)
        else:
            shutil.copyfile(src, dest)
