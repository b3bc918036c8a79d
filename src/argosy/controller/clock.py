"""Clocks: the real one, and a fake one that jumps to the next timer when all is idle."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float: ...

    def idle_advance(self, until: float) -> bool:
        """Nothing is running and the next timer is at ``until``: may time jump there?"""
        ...


class RealClock:
    def now(self) -> float:
        return time.time()

    def idle_advance(self, until: float) -> bool:
        return False


class FakeClock:
    """Starts at ``start``; moves only when the loop is idle (or by ``advance``)."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.t = start

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds

    def idle_advance(self, until: float) -> bool:
        self.t = max(self.t, until)
        return True
