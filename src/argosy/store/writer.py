"""The one writer: a thread that owns the write connection and commits queued writes in batches.

Callers queue an operation and go on (``submit(op)``) or wait for its answer
(``submit(op, wait=True)``). The thread takes everything queued since its last commit and
applies it as one transaction, so a burst of writes costs one commit, and a commit's disk
wait (fsync) never runs on the caller's thread, which in the controller is the asyncio event
loop. ``flush()`` waits until everything queued before it is committed.

A failed batch (disk full, locked past the timeout, a damaged file) is rolled back whole, so
the file holds exactly the batches before it. The failure is sticky: nothing queued after it
is applied (it could depend on what was lost), and every later write and ``flush`` raises it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Generic, TypeVar

from argosy.errors import StoreError

C = TypeVar("C")
Op = Any
#: applies a batch in one transaction; returns one result per op (an exception instance
#: for an op refused on its own, e.g. AlreadyExists, without failing the others)
ApplyBatch = Callable[[C, list[Op]], list[Any]]


def _again(err: StoreError) -> StoreError:
    """A fresh copy of a sticky failure, so each raise has its own traceback."""
    return type(err)(err.location, err.problem, err.advice)


class Writer(Generic[C]):
    """A single writer thread with a queue of operations."""

    def __init__(self, connect: Callable[[], C], apply_batch: ApplyBatch[C], close_connection: Callable[[C], None],
                 translate: Callable[[BaseException], StoreError], *, name: str = "argosy-store-writer") -> None:
        self._connect = connect
        self._apply = apply_batch
        self._close_connection = close_connection
        self._translate = translate
        self._cond = threading.Condition()
        self._queue: list[tuple[Op, Future[Any] | None]] = []
        self._submitted = 0
        self._done = 0
        self._failed: StoreError | None = None
        self._closing = False
        self._started = threading.Event()
        # a daemon thread: a process that exits without close() must not hang on it (the
        # store registers an atexit flush for the writes it queued)
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()
        self._started.wait()
        if self._failed is not None:
            self._thread.join()
            raise _again(self._failed)

    @property
    def failure(self) -> StoreError | None:
        return self._failed

    def submit(self, op: Op, *, wait: bool = False) -> Any:
        """Queue ``op``; with ``wait``, block until it is committed and return its result."""
        if wait:
            return self.submit_later(op).result()
        self._queue_op(op, None)
        return None

    def submit_later(self, op: Op) -> Future[Any]:
        """Queue ``op``; its result (or error) is in the future once it is committed."""
        fut: Future[Any] = Future()
        self._queue_op(op, fut)
        return fut

    def _queue_op(self, op: Op, fut: Future[Any] | None) -> None:
        with self._cond:
            if self._failed is not None:
                raise _again(self._failed)
            if self._closing:
                raise RuntimeError("the store is closed")
            self._queue.append((op, fut))
            self._submitted += 1
            self._cond.notify()

    def flush(self) -> None:
        """Wait until everything queued so far is committed; raise the failure if one happened."""
        with self._cond:
            target = self._submitted
            while self._done < target and self._failed is None:
                self._cond.wait()
            if self._failed is not None:
                raise _again(self._failed)

    def close(self) -> None:
        """Commit what is queued, stop the thread, close the connection."""
        with self._cond:
            self._closing = True
            self._cond.notify()
        if self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self) -> None:
        try:
            conn = self._connect()
        except BaseException as exc:  # noqa: BLE001 - reported to the opener
            self._failed = self._translate(exc)
            self._started.set()
            return
        self._started.set()
        try:
            while True:
                with self._cond:
                    while not self._queue and not self._closing:
                        self._cond.wait()
                    if not self._queue:
                        return
                    batch, self._queue = self._queue, []
                self._commit(conn, batch)
                done = len(batch)
                batch = []  # free the ops now, not when the next batch comes (MBs at the end of a big workflow)
                with self._cond:
                    self._done += done
                    self._cond.notify_all()
        finally:
            self._close_connection(conn)

    def _commit(self, conn: C, batch: list[tuple[Op, Future[Any] | None]]) -> None:
        failed = self._failed
        if failed is None:
            try:
                results = self._apply(conn, [op for op, _ in batch])
            except BaseException as exc:  # noqa: BLE001 - every failure becomes the sticky StoreError
                failed = self._translate(exc)
                with self._cond:
                    self._failed = failed
            else:
                for (_, fut), result in zip(batch, results, strict=True):
                    if fut is None:
                        continue
                    if isinstance(result, BaseException):
                        fut.set_exception(result)
                    else:
                        fut.set_result(result)
                return
        for _, fut in batch:
            if fut is not None:
                fut.set_exception(_again(failed))
