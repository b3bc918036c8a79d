"""Runtimes: what runs a node (design.md: the ``runtime`` room)."""

from __future__ import annotations

from argosy.runtime.base import FakeRuntime, PodHandler, RunContext, Runtime, result_of
from argosy.runtime.process import ProcessRuntime

__all__ = ["FakeRuntime", "PodHandler", "ProcessRuntime", "RunContext", "Runtime", "result_of"]
