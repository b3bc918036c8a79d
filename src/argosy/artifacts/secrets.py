"""Secret selectors (``{name, key}``) of artifact locations, read from the Secrets a run loaded."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from argosy.errors import SecretNotFound


class Secrets:
    """The run's Secrets (name -> decoded data), looked up by Kubernetes ``SecretKeySelector``."""

    def __init__(self, data: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.data = data if data is not None else {}

    def value(self, selector: Mapping[str, Any] | None) -> str | None:
        """The selected value; None when ``selector`` is empty. Raises :class:`SecretNotFound`."""
        if not selector or not selector.get("name"):
            return None
        name, key = str(selector["name"]), str(selector.get("key", ""))
        secret = self.data.get(name)
        if secret is None:
            raise SecretNotFound(f'secrets "{name}" not found; load it with --with FILE')
        if key not in secret:
            raise SecretNotFound(f'secret "{name}" does not have the key "{key}"')
        return str(secret[key])
