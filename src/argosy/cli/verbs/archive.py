"""``argosy archive …``: the workflow archive on the server (list, get, delete, retry,
resubmit, label keys and values), addressed by uid as argo's CLI does."""

from __future__ import annotations

import argparse
from typing import Any

from argosy.cli.client import path
from argosy.cli.output import OUTPUTS, print_objects, workflow_table
from argosy.cli.verbs import connect, connection_flags
from argosy.cli.verbs.workflows import emit, show, wait_all

ARCHIVE = ("api", "v1", "archived-workflows")


def list_command(args: argparse.Namespace) -> int:
    client, namespace = connect(args)
    params: dict[str, Any] = {"namespace": "" if args.all_namespaces else namespace,
                              "listOptions.labelSelector": args.selector, "namePrefix": args.prefix}
    items: list[dict[str, Any]] = []
    cont = None
    while True:
        page = client.get(path(*ARCHIVE), {**params, "listOptions.limit": args.chunk_size or None,
                                           "listOptions.continue": cont})
        items += page.get("items") or []
        cont = (page.get("metadata") or {}).get("continue")
        if not cont or not args.chunk_size:
            break
    if not items and args.output not in ("json", "yaml", "name"):
        emit("No archived workflows found")
        return 0
    emit(print_objects(items, args.output, lambda rows: workflow_table(rows, args.output, namespace=True,
                                                                        uid=True)))
    return 0


def get_command(args: argparse.Namespace) -> int:
    client, namespace = connect(args)
    show(client.get(path(*ARCHIVE, args.uid), {"namespace": namespace}), args.output)
    return 0


def delete_command(args: argparse.Namespace) -> int:
    client, _ = connect(args)
    for uid in args.uids:
        client.request("DELETE", path(*ARCHIVE, uid))
        emit(f"Archived workflow '{uid}' deleted")
    return 0


def again_command(args: argparse.Namespace) -> int:
    """``archive retry`` and ``archive resubmit``: a live workflow from an archived one."""
    client, namespace = connect(args)
    names = []
    for uid in args.uids:
        body: dict[str, Any] = {"uid": uid, "namespace": namespace}
        if args.parameter:
            body["parameters"] = list(args.parameter)
        if args.verb == "retry":
            if args.restart_successful:
                body["restartSuccessful"] = True
            if args.node_field_selector:
                body["nodeFieldSelector"] = args.node_field_selector
        elif args.memoized:
            body["memoized"] = True
        wf = client.request("PUT", path(*ARCHIVE, uid, args.verb), body=body)
        show(wf, args.output)
        names.append((wf.get("metadata") or {}).get("name", ""))
    if args.wait or args.watch:
        return wait_all(client, namespace, names, watch=args.watch)
    return 0


def label_keys_command(args: argparse.Namespace) -> int:
    client, namespace = connect(args)
    emit("\n".join(client.get("/api/v1/archived-workflows-label-keys", {"namespace": namespace}).get(
        "items") or []))
    return 0


def label_values_command(args: argparse.Namespace) -> int:
    client, namespace = connect(args)
    emit("\n".join(client.get("/api/v1/archived-workflows-label-values", {
        "namespace": namespace, "listOptions.labelSelector": args.selector}).get("items") or []))
    return 0


def register(sub: Any) -> None:
    g = sub.add_parser("archive", help="the workflow archive on the server")
    verbs = g.add_subparsers(dest="verb", required=True, metavar="VERB")

    p = verbs.add_parser("list", help="list archived workflows")
    p.add_argument("-A", "--all-namespaces", action="store_true")
    p.add_argument("-l", "--selector", help="label selector")
    p.add_argument("--prefix", help="only names starting with this")
    p.add_argument("--chunk-size", type=int, default=0)
    p.add_argument("-o", "--output", choices=OUTPUTS)
    connection_flags(p)
    p.set_defaults(handler=list_command)

    p = verbs.add_parser("get", help="show an archived workflow by uid")
    p.add_argument("uid", metavar="UID")
    p.add_argument("-o", "--output", choices=OUTPUTS)
    connection_flags(p)
    p.set_defaults(handler=get_command)

    p = verbs.add_parser("delete", help="delete archived workflows by uid")
    p.add_argument("uids", nargs="+", metavar="UID")
    connection_flags(p)
    p.set_defaults(handler=delete_command)

    for verb in ("retry", "resubmit"):
        p = verbs.add_parser(verb, help=f"{verb} archived workflows by uid")
        p.add_argument("uids", nargs="+", metavar="UID")
        p.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE")
        if verb == "retry":
            p.add_argument("--restart-successful", action="store_true")
            p.add_argument("--node-field-selector")
        else:
            p.add_argument("--memoized", action="store_true",
                           help="reuse the steps that succeeded (a Failed or Error workflow only)")
        p.add_argument("-w", "--wait", action="store_true")
        p.add_argument("--watch", action="store_true")
        p.add_argument("-o", "--output", choices=OUTPUTS)
        connection_flags(p)
        p.set_defaults(handler=again_command)

    p = verbs.add_parser("list-label-keys", help="label keys of archived workflows")
    connection_flags(p)
    p.set_defaults(handler=label_keys_command)

    p = verbs.add_parser("list-label-values", help="values of one label among archived workflows")
    p.add_argument("-l", "--selector", required=True, metavar="KEY")
    connection_flags(p)
    p.set_defaults(handler=label_values_command)
