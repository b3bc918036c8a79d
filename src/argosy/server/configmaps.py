"""ConfigMaps and Secrets, the objects workflows refer to (Argosy's own endpoints: there is
no kubectl). ``/api/v1/argosy/configmaps/{namespace}`` and ``/api/v1/argosy/secrets/{namespace}``
take and give the Kubernetes object itself (``data``; a Secret's ``data`` base64 or its
``stringData`` plain), with create (POST), list, get, update (PUT) and delete.

Memoization caches are ConfigMaps too, as in Argo: a cache (``memoize.cache.configMap.name``)
is shown as a ConfigMap labelled ``workflows.argoproj.io/configmap-type: Cache`` whose
``data[key]`` is an entry's JSON (``controller.memoize``), though its entries live in the
store's own table (no 1 MiB ceiling). So, as with kubectl on Argo's:

- get and list show caches beside plain ConfigMaps (``listOptions.labelSelector=
  workflows.argoproj.io/configmap-type=Cache`` lists the caches only);
- creating or updating a ConfigMap with that label writes the cache's entries (its ``data``,
  each an entry's JSON; a malformed one is refused), replacing what the cache held;
- deleting it empties the cache (the way to make every memoized step run again).
"""

from __future__ import annotations

from typing import Any

from argosy.controller import generate_name
from argosy.controller.memoize import cache_configmap, is_cache, parse_entry
from argosy.errors import AlreadyExists, InvalidArgument, MemoizationError, NotFound
from argosy.server.resources import Resource, object_of, resource_routes
from argosy.server.routing import Call, Verb, api_route
from argosy.spec import CONFIG_MAP
from argosy.store.api import MemoRecord, Store, resource_name
from argosy.store.selector import matches, parse_label_selector

CONFIG_MAPS = Resource("ConfigMap", "/api/v1/argosy/configmaps/{namespace}", api_version="v1", lintable=False)
SECRETS = Resource("Secret", "/api/v1/argosy/secrets/{namespace}", api_version="v1", lintable=False)
_WHAT = resource_name(CONFIG_MAP)


def _entries(obj: dict[str, Any], namespace: str, name: str) -> list[MemoRecord]:
    data = obj.get("data") or {}
    if not isinstance(data, dict):
        raise InvalidArgument("data must be an object of key: entry JSON")
    try:
        return [parse_entry(namespace, name, str(key), text) for key, text in data.items()]
    except MemoizationError as err:
        raise InvalidArgument(f"ConfigMap {name!r} is labelled as a memoization cache: {err}") from None


def _cache(store: Store, namespace: str, name: str) -> dict[str, Any] | None:
    records = store.list_memos(namespace, name)
    return cache_configmap(namespace, name, records) if records else None


def _labels(obj: dict[str, Any]) -> dict[str, str]:
    labels = (obj.get("metadata") or {}).get("labels") or {}
    return {str(k): str(v) for k, v in labels.items()} if isinstance(labels, dict) else {}


async def create(call: Call) -> dict[str, Any]:
    obj = object_of(CONFIG_MAPS, call, await call.body())
    meta = obj["metadata"]
    if not meta.get("name"):
        if not meta.get("generateName"):
            raise InvalidArgument("metadata.name or metadata.generateName is required")
        meta["name"] = generate_name(meta["generateName"])
    store, namespace, name = call.services.store, meta["namespace"], meta["name"]
    if not is_cache(obj):
        if store.list_memos(namespace, name):
            raise AlreadyExists(name, _WHAT)
        return store.create_object(CONFIG_MAP, obj).to_object()
    if store.get_object(CONFIG_MAP, namespace, name) is not None or store.list_memos(namespace, name):
        raise AlreadyExists(name, _WHAT)
    store.put_memos(namespace, name, _entries(obj, namespace, name))
    return cache_configmap(namespace, name, store.list_memos(namespace, name))


async def get(call: Call) -> dict[str, Any]:
    store, namespace, name = call.services.store, CONFIG_MAPS.namespace(call), call.path("name")
    record = store.get_object(CONFIG_MAP, namespace, name)
    if record is not None:
        return record.to_object()
    cache = _cache(store, namespace, name)
    if cache is None:
        raise NotFound(name, _WHAT)
    return cache


async def list_(call: Call) -> dict[str, Any]:
    store, namespace = call.services.store, call.list_namespace
    selector = call.query("listOptions.labelSelector") or None
    items = [r.to_object() for r in store.list_objects(CONFIG_MAP, namespace, label_selector=selector)]
    taken = {(o["metadata"].get("namespace"), o["metadata"]["name"]) for o in items}
    grouped: dict[tuple[str, str], list[MemoRecord]] = {}
    for record in store.list_memos(namespace):
        grouped.setdefault((record.namespace, record.cache), []).append(record)
    requirements = parse_label_selector(selector)
    for (ns, cache), records in grouped.items():
        view = cache_configmap(ns, cache, records)
        if (ns, cache) not in taken and matches(requirements, _labels(view)):
            items.append(view)
    items.sort(key=lambda o: (o["metadata"].get("namespace") or "", o["metadata"]["name"]))
    return {"metadata": {"resourceVersion": str(store.resource_version())}, "items": items}


async def update(call: Call) -> dict[str, Any]:
    obj = object_of(CONFIG_MAPS, call, await call.body(), call.path("name"))
    store, namespace, name = call.services.store, obj["metadata"]["namespace"], obj["metadata"]["name"]
    plain = store.get_object(CONFIG_MAP, namespace, name)
    cached = bool(store.list_memos(namespace, name))
    if plain is None and not cached:
        raise NotFound(name, _WHAT)
    if is_cache(obj):
        entries = _entries(obj, namespace, name)
        if plain is not None:
            store.delete_object(CONFIG_MAP, namespace, name)  # it becomes a cache
        store.put_memos(namespace, name, entries)
        return cache_configmap(namespace, name, store.list_memos(namespace, name))
    if plain is None:
        store.delete_memos(namespace, name)  # the label was taken off: a plain ConfigMap again
        return store.create_object(CONFIG_MAP, obj).to_object()
    return store.update_object(CONFIG_MAP, obj).to_object()


async def delete(call: Call) -> dict[str, Any]:
    store, namespace, name = call.services.store, CONFIG_MAPS.namespace(call), call.path("name")
    deleted = store.delete_object(CONFIG_MAP, namespace, name)
    emptied = store.delete_memos(namespace, name) > 0
    if not deleted and not emptied:
        raise NotFound(name, _WHAT)
    return {}


def _configmap_routes() -> list[Any]:
    one = CONFIG_MAPS.path + "/{name}"
    return [
        api_route("POST", CONFIG_MAPS.path, create, verb=Verb.CREATE),
        api_route("GET", CONFIG_MAPS.path, list_, verb=Verb.LIST),
        api_route("GET", one, get, verb=Verb.GET),
        api_route("PUT", one, update, verb=Verb.UPDATE),
        api_route("DELETE", one, delete, verb=Verb.DELETE),
        # an empty namespace: every namespace
        api_route("GET", CONFIG_MAPS.path.replace("{namespace}", ""), list_, verb=Verb.LIST),
    ]


routes = [*_configmap_routes(), *resource_routes(SECRETS)]
