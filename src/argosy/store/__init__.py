"""The store: the only place state is kept.

``open_store(url_or_path)`` gives a backend implementing ``argosy.store.api.Store``. The
old ``Store`` class (``Store(path)``) stays as a thin adapter over the SQLite backend until
the controller has moved to the Protocol.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from argosy.store.api import Change, WorkflowPage, WorkflowRecord
from argosy.store.legacy import Store
from argosy.store.owner import owner_id

if TYPE_CHECKING:
    from argosy.store import api

__all__ = ["Change", "Store", "WorkflowPage", "WorkflowRecord", "open_store", "owner_id"]


def open_store(url_or_path: str | Path, *, clock: Callable[[], float] | None = None,
               lock_timeout: float = 30.0) -> api.Store:
    """Open (creating and migrating as needed) the store at ``sqlite:///path``, a plain path, or
    ``postgresql://user:password@host:port/database`` (a shared PostgreSQL database).

    ``clock`` (seconds since the epoch) is for tests that fake time; ``lock_timeout`` is how
    long a write waits for another process's lock before ``StoreLocked``.
    """
    text = str(url_or_path)
    if text.startswith(("postgresql://", "postgres://")):
        # imported here: psycopg is loaded only by those who use PostgreSQL
        from argosy.store.postgres import PostgresStore

        return PostgresStore(text, clock=clock, lock_timeout=lock_timeout)
    from argosy.store.sqlite import SqliteStore, sqlite_path

    return SqliteStore(sqlite_path(url_or_path), clock=clock, lock_timeout=lock_timeout)
