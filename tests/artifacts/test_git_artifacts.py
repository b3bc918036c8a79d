"""Git artifacts against real local repositories: file://, ``git daemon`` and smart HTTP with basic auth."""

from __future__ import annotations

import base64
import http.server
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from runkit import node_outputs, run_text
from s3kit import free_port

from argosy.artifacts import GitDriver, Secrets
from argosy.artifacts.git import GitArtifactError

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@e", "GIT_COMMITTER_NAME": "t",
       "GIT_COMMITTER_EMAIL": "t@e", "GIT_CONFIG_GLOBAL": "/dev/null"}


def git(*args: str, cwd: Path | None = None) -> str:
    return subprocess.run(["git", *args], cwd=cwd, env=ENV, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture(scope="module")
def origin(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A bare repository: main (2 commits, tag v1 on the first), branch feature, a pull ref, a submodule."""
    root = tmp_path_factory.mktemp("git")
    sub = root / "sub"
    git("init", "-q", "-b", "main", str(sub))
    (sub / "inner.txt").write_text("inner\n")
    git("add", ".", cwd=sub)
    git("commit", "-qm", "sub", cwd=sub)
    work = root / "work"
    git("init", "-q", "-b", "main", str(work))
    (work / "file.txt").write_text("v1\n")
    git("add", ".", cwd=work)
    git("commit", "-qm", "one", cwd=work)
    first = git("rev-parse", "HEAD", cwd=work)
    git("tag", "v1", cwd=work)
    git("-c", "protocol.file.allow=always", "submodule", "add", "-q", f"file://{sub}", "lib", cwd=work)
    (work / "file.txt").write_text("v2\n")
    git("commit", "-qam", "two", cwd=work)
    git("checkout", "-qb", "feature", cwd=work)
    (work / "file.txt").write_text("feature\n")
    git("commit", "-qam", "feature", cwd=work)
    git("checkout", "-q", "main", cwd=work)
    bare = root / "repo.git"
    git("clone", "-q", "--bare", str(work), str(bare))
    # a ref outside refs/heads, as a pull request is on GitHub
    git("update-ref", "refs/pull/7/head", git("rev-parse", "feature", cwd=work), cwd=bare)
    return {"bare": str(bare), "first": first, "root": str(root)}


@pytest.fixture(autouse=True)
def _allow_file_submodules(monkeypatch: pytest.MonkeyPatch) -> None:
    # git >= 2.38 refuses file:// submodules unless allowed; the test submodule is one
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "protocol.file.allow")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "always")


def load(location: dict, dest: Path, secrets: Secrets | None = None, sub_path: str | None = None) -> Path:
    GitDriver(secrets).load(location, dest, sub_path)
    return dest


@pytest.mark.parametrize(
    ("extra", "content"),
    [({}, "v2\n"),
     ({"revision": "v1"}, "v1\n"),
     ({"revision": "feature"}, "feature\n"),
     ({"depth": 1}, "v2\n"),
     ({"depth": 1, "revision": "v1"}, "v1\n"),
     ({"singleBranch": True, "branch": "feature"}, "feature\n"),
     ({"fetch": ["+refs/pull/7/head:refs/remotes/origin/pr7"], "revision": "origin/pr7"}, "feature\n")],
    ids=["head", "tag", "branch", "depth", "depth+revision", "single-branch", "fetch-refspec"],
)
def test_clone_options(origin: dict[str, str], tmp_path: Path, extra: dict, content: str) -> None:
    dest = load({"repo": f"file://{origin['bare']}", **extra}, tmp_path / "src")
    assert (dest / "file.txt").read_text() == content


def test_revision_by_commit_and_submodules(origin: dict[str, str], tmp_path: Path) -> None:
    dest = load({"repo": f"file://{origin['bare']}", "revision": origin["first"]}, tmp_path / "old")
    assert (dest / "file.txt").read_text() == "v1\n"
    with_subs = load({"repo": f"file://{origin['bare']}"}, tmp_path / "subs")
    assert (with_subs / "lib" / "inner.txt").read_text() == "inner\n"
    without = load({"repo": f"file://{origin['bare']}", "disableSubmodules": True}, tmp_path / "nosubs")
    assert not (without / "lib" / "inner.txt").exists()


def test_sub_path_and_errors(origin: dict[str, str], tmp_path: Path) -> None:
    assert load({"repo": origin["bare"]}, tmp_path / "one", sub_path="file.txt").read_text() == "v2\n"
    with pytest.raises(GitArtifactError, match="git clone failed"):
        load({"repo": f"file://{origin['root']}/nothing.git"}, tmp_path / "x")
    with pytest.raises(GitArtifactError, match="git fetch failed"):
        load({"repo": origin["bare"], "revision": "no-such-revision"}, tmp_path / "y")


@pytest.fixture(scope="module")
def daemon(origin: dict[str, str]) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(["git", "daemon", "--reuseaddr", "--export-all", "--listen=127.0.0.1",
                             f"--port={port}", f"--base-path={origin['root']}", origin["root"]],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            probe = ["git", "ls-remote", f"git://127.0.0.1:{port}/repo.git"]
            if subprocess.run(probe, capture_output=True, env=ENV, check=False).returncode == 0:
                break
            time.sleep(0.05)
        yield f"git://127.0.0.1:{port}/repo.git"
    finally:
        proc.terminate()
        proc.wait()


def test_git_daemon(daemon: str, tmp_path: Path) -> None:
    dest = load({"repo": daemon, "revision": "v1", "depth": 1}, tmp_path / "d")
    assert (dest / "file.txt").read_text() == "v1\n"


@pytest.fixture(scope="module")
def smart_http(origin: dict[str, str]) -> Iterator[str]:
    """``git http-backend`` behind basic auth (alice/wonder), the way a Git host asks for a password."""
    backend = git("--exec-path")
    expected = "Basic " + base64.b64encode(b"alice:wonder").decode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def _cgi(self) -> None:
            if self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="git"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            path, _, query = self.path.partition("?")
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            env = {**ENV, "GIT_PROJECT_ROOT": origin["root"], "GIT_HTTP_EXPORT_ALL": "1", "PATH_INFO": path,
                   "QUERY_STRING": query, "REQUEST_METHOD": self.command, "REMOTE_USER": "alice",
                   "CONTENT_TYPE": self.headers.get("Content-Type", ""), "CONTENT_LENGTH": str(len(body))}
            out = subprocess.run([f"{backend}/git-http-backend"], input=body, env=env, capture_output=True,
                                 check=False).stdout
            head, _, payload = out.partition(b"\r\n\r\n")
            status = 200
            headers = []
            for line in head.split(b"\r\n"):
                name, _, value = line.decode().partition(":")
                if name.lower() == "status":
                    status = int(value.split()[0])
                elif name:
                    headers.append((name, value.strip()))
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _cgi

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}/repo.git"
    finally:
        srv.shutdown()
        srv.server_close()
        thread.join()


def test_username_and_password_from_secrets(smart_http: str, tmp_path: Path) -> None:
    secrets = Secrets({"git-creds": {"user": "alice", "pass": "wonder"}})
    loc = {"repo": smart_http, "usernameSecret": {"name": "git-creds", "key": "user"},
           "passwordSecret": {"name": "git-creds", "key": "pass"}, "disableSubmodules": True}
    assert (load(loc, tmp_path / "ok", secrets) / "file.txt").read_text() == "v2\n"
    with pytest.raises(GitArtifactError, match="git clone failed"):
        load({"repo": smart_http, "disableSubmodules": True}, tmp_path / "denied")


WORKFLOW = """
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {name: git-in}
spec:
  entrypoint: main
  templates:
  - name: main
    inputs:
      artifacts:
      - name: src
        path: /src
        git: {repo: REPO, revision: v1, depth: 1, disableSubmodules: true}
    container: {image: alpine, command: [cat, /src/file.txt]}
"""


def test_workflow_with_a_git_input(daemon: str, tmp_path: Path) -> None:
    [wf] = run_text(WORKFLOW.replace("REPO", daemon), tmp_path)
    assert wf["status"]["phase"] == "Succeeded", wf["status"].get("message")
    assert node_outputs(wf, "git-in")["result"] == "v1"


FAKE_SSH = """#!/bin/sh
# stands in for ssh: checks the key and host-key options it was given, then runs the remote
# command locally (what sshd would do on the Git host)
key=""; opts=""
while [ $# -gt 0 ]; do
  case "$1" in
    -i) key="$2"; shift 2 ;;
    -o) opts="$opts $2"; shift 2 ;;
    -p) shift 2 ;;
    -*) shift ;;
    *) break ;;
  esac
done
shift  # the host
[ -n "$key" ] && grep -q "FAKE PRIVATE KEY" "$key" || { echo "no key" >&2; exit 255; }
echo "$opts" > "$SSH_LOG"
exec sh -c "$*"
"""


def test_ssh_private_key_from_a_secret(origin: dict[str, str], tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "ssh").write_text(FAKE_SSH)
    (bin_dir / "ssh").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("SSH_LOG", str(tmp_path / "ssh.log"))
    secrets = Secrets({"deploy": {"key": "-----BEGIN FAKE PRIVATE KEY-----\nabc\n-----END FAKE PRIVATE KEY-----"}})
    loc = {"repo": f"git@git.example:{origin['bare']}", "sshPrivateKeySecret": {"name": "deploy", "key": "key"},
           "insecureIgnoreHostKey": True, "disableSubmodules": True}
    assert (load(loc, tmp_path / "s", secrets) / "file.txt").read_text() == "v2\n"
    assert "StrictHostKeyChecking=no" in (tmp_path / "ssh.log").read_text()
    with pytest.raises(GitArtifactError, match="git clone failed"):
        load({**loc, "sshPrivateKeySecret": None}, tmp_path / "nokey")
