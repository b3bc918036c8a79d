"""``argosy run``: load, check and submit Workflows to an in-process Controller; wait; print.

The Controller does the work (submission rules, workers, store, recovery); this module reads
the command line, shows progress, and turns signals into Argo's stop and terminate.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from typing import Any

from argosy.cli.parameters import parse_parameters
from argosy.controller import Controller, loop, prepare_workflow
from argosy.errors import StoreError
from argosy.lint import format_problems, lint_objects
from argosy.spec import ObjectSet, load_paths

#: signals that stop the run as Ctrl-C does: the first stops (exit handlers run), the next terminates
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def install_interrupts(event_loop: asyncio.AbstractEventLoop, controller: Controller) -> None:
    """Ctrl-C (or SIGTERM, SIGHUP) once stops every workflow (exit handlers run); twice terminates."""
    received = {"n": 0}

    def on_signal(signum: int) -> None:
        received["n"] += 1
        name = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
        if received["n"] == 1:
            print(f"\nargosy: {name}: stopping (press Ctrl-C again to terminate)", file=sys.stderr)
            controller.stop_all("Stop")
        else:
            print("\nargosy: terminating", file=sys.stderr)
            controller.stop_all("Terminate")

    for signum in STOP_SIGNALS:
        try:
            event_loop.add_signal_handler(signum, on_signal, signum)
        except (NotImplementedError, RuntimeError, ValueError):  # pragma: no cover - non-main thread
            pass


def run_command(args: argparse.Namespace) -> int:
    from argosy.cli.home import data_dir, open_data_store
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
    # every workflow of the file is checked before any runs
    workflows = [prepare_workflow(m.body, objects, params, args.entrypoint) for m in own]
    printer = Printer(args.output)
    data = data_dir(args.data_dir)

    async def main() -> tuple[list[Any], list[str]]:
        store = open_data_store(data)
        store_problems: list[str] = []
        try:
            controller = Controller(data_dir=data, store=store, objects=objects, on_change=printer)
            for recovered in await controller.recover():
                print(f"argosy: {recovered}", file=sys.stderr)
            install_interrupts(asyncio.get_running_loop(), controller)
            engines = await controller.run(workflows)
            await controller.wait_all()  # recovered workflows that resumed here end here too
            await controller.close()
            store_problems += [str(e) for e in controller.store_errors()]
        finally:
            try:
                store.close()
            except StoreError as err:
                store_problems.append(str(err))
        return engines, store_problems

    engines, store_errors = loop.run(main())
    printer.finish(engines)
    if store_errors:
        # the run itself went to its end (exit handlers included); what is on disk may lag
        print(f"argosy: the store could not be written, the final status may not be saved: {store_errors[0]}",
              file=sys.stderr)
        return 1
    return 0 if all(e.phase == "Succeeded" for e in engines) else 1
