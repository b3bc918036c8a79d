"""The one interface every runtime implements.

A runtime does what a :class:`~argosy.engine.intents.RunPod` intent says and reports
back; it decides nothing about the workflow (the httpx transport pattern: the client
decides, the transport moves bytes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from argosy.artifacts.locations import WorkflowRepository
from argosy.engine.intents import PodResult, PodSpec
from argosy.runtime.logs import MAIN, LogJournal, journal_path, read_log


@dataclass
class RunContext:
    """What a run shares across nodes: where things live and what was loaded."""

    data_dir: Path
    #: ConfigMaps loaded into the run: name -> data
    configmaps: dict[str, dict[str, str]] = field(default_factory=dict)
    #: Secrets loaded into the run: name -> decoded data
    secrets: dict[str, dict[str, str]] = field(default_factory=dict)
    #: each workflow's resolved artifact repository, by workflow uid (none: the local repository)
    artifact_repositories: dict[str, WorkflowRepository] = field(default_factory=dict)
    #: open log journals, by workflow name
    journals: dict[str, LogJournal] = field(default_factory=dict)

    @property
    def artifact_dir(self) -> Path:
        """Root of the local artifact repository."""
        return self.data_dir / "artifacts"

    def journal(self, workflow_name: str) -> LogJournal:
        """The log journal of a workflow (see :mod:`argosy.runtime.logs`)."""
        journal = self.journals.get(workflow_name)
        if journal is None:
            journal = self.journals[workflow_name] = LogJournal(journal_path(self.data_dir, workflow_name))
        return journal

    def write_log(self, workflow_name: str, pod_name: str, data: bytes | str) -> None:
        """Log a node's whole output at once (runtimes without a process to stream from)."""
        self.journal(workflow_name).write(pod_name, MAIN, "stdout", data.encode() if isinstance(data, str) else data)

    def read_log(self, workflow_name: str, pod_name: str, container: str = MAIN) -> str:
        """What a container of a node wrote (stdout and stderr), as text."""
        return read_log(self.data_dir, workflow_name, pod_name, container).decode(errors="replace")


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
