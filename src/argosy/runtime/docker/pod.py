"""One node as a pod of Docker containers, from creation to removal.

A pod's containers share what a Kubernetes pod's share: volumes, and one network
namespace. When a pod has more than one long-lived container (sidecars, a containerSet)
a holder container (:data:`~argosy.runtime.docker.daemon.PAUSE_IMAGE`, like the kubelet's
pause container) owns the namespace on the workflow's network and the others join it, so
``localhost`` is the pod's; a lone main container owns it itself. Outputs are copied out
of the main container after it exits (Docker's archive API reads a stopped container), and
every container is removed when the node ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import os
import shutil
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from argosy.artifacts import ArchiveError, LocalRepository, default_drivers, load_input
from argosy.engine.intents import PodResult, PodSpec
from argosy.errors import RuntimeFailure
from argosy.runtime.base import RunContext
from argosy.runtime.containers import SCRIPT_PATH, TAIL_LIMIT
from argosy.runtime.docker.config import argv_of, container_name, labels_of, limits_of, user_of
from argosy.runtime.docker.files import ExtractedFiles, extract, tar_of
from argosy.runtime.docker.probes import wait_ready
from argosy.runtime.docker.volumes import PodVolumes
from argosy.runtime.logs import MAIN
from argosy.runtime.outputs import output_artifacts, output_parameters, result_text
from argosy.runtime.volumes import container_env

if TYPE_CHECKING:
    from argosy.runtime.docker.runtime import DockerRuntime

#: Kubernetes' default terminationGracePeriodSeconds: SIGTERM, then SIGKILL this much later
GRACE_SECONDS = 30


class RunningContainer:
    """A created container: its id, its log stream and (for main) its stdout tail."""

    def __init__(self, cid: str, name: str, spec: dict[str, Any], log_name: str, capture: bool) -> None:
        self.id = cid
        self.name = name
        self.spec = spec
        self.log_name = log_name
        self.capture = capture
        self.stdout_tail = bytearray()
        self.logs: asyncio.Future[None] | None = None
        self.exit_code: int | None = None


class DockerPod:
    """The state of one node while its containers run."""

    def __init__(self, rt: DockerRuntime, pod: PodSpec, context: RunContext,
                 on_started: Callable[..., None]) -> None:
        self.rt = rt
        self.daemon = rt.daemon
        self.pod = pod
        self.context = context
        self.on_started = on_started
        self.started = False
        self.created: list[RunningContainer] = []
        self.main: RunningContainer | None = None
        self.holder: str | None = None
        self.network = ""
        self.scratch = context.data_dir / "docker" / f"{pod.workflow_uid or pod.workflow_name}_{pod.pod_name}"
        self.volumes = PodVolumes(self.daemon, pod, context, self.scratch)
        self.inputs: list[tuple[str, str]] = []
        self.script: str | None = None
        self.grace = _grace(pod.template)
        #: how the node ended when an init container failed
        self._init_failed = PodResult(phase="Failed")

    # ---- running ------------------------------------------------------------------

    async def execute(self) -> PodResult:
        tpl = self.pod.template
        try:
            specs = _all_specs(tpl)
            await asyncio.gather(*(self.daemon.ensure_image(str(s.get("image") or ""), s.get("imagePullPolicy"))
                                   for s in specs))
            self.network = await self.daemon.network(self.pod.workflow_uid, self.pod.workflow_name)
            await self.volumes.resolve()
            if (tpl.get("inputs") or {}).get("artifacts"):
                await asyncio.to_thread(self._load_inputs)
            if "containerSet" in tpl:
                return await self._run_container_set(tpl["containerSet"] or {})
            extra: tuple[str, ...] = ()
            if "script" in tpl:
                spec = {k: v for k, v in (tpl["script"] or {}).items() if k != "source"}
                self.script = str((tpl["script"] or {}).get("source", ""))
                extra = (SCRIPT_PATH,)
            elif "container" in tpl:
                spec = tpl["container"] or {}
            else:
                kinds = ", ".join(k for k in ("http", "data", "resource", "suspend", "steps", "dag") if k in tpl)
                raise RuntimeFailure(f"the docker runtime cannot run a {kinds or 'template without container'} "
                                     "template")
            if tpl.get("sidecars"):
                await self._start_holder()
            mounts = list(spec.get("volumeMounts") or ())
            if not await self._run_init(mounts):
                return self._init_failed
            await self._start_sidecars(mounts)
            main = await self._create("main", spec, "main", mounts, extra, capture=True)
            self.main = main
            await self._start(main)
            await self._report_started(main)
            code = await self._wait(main)
            await self._stop_sidecars()
            return await self._finish(main, code)
        except RuntimeFailure as e:
            return PodResult(phase="Error", message=str(e), outputs=await self.partial_outputs())
        except self.daemon.errors.APIError as e:
            return PodResult(phase="Error", message=f"docker: {getattr(e, 'explanation', None) or e}",
                             outputs=await self.partial_outputs())

    async def _report_started(self, main: RunningContainer) -> None:
        if self.pod.daemon:
            ip = await self.ip()
            if not await wait_ready(self.daemon, main.id, main.spec, ip):
                return
            self._started(ip)
        else:
            self._started(None)

    def _started(self, ip: str | None) -> None:
        if self.started:
            return
        self.started = True
        if ip is not None and _takes_ip(self.on_started):
            self.on_started(ip=ip)
        else:
            self.on_started()

    async def ip(self) -> str:
        """The pod's address on its workflow's network."""
        owner = self.holder or (self.main.id if self.main else "")
        info = await self.daemon.call(self.daemon.api.inspect_container, owner)
        nets = (info.get("NetworkSettings") or {}).get("Networks") or {}
        return str((nets.get(self.network) or {}).get("IPAddress") or "")

    async def _start_holder(self) -> None:
        image = await self.daemon.pause_image()
        api = self.daemon.api
        host = api.create_host_config(network_mode=self.network)
        created = await self.daemon.call(
            api.create_container, image, name=container_name(self.pod, "pod"), hostname=_hostname(self.pod),
            labels=labels_of(self.pod, "pod", "holder"), host_config=host, detach=True)
        holder = RunningContainer(created["Id"], "pod", {}, "pod", False)
        self.created.append(holder)
        await self.daemon.call(api.start, holder.id)
        self.holder = holder.id

    async def _create(self, name: str, spec: dict[str, Any], role: str, main_mounts: list[dict[str, Any]],
                      extra: tuple[str, ...] = (), capture: bool = False) -> RunningContainer:
        api = self.daemon.api
        # main gets exactly ``main_mounts``; init containers and sidecars their own, plus
        # main's with mirrorVolumeMounts
        mounts = main_mounts if role == "main" else [
            *(main_mounts if spec.get("mirrorVolumeMounts") else ()), *(spec.get("volumeMounts") or ())]
        entrypoint, cmd = argv_of(spec, extra)
        env = container_env(spec, self.pod, self.context, {}, name)
        host_kw: dict[str, Any] = {"binds": self.volumes.binds(mounts, name), "init": True,
                                   **limits_of(spec, name)}
        create_kw: dict[str, Any] = {}
        if self.holder is not None:
            host_kw["network_mode"] = f"container:{self.holder}"
        else:
            host_kw["network_mode"] = self.network
            create_kw["hostname"] = _hostname(self.pod)
            create_kw["networking_config"] = api.create_networking_config(
                {self.network: api.create_endpoint_config()})
        user = user_of(self.pod.template, spec)
        if spec.get("workingDir"):
            create_kw["working_dir"] = str(spec["workingDir"])
        create = functools.partial(
            api.create_container, str(spec.get("image")), command=cmd, entrypoint=entrypoint, environment=env,
            user=user, labels=labels_of(self.pod, name, role), name=container_name(self.pod, name),
            host_config=api.create_host_config(**host_kw), detach=True, stdin_open=False, tty=False,
            **create_kw)
        try:
            created = await self.daemon.call(create)
        except self.daemon.errors.APIError as e:
            if getattr(e, "status_code", None) != 409:
                raise
            # a pod of the same node that podGC kept (a retried workflow reruns the node): Argo's
            # retry deletes the old pod first, so does this
            await self.daemon.call(self.daemon._quiet, api.remove_container, container_name(self.pod, name),
                                   force=True)
            created = await self.daemon.call(create)
        c = RunningContainer(created["Id"], name, spec, MAIN if role == "main" else name, capture)
        self.created.append(c)
        if role == "main":
            files = [(SCRIPT_PATH, self.script, 0o755)] if self.script is not None else []
            if files or self.inputs:
                data = await asyncio.to_thread(tar_of, files, self.inputs)
                await self.daemon.call(api.put_archive, c.id, "/", data)
        return c

    async def _start(self, c: RunningContainer) -> None:
        """Attach to the container's output, then start it (nothing it writes is missed)."""
        api = self.daemon.api
        stream = await self.daemon.call(api.attach, c.id, stdout=True, stderr=True, stream=True, logs=True,
                                        demux=True)
        c.logs = asyncio.ensure_future(self.daemon.call(self._follow, c, stream))
        await self.daemon.call(api.start, c.id)

    def _follow(self, c: RunningContainer, stream: Any) -> None:
        """Copy a container's output into the workflow's log journal (in a pool thread)."""
        closing = _closer(stream)
        journal = self.context.journal(self.pod.workflow_name)
        pod = self.pod.pod_name
        tail = c.stdout_tail
        try:
            # the stream ends with the container, however it ends (a reset socket included)
            with contextlib.suppress(Exception):
                for out, err in stream:
                    if out:
                        journal.write(pod, c.log_name, "stdout", out)
                        if c.capture:
                            tail += out
                            if len(tail) > TAIL_LIMIT:
                                del tail[: len(tail) - (TAIL_LIMIT // 2 + 1)]
                    if err:
                        journal.write(pod, c.log_name, "stderr", err)
        finally:
            closing()

    async def _wait(self, c: RunningContainer) -> int:
        api = self.daemon.api
        status = await self.daemon.call(api.wait, c.id, timeout=None)
        if c.logs is not None:
            await c.logs
        c.exit_code = int(status.get("StatusCode", -1))
        return c.exit_code

    async def _run_init(self, main_mounts: list[dict[str, Any]]) -> bool:
        for i, spec in enumerate(self.pod.template.get("initContainers") or ()):
            name = spec.get("name") or f"init-{i}"
            c = await self._create(name, spec, "init", main_mounts)
            await self._start(c)
            code = await self._wait(c)
            if code != 0:
                self._init_failed = PodResult(
                    phase="Failed", exit_code=code, outputs={"exitCode": str(code)},
                    message=f'init container "{name}" failed: {await self._reason(c, code)}')
                return False
        return True

    async def _start_sidecars(self, main_mounts: list[dict[str, Any]]) -> None:
        for i, spec in enumerate(self.pod.template.get("sidecars") or ()):
            name = spec.get("name") or f"sidecar-{i}"
            c = await self._create(name, spec, "sidecar", main_mounts)
            await self._start(c)

    async def _stop_sidecars(self) -> None:
        others = [c for c in self.created if c is not self.main and c.exit_code is None and c.id != self.holder]
        await asyncio.gather(*(self._stop(c, self.grace) for c in others))

    async def _stop(self, c: RunningContainer, grace: float) -> None:
        """SIGTERM (the image's stop signal), SIGKILL after ``grace`` seconds."""
        try:
            await self.daemon.call(self.daemon.api.stop, c.id, timeout=int(grace))
        except self.daemon.errors.APIError:
            pass
        if c.logs is not None:
            await asyncio.wait([c.logs], timeout=5)

    async def _reason(self, c: RunningContainer, code: int) -> str:
        """Argo's wording for how a container ended: ``OOMKilled (exit code 137)`` or
        ``Error (exit code N)``."""
        info = await self.daemon.call(self.daemon.api.inspect_container, c.id)
        if (info.get("State") or {}).get("OOMKilled"):
            return f"OOMKilled (exit code {code})"
        return f"Error (exit code {code})"

    async def _run_container_set(self, cs: dict[str, Any]) -> PodResult:
        specs = list(cs.get("containers") or ())
        if not specs:
            raise RuntimeFailure("containerSet has no containers")
        names = [s.get("name") or f"c{i}" for i, s in enumerate(specs)]
        for name, spec in zip(names, specs):
            for dep in spec.get("dependencies") or ():
                if dep not in names:
                    raise RuntimeFailure(f'container "{name}" depends on unknown container "{dep}"')
        main_name = "main" if "main" in names else names[-1]
        shared = list(cs.get("volumeMounts") or ())
        if len(specs) > 1:
            await self._start_holder()
        made: dict[str, RunningContainer] = {}
        for n, s in zip(names, specs):
            mounts = [*shared, *(s.get("volumeMounts") or ())]
            made[n] = await self._create(n, s, "main", mounts, capture=n == main_name)
            made[n].log_name = MAIN if n == main_name else n
        self.main = made[main_name]
        codes: dict[str, asyncio.Future[int | None]] = {n: asyncio.get_running_loop().create_future()
                                                         for n in names}

        async def one(name: str, spec: dict[str, Any]) -> None:
            try:
                for dep in spec.get("dependencies") or ():
                    if await codes[dep] != 0:
                        codes[name].set_result(None)
                        return
                await self._start(made[name])
                self._started(None)
                codes[name].set_result(await self._wait(made[name]))
            except BaseException as e:
                if not codes[name].done():
                    codes[name].set_exception(e)
                raise

        await asyncio.gather(*(one(n, s) for n, s in zip(names, specs)))
        failed = [(n, codes[n].result()) for n in names if codes[n].result() not in (0, None)]
        if failed:
            name, code = failed[0]
            assert code is not None
            outputs = await self.partial_outputs()
            outputs["exitCode"] = str(code)
            reason = await self._reason(made[name], code)
            message = reason if name == main_name else f'container "{name}" failed: {reason}'
            return PodResult(phase="Failed", message=message, exit_code=code, outputs=outputs)
        main_code = codes[main_name].result()
        return await self._finish(self.main, main_code if main_code is not None else 0)

    # ---- inputs and outputs -------------------------------------------------------

    def _load_inputs(self) -> None:
        arts = (self.pod.template.get("inputs") or {}).get("artifacts") or ()
        drivers = default_drivers(LocalRepository(self.context.artifact_dir))
        for i, art in enumerate(arts):
            path = art.get("path")
            if not path:
                continue
            dest = self.scratch / "inputs" / str(i) / (os.path.basename(path.rstrip("/")) or "artifact")
            try:
                if load_input(art, dest, drivers):
                    self.inputs.append((path, str(dest)))
            except ArchiveError as e:
                raise RuntimeFailure(str(e)) from e

    async def _copy_outputs(self, main: RunningContainer) -> ExtractedFiles:
        """Copy every output path out of the (exited) main container."""
        files = ExtractedFiles(self.scratch / "out")
        outputs = self.pod.template.get("outputs") or {}
        paths = {o.get("path") or (o.get("valueFrom") or {}).get("path")
                 for o in (*(outputs.get("parameters") or ()), *(outputs.get("artifacts") or ()))}
        for path in sorted(p for p in paths if p):
            try:
                stream, _stat = await self.daemon.call(self.daemon.api.get_archive, main.id, path)
                await self.daemon.call(extract, stream, files.dir_for(path), files.root)
            except self.daemon.errors.NotFound:
                continue  # (the readers say what is missing, or use a default)
        return files

    async def partial_outputs(self) -> dict[str, Any]:
        """What the main container produced so far (for nodes that failed or were stopped)."""
        main = self.main
        if main is None:
            return {}
        out: dict[str, Any] = {"result": result_text(bytes(main.stdout_tail))}
        if main.exit_code is not None:
            out["exitCode"] = str(main.exit_code)
        try:
            params = output_parameters(self.pod.template, await self._copy_outputs(main),  # type: ignore[arg-type]
                                       strict=False)
        except (RuntimeFailure, self.daemon.errors.APIError):
            params = []
        if params:
            out["parameters"] = params
        return out

    async def _finish(self, main: RunningContainer, code: int) -> PodResult:
        ok = code == 0
        outputs: dict[str, Any] = {}
        try:
            files = await self._copy_outputs(main)
            params = output_parameters(self.pod.template, files, strict=ok)  # type: ignore[arg-type]
            arts: list[dict[str, Any]] = []
            if (self.pod.template.get("outputs") or {}).get("artifacts"):
                arts = await asyncio.to_thread(
                    output_artifacts, self.pod.template, files, LocalRepository(self.context.artifact_dir),  # type: ignore[arg-type]
                    self.pod.artifact_key_prefix, ok, str(self.scratch))
        except RuntimeFailure as e:
            outputs = {"result": result_text(bytes(main.stdout_tail)), "exitCode": str(code)}
            return PodResult(phase="Error", message=str(e), exit_code=code, outputs=outputs)
        if params:
            outputs["parameters"] = params
        if arts:
            outputs["artifacts"] = arts
        outputs["result"] = result_text(bytes(main.stdout_tail))
        outputs["exitCode"] = str(code)
        if ok:
            return PodResult(phase="Succeeded", exit_code=0, outputs=outputs)
        return PodResult(phase="Failed", message=await self._reason(main, code), exit_code=code, outputs=outputs)

    # ---- ending -------------------------------------------------------------------

    async def stop_all(self, grace: float | None = None) -> None:
        """Stop every container still running: SIGTERM, SIGKILL after the grace period."""
        live = [c for c in self.created if c.exit_code is None and c.id != self.holder]
        await asyncio.gather(*(self._stop(c, self.grace if grace is None else grace) for c in live))

    async def remove(self) -> None:
        """Remove the pod's containers, its emptyDir volumes and its scratch directory."""
        api = self.daemon.api
        await asyncio.gather(*(self.daemon.call(self.daemon._quiet, api.remove_container, c.id, force=True)
                               for c in reversed(self.created)))
        await self.volumes.remove()
        if self.scratch.exists():
            await asyncio.to_thread(shutil.rmtree, self.scratch, True)


def _all_specs(tpl: dict[str, Any]) -> list[dict[str, Any]]:
    """Every container spec of a template (for image checks before anything starts)."""
    out = [*(tpl.get("initContainers") or ()), *(tpl.get("sidecars") or ())]
    for kind in ("container", "script"):
        if tpl.get(kind) is not None:
            out.append(tpl[kind])
    if tpl.get("containerSet") is not None:
        out.extend((tpl["containerSet"] or {}).get("containers") or ())
    return out


def _grace(template: dict[str, Any]) -> float:
    """The pod's termination grace period (from a ``podSpecPatch`` when it sets one)."""
    patch = template.get("podSpecPatch")
    if isinstance(patch, str) and "terminationGracePeriodSeconds" in patch:
        import yaml

        try:
            value = (yaml.safe_load(patch) or {}).get("terminationGracePeriodSeconds")
            return float(value)
        except (yaml.YAMLError, AttributeError, TypeError, ValueError):
            pass
    return GRACE_SECONDS


def _hostname(pod: PodSpec) -> str:
    return pod.pod_name[:63].rstrip("-.") or "pod"


def _takes_ip(fn: Callable[..., None]) -> bool:
    """Whether ``on_started`` accepts the pod's IP (a controller that records it)."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False
    return bool(params) and params[0].kind in (inspect.Parameter.POSITIONAL_ONLY,
                                               inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                               inspect.Parameter.VAR_POSITIONAL)


def _closer(stream: Any) -> Callable[[], None]:
    """What closes an attach stream and its socket (the SDK leaves both to its caller, and
    the socket outlives the HTTP response that wraps it): taken before reading, since a
    finished response forgets its socket."""
    response = getattr(stream, "_response", None)
    fp = getattr(getattr(getattr(response, "raw", None), "_fp", None), "fp", None)
    sock = getattr(getattr(fp, "raw", None), "_sock", None)

    def close() -> None:
        for closable in (fp, sock, response):
            if closable is not None:
                with contextlib.suppress(Exception):  # (closed already)
                    closable.close()

    return close
