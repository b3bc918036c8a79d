"""ConfigMaps and Secrets, looked up by namespace and name through one interface.

The engine (``configMapKeyRef`` in arguments and inputs) and the runtimes (volumes, ``env``,
``envFrom``, HTTP headers) all ask an :class:`ObjectSource`; the embedded mode answers from the
manifests it loaded (:class:`ManifestObjects`), a cluster would answer from its API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from argosy.errors import ArgosyError
from argosy.spec import CONFIG_MAP, SECRET, ObjectSet


class ObjectSource(Protocol):
    """Where ConfigMaps and Secrets come from: ``None`` when there is no such object."""

    def configmap(self, namespace: str, name: str) -> dict[str, str] | None: ...

    def secret(self, namespace: str, name: str) -> dict[str, str] | None: ...


class ManifestObjects:
    """The ConfigMaps and Secrets of loaded manifests.

    An object whose manifest names a namespace is found only in that namespace; one without
    a namespace is found in every namespace (as if ``kubectl apply -n`` put it wherever it is
    asked for). Decoded once, on first use.
    """

    def __init__(self, objects: ObjectSet) -> None:
        self.objects = objects
        self._cache: dict[tuple[str, str], dict[str, str] | None] = {}

    def configmap(self, namespace: str, name: str) -> dict[str, str] | None:
        return self._lookup(CONFIG_MAP, namespace, name)

    def secret(self, namespace: str, name: str) -> dict[str, str] | None:
        return self._lookup(SECRET, namespace, name)

    def _lookup(self, kind: str, namespace: str, name: str) -> dict[str, str] | None:
        key = (kind, name)
        if key not in self._cache:
            self._cache[key] = self._decode(kind, name)
        if self._cache[key] is None:
            return None
        own = (self.objects.get(kind, name).body.get("metadata") or {}).get("namespace")
        return None if own and own != namespace else self._cache[key]

    def _decode(self, kind: str, name: str) -> dict[str, str] | None:
        if not self.objects.has(kind, name):
            return None
        return self.objects.configmap(name) if kind == CONFIG_MAP else self.objects.secret(name)


class ObjectDicts:
    """Objects given as dicts, ``name -> data`` (any namespace) or ``"namespace/name" -> data``."""

    def __init__(self, configmaps: Mapping[str, dict[str, str]] | None = None,
                 secrets: Mapping[str, dict[str, str]] | None = None) -> None:
        self.configmaps = dict(configmaps or {})
        self.secrets = dict(secrets or {})

    def configmap(self, namespace: str, name: str) -> dict[str, str] | None:
        return self.configmaps.get(f"{namespace}/{name}", self.configmaps.get(name))

    def secret(self, namespace: str, name: str) -> dict[str, str] | None:
        return self.secrets.get(f"{namespace}/{name}", self.secrets.get(name))


class NamespacedObjects:
    """One kind of object in one namespace, read like the dict runtimes used to get."""

    def __init__(self, source: ObjectSource, kind: str, namespace: str) -> None:
        self.source = source
        self.kind = kind
        self.namespace = namespace

    def get(self, name: str, default: dict[str, str] | None = None) -> dict[str, str] | None:
        try:
            found = (self.source.configmap(self.namespace, name) if self.kind == CONFIG_MAP
                     else self.source.secret(self.namespace, name))
        except ArgosyError:
            # a malformed object (bad base64) is as good as absent to a lookup; lint reports it
            return default
        return default if found is None else found

    def __getitem__(self, name: str) -> dict[str, str]:
        found = self.get(name)
        if found is None:
            raise KeyError(name)
        return found

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None
