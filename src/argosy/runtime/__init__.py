"""Runtimes: what runs a node (design.md: the ``runtime`` room).

The names below are loaded on first use: ``argosy run`` of a script workflow should not pay
for the HTTP client (``http.client``, ``email``) or the Docker runtime it never calls.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from argosy.runtime.api import NodeHandle, PodRuntime, TaskRuntime
    from argosy.runtime.base import FakeRuntime, PodHandler, RunContext, Runtime, result_of
    from argosy.runtime.data import DataRuntime
    from argosy.runtime.dispatch import NodeRuntime
    from argosy.runtime.http import HttpRuntime
    from argosy.runtime.objects import ManifestObjects, ObjectDicts, ObjectSource
    from argosy.runtime.process import ProcessRuntime

#: public name -> the module that defines it
_HOMES = {
    "NodeHandle": "api", "PodRuntime": "api", "TaskRuntime": "api",
    "FakeRuntime": "base", "PodHandler": "base", "RunContext": "base", "Runtime": "base",
    "result_of": "base",
    "DataRuntime": "data",
    "NodeRuntime": "dispatch",
    "HttpRuntime": "http",
    "ManifestObjects": "objects", "ObjectDicts": "objects", "ObjectSource": "objects",
    "ProcessRuntime": "process",
}

__all__ = [
    "DataRuntime", "FakeRuntime", "HttpRuntime", "ManifestObjects", "NodeHandle", "NodeRuntime",
    "ObjectDicts", "ObjectSource", "PodHandler", "PodRuntime", "ProcessRuntime", "RunContext",
    "Runtime", "TaskRuntime", "result_of",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'argosy.runtime' has no attribute {name!r}")
    return getattr(importlib.import_module(f"argosy.runtime.{home}"), name)
