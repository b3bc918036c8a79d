"""The event loop workflows run on: uvloop's when it is installed, else asyncio's own.

A chain of steps wakes the loop four or five times per step (a pod's output, its exit, the
next pod's start, a persist); uvloop's wake-ups cost a fraction of asyncio's selector loop.
Nothing in Argosy depends on which loop runs: both give the same behaviour.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on the fastest loop available."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)
