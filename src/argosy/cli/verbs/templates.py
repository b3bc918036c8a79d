"""``argosy template …`` and ``argosy cluster-template …``: WorkflowTemplates and
ClusterWorkflowTemplates on the server (create, get, list, delete, lint)."""

from __future__ import annotations

import argparse
from typing import Any

from argosy.cli.client import path
from argosy.cli.output import print_objects, table
from argosy.cli.verbs import connect, connection_flags, delete_objects, object_verbs
from argosy.cli.verbs.workflows import emit, show_object
from argosy.errors import ClientError, ServerError

#: verb group -> (kind, collection under /api/v1, namespaced)
GROUPS = {"template": ("WorkflowTemplate", "workflow-templates", True),
          "cluster-template": ("ClusterWorkflowTemplate", "cluster-workflow-templates", False)}


def _collection(args: argparse.Namespace, namespace: str, *rest: str) -> str:
    _, collection, namespaced = GROUPS[args.command]
    return path("api", "v1", collection, namespace, *rest) if namespaced else path(
        "api", "v1", collection, *rest)


def load_objects(files: list[str], kind: str) -> list[dict[str, Any]]:
    """The objects of ``kind`` in the files; another kind is an error naming the right verb."""
    from argosy.spec.load import load_file

    bodies = []
    for f in files:
        for m in load_file(f):
            if m.body.get("kind") != kind:
                raise ClientError(f"{f}: expected {kind} objects, found {m.body.get('kind')}")
            bodies.append(dict(m.body))
    return bodies


def create_command(args: argparse.Namespace) -> int:
    client, namespace = connect(args)
    kind = GROUPS[args.command][0]
    for body in load_objects(args.files, kind):
        obj = client.request("POST", _collection(args, namespace),
                             body={"namespace": namespace, "template": body})
        show_object(obj, args.output)
    return 0


def get_command(args: argparse.Namespace) -> int:
    client, namespace = connect(args)
    for name in args.names:
        show_object(client.get(_collection(args, namespace, name)), args.output)
    return 0


def list_command(args: argparse.Namespace) -> int:
    client, namespace = connect(args)
    every = getattr(args, "all_namespaces", False)
    page = client.get(_collection(args, "" if every else namespace).rstrip("/") + ("/" if every else ""))
    items = page.get("items") or []
    if not items and args.output not in ("json", "yaml", "name"):
        emit(f"No {GROUPS[args.command][0]}s found")
        return 0

    def rows(objs: list[dict[str, Any]]) -> str:
        head = ["NAMESPACE", "NAME"] if every else ["NAME"]
        return table([head] + [([(o.get("metadata") or {}).get("namespace", "")] if every else [])
                               + [(o.get("metadata") or {}).get("name", "")] for o in objs])

    emit(print_objects(items, args.output, rows))
    return 0


def delete_command(args: argparse.Namespace) -> int:
    return delete_objects(args, GROUPS[args.command][0], args.command,
                          lambda namespace, *name: _collection(args, namespace, *name))


def lint_command(args: argparse.Namespace) -> int:
    from argosy.spec.load import manifest_files

    client, namespace = connect(args)
    kind = GROUPS[args.command][0]
    problems = []
    for f in manifest_files(args.files):
        for body in load_objects([f], kind):
            try:
                client.request("POST", _collection(args, namespace, "lint"),
                               body={"namespace": namespace, "template": body})
            except ServerError as err:
                if err.status >= 500:
                    raise
                problems.append(f'{f}: in "{(body.get("metadata") or {}).get("name", "")}" ({kind}): '
                                f"{err.message}")
    if problems:
        emit("\n".join(problems))
        return 1
    emit("✔ no linting errors found!")
    return 0


def register(sub: Any) -> None:
    for group, (kind, _, namespaced) in GROUPS.items():
        g = sub.add_parser(group, help=f"manage {kind}s on the server")
        verbs = g.add_subparsers(dest="verb", required=True, metavar="VERB")

        object_verbs(verbs, kind, {"create": create_command, "get": get_command, "list": list_command,
                                   "delete": delete_command}, namespaced=namespaced)

        p = verbs.add_parser("lint", help=f"lint {kind}s on the server")
        p.add_argument("files", nargs="+", metavar="FILE")
        connection_flags(p, namespaced=namespaced)
        p.set_defaults(handler=lint_command)
