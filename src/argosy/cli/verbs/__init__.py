"""The client verbs: each talks to ``argosy server`` over its REST API (argo's CLI, rebuilt).

One module per verb group; each exposes ``register(subparsers)`` and sets ``handler`` on
its parsers. ``get``, ``list``, ``logs`` and ``lint`` keep their local behaviour (the data
directory, offline lint) when no server is configured.
"""

from __future__ import annotations

import argparse
from typing import Any

from argosy.cli.client import ArgoClient, configured_server, namespace_of
from argosy.errors import ClientError


def connection_flags(parser: argparse.ArgumentParser, *, namespaced: bool = True) -> None:
    """argo's global flags: where the server is, how to authenticate, which namespace."""
    group = parser.add_argument_group("server connection (argo's flags and environment)")
    if namespaced:
        group.add_argument("-n", "--namespace", help="namespace (default: $ARGO_NAMESPACE, else default)")
    group.add_argument("-s", "--argo-server", metavar="HOST:PORT",
                       help="the Argo server's address (default: $ARGO_SERVER)")
    group.add_argument("--token", help="bearer token (default: $ARGO_TOKEN)")
    group.add_argument("--secure", action="store_true", default=None,
                       help="use TLS (default: $ARGO_SECURE, else plain HTTP)")
    group.add_argument("-k", "--insecure-skip-verify", action="store_true",
                       help="do not verify the server's TLS certificate")


#: ``-o`` choices of the verbs that print objects
OBJECT_OUTPUTS = ("name", "json", "yaml", "wide")


def object_verbs(verbs: Any, kind: str, handlers: dict[str, Any], *, namespaced: bool = True,
                 delete_all_help: str | None = None) -> None:
    """``create FILE…``, ``get NAME…``, ``list [-A]`` and ``delete NAME…|--all`` of one kind
    (``handlers`` by verb), as argo's template, cron and binding commands have them."""
    p = verbs.add_parser("create", help=f"create {kind}s from FILEs")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("-o", "--output", choices=OBJECT_OUTPUTS)
    connection_flags(p, namespaced=namespaced)
    p.set_defaults(handler=handlers["create"])

    p = verbs.add_parser("get", help=f"show {kind}s")
    p.add_argument("names", nargs="+", metavar="NAME")
    p.add_argument("-o", "--output", choices=OBJECT_OUTPUTS)
    connection_flags(p, namespaced=namespaced)
    p.set_defaults(handler=handlers["get"])

    p = verbs.add_parser("list", help=f"list {kind}s")
    if namespaced:
        p.add_argument("-A", "--all-namespaces", action="store_true")
    p.add_argument("-o", "--output", choices=OBJECT_OUTPUTS)
    connection_flags(p, namespaced=namespaced)
    p.set_defaults(handler=handlers["list"])

    p = verbs.add_parser("delete", help=f"delete {kind}s")
    p.add_argument("names", nargs="*", metavar="NAME")
    p.add_argument("--all", action="store_true", help=delete_all_help)
    connection_flags(p, namespaced=namespaced)
    p.set_defaults(handler=handlers["delete"])


def delete_objects(args: Any, kind: str, command: str, path_of: Any) -> int:
    """``argosy COMMAND delete NAME…|--all``: each named (or every) object of the collection
    ``path_of(namespace, *name)`` deleted, as argo's delete verbs print it."""
    client, namespace = connect(args)
    names = list(args.names)
    if args.all:
        names += [(o.get("metadata") or {}).get("name", "") for o in client.get(path_of(namespace)).get("items") or []]
    elif not names:
        raise ClientError(f"argosy {command} delete: give names, or --all")
    for name in names:
        client.request("DELETE", path_of(namespace, name))
        print(f"{kind} '{name}' deleted", flush=True)
    return 0


def connect(args: Any) -> tuple[ArgoClient, str]:
    """The client of the configured server and the namespace to work in."""
    config = configured_server(args)
    if config is None:
        raise ClientError(f"`argosy {args.command}` talks to an Argo server: set ARGO_SERVER=host:port "
                          "or pass --argo-server (start one with `argosy server`)")
    return ArgoClient(config), namespace_of(args)


def register(sub: Any) -> None:
    """Add every client verb to the ``argosy`` command's subparsers."""
    from argosy.cli.verbs import archive, cron, event_bindings, logs, templates, workflows

    workflows.register(sub)
    logs.register(sub)
    templates.register(sub)
    cron.register(sub)
    archive.register(sub)
    event_bindings.register(sub)
