"""What the engine asks the outside world to do, and what the outside world tells it.

The engine is a pure reconciler: it never runs a process, opens a file or sleeps. It
answers every event with a list of *intents*; the controller hands them to a runtime or
a timer and feeds the results back as *events*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class PodSpec:
    """Everything a runtime needs to run one node (a Pod in Argo's words).

    ``template`` is the node's template after variable substitution: a plain dict in
    Argo's layout with one of ``container``, ``script``, ``containerSet``, ``http``,
    ``data`` or ``resource``, plus ``inputs``/``outputs``/``volumes``/``sidecars``/
    ``initContainers``. Input artifacts in ``template["inputs"]["artifacts"]`` carry a
    resolved location (``local: {key}``, ``raw``, ``http``, ``git`` ...) the runtime
    can fetch.
    """

    node_id: str
    pod_name: str
    workflow_name: str
    namespace: str
    workflow_uid: str
    template: dict[str, Any]
    volumes: tuple[dict[str, Any], ...] = ()
    #: prefix under which output artifacts are stored: ``{workflow.name}/{pod.name}``
    artifact_key_prefix: str = ""
    #: seconds from start after which the runtime kills the node (activeDeadlineSeconds)
    deadline_seconds: float | None = None
    #: a daemon node reports ``started`` and keeps running until cancelled
    daemon: bool = False


@dataclass(frozen=True, slots=True)
class PodResult:
    """How a node ended, in Argo's words.

    ``outputs`` uses Argo's status layout: ``{"parameters": [{"name", "value"}],
    "artifacts": [...], "result": str, "exitCode": "0"}`` with absent keys omitted.
    """

    phase: str  # "Succeeded" | "Failed" | "Error"
    message: str | None = None
    exit_code: int | None = None
    outputs: dict[str, Any] = field(default_factory=dict)
    #: ``N/M`` the node last reported (its ``ARGO_PROGRESS_FILE``), if any
    progress: str | None = None


# ---- intents --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RunPod:
    """Start running this node now."""

    pod: PodSpec
    #: restored engine: the runtime may already run this pod; find it again rather than start it
    adopt: bool = False


@dataclass(frozen=True, slots=True)
class CancelPod:
    """Stop this node (its whole process tree); it will report back as failed."""

    node_id: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class WakeAt:
    """Call the engine's ``tick`` at (or after) this time: timeouts, backoff, suspend."""

    at: float


@dataclass(frozen=True, slots=True)
class SaveMemo:
    """Save a memoized node's outputs in its cache (the node ended Succeeded; see engine.memoize)."""

    namespace: str
    cache: str
    key: str
    node_id: str
    outputs: dict[str, Any] | None
    at: float


@dataclass(frozen=True, slots=True)
class Acquire:
    """Take the locks of a Steps/DAG node's template (its ``synchronization``) for it; answered
    by :class:`Acquired` once they are all held (the node waits ``Pending`` until then)."""

    node_id: str
    synchronization: dict[str, Any]
    #: the template's ``priority`` (None: the workflow's)
    priority: float | None = None


@dataclass(frozen=True, slots=True)
class Release:
    """The node that held locks ended (or stopped waiting): hand them on."""

    node_id: str


Intent = RunPod | CancelPod | WakeAt | SaveMemo | Acquire | Release


# ---- events ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PodStarted:
    """The runtime started the node's main process (for daemons: it is ready)."""

    node_id: str
    at: float
    #: the pod's address, when its runtime gives each pod its own (``{{steps.X.ip}}``)
    ip: str | None = None


@dataclass(frozen=True, slots=True)
class PodProgress:
    """A running node reported its progress (``N/M``, what its ``ARGO_PROGRESS_FILE`` says)."""

    node_id: str
    progress: str
    at: float


@dataclass(frozen=True, slots=True)
class Acquired:
    """A node's locks are held (``error`` set: they cannot be taken; the node errors)."""

    node_id: str
    at: float
    error: str | None = None


@dataclass(frozen=True, slots=True)
class PodFinished:
    """The runtime reports how a node ended."""

    node_id: str
    result: PodResult
    at: float
