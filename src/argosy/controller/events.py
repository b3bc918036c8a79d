"""What can happen to a running workflow: the one typed way into its worker.

A runtime's reports (:class:`~argosy.engine.intents.PodStarted`, ``PodFinished``) and a
user's or a timer's requests all arrive as one of these through ``Worker.apply``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from argosy.engine.intents import PodFinished, PodStarted


@dataclass(frozen=True, slots=True)
class Stop:
    """``argo stop`` (exit handlers run) or, with ``strategy="Terminate"``, ``argo terminate``."""

    strategy: str = "Stop"


@dataclass(frozen=True, slots=True)
class Resume:
    """``argo resume``: suspended nodes matching ``node_field_selector`` (all when None) go on.

    ``nodes`` False lifts only the workflow's ``spec.suspend`` (a patch of the Workflow object
    does no more in Argo): suspend nodes go on waiting."""

    node_field_selector: str | None = None
    outputs: Mapping[str, str] | None = None
    nodes: bool = True


@dataclass(frozen=True, slots=True)
class Suspend:
    """``argo suspend``: no new pod starts until the workflow is resumed (running ones go on)."""


@dataclass(frozen=True, slots=True)
class MetadataChanged:
    """The workflow's labels and/or annotations were patched (None: that map did not change):
    ``workflow.labels.*``/``workflow.annotations.*`` read the new ones from now on."""

    labels: Mapping[str, str] | None = None
    annotations: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class TimerFired:
    """A timer the engine asked for (``WakeAt``) is due."""

    at: float


WorkflowEvent = PodStarted | PodFinished | Stop | Resume | Suspend | MetadataChanged | TimerFired
