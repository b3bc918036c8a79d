"""Volumes and environment of a node, from the pod spec and the run's ConfigMaps/Secrets."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argosy.engine.intents import PodSpec
from argosy.errors import RuntimeFailure
from argosy.runtime.base import RunContext

#: host variables a step still sees (locale, time zone, identity); everything else is the pod's
PASSED_ENV = ("HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ")


@dataclass(frozen=True, slots=True)
class VolumeSource:
    """Where a volume's files are on the host."""

    path: str
    readonly: bool = False


def _items(source: dict[str, Any], data: dict[str, str]) -> dict[str, str]:
    """ConfigMap/Secret ``items`` projection: file path -> value."""
    items = source.get("items")
    if not items:
        return dict(data)
    out: dict[str, str] = {}
    for item in items:
        if item["key"] in data:
            out[item.get("path") or item["key"]] = data[item["key"]]
    return out


def _materialise(dest: Path, files: dict[str, str]) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    for rel, value in files.items():
        p = dest / rel.lstrip("/")
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(value)


def resolve_volumes(pod: PodSpec, context: RunContext, scratch: Path) -> dict[str, VolumeSource]:
    """Host directories for every volume the node can mount, by volume name.

    emptyDir -> per-node scratch; persistentVolumeClaim -> ``volumes/claims/<claimName>``
    (shared like a PVC); a bare ``{name}`` (from ``volumeClaimTemplates``) -> ``volumes/<workflow>/<name>``;
    hostPath -> the host path; configMap/secret -> files written to scratch.
    """
    out: dict[str, VolumeSource] = {}
    for vol in (*pod.volumes, *(pod.template.get("volumes") or ())):
        name = vol.get("name")
        if not name:
            continue
        if "emptyDir" in vol:
            p = scratch / "volumes" / name
            p.mkdir(parents=True, exist_ok=True)
            out[name] = VolumeSource(str(p))
        elif "persistentVolumeClaim" in vol:
            claim = (vol["persistentVolumeClaim"] or {}).get("claimName") or name
            p = context.data_dir / "volumes" / "claims" / claim
            p.mkdir(parents=True, exist_ok=True)
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
            p = scratch / "volumes" / name
            _materialise(p, _items(src, data or {}))
            out[name] = VolumeSource(str(p), readonly=True)
        elif "secret" in vol:
            src = vol["secret"] or {}
            data = context.secrets.get(src.get("secretName", ""))
            if data is None and not src.get("optional"):
                raise RuntimeFailure(f'secret "{src.get("secretName")}" not found (volume "{name}")')
            p = scratch / "volumes" / name
            _materialise(p, _items(src, data or {}))
            out[name] = VolumeSource(str(p), readonly=True)
        elif len(vol) == 1:
            p = context.data_dir / "volumes" / pod.workflow_name / name
            p.mkdir(parents=True, exist_ok=True)
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
