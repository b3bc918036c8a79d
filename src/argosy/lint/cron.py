"""CronWorkflow checks: schedules (with ``@every`` and ``CRON_TZ=``), timezone, policies."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from argosy.errors import SpecError
from argosy.lint.report import Report
from argosy.spec import cron_schedules, parse_go_duration

CONCURRENCY_POLICIES = ("Allow", "Forbid", "Replace")
_DESCRIPTORS = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}


def schedule_problem(schedule: str) -> str | None:
    """Why ``schedule`` is not a cron schedule robfig/cron (Argo's parser) accepts, or None."""
    text = schedule.strip()
    match = re.match(r"(CRON_)?TZ=(\S+)\s+(.*)", text)
    if match:
        if _zone_problem(match.group(2)):
            return f"provided bad location {match.group(2)}: unknown time zone {match.group(2)}"
        text = match.group(3).strip()
    if text.startswith("@every "):
        try:
            if parse_go_duration(text[len("@every ") :].strip()) <= 0:
                return "@every duration must be positive"
        except SpecError as e:
            return f"failed to parse duration {text}: {e.reason}"
        return None
    if text.startswith("@"):
        return None if text in _DESCRIPTORS else f"unrecognized descriptor: {text}"
    fields = text.split()
    if len(fields) != 5:
        return f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]"
    from croniter import croniter  # imported on first cron: it costs every `argosy run` 20 ms

    if not croniter.is_valid(text):
        return "invalid cron expression"
    expanded = croniter.expand(text)[0]
    if any(value != "*" and not isinstance(value, int) for values in expanded for value in values) or (
            "#" in text):
        # croniter knows Quartz's L, W and #; robfig/cron (Argo's parser) does not
        return "only numbers, names, ranges, steps, '*' and '?' are allowed in a field"
    return None


def _zone_problem(zone: str) -> str | None:
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError):
        return f"unknown time zone {zone}"
    return None


def check_cron_spec(spec: dict[str, Any], report: Report) -> None:
    """Schedules, timezone, concurrencyPolicy and startingDeadlineSeconds of a CronWorkflow spec."""
    schedules = cron_schedules(spec)
    if not schedules:
        report.add("spec.schedules", "cron workflow must have at least one schedule")
    for i, schedule in enumerate(schedules):
        problem = schedule_problem(schedule)
        if problem:
            field = "spec.schedule" if spec.get("schedule") == schedule else f"spec.schedules[{i}]"
            report.add(field, f"cron schedule {schedule} is malformed: {problem}")
    timezone = spec.get("timezone")
    if timezone:
        problem = _zone_problem(str(timezone))
        if problem:
            report.add("spec.timezone", f'invalid timezone "{timezone}": {problem}')
    policy = spec.get("concurrencyPolicy")
    if policy not in (None, "") and policy not in CONCURRENCY_POLICIES:
        report.add(
            "spec.concurrencyPolicy",
            f"'{policy}' is not a valid concurrencyPolicy (one of: {', '.join(CONCURRENCY_POLICIES)})",
        )
    deadline = spec.get("startingDeadlineSeconds")
    if deadline is not None and (not isinstance(deadline, int) or isinstance(deadline, bool) or deadline < 0):
        report.add("spec.startingDeadlineSeconds", "startingDeadlineSeconds must be positive")
    if not isinstance(spec.get("workflowSpec"), dict):
        report.add("spec.workflowSpec", "workflowSpec is required")
