"""Volumes and environment of a node, from the pod spec and the run's ConfigMaps/Secrets.

Every path the spec gives (``subPath``, ``items[].path``, a claim's name) is checked as
Kubernetes checks it (relative, no ``..``) and resolved strictly inside its volume: one
component at a time, refusing symbolic links, so a link a step left in a shared volume
cannot send a later mount elsewhere on the host. ConfigMap and Secret volumes are never
written to the host: their files exist only inside each sandbox (see
:class:`~argosy.runtime.sandbox.DataFile`).
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argosy.engine.intents import PodSpec
from argosy.errors import RuntimeFailure
from argosy.lint.paths import claim_name_problem, relative_path_problem
from argosy.runtime.base import RunContext
from argosy.runtime.namespaces import SANDBOX_GID, SANDBOX_UID, runs_as_root
from argosy.runtime.sandbox import DataFile, makedirs_owned, norm

#: host variables a step still sees (locale, time zone, identity); everything else is the pod's
PASSED_ENV = ("HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ")


@dataclass(frozen=True, slots=True)
class VolumeSource:
    """Where a volume's files are: a host directory, or (``files``) only in the sandbox."""

    path: str
    readonly: bool = False
    files: dict[str, DataFile] | None = None


def check_relative(path: str, field: str) -> str:
    """``path``, or RuntimeFailure naming ``field`` when it could leave its volume."""
    problem = relative_path_problem(path)
    if problem:
        raise RuntimeFailure(f'{field}: Invalid value: "{path}": {problem}')
    return path


def open_beneath(root: str, rel: str, field: str, create: bool = True) -> int:
    """An ``O_PATH`` descriptor of ``root/rel``, walked one component at a time without
    following a symbolic link, creating missing directories (owned by the steps' uid)."""
    check_relative(rel, field)
    fd = os.open(root, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in (p for p in rel.split("/") if p and p != "."):
            try:
                nfd = os.open(part, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
            except FileNotFoundError:
                if not create:
                    raise
                os.mkdir(part, dir_fd=fd)
                if runs_as_root():
                    os.chown(part, SANDBOX_UID, SANDBOX_GID, dir_fd=fd, follow_symlinks=False)
                nfd = os.open(part, os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd)
            os.close(fd)
            fd = nfd
            if stat.S_ISLNK(os.fstat(fd).st_mode):
                raise RuntimeFailure(f'{field} "{rel}" goes through the symbolic link "{part}": '
                                     "a path inside a volume must not leave it")
        return fd
    except OSError as e:
        os.close(fd)
        raise RuntimeFailure(f'{field} "{rel}": {e.strerror or e}') from e
    except RuntimeFailure:
        os.close(fd)
        raise


def _items(source: dict[str, Any], data: dict[str, str], field: str) -> dict[str, DataFile]:
    """ConfigMap/Secret ``items`` projection: relative file path -> file."""
    default = source.get("defaultMode")
    mode = int(default) if isinstance(default, int) else 0o644
    items = source.get("items")
    if not items:
        return {k: DataFile(v.encode(), mode) for k, v in data.items()}
    out: dict[str, DataFile] = {}
    for i, item in enumerate(items):
        if item["key"] in data:
            path = item.get("path") or item["key"]
            check_relative(path, f"{field}.items[{i}].path")
            m = item.get("mode")
            out[norm(path).lstrip("/")] = DataFile(data[item["key"]].encode(),
                                                   int(m) if isinstance(m, int) else mode)
    return out


def data_subset(files: dict[str, DataFile], sub: str) -> DataFile | dict[str, DataFile]:
    """The files of a ConfigMap/Secret volume under ``subPath`` ``sub``, or the one it names."""
    sub = norm(sub).lstrip("/")
    if not sub:
        return files
    if sub in files:
        return files[sub]
    return {k[len(sub) + 1:]: f for k, f in files.items() if k.startswith(sub + "/")}


def resolve_volumes(pod: PodSpec, context: RunContext, scratch: Path) -> dict[str, VolumeSource]:
    """Where every volume the node can mount is, by volume name.

    emptyDir -> per-node scratch; persistentVolumeClaim -> ``volumes/claims/<claimName>``
    (shared like a PVC); a bare ``{name}`` (from ``volumeClaimTemplates``) -> ``volumes/<workflow>/<name>``;
    hostPath -> the host path; configMap/secret -> files that exist only in the sandbox.
    """
    out: dict[str, VolumeSource] = {}
    for vol in (*pod.volumes, *(pod.template.get("volumes") or ())):
        name = vol.get("name")
        if not name:
            continue
        if "emptyDir" in vol:
            p = scratch / "volumes" / name
            makedirs_owned(str(p))
            out[name] = VolumeSource(str(p))
        elif "persistentVolumeClaim" in vol:
            claim = str((vol["persistentVolumeClaim"] or {}).get("claimName") or name)
            problem = claim_name_problem(claim)
            if problem:
                raise RuntimeFailure(f'volume "{name}": persistentVolumeClaim.claimName: Invalid value: '
                                     f'"{claim}": {problem}')
            p = context.data_dir / "volumes" / "claims" / claim
            makedirs_owned(str(p))
            out[name] = VolumeSource(str(p), bool(vol["persistentVolumeClaim"].get("readOnly")))
        elif "hostPath" in vol:
            hp = vol["hostPath"] or {}
            path = str(hp.get("path", ""))
            if hp.get("type") in ("DirectoryOrCreate",) and path:
                os.makedirs(path, exist_ok=True)
            out[name] = VolumeSource(path)
        elif "configMap" in vol:
            src = vol["configMap"] or {}
            data = context.configmaps.get(src.get("name", ""))
            if data is None and not src.get("optional"):
                raise RuntimeFailure(f'configmap "{src.get("name")}" not found (volume "{name}")')
            out[name] = VolumeSource("", readonly=True,
                                     files=_items(src, data or {}, f'volume "{name}": configMap'))
        elif "secret" in vol:
            src = vol["secret"] or {}
            data = context.secrets.get(src.get("secretName", ""))
            if data is None and not src.get("optional"):
                raise RuntimeFailure(f'secret "{src.get("secretName")}" not found (volume "{name}")')
            out[name] = VolumeSource("", readonly=True,
                                     files=_items(src, data or {}, f'volume "{name}": secret'))
        elif len(vol) == 1:
            p = context.data_dir / "volumes" / pod.workflow_name / name
            makedirs_owned(str(p))
            out[name] = VolumeSource(str(p))
        else:
            kinds = ", ".join(k for k in vol if k != "name")
            raise RuntimeFailure(f'volume "{name}": {kinds} volumes are not supported by the process runtime')
    return out


def _key_ref(kind: str, ref: dict[str, Any], store: dict[str, dict[str, str]], namespace: str) -> str | None:
    name = ref.get("name", "")
    data = store.get(name)
    if data is None:
        if ref.get("optional"):
            return None
        raise RuntimeFailure(f'{kind.lower()} "{name}" not found')
    key = ref.get("key", "")
    if key not in data:
        if ref.get("optional"):
            return None
        raise RuntimeFailure(f"couldn't find key {key} in {kind} {namespace}/{name}")
    return data[key]


def host_env(path: str) -> dict[str, str]:
    """What every container's environment starts from: a few host variables and ``PATH``."""
    env = {k: os.environ[k] for k in PASSED_ENV if k in os.environ}
    env["PATH"] = path
    return env


def container_env(
    container: dict[str, Any], pod: PodSpec, context: RunContext, base: dict[str, str], name: str
) -> dict[str, str]:
    """The environment of one container: ``base`` (see :func:`host_env`), Argo's, envFrom, then env."""
    env = dict(base)
    env["ARGO_POD_NAME"] = pod.pod_name
    env["ARGO_CONTAINER_NAME"] = name
    env["ARGO_NODE_ID"] = pod.node_id
    for src in container.get("envFrom") or ():
        prefix = src.get("prefix", "")
        if "configMapRef" in src:
            kind, ref, store = "ConfigMap", src["configMapRef"], context.configmaps
        elif "secretRef" in src:
            kind, ref, store = "Secret", src["secretRef"], context.secrets
        else:
            continue
        data = store.get(ref.get("name", ""))
        if data is None:
            if ref.get("optional"):
                continue
            raise RuntimeFailure(f'{kind.lower()} "{ref.get("name")}" not found')
        env.update({prefix + k: v for k, v in data.items()})
    for var in container.get("env") or ():
        vname = var.get("name")
        if not vname:
            continue
        if "valueFrom" not in var:
            env[vname] = str(var.get("value", ""))
            continue
        vf = var["valueFrom"] or {}
        value: str | None
        if "configMapKeyRef" in vf:
            value = _key_ref("ConfigMap", vf["configMapKeyRef"], context.configmaps, pod.namespace)
        elif "secretKeyRef" in vf:
            value = _key_ref("Secret", vf["secretKeyRef"], context.secrets, pod.namespace)
        elif "fieldRef" in vf:
            value = _field_ref(str((vf["fieldRef"] or {}).get("fieldPath", "")), pod)
        else:
            value = ""
        if value is not None:
            env[vname] = value
    return env


def _field_ref(field_path: str, pod: PodSpec) -> str:
    return {
        "metadata.name": pod.pod_name,
        "metadata.namespace": pod.namespace,
        "status.podIP": "127.0.0.1",
        "status.hostIP": "127.0.0.1",
        "spec.nodeName": os.uname().nodename,
    }.get(field_path, "")
