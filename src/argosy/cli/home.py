"""The data directory (``--data-dir``, ``$ARGOSY_HOME`` or ``~/.argosy``) and its store."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def data_dir(explicit: str | None) -> Path:
    return Path(explicit or os.environ.get("ARGOSY_HOME") or Path.home() / ".argosy")


def open_data_store(data: Path) -> Any:
    """The data directory's store (imported here, not at start-up: ``lint`` needs none)."""
    from argosy.controller.controller import data_store

    return data_store(data)
