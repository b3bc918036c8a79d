"""One runtime for every node: routes a node to the runtime its template kind needs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from argosy.engine.intents import PodResult, PodSpec
from argosy.runtime.base import RunContext, Runtime


class NodeRuntime:
    """Sends ``http`` templates to ``http``, ``data`` templates to ``data``, ``resource`` templates
    to ``resource``, the rest to ``process``.

    A kind without its own runtime falls back to ``process``.
    """

    def __init__(self, process: Runtime, http: Runtime | None = None,
                 data: Runtime | None = None, resource: Runtime | None = None) -> None:
        self.process = process
        self.http = http
        self.data = data
        self.resource = resource

    def runtime_for(self, template: dict[str, Any]) -> Runtime:
        """The runtime that runs nodes of ``template``."""
        if self.http is not None and template.get("http") is not None:
            return self.http
        if self.data is not None and template.get("data") is not None:
            return self.data
        if self.resource is not None and template.get("resource") is not None:
            return self.resource
        return self.process

    def check(self) -> None:
        """Raise unless the process runtime can run here (HTTP and data need nothing)."""
        check = getattr(self.process, "check", None)
        if check is not None:
            check()

    async def run(
        self, pod: PodSpec, context: RunContext, on_started: Callable[[], None]
    ) -> PodResult:
        """Run ``pod`` on the runtime for its template."""
        return await self.runtime_for(pod.template).run(pod, context, on_started)
