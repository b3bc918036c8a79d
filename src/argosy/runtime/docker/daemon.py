"""The connection to the local Docker Engine: its API client, images, networks, volumes.

The ``docker`` SDK is blocking and slow to import, so it is imported on first use (the
process runtime's start-up never pays for it) and every call runs in a private thread pool:
``api.wait`` and log streams block for as long as a container runs, and must not starve the
event loop's default executor.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import io
import platform
import struct
import tarfile
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from argosy.errors import RuntimeFailure
from argosy.runtime.docker.config import LABEL_UID, LABEL_WORKFLOW

T = TypeVar("T")

INSTALL_HINT = ("install and start Docker (Debian/Ubuntu: apt-get install -y docker.io && dockerd &), "
                "and pip install docker")
#: the image of the container that holds a pod's network namespace, built here on demand
PAUSE_IMAGE = "argosy/pause:1"
THREADS = 256


def _pause_elf() -> bytes:
    """A static x86-64 ELF that waits in ``pause()`` forever (what Kubernetes' pause does):
    62 bytes of code and headers, so no registry is needed for it."""
    code = bytes([0xB8, 0x22, 0, 0, 0, 0x0F, 0x05, 0xEB, 0xF7])  # mov eax,34 (pause); syscall; jmp
    base, header, phdr = 0x400000, 64, 56
    size = header + phdr + len(code)
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    elf = ident + struct.pack("<HHIQQQIHHHHHH", 2, 0x3E, 1, base + header + phdr, header, 0, 0,
                              header, phdr, 1, 0, 0, 0)
    elf += struct.pack("<IIQQQQQQ", 1, 5, 0, base, base, size, size, 0x1000)
    return elf + code


class DockerDaemon:
    """A lazily connected client of the local Docker Engine."""

    def __init__(self, base_url: str | None = None) -> None:
        self.base_url = base_url
        self._api: Any = None
        self._errors: Any = None
        self.pool = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="argosy-docker")
        #: workflow uid -> its network's name (made already)
        self._networks: dict[str, str] = {}
        self._inflight: dict[tuple[str, str], asyncio.Future[Any]] = {}
        self._images: dict[str, bool] = {}
        self._pulled: set[str] = set()

    @property
    def api(self) -> Any:
        """The SDK's low-level ``APIClient`` (connects on first use)."""
        if self._api is None:
            try:
                import docker
                import docker.errors
            except ImportError as e:
                raise RuntimeFailure(f"the docker runtime needs the docker SDK: {INSTALL_HINT}") from e
            failure = None
            try:
                if self.base_url is None:
                    client = docker.from_env(timeout=120, max_pool_size=THREADS)
                    self._api = client.api
                else:
                    self._api = docker.APIClient(base_url=self.base_url, timeout=120, max_pool_size=THREADS)
            except docker.errors.DockerException as e:
                failure = f"cannot reach the Docker Engine: {e}; {INSTALL_HINT}"
            if failure is not None:
                # outside the except block: its traceback no longer holds the refused socket
                _collect_failed_connection()
                raise RuntimeFailure(failure)
            self._errors = docker.errors
        return self._api

    @property
    def errors(self) -> Any:
        """``docker.errors`` (after :attr:`api` connected)."""
        _ = self.api
        return self._errors

    def check(self) -> None:
        """Raise :class:`RuntimeFailure` unless the Docker Engine answers."""
        try:
            self.api.ping()
        except RuntimeFailure:
            raise
        except Exception as e:
            raise RuntimeFailure(f"cannot reach the Docker Engine: {e}; {INSTALL_HINT}") from e

    async def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking SDK call in the daemon's thread pool."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, functools.partial(fn, *args, **kwargs))

    # ---- images -------------------------------------------------------------------

    async def ensure_image(self, image: str, policy: str | None) -> None:
        """Make ``image`` available per ``imagePullPolicy`` against the local image store,
        or fail the way a kubelet does when it cannot pull."""
        if not image:
            raise RuntimeFailure("a container has no image")
        policy = policy or ("Always" if image.endswith(":latest") or ":" not in image.rsplit("/", 1)[-1]
                            else "IfNotPresent")
        present = self._images.get(image)
        if present is None:
            present = await self.call(self._present, image)
        if policy == "Never":
            if not present:
                raise RuntimeFailure(f'ErrImageNeverPull: Container image "{image}" is not present with pull '
                                     "policy of Never")
        elif image not in self._pulled and (policy == "Always" or not present):
            # one pull per image per runtime: "Always" means "as fresh as the registry", not
            # one round trip per pod
            self._pulled.add(image)
            try:
                await self.call(self.api.pull, image)
                present = True
            except self.errors.APIError as e:
                # offline: a local copy still runs, as a registry mirror would serve it
                if not present:
                    self._pulled.discard(image)
                    raise RuntimeFailure(f'ErrImagePull: Back-off pulling image "{image}": {_explain(e)}') from e
        elif not present:
            raise RuntimeFailure(f'ErrImagePull: Back-off pulling image "{image}": not in the local image store')
        self._images[image] = present

    def _present(self, image: str) -> bool:
        try:
            self.api.inspect_image(image)
            return True
        except self.errors.ImageNotFound:
            return False

    async def pause_image(self) -> str:
        """The pod holder's image, imported once from :func:`_pause_elf`."""
        if PAUSE_IMAGE not in self._images:
            await self._once(("image", PAUSE_IMAGE), self._import_pause)
            self._images[PAUSE_IMAGE] = True
        return PAUSE_IMAGE

    async def _once(self, key: tuple[str, str], fn: Callable[[], T]) -> T:
        """Run ``fn`` in the pool once for concurrent callers with the same ``key``."""
        fut = self._inflight.get(key)
        if fut is None or fut.get_loop() is not asyncio.get_running_loop():
            fut = self._inflight[key] = asyncio.ensure_future(self.call(fn))
        try:
            return await asyncio.shield(fut)
        finally:
            if fut.done() and self._inflight.get(key) is fut:
                del self._inflight[key]

    def _import_pause(self) -> None:
        if self._present(PAUSE_IMAGE):
            return
        if platform.machine() not in ("x86_64", "AMD64"):
            raise RuntimeFailure(f"sidecars in the docker runtime need an x86-64 host (this is {platform.machine()})")
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            data = _pause_elf()
            info = tarfile.TarInfo("pause")
            info.size, info.mode = len(data), 0o755
            tar.addfile(info, io.BytesIO(data))
        repo, _, tag = PAUSE_IMAGE.partition(":")
        self.api.import_image_from_data(buf.getvalue(), repository=repo, tag=tag,
                                        changes=['ENTRYPOINT ["/pause"]'])

    # ---- networks -----------------------------------------------------------------

    def network_name(self, workflow_uid: str) -> str:
        return f"argosy-{workflow_uid}"

    async def network(self, workflow_uid: str, workflow_name: str) -> str:
        """The workflow's own bridge network (created once): its steps reach each other by
        IP and nothing else (``internal``: no route out, no other workflow)."""
        name = self._networks.get(workflow_uid)
        if name is None:
            name = await self._once(("network", workflow_uid),
                                    functools.partial(self._make_network, workflow_uid, workflow_name))
            self._networks[workflow_uid] = name
        return name

    def _make_network(self, workflow_uid: str, workflow_name: str) -> str:
        name = self.network_name(workflow_uid)
        if self.api.networks(names=[name]):
            return name
        self.api.create_network(name, driver="bridge", internal=True, check_duplicate=True,
                                labels={LABEL_UID: workflow_uid, LABEL_WORKFLOW: workflow_name})
        return name

    async def remove_workflow(self, workflow_uid: str) -> None:
        """Remove everything of a workflow: containers, network, claim volumes."""
        self._networks.pop(workflow_uid, None)
        await self.call(self._remove_workflow, workflow_uid)

    def _remove_workflow(self, workflow_uid: str) -> None:
        self.remove_containers(workflow_uid)
        self.remove_networks(workflow_uid)
        self.remove_volumes(workflow_uid)

    def remove_containers(self, workflow_uid: str) -> None:
        """Remove every container of a workflow (blocking: call through :meth:`call`)."""
        for c in self.api.containers(all=True, filters={"label": f"{LABEL_UID}={workflow_uid}"}):
            self._quiet(self.api.remove_container, c["Id"], force=True)

    def remove_networks(self, workflow_uid: str) -> None:
        """Remove a workflow's network (blocking)."""
        self._networks.pop(workflow_uid, None)
        for n in self.api.networks(filters={"label": f"{LABEL_UID}={workflow_uid}"}):
            self._quiet(self.api.remove_network, n["Id"])

    def remove_volumes(self, workflow_uid: str) -> None:
        """Remove a workflow's claim volumes (blocking)."""
        for v in (self.api.volumes(filters={"label": f"{LABEL_UID}={workflow_uid}"}) or {}).get("Volumes") or ():
            self._quiet(self.api.remove_volume, v["Name"], force=True)

    def _quiet(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
        """A clean-up call whose target may already be gone."""
        try:
            fn(*args, **kwargs)
        except self.errors.NotFound:
            pass
        except self.errors.APIError:
            pass

    def close(self) -> None:
        """Let go of the engine: the thread pool and the API client's connections."""
        self.pool.shutdown(wait=False, cancel_futures=True)
        if self._api is not None:
            self._api.close()
            self._api = None


def _collect_failed_connection() -> None:
    """The SDK leaves a refused connection's socket to the garbage collector (a ResourceWarning
    in whatever runs next): close it now, quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def _explain(e: Any) -> str:
    return str(getattr(e, "explanation", None) or e)
