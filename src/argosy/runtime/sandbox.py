"""A container's private filesystem view, built as bubblewrap arguments.

Two layouts, chosen per container, because every bind mount costs bwrap real time:

* **host root** (the common case): the host's ``/`` read-only, a private writable ``/tmp``
  (a tmpfs, or a host directory when outputs are read from it after the container exits),
  fresh ``/dev`` and ``/proc``, plus one writable bind per volume mount or input artifact.
* **split root**, when a path must be created where the host is read-only (an output at
  ``/result.txt``, a volume at ``/workspace``, an output under ``/mnt``): ``/`` is a scratch
  directory on the host, the host root is bound once, read-only, at :data:`HOST`, and the
  host's entries appear in the scratch root as symlinks into it. A host directory on the way
  to a new path is *split* the same way: it becomes a real directory in the scratch root
  holding symlinks to its host children, so nothing of the host is hidden and new entries
  can be created. What a step writes outside its mounts lands in the scratch root, readable
  after it exits.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

#: where the split layout shows the host's root (read-only)
HOST = "/.host"
#: host entries the sandbox never takes from the host
SPECIAL = frozenset({"/dev", "/proc", "/tmp", HOST})
#: the ``src`` of a :class:`Bind` that is a fresh tmpfs (nothing of it is on the host)
TMPFS = ""


def norm(path: str) -> str:
    """An absolute, normalised sandbox path (``normpath`` keeps a leading ``//``)."""
    return os.path.normpath("/" + path.lstrip("/"))


def under(path: str, base: str) -> bool:
    """True when ``path`` is ``base`` or inside it."""
    return path == base or base == "/" or path.startswith(base + "/")


def _chain(path: str) -> list[str]:
    """``/a/b`` -> ``["/", "/a", "/a/b"]``."""
    parts = [p for p in path.split("/") if p]
    return ["/"] + ["/" + "/".join(parts[:i]) for i in range(1, len(parts) + 1)]


@dataclass(frozen=True, slots=True)
class Bind:
    """A host path ``src`` bound at a sandbox path."""

    src: str
    readonly: bool = False


@dataclass
class MountPlan:
    """The mounts of one container; ``args()`` renders them for bwrap.

    ``root`` is the container's scratch root, used only by the split layout and created
    when the plan first splits (most containers never need it).
    """

    root: str
    binds: dict[str, Bind] = field(default_factory=dict)
    #: sandbox path -> host path, for symlinks into the host (split layout only)
    links: dict[str, str] = field(default_factory=dict)
    split_root: bool = False

    @classmethod
    def new(cls, root: str, tmp: str = TMPFS) -> MountPlan:
        """A plan with a private ``/tmp``: host directory ``tmp``, or a tmpfs by default."""
        plan = cls(root=root)
        plan.binds["/tmp"] = Bind(tmp)
        return plan

    # ---- building -----------------------------------------------------------------

    def resolve(self, path: str) -> str:
        """``path`` with host symlinks on the way resolved, unless a writable bind holds it."""
        path = norm(path)
        if path == "/" or self.mount_of(path) is not None:
            return path
        parent = os.path.dirname(path)
        real = os.path.realpath(parent)
        if real != parent and self.mount_of(real) is None:
            return os.path.join(real, os.path.basename(path))
        return path

    def bind(self, dest: str, src: str, readonly: bool = False) -> None:
        """Bind host ``src`` at ``dest``, hiding what the host has there."""
        dest = self.resolve(dest)
        for p in [p for p in self.links if under(p, dest)]:
            os.unlink(self.root + p)
            del self.links[p]
        if self.mount_of(dest) is None and not self._creatable(dest):
            self._split_to(os.path.dirname(dest))
        self.binds[dest] = Bind(src, readonly)

    def _creatable(self, dest: str) -> bool:
        """Whether bwrap can mount at ``dest`` as things stand (it exists, or its parent is ours)."""
        if not self.split_root:
            return os.path.lexists(dest)
        return not self._host_bound(os.path.dirname(dest)) or os.path.lexists(dest)

    def _split(self, d: str) -> None:
        """Turn ``d`` into a scratch directory holding symlinks to its host children."""
        if d == "/":
            os.makedirs(self.root, exist_ok=True)
            self.split_root = True
            names = [n for n in os.listdir("/") if "/" + n not in SPECIAL]
        else:
            os.unlink(self.root + d)
            del self.links[d]
            os.mkdir(self.root + d)
            try:
                names = os.listdir(d)
            except OSError:
                names = []
        base = "" if d == "/" else d
        for n in names:
            p = f"{base}/{n}"
            if p in self.binds:
                continue
            # a host symlink is copied as is, so it resolves inside the sandbox like on the host
            target = os.readlink(p) if os.path.islink(p) else HOST + p
            os.symlink(target, self.root + p)
            self.links[p] = target

    def _split_to(self, path: str) -> None:
        """Split every host directory on the way to ``path`` so ``path`` can be created."""
        for d in _chain(norm(path)):
            if self.mount_of(d) is not None:
                return
            if d == "/":
                if not self.split_root:
                    self._split("/")
            elif d in self.links:
                if os.path.isdir(d) and not os.path.islink(d):
                    self._split(d)
                else:
                    return

    def _host_bound(self, path: str) -> bool:
        """True when ``path`` shows the host's (read-only) files."""
        if not self.split_root:
            return True
        return any(p in self.links for p in _chain(path)[1:])

    # ---- reading ------------------------------------------------------------------

    def mount_of(self, path: str) -> tuple[str, str] | None:
        """The deepest writable bind holding ``path``: ``(dest, src)``, or None."""
        best: tuple[str, str] | None = None
        for dest, b in self.binds.items():
            if under(path, dest) and (best is None or len(dest) > len(best[0])):
                best = (dest, b.src)
        return best

    def host_path(self, path: str) -> str:
        """Where sandbox ``path`` is on the host (after the container exited, too); ``""``
        inside a tmpfs, which the host cannot see."""
        path = self.resolve(path)
        m = self.mount_of(path)
        if m is not None:
            dest, src = m
            return src + path[len(dest):] if src != TMPFS else ""
        if self._host_bound(path):
            return path
        return self.root + path

    def writable_dir(self, path: str) -> str:
        """Make sandbox directory ``path`` exist and be writable; return its host path."""
        path = self.resolve(path)
        if self.mount_of(path) is None:
            self._split_to(path)
        host = self.host_path(path)
        if host != path:
            os.makedirs(host, exist_ok=True)
        return host

    def writable_ancestor(self, path: str) -> str:
        """Make the deepest existing directory holding sandbox ``path`` writable; return it.

        For an output's parent: Argo does not create it (steps often ``mkdir`` it and fail if it
        exists), so the step must be able to create it, and its files stay readable after exit.
        """
        d = norm(path)
        while d != "/" and not os.path.isdir(self.host_path(d)):
            d = os.path.dirname(d)
        if self.mount_of(self.resolve(d)) is None:
            self.writable_dir(d)
        return d

    def args(self) -> list[str]:
        """The bwrap mount arguments (parents before children)."""
        if self.split_root:
            out = ["--bind", self.root, "/", "--ro-bind", "/", HOST]
        else:
            out = ["--ro-bind", "/", "/"]
        out += ["--dev", "/dev", "--proc", "/proc"]
        for dest in sorted(self.binds, key=lambda d: (d.count("/"), d)):
            b = self.binds[dest]
            if b.src == TMPFS:
                out += ["--tmpfs", dest]
            else:
                out += ["--ro-bind" if b.readonly else "--bind", b.src, dest]
        return out
