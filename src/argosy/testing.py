"""Fakes for testing workflows without processes: a runtime answered by a function, a clock
that jumps to the next timer, and :func:`run_workflow` to run one in this process.

::

    from argosy.testing import FakeRuntime, result_of, run_workflow

    engine = run_workflow(open("wf.yaml").read(), lambda pod: result_of({"result": "hi"}))
    assert engine.phase == "Succeeded"

Everything goes through the same :class:`~argosy.controller.Controller` as ``argosy run``:
Argo's submission rules, the worker, retries, timeouts and exit handlers are the real ones;
only the pods are pretend, and time moves only when nothing is running (a one-hour
``suspend`` or backoff takes no time).
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from argosy.controller.clock import FakeClock
from argosy.controller.controller import Controller, data_store
from argosy.controller.worker import Worker
from argosy.engine.intents import PodResult, PodSpec
from argosy.engine.reconciler import Reconciler
from argosy.runtime.base import FakeRuntime, PodHandler, result_of
from argosy.spec import ObjectSet, load_text
from argosy.spec.manifest import Manifest

__all__ = ["FakeClock", "FakeRuntime", "PodHandler", "PodResult", "PodSpec", "result_of", "run_workflow",
           "run_workflows"]


def _succeed(pod: PodSpec) -> PodResult:
    return result_of()


def run_workflow(
    workflow: str | Mapping[str, Any],
    handler: PodHandler | None = None,
    *,
    runtime: Any = None,
    objects: Iterable[str | Manifest] | ObjectSet = (),
    parameters: Mapping[str, str] | None = None,
    entrypoint: str | None = None,
    clock: FakeClock | None = None,
    store: Any = None,
    data_dir: Path | None = None,
    control: Callable[[Worker], Any] | None = None,
    memo: Any = None,
) -> Reconciler:
    """Submit ``workflow`` (YAML text or a manifest dict) and run it to its end; its engine.

    Pods are answered by ``handler`` on a :class:`FakeRuntime` (default: every pod succeeds)
    unless ``runtime`` is given. ``objects`` are WorkflowTemplates, ConfigMaps and Secrets
    (YAML texts, manifests or an ``ObjectSet``). A workflow with only ``generateName`` is
    named ``generateName`` without its trailing ``-``, so node names are predictable.
    ``control`` is called with the workflow's worker once it has started (to ``stop`` or
    ``resume`` it). ``memo`` is the memoization cache (default: the store's, or one kept for
    this run only); pass one ``controller.memoize.LocalMemoCache`` to several runs to share it.
    """
    body = yaml.safe_load(workflow) if isinstance(workflow, str) else dict(workflow)
    meta = dict(body.get("metadata") or {})
    if not meta.get("name"):
        meta["name"] = (meta.get("generateName") or "wf-").rstrip("-") or "wf"
    body["metadata"] = meta
    if isinstance(objects, ObjectSet):
        object_set = objects
    else:
        object_set = ObjectSet([m for o in objects for m in (load_text(o) if isinstance(o, str) else [o])])

    async def go(root: Path) -> Reconciler:
        controller = Controller(data_dir=root, store=store, objects=object_set, clock=clock or FakeClock(),
                                runtime=runtime if runtime is not None else FakeRuntime(handler or _succeed),
                                memo=memo)
        uid = controller.submit(body, parameters=parameters, entrypoint=entrypoint)
        if control is not None:
            asyncio.get_running_loop().call_soon(control, controller.workers[uid])
        try:
            return await controller.wait(uid)
        finally:
            await controller.close()

    if data_dir is not None:
        return asyncio.run(go(data_dir))
    with tempfile.TemporaryDirectory(prefix="argosy-test-") as tmp:
        return asyncio.run(go(Path(tmp)))


async def run_workflows(workflows: list[dict[str, Any]], objects: ObjectSet, data_dir: Path, *,
                        runtime: Any = None, on_change: Any = None,
                        runtime_kind: str = "process") -> list[Reconciler]:
    """Run workflows prepared by :func:`~argosy.controller.prepare_workflow` as ``argosy run``
    does (the data dir's store included, real runtimes unless ``runtime``); their engines."""
    store = data_store(data_dir)
    try:
        controller = Controller(data_dir=data_dir, store=store, objects=objects, runtime=runtime,
                                on_change=on_change, runtime_kind=runtime_kind)
        engines = await controller.run(workflows)
        await controller.close()
        return engines
    finally:
        store.close()
