"""Each workflow's user and network namespaces, held open by one small process.

Why a user namespace per workflow, and not bubblewrap's own ``--unshare-user`` per step:

* whoever runs Argosy, a step must not be root outside. When Argosy runs as root, the holder
  is started as :data:`SANDBOX_UID` (``nobody``) and maps root inside to that uid, so root in a
  step is ``nobody`` on the host: no capability outside the workflow's namespaces, no file of
  the host's root writable. Run by any other user, root inside maps to that user.
* the workflow's network namespace belongs to that user namespace: steps of one workflow share
  a loopback (daemon steps and sidecars are reached at ``127.0.0.1``, the IP the engine
  reports, as containers of a pod are), and never see the host's.
* entering an existing user namespace (``nsenter``: one exec) costs about a millisecond per
  step; bubblewrap creating a fresh one per step with nested user namespaces disabled cost
  several.

The holder also has a mount namespace of its own, where Argosy (as root) bind-mounts a
volume a step must mount but cannot reach (a claim under ``/root/.argosy``: ``/root`` is
``0700``) at a reachable "door" directory: the host's mount table never changes, and the door
vanishes with the holder.

The holder also sets ``user.max_user_namespaces`` to 0 inside, so no step can create a user
namespace of its own (and with it the capabilities to mount). ``slirp4netns`` gives the
namespace outbound access (NAT through the host's network stack, with the host's loopback
refused). Every helper process reads a pipe whose write end only Argosy holds: if Argosy is
killed, they all see end-of-file and exit, and the namespaces go with them.
"""

from __future__ import annotations

import asyncio
import atexit
import os
import select
import shutil
import stat
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from argosy.errors import RuntimeFailure
from argosy.runtime.spawn import wait_exit

#: who a step is on the host when Argosy runs as root (Debian's ``nobody``/``nogroup``)
SANDBOX_UID = 65534
SANDBOX_GID = 65534
#: how long a workflow's namespaces outlive its last running node (a chain starts the next
#: node right after the last ends: it should not pay for new namespaces)
LINGER_SECONDS = 10.0
#: how many workflows' namespaces may be starting at once (each start mostly waits)
STARTERS = 4
#: how long helper processes may take to say they are ready
READY_TIMEOUT = 10.0
#: how long they may take to exit once told to, before they are killed
CLOSE_TIMEOUT = 2.0
USERNS_HINT = (
    "the process runtime runs every step in a user namespace; enable unprivileged user "
    "namespaces (sysctl user.max_user_namespaces=15000; on Debian <= 11 also "
    "kernel.unprivileged_userns_clone=1; on Ubuntu kernel.apparmor_restrict_unprivileged_userns=0)"
)
#: the holder: no nested user namespaces, then wait for end-of-file on stdin. Shell builtins
#: only: each program run here is one more process start per workflow (slirp4netns brings the
#: loopback up; without it :meth:`WorkflowNamespaces._loopback_up` does)
_HOLDER_SCRIPT = (
    "echo 0 > /proc/sys/user/max_user_namespaces || exit 1; "
    "echo ready; while read -r _; do :; done"
)


#: slirp4netns' DNS forwarder, as seen from the workflow's network namespace
SLIRP_DNS = "10.0.2.3"


def resolv_conf_for_steps(host_resolv: str) -> str | None:
    """What ``/etc/resolv.conf`` must say in a workflow's network namespace, or None when the
    host's works there: a resolver on the host's loopback (systemd-resolved's 127.0.0.53)
    is out of reach, so its queries go to slirp4netns' forwarder instead."""
    servers = [line.split()[1] for line in host_resolv.splitlines()
               if line.startswith("nameserver") and len(line.split()) > 1]
    if not servers or not all(s.startswith("127.") or s == "::1" for s in servers):
        return None
    kept = [line for line in host_resolv.splitlines()
            if line.startswith(("search", "domain", "options"))]
    return "\n".join([f"nameserver {SLIRP_DNS}", *kept]) + "\n"


def runs_as_root() -> bool:
    """Whether Argosy runs as root, so steps must be dropped to :data:`SANDBOX_UID`."""
    return os.geteuid() == 0


def own(path: str) -> None:
    """Give a directory Argosy made for a step to the step's host uid (root runs only)."""
    if runs_as_root():
        os.chown(path, SANDBOX_UID, SANDBOX_GID)


def reachable(path: str) -> bool:
    """Whether a step's host uid can reach ``path`` (search permission on every ancestor)."""
    if not runs_as_root():
        return True
    d = os.path.dirname(os.path.abspath(path))
    while True:
        try:
            st = os.stat(d)
        except OSError:
            return False
        if st.st_uid == SANDBOX_UID:
            ok = bool(st.st_mode & 0o100)
        elif st.st_gid == SANDBOX_GID:
            ok = bool(st.st_mode & 0o010)
        else:
            ok = bool(st.st_mode & 0o001)
        if not ok:
            return False
        if d == "/":
            return True
        d = os.path.dirname(d)


def readable(path: str) -> bool:
    """Whether a step's host uid could read ``path`` (a file, or a directory it may list)."""
    if not runs_as_root():
        return True
    try:
        st = os.stat(path)
    except OSError:
        return True  # missing: the caller reports it as such
    need = 0o5 if stat.S_ISDIR(st.st_mode) else 0o4
    if st.st_uid == SANDBOX_UID:
        ok = (st.st_mode >> 6) & need == need
    elif st.st_gid == SANDBOX_GID:
        ok = (st.st_mode >> 3) & need == need
    else:
        ok = st.st_mode & need == need
    return ok and reachable(path)


def _tool(name: str) -> str:
    path = shutil.which(name) or ""
    if not path:
        raise RuntimeFailure(f"the process runtime needs {name} (Debian/Ubuntu: apt-get install -y util-linux)")
    return path


def _read_ready(fd: int, what: str) -> bytes:
    ready, _, _ = select.select([fd], [], [], READY_TIMEOUT)
    if not ready:
        raise RuntimeFailure(f"{what} did not start within {READY_TIMEOUT:.0f} s")
    return os.read(fd, 64)


@dataclass
class WorkflowNamespaces:
    """The namespaces of one workflow's steps, and the processes holding them open."""

    host_network: bool
    holder: subprocess.Popen[bytes]
    #: write end of the pipe the holder (and slirp4netns) wait on; closing it ends them
    lifeline: int
    #: argv prefix entering the namespaces (``nsenter ... --``)
    prefix: list[str]
    network: subprocess.Popen[bytes] | None = None
    #: nodes running in them now
    users: int = 0
    #: whether the network has outbound access (slirp4netns started)
    outbound: bool = False
    notes: list[str] = field(default_factory=list)
    _slirp_lifeline: int = -1
    #: (st_dev, st_ino) of a directory -> its door (see the module docstring)
    doors: dict[tuple[int, int], str] = field(default_factory=dict)
    door_dir: str = ""

    def door(self, fd: int, base: str) -> str:
        """A path steps can reach showing the directory open as ``fd`` (root runs only):
        bind-mounted in the holder's mount namespace under ``base``."""
        st = os.fstat(fd)
        key = (st.st_dev, st.st_ino)
        path = self.doors.get(key)
        if path is not None:
            return path
        if not self.door_dir:
            self.door_dir = os.path.join(base, f"doors-{self.holder.pid}")
            os.makedirs(self.door_dir, exist_ok=True)
            os.chmod(self.door_dir, 0o711)
        path = os.path.join(self.door_dir, str(len(self.doors)))
        if stat.S_ISDIR(st.st_mode):
            os.mkdir(path)
        else:
            open(path, "x").close()
        done = subprocess.run(
            [_tool("nsenter"), f"--target={self.holder.pid}", "--mount", "--", _tool("mount"), "--bind",
             f"/proc/{os.getpid()}/fd/{fd}", path],
            capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeFailure(f"cannot give the sandbox access to a volume: {done.stderr.strip()}")
        self.doors[key] = path
        return path

    @classmethod
    def start(cls, host_network: bool) -> WorkflowNamespaces:
        """Start the holder (and the outbound network); raise RuntimeFailure if impossible."""
        # an IPC namespace too: the host's SysV/POSIX IPC objects stay the host's
        argv = [_tool("unshare"), "--user", "--map-root-user", "--mount", "--ipc"]
        if not host_network:
            argv.append("--net")
        argv += ["/bin/sh", "-c", _HOLDER_SCRIPT]
        if runs_as_root():
            argv = [_tool("setpriv"), f"--reuid={SANDBOX_UID}", f"--regid={SANDBOX_GID}",
                    "--clear-groups", *argv]
        r, w = os.pipe()
        try:
            holder = subprocess.Popen(argv, stdin=r, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      start_new_session=True, close_fds=True)
        except OSError as e:
            os.close(w)
            raise RuntimeFailure(f"cannot start the workflow's namespaces: {e}") from e
        finally:
            os.close(r)
        assert holder.stdout is not None and holder.stderr is not None
        try:
            line = _read_ready(holder.stdout.fileno(), "the workflow's namespace holder")
        except RuntimeFailure:
            line = b""
        if not line.startswith(b"ready"):
            os.close(w)
            holder.kill()
            err = holder.stderr.read().decode(errors="replace").strip()
            holder.wait()
            holder.stdout.close()
            holder.stderr.close()
            raise RuntimeFailure(f"cannot create a user namespace for the workflow's steps ({err or 'no output'}); "
                                 f"{USERNS_HINT}")
        holder.stdout.close()
        holder.stderr.close()
        prefix = [_tool("nsenter"), f"--target={holder.pid}", "--user", "--mount", "--ipc"]
        if not runs_as_root():
            # our uid is the one mapped (to root) inside: keep it (and our groups: setgroups
            # is denied in a user namespace an unprivileged user made)
            prefix.append("--preserve-credentials")
        if not host_network:
            prefix.append("--net")
        ns = cls(host_network=host_network, holder=holder, lifeline=w, prefix=[*prefix, "--"])
        if not host_network:
            ns._start_outbound()
            if not ns.outbound:
                ns._loopback_up()
        return ns

    def _loopback_up(self) -> None:
        """Bring up the loopback of a network without slirp4netns (which does it otherwise):
        a step's sidecar still answers on localhost."""
        ip = shutil.which("ip")
        if ip:
            subprocess.run([*self.prefix, ip, "link", "set", "lo", "up"], stdin=subprocess.DEVNULL,
                           capture_output=True, check=False)

    def _start_outbound(self) -> None:
        """NAT the namespace to the host's network with slirp4netns; loopback-only without."""
        slirp = shutil.which("slirp4netns")
        if not slirp:
            self.notes.append("slirp4netns is not installed: steps have no outbound network")
            return
        ready_r, ready_w = os.pipe()
        # slirp4netns exits when --exit-fd reaches end-of-file: give it its own read end of
        # a pipe whose write end is our lifeline
        lr, lw = os.pipe()
        pid = self.holder.pid
        argv = [slirp, "--configure", "--mtu=65520", "--disable-host-loopback",
                f"--ready-fd={ready_w}", f"--exit-fd={lr}",
                f"--userns-path=/proc/{pid}/ns/user", str(pid), "tap0"]
        try:
            self.network = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.PIPE, pass_fds=(ready_w, lr),
                                            start_new_session=True)
        except OSError as e:
            self.notes.append(f"cannot start slirp4netns ({e}): steps have no outbound network")
            os.close(lw)
            return
        finally:
            os.close(ready_w)
            os.close(lr)
        self._slirp_lifeline = lw
        try:
            ok = _read_ready(ready_r, "slirp4netns") == b"1"
        except RuntimeFailure:
            ok = False
        finally:
            os.close(ready_r)
        if ok:
            self.outbound = True
            if self.network.stderr is not None:
                self.network.stderr.close()
            return
        self.network.kill()
        err = self.network.stderr.read().decode(errors="replace").strip() if self.network.stderr else ""
        self.network.wait()
        self.network = None
        os.close(lw)
        self._slirp_lifeline = -1
        hint = "" if os.access("/dev/net/tun", os.R_OK | os.W_OK) else \
            "; /dev/net/tun is not usable by this user (Debian's default mode is 0666)"
        self.notes.append(f"slirp4netns failed ({err.splitlines()[-1] if err else 'no output'}{hint}): "
                          "steps have no outbound network")

    def close(self) -> None:
        """End the helper processes (the namespaces go once no step is left in them)."""
        for p in self._end_helpers():
            try:
                p.wait(timeout=CLOSE_TIMEOUT)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self._tidy()

    async def close_async(self) -> None:
        """:meth:`close` from the event loop: the helpers' exits are awaited on pidfds, not on a
        thread (a server ending 50 workflows a second would keep threads waiting for them).
        Cancelled (the loop is ending), a daemon thread reaps them instead: whoever ran the loop
        does not wait for the kernel's teardown of the network namespace."""
        helpers = self._end_helpers()  # at once, before the first await
        try:
            for p in helpers:
                try:
                    async with asyncio.timeout(CLOSE_TIMEOUT):
                        await wait_exit(p)
                except TimeoutError:
                    p.kill()
                    await wait_exit(p)
        except asyncio.CancelledError:
            threading.Thread(target=self.close, name="argosy-reaper", daemon=True).start()
            raise
        self._tidy()

    def _end_helpers(self) -> list[subprocess.Popen[bytes]]:
        """Close the lifelines (the helpers exit at their end of file); the helpers to reap."""
        for fd in (self.lifeline, self._slirp_lifeline):
            if fd >= 0:
                os.close(fd)
        self.lifeline = -1
        self._slirp_lifeline = -1
        return [p for p in (self.holder, self.network) if p is not None]

    def _tidy(self) -> None:
        if self.network is not None and self.network.stderr is not None:
            self.network.stderr.close()
        if self.door_dir:
            # the doors' mounts went with the holder's mount namespace: only empty entries remain
            shutil.rmtree(self.door_dir, ignore_errors=True)


#: namespaces started before any workflow asked (the sandbox probe's), for the first one that
#: does; by ``host_network``
_spares: dict[bool, WorkflowNamespaces] = {}
_spares_lock = threading.Lock()


def offer_spare(ns: WorkflowNamespaces) -> None:
    """Keep fresh namespaces for the next workflow that needs their kind (one of each kind)."""
    with _spares_lock:
        old = _spares.pop(ns.host_network, None)
        _spares[ns.host_network] = ns
    if old is not None:
        old.close()


def fresh_namespaces(host_network: bool) -> WorkflowNamespaces:
    """Namespaces no workflow has used: the spare of that kind if it is still alive, else new."""
    with _spares_lock:
        spare = _spares.pop(host_network, None)
    if spare is not None:
        if spare.holder.poll() is None:
            return spare
        spare.close()
    return WorkflowNamespaces.start(host_network)


@atexit.register
def _close_spares() -> None:
    with _spares_lock:
        left = list(_spares.values())
        _spares.clear()
    for ns in left:
        ns.close()


class NamespaceRegistry:
    """The live :class:`WorkflowNamespaces`, by workflow; each lingers a little after its
    last node so the next node of a chain reuses it."""

    def __init__(self) -> None:
        self.live: dict[tuple[str, bool], WorkflowNamespaces] = {}
        #: namespaces being started on a thread, by key (see ``acquire_async``)
        self._starting: dict[tuple[str, bool], asyncio.Future[WorkflowNamespaces]] = {}
        #: their own threads: a start waits tens of ms for its helpers, and in the loop's
        #: default executor it would hold up the store writes the server waits for there
        self._pool: ThreadPoolExecutor | None = None
        self._warned: set[str] = set()
        # the helpers would go anyway (their lifeline closes with this process): reap them
        atexit.register(self.close)

    def acquire(self, workflow: str, host_network: bool) -> WorkflowNamespaces:
        key = (workflow, host_network)
        ns = self.live.get(key)
        if ns is None or ns.holder.poll() is not None:
            ns = self._started(key, fresh_namespaces(host_network))
        ns.users += 1
        return ns

    async def acquire_async(self, workflow: str, host_network: bool) -> WorkflowNamespaces:
        """:meth:`acquire` for the event loop: new namespaces are started on a thread (the
        holder's and slirp4netns' start-up would block the loop for tens of ms, every other
        workflow waiting), and nodes of one workflow asking at once share one start."""
        key = (workflow, host_network)
        ns = self.live.get(key)
        if ns is None or ns.holder.poll() is not None:
            pending = self._starting.get(key)
            if pending is None:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(STARTERS, thread_name_prefix="argosy-namespaces")
                pending = self._starting[key] = asyncio.get_running_loop().run_in_executor(
                    self._pool, fresh_namespaces, host_network)
                # registered when started even if every node that asked was cancelled
                # meanwhile: then ``finish``/``close`` end it
                pending.add_done_callback(lambda done: self._arrived(key, done))
            ns = await asyncio.shield(pending)
        ns.users += 1
        return ns

    def _arrived(self, key: tuple[str, bool], done: asyncio.Future[WorkflowNamespaces]) -> None:
        self._starting.pop(key, None)
        if not done.cancelled() and done.exception() is None:
            self._started(key, done.result())

    def _started(self, key: tuple[str, bool], ns: WorkflowNamespaces) -> WorkflowNamespaces:
        self.live[key] = ns
        for note in ns.notes:
            if note not in self._warned:
                self._warned.add(note)
                print(f"argosy: {note}", file=sys.stderr)
        return ns

    def release(self, workflow: str, ns: WorkflowNamespaces, loop: object | None = None) -> None:
        ns.users -= 1
        if ns.users > 0:
            return
        key = (workflow, ns.host_network)

        def close_if_idle() -> None:
            if ns.users == 0 and self.live.get(key) is ns:
                del self.live[key]
                ns.close()

        call_later = getattr(loop, "call_later", None)
        if call_later is None:
            close_if_idle()
        else:
            call_later(LINGER_SECONDS, close_if_idle)

    def take(self, workflow: str) -> list[WorkflowNamespaces]:
        """The workflow has ended: its idle namespaces, no longer registered, for the caller
        to close (no next node will reuse them)."""
        taken = []
        for host_network in (False, True):
            ns = self.live.get((workflow, host_network))
            if ns is not None and ns.users == 0:
                del self.live[(workflow, host_network)]
                taken.append(ns)
        return taken

    def close(self) -> None:
        for ns in list(self.live.values()):
            ns.close()
        self.live.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=False)
            self._pool = None

