"""Owner ids: which process runs a workflow, and whether that process still exists.

An owner id is ``host/boot/pid/start``: the host name, this boot of the kernel, the process
id and the process's start time (clock ticks since boot, from ``/proc``). A lease alone
would leave a killed run "Running" until the lease ran out; with the id, another process on
the same host sees at once that the owner is gone: the pid does not exist, or it exists but
started at another time (the pid was reused), or the host has rebooted since. Owners on
other hosts are judged by their lease alone.
"""

from __future__ import annotations

import os
from functools import lru_cache

_SEP = "/"


def _boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id") as f:
            return f.read().strip()[:8]
    except OSError:
        return "-"


def _start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot; None when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except FileNotFoundError:
        return None
    except OSError:
        return "-"
    # the command name (field 2) may hold spaces and parentheses: split after its last ')'
    fields = stat[stat.rfind(b")") + 2:].split()
    return fields[19].decode() if len(fields) > 19 else "-"


@lru_cache(maxsize=1)
def _host() -> str:
    return os.uname().nodename.replace(_SEP, "_")  # what gethostname() gives, without importing socket


def owner_id(pid: int | None = None) -> str:
    """The owner id of this process (or of ``pid`` on this host)."""
    pid = os.getpid() if pid is None else pid
    return _SEP.join((_host(), _boot_id(), str(pid), _start_time(pid) or "-"))


def owner_alive(owner: str) -> bool | None:
    """True/False when ``owner`` is a process on this host; None when it cannot be told."""
    parts = owner.split(_SEP)
    if len(parts) != 4 or parts[0] != _host() or not parts[2].isdigit():
        return None
    _, boot, pid, start = parts
    if boot != "-" and boot != _boot_id():
        return False  # the host rebooted: every process of that boot is gone
    if not os.path.exists("/proc/self/stat"):
        return _pid_exists(int(pid))
    now_start = _start_time(int(pid))
    if now_start is None:
        return False
    return start in ("-", now_start) or now_start == "-"


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
