"""The process runtime: each node runs on the host, in a per-node bubblewrap sandbox."""

from __future__ import annotations

import asyncio
import functools
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from argosy.artifacts import ArchiveError, LocalRepository, default_drivers, load_input
from argosy.engine.arguments import has_location_or_key
from argosy.engine.intents import PodResult, PodSpec
from argosy.errors import CommandNotFound, RuntimeFailure
from argosy.runtime.base import RunContext
from argosy.runtime.containers import SCRIPT_PATH, Container, exit_code_of
from argosy.runtime.images import BIN_DIR, CommandPath, argv_for
from argosy.runtime.logs import MAIN
from argosy.runtime.outputs import output_artifacts, output_parameters, result_text
from argosy.runtime.probes import wait_ready
from argosy.runtime.progress import PROGRESS_FILE, PROGRESS_TICK, ProgressFiles, read_progress
from argosy.runtime.sandbox import MountPlan, norm, under
from argosy.runtime.volumes import VolumeSource, container_env, host_env, resolve_volumes

BIN_DIR_TEXT = str(BIN_DIR)
DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"
INSTALL_HINT = "install bubblewrap (Debian/Ubuntu: apt-get install -y bubblewrap)"


class ProcessRuntime:
    """Runs each node's containers as host processes inside bubblewrap sandboxes.

    ``check()`` says up front whether sandboxes can be created on this machine.
    """

    def __init__(self, bwrap: str | None = None, scratch_dir: Path | None = None) -> None:
        self.bwrap = bwrap or shutil.which("bwrap") or ""
        #: where per-node sandboxes live while a node runs; a tmpfs keeps setup cheap
        self.scratch_dir = scratch_dir
        self.commands = CommandPath()
        #: what every container's environment starts from (host variables and the sandbox PATH)
        self.base_env = host_env(self.commands.sandbox_path)
        #: the files main containers write their progress to (ARGO_PROGRESS_FILE)
        self.progress_files = ProgressFiles()

    def check(self) -> None:
        """Raise :class:`RuntimeFailure` unless bwrap exists and can create a sandbox here."""
        if not self.bwrap:
            raise RuntimeFailure(f"the process runtime needs bubblewrap (bwrap): {INSTALL_HINT}")
        try:
            done = subprocess.run(
                [self.bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
                 "--unshare-pid", "--die-with-parent", "true"],
                capture_output=True, text=True, timeout=30, check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            raise RuntimeFailure(f"cannot run bubblewrap ({self.bwrap}): {e}; {INSTALL_HINT}") from e
        if done.returncode != 0:
            raise RuntimeFailure(
                f"bubblewrap cannot create a sandbox here: {done.stderr.strip()}; user namespaces may "
                "be disabled (sysctl kernel.unprivileged_userns_clone=1, or "
                "kernel.apparmor_restrict_unprivileged_userns=0 on Ubuntu)"
            )

    def scratch_base(self, context: RunContext) -> Path:
        """The directory holding per-node sandboxes: ``scratch_dir``, a private dir on
        ``/dev/shm`` when that is a writable tmpfs, else ``<data_dir>/sandbox``."""
        if self.scratch_dir is None:
            self.scratch_dir = _shm_dir() or context.data_dir / "sandbox"
        return self.scratch_dir

    async def run(
        self, pod: PodSpec, context: RunContext, on_started: Callable[..., None]
    ) -> PodResult:
        """Run one node to completion; cancelling kills its process trees.

        ``on_started()`` once the main process runs; ``on_started(progress)`` whenever the
        ``N/M`` in its ``ARGO_PROGRESS_FILE`` changes.
        """
        if not self.bwrap:
            self.check()
        node = _Node(self, pod, context, on_started)
        try:
            if pod.deadline_seconds is not None:
                try:
                    async with asyncio.timeout(pod.deadline_seconds):
                        return await node.execute()
                except TimeoutError:
                    return PodResult(phase="Failed", message=DEADLINE_MESSAGE, exit_code=None,
                                     outputs=node.partial_outputs())
            return await node.execute()
        finally:
            await node.stop_all()
            if node.progress_file is not None:
                self.progress_files.release(node.progress_file)
            # (one failing rmdir when no scratch dir was needed; a stale one is removed too)
            if not _remove_empty(node.scratch, node.tmp_dirs):
                # the result is ready: remove the tree in a worker thread, off the hand-off path
                asyncio.get_running_loop().run_in_executor(
                    None, functools.partial(shutil.rmtree, node.scratch, ignore_errors=True))


def _remove_empty(scratch: str, tmp_dirs: list[str]) -> bool:
    """Remove a node's scratch dir in the common case, where it holds nothing but empty
    private ``/tmp`` dirs: a few ``rmdir``; False when anything else is in it."""
    try:
        for d in tmp_dirs:
            os.rmdir(d)
        os.rmdir(scratch)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return True


def _reads_tmp(template: dict[str, Any], spec: dict[str, Any]) -> bool:
    """Whether the main container needs a host-visible ``/tmp``: an output is read from
    under it after exit, or its working directory is there."""
    outputs = template.get("outputs") or {}
    for o in (*(outputs.get("parameters") or ()), *(outputs.get("artifacts") or ())):
        p = o.get("path") or (o.get("valueFrom") or {}).get("path")
        if p and under(norm(p), "/tmp"):
            return True
    workdir = spec.get("workingDir")
    return bool(workdir) and under(norm(str(workdir)), "/tmp")


def _make_dir(path: str) -> None:
    """Create a node's fresh scratch dir (its parents too), replacing a stale one."""
    try:
        os.mkdir(path)
    except FileExistsError:
        shutil.rmtree(path, ignore_errors=True)  # left by an earlier node of that name
        os.mkdir(path)
    except FileNotFoundError:
        os.makedirs(path, exist_ok=True)




class _Node:
    """The state of one node while it runs."""

    def __init__(self, rt: ProcessRuntime, pod: PodSpec, context: RunContext,
                 on_started: Callable[..., None]) -> None:
        self.rt = rt
        self.pod = pod
        self.context = context
        self.on_started = on_started
        self.started = False
        #: one flat dir per node (no per-workflow level to create and remove around it)
        self.scratch = f"{rt.scratch_base(context)}/{pod.workflow_uid or pod.workflow_name}_{pod.pod_name}"
        #: the containers' private /tmp dirs, all the scratch dir holds in the common case
        self.tmp_dirs: list[str] = []
        self._scratch_made = False
        self.live: list[Container] = []
        self.main: Container | None = None
        self.volumes: dict[str, VolumeSource] = {}
        self.inputs: list[tuple[str, str]] = []
        self.script: str | None = None
        #: the host file (and its fd) behind the main container's PROGRESS_FILE
        self.progress_file: tuple[str, int] | None = None
        self._monitor: asyncio.TimerHandle | None = None
        self._repo: LocalRepository | None = None

    @property
    def repo(self) -> LocalRepository:
        if self._repo is None:
            self._repo = LocalRepository(self.context.artifact_dir)
        return self._repo

    # ---- setup --------------------------------------------------------------------

    def _scratch_dir(self) -> str:
        """The node's scratch dir, created on first use (most nodes never need one)."""
        if not self._scratch_made:
            _make_dir(self.scratch)
            self._scratch_made = True
        return self.scratch

    def _prepare(self) -> None:
        if self.pod.volumes or self.pod.template.get("volumes"):
            self.volumes = resolve_volumes(self.pod, self.context, Path(self._scratch_dir()))
        self.commands = self.rt.commands

    def _load_inputs(self) -> None:
        arts = (self.pod.template.get("inputs") or {}).get("artifacts") or ()
        if not arts:
            return
        drivers = default_drivers(self.repo)
        for i, art in enumerate(arts):
            path = art.get("path")
            if not path or (art.get("optional") and not has_location_or_key(art)):
                continue  # Argo's executor ignores an optional artifact that was not supplied
            dest = Path(self._scratch_dir()) / "inputs" / str(i) / (os.path.basename(path.rstrip("/")) or "artifact")
            try:
                if load_input(art, dest, drivers):
                    self.inputs.append((path, str(dest)))
            except ArchiveError as e:
                raise RuntimeFailure(str(e)) from e

    def _container(self, name: str, spec: dict[str, Any], main: bool, mounts: list[dict[str, Any]],
                   argv: list[str] | None = None) -> Container:
        # the scratch root is created only if the plan needs the split layout, and /tmp is a
        # host directory only if something is read from it after the container exits
        if main and _reads_tmp(self.pod.template, spec):
            tmp = f"{self._scratch_dir()}/tmp-{name}"
            os.mkdir(tmp)
            self.tmp_dirs.append(tmp)
            plan = MountPlan.new(f"{self.scratch}/root-{name}", tmp)
        else:
            plan = MountPlan.new(f"{self.scratch}/root-{name}")
        if plan.mount_of(BIN_DIR_TEXT) is not None:
            # Argosy installed under /tmp (a CI checkout): the private /tmp would hide argosay
            plan.bind(BIN_DIR_TEXT, BIN_DIR_TEXT, readonly=True)
        for vm in mounts:
            src = self.volumes.get(vm.get("name", ""))
            if src is None:
                raise RuntimeFailure(f'volume "{vm.get("name")}" not found (container "{name}")')
            path = src.path
            if vm.get("subPath"):
                path = os.path.join(path, vm["subPath"])
                os.makedirs(path, exist_ok=True)
            plan.bind(vm["mountPath"], path, readonly=bool(vm.get("readOnly")) or src.readonly)
        if main:
            if self.progress_file is None:
                self.progress_file = self.rt.progress_files.acquire(self.context.data_dir)
            plan.bind(PROGRESS_FILE, self.progress_file[0])
            for dest, host in self.inputs:
                plan.bind(dest, host)
            if self.script is not None:
                plan.bind(SCRIPT_PATH, self.script, readonly=True)
            outputs = self.pod.template.get("outputs") or {}
            for o in (*(outputs.get("parameters") or ()), *(outputs.get("artifacts") or ())):
                p = o.get("path") or (o.get("valueFrom") or {}).get("path")
                if p:
                    plan.writable_ancestor(os.path.dirname(norm(p)))
        workdir = str(spec.get("workingDir") or "/")
        if workdir != "/" and not os.path.isdir(workdir):
            plan.writable_dir(workdir)
        argv = argv if argv is not None else argv_for(spec, name)
        self._check_command(argv[0], spec, plan)
        env = container_env(spec, self.pod, self.context, self.rt.base_env, name)
        if main:
            env["ARGO_PROGRESS_FILE"] = PROGRESS_FILE
        return Container(name=name, spec=spec, argv=argv, env=env, plan=plan,
                         journal=self.context.journal(self.pod.workflow_name),
                         log_name=(self.pod.pod_name, MAIN if main else name), workdir=workdir, capture=main)

    def _check_command(self, command: str, spec: dict[str, Any], plan: MountPlan) -> None:
        if "/" in command:
            found = os.path.exists(plan.host_path(command))
        else:
            found = self.commands.exists(command)
        if not found:
            # Go's exec.LookPath error, as Argo's emissary reports it
            reason = f"stat {command}: no such file or directory" if "/" in command else \
                "executable file not found in $PATH"
            raise CommandNotFound(
                f'failed to find name in PATH: exec: "{command}": {reason} (image "{spec.get("image", "")}"; '
                "the process runtime runs commands on the host)"
            )

    def _mounts(self, spec: dict[str, Any], shared: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
        return [*(shared or ()), *(spec.get("volumeMounts") or ())]

    # ---- running ------------------------------------------------------------------

    async def execute(self) -> PodResult:
        tpl = self.pod.template
        try:
            self._prepare()
            if self.pod.template.get("inputs", {}).get("artifacts"):
                await asyncio.to_thread(self._load_inputs)
            if "containerSet" in tpl:
                return await self._run_container_set(tpl["containerSet"] or {})
            if "script" in tpl:
                spec = tpl["script"] or {}
                argv = argv_for({k: v for k, v in spec.items() if k != "source"})
                if spec.get("source"):  # Argo passes a script file only when there is a source
                    self.script = f"{self._scratch_dir()}/script"
                    Path(self.script).write_text(str(spec["source"]))
                    # Argo's script file is executable: `command: [sh, -c]` runs it by path
                    os.chmod(self.script, 0o755)
                    argv.append(SCRIPT_PATH)
            elif "container" in tpl:
                spec = tpl["container"] or {}
                argv = None
            else:
                kinds = ", ".join(k for k in ("http", "data", "resource", "suspend", "steps", "dag") if k in tpl)
                raise RuntimeFailure(f"the process runtime cannot run a {kinds or 'template without container'} template")
            mounts = self._mounts(spec)
            if not await self._run_init(mounts):
                return self._init_failed
            main = self._container("main", spec, True, mounts, argv)
            await self._start_sidecars(mounts)
            code = await self._run_main(main)
            await self._stop_sidecars()
            return await self._finish(main, code)
        except CommandNotFound as e:
            # Argo's emissary exits 64 when it cannot find the command: the node fails, not errors
            self.context.journal(self.pod.workflow_name).write(self.pod.pod_name, MAIN, "stderr", f"{e}\n".encode())
            return PodResult(phase="Failed", message=f"Error (exit code 64): {e}", exit_code=64,
                             outputs={**self.partial_outputs(), "exitCode": "64"})
        except RuntimeFailure as e:
            return PodResult(phase="Error", message=str(e), outputs=self.partial_outputs())

    async def _run_init(self, main_mounts: list[dict[str, Any]]) -> bool:
        for i, spec in enumerate(self.pod.template.get("initContainers") or ()):
            name = spec.get("name") or f"init-{i}"
            mounts = self._mounts(spec, main_mounts if spec.get("mirrorVolumeMounts") else None)
            c = self._container(name, spec, False, mounts)
            c.start(self.rt.bwrap)
            self.live.append(c)
            code = await c.wait()
            self.live.remove(c)
            if code != 0:
                self._init_failed = PodResult(
                    phase="Failed", exit_code=code, outputs={"exitCode": str(code)},
                    message=f'init container "{name}" failed: Error (exit code {code})')
                return False
        return True

    async def _start_sidecars(self, main_mounts: list[dict[str, Any]]) -> None:
        for i, spec in enumerate(self.pod.template.get("sidecars") or ()):
            name = spec.get("name") or f"sidecar-{i}"
            mounts = self._mounts(spec, main_mounts if spec.get("mirrorVolumeMounts") else None)
            c = self._container(name, spec, False, mounts)
            c.start(self.rt.bwrap)
            self.live.append(c)

    async def _stop_sidecars(self) -> None:
        for c in list(self.live):
            if c is not self.main:
                await c.stop()
                self.live.remove(c)

    async def _run_main(self, main: Container) -> int:
        self.main = main
        main.start(self.rt.bwrap)
        self.live.append(main)
        if self.pod.daemon:
            if await wait_ready(main, self.rt.bwrap):
                self._started()
        else:
            self._started()
        # Argo's executor reads the progress file while the container runs, too
        self._monitor = asyncio.get_running_loop().call_later(PROGRESS_TICK, self._report_progress)
        try:
            code = await main.wait()
        finally:
            self._monitor.cancel()
        self.live.remove(main)  # it has exited and is closed: nothing left to stop
        return code

    def _report_progress(self, reported: str | None = None) -> None:
        """Tell the engine a running main container's progress when it changed; look again later."""
        progress = self._progress()
        if progress and progress != reported and self.started:
            self.on_started(progress)
            reported = progress
        self._monitor = asyncio.get_running_loop().call_later(PROGRESS_TICK, self._report_progress, reported)

    def _started(self) -> None:
        if not self.started:
            self.started = True
            self.on_started()

    async def _run_container_set(self, cs: dict[str, Any]) -> PodResult:
        specs = list(cs.get("containers") or ())
        if not specs:
            raise RuntimeFailure("containerSet has no containers")
        names = [s.get("name") or f"c{i}" for i, s in enumerate(specs)]
        main_name = "main" if "main" in names else names[-1]
        shared = list(cs.get("volumeMounts") or ())
        containers = {
            n: self._container(n, s, n == main_name, self._mounts(s, shared)) for n, s in zip(names, specs)
        }
        for c in containers.values():
            c.capture = c.name == main_name
        codes: dict[str, asyncio.Future[int | None]] = {n: asyncio.get_running_loop().create_future()
                                                         for n in names}

        async def one(name: str, spec: dict[str, Any]) -> None:
            try:
                for dep in spec.get("dependencies") or ():
                    if dep not in codes:
                        raise RuntimeFailure(f'container "{name}" depends on unknown container "{dep}"')
                    if await codes[dep] != 0:
                        codes[name].set_result(None)
                        return
                c = containers[name]
                c.start(self.rt.bwrap)
                self.live.append(c)
                self._started()
                codes[name].set_result(await c.wait())
            except BaseException as e:
                if not codes[name].done():
                    codes[name].set_exception(e)
                raise

        self.main = containers[main_name]
        await asyncio.gather(*(one(n, s) for n, s in zip(names, specs)))
        ran_failed = [(n, codes[n].result()) for n in names if codes[n].result() not in (0, None)]
        if ran_failed:
            name, code = ran_failed[0]
            outputs = self.partial_outputs()
            outputs["exitCode"] = str(code)
            message = f"Error (exit code {code})" if name == main_name else \
                f'container "{name}" failed: Error (exit code {code})'
            return PodResult(phase="Failed", message=message, exit_code=code, outputs=outputs)
        main_code = codes[main_name].result()
        return await self._finish(self.main, main_code if main_code is not None else 0)

    # ---- outputs ------------------------------------------------------------------

    def partial_outputs(self) -> dict[str, Any]:
        """Whatever the main container produced so far (for failed nodes)."""
        main = self.main
        if main is None or main.proc is None:
            return {}
        out: dict[str, Any] = {"result": result_text(bytes(main.stdout_tail))}
        if main.proc.returncode is not None:
            out["exitCode"] = str(exit_code_of(main.proc.returncode))
        try:
            params = output_parameters(self.pod.template, main.plan, strict=False)
        except RuntimeFailure:
            params = []
        if params:
            out["parameters"] = params
        return out

    async def _finish(self, main: Container, code: int) -> PodResult:
        outputs: dict[str, Any] = {}
        ok = code == 0
        try:
            params = output_parameters(self.pod.template, main.plan, strict=ok)
            if (self.pod.template.get("outputs") or {}).get("artifacts"):
                arts = await asyncio.to_thread(
                    output_artifacts, self.pod.template, main.plan, self.repo,
                    self.pod.artifact_key_prefix, ok, self.scratch)
            else:
                arts = []
        except RuntimeFailure as e:
            outputs = self.partial_outputs()
            outputs["exitCode"] = str(code)
            return PodResult(phase="Error", message=str(e), exit_code=code, outputs=outputs)
        if params:
            outputs["parameters"] = params
        if arts:
            outputs["artifacts"] = arts
        outputs["result"] = result_text(bytes(main.stdout_tail))
        outputs["exitCode"] = str(code)
        if ok:
            return PodResult(phase="Succeeded", exit_code=0, outputs=outputs, progress=self._progress())
        return PodResult(phase="Failed", message=f"Error (exit code {code})", exit_code=code, outputs=outputs,
                         progress=self._progress())

    def _progress(self) -> str | None:
        """What the main container last wrote to its progress file (Argo reads it at exit too)."""
        return read_progress(self.progress_file[1]) if self.progress_file is not None else None

    async def stop_all(self) -> None:
        """Kill every container still running (cancellation, deadline, sidecars)."""
        while self.live:
            await self.live.pop().stop()


def _shm_dir() -> Path | None:
    """A private ``/dev/shm/argosy-<uid>`` directory, or None when /dev/shm is unusable."""
    shm = Path("/dev/shm")
    if not (shm.is_dir() and os.access(shm, os.W_OK)):
        return None
    d = shm / f"argosy-{os.getuid()}"
    try:
        d.mkdir(mode=0o700, exist_ok=True)
        st = d.stat()
    except OSError:
        return None
    if st.st_uid != os.getuid() or st.st_mode & 0o077:
        return None
    return d
