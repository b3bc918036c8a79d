"""``argosy``: the command line.

argparse rather than Typer: start-up time is part of every ``argosy run`` and Typer's
import alone costs more than our whole engine does for a small workflow.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any

from argosy.errors import ArgosyError, LintError


def data_dir(explicit: str | None) -> Path:
    return Path(explicit or os.environ.get("ARGOSY_HOME") or Path.home() / ".argosy")


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
    run.add_argument("--runtime", choices=["process", "docker"], default="process",
                     help="where steps run: host processes in sandboxes, or containers on the local Docker Engine")

    lint = sub.add_parser("lint", help="check manifests offline")
    lint.add_argument("paths", nargs="+")

    get = sub.add_parser("get", help="show a finished workflow from the data directory")
    get.add_argument("name")
    get.add_argument("-o", "--output", choices=["tree", "json"], default="tree")
    get.add_argument("--data-dir")

    logs = sub.add_parser("logs", help="print a workflow's node logs from the data directory")
    logs.add_argument("name")
    logs.add_argument("--data-dir")

    ls = sub.add_parser("list", help="list workflows in the data directory")
    ls.add_argument("--data-dir")

    args = parser.parse_args(argv)
    try:
        code = _dispatch(args)
        sys.stdout.flush()  # a closed pipe must fail here, inside the try, not at exit
        return code
    except LintError as err:
        print(f"argosy: {err}", file=sys.stderr)  # one line per problem
        return 1
    except ArgosyError as err:
        print(f"argosy: {' '.join(str(err).splitlines())}", file=sys.stderr)  # one line, whatever it quotes
        return 1
    except BrokenPipeError:
        # The reader went away (``argosy logs NAME | head -1``): stop quietly, with the
        # status a tool killed by SIGPIPE has; stdout goes nowhere so exit's flush is silent.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "run":
        from argosy.cli.run import run_command

        return run_command(args)
    if args.command == "lint":
        return lint_command(args.paths)
    if args.command == "get":
        return get_command(args)
    if args.command == "logs":
        return logs_command(args)
    if args.command == "list":
        return list_command(args)
    return 2


def lint_command(paths: list[str]) -> int:
    from argosy.lint import format_problems, lint_paths

    problems = lint_paths(paths)
    print(format_problems(problems), end="")
    return 1 if problems else 0


def _store(explicit: str | None) -> Any:
    from argosy.store import Store

    return Store(data_dir(explicit) / "argosy.db")


def get_command(args: argparse.Namespace) -> int:
    wf = _store(args.data_dir).find(args.name)
    if wf is None:
        print(f"argosy: workflow {args.name!r} not found", file=sys.stderr)
        return 1
    if args.output == "json":
        print(json.dumps(wf, indent=2))
    else:
        from argosy.cli.tree import render_tree

        print(render_tree(wf))
    return 0


def logs_command(args: argparse.Namespace) -> int:
    from argosy.runtime.logs import journal_path, read_journal

    path = journal_path(data_dir(args.data_dir), args.name)
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
    for row in _store(args.data_dir).list():
        print(f"{row['namespace']}/{row['name']}\t{row['phase']}")
    return 0


def install_interrupts(loop: asyncio.AbstractEventLoop, runners: list[Any]) -> None:
    """Ctrl-C once stops (exit handlers run); twice terminates."""
    presses = {"n": 0}

    def on_sigint() -> None:
        presses["n"] += 1
        strategy = "Stop" if presses["n"] == 1 else "Terminate"
        print(f"\nargosy: {strategy.lower()}ping (press Ctrl-C again to terminate)" if strategy == "Stop"
              else "\nargosy: terminating", file=sys.stderr)
        for r in runners:
            r.stop(strategy)

    try:
        loop.add_signal_handler(signal.SIGINT, on_sigint)
    except (NotImplementedError, RuntimeError):  # pragma: no cover - non-main thread
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
