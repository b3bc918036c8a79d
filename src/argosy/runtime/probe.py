"""Whether bubblewrap can create a sandbox on this machine: asked once, as early as possible.

The probe starts a workflow's namespaces (the holder and slirp4netns) and runs ``bwrap ...
true`` in them: tens of milliseconds, most of it waiting on other processes. ``argosy run``
starts it on a thread before it imports the controller, so it runs while this process loads
Python modules; the process runtime's ``check()`` then only collects the answer, and the first
workflow gets the probe's namespaces (fresh: the probe ran only ``true`` in them) instead of
starting its own.
"""

from __future__ import annotations

import shutil
import subprocess
import threading

from argosy.errors import RuntimeFailure
from argosy.runtime.namespaces import WorkflowNamespaces, offer_spare

INSTALL_HINT = "install bubblewrap (Debian/Ubuntu: apt-get install -y bubblewrap)"
#: how long a probe may take before the machine is called unable to sandbox
TIMEOUT_SECONDS = 30


class SandboxProbe:
    """One run of ``bwrap true`` in the sandbox shape steps get, on a thread of its own."""

    def __init__(self, bwrap: str) -> None:
        self.bwrap = bwrap
        self._error: str | None = None
        self._thread = threading.Thread(target=self._run, name="argosy-probe", daemon=True)
        self._thread.start()

    def result(self) -> None:
        """Wait for the probe; raise :class:`RuntimeFailure` saying what to do unless it worked."""
        self._thread.join()
        if self._error is not None:
            raise RuntimeFailure(self._error)

    def _run(self) -> None:
        if not self.bwrap:
            self._error = f"the process runtime needs bubblewrap (bwrap): {INSTALL_HINT}"
            return
        try:
            ns = WorkflowNamespaces.start(host_network=False)
        except RuntimeFailure as e:
            self._error = str(e)
            return
        try:
            done = subprocess.run(
                [*ns.prefix, self.bwrap, "--cap-drop", "ALL", "--ro-bind", "/", "/", "--dev", "/dev",
                 "--proc", "/proc", "--unshare-pid", "--die-with-parent", "true"],
                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False)
        except (OSError, subprocess.TimeoutExpired) as e:
            self._error = f"cannot run bubblewrap ({self.bwrap}): {e}; {INSTALL_HINT}"
        else:
            if done.returncode != 0:
                self._error = (
                    f"bubblewrap cannot create a sandbox here: {done.stderr.strip()}; user namespaces may "
                    "be disabled (sysctl kernel.unprivileged_userns_clone=1, or "
                    "kernel.apparmor_restrict_unprivileged_userns=0 on Ubuntu)")
        if self._error is None:
            offer_spare(ns)
        else:
            ns.close()


#: probes started ahead of the runtime that will judge them, by bwrap path
_started: dict[str, SandboxProbe] = {}


def start_probe(bwrap: str | None = None) -> None:
    """Start probing now; the answer is collected by :func:`check_sandbox` (same ``bwrap``)."""
    path = bwrap or shutil.which("bwrap") or ""
    if path not in _started:
        _started[path] = SandboxProbe(path)


def check_sandbox(bwrap: str) -> None:
    """Raise :class:`RuntimeFailure` unless ``bwrap`` can create a sandbox here. A probe started
    early is used (once: a later check probes afresh)."""
    probe = _started.pop(bwrap, None) or SandboxProbe(bwrap)
    probe.result()
