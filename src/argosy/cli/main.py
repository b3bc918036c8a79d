"""``argosy``: the command line.

argparse rather than Typer: start-up time is part of every ``argosy run`` and Typer's
import alone costs more than our whole engine does for a small workflow.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from argosy.errors import ArgosyError, LintError


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

    if (argv if argv is not None else sys.argv[1:])[:1] != ["run"]:  # `run` starts fast: skip the client's
        from argosy.cli.verbs import register

        register(sub)

    from argosy.cli.server import add_parser as add_server_parser

    add_server_parser(sub)

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
        if args.runtime == "process":
            # the sandbox probe runs in other processes while this one imports the controller
            from argosy.runtime.probe import start_probe

            start_probe()
        from argosy.cli.run import run_command

        return run_command(args)
    handler = getattr(args, "handler", None)
    if handler is not None:
        return int(handler(args))
    if args.command == "server":
        from argosy.cli.server import server_command

        return server_command(args)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
