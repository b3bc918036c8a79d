"""The controller room: the composition root that runs workflows (design.md)."""

from __future__ import annotations

from argosy.controller import loop
from argosy.controller.clock import Clock, FakeClock, RealClock
from argosy.controller.controller import LEASE_SECONDS, Controller, data_store, default_runtime
from argosy.controller.events import Resume, Stop, Suspend, TimerFired, WorkflowEvent
from argosy.controller.recovery import Recovered
from argosy.controller.submit import check_arguments, generate_name, prepare_workflow
from argosy.controller.worker import PERSIST_INTERVAL, Worker

__all__ = [
    "LEASE_SECONDS",
    "PERSIST_INTERVAL",
    "Clock",
    "Controller",
    "FakeClock",
    "RealClock",
    "Recovered",
    "Resume",
    "Stop",
    "Suspend",
    "TimerFired",
    "Worker",
    "WorkflowEvent",
    "check_arguments",
    "data_store",
    "default_runtime",
    "generate_name",
    "loop",
    "prepare_workflow",
]
