"""Which artifact repository a workflow uses: Argo's ``artifactRepositoryRef`` resolution.

The answer is an ``ArtifactRepositoryRefStatus`` in Argo's layout, written once to
``status.artifactRepositoryRef`` and never resolved again (changing the ConfigMap later does
not move a running workflow's artifacts)::

    {"configMap": "artifact-repositories", "key": "default-v1", "namespace": "default",
     "artifactRepository": {"s3": {"bucket": ..., "endpoint": ..., "keyFormat": ...}}}
    {"default": true}                  # no ConfigMap: the default repository (Argosy's local one)

Order, as Argo's controller does it: with ``spec.artifactRepositoryRef``, the named ConfigMap
(default name ``artifact-repositories``) and key (default: the ConfigMap's
``workflows.argoproj.io/default-artifact-repository`` annotation) must exist, else the
workflow errors. Without one, an ``artifact-repositories`` ConfigMap is used when present,
else the default repository: ``artifactRepository`` of a ``workflow-controller-configmap``
ConfigMap when one is loaded (Argo's controller configuration), else the local repository.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from argosy.errors import ArtifactRepositoryError
from argosy.spec import ObjectSet

DEFAULT_CONFIGMAP = "artifact-repositories"
DEFAULT_ANNOTATION = "workflows.argoproj.io/default-artifact-repository"
CONTROLLER_CONFIGMAP = "workflow-controller-configmap"


@dataclass(frozen=True)
class ConfigMapData:
    """What resolution reads of a ConfigMap: its data and its annotations."""

    data: Mapping[str, str]
    annotations: Mapping[str, str] = field(default_factory=dict)


#: finds a ConfigMap by (namespace, name); None when there is none
ConfigMapLookup = Callable[[str, str], ConfigMapData | None]


def resolve_ref(ref: Mapping[str, Any] | None, namespace: str, lookup: ConfigMapLookup) -> dict[str, Any]:
    """The ``status.artifactRepositoryRef`` of a workflow with ``spec.artifactRepositoryRef`` ``ref``."""
    if ref:
        name = str(ref.get("configMap") or DEFAULT_CONFIGMAP)
        resolved, why = _from_configmap(name, ref.get("key"), namespace, lookup)
        if resolved is None:
            shown = ", ".join(f"{k}: {ref[k]}" for k in ("configMap", "key") if ref.get(k)) or "{}"
            raise ArtifactRepositoryError(
                f"failed to resolve artifact repository: failed to find any artifact repository for "
                f"artifact repository ref {{{shown}}}: {why}; load the ConfigMap with --with FILE")
        return resolved
    resolved, _ = _from_configmap(DEFAULT_CONFIGMAP, None, namespace, lookup)
    if resolved is not None:
        return resolved
    out: dict[str, Any] = {"default": True}
    default = default_repository(namespace, lookup)
    if default is not None:
        out["artifactRepository"] = default
    return out


def _from_configmap(name: str, key: Any, namespace: str, lookup: ConfigMapLookup
                    ) -> tuple[dict[str, Any] | None, str]:
    cm = lookup(namespace, name)
    if cm is None:
        return None, f'configmaps "{name}" not found'
    key = str(key or cm.annotations.get(DEFAULT_ANNOTATION) or "")
    if key not in cm.data:
        return None, f'config map missing key "{key}"'
    repository = parse_repository(cm.data[key], f'config map "{name}" key "{key}"')
    return {"configMap": name, "key": key, "namespace": namespace, "artifactRepository": repository}, ""


def default_repository(namespace: str, lookup: ConfigMapLookup) -> dict[str, Any] | None:
    """``artifactRepository`` of the controller's ConfigMap, if one is loaded."""
    cm = lookup(namespace, CONTROLLER_CONFIGMAP)
    if cm is None or not cm.data.get("artifactRepository"):
        return None
    return parse_repository(cm.data["artifactRepository"], f'config map "{CONTROLLER_CONFIGMAP}"')


def parse_repository(text: str, where: str) -> dict[str, Any]:
    """An ``ArtifactRepository`` from ConfigMap YAML (``s3: {...}``, ``archiveLogs: ...``)."""
    import yaml

    try:
        value = yaml.safe_load(text) or {}
    except yaml.YAMLError as e:
        raise ArtifactRepositoryError(f"failed to unmarshal {where}: {e}") from e
    if not isinstance(value, dict):
        raise ArtifactRepositoryError(f"failed to unmarshal {where}: expected a map such as `s3: {{bucket: ...}}`")
    return value


def repository_of(ref_status: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The ``artifactRepository`` a resolved ref names (None: Argosy's local repository)."""
    if not ref_status:
        return None
    repo = ref_status.get("artifactRepository")
    return dict(repo) if repo else None


def objects_lookup(objects: ObjectSet) -> ConfigMapLookup:
    """A :data:`ConfigMapLookup` over the ConfigMaps a run loaded (one namespace's worth)."""

    def lookup(namespace: str, name: str) -> ConfigMapData | None:
        if not objects.has("ConfigMap", name):
            return None
        meta = objects.get("ConfigMap", name).body.get("metadata") or {}
        return ConfigMapData(objects.configmap(name), dict(meta.get("annotations") or {}))

    return lookup


def resolve_workflow_ref(workflow: dict[str, Any], objects: ObjectSet) -> dict[str, Any]:
    """Resolve ``workflow``'s repository and record it in its ``status.artifactRepositoryRef``.

    A ref already in status is kept (it never changes once resolved, as in Argo).
    """
    status = workflow.setdefault("status", {})
    if not status.get("artifactRepositoryRef"):
        spec = workflow.get("spec") or {}
        namespace = str((workflow.get("metadata") or {}).get("namespace") or "default")
        status["artifactRepositoryRef"] = resolve_ref(spec.get("artifactRepositoryRef"), namespace,
                                                      objects_lookup(objects))
    return dict(status["artifactRepositoryRef"])
