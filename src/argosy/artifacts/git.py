"""Git artifacts: ``git: {repo, revision, depth, fetch, branch, singleBranch, ...}``, cloned with ``git``.

Credentials come from Secrets: ``usernameSecret``/``passwordSecret`` through a ``GIT_ASKPASS``
script (never on a command line or in the URL), ``sshPrivateKeySecret`` through
``GIT_SSH_COMMAND`` with a private key file; ``insecureIgnoreHostKey`` skips host key
checking, ``insecureSkipTLS`` certificate checking. As Argo's driver does: clone, fetch the
extra ``fetch`` refspecs, check out ``revision``, then update submodules unless
``disableSubmodules``.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from argosy.artifacts.archive import pick_sub_path, place
from argosy.artifacts.secrets import Secrets
from argosy.errors import GitArtifactError

ASKPASS = """#!/bin/sh
case "$1" in
  Username*|username*) printf '%s\\n' "$ARGOSY_GIT_USERNAME" ;;
  *) printf '%s\\n' "$ARGOSY_GIT_PASSWORD" ;;
esac
"""


class GitDriver:
    """Clones ``git`` locations to a directory."""

    def __init__(self, secrets: Secrets | None = None) -> None:
        self.secrets = secrets or Secrets()

    def load(self, location: Mapping[str, Any], dest: Path, sub_path: str | None,
             archive: Mapping[str, Any] | None = None) -> None:
        """Clone ``repo`` at ``revision`` into ``dest`` (``subPath`` picks a path inside it)."""
        git = shutil.which("git")
        if git is None:
            raise GitArtifactError("git artifacts need the git command; install it (apt-get install -y git)")
        repo = location.get("repo")
        if not repo:
            raise GitArtifactError("git artifact has no repo")
        dest.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=".git-", dir=dest.parent) as tmp:
            env = self._env(location, Path(tmp))
            work = Path(tmp) / "clone"
            base = [git]
            if location.get("insecureSkipTLS"):
                base += ["-c", "http.sslVerify=false"]
            cmd = [*base, "clone", "--quiet"]
            if location.get("revision"):
                cmd.append("--no-checkout")
            depth = int(location.get("depth") or 0)
            if depth > 0:
                cmd += ["--depth", str(depth)]
            if location.get("singleBranch"):
                cmd += ["--single-branch"]
                if location.get("branch"):
                    cmd += ["--branch", str(location["branch"])]
            elif location.get("branch"):
                cmd += ["--branch", str(location["branch"])]
            self._git(cmd + ["--", str(repo), str(work)], env)
            in_repo = [*base, "-C", str(work)]
            refspecs = [str(r) for r in location.get("fetch") or ()]
            if refspecs:
                self._git([*in_repo, "fetch", "--quiet", "origin", *refspecs], env)
            revision = location.get("revision")
            if revision:
                self._checkout(in_repo, str(revision), depth, env)
            if not location.get("disableSubmodules") and (work / ".gitmodules").exists():
                self._git([*in_repo, "submodule", "update", "--init", "--recursive", "--force"], env)
            root = pick_sub_path(work, sub_path) if sub_path else work
            place(root, dest)

    def _checkout(self, in_repo: list[str], revision: str, depth: int, env: dict[str, str]) -> None:
        done = subprocess.run([*in_repo, "checkout", "--quiet", revision], capture_output=True, text=True,
                              env=env, check=False)
        if done.returncode == 0:
            return
        # a revision outside the (shallow or single-branch) clone: fetch it by name, then check it out
        fetch = [*in_repo, "fetch", "--quiet"]
        if depth > 0:
            fetch += ["--depth", str(depth)]
        self._git([*fetch, "origin", revision], env)
        self._git([*in_repo, "checkout", "--quiet", "FETCH_HEAD"], env)

    def _env(self, location: Mapping[str, Any], tmp: Path) -> dict[str, str]:
        env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
        user = self.secrets.value(location.get("usernameSecret"))
        password = self.secrets.value(location.get("passwordSecret"))
        if user is not None or password is not None:
            askpass = tmp / "askpass"
            askpass.write_text(ASKPASS)
            askpass.chmod(0o700)
            env.update(GIT_ASKPASS=str(askpass), ARGOSY_GIT_USERNAME=user or "",
                       ARGOSY_GIT_PASSWORD=password or "")
        key = self.secrets.value(location.get("sshPrivateKeySecret"))
        ssh = ["ssh", "-o", "BatchMode=yes"]
        if key is not None:
            key_file = tmp / "id"
            key_file.write_text(key if key.endswith("\n") else key + "\n")
            key_file.chmod(0o600)
            ssh += ["-i", str(key_file), "-o", "IdentitiesOnly=yes"]
        if location.get("insecureIgnoreHostKey"):
            ssh += ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
        if len(ssh) > 3:
            env["GIT_SSH_COMMAND"] = shlex.join(ssh)
        return env

    @staticmethod
    def _git(cmd: list[str], env: dict[str, str]) -> None:
        done = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
        if done.returncode != 0:
            verb = next((c for c in cmd if c in ("clone", "fetch", "checkout", "submodule")), "")
            raise GitArtifactError(f"git {verb} failed: {done.stderr.strip() or done.stdout.strip()}")

    def open(self, location: Mapping[str, Any]) -> IO[bytes]:
        """Git artifacts are directories: there is no single stream to open."""
        raise GitArtifactError("git artifacts are directories and cannot be streamed")

    def save(self, src: Path, location: Mapping[str, Any]) -> None:
        """Git is an input-only artifact type in Argo."""
        raise GitArtifactError("git artifacts are input-only")

    def delete(self, location: Mapping[str, Any]) -> None:
        """Git artifacts are never garbage collected."""
        raise GitArtifactError("deleting git artifacts is not supported")
