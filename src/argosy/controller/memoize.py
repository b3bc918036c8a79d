"""Memoization caches over the store: the engine's lookups, the worker's saves, and the caches
shown as Argo's cache ConfigMaps.

Argo keeps each ``memoize`` cache in a ConfigMap labelled ``workflows.argoproj.io/configmap-type:
Cache`` whose ``data[key]`` is an entry's JSON (``nodeID``, ``outputs``, ``creationTimestamp``,
``lastHitTimestamp``), which caps a cache at 1 MiB. Argosy keeps one store row per entry
(``store.sqlite_memo``, both backends) and shows the rows of a cache as that ConfigMap
(:func:`cache_configmap`), so tools that read or write Argo's cache ConfigMaps read ours.

- :class:`StoreMemoCache` holds the entries in a store: a lookup is one primary-key read of the
  local store (a hit also queues its last-hit time, as Argo's ``Load`` updates it); ``save``
  (the ``SaveMemo`` intent, carried out by the worker) is a queued write. A lookup after a save
  of this process first waits for that save to commit. :class:`LocalMemoCache` keeps entries
  in memory, for a Controller without a store.
- :class:`MemoLookup` is what the engine asks (its ``MemoCache``): a ConfigMap of the cache's
  name among the workflow's objects (a file given to ``argosy run``, or one put through the API
  without the label) is Argo's too: one labelled as a cache is read for keys the store does not
  have; one without the label is refused, with Argo's message.
- Garbage collection, as Argo's controller does when ``CACHE_GC_PERIOD`` is set: every period,
  entries not hit for ``CACHE_GC_AFTER_NOT_HIT_DURATION`` (default 30s) are deleted
  (:func:`run_cache_gc`, started by ``argosy server``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from argosy.engine.intents import SaveMemo
from argosy.engine.memoize import MemoEntry
from argosy.errors import MemoizationError, SpecError, StoreError
from argosy.goformat import format_rfc3339_seconds, parse_rfc3339
from argosy.spec import CONFIG_MAP, ObjectSet
from argosy.spec.duration import parse_go_duration
from argosy.store.api import MemoRecord, Store

log = logging.getLogger(__name__)

CONFIGMAP_TYPE_LABEL = "workflows.argoproj.io/configmap-type"
CACHE_TYPE = "Cache"


def _epoch(text: Any, what: str) -> float:
    try:
        return parse_rfc3339(str(text))
    except ValueError:
        raise MemoizationError(f"malformed cache entry: {what} {text!r} is not an RFC 3339 time") from None


def entry_json(record: MemoRecord) -> str:
    """An entry as Argo's cache ConfigMap holds it (``data[key]``)."""
    return json.dumps({"nodeID": record.node_id, "outputs": record.outputs,
                       "creationTimestamp": format_rfc3339_seconds(record.created_at),
                       "lastHitTimestamp": format_rfc3339_seconds(record.last_hit_at)}, separators=(",", ":"))


def parse_entry(namespace: str, cache: str, key: str, text: Any) -> MemoRecord:
    """An entry from Argo's JSON (a cache ConfigMap's ``data[key]``); MemoizationError if malformed."""
    try:
        raw = json.loads(text) if isinstance(text, str) else None
    except ValueError as err:
        raise MemoizationError(f"malformed cache entry: could not unmarshal JSON; unable to parse: {err}") from None
    if not isinstance(raw, dict):
        raise MemoizationError(f"malformed cache entry {key!r}: a JSON object with nodeID and outputs is expected")
    outputs = raw.get("outputs")
    if outputs is not None and not isinstance(outputs, dict):
        raise MemoizationError(f"malformed cache entry {key!r}: outputs must be an object")
    created = _epoch(raw["creationTimestamp"], "creationTimestamp") if raw.get("creationTimestamp") else 0.0
    last = _epoch(raw["lastHitTimestamp"], "lastHitTimestamp") if raw.get("lastHitTimestamp") else created
    return MemoRecord(namespace, cache, key, str(raw.get("nodeID") or ""), outputs, created, last)


def is_cache(configmap: Mapping[str, Any]) -> bool:
    """Whether a ConfigMap carries Argo's cache label."""
    labels = (configmap.get("metadata") or {}).get("labels") or {}
    return isinstance(labels, Mapping) and labels.get(CONFIGMAP_TYPE_LABEL) == CACHE_TYPE


def refused(configmap: Mapping[str, Any]) -> MemoizationError:
    """Argo's refusal of a ConfigMap that is not a cache (its words)."""
    labels = (configmap.get("metadata") or {}).get("labels") or {}
    if not isinstance(labels, Mapping) or CONFIGMAP_TYPE_LABEL not in labels:
        return MemoizationError(f"memoization configmap doesn't have {CONFIGMAP_TYPE_LABEL} label, "
                                "refusing to use it")
    return MemoizationError(f"memoization configmap doesn't have label {CONFIGMAP_TYPE_LABEL} = "
                            f"{CACHE_TYPE}, refusing to use it")


def cache_configmap(namespace: str, name: str, records: Iterable[MemoRecord]) -> dict[str, Any]:
    """A cache's entries as Argo's cache ConfigMap (``data[key]`` = the entry's JSON)."""
    entries = list(records)
    meta: dict[str, Any] = {"name": name, "namespace": namespace, "labels": {CONFIGMAP_TYPE_LABEL: CACHE_TYPE}}
    if entries:
        meta["creationTimestamp"] = format_rfc3339_seconds(min(e.created_at for e in entries))
        meta["resourceVersion"] = str(max(e.resource_version for e in entries))
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta,
            "data": {e.key: entry_json(e) for e in entries}}


#: how often a StoreMemoCache hands the last-hit times it gathered to the store's writer (s):
#: one write per hit made the writer thread take the GIL from lookups (p99 5 ms, not 0.1 ms)
TOUCH_INTERVAL = 1.0


class StoreMemoCache:
    """Entries in a store: lookups read it, saves are queued writes (see module docstring)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        #: saves queued by this process and maybe not committed yet
        self._unflushed = False
        #: last-hit times not yet handed to the store, by (namespace, cache, key)
        self._hits: dict[tuple[str, str, str], float] = {}
        self._touched_at = float("-inf")

    def entry(self, namespace: str, cache: str, key: str, now: float) -> MemoRecord | None:
        if self._unflushed:
            self.store.flush()
            self._unflushed = False
        record = self.store.get_memo(namespace, cache, key)
        if record is not None:
            self._hits[(namespace, cache, key)] = now
            if time.monotonic() - self._touched_at >= TOUCH_INTERVAL:
                self.flush()
        return record

    def flush(self) -> None:
        """Hand the gathered last-hit times to the store (queued)."""
        self._touched_at = time.monotonic()
        if self._hits:
            hits, self._hits = self._hits, {}
            self.store.touch_memos((*k, at) for k, at in hits.items())

    def save(self, intent: SaveMemo) -> None:
        self.store.save_memo(intent.namespace, intent.cache, intent.key, intent.node_id, intent.outputs,
                             now=intent.at)
        self._unflushed = True


class LocalMemoCache:
    """Entries kept in memory (a Controller without a store): they last as long as the object."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str, str], MemoRecord] = {}

    def entry(self, namespace: str, cache: str, key: str, now: float) -> MemoRecord | None:
        record = self.entries.get((namespace, cache, key))
        if record is not None:
            self.entries[(namespace, cache, key)] = MemoRecord(namespace, cache, key, record.node_id,
                                                               record.outputs, record.created_at, now)
        return record

    def flush(self) -> None:
        """Nothing to hand on: the entries are this object."""

    def save(self, intent: SaveMemo) -> None:
        self.entries[(intent.namespace, intent.cache, intent.key)] = MemoRecord(
            intent.namespace, intent.cache, intent.key, intent.node_id, intent.outputs, intent.at, intent.at)


MemoStore = StoreMemoCache | LocalMemoCache


# ---- garbage collection (Argo's CACHE_GC_PERIOD) -------------------------------------------------

#: how often caches are collected (a Go duration; unset or 0: never, Argo's default)
CACHE_GC_PERIOD = "CACHE_GC_PERIOD"
#: entries not hit for this long are deleted (a Go duration; Argo's default 30s)
CACHE_GC_AFTER_NOT_HIT_DURATION = "CACHE_GC_AFTER_NOT_HIT_DURATION"


def cache_gc_settings(environ: Mapping[str, str]) -> tuple[float, float] | None:
    """(period, not-hit duration) in seconds from Argo's environment variables, or None (off).
    MemoizationError names a variable that is not a Go duration."""
    values: dict[str, float] = {}
    for name, default in ((CACHE_GC_PERIOD, "0s"), (CACHE_GC_AFTER_NOT_HIT_DURATION, "30s")):
        text = environ.get(name) or default
        try:
            values[name] = parse_go_duration(text)
        except SpecError as err:
            raise MemoizationError(f"{name}={text!r} is not a duration: {err}") from None
    period = values[CACHE_GC_PERIOD]
    return None if period <= 0 else (period, values[CACHE_GC_AFTER_NOT_HIT_DURATION])


def collect_caches(store: Store, memo: MemoStore, not_hit_for: float, now: float) -> int:
    """Delete the entries not hit for ``not_hit_for`` seconds (a cache left empty is gone); how many."""
    memo.flush()  # the last-hit times this process gathered count
    store.flush()
    return store.expire_memos(now - not_hit_for)


async def run_cache_gc(store: Store, memo: MemoStore, period: float, not_hit_for: float,
                       now: Callable[[], float] = time.time) -> None:
    """Collect caches every ``period`` seconds until cancelled (the server runs it)."""
    while True:
        await asyncio.sleep(period)
        try:
            await asyncio.to_thread(collect_caches, store, memo, not_hit_for, now())
        except StoreError as err:  # the store may come back: try again next period
            log.warning("memoization cache GC failed: %s", err)


class MemoLookup:
    """The engine's :class:`~argosy.engine.memoize.MemoCache`: a ConfigMap of the cache's name
    among the namespace's objects is checked first (one that is not a cache is refused, as Argo
    does on every lookup), then the entries, then that ConfigMap's own ``data``."""

    def __init__(self, entries: MemoStore, objects_in: Callable[[str], ObjectSet] | None = None) -> None:
        self.entries = entries
        self.objects_in = objects_in

    def get(self, namespace: str, cache: str, key: str, now: float) -> MemoEntry | None:
        configmap = self._configmap(namespace, cache)
        if configmap is not None and not is_cache(configmap):
            raise refused(configmap)
        record = self.entries.entry(namespace, cache, key, now)
        if record is None and configmap is not None:
            text = (configmap.get("data") or {}).get(key)
            record = parse_entry(namespace, cache, key, text) if text else None
        if record is None:
            return None
        return MemoEntry(record.node_id, dict(record.outputs) if record.outputs is not None else None,
                         record.created_at, now)

    def _configmap(self, namespace: str, name: str) -> Mapping[str, Any] | None:
        if self.objects_in is None:
            return None
        objects = self.objects_in(namespace)
        if not objects.has(CONFIG_MAP, name):
            return None
        body = objects.get(CONFIG_MAP, name).body
        own = (body.get("metadata") or {}).get("namespace")
        return None if own and own != namespace else body


__all__ = ["CACHE_GC_AFTER_NOT_HIT_DURATION", "CACHE_GC_PERIOD", "CACHE_TYPE", "CONFIGMAP_TYPE_LABEL",
           "LocalMemoCache", "MemoLookup", "MemoStore", "StoreMemoCache", "cache_configmap", "cache_gc_settings",
           "collect_caches", "entry_json", "is_cache", "parse_entry", "refused", "run_cache_gc"]
