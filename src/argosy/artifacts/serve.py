"""Reading a finished workflow's artifacts back: what the server's download endpoints stream.

Argo Server serves ``/artifacts/{namespace}/{name}/{nodeId}/{artifactName}`` (outputs),
``/input-artifacts/...``, their ``-by-uid`` forms and ``/artifact-files/...``; each finds the
artifact in the workflow's status, relocates a key-only location into the workflow's
repository, and streams the stored bytes (a ``.tgz`` stays a ``.tgz``) through the driver of
its type. :func:`open_artifact` is that, for every driver; the HTTP layer only copies bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from argosy.artifacts.drivers import Driver, driver_for
from argosy.artifacts.locations import status_location
from argosy.artifacts.repository import ArtifactNotFound

DIRECTIONS = ("outputs", "inputs")


def find_artifact(workflow: Mapping[str, Any], node_id: str, name: str, direction: str = "outputs"
                  ) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """(node, artifact) for ``name`` among a node's ``outputs`` or ``inputs`` artifacts."""
    if direction not in DIRECTIONS:
        raise ArtifactNotFound(f"artifact discriminator {direction!r} must be one of {', '.join(DIRECTIONS)}")
    node = ((workflow.get("status") or {}).get("nodes") or {}).get(node_id)
    if node is None:
        raise ArtifactNotFound(f"node {node_id!r} not found in workflow {_name(workflow)!r}")
    for art in (node.get(direction) or {}).get("artifacts") or ():
        if art.get("name") == name:
            return node, art
    raise ArtifactNotFound(f"artifact {name!r} not found in the {direction} of node {node_id!r}")


def stored_location(workflow: Mapping[str, Any], node_id: str, name: str, direction: str = "outputs"
                    ) -> tuple[str, Mapping[str, Any]]:
    """(location type, location) where the artifact's bytes are; ArtifactNotFound saying why not."""
    node, art = find_artifact(workflow, node_id, name, direction)
    if art.get("deleted"):
        raise ArtifactNotFound(f"artifact {name!r} was deleted by artifact garbage collection")
    where = status_location(workflow, node, art)
    if where is None:
        raise ArtifactNotFound(f"artifact {name!r} of node {node_id!r} has no location")
    return where


def open_artifact(workflow: Mapping[str, Any], node_id: str, name: str, drivers: Mapping[str, Driver],
                  direction: str = "outputs") -> tuple[IO[bytes], str]:
    """A stream of the artifact's stored bytes and the file name to serve it as."""
    kind, location = stored_location(workflow, node_id, name, direction)
    stream = driver_for(kind, drivers, name).open(location)
    key = str(location.get("key") or location.get("url") or name)
    return stream, key.rstrip("/").rsplit("/", 1)[-1] or name


def _name(workflow: Mapping[str, Any]) -> str:
    return str((workflow.get("metadata") or {}).get("name", ""))
