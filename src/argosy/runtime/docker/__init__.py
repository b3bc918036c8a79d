"""The Docker runtime: each node as a pod of containers on the local Docker Engine.

The ``docker`` SDK is imported only when a node first needs the engine, so choosing the
process runtime costs nothing here.
"""

from __future__ import annotations

from argosy.runtime.docker.runtime import DockerRuntime

__all__ = ["DockerRuntime"]
