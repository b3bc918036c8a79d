"""Workflow verbs of the client: submit, list, get, watch, wait, delete, retry, resubmit,
suspend, resume, stop, terminate, lint (argo's CLI over Argo Server's REST API)."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any

from argosy.cli.client import ArgoClient, configured_server, path
from argosy.cli.output import OUTPUTS, dump, object_details, print_objects, workflow_details, workflow_table
from argosy.cli.verbs import connect, connection_flags
from argosy.errors import ClientError, ServerError, ServerUnreachable

FINISHED = ("Succeeded", "Failed", "Error")

#: ``--from KIND/NAME``: argo's kind names and short names, to the API's resourceKind
FROM_KINDS = {"workflowtemplate": "WorkflowTemplate", "wftmpl": "WorkflowTemplate",
              "clusterworkflowtemplate": "ClusterWorkflowTemplate", "cwftmpl": "ClusterWorkflowTemplate",
              "cronworkflow": "CronWorkflow", "cronwf": "CronWorkflow", "cwf": "CronWorkflow"}


def workflows_path(namespace: str, *rest: str) -> str:
    return path("api", "v1", "workflows", namespace, *rest)


def emit(text: str) -> None:
    if text:
        print(text, flush=True)


def show_object(obj: dict[str, Any], output: str | None,
                details: Callable[[dict[str, Any]], str] | None = None) -> None:
    """A template, CronWorkflow or binding as ``-o`` asks: the name, JSON/YAML, or its details
    (``details(obj)``; default: ``object_details``)."""
    if output == "name":
        emit((obj.get("metadata") or {}).get("name", ""))
    elif output in ("json", "yaml"):
        emit(dump(obj, output))
    else:
        emit((details or object_details)(obj))


def show(wf: dict[str, Any], output: str | None) -> None:
    """One workflow as ``-o`` asks: the name, JSON/YAML, or argo get's details."""
    if output == "name":
        emit((wf.get("metadata") or {}).get("name", ""))
    elif output in ("json", "yaml"):
        emit(dump(wf, output))
    else:
        emit(workflow_details(wf))


# ---- watching ----------------------------------------------------------------------------

def finished(wf: dict[str, Any]) -> bool:
    return (wf.get("status") or {}).get("phase") in FINISHED


def follow_workflow(client: ArgoClient, namespace: str, name: str, on_update: Any = None) -> dict[str, Any]:
    """Follow a workflow on the watch stream until it finishes; its last state.

    The stream starts with the workflow as it is (ADDED); if the server ends the stream
    early, the workflow is read again and the stream reopened."""
    wf = client.get(workflows_path(namespace, name))
    while True:
        if on_update is not None:
            on_update(wf)
        if finished(wf):
            return wf
        try:
            for event in client.stream(path("api", "v1", "workflow-events", namespace),
                                       {"listOptions.fieldSelector": f"metadata.name={name}"}):
                obj = event.get("object")
                if not obj:
                    continue
                if event.get("type") == "DELETED":
                    raise ClientError(f'workflow "{name}" was deleted while being watched')
                wf = obj
                if on_update is not None:
                    on_update(wf)
                if finished(wf):
                    return wf
        except ServerUnreachable:
            pass  # the server restarting: read again once it answers
        wf = _get_again(client, workflows_path(namespace, name))


#: how long ``watch``/``wait`` keep trying a server that went away (a restart) before giving up
RECONNECT_SECONDS = 60.0


def _get_again(client: ArgoClient, api_path: str) -> dict[str, Any]:
    """The workflow once the server answers again (it may be restarting), within RECONNECT_SECONDS."""
    deadline = time.monotonic() + RECONNECT_SECONDS
    while True:
        time.sleep(0.5)
        try:
            result: dict[str, Any] = client.get(api_path)
            return result
        except ServerUnreachable:
            if time.monotonic() > deadline:
                raise


class LiveView:
    """``argo watch``: the details redrawn in place on a terminal; on a pipe, phase changes
    as lines, then the details once."""

    def __init__(self) -> None:
        self.tty = sys.stdout.isatty()
        self._shown = 0
        self._last = 0.0
        self._phase: str | None = None

    def __call__(self, wf: dict[str, Any]) -> None:
        if self.tty:
            now = time.monotonic()
            if now - self._last < 0.1 and not finished(wf):
                return
            self._last = now
            text = workflow_details(wf)
            if self._shown:
                sys.stdout.write(f"\x1b[{self._shown}F\x1b[J")
            sys.stdout.write(text + "\n")
            sys.stdout.flush()
            self._shown = text.count("\n") + 1
            return
        phase = (wf.get("status") or {}).get("phase") or "Pending"
        if phase != self._phase:
            self._phase = phase
            emit(f"{(wf.get('metadata') or {}).get('name')}: {phase}")
        if finished(wf):
            emit("\n" + workflow_details(wf))


def wait_message(wf: dict[str, Any]) -> str:
    """argo wait's line: ``NAME PHASE at FINISHED``."""
    meta, status = wf.get("metadata") or {}, wf.get("status") or {}
    at = (status.get("finishedAt") or "").replace("T", " ").replace("Z", " +0000 UTC")
    return f"{meta.get('name')} {status.get('phase')} at {at}"


def wait_all(client: ArgoClient, namespace: str, names: list[str], *, watch: bool,
             ignore_not_found: bool = False) -> int:
    """Wait for (or watch) each workflow; 1 unless all succeeded, as argo wait exits."""
    ok = True
    for name in names:
        try:
            wf = follow_workflow(client, namespace, name, LiveView() if watch else None)
        except ServerError as err:
            if ignore_not_found and err.status == 404:
                continue
            raise
        if not watch:
            emit(wait_message(wf))
        ok = ok and (wf.get("status") or {}).get("phase") == "Succeeded"
    return 0 if ok or watch else 1


# ---- submit ------------------------------------------------------------------------------

def apply_submit_options(wf: dict[str, Any], args: argparse.Namespace, params: dict[str, str]) -> None:
    """What argo's CLI sets on a workflow before sending it: name, entrypoint, labels, parameters."""
    meta = wf.setdefault("metadata", {})
    spec = wf.setdefault("spec", {})
    if args.name:
        meta["name"] = args.name
        meta.pop("generateName", None)
    if args.generate_name:
        meta["generateName"] = args.generate_name
        meta.pop("name", None)
    if args.entrypoint:
        spec["entrypoint"] = args.entrypoint
    if args.labels:
        meta.setdefault("labels", {}).update(_labels(args.labels))
    if params:
        arguments = spec.setdefault("arguments", {})
        existing = arguments.setdefault("parameters", [])
        for name, value in params.items():
            for p in existing:
                if p.get("name") == name:
                    p["value"] = value
                    break
            else:
                existing.append({"name": name, "value": value})


def _labels(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in text.split(","))):
        key, _, value = pair.partition("=")
        out[key] = value
    return out


def _load_workflows(files: list[str]) -> list[dict[str, Any]]:
    from argosy.spec.load import load_file, load_text

    bodies: list[dict[str, Any]] = []
    for f in files:
        manifests = load_text(sys.stdin.read(), "<stdin>") if f == "-" else load_file(f)
        for m in manifests:
            if m.body.get("kind") != "Workflow":
                raise ClientError(f"{f}: {m.body.get('kind')} {(m.body.get('metadata') or {}).get('name', '')}: "
                                  "argosy submit takes Workflows (use `argosy template create` or "
                                  "`argosy cron create` for the other kinds)")
            bodies.append(dict(m.body))
    if not bodies:
        raise ClientError("no Workflow to submit")
    return bodies


def submit_command(args: argparse.Namespace) -> int:
    from argosy.cli.parameters import parse_parameters

    client, namespace = connect(args)
    params = parse_parameters(args.parameter, args.parameter_file)
    created: list[dict[str, Any]] = []
    if args.from_:
        kind, _, name = args.from_.partition("/")
        resource = FROM_KINDS.get(kind.lower())
        if resource is None or not name:
            raise ClientError(f"--from {args.from_!r}: expected workflowtemplate/NAME, "
                              "clusterworkflowtemplate/NAME or cronworkflow/NAME")
        if args.files:
            raise ClientError("--from submits from an object on the server: give no FILE")
        options = {"parameters": [f"{k}={v}" for k, v in params.items()], "entryPoint": args.entrypoint,
                   "generateName": args.generate_name, "name": args.name, "labels": args.labels,
                   "serviceAccount": args.serviceaccount, "serverDryRun": args.server_dry_run or None}
        created.append(client.request("POST", workflows_path(namespace, "submit"), body={
            "namespace": namespace, "resourceKind": resource, "resourceName": name,
            "submitOptions": {k: v for k, v in options.items() if v}}))
    else:
        if not args.files:
            raise ClientError("argosy submit: give a FILE (or - for stdin), or --from KIND/NAME")
        for wf in _load_workflows(args.files):
            apply_submit_options(wf, args, params)
            ns = args.namespace or (wf.get("metadata") or {}).get("namespace") or namespace
            body: dict[str, Any] = {"namespace": ns, "workflow": wf}
            if args.server_dry_run:
                body["serverDryRun"] = True
            created.append(client.request("POST", workflows_path(ns), body=body))
    for wf in created:
        show(wf, args.output)
    if args.server_dry_run:
        return 0
    names = [(wf.get("metadata") or {}).get("name", "") for wf in created]
    ns = ((created[0].get("metadata") or {}).get("namespace") or namespace) if created else namespace
    if args.log:
        from argosy.cli.verbs.logs import print_logs

        for name in names:
            print_logs(client, ns, name, None, follow=True, args=args)
    if args.wait or args.watch:
        return wait_all(client, ns, names, watch=args.watch)
    return 0


# ---- list / get ----------------------------------------------------------------------------

def list_command(args: argparse.Namespace) -> int:
    if configured_server(args) is None:
        from argosy.cli.local import list_command as local_list

        return local_list(args)
    client, namespace = connect(args)
    selectors = [args.selector] if args.selector else []
    if args.status:
        selectors.append(f"workflows.argoproj.io/phase in ({args.status})")
    if args.completed:
        selectors.append("workflows.argoproj.io/completed=true")
    if args.running:
        selectors.append("workflows.argoproj.io/completed!=true")
    params: dict[str, Any] = {"listOptions.labelSelector": ",".join(selectors),
                              "listOptions.fieldSelector": args.field_selector,
                              "namePrefix": args.prefix}
    if args.output != "wide":
        params["fields"] = ("metadata,items.metadata,items.spec.priority,items.spec.arguments,"
                            "items.status.phase,items.status.message,items.status.startedAt,"
                            "items.status.finishedAt")
    items: list[dict[str, Any]] = []
    cont = None
    ns = "" if args.all_namespaces else namespace
    while True:
        page = client.get(workflows_path(ns) if ns else "/api/v1/workflows/", {
            **params, "listOptions.limit": args.chunk_size or None, "listOptions.continue": cont})
        items += page.get("items") or []
        cont = (page.get("metadata") or {}).get("continue")
        if not cont or not args.chunk_size:
            break
    if args.prefix:  # older servers ignore namePrefix
        items = [w for w in items if (w.get("metadata") or {}).get("name", "").startswith(args.prefix)]
    if not items and args.output not in ("json", "yaml", "name"):
        emit("No workflows found")
        return 0
    emit(print_objects(items, args.output, lambda rows: workflow_table(
        rows, args.output, namespace=args.all_namespaces)))
    return 0


def get_command(args: argparse.Namespace) -> int:
    if configured_server(args) is None:
        from argosy.cli.local import get_command as local_get

        args.output = "json" if args.output == "json" else "tree"
        code = 0
        for name in args.names:
            args.name = name
            code = max(code, local_get(args))
        return code
    client, namespace = connect(args)
    for name in args.names:
        show(client.get(workflows_path(namespace, name)), args.output)
    return 0


# ---- actions -------------------------------------------------------------------------------

def watch_command(args: argparse.Namespace) -> int:
    client, namespace = connect(args)
    return wait_all(client, namespace, [args.name], watch=True)


def wait_command(args: argparse.Namespace) -> int:
    client, namespace = connect(args)
    return wait_all(client, namespace, args.names, watch=False, ignore_not_found=args.ignore_not_found)


def delete_command(args: argparse.Namespace) -> int:
    client, namespace = connect(args)
    names = list(args.names)
    if args.all or args.completed or args.selector or args.field_selector:
        selectors = [args.selector] if args.selector else []
        if args.completed:
            selectors.append("workflows.argoproj.io/completed=true")
        page = client.get(workflows_path(namespace), {"listOptions.labelSelector": ",".join(selectors),
                                                      "listOptions.fieldSelector": args.field_selector,
                                                      "fields": "items.metadata.name"})
        names += [(w.get("metadata") or {}).get("name", "") for w in page.get("items") or []]
    elif not names:
        raise ClientError("argosy delete: give workflow names, or --all, --completed or --selector")
    for name in names:
        try:
            client.request("DELETE", workflows_path(namespace, name))
        except ServerError as err:
            if err.status == 404:
                emit(f"Workflow '{name}' not found")
                continue
            raise
        emit(f"Workflow '{name}' deleted")
    return 0


def retry_command(args: argparse.Namespace) -> int:
    client, namespace = connect(args)
    params = [p for p in args.parameter]
    for name in args.names:
        body = {"name": name, "namespace": namespace, "restartSuccessful": args.restart_successful or None,
                "nodeFieldSelector": args.node_field_selector, "parameters": params or None}
        wf = client.request("PUT", workflows_path(namespace, name, "retry"),
                            body={k: v for k, v in body.items() if v is not None})
        show(wf, args.output)
    if args.wait or args.watch:
        return wait_all(client, namespace, args.names, watch=args.watch)
    return 0


def resubmit_command(args: argparse.Namespace) -> int:
    client, namespace = connect(args)
    names: list[str] = []
    for name in args.names:
        body = {"name": name, "namespace": namespace, "memoized": args.memoized or None,
                "parameters": list(args.parameter) or None}
        wf = client.request("PUT", workflows_path(namespace, name, "resubmit"),
                            body={k: v for k, v in body.items() if v is not None})
        show(wf, args.output)
        names.append((wf.get("metadata") or {}).get("name", ""))
    if args.wait or args.watch:
        return wait_all(client, namespace, names, watch=args.watch)
    return 0


#: verb -> (API operation, argo's past tense)
SIMPLE_ACTIONS = {"suspend": "suspended", "resume": "resumed", "stop": "stopped", "terminate": "terminated"}


def action_command(args: argparse.Namespace) -> int:
    client, namespace = connect(args)
    for name in args.names:
        body: dict[str, Any] = {"name": name, "namespace": namespace}
        if getattr(args, "node_field_selector", None):
            body["nodeFieldSelector"] = args.node_field_selector
        if getattr(args, "message", None):
            body["message"] = args.message
        client.request("PUT", workflows_path(namespace, name, args.command), body=body)
        emit(f"workflow {name} {SIMPLE_ACTIONS[args.command]}")
    return 0


# ---- lint ----------------------------------------------------------------------------------

#: kind -> (collection path under /api/v1, whether namespaced, the request body's field)
LINT_TARGETS = {"Workflow": ("workflows", True, "workflow"),
                "WorkflowTemplate": ("workflow-templates", True, "template"),
                "ClusterWorkflowTemplate": ("cluster-workflow-templates", False, "template"),
                "CronWorkflow": ("cron-workflows", True, "cronWorkflow")}


def lint_command(args: argparse.Namespace) -> int:
    if args.offline or configured_server(args) is None:
        from argosy.cli.local import lint_command as local_lint

        return local_lint(args.paths)
    from argosy.spec.load import load_file, manifest_files

    client, namespace = connect(args)
    problems: list[str] = []
    for f in manifest_files(args.paths):
        for m in load_file(f):
            kind = m.body.get("kind", "")
            target = LINT_TARGETS.get(kind)
            name = (m.body.get("metadata") or {}).get("name") or (m.body.get("metadata") or {}).get(
                "generateName", "")
            if target is None:
                continue
            collection, namespaced, field = target
            api = path("api", "v1", collection, namespace, "lint") if namespaced else path(
                "api", "v1", collection, "lint")
            try:
                client.request("POST", api, body={"namespace": namespace, field: m.body})
            except ServerError as err:
                if err.status >= 500 and err.status != 501:
                    raise
                problems.append(f'{f}: in "{name}" ({kind}): {err.message}')
    if problems:
        emit("\n".join(problems))
        return 1
    emit("✔ no linting errors found!")
    return 0


# ---- the parsers ---------------------------------------------------------------------------

def _outputs(p: argparse.ArgumentParser, choices: tuple[str, ...] = OUTPUTS) -> None:
    p.add_argument("-o", "--output", choices=choices, help="output format")


def _waiting(p: argparse.ArgumentParser) -> None:
    p.add_argument("-w", "--wait", action="store_true", help="wait for the workflow to finish")
    p.add_argument("--watch", action="store_true", help="watch the workflow until it finishes")


def register(sub: Any) -> None:
    p = sub.add_parser("submit", help="submit workflows to the Argo server",
                       description="Submit workflows from FILEs (or - for stdin), or --from a template "
                                   "or cron workflow on the server.")
    p.add_argument("files", nargs="*", metavar="FILE")
    p.add_argument("--from", dest="from_", metavar="KIND/NAME",
                   help="workflowtemplate/NAME, clusterworkflowtemplate/NAME or cronworkflow/NAME")
    p.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("-f", "--parameter-file", metavar="FILE")
    p.add_argument("-e", "--entrypoint")
    p.add_argument("--name", help="override metadata.name")
    p.add_argument("--generate-name", help="override metadata.generateName")
    p.add_argument("-l", "--labels", help="comma-separated labels to apply (a=b,c=d)")
    p.add_argument("--serviceaccount", help="accepted for argo compatibility; nodes run as local processes")
    p.add_argument("--server-dry-run", action="store_true", help="check on the server without creating")
    p.add_argument("--log", action="store_true", help="print the logs as the workflow runs")
    _waiting(p)
    _outputs(p)
    connection_flags(p)
    p.set_defaults(handler=submit_command)

    p = sub.add_parser("list", help="list workflows (from the server, or the data directory without one)")
    p.add_argument("-A", "--all-namespaces", action="store_true")
    p.add_argument("--status", help="comma-separated phases, e.g. Running,Failed")
    p.add_argument("--completed", action="store_true")
    p.add_argument("--running", action="store_true")
    p.add_argument("--prefix", help="only workflows whose name starts with this")
    p.add_argument("-l", "--selector", help="label selector")
    p.add_argument("--field-selector")
    p.add_argument("--chunk-size", type=int, default=0, help="fetch in pages of this size")
    p.add_argument("--data-dir", help="local mode: the data directory")
    _outputs(p)
    connection_flags(p)
    p.set_defaults(handler=list_command)

    p = sub.add_parser("get", help="show a workflow (from the server, or the data directory without one)")
    p.add_argument("names", nargs="+", metavar="NAME")
    p.add_argument("-o", "--output", choices=("json", "yaml", "wide", "name", "short", "tree"))
    p.add_argument("--data-dir", help="local mode: the data directory")
    connection_flags(p)
    p.set_defaults(handler=get_command)

    p = sub.add_parser("watch", help="watch a workflow until it finishes")
    p.add_argument("name")
    connection_flags(p)
    p.set_defaults(handler=watch_command)

    p = sub.add_parser("wait", help="wait for workflows to finish; exit 1 unless all succeeded")
    p.add_argument("names", nargs="+", metavar="NAME")
    p.add_argument("--ignore-not-found", action="store_true")
    connection_flags(p)
    p.set_defaults(handler=wait_command)

    p = sub.add_parser("delete", help="delete workflows")
    p.add_argument("names", nargs="*", metavar="NAME")
    p.add_argument("--all", action="store_true")
    p.add_argument("--completed", action="store_true")
    p.add_argument("-l", "--selector")
    p.add_argument("--field-selector")
    connection_flags(p)
    p.set_defaults(handler=delete_command)

    p = sub.add_parser("retry", help="retry failed workflows")
    p.add_argument("names", nargs="+", metavar="NAME")
    p.add_argument("--restart-successful", action="store_true")
    p.add_argument("--node-field-selector")
    p.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE")
    _waiting(p)
    _outputs(p)
    connection_flags(p)
    p.set_defaults(handler=retry_command)

    p = sub.add_parser("resubmit", help="submit workflows again as new workflows")
    p.add_argument("names", nargs="+", metavar="NAME")
    p.add_argument("--memoized", action="store_true",
                   help="reuse the steps that succeeded (a Failed or Error workflow only): they are not run again")
    p.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE")
    _waiting(p)
    _outputs(p)
    connection_flags(p)
    p.set_defaults(handler=resubmit_command)

    for verb, text in (("suspend", "suspend workflows"), ("resume", "resume suspended workflows"),
                       ("stop", "stop workflows (exit handlers run)"),
                       ("terminate", "terminate workflows (exit handlers do not run)")):
        p = sub.add_parser(verb, help=text)
        p.add_argument("names", nargs="+", metavar="NAME")
        if verb in ("resume", "stop"):
            p.add_argument("--node-field-selector")
        if verb == "stop":
            p.add_argument("--message")
        connection_flags(p)
        p.set_defaults(handler=action_command)

    p = sub.add_parser("lint", help="lint manifests (on the server when one is configured, else offline)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--offline", action="store_true", help="lint locally even when a server is configured")
    connection_flags(p)
    p.set_defaults(handler=lint_command)
