"""Artifact downloads, as Argo Server's artifact server serves them (plain HTTP, not JSON):

* ``GET /artifact-files/{namespace}/{workflows|archived-workflows}/{nameOrUid}/{nodeId}/{outputs|inputs}/{artifactName}[/{file...}]``
  -- a file artifact streams as stored (a ``.tgz`` stays a ``.tgz``); an unarchived directory
  (``archive: none``) answers 307 to the same path with a ``/``, which lists it as an HTML page
  (or redirects to its ``index.html``); a path after the artifact's name is a file inside it.
* ``GET /artifacts/{namespace}/{name}/{nodeId}/{artifactName}`` and ``/input-artifacts/...``
  -- a live workflow's output (input) artifact;
* ``GET /artifacts-by-uid/{uid}/{nodeId}/{artifactName}`` and ``/input-artifacts-by-uid/...``
  -- by the workflow's uid (an archived workflow, else a live one).

A file answers with Argo's headers: ``Content-Disposition: filename="<key's base name>"``, the
Content-Type of the key's extension, and Argo's Content-Security-Policy and X-Frame-Options
(``ARGO_ARTIFACT_CONTENT_SECURITY_POLICY`` / ``ARGO_ARTIFACT_X_FRAME_OPTIONS`` override them).
Errors are Argo's ``http.Error`` bodies: the status text and a newline, as text/plain.
Authorisation is the API's (``get`` in the workflow's namespace); as in Argo, the bearer token
may also come from an ``authorization`` cookie (what the UI's download links send).

Bytes are copied from the driver's stream in chunks of :data:`CHUNK`: an artifact is never read
whole into memory. One deliberate difference: an unknown node or artifact answers 404, where
Argo's artifact server answers 500 for every lookup failure but an unknown workflow.
"""

from __future__ import annotations

import asyncio
import html
import logging
import mimetypes
import os
import posixpath
from collections.abc import Iterator, Mapping
from typing import IO, Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Route

from argosy.artifacts import LocalRepository, default_drivers
from argosy.artifacts.drivers import Driver, driver_for
from argosy.artifacts.repository import ArtifactNotFound
from argosy.artifacts.s3 import S3Driver
from argosy.artifacts.serve import stored_location
from argosy.errors import (
    ArgosyError,
    BadArtifactPath,
    InvalidArgument,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from argosy.runtime.base import RunContext
from argosy.server.routing import Verb
from argosy.server.state import Services

log = logging.getLogger("argosy.server")

#: bytes copied from the driver's stream at a time
CHUNK = 1 << 16
CONTENT_SECURITY_POLICY = "sandbox; base-uri 'none'; default-src 'none'; img-src 'self'; style-src 'self' 'unsafe-inline'"
X_FRAME_OPTIONS = "SAMEORIGIN"
DISCRIMINATORS = ("workflows", "archived-workflows")


def _error(status: int) -> Response:
    # Go's http.Error: the status text, a newline, text/plain, nosniff
    text = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}.get(
        status, "Internal Server Error")
    return PlainTextResponse(text + "\n", status, headers={"X-Content-Type-Options": "nosniff"})


def _status_of(err: Exception) -> int:
    if isinstance(err, (NotFound, ArtifactNotFound)):
        return 404
    if isinstance(err, InvalidArgument):
        return 400
    if isinstance(err, Unauthenticated):
        return 401
    if isinstance(err, PermissionDenied):
        return 403
    return 500


def _with_cookie_token(request: Request) -> Request:
    """The request, its ``authorization`` cookie moved into the header when it has none."""
    cookie = request.cookies.get("authorization")
    if request.headers.get("authorization") or not cookie:
        return request
    value = cookie if cookie.lower().startswith("bearer ") else f"Bearer {cookie}"
    scope = dict(request.scope)
    scope["headers"] = [*request.scope["headers"], (b"authorization", value.encode())]
    return Request(scope, request.receive)


def _security_headers() -> dict[str, str]:
    return {"Content-Security-Policy": os.environ.get("ARGO_ARTIFACT_CONTENT_SECURITY_POLICY", CONTENT_SECURITY_POLICY),
            "X-Frame-Options": os.environ.get("ARGO_ARTIFACT_X_FRAME_OPTIONS", X_FRAME_OPTIONS)}


def _content_type(key: str) -> str | None:
    """Go's ``mime.TypeByExtension``: the system's type of the extension; text gets utf-8."""
    if not mimetypes.inited:
        mimetypes.init()
    ext = posixpath.splitext(key)[1]
    kind = mimetypes.types_map.get(ext) or mimetypes.types_map.get(ext.lower())
    if kind and kind.startswith("text/") and "charset" not in kind:
        kind += "; charset=utf-8"
    return kind


class Download:
    """One download request's workflow, artifact location and driver."""

    def __init__(self, services: Services, request: Request) -> None:
        self.services = services
        self.request = request

    def allow(self, namespace: str) -> None:
        self.services.authorizer.check(self.request, Verb.GET, namespace)

    def live(self, namespace: str, name: str) -> dict[str, Any]:
        self.allow(namespace)
        record = self.services.store.find_workflow(namespace, name)
        if record is None:
            raise NotFound(name, "workflows.argoproj.io")
        return record.to_workflow()

    def archived(self, uid: str, namespace: str | None) -> dict[str, Any]:
        record = self.services.store.get_archived_workflow(uid)
        if record is None:
            raise NotFound(uid, "archivedworkflows.argoproj.io")
        if namespace is not None and record.namespace != namespace:
            raise BadArtifactPath(f"archived workflow {uid} is not in namespace {namespace}")
        self.allow(record.namespace)
        return record.to_workflow()

    def by_uid(self, uid: str) -> dict[str, Any]:
        try:
            return self.archived(uid, None)
        except NotFound:
            record = self.services.store.get_workflow(uid)
            if record is None:
                raise
            self.allow(record.namespace)
            return record.to_workflow()

    def locate(self, workflow: Mapping[str, Any], node_id: str, name: str, direction: str,
               file_name: str | None = None) -> tuple[Driver, str, dict[str, Any]]:
        """(driver, location type, location) of the artifact, or of ``file_name`` inside it."""
        kind, stored = stored_location(workflow, node_id, name, direction)
        location = dict(stored)
        if file_name:
            field = "url" if kind in ("http", "artifactory") else "key"
            location[field] = str(location.get(field) or "").rstrip("/") + "/" + file_name
        namespace = str((workflow.get("metadata") or {}).get("namespace") or "default")
        context = RunContext(self.services.controller.data_dir, self.services.controller.object_source,
                             namespace=namespace)
        drivers = default_drivers(LocalRepository(context.artifact_dir), context.secrets)  # type: ignore[arg-type]
        return driver_for(kind, drivers, name), kind, location


def _key(location: Mapping[str, Any], fallback: str) -> str:
    return str(location.get("key") or location.get("url") or fallback)


def _is_directory(driver: Driver, location: Mapping[str, Any]) -> bool:
    """Whether the location is a directory (drivers that cannot say: it is not, as in Argo)."""
    repo = getattr(driver, "repo", None)
    if isinstance(repo, LocalRepository):
        return repo.path(str(location.get("key") or "")).is_dir()
    if isinstance(driver, S3Driver):
        return driver.is_directory(location)
    return False


def _list_objects(driver: Driver, location: Mapping[str, Any]) -> list[str]:
    """Every stored key under the location, as Argo's ListObjects gives them."""
    key = str(location.get("key") or "").rstrip("/")
    repo = getattr(driver, "repo", None)
    if isinstance(repo, LocalRepository):
        return repo.keys(key)
    if isinstance(driver, S3Driver):
        return driver.keys({**location, "key": key + "/"})
    return []


def directory_listing(objects: list[str], key: str) -> str:
    """Argo's HTML listing: a parent link, each file of the directory, each sub-directory once."""
    lines = ['<html><body><ul>', '<li><a href="..">..</a></li>']
    seen: set[str] = set()
    prefix = key.rstrip("/") + "/"
    for obj in objects:
        rest = obj.removeprefix(prefix)
        head, _, tail = rest.rpartition("/")
        entry = tail if not head else head.split("/", 1)[0] + "/"
        if entry in seen:
            continue
        seen.add(entry)
        # "./" keeps a name such as "javascript:x" a relative link
        lines.append(f'<li><a href="./{quote(entry)}">{html.escape(entry)}</a></li>')
    return "\n".join(lines) + "\n</ul></body></html>"


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    try:
        while chunk := stream.read(CHUNK):
            yield chunk
    finally:
        stream.close()


def _file_response(driver: Driver, location: Mapping[str, Any], name: str) -> Response:
    stream = driver.open(location)
    key = _key(location, name)
    headers = {"Content-Disposition": f'filename="{posixpath.basename(key.rstrip("/")) or name}"',
               **_security_headers()}
    kind = _content_type(key)
    return StreamingResponse(_chunks(stream), 200, headers=headers, media_type=kind)


def _serve_file(download: Download, workflow: dict[str, Any], node_id: str, name: str,
                direction: str) -> Response:
    driver, _, location = download.locate(workflow, node_id, name, direction)
    return _file_response(driver, location, name)


def _relative(request: Request, path: str) -> str:
    """``path`` with the request's query, as Go's server-side ``r.URL.String()`` has no host."""
    query = request.url.query
    return path + (f"?{query}" if query else "")


def _artifact_files(request: Request) -> Response:
    path = request.url.path
    parts = path.split("/")
    # ["", "artifact-files", namespace, discriminator, id, nodeId, direction, artifactName, file...]
    if len(parts) < 8 or not all(parts[2:8]):
        raise BadArtifactPath("expected /artifact-files/{namespace}/{workflows|archived-workflows}/{id}/{nodeId}/"
                         "{outputs|inputs}/{artifactName}")
    namespace, discriminator, ident, node_id, direction, name = parts[2:8]
    if direction not in ("outputs", "inputs") or discriminator not in DISCRIMINATORS:
        raise BadArtifactPath(f"unknown path {path}")
    raw = "/".join(parts[8:])
    file_name = posixpath.normpath(raw) if raw else None  # Go's path.Clean
    if file_name == ".":
        file_name = None
    elif file_name is not None and (file_name == ".." or file_name.startswith(("../", "/"))):
        raise BadArtifactPath(f"file path {raw!r} leaves the artifact")
    download = Download(request.app.state.services, request)
    workflow = (download.live(namespace, ident) if discriminator == "workflows"
                else download.archived(ident, namespace))
    driver, _, location = download.locate(workflow, node_id, name, direction, file_name)
    wants_dir = path.endswith("/")
    if not wants_dir and _is_directory(driver, location):
        return RedirectResponse(_relative(request, path + "/"), 307)
    if wants_dir:
        key = str(location.get("key") or "").rstrip("/")
        objects = _list_objects(driver, location)
        for obj in objects:
            if obj == f"{key}/index.html":
                return RedirectResponse(_relative(request, path + "index.html"), 307)
        return Response(directory_listing(objects, key), 200, headers=_security_headers(),
                        media_type="text/html; charset=utf-8")
    return _file_response(driver, location, name)


def _by_name(direction: str) -> Any:
    def handle(request: Request) -> Response:
        p = request.path_params
        download = Download(request.app.state.services, request)
        workflow = download.live(p["namespace"], p["name"])
        return _serve_file(download, workflow, p["nodeId"], p["artifactName"], direction)
    return handle


def _by_uid(direction: str) -> Any:
    def handle(request: Request) -> Response:
        p = request.path_params
        download = Download(request.app.state.services, request)
        workflow = download.by_uid(p["uid"])
        return _serve_file(download, workflow, p["nodeId"], p["artifactName"], direction)
    return handle


def _endpoint(handle: Any) -> Any:
    async def endpoint(request: Request) -> Response:
        try:
            # drivers block (S3, the disk): the lookup and the opening run off the event loop
            return await asyncio.to_thread(handle, _with_cookie_token(request))
        except ArgosyError as err:
            status = _status_of(err)
            if status == 500:
                log.warning("artifact download %s failed: %s", request.url.path, err)
            return _error(status)
        except Exception:  # a bug answers 500, the traceback goes to the log
            log.exception("GET %s failed", request.url.path)
            return _error(500)
    return endpoint


routes = [
    Route("/artifact-files/{rest:path}", _endpoint(_artifact_files), methods=["GET"]),
    Route("/artifacts/{namespace}/{name}/{nodeId}/{artifactName:path}", _endpoint(_by_name("outputs")),
          methods=["GET"]),
    Route("/input-artifacts/{namespace}/{name}/{nodeId}/{artifactName:path}", _endpoint(_by_name("inputs")),
          methods=["GET"]),
    Route("/artifacts-by-uid/{uid}/{nodeId}/{artifactName:path}", _endpoint(_by_uid("outputs")), methods=["GET"]),
    Route("/input-artifacts-by-uid/{uid}/{nodeId}/{artifactName:path}", _endpoint(_by_uid("inputs")),
          methods=["GET"]),
]
