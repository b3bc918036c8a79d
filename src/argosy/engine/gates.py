"""Gates: at most ``limit`` holders at once, the rest wait their turn.

One mechanism for every limit Argo has on how much runs at once: the workflow's
``parallelism`` (pods), a Steps or DAG template's ``parallelism`` (its children), and later
semaphores and mutexes. A gate holds no closures: it queues plain items (node ids, step
names and bodies) that its owner knows how to start, so a restored engine rebuilds it from
its nodes. A gate either serves in arrival order, or (``ordered``) by an item key, which a
DAG uses so that which task goes next depends on the tasks, not on the order in which
their dependencies happened to finish.
"""

from __future__ import annotations

import heapq
import itertools
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Gate(Generic[T]):
    """Admission control for one limit (``limit`` 0 or None: unlimited)."""

    def __init__(self, limit: int | None, *, ordered: bool = False) -> None:
        self.limit = int(limit or 0)
        self.active = 0
        self._fifo: deque[T] = deque()
        self._heap: list[tuple[Any, int, T]] | None = [] if ordered else None
        self._seq = itertools.count()

    def has_room(self) -> bool:
        return not self.limit or self.active < self.limit

    def enter(self, item: T, key: Any = None) -> bool:
        """Take a place for ``item`` now (True), or queue it (False)."""
        # inlined has_room/waiting_count: this runs once per node started
        if (not self.limit or self.active < self.limit) and not self._fifo and not self._heap:
            self.active += 1
            return True
        self.queue(item, key)
        return False

    def hold(self) -> None:
        """Count a holder admitted without asking (one already running, or one that must run)."""
        self.active += 1

    def leave(self) -> list[T]:
        """A holder is done: the waiting items admitted in its place (already counted)."""
        self.active -= 1
        if not self._fifo and not self._heap:
            return []
        return self.admit()

    def admit(self) -> list[T]:
        """Admit waiting items while there is room."""
        out: list[T] = []
        while self.waiting_count and self.has_room():
            out.append(self._pop())
            self.active += 1
        return out

    def clear(self) -> None:
        """Forget every waiting item (the workflow is stopping)."""
        self._fifo.clear()
        if self._heap is not None:
            self._heap.clear()

    def take(self, pred: Callable[[T], bool]) -> list[T]:
        """Remove and return the waiting items ``pred`` selects (they will never be admitted)."""
        taken = [item for item in self.waiting() if pred(item)]
        if taken:
            kept = [entry for entry in self._entries() if not pred(entry[2])]
            self.clear()
            for key, _, item in kept:
                self.queue(item, key)
        return taken

    def _entries(self) -> list[tuple[Any, int, T]]:
        if self._heap is not None:
            return sorted(self._heap, key=lambda e: (e[0], e[1]))
        return [(None, i, item) for i, item in enumerate(self._fifo)]

    @property
    def waiting_count(self) -> int:
        return len(self._heap) if self._heap is not None else len(self._fifo)

    def waiting(self) -> Iterator[T]:
        """The waiting items, in the order they would be admitted."""
        if self._heap is not None:
            return (item for _, _, item in sorted(self._heap, key=lambda e: (e[0], e[1])))
        return iter(self._fifo)

    def queue(self, item: T, key: Any = None) -> None:
        """Put ``item`` in line without asking for room."""
        if self._heap is not None:
            heapq.heappush(self._heap, (key, next(self._seq), item))
        else:
            self._fifo.append(item)

    def _pop(self) -> T:
        if self._heap is not None:
            return heapq.heappop(self._heap)[2]
        return self._fifo.popleft()


__all__ = ["Gate"]
