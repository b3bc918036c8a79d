"""How many may hold a lock: a mutex 1, a semaphore what its ConfigMap key or database row says.

Limits are read when a lock is asked for or handed on, never cached past that, so a changed
ConfigMap or Sync API update applies to the next hand-off (a raise lets waiting holders in at
once: the manager re-checks waiters when told, and on a short poll while any wait; a lower
limit lets no new holder in until the holders are fewer).

Database limits (Argo 3.7's ``sync_limit`` table) are objects of kind :data:`SYNC_LIMIT` in
the store's objects table: ``{metadata: {namespace, name: key}, limit: N}``. Argo refuses a
database semaphore with no row; Argosy uses :data:`DEFAULT_DATABASE_LIMIT` (1) until one is
created, so upstream's examples run unchanged in the embedded mode, where there is no API to
create it first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from argosy.controller.synchronization.locks import LockKind, LockRef
from argosy.errors import ArgosyError, SyncLimitError

#: the store's object kind of a database semaphore limit
SYNC_LIMIT = "SyncLimit"
#: the limit of a database semaphore no Sync API call has set
DEFAULT_DATABASE_LIMIT = 1

ConfigMapSource = Callable[[str, str], "dict[str, str] | None"]


class Limits:
    """Reads limits: ConfigMaps through ``configmap(namespace, name)``, database limits from
    ``store`` (objects table) or, without a store, from this object's own table."""

    def __init__(self, configmap: ConfigMapSource, store: Any = None) -> None:
        self.configmap = configmap
        self.store = store
        self._memory: dict[tuple[str, str], int] = {}

    def limit(self, lock: LockRef) -> int:
        """The lock's limit now; SyncLimitError when it cannot be read."""
        if lock.mutex:
            return 1
        if lock.kind is LockKind.DATABASE:
            found = self.database_limit(lock.namespace, lock.key)
            return DEFAULT_DATABASE_LIMIT if found is None else found
        try:
            data = self.configmap(lock.namespace, lock.resource)
        except ArgosyError as err:
            raise SyncLimitError(f"failed to read ConfigMap {lock.namespace}/{lock.resource}: {err}") from err
        if data is None:
            raise SyncLimitError(f'configmaps "{lock.resource}" not found in namespace {lock.namespace}')
        if lock.key not in data:
            raise SyncLimitError(f"ConfigMap {lock.namespace}/{lock.resource} has no key {lock.key!r} "
                                 "(the semaphore's limit)")
        try:
            return int(str(data[lock.key]).strip())
        except ValueError:
            raise SyncLimitError(f"ConfigMap {lock.namespace}/{lock.resource} key {lock.key!r} is "
                                 f"{data[lock.key]!r}, not a whole number (the semaphore's limit)") from None

    # ---- database limits (the Sync API's) ----------------------------------------------

    def database_limit(self, namespace: str, key: str) -> int | None:
        """The stored limit of database semaphore ``key`` in ``namespace``; None: none set."""
        if self.store is None:
            return self._memory.get((namespace, key))
        record = self.store.get_object(SYNC_LIMIT, namespace, key)
        return None if record is None else int(record.body.get("limit") or 0)

    def set_database_limit(self, namespace: str, key: str, limit: int, *, create: bool) -> None:
        """Create (AlreadyExists if set) or update (NotFound if unset) a database limit."""
        from argosy.errors import AlreadyExists, NotFound

        if self.store is None:
            if create and (namespace, key) in self._memory:
                raise AlreadyExists(key, "sync limit")
            if not create and (namespace, key) not in self._memory:
                raise NotFound(key, "sync limit")
            self._memory[(namespace, key)] = limit
            return
        body = {"metadata": {"namespace": namespace, "name": key}, "limit": limit}
        if create:
            self.store.create_object(SYNC_LIMIT, body)
        else:
            self.store.update_object(SYNC_LIMIT, body)

    def delete_database_limit(self, namespace: str, key: str) -> bool:
        if self.store is None:
            return self._memory.pop((namespace, key), None) is not None
        return bool(self.store.delete_object(SYNC_LIMIT, namespace, key))


__all__ = ["DEFAULT_DATABASE_LIMIT", "SYNC_LIMIT", "Limits"]
