"""SyncService (Argo 3.7): semaphore limits, created and changed through the API.

``POST /api/v1/sync/{namespace}`` creates a limit, ``GET``/``PUT``/``DELETE
/api/v1/sync/{namespace}/{key}`` read, change and remove one. A limit is of ``type``
``CONFIGMAP`` (a key of ConfigMap ``cmName`` in the namespace, created if missing) or
``DATABASE`` (Argo's ``sync_limit`` row; here an object in the store, see
:mod:`argosy.controller.synchronization.limits`). Bodies and answers are Argo's
``sync.CreateSyncLimitRequest``/``UpdateSyncLimitRequest``/``SyncLimitResponse``
(``cmName``, ``key``, ``limit``, ``namespace``, ``type``); ``type`` may be given by name or by
its number (0 ConfigMap, 1 database), in the body or the query. A change applies at once:
workflows and nodes waiting for the lock start if the new limit lets them.
"""

from __future__ import annotations

from typing import Any

from argosy.errors import AlreadyExists, InvalidArgument, NotFound
from argosy.server.routing import Call, Verb, api_route
from argosy.spec import CONFIG_MAP

CONFIGMAP = "CONFIGMAP"
DATABASE = "DATABASE"
_TYPES = {"0": CONFIGMAP, "1": DATABASE, CONFIGMAP: CONFIGMAP, DATABASE: DATABASE}
PATH = "/api/v1/sync/{namespace}"


def sync_type(value: Any) -> str:
    """A ``SyncConfigType`` by name or number (absent: ``CONFIGMAP``, proto3's zero value)."""
    if value in (None, ""):
        return CONFIGMAP
    found = _TYPES.get(str(value).upper())
    if found is None:
        raise InvalidArgument(f"type {value!r} is not a sync limit type: use CONFIGMAP or DATABASE")
    return found


def limit_of(value: Any) -> int:
    try:
        limit = int(value)
    except (TypeError, ValueError):
        limit = 0
    if limit <= 0:
        raise InvalidArgument("limit must be greater than zero")
    return limit


def answer(namespace: str, key: str, limit: int, kind: str, cm_name: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"key": key, "limit": limit, "namespace": namespace, "type": kind}
    if kind == CONFIGMAP:
        out["cmName"] = cm_name
    return out


def _cm_name(call: Call, body: dict[str, Any]) -> str:
    name = str(body.get("cmName") or call.query("cmName") or "")
    if not name:
        raise InvalidArgument("cmName is required for a CONFIGMAP sync limit")
    return name


def _configmap(call: Call, namespace: str, name: str) -> dict[str, Any] | None:
    record = call.services.store.get_object(CONFIG_MAP, namespace, name)
    return None if record is None else dict(record.body)


def _changed(call: Call) -> None:
    call.services.controller.sync.refresh()


async def create_sync_limit(call: Call) -> dict[str, Any]:
    body = await call.body()
    namespace = call.namespace or "default"
    kind = sync_type(body.get("type"))
    key = str(body.get("key") or "")
    if not key:
        raise InvalidArgument("key is required")
    limit = limit_of(body.get("limit"))
    if kind == DATABASE:
        call.services.controller.sync.limits.set_database_limit(namespace, key, limit, create=True)
        _changed(call)
        return answer(namespace, key, limit, kind)
    name = _cm_name(call, body)
    store = call.services.store
    cm = _configmap(call, namespace, name)
    if cm is None:
        store.create_object(CONFIG_MAP, {"apiVersion": "v1", "kind": CONFIG_MAP,
                                          "metadata": {"name": name, "namespace": namespace},
                                          "data": {key: str(limit)}})
    else:
        data = dict(cm.get("data") or {})
        if key in data:
            raise AlreadyExists(f"{name}/{key}", "sync limit")
        store.update_object(CONFIG_MAP, {**cm, "data": {**data, key: str(limit)}})
    _changed(call)
    return answer(namespace, key, limit, kind, name)


async def get_sync_limit(call: Call) -> dict[str, Any]:
    namespace = call.namespace or "default"
    key = call.path("key")
    kind = sync_type(call.query("type"))
    if kind == DATABASE:
        limit = call.services.controller.sync.limits.database_limit(namespace, key)
        if limit is None:
            raise NotFound(key, "sync limit")
        return answer(namespace, key, limit, kind)
    name = _cm_name(call, {})
    data = (_configmap(call, namespace, name) or {}).get("data") or {}
    if key not in data:
        raise NotFound(f"{name}/{key}", "sync limit")
    try:
        limit = int(str(data[key]).strip())
    except ValueError:
        raise InvalidArgument(f"ConfigMap {namespace}/{name} key {key!r} is not a number: {data[key]!r}") from None
    return answer(namespace, key, limit, kind, name)


async def update_sync_limit(call: Call) -> dict[str, Any]:
    body = await call.body()
    namespace = call.namespace or "default"
    key = call.path("key")
    kind = sync_type(body.get("type", call.query("type")))
    limit = limit_of(body.get("limit"))
    if kind == DATABASE:
        call.services.controller.sync.limits.set_database_limit(namespace, key, limit, create=False)
        _changed(call)
        return answer(namespace, key, limit, kind)
    name = _cm_name(call, body)
    cm = _configmap(call, namespace, name)
    data = dict((cm or {}).get("data") or {})
    if cm is None or key not in data:
        raise NotFound(f"{name}/{key}", "sync limit")
    call.services.store.update_object(CONFIG_MAP, {**cm, "data": {**data, key: str(limit)}})
    _changed(call)
    return answer(namespace, key, limit, kind, name)


async def delete_sync_limit(call: Call) -> dict[str, Any]:
    namespace = call.namespace or "default"
    key = call.path("key")
    kind = sync_type(call.query("type"))
    if kind == DATABASE:
        if not call.services.controller.sync.limits.delete_database_limit(namespace, key):
            raise NotFound(key, "sync limit")
        return {}
    name = _cm_name(call, {})
    cm = _configmap(call, namespace, name)
    data = dict((cm or {}).get("data") or {})
    if cm is None or key not in data:
        raise NotFound(f"{name}/{key}", "sync limit")
    del data[key]
    call.services.store.update_object(CONFIG_MAP, {**cm, "data": data})
    return {}


# Argo guards database limits with the workflow verbs of the namespace (docs: sync limits)
routes = [
    api_route("POST", PATH, create_sync_limit, verb=Verb.CREATE),
    api_route("GET", PATH + "/{key}", get_sync_limit, verb=Verb.GET),
    api_route("PUT", PATH + "/{key}", update_sync_limit, verb=Verb.UPDATE),
    api_route("DELETE", PATH + "/{key}", delete_sync_limit, verb=Verb.DELETE),
]
