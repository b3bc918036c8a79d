"""One object read from a file: its kind, name and body exactly as written."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: The Argo kinds Argosy interprets.
WORKFLOW = "Workflow"
WORKFLOW_TEMPLATE = "WorkflowTemplate"
CLUSTER_WORKFLOW_TEMPLATE = "ClusterWorkflowTemplate"
CRON_WORKFLOW = "CronWorkflow"
WORKFLOW_EVENT_BINDING = "WorkflowEventBinding"
ARGO_KINDS = frozenset(
    {WORKFLOW, WORKFLOW_TEMPLATE, CLUSTER_WORKFLOW_TEMPLATE, CRON_WORKFLOW, WORKFLOW_EVENT_BINDING}
)
#: Core kinds a run can read values from.
CONFIG_MAP = "ConfigMap"
SECRET = "Secret"


@dataclass(frozen=True)
class Manifest:
    """A Kubernetes object as loaded; ``body`` is the user's dict, unchanged.

    Objects with only ``metadata.generateName`` have ``name`` None and ``generate_name`` set.
    ``source`` is the file it came from (None for text) and ``index`` its document number.
    """

    kind: str
    name: str | None
    namespace: str | None
    body: dict[str, Any]
    source: str | None = None
    index: int = 0
    generate_name: str | None = None
    api_version: str | None = None

    @property
    def display_name(self) -> str:
        """The name as Argo prints it: ``name`` or ``generateName``."""
        return self.name or self.generate_name or ""

    @property
    def spec(self) -> dict[str, Any]:
        """``body["spec"]`` or an empty dict."""
        spec = self.body.get("spec")
        return spec if isinstance(spec, dict) else {}
