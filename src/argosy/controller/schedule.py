"""Cron schedules as Argo's controller reads them (robfig/cron v3's standard parser).

A CronWorkflow schedule is five fields (``minute hour day-of-month month day-of-week``), a
descriptor (``@hourly``, ``@daily`` …), or ``@every <Go duration>``, optionally prefixed by
``CRON_TZ=<zone>`` or ``TZ=<zone>``; ``spec.timezone`` prefixes every schedule with
``CRON_TZ=`` as Argo does. Fields are parsed by ``croniter`` (names, ranges, steps, ``?``);
the next-time rule is robfig's, written here because croniter's own DST handling differs:

- the next run is the first whole minute *instant* after the given time whose wall clock in the
  schedule's zone matches the fields (robfig walks absolute time and checks the local fields);
- so a wall time skipped by a spring-forward gap does not run at all (``0 30 2 * *`` in New
  York skips 2012-03-11), and a wall time repeated by a fall-back runs once per occurrence
  (``0 0 1 * *`` runs at 01:00 EDT and again at 01:00 EST on 2012-11-04), as robfig's tests say;
- day-of-month and day-of-week are OR'ed unless either is ``*``/``?`` (then AND'ed);
- a schedule that cannot match within five years has no next time (robfig returns zero);
- ``@every d`` runs ``d`` (whole seconds, at least 1 s) after the previous run.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from argosy.errors import SpecError
from argosy.lint.cron import schedule_problem
from argosy.spec import cron_schedules, parse_go_duration

#: robfig's descriptors, as the five-field schedules they stand for
DESCRIPTORS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}

#: robfig gives up looking for a matching time this many years after the start
YEAR_LIMIT = 5

#: wall-clock shifts around a DST change are shorter than this; candidates this close to the
#: first match are compared by instant, since a fold puts a later wall time at an earlier instant
_FOLD_WINDOW = timedelta(hours=3)

_TZ_PREFIX = re.compile(r"(?:CRON_)?TZ=(\S+)\s+(.*)", re.DOTALL)


class Schedule(Protocol):
    """When a schedule runs: the first run strictly after ``after`` (unix seconds), or None."""

    text: str

    def next(self, after: float) -> float | None: ...


@dataclass(frozen=True, slots=True)
class Every:
    """``@every 1h30m``: a constant delay from the previous run, in whole seconds."""

    text: str
    seconds: int

    def next(self, after: float) -> float | None:
        # robfig adds the delay to the previous time with its sub-second part dropped
        return float(math.floor(after) + self.seconds)


@dataclass(frozen=True, slots=True)
class CronSpec:
    """Five cron fields in a time zone (see the module docstring for the rules)."""

    text: str
    zone: tzinfo
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: frozenset[int] | None  # None: ``*`` or ``?``
    months: frozenset[int]
    weekdays: frozenset[int] | None  # 0 = Sunday; None: ``*`` or ``?``

    def next(self, after: float) -> float | None:
        start = math.floor(after) + 1  # robfig starts at the upcoming whole second
        # wall-clock order and instant order differ only near a fall-back: look around only then
        window = _FOLD_WINDOW.total_seconds()
        near = self._shifts(start - window, start + window)
        wall_start = _wall(start, self.zone) - (_FOLD_WINDOW if near else timedelta(0))
        limit_year = _wall(start, self.zone).year + YEAR_LIMIT
        best: float | None = None
        horizon: datetime | None = None
        for wall in self._wall_times(wall_start, limit_year):
            if horizon is not None and wall > horizon:
                break
            for instant in _instants(wall, self.zone):
                if instant >= start and (best is None or instant < best):
                    best = instant
                    if horizon is None:
                        near = self._shifts(instant - window, instant + window)
                        horizon = wall + (_FOLD_WINDOW if near else timedelta(0))
        return best

    def _shifts(self, a: float, b: float) -> bool:
        """Whether the zone's UTC offset differs between instants ``a`` and ``b``."""
        return datetime.fromtimestamp(a, self.zone).utcoffset() != datetime.fromtimestamp(b, self.zone).utcoffset()

    def _day_matches(self, day: date) -> bool:
        weekday = (day.weekday() + 1) % 7  # Python's Monday=0 to cron's Sunday=0
        dom = self.days is None or day.day in self.days
        dow = self.weekdays is None or weekday in self.weekdays
        if self.days is None or self.weekdays is None:
            return dom and dow
        return dom or dow

    def _wall_times(self, begin: datetime, limit_year: int) -> Iterator[datetime]:
        """Matching wall-clock times from ``begin`` (whole minutes) on, in wall-clock order."""
        begin = begin.replace(second=0, microsecond=0) + (timedelta(minutes=1) if begin.second else timedelta(0))
        day = begin.date()
        first = True
        while day.year <= limit_year:
            if day.month in self.months and self._day_matches(day):
                for hour in self.hours:
                    if first and hour < begin.hour:
                        continue
                    for minute in self.minutes:
                        if first and hour == begin.hour and minute < begin.minute:
                            continue
                        yield datetime(day.year, day.month, day.day, hour, minute)
            first = False
            day += timedelta(days=1)


def _wall(instant: float, zone: tzinfo) -> datetime:
    return datetime.fromtimestamp(instant, zone).replace(tzinfo=None)


def _instants(wall: datetime, zone: tzinfo) -> list[float]:
    """The instants whose wall clock in ``zone`` reads ``wall``: none in a gap, two in a fold."""
    found: list[float] = []
    for fold in (0, 1):
        instant = wall.replace(tzinfo=zone, fold=fold).timestamp()
        if _wall(instant, zone) == wall and instant not in found:
            found.append(instant)
    return found


@dataclass(frozen=True, slots=True)
class Schedules:
    """A CronWorkflow's schedules (``schedules`` and 3.x ``schedule``) with ``timezone`` applied."""

    items: tuple[Schedule, ...]

    def next(self, after: float) -> float | None:
        """The earliest next run of any schedule."""
        times = [t for t in (s.next(after) for s in self.items) if t is not None]
        return min(times) if times else None

    def times_between(self, start: float, end: float, limit: int | None = None) -> list[float]:
        """Every run time in ``[start, end]``, each once, in order (what a backfill runs); at
        most ``limit`` + 1 per schedule when ``limit`` is given (enough to tell it is exceeded)."""
        out: set[float] = set()
        for schedule in self.items:
            t = schedule.next(start - 1)
            count = 0
            while t is not None and t <= end and (limit is None or count <= limit):
                out.add(t)
                count += 1
                t = schedule.next(t)
        return sorted(out)

    def latest_missed(self, last: float, now: float) -> list[tuple[Schedule, float]]:
        """Per schedule, the most recent run time after ``last`` and before ``now`` (Argo's
        missed-run check looks at the latest one only)."""
        out: list[tuple[Schedule, float]] = []
        for schedule in self.items:
            missed = None
            t = schedule.next(last)
            while t is not None and t < now:
                missed = t
                t = schedule.next(t)
            if missed is not None:
                out.append((schedule, missed))
        return out


def local_zone() -> tzinfo:
    """This machine's time zone (Argo's default when a CronWorkflow names none)."""
    name = os.environ.get("TZ", "").lstrip(":")
    try:
        if name:
            return ZoneInfo(name)
        with open("/etc/localtime", "rb") as f:
            return ZoneInfo.from_file(f, key="localtime")
    except (OSError, ValueError, ZoneInfoNotFoundError):
        return UTC


def zone_named(name: str) -> tzinfo:
    """The zone ``name`` (IANA); SpecError saying so when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, IsADirectoryError):
        raise SpecError(f"provided bad location {name}: unknown time zone {name}") from None


def parse_schedule(text: str, timezone: str | None = None) -> Schedule:
    """One schedule string (with ``timezone`` as ``CRON_TZ=`` when it carries none); SpecError
    with robfig's reason when it is not one robfig's standard parser accepts."""
    return _parse(text, timezone or "")


@lru_cache(maxsize=1024)
def _parse(text: str, timezone: str) -> Schedule:
    problem = schedule_problem(text)  # one set of checks and messages: ``argo lint``'s
    if problem:
        raise SpecError(problem)
    body = text.strip()
    match = _TZ_PREFIX.match(body)
    if match:
        zone = zone_named(match.group(1))
        body = match.group(2).strip()
    else:
        zone = zone_named(timezone) if timezone else local_zone()
    if body.startswith("@every "):
        return Every(text, max(1, int(parse_go_duration(body[len("@every "):].strip()))))
    return _fields(text, DESCRIPTORS.get(body, body), zone)


def _fields(text: str, body: str, zone: tzinfo) -> CronSpec:
    from croniter import croniter  # imported on first cron: it costs every `argosy run` 20 ms

    def values(field: list[Any], every: range) -> tuple[int, ...]:
        return tuple(every) if field == ["*"] else tuple(sorted(int(v) for v in field))

    minute, hour, dom, month, dow = croniter.expand(body)[0]
    return CronSpec(
        text=text, zone=zone,
        minutes=values(minute, range(60)),
        hours=values(hour, range(24)),
        days=None if dom == ["*"] else frozenset(values(dom, range(1, 32))),
        months=frozenset(values(month, range(1, 13))),
        weekdays=None if dow == ["*"] else frozenset(d % 7 for d in values(dow, range(7))),
    )


def cron_schedule(spec: dict[str, Any]) -> Schedules:
    """The schedules of a CronWorkflow ``spec``; SpecError naming the field of a bad one."""
    timezone = str(spec.get("timezone") or "")
    items: list[Schedule] = []
    for i, text in enumerate(cron_schedules(spec)):
        try:
            items.append(parse_schedule(text, timezone))
        except SpecError as err:
            field = "spec.schedule" if spec.get("schedule") == text else f"spec.schedules[{i}]"
            raise SpecError(f"{field}: cron schedule {text} is malformed: {err.reason}") from None
    if not items:
        raise SpecError("spec.schedules: cron workflow must have at least one schedule")
    return Schedules(tuple(items))


def schedule_string(spec: dict[str, Any]) -> str:
    """Argo's ``last-used-schedule`` annotation: the schedules, each with ``CRON_TZ=`` when
    ``timezone`` is set, joined by commas."""
    timezone = spec.get("timezone")
    return ",".join(f"CRON_TZ={timezone} {s}" if timezone else s for s in cron_schedules(spec))


def rfc3339(instant: float) -> str:
    """A run time as Argo writes it (UTC, whole seconds)."""
    return datetime.fromtimestamp(instant, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_rfc3339(text: str) -> float:
    """An RFC 3339 time (``Z`` or an offset) as unix seconds; SpecError when it is not one."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        raise SpecError(f"{text!r} is not an RFC 3339 time (e.g. 2024-01-02T03:04:05Z)") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()
