"""Artifact drivers: one per location type (``local``, ``raw``, ``http``, ``git``, ``s3``, ``artifactory``).

Every driver has the same four verbs over a location dict (the value under the type key of
an artifact, e.g. ``art["s3"]``): ``load`` to a path, ``save`` from a path, ``open`` a byte
stream (what the server's download endpoints serve) and ``delete`` (artifact GC). A verb a
type cannot do raises :class:`~argosy.artifacts.archive.ArchiveError` saying so. New types
slot in by adding a driver to :func:`default_drivers`.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any, Protocol

from argosy.artifacts.archive import ArchiveError, unzip
from argosy.artifacts.git import GitDriver
from argosy.artifacts.http import HttpDriver
from argosy.artifacts.repository import ArtifactNotFound, LocalRepository
from argosy.artifacts.s3 import S3Driver
from argosy.artifacts.secrets import Secrets

#: keys of an artifact dict that are not its location
ARTIFACT_FIELDS = frozenset(
    {"name", "path", "mode", "from", "fromExpression", "archive", "optional", "subPath",
     "globalName", "recurseMode", "archiveLogs", "artifactGC", "deleted"}
)


class Driver(Protocol):
    """Moves one kind of artifact location's bytes."""

    def load(self, location: Mapping[str, Any], dest: Path, sub_path: str | None,
             archive: Mapping[str, Any] | None = None) -> None: ...

    def save(self, src: Path, location: Mapping[str, Any]) -> None: ...

    def open(self, location: Mapping[str, Any]) -> IO[bytes]: ...

    def delete(self, location: Mapping[str, Any]) -> None: ...


def location_type(artifact: Mapping[str, Any]) -> str | None:
    """The location key of an artifact dict (``local``, ``s3``, ``raw`` ...), if it has one."""
    for k, v in artifact.items():
        if k not in ARTIFACT_FIELDS and isinstance(v, dict):
            return k
    return None


def has_location(kind: str, location: Mapping[str, Any]) -> bool:
    """Argo's ``HasLocation``: a full location, not just a key (key-only artifacts need a repository)."""
    get = location.get
    if kind == "s3" or kind == "oss":
        return bool(get("endpoint") and get("bucket") and get("key"))
    if kind == "gcs":
        return bool(get("bucket") and get("key"))
    if kind == "azure":
        return bool(get("endpoint") and get("container") and get("blob"))
    if kind == "hdfs":
        return bool(get("addresses") and get("path"))
    if kind in ("http", "artifactory"):
        return bool(get("url"))
    if kind == "git":
        return bool(get("repo"))
    if kind == "raw":
        return True
    if kind == "plugin":
        return bool(get("name") and get("key"))
    return bool(get("key"))  # local


def location_key(kind: str, location: Mapping[str, Any]) -> str | None:
    """The key of a location (``blob`` for azure, ``path`` for hdfs), if its type has keys."""
    field = {"azure": "blob", "hdfs": "path"}.get(kind, "key")
    if kind in ("http", "artifactory", "git", "raw"):
        return None
    value = location.get(field)
    return str(value) if value else None


class LocalDriver:
    """Artifacts in the run's local repository: ``local: {key}``."""

    def __init__(self, repo: LocalRepository) -> None:
        self.repo = repo

    def load(self, location: Mapping[str, Any], dest: Path, sub_path: str | None,
             archive: Mapping[str, Any] | None = None) -> None:
        archive = archive or {}
        if "zip" in archive or "none" in archive:
            src = self.repo.path(str(location.get("key")))
            if not src.exists():
                raise ArtifactNotFound(f"artifact key {location.get('key')!r} not found in the local repository")
            if "zip" in archive:
                unzip(src, dest, sub_path)
                return
            if src.is_file() and not sub_path:
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dest)
                return
        self.repo.load(dict(location), dest, sub_path)

    def save(self, src: Path, location: Mapping[str, Any]) -> None:
        self.repo.save(str(location.get("key")), src, archive="none")

    def open(self, location: Mapping[str, Any]) -> IO[bytes]:
        if self.repo.path(str(location.get("key"))).is_dir():
            raise ArchiveError("directory stream capability currently unimplemented for local artifacts")
        return self.repo.open(str(location.get("key")))

    def delete(self, location: Mapping[str, Any]) -> None:
        self.repo.delete(str(location.get("key")))


class RawDriver:
    """``raw: {data}``: the artifact is the given text."""

    def load(self, location: Mapping[str, Any], dest: Path, sub_path: str | None,
             archive: Mapping[str, Any] | None = None) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(str(location.get("data", "")))

    def save(self, src: Path, location: Mapping[str, Any]) -> None:
        raise ArchiveError("raw artifacts are input-only")

    def open(self, location: Mapping[str, Any]) -> IO[bytes]:
        return io.BytesIO(str(location.get("data", "")).encode())

    def delete(self, location: Mapping[str, Any]) -> None:
        raise ArchiveError("deleting raw artifacts is not supported")


class ArtifactoryDriver:
    """``artifactory: {url, usernameSecret, passwordSecret}``: HTTP with basic auth, as Argo does."""

    def __init__(self, http: HttpDriver) -> None:
        self.http = http

    @staticmethod
    def _as_http(location: Mapping[str, Any]) -> dict[str, Any]:
        basic = {k: location[k] for k in ("usernameSecret", "passwordSecret") if location.get(k)}
        return {"url": location.get("url"), "auth": {"basicAuth": basic}}

    def load(self, location: Mapping[str, Any], dest: Path, sub_path: str | None,
             archive: Mapping[str, Any] | None = None) -> None:
        self.http.load(self._as_http(location), dest, sub_path, archive)

    def save(self, src: Path, location: Mapping[str, Any]) -> None:
        self.http.save(src, self._as_http(location))

    def open(self, location: Mapping[str, Any]) -> IO[bytes]:
        return self.http.open(self._as_http(location))

    def delete(self, location: Mapping[str, Any]) -> None:
        with self.http.request(self._as_http(location), "DELETE"):
            pass


def default_drivers(repo: LocalRepository, secrets: Secrets | Mapping[str, Mapping[str, str]] | None = None
                    ) -> dict[str, Driver]:
    """The drivers a run has, keyed by location type; ``secrets`` are the run's Secrets."""
    if not isinstance(secrets, Secrets):
        secrets = Secrets(secrets or {})
    http = HttpDriver(secrets)
    return {
        "local": LocalDriver(repo),
        "raw": RawDriver(),
        "http": http,
        "artifactory": ArtifactoryDriver(http),
        "git": GitDriver(secrets),
        "s3": S3Driver(secrets),
    }


def driver_for(kind: str, drivers: Mapping[str, Driver], name: str = "?") -> Driver:
    """The driver of location type ``kind``, or an error naming the artifact."""
    driver = drivers.get(kind)
    if driver is None:
        raise ArchiveError(f"artifact '{name}': {kind} artifacts are not supported by this runner")
    return driver


def apply_mode(path: Path, mode: int, recurse: bool = False) -> None:
    """chmod ``path`` like Argo's ``mode``; everything under a directory too with ``recurseMode``."""
    os.chmod(path, mode)
    if recurse and path.is_dir():
        for root, dirs, files in os.walk(path):
            for n in dirs + files:
                os.chmod(os.path.join(root, n), mode)
