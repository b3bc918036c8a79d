"""A pod's volumes on Docker: host directories for what the node makes, Docker volumes for claims.

``emptyDir``, ``configMap``, ``secret`` and ``hostPath`` are made on the host by the process
runtime's :func:`~argosy.runtime.volumes.resolve_volumes` and bind-mounted; a
``persistentVolumeClaim`` is a named Docker volume that outlives workflows, as a PVC does;
a ``volumeClaimTemplates`` claim is a Docker volume of the workflow, removed with it.
"""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from argosy.engine.intents import PodSpec
from argosy.errors import RuntimeFailure
from argosy.runtime.base import RunContext
from argosy.runtime.docker.config import LABEL_UID, LABEL_WORKFLOW
from argosy.runtime.sandbox import norm
from argosy.runtime.volumes import resolve_volumes

if TYPE_CHECKING:
    from argosy.runtime.docker.daemon import DockerDaemon

HOST_KINDS = ("emptyDir", "configMap", "secret", "hostPath")
LABEL_CLAIM = "io.argosy.claim"


@dataclasses.dataclass(frozen=True, slots=True)
class Source:
    """What a volume mount binds: a host directory or a Docker volume."""

    source: str
    readonly: bool = False
    docker_volume: bool = False


def claim_volume(claim: str) -> str:
    """The Docker volume of a PersistentVolumeClaim."""
    return "argosy-claim-" + re.sub(r"[^a-zA-Z0-9_.-]", "-", claim)


class PodVolumes:
    """The volumes one pod can mount, by name."""

    def __init__(self, daemon: DockerDaemon, pod: PodSpec, context: RunContext, scratch: Path) -> None:
        self.daemon = daemon
        self.pod = pod
        self.context = context
        self.scratch = scratch
        self.sources: dict[str, Source] = {}

    async def resolve(self) -> None:
        """Make every volume of the pod exist (host directories, Docker volumes)."""
        vols = [v for v in (*self.pod.volumes, *(self.pod.template.get("volumes") or ())) if v.get("name")]
        if not vols:
            return
        host = [v for v in vols if any(k in v for k in HOST_KINDS)]
        if host:
            spec = dataclasses.replace(self.pod, volumes=tuple(host), template={**self.pod.template, "volumes": []})
            for name, src in resolve_volumes(spec, self.context, self.scratch).items():
                if any("emptyDir" in v for v in host if v["name"] == name):
                    # anyone in the pod may write an emptyDir, whatever runAsUser says
                    os.chmod(src.path, 0o777)
                path = src.path if src.files is None else _write_files(src.files, self.scratch, name)
                self.sources[name] = Source(path, src.readonly or src.files is not None)
        for vol in vols:
            name = vol["name"]
            if name in self.sources:
                continue
            if "persistentVolumeClaim" in vol:
                pvc = vol["persistentVolumeClaim"] or {}
                claim = str(pvc.get("claimName") or name)
                volume = claim_volume(claim)
                await self.daemon.call(self._make, volume, {LABEL_CLAIM: claim})
                self.sources[name] = Source(volume, bool(pvc.get("readOnly")), docker_volume=True)
            elif len(vol) == 1:
                volume = f"argosy-{self.pod.workflow_uid}-{name}"
                await self.daemon.call(self._make, volume, {LABEL_UID: self.pod.workflow_uid,
                                                            LABEL_WORKFLOW: self.pod.workflow_name})
                self.sources[name] = Source(volume, docker_volume=True)
            else:
                kinds = ", ".join(k for k in vol if k != "name")
                raise RuntimeFailure(f'volume "{name}": {kinds} volumes are not supported by the docker runtime')

    def _make(self, volume: str, labels: dict[str, str]) -> None:
        api = self.daemon.api
        try:
            api.inspect_volume(volume)
        except self.daemon.errors.NotFound:
            api.create_volume(volume, labels=labels)

    def binds(self, mounts: list[dict[str, Any]], container: str) -> list[str]:
        """Docker ``binds`` (``source:target:mode``) for a container's ``volumeMounts``."""
        out: list[str] = []
        for vm in mounts:
            src = self.sources.get(vm.get("name", ""))
            if src is None:
                raise RuntimeFailure(f'volume "{vm.get("name")}" not found (container "{container}")')
            source = src.source
            sub = str(vm.get("subPath") or "")
            if sub:
                base = self._host_dir(src)
                # a subPath never leaves its volume
                path = os.path.normpath(os.path.join(base, norm(sub).lstrip("/")))
                os.makedirs(path, exist_ok=True)
                source = path
            mode = "ro" if vm.get("readOnly") or src.readonly else "rw"
            out.append(f"{source}:{norm(str(vm['mountPath']))}:{mode}")
        return out

    def _host_dir(self, src: Source) -> str:
        if not src.docker_volume:
            return src.source
        info = self.daemon.api.inspect_volume(src.source)
        return str(info["Mountpoint"])

    async def remove(self) -> None:
        """Nothing to remove but host directories (under the pod's scratch dir); claims stay."""


def _write_files(files: dict[str, Any], scratch: str, name: str) -> str:
    """A ConfigMap or Secret volume's keys as files a container can bind (the process runtime
    keeps them inside its sandbox; a container needs them on the host, in the pod's scratch)."""
    root = os.path.join(scratch, "data-volumes", name)
    for rel, data_file in files.items():
        dest = os.path.join(root, norm(rel).lstrip("/"))
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "wb") as out:
            out.write(data_file.data)
        os.chmod(dest, data_file.mode)
    os.makedirs(root, exist_ok=True)
    return root
