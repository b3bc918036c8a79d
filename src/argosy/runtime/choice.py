"""Which runtime runs a workflow's pods: the server's default, or the one the workflow asks for.

``argosy server --runtime process`` (or ``docker``) sets the default; a workflow picks another
with the annotation (or label) ``workflows.argosy.dev/runtime: docker`` (or ``process``), so
one server runs both kinds: a quick script on the host, a step that needs its image in a
container. The choice is the workflow's: all its pods run on one runtime (they share volumes
and a network). A runtime is built the first time a workflow needs it; asking for Docker where
no Docker Engine answers fails the pod with the engine's reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from argosy.engine.intents import PodResult, PodSpec
from argosy.errors import ArgosyError, RuntimeFailure
from argosy.runtime.base import RunContext

#: the annotation (or label) a workflow names its runtime with
RUNTIME_ANNOTATION = "workflows.argosy.dev/runtime"
RUNTIMES = ("process", "docker")


def runtime_of(workflow: dict[str, Any]) -> str | None:
    """The runtime the workflow asks for (annotation first, then label), or None."""
    meta = workflow.get("metadata") or {}
    for where in ("annotations", "labels"):
        value = (meta.get(where) or {}).get(RUNTIME_ANNOTATION)
        if value:
            return str(value).strip().lower()
    return None


def build(kind: str) -> Any:
    """A new pod runtime of ``kind`` (``process`` or ``docker``)."""
    if kind == "docker":
        from argosy.runtime.docker import DockerRuntime

        return DockerRuntime()
    from argosy.runtime.process import ProcessRuntime

    return ProcessRuntime()


class RuntimeChoice:
    """A pod runtime that hands each workflow's pods to the runtime it chose (``context.runtime_name``)."""

    def __init__(self, default: str = "process", factory: Callable[[str], Any] = build,
                 runtimes: dict[str, Any] | None = None) -> None:
        if default not in RUNTIMES:
            raise RuntimeFailure(f"runtime {default!r} is not available; use one of {', '.join(RUNTIMES)}")
        self.default = default
        self.factory = factory
        self.runtimes: dict[str, Any] = dict(runtimes or {})
        self._broken: dict[str, str] = {}

    def check(self) -> None:
        """Raise unless the default runtime can run here (another is checked when first asked for)."""
        self._get(self.default)

    def _get(self, kind: str) -> Any:
        rt = self.runtimes.get(kind)
        if rt is not None:
            return rt
        if kind not in RUNTIMES:
            raise RuntimeFailure(f"{RUNTIME_ANNOTATION}: {kind!r} is not a runtime; use one of {', '.join(RUNTIMES)}")
        if kind in self._broken:
            raise RuntimeFailure(self._broken[kind])
        rt = self.factory(kind)
        check = getattr(rt, "check", None)
        try:
            if check is not None:
                check()
        except ArgosyError as err:
            self._broken[kind] = f"the {kind} runtime this workflow asks for cannot run here: {err}"
            raise RuntimeFailure(self._broken[kind]) from None
        self.runtimes[kind] = rt
        return rt

    def ensure(self, kind: str | None) -> None:
        """Build the runtime ``kind`` if it can run here (quietly): a restarted server must reach
        the containers of a workflow it did not run this time, to delete them."""
        try:
            self._get(kind or self.default)
        except RuntimeFailure:
            pass

    def for_context(self, context: RunContext) -> Any:
        return self._get(getattr(context, "runtime_name", None) or self.default)

    @property
    def process(self) -> Any:
        """The default runtime (what code that looks for ``.process`` means)."""
        return self._get(self.default)

    async def run(self, pod: PodSpec, context: RunContext, on_started: Callable[..., None]) -> PodResult:
        try:
            rt = self.for_context(context)
        except RuntimeFailure as err:
            return PodResult(phase="Error", message=str(err))
        return await rt.run(pod, context, on_started)  # type: ignore[no-any-return]

    async def adopt(self, pod: PodSpec, context: RunContext, on_started: Callable[..., None]) -> PodResult:
        """Follow a pod an earlier Argosy started, where its runtime can (a process dies with
        its controller: that pod ended as a deleted pod does)."""
        try:
            rt = self.for_context(context)
        except RuntimeFailure as err:
            return PodResult(phase="Error", message=str(err))
        adopt = getattr(rt, "adopt", None)
        if adopt is None:
            return PodResult(phase="Error", message="pod deleted")
        return await adopt(pod, context, on_started)  # type: ignore[no-any-return]

    async def _each(self, name: str, *args: Any) -> None:
        for rt in list(self.runtimes.values()):
            fn = getattr(rt, name, None)
            if fn is not None:
                await fn(*args)

    async def finish_workflow(self, workflow_uid: str) -> None:
        await self._each("finish_workflow", workflow_uid)

    async def settled(self, workflow_uid: str) -> None:
        await self._each("settled", workflow_uid)

    async def collect_pods(self, workflow_uid: str, select: Callable[[PodSpec], bool] | None = None) -> None:
        await self._each("collect_pods", workflow_uid, select)

    async def collect_claims(self, workflow_uid: str) -> None:
        await self._each("collect_claims", workflow_uid)

    async def delete_workflow(self, workflow_uid: str) -> None:
        await self._each("delete_workflow", workflow_uid)

    async def close(self) -> None:
        await self._each("close")
