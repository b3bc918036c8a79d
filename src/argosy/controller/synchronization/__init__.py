"""Synchronization: Argo's semaphores and mutexes, at workflow and template level.

:mod:`.locks` names the locks a ``synchronization`` block asks for, :mod:`.limits` reads how
many may hold each, :mod:`.manager` keeps holders and queues, :mod:`.nodes` makes a pod
wait for its template's locks; workflow-level locks are taken by the controller's admission
(:mod:`argosy.controller.queue`) before the engine starts.
"""

from __future__ import annotations

from argosy.controller.synchronization.limits import DEFAULT_DATABASE_LIMIT, SYNC_LIMIT, Limits
from argosy.controller.synchronization.locks import LockKind, LockRef, locks_of
from argosy.controller.synchronization.manager import SyncManager
from argosy.controller.synchronization.nodes import LockGranted, NodeLocks

__all__ = [
           "DEFAULT_DATABASE_LIMIT",
           "SYNC_LIMIT",
           "Limits",
           "LockGranted",
           "LockKind",
           "LockRef",
           "NodeLocks",
           "SyncManager",
           "locks_of",
]
