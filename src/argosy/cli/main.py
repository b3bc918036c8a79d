"""``argosy``: the command line.

argparse rather than Typer: start-up time is part of every ``argosy run`` and Typer's
import alone costs more than our whole engine does for a small workflow.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from argosy.cli.home import data_dir, open_data_store
from argosy.errors import ArgosyError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="argosy", description="Run Argo Workflows locally, unchanged.")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run every Workflow in FILE to completion")
    run.add_argument("file")
    run.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE")
    run.add_argument("--parameter-file", metavar="F")
    run.add_argument("--entrypoint")
    run.add_argument("--with", dest="with_paths", action="append", default=[], metavar="PATH")
    run.add_argument("-o", "--output", choices=["tree", "json", "name"], default="tree")
    run.add_argument("--data-dir")

    if (argv if argv is not None else sys.argv[1:])[:1] != ["run"]:  # `run` starts fast: skip the client's
        from argosy.cli.verbs import register

        register(sub)

    from argosy.cli.server import add_parser as add_server_parser

    add_server_parser(sub)

    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            from argosy.cli.run import run_command

            return run_command(args)
        handler = getattr(args, "handler", None)
        if handler is not None:
            return int(handler(args))
        if args.command == "server":
            from argosy.cli.server import server_command

            return server_command(args)
    except ArgosyError as err:
        print(f"argosy: {err}", file=sys.stderr)
        return 1
    return 2


def lint_command(paths: list[str]) -> int:
    from argosy.lint import format_problems, lint_paths

    problems = lint_paths(paths)
    print(format_problems(problems), end="")
    return 1 if problems else 0


#: how ``list`` and ``get`` show an unfinished workflow whose ``argosy`` process is gone
ORPHANED = "orphaned: the argosy process running it is gone; the next `argosy run` here recovers it"


def _find(args: argparse.Namespace) -> tuple[Any, bool]:
    """The workflow ``args.name`` (the newest of that name) or None, and whether it is orphaned."""
    store = open_data_store(data_dir(args.data_dir))
    try:
        found = store.find_workflow("default", args.name)
        if found is None:
            found = next((r for r in store.list_workflows(name_prefix=args.name).items if r.name == args.name),
                         None)
        if found is not None and found.status.get("nodes") is None:
            found = store.get_workflow(found.uid) or found
        orphaned = found is not None and not found.finished and any(
            o.uid == found.uid for o in store.orphans())
        return found, orphaned
    finally:
        store.close()


def get_command(args: argparse.Namespace) -> int:
    record, orphaned = _find(args)
    if record is None:
        print(f"argosy: workflow {args.name!r} not found", file=sys.stderr)
        return 1
    wf = record.to_workflow()
    if args.output == "json":
        print(json.dumps(wf, indent=2))
    else:
        from argosy.cli.tree import render_tree

        if orphaned:
            wf["status"]["message"] = ORPHANED
        print(render_tree(wf))
    return 0


def logs_command(args: argparse.Namespace) -> int:
    from argosy.runtime.logs import journal_path, read_journal

    found, _ = _find(args)
    # journals are keyed by uid; one from before that change is keyed by name
    path = journal_path(data_dir(args.data_dir), found.uid if found is not None else args.name)
    if not path.exists():
        print(f"argosy: no logs for workflow {args.name!r}", file=sys.stderr)
        return 1
    by_source: dict[str, list[bytes]] = {}  # each container's output, in order of appearance
    for record in read_journal(path):
        by_source.setdefault(record.source, []).append(record.data)
    for source, chunks in by_source.items():
        for line in b"".join(chunks).decode(errors="replace").splitlines():
            print(f"{source}: {line}")
    return 0


def list_command(args: argparse.Namespace) -> int:
    store = open_data_store(data_dir(args.data_dir))
    try:
        records = store.list_workflows().items
        orphans = {o.uid for o in store.orphans()}
    finally:
        store.close()
    for record in reversed(records):  # oldest first, as before
        note = f" ({ORPHANED})" if record.uid in orphans else ""
        print(f"{record.namespace}/{record.name}\t{record.phase}{note}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
