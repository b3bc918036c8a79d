"""Runtimes: what runs a node (design.md: the ``runtime`` room)."""

from __future__ import annotations

from argosy.runtime.api import NodeHandle, PodRuntime, TaskRuntime
from argosy.runtime.base import FakeRuntime, PodHandler, RunContext, Runtime, result_of
from argosy.runtime.data import DataRuntime
from argosy.runtime.dispatch import NodeRuntime
from argosy.runtime.http import HttpRuntime
from argosy.runtime.objects import ManifestObjects, ObjectDicts, ObjectSource
from argosy.runtime.process import ProcessRuntime

__all__ = [
    "DataRuntime",
    "FakeRuntime",
    "HttpRuntime",
    "ManifestObjects",
    "NodeHandle",
    "NodeRuntime",
    "ObjectDicts",
    "ObjectSource",
    "PodHandler",
    "PodRuntime",
    "ProcessRuntime",
    "RunContext",
    "Runtime",
    "TaskRuntime",
    "result_of",
]
