"""The objects a run can reference: templates, cluster templates, ConfigMaps and Secrets."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from typing import Any

from argosy.errors import Location, ReferenceError_, SpecError
from argosy.spec.fields import any_string
from argosy.spec.manifest import (
    CLUSTER_WORKFLOW_TEMPLATE,
    CONFIG_MAP,
    CRON_WORKFLOW,
    SECRET,
    WORKFLOW,
    WORKFLOW_TEMPLATE,
    Manifest,
)

_RESOURCE = {
    WORKFLOW_TEMPLATE: "workflowtemplates.argoproj.io",
    CLUSTER_WORKFLOW_TEMPLATE: "clusterworkflowtemplates.argoproj.io",
    CONFIG_MAP: "configmaps",
    SECRET: "secrets",
}


class ObjectSet:
    """Objects by kind and name; later ``add``s of the same kind and name replace earlier ones.

    Namespaces are not separated: Argosy runs one namespace's worth of objects at a time.
    """

    def __init__(self, manifests: Iterable[Manifest] = ()) -> None:
        self._named: dict[tuple[str, str], Manifest] = {}
        self._names: dict[str, list[str]] = {}  # names by kind, kept until the next add
        self.workflows: list[Manifest] = []
        self.cron_workflows: list[Manifest] = []
        self.others: list[Manifest] = []
        for manifest in manifests:
            self.add(manifest)

    def add(self, manifest: Manifest) -> None:
        """Remember ``manifest`` under its kind and name."""
        if manifest.kind == WORKFLOW:
            self.workflows.append(manifest)
        elif manifest.kind == CRON_WORKFLOW:
            self.cron_workflows.append(manifest)
        elif manifest.kind in _RESOURCE and manifest.name:
            self._named[(manifest.kind, manifest.name)] = manifest
            self._names.pop(manifest.kind, None)
        else:
            self.others.append(manifest)

    def get(self, kind: str, name: str) -> Manifest:
        """The object of ``kind`` called ``name``, or ReferenceError_ in Kubernetes' words."""
        found = self._named.get((kind, name))
        if found is None:
            resource = _RESOURCE.get(kind, kind.lower())
            raise ReferenceError_(f'{resource} "{name}" not found')
        return found

    def has(self, kind: str, name: str) -> bool:
        """Whether an object of ``kind`` called ``name`` was added."""
        return (kind, name) in self._named

    def names(self, kind: str) -> list[str]:
        """The names of every object of ``kind``, sorted."""
        if kind not in self._names:
            self._names[kind] = sorted(name for k, name in self._named if k == kind)
        return list(self._names[kind])

    def workflow_template(self, name: str) -> Manifest:
        """The WorkflowTemplate called ``name``."""
        return self.get(WORKFLOW_TEMPLATE, name)

    def cluster_workflow_template(self, name: str) -> Manifest:
        """The ClusterWorkflowTemplate called ``name``."""
        return self.get(CLUSTER_WORKFLOW_TEMPLATE, name)

    def template_holder(self, name: str, cluster_scope: bool) -> Manifest:
        """The (Cluster)WorkflowTemplate a ``templateRef``/``workflowTemplateRef`` names."""
        return self.cluster_workflow_template(name) if cluster_scope else self.workflow_template(name)

    def configmap(self, name: str) -> dict[str, str]:
        """A ConfigMap's ``data`` as strings (numbers written unquoted are stringified)."""
        manifest = self.get(CONFIG_MAP, name)
        data = manifest.body.get("data") or {}
        if not isinstance(data, dict):
            raise SpecError("data must be a mapping", _where(manifest, "data"))
        return {str(k): _as_string(v) for k, v in data.items()}

    def secret(self, name: str) -> dict[str, str]:
        """A Secret's values: base64-decoded ``data`` overlaid with ``stringData``."""
        manifest = self.get(SECRET, name)
        values: dict[str, str] = {}
        data = manifest.body.get("data") or {}
        if not isinstance(data, dict):
            raise SpecError("data must be a mapping", _where(manifest, "data"))
        for key, encoded in data.items():
            try:
                raw = base64.b64decode(str(encoded), validate=True)
                values[str(key)] = raw.decode("utf-8")
            except (binascii.Error, ValueError) as e:
                raise SpecError(f"illegal base64 data: {e}", _where(manifest, f"data.{key}")) from e
        string_data = manifest.body.get("stringData") or {}
        if isinstance(string_data, dict):
            values.update({str(k): _as_string(v) for k, v in string_data.items()})
        return values


def _as_string(value: Any) -> str:
    return any_string(value) or ""


def _where(manifest: Manifest, field: str) -> Location:
    return Location(file=manifest.source, kind=manifest.kind, name=manifest.display_name, field=field)
