"""Argo's ``podGC`` and ``volumeClaimGC``: which finished pods and claims are deleted, and when.

``podGC.strategy``:

- ``OnPodCompletion``: each pod once it ended; ``OnPodSuccess``: each pod that succeeded;
- ``OnWorkflowCompletion``: every pod once the workflow ended; ``OnWorkflowSuccess``: every
  pod once the workflow succeeded;
- none (or no ``podGC``): pods are kept until the workflow is deleted, as in Argo.

``labelSelector`` (a Kubernetes LabelSelector: ``matchLabels``, ``matchExpressions``) limits
the collection to pods whose labels match; a pod's labels are the workflow's
``podMetadata.labels`` and its template's ``metadata.labels`` plus
``workflows.argoproj.io/workflow``. ``deleteDelayDuration`` delays each deletion.

A pod the strategy does not collect stays until its workflow is deleted (by a user or its
TTL). What a "pod" is belongs to the runtime: for Docker its containers and its host
directories; the process runtime removes a node's sandbox as soon as the node ends (its
logs and outputs are already in the data dir), so it has nothing to keep.

``volumeClaimGC.strategy``: ``OnWorkflowCompletion`` (Argo's default) deletes the claims of
``volumeClaimTemplates`` once the workflow ended, ``OnWorkflowSuccess`` only if it
succeeded (otherwise they stay for inspection until the workflow is deleted).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from argosy.engine.intents import PodSpec
from argosy.spec.duration import parse_duration

ON_POD_COMPLETION = "OnPodCompletion"
ON_POD_SUCCESS = "OnPodSuccess"
ON_WORKFLOW_COMPLETION = "OnWorkflowCompletion"
ON_WORKFLOW_SUCCESS = "OnWorkflowSuccess"
POD_STRATEGIES = (ON_POD_COMPLETION, ON_POD_SUCCESS, ON_WORKFLOW_COMPLETION, ON_WORKFLOW_SUCCESS)
CLAIM_STRATEGIES = (ON_WORKFLOW_COMPLETION, ON_WORKFLOW_SUCCESS)
WORKFLOW_LABEL = "workflows.argoproj.io/workflow"


@dataclass(frozen=True, slots=True)
class PodGC:
    """One workflow's pod and claim collection rules (see module docstring)."""

    strategy: str = ""
    match_labels: Mapping[str, str] = field(default_factory=dict)
    match_expressions: tuple[Mapping[str, Any], ...] = ()
    delay: float = 0.0
    pod_metadata_labels: Mapping[str, str] = field(default_factory=dict)
    claim_strategy: str = ON_WORKFLOW_COMPLETION

    @classmethod
    def of(cls, workflow: Mapping[str, Any], default: Mapping[str, Any] | None = None) -> PodGC:
        """The rules of ``workflow`` (``default``: the server's podGC for workflows without one)."""
        spec = workflow.get("spec") or {}
        gc = spec.get("podGC") or default or {}
        selector = gc.get("labelSelector") or {}
        try:
            delay = parse_duration(gc["deleteDelayDuration"]) if gc.get("deleteDelayDuration") else 0.0
        except Exception:  # noqa: BLE001 - lint reports a bad duration; collection then does not wait
            delay = 0.0
        claims = (spec.get("volumeClaimGC") or {}).get("strategy") or ON_WORKFLOW_COMPLETION
        return cls(strategy=str(gc.get("strategy") or ""),
                   match_labels={str(k): str(v) for k, v in (selector.get("matchLabels") or {}).items()},
                   match_expressions=tuple(selector.get("matchExpressions") or ()),
                   delay=max(delay, 0.0),
                   pod_metadata_labels={str(k): str(v) for k, v in
                                        ((spec.get("podMetadata") or {}).get("labels") or {}).items()},
                   claim_strategy=str(claims))

    # ---- pods -------------------------------------------------------------------------

    def pod_labels(self, pod: PodSpec) -> dict[str, str]:
        """The labels Argo would put on the node's pod (those a labelSelector can match)."""
        labels = dict(self.pod_metadata_labels)
        own = (pod.template.get("metadata") or {}).get("labels") or {}
        labels.update({str(k): str(v) for k, v in own.items()})
        labels[WORKFLOW_LABEL] = pod.workflow_name
        return labels

    def selects(self, pod: PodSpec) -> bool:
        """Whether the labelSelector (if any) matches the node's pod."""
        return label_selector_matches(self.match_labels, self.match_expressions, self.pod_labels(pod))

    def at_pod_end(self, pod: PodSpec, phase: str) -> float | None:
        """Seconds to wait before deleting a pod that just ended in ``phase``; None: keep it."""
        if self.strategy == ON_POD_COMPLETION or (self.strategy == ON_POD_SUCCESS and phase == "Succeeded"):
            return self.delay if self.selects(pod) else None
        return None

    def at_workflow_end(self, phase: str) -> bool:
        """Whether the workflow's remaining pods are deleted now that it ended in ``phase``."""
        return self.strategy == ON_WORKFLOW_COMPLETION or (
            self.strategy == ON_WORKFLOW_SUCCESS and phase == "Succeeded")

    @property
    def selective(self) -> bool:
        """Whether only some pods are collected (a labelSelector is set)."""
        return bool(self.match_labels or self.match_expressions)

    # ---- claims -----------------------------------------------------------------------

    def claims_at_workflow_end(self, phase: str) -> bool:
        """Whether ``volumeClaimTemplates`` claims are deleted now that the workflow ended."""
        return self.claim_strategy != ON_WORKFLOW_SUCCESS or phase == "Succeeded"


def label_selector_matches(match_labels: Mapping[str, str], expressions: tuple[Mapping[str, Any], ...],
                           labels: Mapping[str, str]) -> bool:
    """Kubernetes' LabelSelector semantics: every matchLabels pair and every expression holds
    (``In``, ``NotIn``, ``Exists``, ``DoesNotExist``); an empty selector matches everything."""
    for key, value in match_labels.items():
        if labels.get(key) != value:
            return False
    for expr in expressions:
        key = str(expr.get("key", ""))
        op = str(expr.get("operator", ""))
        values = {str(v) for v in expr.get("values") or ()}
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            return False  # an operator Kubernetes does not know selects nothing
    return True
