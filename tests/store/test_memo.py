"""The store's memoization caches (``memoize``), on every backend."""

from __future__ import annotations

from collections.abc import Callable

from argosy.store import api

OpenStore = Callable[..., api.Store]

OUTPUTS = {"parameters": [{"name": "hello", "value": "world"}], "exitCode": "0"}


def test_saved_entry_is_read_back_by_namespace_cache_and_key(open_store: OpenStore, clock) -> None:
    with open_store() as store:
        assert store.get_memo("default", "cache-config", "cache-key") is None
        store.save_memo("default", "cache-config", "cache-key", "memoized-1234", OUTPUTS)
        store.flush()
        got = store.get_memo("default", "cache-config", "cache-key")
        assert got is not None
        assert (got.node_id, got.outputs, got.created_at, got.last_hit_at) == (
            "memoized-1234", OUTPUTS, clock.now, clock.now)
        assert store.get_memo("other", "cache-config", "cache-key") is None
        assert store.get_memo("default", "other-cache", "cache-key") is None
        assert store.get_memo("default", "cache-config", "other-key") is None


def test_a_save_overwrites_and_a_touch_moves_only_the_last_hit(open_store: OpenStore, clock) -> None:
    with open_store() as store:
        store.save_memo("ns", "c", "k", "n1", None)
        clock.advance(10)
        store.touch_memos([("ns", "c", "k", clock.now), ("ns", "c", "gone", clock.now)])
        store.flush()
        touched = store.get_memo("ns", "c", "k")
        assert touched is not None and touched.outputs is None
        assert touched.last_hit_at - touched.created_at == 10
        clock.advance(5)
        store.save_memo("ns", "c", "k", "n2", OUTPUTS)
        store.flush()
        again = store.get_memo("ns", "c", "k")
        assert again is not None and again.node_id == "n2" and again.outputs == OUTPUTS
        assert again.created_at == again.last_hit_at == clock.now
        assert again.resource_version > touched.resource_version


def test_list_delete_and_replace_a_cache(open_store: OpenStore) -> None:
    with open_store() as store:
        for ns, cache, key in [("a", "c1", "k2"), ("a", "c1", "k1"), ("a", "c2", "k1"), ("b", "c1", "k1")]:
            store.save_memo(ns, cache, key, f"{ns}-{cache}-{key}", None)
        store.flush()
        assert [(r.namespace, r.cache, r.key) for r in store.list_memos()] == [
            ("a", "c1", "k1"), ("a", "c1", "k2"), ("a", "c2", "k1"), ("b", "c1", "k1")]
        assert [r.key for r in store.list_memos("a", "c1")] == ["k1", "k2"]
        assert [r.cache for r in store.list_memos("a")] == ["c1", "c1", "c2"]
        assert store.delete_memos("a", "c1", "k1") == 1
        assert store.delete_memos("a", "c1", "k1") == 0
        assert store.delete_memos("a", "c2") == 1
        assert [(r.namespace, r.cache, r.key) for r in store.list_memos()] == [("a", "c1", "k2"), ("b", "c1", "k1")]
        store.put_memos("b", "c1", [api.MemoRecord("", "", "x", "node-x", OUTPUTS, 5.0, 6.0)])
        assert [(r.key, r.node_id, r.outputs, r.created_at, r.last_hit_at) for r in store.list_memos("b")] == [
            ("x", "node-x", OUTPUTS, 5.0, 6.0)]


def test_entries_have_no_size_ceiling_and_outlive_a_reopen(open_store: OpenStore) -> None:
    # Argo's ConfigMap cache refuses entries past 1 MiB in all; the store has no such limit
    big = {"parameters": [{"name": "p", "value": "x" * (2 << 20)}]}
    with open_store() as store:
        store.save_memo("default", "big", "k", "n", big)
    with open_store() as store:
        got = store.get_memo("default", "big", "k")
        assert got is not None and got.outputs == big


def test_entries_not_hit_since_a_time_are_collected(open_store: OpenStore, clock) -> None:
    with open_store() as store:
        store.save_memo("a", "c", "old", "n1", None)
        store.save_memo("a", "c", "hit", "n2", None)
        clock.advance(60)
        store.save_memo("b", "c", "new", "n3", None)
        store.touch_memos([("a", "c", "hit", clock.now)])
        store.flush()
        assert store.expire_memos(clock.now - 30) == 1
        assert [(r.namespace, r.key) for r in store.list_memos()] == [("a", "hit"), ("b", "new")]
        assert store.expire_memos(clock.now - 30) == 0
