"""Which locks a workflow or template asks for, named as Argo names them.

A ``synchronization`` block (workflow ``spec`` or a template) lists ``semaphores`` and
``mutexes`` (3.6+), and the deprecated singular ``semaphore``/``mutex``; as in 3.6 every one
listed is taken, all or nothing. Each becomes a :class:`LockRef` whose ``name`` is Argo's lock
name, the one users see in messages and ``status.synchronization``:

- ``{namespace}/ConfigMap/{configmap}/{key}``: a semaphore whose limit is a ConfigMap's key;
- ``{namespace}/Database/{key}``: a semaphore whose limit is kept in the store (Argo 3.7's
  ``database: {key}``; set through the Sync API), and a ``database: true`` mutex;
- ``{namespace}/Mutex/{name}``: a mutex (a semaphore of limit 1).

Holders are named ``{namespace}/{workflow}`` (workflow level) or
``{namespace}/{workflow}/{node id}`` (template level), as Argo keys them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from argosy.errors import SyncLimitError


class LockKind(StrEnum):
    """Where a lock's limit comes from (the middle part of its name)."""

    CONFIG_MAP = "ConfigMap"
    DATABASE = "Database"
    MUTEX = "Mutex"


@dataclass(frozen=True, slots=True)
class LockRef:
    """One lock: a semaphore (``mutex`` False) or a mutex, by Argo's name."""

    name: str
    kind: LockKind
    namespace: str
    resource: str
    key: str = ""
    mutex: bool = False

    @property
    def id(self) -> tuple[str, bool]:
        """What tells two locks apart: a database mutex and semaphore may share a name."""
        return (self.name, self.mutex)

    @classmethod
    def decode(cls, name: str, *, mutex: bool) -> LockRef:
        """The lock an Argo lock name stands for (as written in ``status.synchronization``)."""
        parts = name.split("/", 2)
        if len(parts) < 3 or not parts[0]:
            raise SyncLimitError(f"invalid lock name {name!r}: want namespace/Kind/name")
        namespace, kind, rest = parts
        if kind == LockKind.CONFIG_MAP:
            configmap, _, key = rest.partition("/")
            return cls(name, LockKind.CONFIG_MAP, namespace, configmap, key, mutex=False)
        if kind == LockKind.DATABASE:
            return cls(name, LockKind.DATABASE, namespace, rest, rest, mutex=mutex)
        if kind == LockKind.MUTEX:
            return cls(name, LockKind.MUTEX, namespace, rest, mutex=True)
        raise SyncLimitError(f"invalid lock name {name!r}: unknown kind {kind!r}")


def semaphore_ref(ref: Mapping[str, Any], namespace: str) -> LockRef:
    """A ``semaphores[]`` entry (``configMapKeyRef`` or ``database``) as a lock."""
    ns = str(ref.get("namespace") or namespace)
    cm = ref.get("configMapKeyRef")
    db = ref.get("database")
    if cm and db:
        raise SyncLimitError("invalid semaphore with both ConfigMap and Database references")
    if cm:
        name, key = str(cm.get("name") or ""), str(cm.get("key") or "")
        if not name or not key:
            raise SyncLimitError("a semaphore's configMapKeyRef needs both name and key")
        return LockRef(f"{ns}/{LockKind.CONFIG_MAP}/{name}/{key}", LockKind.CONFIG_MAP, ns, name, key)
    if db:
        key = str(db.get("key") or "")
        if not key:
            raise SyncLimitError("a database semaphore needs database.key")
        return LockRef(f"{ns}/{LockKind.DATABASE}/{key}", LockKind.DATABASE, ns, key, key)
    raise SyncLimitError("a semaphore needs configMapKeyRef or database")


def mutex_ref(ref: Mapping[str, Any], namespace: str) -> LockRef:
    """A ``mutexes[]`` entry (``name``, optional ``namespace``, ``database: true``) as a lock."""
    ns = str(ref.get("namespace") or namespace)
    name = str(ref.get("name") or "")
    if not name:
        raise SyncLimitError("a mutex needs a name")
    if ref.get("database"):
        return LockRef(f"{ns}/{LockKind.DATABASE}/{name}", LockKind.DATABASE, ns, name, name, mutex=True)
    return LockRef(f"{ns}/{LockKind.MUTEX}/{name}", LockKind.MUTEX, ns, name, mutex=True)


def locks_of(sync: Mapping[str, Any] | None, namespace: str) -> tuple[LockRef, ...]:
    """Every lock a ``synchronization`` block asks for, in a stable order, each once."""
    if not sync:
        return ()
    out: dict[tuple[str, bool], LockRef] = {}
    semaphores = [*(sync.get("semaphores") or ()), *([sync["semaphore"]] if sync.get("semaphore") else [])]
    mutexes = [*(sync.get("mutexes") or ()), *([sync["mutex"]] if sync.get("mutex") else [])]
    for ref in semaphores:
        lock = semaphore_ref(ref, namespace)
        out.setdefault(lock.id, lock)
    for ref in mutexes:
        lock = mutex_ref(ref, namespace)
        out.setdefault(lock.id, lock)
    return tuple(out.values())


def workflow_key(namespace: str, name: str) -> str:
    """Argo's holder key of a workflow."""
    return f"{namespace}/{name}"


def node_key(namespace: str, name: str, node_id: str) -> str:
    """Argo's holder key of a template-level holder (a node)."""
    return f"{namespace}/{name}/{node_id}"


__all__ = ["LockKind", "LockRef", "locks_of", "mutex_ref", "node_key", "semaphore_ref", "workflow_key"]
