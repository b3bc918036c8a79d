"""Memoization (Argo's template ``memoize``): a call whose key is cached is not run again.

A template with ``memoize: {key, maxAge, cache: {configMap: {name}}}`` (a pod, steps, DAG or
any other kind) is looked up when its node is about to be created, after its inputs and
variables are substituted (so the key may use them), before a retry node would be made:

- a **hit** (an entry under the key, younger than ``maxAge`` if one is set) creates the node
  already Succeeded with the entry's outputs and ``memoizationStatus.hit: true``; nothing runs,
  not its pod, not its steps or tasks, not its retries;
- a **miss** runs the template as usual, its node carrying ``memoizationStatus.hit: false``
  (a retry node and each of its attempts, as Argo writes them); when the memoized node itself
  ends Succeeded (a retry node: once an attempt finally succeeds, Argo #10426) the engine asks
  for the entry to be saved with the ``SaveMemo`` intent. Only Succeeded nodes are saved.

The engine stays pure: the lookup is a synchronous :class:`MemoCache` passed in by the
controller (a read of the local store), the save an intent the worker carries out. A hit
node is an ordinary Succeeded node, so ``Reconciler.restore`` needs nothing of this module;
a node that exists is never looked up again (Argo: only a node about to be created is).

Errors are Argo's: a key that is not ``[a-zA-Z0-9][-a-zA-Z0-9]*`` (``invalid cache key: …``),
a ``maxAge`` Go cannot parse (``invalid maxAge: …``), a cache the lookup refuses: the node
errors with that message before anything runs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from argosy.errors import MemoizationError, SpecError
from argosy.spec.duration import parse_go_duration

#: Argo's rule for a cache key (also a ConfigMap data key, so a subset of those)
CACHE_KEY = re.compile(r"^[a-zA-Z0-9][-a-zA-Z0-9]*$")


@dataclass(frozen=True, slots=True)
class MemoEntry:
    """One cache entry, as Argo keeps it: the node that produced it, its outputs, its times."""

    node_id: str
    outputs: dict[str, Any] | None
    created_at: float
    last_hit_at: float

    @property
    def hit(self) -> bool:
        """Argo's ``Entry.Hit``: an entry that names a node (a hand-made empty one does not count)."""
        return bool(self.node_id)


class MemoCache(Protocol):
    """Where memoized outputs are looked up (the controller's store, or a test's dict).

    ``get`` returns the entry under ``key`` in cache ``cache`` of ``namespace`` (None: no entry)
    and may record ``now`` as its last hit; it raises ``MemoizationError`` for a cache it
    refuses to use (Argo: a ConfigMap without the cache label).
    """

    def get(self, namespace: str, cache: str, key: str, now: float) -> MemoEntry | None: ...


class NoMemoCache:
    """A cache with nothing in it: every memoized template runs (and asks to be saved)."""

    def get(self, namespace: str, cache: str, key: str, now: float) -> MemoEntry | None:
        return None


@dataclass(frozen=True, slots=True)
class Lookup:
    """What a lookup decided: the node's ``memoizationStatus`` and, on a hit, the outputs."""

    status: dict[str, Any]
    outputs: dict[str, Any] | None = None

    @property
    def hit(self) -> bool:
        return bool(self.status["hit"])


def memo_status(memoize: Mapping[str, Any]) -> dict[str, Any]:
    """A miss's ``memoizationStatus`` for a processed template's ``memoize``."""
    return {"hit": False, "key": str(memoize.get("key") or ""), "cacheName": cache_name(memoize)}


def cache_name(memoize: Mapping[str, Any]) -> str:
    cache = memoize.get("cache") or {}
    config_map = cache.get("configMap") if isinstance(cache, Mapping) else None
    name = config_map.get("name") if isinstance(config_map, Mapping) else None
    return str(name or "")


def look_up(memoize: Mapping[str, Any], cache: MemoCache, namespace: str, now: float,
            saved: Mapping[tuple[str, str], MemoEntry] | None = None) -> Lookup:
    """Look a processed template's ``memoize`` up in ``cache`` (MemoizationError: unusable).

    ``saved``: entries this engine asked to save, by (cache, key): the ``SaveMemo`` of a node
    that finished in the same event is not carried out yet, and Argo saves before it goes on.
    """
    status = memo_status(memoize)
    key, name = status["key"], status["cacheName"]
    if not name:
        raise MemoizationError("memoize.cache.configMap.name is required: name the ConfigMap that holds the cache")
    if not CACHE_KEY.match(key):
        raise MemoizationError(f"invalid cache key: {key}")
    max_age: float | None = None
    if memoize.get("maxAge"):
        try:
            max_age = parse_go_duration(str(memoize["maxAge"]))
        except SpecError as err:
            raise MemoizationError(f"invalid maxAge: {err}") from None
    entry = saved.get((name, key)) if saved else None
    if entry is None:
        entry = cache.get(namespace, name, key, now)
    if entry is None or not entry.hit:
        return Lookup(status)
    if max_age is not None and now - entry.created_at > max_age:
        return Lookup(status)  # expired: as if there were none (the run overwrites it)
    return Lookup({**status, "hit": True}, entry.outputs)


__all__ = ["CACHE_KEY", "Lookup", "MemoCache", "MemoEntry", "NoMemoCache", "cache_name", "look_up", "memo_status"]
