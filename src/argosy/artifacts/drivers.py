"""Artifact drivers: one per location type (``local``, ``raw``, ``http``, ``git``, ``s3`` ...).

A driver fetches an input artifact to a path. New location types slot in by adding a
driver to :data:`DRIVERS` (or passing ``drivers=`` to :func:`load_input`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, Protocol

from argosy.artifacts.archive import ArchiveError, is_tar_gz, untar
from argosy.artifacts.repository import LocalRepository

#: keys of an artifact dict that are not its location
ARTIFACT_FIELDS = frozenset(
    {"name", "path", "mode", "from", "fromExpression", "archive", "optional", "subPath",
     "globalName", "recurseMode", "archiveLogs", "artifactGC", "deleted"}
)
HTTP_TIMEOUT = 60.0


class Driver(Protocol):
    """Fetches one kind of artifact location to a local path."""

    def load(self, location: dict[str, Any], dest: Path, sub_path: str | None) -> None: ...


def location_type(artifact: dict[str, Any]) -> str | None:
    """The location key of an artifact dict (``local``, ``s3``, ``raw`` ...), if it has one."""
    for k, v in artifact.items():
        if k not in ARTIFACT_FIELDS and isinstance(v, dict):
            return k
    return None


class LocalDriver:
    """Artifacts in the run's local repository: ``local: {key}``."""

    def __init__(self, repo: LocalRepository) -> None:
        self.repo = repo

    def load(self, location: dict[str, Any], dest: Path, sub_path: str | None) -> None:
        self.repo.load(location, dest, sub_path)


class RawDriver:
    """``raw: {data}``: the artifact is the given text."""

    def load(self, location: dict[str, Any], dest: Path, sub_path: str | None) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(str(location.get("data", "")))


class HttpDriver:
    """``http: {url, headers}``: a real GET; a tgz answer is unpacked like Argo does."""

    def load(self, location: dict[str, Any], dest: Path, sub_path: str | None) -> None:
        url = location.get("url")
        if not url:
            raise ArchiveError("http artifact has no url")
        headers = {h["name"]: str(h.get("value", "")) for h in location.get("headers") or ()}
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.download")
        try:
            import urllib.error  # imported on first download: most runs never need it
            import urllib.request

            req = urllib.request.Request(url, headers=headers)
            with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT) as resp, tmp.open("wb") as out:
                shutil.copyfileobj(resp, out)
        except (urllib.error.URLError, OSError, ValueError) as e:
            tmp.unlink(missing_ok=True)
            raise ArchiveError(f"failed to download {url}: {e}") from e
        if is_tar_gz(tmp):
            try:
                untar(tmp, dest, sub_path)
            finally:
                tmp.unlink(missing_ok=True)
        else:
            os.replace(tmp, dest)


class GitDriver:
    """``git: {repo, revision, depth, branch}``: cloned with the ``git`` command."""

    def load(self, location: dict[str, Any], dest: Path, sub_path: str | None) -> None:
        git = shutil.which("git")
        if git is None:
            raise ArchiveError("git artifacts need the git command; install it (apt-get install -y git)")
        repo = location.get("repo")
        if not repo:
            raise ArchiveError("git artifact has no repo")
        cmd = [git, "clone", "--quiet"]
        if location.get("depth"):
            cmd += ["--depth", str(location["depth"])]
        if location.get("singleBranch") and location.get("branch"):
            cmd += ["--single-branch", "--branch", str(location["branch"])]
        if dest.is_dir() and not any(dest.iterdir()):
            dest.rmdir()
        dest.parent.mkdir(parents=True, exist_ok=True)
        self._git(cmd + [str(repo), str(dest)])
        if location.get("revision"):
            self._git([git, "-C", str(dest), "checkout", "--quiet", str(location["revision"])])

    @staticmethod
    def _git(cmd: list[str]) -> None:
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise ArchiveError(f"{' '.join(cmd[1:3])} failed: {done.stderr.strip()}")


class S3Driver:
    """``s3``: key-only locations live in the local repository; real S3 is not supported yet."""

    def __init__(self, repo: LocalRepository) -> None:
        self.repo = repo

    def load(self, location: dict[str, Any], dest: Path, sub_path: str | None) -> None:
        if location.get("key") and not (location.get("bucket") or location.get("endpoint")):
            self.repo.load({"key": location["key"]}, dest, sub_path)
            return
        raise ArchiveError("s3 artifacts are not supported yet by the local runner; "
                           "use the default (local) artifact repository")


def default_drivers(repo: LocalRepository) -> dict[str, Driver]:
    """The drivers a run has by default, keyed by location type."""
    return {
        "local": LocalDriver(repo),
        "raw": RawDriver(),
        "http": HttpDriver(),
        "git": GitDriver(),
        "s3": S3Driver(repo),
    }


def load_input(artifact: dict[str, Any], dest: Path, drivers: dict[str, Driver]) -> bool:
    """Fetch one input artifact to ``dest``; False when it is optional and absent.

    Applies ``subPath`` and ``mode``. Raises :class:`ArchiveError` with Argo-like messages.
    """
    name = artifact.get("name", "?")
    kind = location_type(artifact)
    if kind is None:
        if artifact.get("optional"):
            return False
        raise ArchiveError(f"required artifact '{name}' not supplied")
    driver = drivers.get(kind)
    if driver is None:
        raise ArchiveError(f"artifact '{name}': {kind} artifacts are not supported by this runner")
    try:
        driver.load(artifact[kind], dest, artifact.get("subPath") or None)
    except ArchiveError as e:
        if artifact.get("optional") and "not found" in str(e):
            return False
        raise ArchiveError(f"failed to load artifact '{name}': {e}") from e
    if artifact.get("mode") is not None:
        apply_mode(dest, int(artifact["mode"]))
    return True


def apply_mode(path: Path, mode: int) -> None:
    """chmod ``path`` (recursively for a directory) like Argo's ``mode``."""
    if path.is_dir():
        for root, dirs, files in os.walk(path):
            for n in dirs + files:
                os.chmod(os.path.join(root, n), mode)
    os.chmod(path, mode)


