"""Memoization lookups at 100,000 cached entries (issue 11, item 9: ≤ 1 ms, p50 and p99).

A store is filled with N entries (100 caches of N/100 keys, Argo-shaped outputs of one
parameter), then random keys are looked up the way an engine does when a memoized template is
about to run: :class:`~argosy.controller.memoize.MemoLookup` over the store (the namespace's
ConfigMap checked first, then the entry read by its primary key, and a hit's last-hit time
queued for the writer). Misses (keys not cached) are measured too. The **floor** is the bare
``store.get_memo`` read of the same keys, interleaved with the full lookups in blocks of 100,
so the machine's drift hits both alike. Sizes 1,000 and 100,000 show the cost does not grow
with the cache. ``--postgres`` also measures a throwaway PostgreSQL cluster (``tests/pgcluster``).
Nothing here is a test.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.append(str(HERE.parent / "tests"))  # pgcluster (after this dir: tests/ has a harness.py too)

import harness

from argosy.controller.memoize import MemoLookup, StoreMemoCache
from argosy.spec import ObjectSet
from argosy.store import open_store
from argosy.store.api import MemoRecord

CACHES = 100
NAMESPACE = "default"


def fill(store: Any, entries: int) -> None:
    per_cache = entries // CACHES
    for c in range(CACHES):
        records = [MemoRecord(NAMESPACE, "", f"key-{k}", f"wf-{c}-{k}",
                              {"parameters": [{"name": "out", "value": f"value {c} {k}"}], "exitCode": "0"},
                              time.time(), time.time()) for k in range(per_cache)]
        store.put_memos(NAMESPACE, f"cache-{c}", records)


def measure(store: Any, entries: int, lookups: int, seed: int = 7) -> dict[str, float]:
    """p50/p99 (ms) of full hit lookups, of misses, and of the bare read (floor), interleaved."""
    lookup = MemoLookup(StoreMemoCache(store), lambda ns: ObjectSet())
    rng = random.Random(seed)
    per_cache = entries // CACHES
    hits: list[float] = []
    misses: list[float] = []
    floor: list[float] = []
    clock = time.perf_counter
    for _ in range(lookups // 100):
        keys = [(f"cache-{rng.randrange(CACHES)}", f"key-{rng.randrange(per_cache)}") for _ in range(100)]
        for cache, key in keys:
            t0 = clock()
            store.get_memo(NAMESPACE, cache, key)
            floor.append(clock() - t0)
        for cache, key in keys:
            t0 = clock()
            found = lookup.get(NAMESPACE, cache, key, time.time())
            hits.append(clock() - t0)
            assert found is not None
        for cache, key in keys:
            t0 = clock()
            lookup.get(NAMESPACE, cache, "missing-" + key, time.time())
            misses.append(clock() - t0)
    store.flush()  # the queued last-hit writes
    ms = 1000.0
    return {"hit_p50": harness.percentile(hits, 50) * ms, "hit_p99": harness.percentile(hits, 99) * ms,
            "miss_p50": harness.percentile(misses, 50) * ms, "miss_p99": harness.percentile(misses, 99) * ms,
            "floor_p50": harness.percentile(floor, 50) * ms, "floor_p99": harness.percentile(floor, 99) * ms}


@contextlib.contextmanager
def sqlite_store() -> Iterator[Callable[[], Any]]:
    data = harness.fresh_data_dir()
    try:
        yield lambda: open_store(data / "argosy.db")
    finally:
        shutil.rmtree(data, ignore_errors=True)


@contextlib.contextmanager
def postgres_store() -> Iterator[Callable[[], Any]]:
    import pgcluster

    with pgcluster.cluster(fsync=True) as running:
        url = running.new_database()
        yield lambda: open_store(url)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="smoke mode: 10,000 entries, 1,000 lookups")
    p.add_argument("--postgres", action="store_true", help="PostgreSQL too (a throwaway cluster)")
    args = p.parse_args(argv)
    sizes = [1_000, 10_000] if args.quick else [1_000, 100_000]
    lookups = 1_000 if args.quick else 5_000
    backends: list[tuple[str, Any]] = [("SQLite", sqlite_store)]
    if args.postgres:
        backends.append(("PostgreSQL", postgres_store))
    rows = []
    for label, backend in backends:
        for size in sizes:
            with backend() as opener:
                store = opener()
                try:
                    t0 = time.perf_counter()
                    fill(store, size)
                    filled = time.perf_counter() - t0
                    got = measure(store, size, lookups)
                finally:
                    store.close()
            ok = got["hit_p50"] <= 1.0 and got["hit_p99"] <= 1.0 and got["miss_p99"] <= 1.0
            rows.append([label, f"{size:,}", f"{filled:.1f} s", got["hit_p50"], got["hit_p99"], got["miss_p50"],
                         got["miss_p99"], got["floor_p50"], got["floor_p99"],
                         f"{got['hit_p50'] / got['floor_p50']:.2f}x", harness.verdict(ok)])
    print(harness.table(f"Memoization lookups ({lookups:,} of each, ms) — target: ≤ 1 ms p50 and p99",
                        ["store", "entries", "fill", "hit p50", "hit p99", "miss p50", "miss p99",
                         "floor p50", "floor p99", "hit/floor p50", "verdict"], rows))


if __name__ == "__main__":
    main()
