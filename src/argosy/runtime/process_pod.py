"""One pod on the process runtime: its init containers, main container(s) and sidecars as
sandboxed host processes sharing the pod's volumes, then its outputs.

:class:`~argosy.runtime.process.ProcessRuntime` makes one :class:`ProcessPod` per node it runs;
what the pod needs of the runtime (bubblewrap, the scratch base, the hidden host paths) it asks
of it. Split from ``process.py`` so that each file holds one concept: the runtime, and a pod.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from argosy.artifacts import ArchiveError, LocalRepository, PodArtifacts
from argosy.engine.arguments import has_location_or_key
from argosy.engine.intents import PodResult, PodSpec
from argosy.errors import ArgosyError, CommandNotFound, RuntimeFailure
from argosy.runtime.base import RunContext
from argosy.runtime.containers import SCRIPT_PATH, Container, exit_code_of
from argosy.runtime.images import BIN_DIR, argv_for
from argosy.runtime.limits import Limits
from argosy.runtime.logs import MAIN, read_log
from argosy.runtime.namespaces import (
    SANDBOX_GID,
    SANDBOX_UID,
    WorkflowNamespaces,
    own,
    reachable,
    runs_as_root,
)
from argosy.runtime.outputs import output_artifacts, output_parameters, result_text
from argosy.runtime.probes import wait_ready
from argosy.runtime.progress import PROGRESS_FILE, PROGRESS_TICK, read_progress
from argosy.runtime.sandbox import MountPlan, norm, under
from argosy.runtime.start_slots import StartSlot
from argosy.runtime.volumes import (
    VolumeSource,
    check_relative,
    container_env,
    data_subset,
    open_beneath,
    resolve_volumes,
)

if TYPE_CHECKING:
    from argosy.runtime.process import ProcessRuntime

BIN_DIR_TEXT = str(BIN_DIR)


def ended_message(container: Container, code: int) -> str:
    """How a failed container ended, as Kubernetes words its terminated state."""
    reason = "OOMKilled" if container.oom_killed else "Error"
    return f"{reason} (exit code {code})"


def remove_empty(scratch: str, tmp_dirs: list[str]) -> bool:
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


def reads_tmp(template: dict[str, Any], spec: dict[str, Any]) -> bool:
    """Whether the main container needs a host-visible ``/tmp``: an output is read from
    under it after exit, or its working directory is there."""
    outputs = template.get("outputs") or {}
    for o in (*(outputs.get("parameters") or ()), *(outputs.get("artifacts") or ())):
        p = o.get("path") or (o.get("valueFrom") or {}).get("path")
        if p and under(norm(p), "/tmp"):
            return True
    workdir = spec.get("workingDir")
    return bool(workdir) and under(norm(str(workdir)), "/tmp")


def make_dir(path: str) -> None:
    """Create a node's fresh scratch dir (its parents too), replacing a stale one."""
    try:
        os.mkdir(path)
    except FileExistsError:
        shutil.rmtree(path, ignore_errors=True)  # left by an earlier node of that name
        os.mkdir(path)
    except FileNotFoundError:
        os.makedirs(path, exist_ok=True)
    own(path)



class ProcessPod:
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
        #: the descriptor of the main container's progress file (see runtime/progress.py)
        self.progress_file: int | None = None
        self._monitor: asyncio.TimerHandle | None = None
        self._repo: LocalRepository | None = None
        self._artifacts: PodArtifacts | None = None
        self.ns: WorkflowNamespaces | None = None
        #: its place among the pods being set up (see runtime/start_slots.py), from ``execute``
        self.slot: StartSlot | None = None
        #: every container built (their plans hold descriptors until closed)
        self.built: list[Container] = []
        #: host paths no step may see: the data dir (store, logs, artifacts) and the scratch dir
        self.hidden = rt.hidden_paths(context)

    @property
    def repo(self) -> LocalRepository:
        if self._repo is None:
            self._repo = LocalRepository(self.context.artifact_dir)
        return self._repo

    @property
    def artifacts(self) -> PodArtifacts:
        """Where this pod's artifacts come from and go (built in the event loop's thread)."""
        if self._artifacts is None:
            try:
                self._artifacts = PodArtifacts.for_pod(
                    self.repo, self.context.secrets, self.context.artifact_repositories.get(self.pod.workflow_uid),
                    self.pod.template, self.pod.pod_name, self.pod.artifact_key_prefix)
            except ArgosyError as e:
                raise RuntimeFailure(f"failed to resolve the archive location: {e}") from e
        return self._artifacts

    # ---- setup --------------------------------------------------------------------

    def _scratch_dir(self) -> str:
        """The node's scratch dir, created on first use (most nodes never need one)."""
        if not self._scratch_made:
            make_dir(self.scratch)
            self._scratch_made = True
        return self.scratch

    def _host_network(self) -> bool:
        return self.rt.host_network or bool(self.pod.template.get("hostNetwork")) \
            or bool(getattr(self.pod, "host_network", False))

    def release(self) -> None:
        """Give back the workflow's namespaces; close what the containers still hold."""
        for c in self.built:
            c.plan.close()
        if self.ns is not None:
            self.rt.namespaces.release(self.pod.workflow_uid or self.pod.workflow_name, self.ns,
                                       asyncio.get_running_loop())
            self.ns = None

    async def _prepare(self) -> None:
        # a workflow's first node starts its namespaces' helpers (tens of ms of process
        # start-up): on a thread, so the loop goes on serving other workflows meanwhile
        self.ns = await self.rt.namespaces.acquire_async(self.pod.workflow_uid or self.pod.workflow_name,
                                                         self._host_network())
        if self.pod.volumes or self.pod.template.get("volumes"):
            self.volumes = resolve_volumes(self.pod, self.context, Path(self._scratch_dir()))
        self.commands = self.rt.commands

    def _load_inputs(self) -> None:
        arts = (self.pod.template.get("inputs") or {}).get("artifacts") or ()
        if not arts:
            return
        for i, art in enumerate(arts):
            path = art.get("path")
            if not path or (art.get("optional") and not has_location_or_key(art)):
                continue  # Argo's executor ignores an optional artifact that was not supplied
            dest = Path(self._scratch_dir()) / "inputs" / str(i) / (os.path.basename(path.rstrip("/")) or "artifact")
            try:
                if self.artifacts.load(art, dest):
                    own_tree(dest.parent)
                    self.inputs.append((path, str(dest)))
            except ArchiveError as e:
                raise RuntimeFailure(str(e)) from e

    def _container(self, name: str, spec: dict[str, Any], main: bool, mounts: list[dict[str, Any]],
                   argv: list[str] | None = None) -> Container:
        # the scratch root is created only if the plan needs the split layout, and /tmp is a
        # host directory only if something is read from it after the container exits
        if main and reads_tmp(self.pod.template, spec):
            tmp = f"{self._scratch_dir()}/tmp-{name}"
            os.mkdir(tmp)
            own(tmp)
            self.tmp_dirs.append(tmp)
            plan = MountPlan.new(f"{self.scratch}/root-{name}", tmp, self.hidden, self._doors())
        else:
            plan = MountPlan.new(f"{self.scratch}/root-{name}", hidden=self.hidden, doors=self._doors())
        if plan.mount_of(BIN_DIR_TEXT) is not None:
            # Argosy installed under /tmp (a CI checkout): the private /tmp would hide argosay
            plan.bind(BIN_DIR_TEXT, BIN_DIR_TEXT, readonly=True)
        assert self.ns is not None
        if self.rt.resolv_conf is not None and self.ns.outbound and os.path.exists("/etc/resolv.conf"):
            plan.overlays["/etc/resolv.conf"] = self.rt.resolv_conf
        try:
            self._mount_volumes(plan, name, mounts)
        except RuntimeFailure:
            plan.close()
            raise
        if main:
            if self.progress_file is None:
                self.progress_file = self.rt.progress_files.acquire()
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
        assert self.ns is not None
        c = Container(name=name, spec=spec, argv=argv, env=env, plan=plan,
                      journal=self.context.journal(self.pod.workflow_name),
                      log_name=(self.pod.pod_name, MAIN if main else name), workdir=workdir, capture=main,
                      prefix=self.ns.prefix, limits=Limits.of(spec), cgroups=self.rt.cgroups,
                      passed=[self.progress_file] if main and self.progress_file is not None else [])
        self.built.append(c)
        return c

    def _doors(self) -> dict[str, str]:
        """A door to the scratch dir when the steps' uid cannot reach it (root runs only)."""
        base = str(self.rt.scratch_base(self.context))
        if self.rt._scratch_reachable is None:
            self.rt._scratch_reachable = reachable(base + "/")
        if self.rt._scratch_reachable:
            return {}
        assert self.ns is not None
        fd = os.open(base, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            return {base: self.ns.door(fd, door_base(self.context))}
        finally:
            os.close(fd)

    def _mount_volumes(self, plan: MountPlan, name: str, mounts: list[dict[str, Any]]) -> None:
        """Bind each volume mount, every spec-given path resolved strictly inside its volume."""
        for i, vm in enumerate(mounts):
            src = self.volumes.get(vm.get("name", ""))
            if src is None:
                raise RuntimeFailure(f'volume "{vm.get("name")}" not found (container "{name}")')
            sub = str(vm.get("subPath") or "")
            field = f'container "{name}": volumeMounts[{i}].subPath'
            readonly = bool(vm.get("readOnly")) or src.readonly
            if src.files is not None:
                check_relative(sub, field)
                picked = data_subset(src.files, sub)
                if isinstance(picked, dict):
                    plan.data_dir(vm["mountPath"], picked)
                else:
                    plan.data_file(vm["mountPath"], picked)
                continue
            fd = open_beneath(src.path, sub, field)
            path = os.path.join(src.path, sub) if sub else src.path
            try:
                if not reachable(os.readlink(f"/proc/self/fd/{fd}")):
                    assert self.ns is not None
                    via = self.ns.door(fd, door_base(self.context))
                    os.close(fd)
                    fd = -1
                    plan.bind(vm["mountPath"], path, readonly=readonly, via=via)
                else:
                    plan.bind(vm["mountPath"], path, readonly=readonly, fd=fd)
            except BaseException:
                if fd >= 0:
                    os.close(fd)
                raise

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
        self.slot = await self.rt.start_slots.take()
        try:
            await self._prepare()
            if self.pod.template.get("inputs", {}).get("artifacts"):
                _ = self.artifacts  # resolve the archive location here, not in the loader's thread
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
        finally:
            self.slot.release()

    async def _run_init(self, main_mounts: list[dict[str, Any]]) -> bool:
        for i, spec in enumerate(self.pod.template.get("initContainers") or ()):
            name = spec.get("name") or f"init-{i}"
            mounts = self._mounts(spec, main_mounts if spec.get("mirrorVolumeMounts") else None)
            c = self._container(name, spec, False, mounts)
            self._launch(c)
            code = await c.wait()
            self.live.remove(c)
            if code != 0:
                self._init_failed = PodResult(
                    phase="Failed", exit_code=code, outputs={"exitCode": str(code)},
                    message=f'init container "{name}" failed: {ended_message(c, code)}')
                return False
        return True

    async def _start_sidecars(self, main_mounts: list[dict[str, Any]]) -> None:
        for i, spec in enumerate(self.pod.template.get("sidecars") or ()):
            name = spec.get("name") or f"sidecar-{i}"
            mounts = self._mounts(spec, main_mounts if spec.get("mirrorVolumeMounts") else None)
            c = self._container(name, spec, False, mounts)
            self._launch(c)

    async def _stop_sidecars(self) -> None:
        for c in list(self.live):
            if c is not self.main:
                await c.stop()
                self.live.remove(c)

    def _launch(self, c: Container) -> None:
        """Spawn a container; it is live (stopped with the pod) from then on."""
        c.start(self.rt.bwrap)
        self.live.append(c)
        if self.slot is not None:
            self.slot.spawned()

    async def _run_main(self, main: Container) -> int:
        self.main = main
        self._launch(main)
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
                self._launch(c)
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
            message = ended_message(containers[name], code) if name == main_name else \
                f'container "{name}" failed: {ended_message(containers[name], code)}'
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
                    output_artifacts, self.pod.template, main.plan, self.artifacts, self.pod.artifact_key_prefix, ok,
                    self.scratch)
            else:
                arts = []
            repo = self.context.artifact_repositories.get(self.pod.workflow_uid)
            if repo is not None and repo.archives_logs(self.pod.template):
                arts.append(await asyncio.to_thread(self._archive_log, self.artifacts))
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
        return PodResult(phase="Failed", message=ended_message(main, code), exit_code=code, outputs=outputs,
                         progress=self._progress())

    def _progress(self) -> str | None:
        """What the main container last wrote to its progress file (Argo reads it at exit too)."""
        return read_progress(self.progress_file) if self.progress_file is not None else None

    def _archive_log(self, artifacts: PodArtifacts) -> dict[str, Any]:
        """The main container's log saved as Argo's ``main-logs`` artifact (archiveLogs)."""
        data = read_log(self.context.data_dir, self.context.workflow_uid or self.pod.workflow_name, self.pod.pod_name, MAIN)
        try:
            return artifacts.save_log(MAIN, data)
        except (ArgosyError, OSError) as e:
            raise RuntimeFailure(f"failed to save the logs of {self.pod.pod_name}: {e}") from e

    async def stop_all(self) -> None:
        """Kill every container still running (cancellation, deadline, sidecars)."""
        while self.live:
            await self.live.pop().stop()


def own_tree(top: Path) -> None:
    """Give an input artifact Argosy fetched to the steps' uid (root runs), as Kubernetes'
    init container leaves it to the main container."""
    if not runs_as_root():
        return
    for d, dirs, files in os.walk(top):
        for n in (*dirs, *files):
            os.lchown(os.path.join(d, n), SANDBOX_UID, SANDBOX_GID)
    for d in (top, top.parent):
        own(str(d))


def door_base(context: RunContext) -> str:
    """Where doors are made: a directory the steps' uid can reach."""
    shm = shm_dir()
    base = "/tmp"
    if shm is not None:
        os.chmod(shm, 0o711)
        base = str(shm)
    # doors of a holder that is gone (Argosy was killed): their mounts went with it
    for e in os.scandir(base):
        pid = e.name.removeprefix("doors-")
        if e.name.startswith("doors-") and pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
            shutil.rmtree(e.path, ignore_errors=True)
    return base


def shm_dir() -> Path | None:
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
    if st.st_uid != os.getuid() or st.st_mode & 0o066:
        return None
    return d
