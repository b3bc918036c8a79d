"""A container's private filesystem view, built as bubblewrap arguments.

Two layouts, chosen per container, because every bind mount costs bwrap real time:

* **host root** (the common case): the host's ``/`` read-only, a private writable ``/tmp``
  (a tmpfs, or a host directory when outputs are read from it after the container exits),
  fresh ``/dev`` and ``/proc``, plus one writable bind per volume mount or input artifact.
* **split root**, when a path must be created where the host is read-only (an output at
  ``/result.txt``, a volume at ``/workspace``, an output under ``/mnt``): ``/`` is a scratch
  directory on the host, and each of the host's root entries is bound read-only at its own
  path (host symlinks are copied as symlinks). A host directory on the way to a new path is
  *split* the same way: it becomes a real directory in the scratch root holding read-only
  binds of its host children, so nothing of the host is hidden and new entries can be
  created. The step sees exactly what the host-root layout shows (never the host's ``/tmp``,
  ``/dev`` or ``/proc``), and what it writes outside its mounts lands in the scratch root,
  readable after it exits.

In both, :meth:`MountPlan.hide` covers host paths steps must not read (the data dir: the
store, every workflow's logs and artifacts) with an empty tmpfs.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field

from argosy.runtime.namespaces import own, reachable, readable, runs_as_root

#: host entries the sandbox never takes from the host
SPECIAL = frozenset({"/dev", "/proc", "/tmp"})
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


def _depth(path: str) -> tuple[int, str]:
    return (0 if path == "/" else path.count("/"), path)


def makedirs_owned(path: str) -> None:
    """``os.makedirs``, giving every directory it creates to the steps' host uid."""
    missing = []
    d = path
    while not os.path.isdir(d):
        missing.append(d)
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    for d in reversed(missing):
        try:
            os.mkdir(d)
        except FileExistsError:
            continue
        own(d)


@dataclass(frozen=True, slots=True)
class Bind:
    """A host path ``src`` bound at a sandbox path; ``fd`` (when >= 0) an ``O_PATH`` descriptor
    of it, bound instead of the path (resolved safely), or ``via`` a door to it (see
    :meth:`~argosy.runtime.namespaces.WorkflowNamespaces.door`)."""

    src: str
    readonly: bool = False
    fd: int = -1
    via: str = ""


@dataclass(frozen=True, slots=True)
class DataFile:
    """A file that exists only inside the sandbox (a Secret or ConfigMap key): bwrap copies
    ``data`` into the sandbox's own tmpfs, so nothing of it is written on the host."""

    data: bytes
    mode: int = 0o644


@dataclass
class MountPlan:
    """The mounts of one container; ``args()`` renders them for bwrap.

    ``root`` is the container's scratch root, used only by the split layout and created
    when the plan first splits (most containers never need it).
    """

    root: str
    binds: dict[str, Bind] = field(default_factory=dict)
    #: sandbox path -> symlink target, for host symlinks copied into the scratch root
    links: dict[str, str] = field(default_factory=dict)
    #: host paths bound read-only at the same sandbox path (split layout only)
    host_binds: set[str] = field(default_factory=set)
    #: files copied into the sandbox, by sandbox path (inside a tmpfs bind)
    files: dict[str, DataFile] = field(default_factory=dict)
    #: tmpfs binds made read-only once their files are in
    read_only: list[str] = field(default_factory=list)
    #: files bound read-only over what the host has at a path (``/etc/resolv.conf``)
    overlays: dict[str, DataFile] = field(default_factory=dict)
    split_root: bool = False
    #: host dir -> a door to it the steps can reach (see ``Bind.via``), for paths under it
    doors: dict[str, str] = field(default_factory=dict)

    def _reach(self, src: str) -> str:
        """How bwrap reaches host path ``src``: through a door when one holds it."""
        for d, via in self.doors.items():
            if under(src, d):
                return via + src[len(d):]
        return src

    def close(self) -> None:
        """Close the descriptors of bound directories (the plan's paths stay usable)."""
        for dest, b in list(self.binds.items()):
            if b.fd >= 0:
                os.close(b.fd)
                self.binds[dest] = Bind(b.src, b.readonly, via=b.via)

    @classmethod
    def new(cls, root: str, tmp: str = TMPFS, hidden: tuple[str, ...] = (),
            doors: dict[str, str] | None = None) -> MountPlan:
        """A plan with a private ``/tmp`` (host directory ``tmp``, or a tmpfs by default)
        and the host paths in ``hidden`` covered (as :meth:`hide` chose them)."""
        plan = cls(root=root, doors=dict(doors or {}))
        plan.binds["/tmp"] = Bind(tmp)
        for h in hidden:
            if plan.mount_of(h) is None:
                plan.binds[h] = Bind(TMPFS) if os.path.isdir(h) else Bind(os.devnull, readonly=True)
        return plan

    # ---- building -----------------------------------------------------------------

    def hide(self, path: str) -> None:
        """Cover host ``path`` (a directory: with an empty tmpfs; a socket or file: with
        ``/dev/null``), unless the sandbox cannot see it anyway."""
        path = norm(path)
        if path == "/" or any(under(path, s) for s in SPECIAL) or self.mount_of(path) is not None:
            return
        if os.path.islink(path) or not os.path.exists(path) or not reachable(path):
            return
        self.binds[path] = Bind(TMPFS) if os.path.isdir(path) else Bind(os.devnull, readonly=True)

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

    def bind(self, dest: str, src: str, readonly: bool = False, fd: int = -1, via: str = "") -> str:
        """Bind host ``src`` (or ``fd``) at ``dest``, hiding what the host has there; the
        sandbox path it is bound at."""
        dest = self.resolve(dest)
        for p in [p for p in self.links if under(p, dest)]:
            os.unlink(self.root + p)
            del self.links[p]
        self.host_binds -= {p for p in self.host_binds if under(p, dest)}
        if self.mount_of(dest) is None and not self._creatable(dest):
            self._split_to(os.path.dirname(dest))
        self.binds[dest] = Bind(src, readonly, fd, via)
        return dest

    def data_dir(self, dest: str, files: dict[str, DataFile]) -> None:
        """A read-only directory at ``dest`` holding ``files`` (relative paths, already
        checked to stay inside it), that exists only in the sandbox."""
        dest = self.bind(dest, TMPFS)
        for rel, f in files.items():
            self.files[norm(f"{dest}/{rel}")] = f
        self.read_only.append(dest)

    def data_file(self, dest: str, f: DataFile) -> None:
        """A file at ``dest`` that exists only in the sandbox (a ``subPath`` of a Secret)."""
        dest = self.resolve(dest)
        if self.mount_of(dest) is None and not self._creatable(dest):
            self._split_to(os.path.dirname(dest))
        self.files[dest] = f

    def _creatable(self, dest: str) -> bool:
        """Whether bwrap can mount at ``dest`` as things stand (it exists, or its parent is ours)."""
        if not self.split_root:
            return os.path.lexists(dest)
        return not self._host_bound(os.path.dirname(dest)) or os.path.lexists(dest)

    def _split(self, d: str) -> None:
        """Turn ``d`` into a scratch directory holding read-only binds of its host children."""
        if d == "/":
            makedirs_owned(self.root)
            self.split_root = True
            names = [n for n in os.listdir("/") if "/" + n not in SPECIAL]
        else:
            self.host_binds.discard(d)
            os.mkdir(self.root + d)
            own(self.root + d)
            try:
                names = os.listdir(d)
            except OSError:
                names = []
        base = "" if d == "/" else d
        for n in names:
            p = f"{base}/{n}"
            if p in self.binds:
                continue
            if os.path.islink(p):
                # a host symlink is copied as is, so it resolves inside the sandbox like on the host
                target = os.readlink(p)
                os.symlink(target, self.root + p)
                self.links[p] = target
            else:
                self.host_binds.add(p)

    def _split_to(self, path: str) -> None:
        """Split every host directory on the way to ``path`` so ``path`` can be created."""
        for d in _chain(norm(path)):
            if self.mount_of(d) is not None:
                return
            if d == "/":
                if not self.split_root:
                    self._split("/")
            elif d in self.host_binds:
                if os.path.isdir(d):
                    self._split(d)
                else:
                    return
            elif d in self.links:
                return

    def _host_bound(self, path: str) -> bool:
        """True when ``path`` shows the host's (read-only) files."""
        if not self.split_root:
            return True
        return any(p in self.host_binds or p in self.links for p in _chain(path)[1:])

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
        return self._plain_host_path(self.resolve(path))

    def output_path(self, path: str) -> str:
        """Where Argosy reads an output at sandbox ``path`` after the container exited: its
        symlinks resolved as the step would see them (never through the host's tree), and
        ``""`` when the step itself could not have read it (a host file only root may read),
        so an output can never copy out what the step had no access to."""
        parts = [p for p in norm(path).split("/") if p]
        done = "/"
        hops = 0
        while parts:
            cur = norm(f"{done}/{parts.pop(0)}")
            host = self._plain_host_path(cur)
            if not host:
                return ""
            if os.path.islink(host):
                hops += 1
                if hops > 40:
                    return ""
                target = os.readlink(host)
                parts = [p for p in target.split("/") if p] + parts
                done = "/" if target.startswith("/") else done
                continue
            done = cur
        host = self._plain_host_path(done)
        if host and self.mount_of(done) is None and self._host_bound(done):
            if not readable(host):
                return ""
            if runs_as_root() and os.path.isdir(host):
                return self._readable_copy(host)
        return host

    def _readable_copy(self, host: str) -> str:
        """A copy of host directory ``host`` holding only what the steps' uid may read."""
        dest = f"{self.root}.export-{len(os.listdir(os.path.dirname(self.root)))}"
        shutil.copytree(host, dest, symlinks=True,
                        ignore=lambda d, names: [n for n in names if not readable(os.path.join(d, n))])
        return dest

    def _plain_host_path(self, path: str) -> str:
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
            makedirs_owned(host)
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

    def args(self, fds: list[int] | None = None, first_fd: int = 4) -> list[str]:
        """The bwrap mount arguments (parents before children).

        Descriptors bwrap must inherit (bound directories, data files) are appended to
        ``fds``; the i-th is expected as fd ``first_fd + i`` in bwrap. The data files' are
        new: :func:`close_data_fds` closes them once bwrap is started.
        """
        passed = fds if fds is not None else []

        def pass_fd(fd: int) -> str:
            passed.append(fd)
            return str(first_fd + len(passed) - 1)

        if self.split_root:
            out = ["--bind", self._reach(self.root), "/"]
        else:
            out = ["--ro-bind", "/", "/"]
        out += ["--dev", "/dev", "--proc", "/proc"]
        mounts: list[str] = sorted({*self.binds, *self.host_binds}, key=_depth)
        for dest in mounts:
            b = self.binds.get(dest)
            if b is None:
                out += ["--ro-bind", dest, dest]
            elif b.src == TMPFS:
                out += ["--tmpfs", dest]
            elif b.fd >= 0:
                out += ["--ro-bind-fd" if b.readonly else "--bind-fd", pass_fd(b.fd), dest]
            else:
                out += ["--ro-bind" if b.readonly else "--bind", b.via or self._reach(b.src), dest]
        for dest in sorted(self.files, key=_depth):
            f = self.files[dest]
            out += ["--perms", f"{f.mode & 0o7777:04o}", "--file", pass_fd(_memfd(f.data)), dest]
        for dest in self.read_only:
            out += ["--remount-ro", dest]
        for dest, f in self.overlays.items():
            out += ["--perms", f"{f.mode & 0o7777:04o}", "--ro-bind-data", pass_fd(_memfd(f.data)), dest]
        return out


def close_data_fds(plan: MountPlan, fds: list[int]) -> None:
    """Close the descriptors :meth:`MountPlan.args` made for data files (not the binds')."""
    kept = {b.fd for b in plan.binds.values()}
    for fd in fds:
        if fd not in kept:
            os.close(fd)


def _memfd(data: bytes) -> int:
    """A memory-only file holding ``data``, read from its start (closed after the spawn)."""
    fd = os.memfd_create("argosy-data", os.MFD_CLOEXEC)
    os.write(fd, data)
    os.lseek(fd, 0, os.SEEK_SET)
    return fd
