"""``resources.limits`` of process-runtime containers: cgroups where the host allows, else rlimits.

With a writable cgroup hierarchy (Argosy as root; v1 ``memory``/``cpu`` controllers or v2's
unified tree) every limited container gets a cgroup of its own, nested under Argosy's own
cgroup: ``memory`` is a hard limit (swap included) and a container the kernel kills for it
ends as Kubernetes reports it (``OOMKilled``, exit code 137); ``cpu`` is a CFS quota (a
rate, like Kubernetes' limit). Without one (an unprivileged run), ``memory`` becomes an
address-space rlimit: allocations past it fail inside the step instead of an OOM kill, and
``cpu`` is not enforced (no rlimit is a rate).

The spawned process joins its cgroup (or sets its rlimit) itself, in a one-line ``sh``
wrapper, before it execs the rest: ``posix_spawn`` returns only once the child has exec'd,
and by then bubblewrap may already have forked the step, which moving the pid afterwards
would leave outside. Only limited containers pay for the wrapper.
"""

from __future__ import annotations

import atexit
import itertools
import os
import re
import shlex
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from argosy.errors import RuntimeFailure

CGROUP_ROOT = "/sys/fs/cgroup"
CPU_PERIOD_US = 100_000
_SUFFIXES = {
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
    "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18, "m": Decimal("0.001"),
}
_QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?$")


def quantity(value: Any, field_name: str) -> Decimal:
    """A Kubernetes resource quantity (``512Mi``, ``1G``, ``500m``, ``0.5``) as a number."""
    m = _QUANTITY.match(str(value).strip())
    if not m:
        raise RuntimeFailure(f'{field_name}: quantities must match the regular expression '
                             f"'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (got {value!r})")
    try:
        number = Decimal(m.group(1))
    except InvalidOperation as e:
        raise RuntimeFailure(f"{field_name}: invalid quantity {value!r}") from e
    return number * Decimal(_SUFFIXES.get(m.group(2) or "", 1))


@dataclass(frozen=True, slots=True)
class Limits:
    """A container's ``resources.limits``: bytes of memory, CPUs (None: unlimited)."""

    memory: int | None = None
    cpu: Decimal | None = None

    @classmethod
    def of(cls, container: dict[str, Any]) -> Limits:
        limits = (container.get("resources") or {}).get("limits") or {}
        memory = limits.get("memory")
        cpu = limits.get("cpu")
        return cls(
            memory=int(quantity(memory, "resources.limits.memory")) if memory not in (None, "") else None,
            cpu=quantity(cpu, "resources.limits.cpu") if cpu not in (None, "") else None,
        )

    def __bool__(self) -> bool:
        return self.memory is not None or self.cpu is not None


def _own_cgroup(controller: str) -> str | None:
    """Argosy's own cgroup for ``controller`` (v1) or the unified one (``""``), as a path."""
    try:
        with open("/proc/self/cgroup") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for line in lines:
        _, names, path = line.split(":", 2)
        if controller and controller in names.split(","):
            return os.path.join(CGROUP_ROOT, controller) + path.rstrip("/")
        if not controller and names == "":
            return CGROUP_ROOT + path.rstrip("/")
    return None


def _write(path: str, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


@dataclass
class ContainerCgroup:
    """The cgroups holding one container (one per v1 controller, or one v2 cgroup)."""

    dirs: list[str] = field(default_factory=list)
    #: the file whose ``oom_kill`` counter says the kernel killed for memory
    events: str = ""

    def join(self, pid: int) -> None:
        for d in self.dirs:
            _write(os.path.join(d, "cgroup.procs"), str(pid))

    def oom_killed(self) -> bool:
        if not self.events:
            return False
        try:
            with open(self.events) as f:
                for line in f:
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value) > 0
        except OSError:
            pass
        return False

    def remove(self) -> bool:
        """Remove the cgroups (once their processes are gone); False if some are still busy."""
        left = []
        for d in self.dirs:
            try:
                os.rmdir(d)
            except FileNotFoundError:
                pass
            except OSError:
                left.append(d)
        self.dirs = left
        return not left


class Cgroups:
    """Makes a cgroup per limited container under Argosy's own, when the host allows."""

    def __init__(self) -> None:
        self._bases: dict[str, str | None] = {}
        self.unified = os.path.exists(os.path.join(CGROUP_ROOT, "cgroup.controllers"))
        self._seq = itertools.count()
        atexit.register(self.close)

    def close(self) -> None:
        """Remove this process's (empty) cgroups."""
        for base in self._bases.values():
            if base is not None:
                _remove_tree(base)

    def _base(self, controller: str) -> str | None:
        """``<Argosy's cgroup>/argosy-<pid>`` for a controller, created once; None if not writable."""
        if controller not in self._bases:
            own = _own_cgroup("" if self.unified else controller)
            base = None
            if own is not None and os.path.isdir(own):
                path = os.path.join(own, f"argosy-{os.getpid()}")
                _remove_stale(own)
                try:
                    os.makedirs(path, exist_ok=True)
                    if self.unified:
                        _write(os.path.join(path, "cgroup.subtree_control"), "+memory +cpu")
                    base = path
                except OSError:
                    base = None
            self._bases[controller] = base
        return self._bases[controller]

    def make(self, name: str, limits: Limits) -> ContainerCgroup | None:
        """A cgroup enforcing ``limits``, or None when cgroups cannot be used here."""
        name = f"{name}-{next(self._seq)}"
        cg = ContainerCgroup()
        try:
            if self.unified:
                base = self._base("unified")
                if base is None:
                    return None
                d = os.path.join(base, name)
                os.mkdir(d)
                cg.dirs.append(d)
                if limits.memory is not None:
                    _write(os.path.join(d, "memory.max"), str(limits.memory))
                    if os.path.exists(os.path.join(d, "memory.swap.max")):
                        _write(os.path.join(d, "memory.swap.max"), "0")
                    cg.events = os.path.join(d, "memory.events")
                if limits.cpu is not None:
                    _write(os.path.join(d, "cpu.max"), f"{_quota(limits.cpu)} {CPU_PERIOD_US}")
                return cg
            if limits.memory is not None:
                base = self._base("memory")
                if base is None:
                    return None
                d = os.path.join(base, name)
                os.mkdir(d)
                cg.dirs.append(d)
                _write(os.path.join(d, "memory.limit_in_bytes"), str(limits.memory))
                memsw = os.path.join(d, "memory.memsw.limit_in_bytes")
                if os.path.exists(memsw):
                    _write(memsw, str(limits.memory))
                cg.events = os.path.join(d, "memory.oom_control")
            if limits.cpu is not None:
                base = self._base("cpu")
                if base is not None:
                    d = os.path.join(base, name)
                    os.mkdir(d)
                    cg.dirs.append(d)
                    _write(os.path.join(d, "cpu.cfs_period_us"), str(CPU_PERIOD_US))
                    _write(os.path.join(d, "cpu.cfs_quota_us"), str(_quota(limits.cpu)))
            return cg if cg.dirs else None
        except OSError:
            cg.remove()
            return None


def _remove_tree(path: str) -> None:
    """rmdir a cgroup and its children (only empty ones go: a cgroup holds no files)."""
    try:
        children = [e.path for e in os.scandir(path) if e.is_dir(follow_symlinks=False)]
    except OSError:
        return
    for c in children:
        _remove_tree(c)
    try:
        os.rmdir(path)
    except OSError:
        pass


def _remove_stale(parent: str) -> None:
    """Remove cgroups left by an Argosy that was killed (its pid is gone)."""
    try:
        entries = [e for e in os.scandir(parent) if e.name.startswith("argosy-")]
    except OSError:
        return
    for e in entries:
        pid = e.name.removeprefix("argosy-")
        if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
            _remove_tree(e.path)


def _quota(cpu: Decimal) -> int:
    # Kubernetes' minimum quota is 1 ms per 100 ms period
    return max(1000, int(cpu * CPU_PERIOD_US))


def wrapper(cgroup: ContainerCgroup | None, limits: Limits) -> list[str]:
    """The argv prefix putting what it execs into ``cgroup`` (or under an address-space
    rlimit when there is none)."""
    if cgroup is not None:
        joins = "; ".join(f"echo $$ > {shlex.quote(d)}/cgroup.procs || exit 125" for d in cgroup.dirs)
        return ["/bin/sh", "-c", f'{joins}; exec "$@"', "argosy-limits"]
    if limits.memory is not None:
        return ["/bin/sh", "-c", f'ulimit -v {max(1, limits.memory // 1024)} || exit 125; exec "$@"',
                "argosy-limits"]
    return []
