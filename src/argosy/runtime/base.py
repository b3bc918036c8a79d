"""The simple shape of a runtime (``run(pod) -> PodResult``) and what a workflow's nodes share.

A runtime does what a :class:`~argosy.engine.intents.RunPod` intent says and reports
back; it decides nothing about the workflow (the httpx transport pattern: the client
decides, the transport moves bytes). The controller speaks the handle contract of
:mod:`argosy.runtime.api`; runtimes of this shape get there through its ``TaskRuntime``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from argosy.artifacts.locations import WorkflowRepository
from argosy.engine.intents import PodResult, PodSpec
from argosy.runtime.logs import MAIN, LogJournal, journal_path, read_log
from argosy.runtime.objects import NamespacedObjects, ObjectDicts, ObjectSource
from argosy.spec import CONFIG_MAP, SECRET

#: how Kubernetes ends a pod past its ``activeDeadlineSeconds`` (a runtime's node past its deadline)
DEADLINE_MESSAGE = "Pod was active on the node longer than the specified deadline"


class PodGCRules(Protocol):
    """What a runtime asks of a workflow's ``podGC`` (the controller's :mod:`~argosy.controller.podgc`)."""

    def at_pod_end(self, pod: PodSpec, phase: str) -> float | None: ...


class RunContext:
    """What the nodes of one workflow share: where things live, its namespace's objects, its log.

    The controller makes one per workflow; logs are keyed by the workflow's uid (a name can be
    reused once a workflow is deleted, a uid never is). Tests may build one with plain
    ``configmaps``/``secrets`` dicts instead of an :class:`ObjectSource`.
    """

    def __init__(
        self,
        data_dir: Path,
        objects: ObjectSource | None = None,
        *,
        namespace: str = "default",
        workflow_uid: str | None = None,
        configmaps: dict[str, dict[str, str]] | None = None,
        secrets: dict[str, dict[str, str]] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.objects: ObjectSource = objects if objects is not None else ObjectDicts(configmaps, secrets)
        self.namespace = namespace
        self.workflow_uid = workflow_uid
        #: open log journals, by key (the uid; the name for a context without one)
        self.journals: dict[str, LogJournal] = {}
        #: each workflow's resolved artifact repository, by workflow uid (none: the local repository)
        self.artifact_repositories: dict[str, WorkflowRepository] = {}
        #: the workflow's pod GC rules (``at_pod_end(pod, phase)`` -> seconds before the finished
        #: pod is deleted, None to keep it); None: the runtime deletes a pod once it ended
        self.pod_gc: PodGCRules | None = None
        #: the workflow's ``spec.podSpecPatch``, its global variables substituted when called (None: none)
        self.pod_spec_patch: Callable[[], str] | None = None
        #: the runtime the workflow asked for (``workflows.argosy.dev/runtime``); None: the default
        self.runtime_name: str | None = None
        #: the objects resource templates act on (a ``runtime.resource.ResourceGateway``; None: none)
        self.resources: Any = None

    @property
    def configmaps(self) -> NamespacedObjects:
        """The workflow namespace's ConfigMaps: ``.get(name)`` -> data or None."""
        return NamespacedObjects(self.objects, CONFIG_MAP, self.namespace)

    @property
    def secrets(self) -> NamespacedObjects:
        """The workflow namespace's Secrets: ``.get(name)`` -> decoded data or None."""
        return NamespacedObjects(self.objects, SECRET, self.namespace)

    @property
    def artifact_dir(self) -> Path:
        """Root of the local artifact repository."""
        return self.data_dir / "artifacts"

    def _key(self, workflow_name: str) -> str:
        return self.workflow_uid or workflow_name

    def journal(self, workflow_name: str) -> LogJournal:
        """The log journal of the workflow (see :mod:`argosy.runtime.logs`)."""
        key = self._key(workflow_name)
        journal = self.journals.get(key)
        if journal is None:
            journal = self.journals[key] = LogJournal(journal_path(self.data_dir, key))
        return journal

    def write_log(self, workflow_name: str, pod_name: str, data: bytes | str) -> None:
        """Log a node's whole output at once (runtimes without a process to stream from)."""
        self.journal(workflow_name).write(pod_name, MAIN, "stdout", data.encode() if isinstance(data, str) else data)

    def read_log(self, workflow_name: str, pod_name: str, container: str = MAIN) -> str:
        """What a container of a node wrote (stdout and stderr), as text."""
        return read_log(self.data_dir, self._key(workflow_name), pod_name, container).decode(errors="replace")

    def close(self) -> None:
        """Close the log journals (the workflow is over)."""
        for journal in self.journals.values():
            journal.close()
        self.journals.clear()


class Runtime(Protocol):
    """Runs one node to completion.

    ``run`` is cancelled (``asyncio.CancelledError``) to stop a node; it must then kill
    everything it started before re-raising. ``on_started`` is called once the main
    process is running (daemons: once ready).
    """

    async def run(
        self, pod: PodSpec, context: RunContext, on_started: Callable[[], None]
    ) -> PodResult: ...


#: Type of a fake runtime handler, for engine/controller tests without processes.
PodHandler = Callable[[PodSpec], PodResult]


class FakeRuntime:
    """A runtime whose nodes are answered by a function: tests run without processes."""

    def __init__(self, handler: PodHandler) -> None:
        self.handler = handler
        self.started: list[PodSpec] = []

    async def run(
        self, pod: PodSpec, context: RunContext, on_started: Callable[[], None]
    ) -> PodResult:
        self.started.append(pod)
        on_started()
        return self.handler(pod)


def result_of(outputs: dict[str, Any] | None = None, exit_code: int = 0) -> PodResult:
    """A PodResult as a process with this exit code and outputs would produce it."""
    out = dict(outputs or {})
    out.setdefault("exitCode", str(exit_code))
    phase = "Succeeded" if exit_code == 0 else "Failed"
    message = None if exit_code == 0 else f"Error (exit code {exit_code})"
    return PodResult(phase=phase, message=message, exit_code=exit_code, outputs=out)
