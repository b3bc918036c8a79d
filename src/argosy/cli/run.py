"""``argosy run``: load, resolve and run Workflows in this process."""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import string
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from argosy.artifacts.locations import WorkflowRepository
from argosy.artifacts.refs import resolve_workflow_ref
from argosy.controller import loop
from argosy.controller.runner import WorkflowRunner
from argosy.engine.reconciler import Reconciler
from argosy.errors import ArgosyError, SpecError
from argosy.lint import format_problems, lint_objects
from argosy.runtime.base import RunContext
from argosy.spec import ObjectSet, TemplateResolver, load_paths, resolve_workflow
from argosy.store import Store

_ALPHABET = string.ascii_lowercase + string.digits


def generate_name(prefix: str) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(5))


def parse_parameters(pairs: list[str], parameter_file: str | None) -> dict[str, str]:
    """``--parameter-file`` (YAML or JSON, one mapping of name: value) overridden by ``-p`` pairs."""
    from argosy.errors import Location
    from argosy.spec.load import parse_documents, read_manifest_file

    params: dict[str, str] = {}
    if parameter_file:
        # the manifest reader: the same size, nesting and alias bounds, one-line errors
        documents = [d for d in parse_documents(read_manifest_file(parameter_file), parameter_file) if d is not None]
        loaded = documents[0] if len(documents) == 1 else {} if not documents else documents
        if not isinstance(loaded, dict):
            names = {list: "a list", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
            got = "several documents" if loaded is documents else names.get(type(loaded), "a scalar")
            raise SpecError(f"a parameter file must be one mapping of name: value, got {got}",
                            Location(file=parameter_file))
        params.update({str(k): v if isinstance(v, str) else json.dumps(v) for k, v in loaded.items()})
    for pair in pairs:
        if "=" not in pair:
            raise SpecError(f"-p {pair!r}: expected NAME=VALUE")
        name, value = pair.split("=", 1)
        params[name] = value
    return params


def prepare_workflow(body: dict[str, Any], objects: ObjectSet, params: dict[str, str],
                     entrypoint: str | None) -> dict[str, Any]:
    """Name, uid and overrides, as ``argo submit`` would set them."""
    wf = json.loads(json.dumps(body))
    meta = wf.setdefault("metadata", {})
    if not meta.get("name"):
        meta["name"] = generate_name(meta.get("generateName") or "workflow-")
    meta.setdefault("namespace", "default")
    meta["uid"] = str(uuid.uuid4())
    meta["creationTimestamp"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    spec = wf.setdefault("spec", {})
    if entrypoint:
        spec["entrypoint"] = entrypoint
    if params:
        args = spec.setdefault("arguments", {})
        plist = args.setdefault("parameters", [])
        known = {p.get("name"): p for p in plist}
        for name, value in params.items():
            if name in known:
                known[name]["value"] = value
                known[name].pop("valueFrom", None)
            else:
                plist.append({"name": name, "value": value})
    resolved = resolve_workflow(wf, objects)
    resolve_workflow_ref(resolved, objects)
    return resolved


def build_engine(wf: dict[str, Any], objects: ObjectSet) -> Reconciler:
    def configmap(name: str, key: str) -> str | None:
        try:
            return objects.configmap(name).get(key)
        except ArgosyError:
            return None

    return Reconciler(wf, TemplateResolver(wf, objects), configmap=configmap)


def _context(objects: ObjectSet, data: Path) -> RunContext:
    ctx = RunContext(data_dir=data)
    for name in objects.names("ConfigMap"):
        ctx.configmaps[name] = objects.configmap(name)
    for name in objects.names("Secret"):
        ctx.secrets[name] = objects.secret(name)
    return ctx


def node_runtime(kind: str = "process") -> Any:
    """The runtime for every node: ``process`` (host sandboxes) or ``docker`` for containers."""
    from argosy.runtime import DataRuntime, HttpRuntime, NodeRuntime

    if kind == "docker":
        from argosy.runtime.docker import DockerRuntime

        pods: Any = DockerRuntime()
    else:
        from argosy.runtime.process import ProcessRuntime

        pods = ProcessRuntime()
    runtime = NodeRuntime(pods, HttpRuntime(), DataRuntime())
    runtime.check()
    return runtime


async def run_workflows(workflows: list[dict[str, Any]], objects: ObjectSet, data: Path,
                        printer: Any, runtime: Any = None, runtime_kind: str = "process") -> list[Reconciler]:
    from argosy.cli.main import install_interrupts

    owned = runtime is None
    if runtime is None:
        runtime = node_runtime(runtime_kind)
    store = Store(data / "argosy.db")
    context = _context(objects, data)
    runners = []
    for wf in workflows:
        engine = build_engine(wf, objects)
        context.artifact_repositories[engine.uid] = WorkflowRepository.of(wf, engine.global_scope)
        runners.append(WorkflowRunner(engine, runtime, context, store=store, on_change=printer))
    install_interrupts(asyncio.get_running_loop(), runners)
    try:
        return list(await asyncio.gather(*(r.run() for r in runners)))
    finally:
        # what a workflow keeps between its nodes (the docker runtime's networks) goes with it
        pods = getattr(runtime, "process", runtime)
        finish = getattr(pods, "finish_workflow", None)
        if finish is not None:
            for wf in workflows:
                await finish(wf["metadata"]["uid"])
        if owned and hasattr(pods, "close"):
            await pods.close()


def run_command(args: argparse.Namespace) -> int:
    from argosy.cli.main import data_dir
    from argosy.cli.tree import Printer

    manifests = load_paths([args.file, *args.with_paths])
    problems = lint_objects(manifests)
    if problems:
        # a malformed submission is rejected whole, before anything runs (like argo submit)
        print(format_problems(problems), end="", file=sys.stderr)
        return 1
    objects = ObjectSet(manifests)
    own = [m for m in load_paths([args.file]) if m.kind == "Workflow"]
    if not own:
        print(f"argosy: no Workflow in {args.file}", file=sys.stderr)
        return 1
    params = parse_parameters(args.parameter, args.parameter_file)
    workflows = [prepare_workflow(m.body, objects, params, args.entrypoint) for m in own]
    printer = Printer(args.output)
    engines = loop.run(run_workflows(workflows, objects, data_dir(args.data_dir), printer,
                                     runtime_kind=getattr(args, "runtime", "process")))
    printer.finish(engines)
    return 0 if all(e.phase == "Succeeded" for e in engines) else 1
