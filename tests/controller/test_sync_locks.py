"""The locks a ``synchronization`` block asks for, named as Argo names them; and the manager's
queue on its own: all-or-nothing, one order for every lock, limits read when they matter."""

from __future__ import annotations

from typing import Any

import pytest

from argosy.controller.synchronization import Limits, LockRef, SyncManager, locks_of
from argosy.errors import SyncLimitError


@pytest.mark.parametrize(
    ("sync", "names"),
    [
        ({"semaphores": [{"configMapKeyRef": {"name": "my-config", "key": "workflow"}}]},
         [("default/ConfigMap/my-config/workflow", False)]),
        ({"semaphore": {"configMapKeyRef": {"name": "my-config", "key": "template"}}},
         [("default/ConfigMap/my-config/template", False)]),
        ({"semaphores": [{"database": {"key": "workflow"}}]}, [("default/Database/workflow", False)]),
        ({"semaphores": [{"namespace": "other", "configMapKeyRef": {"name": "c", "key": "k"}}]},
         [("other/ConfigMap/c/k", False)]),
        ({"mutexes": [{"name": "welcome"}]}, [("default/Mutex/welcome", True)]),
        ({"mutex": {"name": "test"}}, [("default/Mutex/test", True)]),
        ({"mutexes": [{"name": "test", "database": True}]}, [("default/Database/test", True)]),
        ({"mutexes": [{"name": "m", "namespace": "shared"}]}, [("shared/Mutex/m", True)]),
        # 3.6: the singular forms are taken beside the plural ones, each lock once
        ({"mutexes": [{"name": "a"}], "mutex": {"name": "a"}, "semaphore": {"database": {"key": "d"}}},
         [("default/Database/d", False), ("default/Mutex/a", True)]),
        (None, []),
    ],
    ids=["semaphores", "semaphore-3.5", "database", "cm-namespace", "mutexes", "mutex-3.5", "db-mutex",
         "mutex-namespace", "mixed", "none"],
)
def test_lock_names(sync: dict[str, Any] | None, names: list[tuple[str, bool]]) -> None:
    assert [(lock.name, lock.mutex) for lock in locks_of(sync, "default")] == names


@pytest.mark.parametrize(
    "sync",
    [{"semaphores": [{}]}, {"semaphores": [{"configMapKeyRef": {"name": "c"}}]}, {"mutexes": [{}]},
     {"semaphores": [{"configMapKeyRef": {"name": "c", "key": "k"}, "database": {"key": "k"}}]}],
    ids=["empty-semaphore", "no-key", "no-mutex-name", "both-sources"],
)
def test_bad_references_are_refused(sync: dict[str, Any]) -> None:
    with pytest.raises(SyncLimitError):
        locks_of(sync, "default")


def test_lock_names_decode_back() -> None:
    for sync in ({"semaphores": [{"configMapKeyRef": {"name": "c", "key": "k"}}]}, {"mutexes": [{"name": "a/b"}]},
                 {"semaphores": [{"database": {"key": "d"}}]}):
        [lock] = locks_of(sync, "ns")
        assert LockRef.decode(lock.name, mutex=lock.mutex) == lock


def manager(**limits: str) -> SyncManager:
    return SyncManager(Limits(lambda namespace, name: dict(limits) if name == "cm" else None))


def sem(key: str) -> LockRef:
    [lock] = locks_of({"semaphores": [{"configMapKeyRef": {"name": "cm", "key": key}}]}, "ns")
    return lock


def test_a_waiter_at_the_front_blocks_later_ones_even_for_a_lock_with_room() -> None:
    m = manager(a="1", b="1")
    granted: list[str] = []
    assert m.acquire("ns/h", [sem("a")])
    assert not m.acquire("ns/both", [sem("a"), sem("b")], on_grant=lambda: granted.append("both"))
    # b is free, but "both" is ahead of "later" in b's queue (Argo's front-of-queue rule)
    assert not m.acquire("ns/later", [sem("b")], on_grant=lambda: granted.append("later"))
    assert m.holders(sem("b")) == []
    m.release("ns/h")
    assert granted == ["both"]
    m.release("ns/both")
    assert granted == ["both", "later"]


def test_withdrawn_waiter_lets_the_next_in() -> None:
    m = manager(a="1")
    granted: list[str] = []
    m.acquire("ns/h", [sem("a")])
    m.acquire("ns/w1", [sem("a")], on_grant=lambda: granted.append("w1"))
    m.acquire("ns/w2", [sem("a")], on_grant=lambda: granted.append("w2"))
    m.withdraw("ns/w1")
    m.release("ns/h")
    assert granted == ["w2"] and m.waiting == {}


def test_a_missing_limit_refuses_and_takes_nothing() -> None:
    m = manager(a="1")
    with pytest.raises(SyncLimitError, match="has no key 'nope'"):
        m.acquire("ns/h", [sem("a"), sem("nope")])
    assert m.holding == {} and m.waiting == {}
