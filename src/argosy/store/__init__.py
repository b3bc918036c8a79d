"""The store: the only place state is kept."""

from __future__ import annotations

from argosy.store.sqlite import Store

__all__ = ["Store"]
