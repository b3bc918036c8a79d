"""The engine: a workflow's state machine, pure (no I/O, no clock) and restorable.

``Reconciler`` takes events (a pod started or finished, a timer, stop, resume) with the
time they happened and answers with intents (run this pod, cancel that one, wake me at T);
``Reconciler.restore`` rebuilds one from its persisted status and ``record()``.
"""

from __future__ import annotations

from argosy.engine.intents import (
    CancelPod,
    Intent,
    PodFinished,
    PodProgress,
    PodResult,
    PodSpec,
    PodStarted,
    RunPod,
    SaveMemo,
    WakeAt,
)
from argosy.engine.nodes import Node, NodeTable, node_id, pod_name
from argosy.engine.reconciler import Reconciler

__all__ = [
    "CancelPod",
    "Intent",
    "Node",
    "NodeTable",
    "PodFinished",
    "PodProgress",
    "PodResult",
    "PodSpec",
    "PodStarted",
    "Reconciler",
    "RunPod",
    "SaveMemo",
    "WakeAt",
    "node_id",
    "pod_name",
]
