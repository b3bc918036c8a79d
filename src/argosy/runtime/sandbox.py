"""A node's private filesystem view, built as bubblewrap arguments.

Layout: the sandbox root ``/`` is a per-container scratch directory on the host, so files a
step writes anywhere outside a mount (``/result.txt``) stay readable after it exits. The
host's top-level entries are bound read-only on top of it (``/usr``, ``/etc``, ...), except
``/tmp`` (private, writable), ``/dev`` and ``/proc`` (fresh). Volumes are writable binds.

When a path must be created or written inside a read-only host directory (``/mnt/out``
on a host that has ``/mnt``), that directory is *split*: it becomes a writable directory in
the scratch root and each of its host children is bound individually, so nothing of the
host is hidden and the new path can be created.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

#: host entries the sandbox never takes from the host as plain binds
SPECIAL = frozenset({"/dev", "/proc", "/tmp"})


@dataclass(frozen=True, slots=True)
class HostEntry:
    """One host path bound into the sandbox: ``kind`` is ``dir``, ``file`` or ``symlink``."""

    kind: str
    target: str = ""


def list_host_dir(path: str) -> dict[str, HostEntry]:
    """The entries of a host directory as bindable :class:`HostEntry` values."""
    out: dict[str, HostEntry] = {}
    base = path.rstrip("/")
    try:
        it = os.scandir(path)
    except OSError:
        return out
    with it:
        for e in it:
            p = f"{base}/{e.name}"
            try:
                if e.is_symlink():
                    out[p] = HostEntry("symlink", os.readlink(p))
                elif e.is_dir():
                    out[p] = HostEntry("dir")
                else:
                    out[p] = HostEntry("file")
            except OSError:
                continue
    return out


def host_root() -> dict[str, HostEntry]:
    """The host's top-level entries, minus those the sandbox provides itself."""
    return {p: e for p, e in list_host_dir("/").items() if p not in SPECIAL}


def _ancestors(path: str) -> list[str]:
    """``/a/b/c`` -> ``["/a", "/a/b"]`` (proper ancestors, outermost first, without ``/``)."""
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:i]) for i in range(1, len(parts))]


def norm(path: str) -> str:
    """An absolute, normalised sandbox path (``normpath`` keeps a leading ``//``)."""
    return os.path.normpath("/" + path.lstrip("/"))


def _under(path: str, base: str) -> bool:
    return path == base or path.startswith(base + "/") or base == "/"


@dataclass(frozen=True, slots=True)
class Bind:
    """A host path ``src`` bound at sandbox path ``dest``."""

    src: str
    readonly: bool = False


@dataclass
class MountPlan:
    """The mounts of one container; ``args()`` renders them for bwrap."""

    root: str
    host: dict[str, HostEntry]
    binds: dict[str, Bind] = field(default_factory=dict)

    @classmethod
    def new(cls, root: str, host: dict[str, HostEntry], tmp: str) -> MountPlan:
        """A plan with scratch ``root`` at ``/`` and ``tmp`` at ``/tmp``."""
        plan = cls(root=root, host=dict(host))
        plan.binds["/tmp"] = Bind(tmp)
        return plan

    def bind(self, dest: str, src: str, readonly: bool = False) -> None:
        """Bind host ``src`` at ``dest``, hiding what the host has there."""
        dest = norm(dest)
        for p in [p for p in self.host if _under(p, dest)]:
            del self.host[p]
        if not os.path.lexists(dest):
            self._split_to(dest, include_self=False)
        self.binds[dest] = Bind(src, readonly)

    def _split_to(self, path: str, include_self: bool) -> None:
        """Split every host-bound directory on the way to ``path`` so it can be created."""
        chain = _ancestors(path) + ([path] if include_self else [])
        for anc in chain:
            entry = self.host.get(anc)
            if entry is None:
                continue
            if entry.kind != "dir":
                return
            del self.host[anc]
            self.host.update(list_host_dir(anc))
            os.makedirs(self.root + anc, exist_ok=True)

    def mount_of(self, path: str) -> tuple[str, str] | None:
        """The deepest writable bind holding ``path``: ``(dest, src)``, or None."""
        best: tuple[str, str] | None = None
        for dest, b in self.binds.items():
            if _under(path, dest) and (best is None or len(dest) > len(best[0])):
                best = (dest, b.src)
        return best

    def host_path(self, path: str) -> str:
        """Where sandbox ``path`` is on the host once the container has exited."""
        path = norm(path)
        m = self.mount_of(path)
        if m is not None:
            dest, src = m
            return src + path[len(dest):] if dest != "/" else src + path
        for p in self.host:
            if _under(path, p):
                return path
        return self.root + path

    def writable_dir(self, path: str) -> str:
        """Make sandbox directory ``path`` exist and be writable; return its host path."""
        path = norm(path)
        if self.mount_of(path) is None:
            self._split_to(path, include_self=True)
        host = self.host_path(path)
        if host == path:
            # still inside a host-bound entry (e.g. behind a symlink): leave the host alone
            return host
        os.makedirs(host, exist_ok=True)
        return host

    def args(self) -> list[str]:
        """The bwrap mount arguments, in an order where parents come before children."""
        out = ["--bind", self.root, "/"]
        for p in sorted(self.host):
            e = self.host[p]
            if e.kind == "symlink":
                out += ["--symlink", e.target, p]
            else:
                out += ["--ro-bind", p, p]
        out += ["--dev", "/dev", "--proc", "/proc"]
        for dest in sorted(self.binds, key=lambda d: (d.count("/"), d)):
            b = self.binds[dest]
            out += ["--ro-bind" if b.readonly else "--bind", b.src, dest]
        return out
