"""Runtimes: what runs a node (design.md: the ``runtime`` room)."""

from __future__ import annotations

from argosy.runtime.base import FakeRuntime, PodHandler, RunContext, Runtime, result_of
from argosy.runtime.data import DataRuntime
from argosy.runtime.dispatch import NodeRuntime
from argosy.runtime.http import HttpRuntime
from argosy.runtime.process import ProcessRuntime

__all__ = [
    "DataRuntime",
    "FakeRuntime",
    "HttpRuntime",
    "NodeRuntime",
    "PodHandler",
    "ProcessRuntime",
    "RunContext",
    "Runtime",
    "result_of",
]
