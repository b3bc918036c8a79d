"""ConfigMaps and Secrets, the objects workflows refer to (Argosy's own endpoints: there is
no kubectl). ``/api/v1/argosy/configmaps/{namespace}`` and ``/api/v1/argosy/secrets/{namespace}``
take and give the Kubernetes object itself (``data``; a Secret's ``data`` base64 or its
``stringData`` plain), with create (POST), list, get, update (PUT) and delete."""

from __future__ import annotations

from argosy.server.resources import Resource, resource_routes

CONFIG_MAPS = Resource("ConfigMap", "/api/v1/argosy/configmaps/{namespace}", api_version="v1", lintable=False)
SECRETS = Resource("Secret", "/api/v1/argosy/secrets/{namespace}", api_version="v1", lintable=False)

routes = [*resource_routes(CONFIG_MAPS), *resource_routes(SECRETS)]
