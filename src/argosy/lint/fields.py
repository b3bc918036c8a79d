"""Checks of single fields: enums, durations, retry strategies, synchronization, parameters."""

from __future__ import annotations

import re
from typing import Any

from argosy.errors import SpecError
from argosy.lint.names import parameter_name_problem
from argosy.lint.report import Report
from argosy.spec import any_string, mutexes, parse_duration, semaphores

RETRY_POLICIES = ("Always", "OnFailure", "OnError", "OnTransientError")
IMAGE_PULL_POLICIES = ("Always", "IfNotPresent", "Never")
POD_GC_STRATEGIES = ("OnPodCompletion", "OnPodSuccess", "OnWorkflowCompletion", "OnWorkflowSuccess")
RESOURCE_ACTIONS = ("get", "create", "apply", "delete", "replace", "patch")
_INT = re.compile(r"[+-]?\d+")


def is_variable(value: Any) -> bool:
    """Whether ``value`` is (or contains) a ``{{...}}`` only known at runtime."""
    return isinstance(value, str) and "{{" in value


def check_enum(report: Report, where: str, value: Any, allowed: tuple[str, ...], what: str) -> None:
    """Report ``value`` unless it is empty, a variable or one of ``allowed``."""
    if value in (None, "") or is_variable(value):
        return
    if value not in allowed:
        report.add(where, f"'{value}' is not a valid {what} (one of: {', '.join(allowed)})")


def check_duration(report: Report, where: str, value: Any) -> None:
    """Report a duration Argo could not parse."""
    if value in (None, "") or is_variable(value):
        return
    try:
        parse_duration(value)
    except SpecError as e:
        report.add(where, e.reason)


def check_int_or_string(report: Report, where: str, value: Any, what: str, *, positive: bool = False) -> None:
    """Report a value that is neither an integer, an integer string nor a variable."""
    if value is None or is_variable(value):
        return
    if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, str) and _INT.fullmatch(value))):
        report.add(where, f"{what} must be an integer or a string holding one, got {value!r}")
        return
    if positive and int(value) <= 0:
        report.add(where, f"{what} must be a positive integer > 0 or an argo variable")


def check_retry_strategy(report: Report, where: str, retry: Any) -> None:
    """retryPolicy enum, limit as int or int-string, backoff durations and factor."""
    if retry is None:
        return
    if not isinstance(retry, dict):
        report.add(where, "retryStrategy must be a mapping")
        return
    policy = retry.get("retryPolicy")
    if policy not in (None, "") and not is_variable(policy) and policy not in RETRY_POLICIES:
        report.add(f"{where}.retryPolicy", f"{policy} is not a valid RetryPolicy (one of: {', '.join(RETRY_POLICIES)})")
    check_int_or_string(report, f"{where}.limit", retry.get("limit"), "retryStrategy.limit")
    limit = retry.get("limit")
    if isinstance(limit, int) and not isinstance(limit, bool) and limit < 0:
        report.add(f"{where}.limit", "retryStrategy.limit must not be negative")
    backoff = retry.get("backoff")
    if isinstance(backoff, dict):
        for key in ("duration", "maxDuration", "cap"):
            check_duration(report, f"{where}.backoff.{key}", backoff.get(key))
        factor = backoff.get("factor")
        if factor is not None and not is_variable(factor):
            try:
                if float(factor) < 0:
                    raise ValueError
            except (TypeError, ValueError):
                report.add(f"{where}.backoff.factor", f"backoff factor must be a non-negative number, got {factor!r}")


def check_synchronization(report: Report, where: str, sync: Any) -> None:
    """Mutexes need a name; semaphores a configMapKeyRef (name and key) or a database key."""
    if sync is None:
        return
    if not isinstance(sync, dict):
        report.add(where, "synchronization must be a mapping")
        return
    for i, mutex in enumerate(mutexes(sync)):
        if not mutex.get("name"):
            report.add(f"{where}.mutexes[{i}].name", "mutex name is required")
    for i, sem in enumerate(semaphores(sync)):
        ref = sem.get("configMapKeyRef")
        database = sem.get("database")
        if isinstance(ref, dict):
            if not ref.get("name") or not ref.get("key"):
                report.add(f"{where}.semaphores[{i}].configMapKeyRef", "semaphore configMapKeyRef needs name and key")
        elif not (isinstance(database, dict) and database.get("key")):
            report.add(f"{where}.semaphores[{i}]", "semaphore needs configMapKeyRef or database.key")


def check_parameters(report: Report, where: str, holder: Any, *, arguments: bool) -> None:
    """Names valid and unique; for arguments, a value or valueFrom; enum contains value."""
    if not isinstance(holder, dict):
        return
    for kind in ("parameters", "artifacts"):
        items = holder.get(kind)
        if items is None:
            continue
        if not isinstance(items, list):
            report.add(f"{where}.{kind}", f"{kind} must be a list")
            continue
        seen: set[str] = set()
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                report.add(f"{where}.{kind}[{i}]", f"each of {kind} must be a mapping")
                continue
            name = item.get("name")
            if not name:
                report.add(f"{where}.{kind}[{i}].name", "name is required")
                continue
            name = str(name)
            problem = parameter_name_problem(name)
            if problem and not is_variable(name):
                report.add(f"{where}.{kind}[{i}].name", f"'{name}' is invalid: {problem}")
            if name in seen:
                report.add(f"{where}.{kind}[{i}].name", f"'{name}' is not unique")
            seen.add(name)
            if kind == "parameters":
                _check_parameter(report, f"{where}.{kind}.{name}", item, arguments)


def _check_parameter(report: Report, where: str, param: dict[str, Any], arguments: bool) -> None:
    enum = param.get("enum")
    if enum is not None:
        if not isinstance(enum, list) or not enum:
            report.add(f"{where}.enum", "enum should contain at least one value")
            return
        value = param.get("value", param.get("default"))
        allowed = [any_string(v) for v in enum]
        if value is not None and not is_variable(value) and any_string(value) not in allowed:
            report.add(f"{where}.value", f"value should be present in {where}.enum list")
    value_from = param.get("valueFrom")
    if arguments and isinstance(value_from, dict):
        extra = set(value_from) - {"default", "configMapKeyRef", "supplied", "expression", "event", "parameter"}
        if extra:
            report.add(f"{where}.valueFrom", f"unknown valueFrom fields for an argument: {', '.join(sorted(extra))}")
