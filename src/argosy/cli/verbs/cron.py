"""``argosy cron …``: CronWorkflows on the server (create, get, list, delete, suspend, resume, lint,
and Argosy's backfill and next)."""

from __future__ import annotations

import argparse
import time
from typing import Any

from argosy.cli.client import path
from argosy.cli.output import dump, human_duration, parse_time, print_objects, table
from argosy.cli.verbs import connect, connection_flags, delete_objects, object_verbs
from argosy.cli.verbs.templates import load_objects
from argosy.cli.verbs.workflows import emit, show_object
from argosy.errors import ArgosyError, ClientError, ServerError


def cron_path(namespace: str, *rest: str) -> str:
    return path("api", "v1", "cron-workflows", namespace, *rest)


def create_command(args: argparse.Namespace) -> int:
    client, namespace = connect(args)
    for body in load_objects(args.files, "CronWorkflow"):
        show_object(client.request("POST", cron_path(namespace), body={"namespace": namespace, "cronWorkflow": body}),
              args.output)
    return 0


def get_command(args: argparse.Namespace) -> int:
    client, namespace = connect(args)
    for name in args.names:
        show_object(client.get(cron_path(namespace, name)), args.output)
    return 0


def _next_run(spec: dict[str, Any], now: float) -> str:
    """How long until the next run (argo's NEXT RUN), from the schedules; '' when there is none."""
    from argosy.controller.schedule import cron_schedule

    try:
        upcoming = cron_schedule(spec).next(now)
    except ArgosyError:
        return ""
    return human_duration(upcoming - now) if upcoming is not None else ""


def _rows(objs: list[dict[str, Any]], every: bool) -> str:
    now = time.time()
    head = (["NAMESPACE"] if every else []) + ["NAME", "AGE", "LAST RUN", "NEXT RUN", "SCHEDULES", "TIMEZONE",
                                               "SUSPENDED"]
    rows = [head]
    for o in objs:
        meta, spec, status = o.get("metadata") or {}, o.get("spec") or {}, o.get("status") or {}
        created, last = parse_time(meta.get("creationTimestamp")), parse_time(status.get("lastScheduledTime"))
        schedules = spec.get("schedules") or ([spec["schedule"]] if spec.get("schedule") else [])
        rows.append(([meta.get("namespace", "")] if every else []) + [
            meta.get("name", ""), human_duration(now - created) if created else "",
            human_duration(now - last) if last else "N/A",
            "N/A" if spec.get("suspend") else _next_run(spec, now), ",".join(schedules), spec.get("timezone", ""),
            "true" if spec.get("suspend") else "false"])
    return table(rows)


def list_command(args: argparse.Namespace) -> int:
    client, namespace = connect(args)
    page = client.get("/api/v1/cron-workflows/" if args.all_namespaces else cron_path(namespace))
    items = page.get("items") or []
    if not items and args.output not in ("json", "yaml", "name"):
        emit("No CronWorkflows found")
        return 0
    emit(print_objects(items, args.output, lambda objs: _rows(objs, args.all_namespaces)))
    return 0


def delete_command(args: argparse.Namespace) -> int:
    return delete_objects(args, "CronWorkflow", "cron", cron_path)


def toggle_command(args: argparse.Namespace) -> int:
    client, namespace = connect(args)
    for name in args.names:
        client.request("PUT", cron_path(namespace, name, args.verb), body={"namespace": namespace, "name": name})
        emit(f"CronWorkflow '{name}' {args.verb}{'ed' if args.verb == 'suspend' else 'd'}")
    return 0


def lint_command(args: argparse.Namespace) -> int:
    client, namespace = connect(args)
    problems = []
    for body in load_objects(args.files, "CronWorkflow"):
        try:
            client.request("POST", cron_path(namespace, "lint"), body={"namespace": namespace, "cronWorkflow": body})
        except ServerError as err:
            if err.status >= 500:
                raise
            problems.append(f'in "{(body.get("metadata") or {}).get("name", "")}" (CronWorkflow): {err.message}')
    if problems:
        emit("\n".join(problems))
        return 1
    emit("✔ no linting errors found!")
    return 0


def argosy_path(namespace: str, name: str, *rest: str) -> str:
    return path("api", "v1", "argosy", "cron-workflows", namespace, name, *rest)


def backfill_command(args: argparse.Namespace) -> int:
    client, namespace = connect(args)
    if args.parallelism < 1:
        raise ClientError("argosy cron backfill: --parallelism must be at least 1")
    answer = client.request("POST", argosy_path(namespace, args.name, "backfill"), body={
        "start": args.start, "end": args.end, "parallelism": args.parallelism})
    if args.output in ("json", "yaml"):
        emit(dump(answer, args.output))
    elif args.output == "name":
        emit("\n".join(answer.get("workflows") or []))
    else:
        times, names = answer.get("scheduledTimes") or [], answer.get("workflows") or []
        emit(f"Backfill {answer.get('name', '')}: {len(times)} run(s) of CronWorkflow '{args.name}', "
             f"at most {args.parallelism} at once")
        if times:
            emit(table([["SCHEDULED TIME", "WORKFLOW"], *([t, n] for t, n in zip(times, names, strict=False))]))
    return 0


def next_command(args: argparse.Namespace) -> int:
    client, namespace = connect(args)
    answer = client.get(argosy_path(namespace, args.name, "next") + f"?count={args.count}")
    times = answer.get("nextScheduledTimes") or []
    if args.output in ("json", "yaml"):
        emit(dump(answer, args.output))
    elif not times:
        emit(f"CronWorkflow '{args.name}' has no next run")
    else:
        emit("\n".join(times))
    return 0


def register(sub: Any) -> None:
    g = sub.add_parser("cron", help="manage CronWorkflows on the server")
    verbs = g.add_subparsers(dest="verb", required=True, metavar="VERB")
    object_verbs(verbs, "CronWorkflow", {"create": create_command, "get": get_command, "list": list_command,
                                         "delete": delete_command})

    for verb in ("suspend", "resume"):
        p = verbs.add_parser(verb, help=f"{verb} CronWorkflows")
        p.add_argument("names", nargs="+", metavar="NAME")
        connection_flags(p)
        p.set_defaults(handler=toggle_command)

    p = verbs.add_parser(
        "backfill", help="run a CronWorkflow for every time its schedules would have run in a range",
        description="Run CronWorkflow NAME for each time its schedules would have run between --start and "
                    "--end (RFC 3339, e.g. 2024-05-01T00:00:00Z), each as the workflow the schedule would "
                    "have made for that time, at most --parallelism at once (the server goes on after a "
                    "restart). `when`, `suspend` and `concurrencyPolicy` are not applied to a backfill.")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--start", required=True, help="first time of the range (RFC 3339), inclusive")
    p.add_argument("--end", required=True, help="last time of the range (RFC 3339), inclusive")
    p.add_argument("--parallelism", type=int, default=1, help="how many runs at once (default 1)")
    p.add_argument("-o", "--output", choices=("name", "json", "yaml"))
    connection_flags(p)
    p.set_defaults(handler=backfill_command)

    p = verbs.add_parser("next", help="show the next run times of a CronWorkflow")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--count", type=int, default=1, help="how many run times (default 1, at most 100)")
    p.add_argument("-o", "--output", choices=("json", "yaml"))
    connection_flags(p)
    p.set_defaults(handler=next_command)

    p = verbs.add_parser("lint", help="lint CronWorkflows on the server")
    p.add_argument("files", nargs="+", metavar="FILE")
    connection_flags(p)
    p.set_defaults(handler=lint_command)
