"""Timers as data: what to do at a time, named by kind and node, never a closure.

Every timer the engine arms is computed from persisted facts (the workflow's or a node's
start time plus a duration), so a restored engine re-arms the same timers by walking its
nodes. Timers due at the same instant fire in a fixed order (time, kind, node id) that does
not depend on the order they were armed in, so a restored engine fires them in the same
order as the uninterrupted one.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

#: the workflow's ``activeDeadlineSeconds`` (node_id: the workflow's name)
DEADLINE = "deadline"
#: a Steps/DAG/Suspend template's ``timeout``
TIMEOUT = "timeout"
#: a Retry node's backoff before its next attempt
BACKOFF = "backoff"
#: a Suspend node's ``duration``
SUSPEND = "suspend"


@dataclass(frozen=True, order=True, slots=True)
class Timer:
    at: float
    kind: str
    node_id: str


class Timers:
    """The armed timers, earliest first; arming the same timer twice is a no-op."""

    def __init__(self) -> None:
        self._heap: list[Timer] = []
        self._armed: set[Timer] = set()

    def arm(self, timer: Timer) -> bool:
        """Arm ``timer``; False if it already was."""
        if timer in self._armed:
            return False
        self._armed.add(timer)
        heapq.heappush(self._heap, timer)
        return True

    def pop_due(self, now: float) -> Timer | None:
        """The earliest timer due at ``now``, removed, or None."""
        if self._heap and self._heap[0].at <= now:
            timer = heapq.heappop(self._heap)
            self._armed.discard(timer)
            return timer
        return None

    @property
    def next_at(self) -> float | None:
        return self._heap[0].at if self._heap else None

    def clear(self) -> None:
        self._heap.clear()
        self._armed.clear()

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(sorted(self._heap))

    def __len__(self) -> int:
        return len(self._heap)


__all__ = ["BACKOFF", "DEADLINE", "SUSPEND", "TIMEOUT", "Timer", "Timers"]
