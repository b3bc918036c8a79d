"""Local stand-ins for the images the corpus names, for Docker-runtime tests.

No registry can be reached here, so each image is ``docker import``-ed from a root
filesystem assembled from the host's Debian files: ``busybox-static`` (with its applet
links) is the base of every image; python, curl and bash come with the shared libraries
``ldd`` says they load. Each image carries a label with a hash of its recipe and of the
host files it was made from, so a later run reuses it instead of building it again.

``engine()`` answers whether a Docker engine can be used at all, and why not.
"""

from __future__ import annotations

import gc
import hashlib
import io
import os
import re
import subprocess
import tarfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ARGOSAY = Path(__file__).resolve().parents[1] / "src" / "argosy" / "runtime" / "bin" / "argosay"
BUSYBOX = "/bin/busybox"
PYTHON = "/usr/bin/python3.11"
PYLIB = "/usr/lib/python3.11"
PYLIB_SKIP = {"test", "idlelib", "tkinter", "ensurepip", "lib2to3", "dist-packages", "turtledemo",
              "config-3.11-x86_64-linux-gnu", "pydoc_data"}
RECIPE_LABEL = "io.argosy.test-recipe"
#: bumped whenever the root filesystem's layout changes, so every image is built again
LAYOUT = 2
IMAGE_FIELD = re.compile(r"""^\s*-?\s*image:\s*['"]?([^\s'"#]+)""", re.MULTILINE)
PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

OS_RELEASE = """PRETTY_NAME="Argosy test image (busybox on Debian)"
NAME="Argosy test image"
ID=busybox
"""

NGINX = """#!/bin/sh
# nginx stand-in: busybox httpd serving nginx's welcome page on port 80, in the foreground
exec httpd -f -p 80 -h /usr/share/nginx/html
"""
COWSAY = r"""#!/bin/sh
# cowsay stand-in: the message in a speech bubble, then the cow
msg="$*"
[ -n "$msg" ] || msg=$(cat)
printf '%s\n' "$msg" | awk '{ l = length($0); t = ""; for (i = 0; i < l + 2; i++) t = t "_";
  b = ""; for (i = 0; i < l + 2; i++) b = b "-"; print " " t; print "< " $0 " >"; print " " b }'
cat <<'COW'
        \   ^__^
         \  (oo)\_______
            (__)\       )\/\
                ||----w |
                ||     ||
COW
"""

INFLUXD = r"""#!/usr/bin/python3
# influxdb 1.x stand-in: /ping, CREATE DATABASE, line-protocol /write and SELECT * /query, in memory
import json, re, urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DBS = {}


class Handler(BaseHTTPRequestHandler):
    def _params(self):
        url = urllib.parse.urlparse(self.path)
        params = dict(urllib.parse.parse_qsl(url.query))
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        if url.path == "/query" and self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            params.update(urllib.parse.parse_qsl(body))
            body = ""
        return url.path, params, body

    def _send(self, code, doc=None):
        data = json.dumps(doc).encode() if doc is not None else b""
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def handle_any(self):
        path, params, body = self._params()
        if path == "/ping":
            return self._send(204)
        if path == "/write":
            points = DBS.setdefault(params.get("db", ""), [])
            points.extend(line for line in body.splitlines() if line.strip())
            return self._send(204)
        if path == "/query":
            q = params.get("q", "")
            m = re.match(r"(?i)\s*CREATE DATABASE\s+(\S+)", q)
            if m:
                DBS.setdefault(m.group(1), [])
                return self._send(200, {"results": [{"statement_id": 0}]})
            rows = [[i, line] for i, line in enumerate(DBS.get(params.get("db", ""), []))]
            series = [{"name": "cpu", "columns": ["time", "line"], "values": rows}] if rows else []
            return self._send(200, {"results": [{"statement_id": 0, "series": series}]})
        return self._send(404, {"error": "not found"})

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("0.0.0.0", 8086), Handler).serve_forever()
"""

NGINX_INDEX = "<html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1></body></html>\n"


@dataclass
class Recipe:
    """One image: its tags, host files to copy, files to write, and Docker's ENTRYPOINT/CMD."""

    tags: tuple[str, ...]
    binaries: tuple[str, ...] = ()
    trees: tuple[str, ...] = ()
    files: dict[str, tuple[str, int]] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    entrypoint: tuple[str, ...] = ()
    cmd: tuple[str, ...] = ("sh",)


def recipes() -> list[Recipe]:
    """The images tests use, tagged with the names the corpus uses."""
    argosay = ARGOSAY.read_text()
    py = Recipe(
        tags=("python:3.11", "python:alpine3.23", "python:3.8", "python:3.10", "python:3.12", "python:latest"),
        binaries=(PYTHON,), trees=(PYLIB,),
        links={"/usr/bin/python3": "python3.11", "/usr/bin/python": "python3.11",
               "/usr/local/bin/python": "/usr/bin/python3.11"},
        cmd=("python3",),
    )
    return [
        Recipe(tags=("busybox", "busybox:latest", "alpine", "alpine:latest", "alpine:3.18", "alpine:3.23",
                     "alpine:3.6", "debian", "debian:latest", "debian:9.1", "debian:8.9", "ubuntu", "ubuntu:latest",
                     "ubuntu:17.10")),
        Recipe(tags=("stedolan/jq:latest", "stedolan/jq"), binaries=("/usr/bin/jq",), entrypoint=("jq",), cmd=()),
        Recipe(tags=("node:9.1-alpine", "node:latest", "node"), binaries=("/usr/bin/node",), cmd=("node",)),
        Recipe(tags=("argoproj/argosay:v1", "docker/whalesay", "docker/whalesay:latest"),
               files={"/usr/local/bin/cowsay": (COWSAY, 0o755)}, cmd=("cowsay",)),
        Recipe(tags=("influxdb:1.2",), binaries=py.binaries, trees=py.trees, links=py.links,
               files={"/usr/bin/influxd": (INFLUXD, 0o755)}, cmd=("influxd",)),
        Recipe(tags=("argoproj/argosay:v2",), files={"/argosay": (argosay, 0o755)}, entrypoint=("/argosay",), cmd=()),
        Recipe(tags=("nginx:1.13", "nginx"), files={"/usr/sbin/nginx": (NGINX, 0o755),
                                                    "/usr/share/nginx/html/index.html": (NGINX_INDEX, 0o644)},
               cmd=("nginx", "-g", "daemon off;")),
        Recipe(tags=("curlimages/curl:latest", "curlimages/curl"), binaries=("/usr/bin/curl",), cmd=("curl",)),
        py,
    ]


def _ldd(paths: list[str]) -> set[str]:
    """The shared libraries (and loader) ``paths`` need, as host paths."""
    out: set[str] = set()
    for p in paths:
        done = subprocess.run(["ldd", p], capture_output=True, text=True, check=False)
        for line in done.stdout.splitlines():
            parts = line.split()
            for token in parts:
                if token.startswith("/") and os.path.exists(token):
                    out.add(token)
    return out


def _host_files(r: Recipe) -> list[str]:
    files = [BUSYBOX, *r.binaries]
    for tree in r.trees:
        for root, dirs, names in os.walk(tree):
            dirs[:] = [d for d in dirs if d not in PYLIB_SKIP and d != "__pycache__"]
            files.extend(os.path.join(root, n) for n in names if not n.endswith(".pyc"))
    elf = [f for f in files if f.endswith(".so") or f in r.binaries]
    files.extend(sorted(_ldd(elf)))
    return sorted(set(files))


def _digest(r: Recipe, files: list[str]) -> str:
    h = hashlib.sha256(repr((LAYOUT, r.tags, r.files, r.links, r.entrypoint, r.cmd)).encode())
    for f in files:
        st = os.stat(f)
        h.update(f"{f}:{st.st_size}:{st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:24]


def _tar(r: Recipe, files: list[str]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        def add_dir(path: str, mode: int = 0o755) -> None:
            info = tarfile.TarInfo(path.lstrip("/"))
            info.type, info.mode = tarfile.DIRTYPE, mode
            tar.addfile(info)

        def add_bytes(path: str, data: bytes, mode: int) -> None:
            info = tarfile.TarInfo(path.lstrip("/"))
            info.size, info.mode = len(data), mode
            tar.addfile(info, io.BytesIO(data))

        def add_link(path: str, target: str) -> None:
            info = tarfile.TarInfo(path.lstrip("/"))
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)

        for d in ("/bin", "/sbin", "/usr", "/usr/bin", "/usr/sbin", "/usr/local", "/usr/local/bin", "/etc",
                  "/root", "/var", "/var/log", "/var/cache", "/proc", "/sys", "/dev", "/mnt", "/opt", "/home",
                  "/srv", "/run", "/media"):
            add_dir(d)
        add_dir("/tmp", 0o1777)
        add_dir("/var/tmp", 0o1777)
        add_bytes("/etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n", 0o644)
        add_bytes("/etc/group", b"root:x:0:\nnogroup:x:65534:\n", 0o644)
        add_bytes("/etc/os-release", OS_RELEASE.encode(), 0o644)
        added = {"/bin/busybox"}
        for f in files:
            if f == BUSYBOX:
                continue
            # usr-merged hosts: the file goes where the program asks for it (ldd's path)
            tar.add(os.path.realpath(f), arcname=f.lstrip("/"), recursive=False)
            added.add(f)
        with open(BUSYBOX, "rb") as bb:
            add_bytes("/bin/busybox", bb.read(), 0o755)
        applets = subprocess.run([BUSYBOX, "--list-full"], capture_output=True, text=True, check=True).stdout
        for applet in applets.split():
            path = "/" + applet.lstrip("/")
            if path not in added and path not in r.files and path not in r.links:
                add_link(path, "/bin/busybox")
                added.add(path)
        for path, (text, mode) in r.files.items():
            add_bytes(path, text.encode(), mode)
        for path, target in r.links.items():
            add_link(path, target)
    return buf.getvalue()


def _needs_build(client: Any, tag: str, digest: str) -> bool:
    import docker.errors

    try:
        image = client.images.get(tag)
    except docker.errors.ImageNotFound:
        return True
    return (image.labels or {}).get(RECIPE_LABEL) != digest


def build_images(client: Any) -> dict[str, float]:
    """Make sure every recipe's image exists (built or reused); seconds spent per image."""
    spent: dict[str, float] = {}
    for r in recipes():
        if any(not os.path.exists(b) for b in r.binaries):
            continue  # (a host without that program: the tests needing it skip)
        t0 = time.monotonic()
        files = _host_files(r)
        digest = _digest(r, files)
        if not any(_needs_build(client, t, digest) for t in r.tags):
            continue
        changes = [f"ENV {PATH_ENV}", f'LABEL {RECIPE_LABEL}="{digest}"']
        if r.entrypoint:
            changes.append("ENTRYPOINT " + _json(r.entrypoint))
        changes.append("CMD " + _json(r.cmd) if r.cmd else 'CMD []')
        first, *rest = r.tags
        repo, _, tag = first.partition(":")
        client.api.import_image_from_data(_tar(r, files), repository=repo, tag=tag or "latest", changes=changes)
        image = client.images.get(first)
        for t in rest:
            repo, _, tag = t.partition(":")
            image.tag(repo, tag or "latest")
        spent[first] = time.monotonic() - t0
    return spent


def _json(argv: tuple[str, ...]) -> str:
    import json

    return json.dumps(list(argv))


def engine() -> tuple[bool, str | None]:
    """Whether a Docker engine can run the tests here, with the test images in place (built
    or reused by hash); why not."""
    try:
        import docker
    except ImportError:
        return False, "the docker SDK is not installed (pip install docker)"
    if not os.path.exists(BUSYBOX) or _ldd([BUSYBOX]):
        return False, f"the test images need a static {BUSYBOX} (apt-get install busybox-static)"
    try:
        return _usable(docker)
    finally:
        # a failed connection's socket is left to the garbage collector by the SDK: collect it
        # here, quietly, rather than in some later test
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            gc.collect()


def _usable(docker: Any) -> tuple[bool, str | None]:
    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except Exception as e:  # noqa: BLE001 - any failure means: no engine here
        return False, f"no Docker engine reachable ({type(e).__name__}: {e}); start dockerd (scripts/dockerd-up)"
    try:
        build_images(client)
        # an engine that answers may still be unable to run a container (no cgroups, no overlay)
        client.containers.run("busybox", ["true"], remove=True, network_mode="none")
    except Exception as e:  # noqa: BLE001
        return False, f"the Docker Engine cannot build or run the test images here ({type(e).__name__}: {e})"
    finally:
        client.close()
    return True, None


_present: dict[str, bool] = {}


def missing_images(text: str) -> list[str]:
    """The images a workflow file names literally that the local image store lacks (no
    stand-in was built for them: the tests needing them skip, saying which)."""
    import docker

    names = sorted({m for m in IMAGE_FIELD.findall(text) if "{{" not in m})
    unknown = [n for n in names if n not in _present]
    if unknown:
        client = docker.from_env()
        try:
            for n in unknown:
                try:
                    client.images.get(n)
                    _present[n] = True
                except docker.errors.ImageNotFound:
                    _present[n] = False
        finally:
            client.close()
    return [n for n in names if not _present[n]]
