"""A watch stream's pending changes: bounded by workflows, not writes (a slow client)."""

from __future__ import annotations

import asyncio

import pytest

from argosy.server.events import WatchStream, WorkflowEvents
from argosy.store.api import Change


def change(rv: int, kind: str, uid: str = "u1", namespace: str = "default", name: str = "wf") -> Change:
    return Change(rv, kind, uid, namespace, name)  # type: ignore[arg-type]


@pytest.mark.parametrize(("kinds", "pending"), [
    (["ADDED"], "ADDED"),
    (["ADDED", "MODIFIED", "MODIFIED"], "ADDED"),
    (["MODIFIED", "MODIFIED"], "MODIFIED"),
    (["ADDED", "MODIFIED", "DELETED"], "DELETED"),
    (["MODIFIED", "DELETED"], "DELETED"),
], ids=["added", "added-then-modified", "modified", "added-then-deleted", "modified-then-deleted"])
def test_changes_to_one_workflow_coalesce_to_one_entry(kinds: list[str], pending: str) -> None:
    async def go() -> list[tuple[str, str]]:
        stream = WatchStream("default", None)
        for rv, kind in enumerate(kinds, 1):
            stream.offer(change(rv, kind))
        return stream.take()

    assert asyncio.run(go()) == [("u1", pending)]


def test_ten_thousand_writes_unread_hold_one_entry_per_workflow() -> None:
    async def go() -> int:
        stream = WatchStream(None, None)
        for rv in range(10_000):
            stream.offer(change(rv, "MODIFIED", uid=f"u{rv % 3}"))
        return len(stream.pending)

    assert asyncio.run(go()) == 3


@pytest.mark.parametrize(("namespace", "name", "offered", "kept"), [
    ("default", None, change(1, "ADDED", namespace="other"), False),
    ("default", "wf", change(1, "ADDED", name="other"), False),
    ("default", "wf", change(1, "ADDED"), True),
    (None, None, change(1, "ADDED", namespace="any"), True),
], ids=["other-namespace", "other-name", "match", "all-namespaces"])
def test_a_stream_keeps_only_its_namespace_and_name(namespace: str | None, name: str | None,
                                                    offered: Change, kept: bool) -> None:
    async def go() -> bool:
        stream = WatchStream(namespace, name)
        stream.offer(offered)
        return bool(stream.pending) and stream.ready.is_set()

    assert asyncio.run(go()) is kept


class FakeStore:
    def __init__(self) -> None:
        self.listeners: list = []

    def subscribe(self, listener):
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener)


def test_the_hub_hands_commits_from_the_writer_thread_to_every_stream() -> None:
    async def go() -> list[list[tuple[str, str]]]:
        store = FakeStore()
        hub = WorkflowEvents(store, asyncio.get_running_loop())  # type: ignore[arg-type]
        streams = [WatchStream(None, None), WatchStream("default", "wf")]
        hub.streams.update(streams)
        import threading

        writer = threading.Thread(target=store.listeners[0], args=([change(1, "ADDED"), change(2, "MODIFIED")],))
        writer.start()
        writer.join()
        await asyncio.wait_for(asyncio.gather(*(s.ready.wait() for s in streams)), 5)
        hub.close()
        assert store.listeners == []
        return [s.take() for s in streams]

    assert asyncio.run(go()) == [[("u1", "ADDED")], [("u1", "ADDED")]]
