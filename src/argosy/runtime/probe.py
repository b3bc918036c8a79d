"""Whether bubblewrap can create a sandbox on this machine: asked once, as early as possible.

Running the probe (a namespace holder, then ``bwrap ... true``) takes tens of milliseconds,
most of it waiting on other processes. ``argosy run`` starts it before it imports the
controller, so it runs on another core while this one loads Python modules; the process
runtime's ``check()`` then only collects the answer.
"""

from __future__ import annotations

import shutil
import subprocess

from argosy.errors import RuntimeFailure
from argosy.runtime.namespaces import WorkflowNamespaces

INSTALL_HINT = "install bubblewrap (Debian/Ubuntu: apt-get install -y bubblewrap)"
#: how long a probe may take before the machine is called unable to sandbox
TIMEOUT_SECONDS = 30


class SandboxProbe:
    """One run of ``bwrap true`` in the sandbox shape steps get, started and not yet judged."""

    def __init__(self, bwrap: str) -> None:
        self.bwrap = bwrap
        self._error: str | None = None
        self._ns: WorkflowNamespaces | None = None
        self._proc: subprocess.Popen[str] | None = None
        if not bwrap:
            self._error = f"the process runtime needs bubblewrap (bwrap): {INSTALL_HINT}"
            return
        try:
            self._ns = WorkflowNamespaces.start(host_network=True)
            self._proc = subprocess.Popen(
                [*self._ns.prefix, bwrap, "--cap-drop", "ALL", "--ro-bind", "/", "/", "--dev", "/dev",
                 "--proc", "/proc", "--unshare-pid", "--die-with-parent", "true"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        except (OSError, RuntimeFailure) as e:
            self._close()
            self._error = f"cannot run bubblewrap ({bwrap}): {e}; {INSTALL_HINT}"

    def result(self) -> None:
        """Wait for the probe; raise :class:`RuntimeFailure` saying what to do unless it worked."""
        proc, self._proc = self._proc, None
        if proc is not None:
            try:
                _, stderr = proc.communicate(timeout=TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                self._error = f"cannot run bubblewrap ({self.bwrap}): no answer in {TIMEOUT_SECONDS}s; {INSTALL_HINT}"
            else:
                if proc.returncode != 0:
                    self._error = (
                        f"bubblewrap cannot create a sandbox here: {stderr.strip()}; user namespaces may "
                        "be disabled (sysctl kernel.unprivileged_userns_clone=1, or "
                        "kernel.apparmor_restrict_unprivileged_userns=0 on Ubuntu)")
            finally:
                self._close()
        if self._error is not None:
            raise RuntimeFailure(self._error)

    def _close(self) -> None:
        ns, self._ns = self._ns, None
        if ns is not None:
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
