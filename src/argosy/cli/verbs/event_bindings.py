"""``argosy event-binding …`` (WorkflowEventBindings on the server) and ``argosy event send``.

Argo has no CLI verb for bindings (``kubectl apply`` makes them); Argosy has no kubectl, so
these verbs call the server's ``/api/v1/workflow-event-bindings/{namespace}``. ``event send``
posts an event as ``curl -d JSON …/api/v1/events/{namespace}/{discriminator}`` would.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any

from argosy.cli.client import path
from argosy.cli.output import human_duration, object_details, parse_time, print_objects, table
from argosy.cli.verbs import connect, connection_flags, delete_objects, object_verbs
from argosy.cli.verbs.templates import load_objects
from argosy.cli.verbs.workflows import emit, show_object
from argosy.errors import ClientError, ServerError

KIND = "WorkflowEventBinding"


def bindings_path(namespace: str, *rest: str) -> str:
    return path("api", "v1", "workflow-event-bindings", namespace, *rest)


def _details(obj: dict[str, Any]) -> str:
    spec = obj.get("spec") or {}
    ref = (spec.get("submit") or {}).get("workflowTemplateRef") or {}
    return (object_details(obj) + f"\nSelector:            {(spec.get('event') or {}).get('selector', '')}"
            + (f"\nSubmits:             {_template(ref)}" if ref else ""))


def _template(ref: dict[str, Any]) -> str:
    return ("ClusterWorkflowTemplate/" if ref.get("clusterScope") else "WorkflowTemplate/") + str(ref.get("name", ""))


def create_command(args: argparse.Namespace) -> int:
    client, namespace = connect(args)
    for body in load_objects(args.files, KIND):
        show_object(client.request("POST", bindings_path(namespace), body=body), args.output, _details)
    return 0


def get_command(args: argparse.Namespace) -> int:
    client, namespace = connect(args)
    for name in args.names:
        show_object(client.get(bindings_path(namespace, name)), args.output, _details)
    return 0


def _rows(objs: list[dict[str, Any]], every: bool) -> str:
    now = time.time()
    rows = [(["NAMESPACE"] if every else []) + ["NAME", "AGE", "TEMPLATE", "SELECTOR"]]
    for o in objs:
        meta, spec = o.get("metadata") or {}, o.get("spec") or {}
        created = parse_time(meta.get("creationTimestamp"))
        ref = (spec.get("submit") or {}).get("workflowTemplateRef") or {}
        selector = " ".join(str((spec.get("event") or {}).get("selector", "")).split())
        rows.append(([meta.get("namespace", "")] if every else []) + [
            meta.get("name", ""), human_duration(now - created) if created else "",
            _template(ref) if ref else "", selector if len(selector) <= 60 else selector[:57] + "..."])
    return table(rows)


def list_command(args: argparse.Namespace) -> int:
    client, namespace = connect(args)
    page = client.get("/api/v1/workflow-event-bindings/" if args.all_namespaces else bindings_path(namespace))
    items = page.get("items") or []
    if not items and args.output not in ("json", "yaml", "name"):
        emit("No WorkflowEventBindings found")
        return 0
    emit(print_objects(items, args.output or "wide", lambda objs: _rows(objs, args.all_namespaces)))
    return 0


def delete_command(args: argparse.Namespace) -> int:
    return delete_objects(args, KIND, "event-binding", bindings_path)


def lint_command(args: argparse.Namespace) -> int:
    client, namespace = connect(args)
    problems = []
    for body in load_objects(args.files, KIND):
        try:
            client.request("POST", bindings_path(namespace, "lint"), body=body)
        except ServerError as err:
            if err.status >= 500:
                raise
            problems.append(f'in "{(body.get("metadata") or {}).get("name", "")}" ({KIND}): {err.message}')
    if problems:
        emit("\n".join(problems))
        return 1
    emit("✔ no linting errors found!")
    return 0


def send_command(args: argparse.Namespace) -> int:
    client, namespace = connect(args)
    text = sys.stdin.read() if args.data == "-" else args.data
    try:
        payload = json.loads(text)
    except ValueError as err:
        raise ClientError(f"argosy event send: --data must be JSON ({err})") from None
    client.request("POST", path("api", "v1", "events", namespace, args.discriminator), body=payload)
    emit(f"event sent to {namespace}/{args.discriminator}")
    return 0


def register(sub: Any) -> None:
    g = sub.add_parser("event-binding", help="manage WorkflowEventBindings on the server",
                       description="WorkflowEventBindings: which WorkflowTemplate an event posted to "
                                   "/api/v1/events/{namespace}/{discriminator} submits (README: Events)")
    verbs = g.add_subparsers(dest="verb", required=True, metavar="VERB")
    object_verbs(verbs, "WorkflowEventBinding", {"create": create_command, "get": get_command,
                                                 "list": list_command, "delete": delete_command},
                 delete_all_help="every binding of the namespace")

    p = verbs.add_parser("lint", help="check WorkflowEventBindings on the server (expressions included)")
    p.add_argument("files", nargs="+", metavar="FILE")
    connection_flags(p)
    p.set_defaults(handler=lint_command)

    e = sub.add_parser("event", help="send an event to the server's bindings")
    events = e.add_subparsers(dest="verb", required=True, metavar="VERB")
    p = events.add_parser("send", help="POST a JSON payload to /api/v1/events/{namespace}/{discriminator}",
                          description="Send an event: every WorkflowEventBinding of the namespace whose "
                                      "selector matches it submits its template.")
    p.add_argument("discriminator", nargs="?", default="", help="the URL's last segment (may be empty)")
    p.add_argument("-d", "--data", default="{}", help="the JSON payload ('-': read it from stdin)")
    connection_flags(p)
    p.set_defaults(handler=send_command)
