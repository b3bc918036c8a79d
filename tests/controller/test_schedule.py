"""Cron schedules as robfig/cron v3 (Argo's parser) reads them: fields, descriptors, ``@every``,
``CRON_TZ=``/``TZ=``/``timezone``, and its DST rules, case by case from robfig's own tests."""

from __future__ import annotations

from datetime import datetime

import pytest

from argosy.controller.schedule import cron_schedule, parse_rfc3339, parse_schedule, rfc3339
from argosy.errors import SpecError


def at(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S%z").timestamp()


NEXT = [
    # plain fields (UTC)
    ("2012-07-09T14:45:00+0000", "TZ=UTC */15 * * * *", "2012-07-09T15:00:00+0000"),
    ("2012-07-09T14:59:59+0000", "TZ=UTC */15 * * * *", "2012-07-09T15:00:00+0000"),
    ("2012-07-09T15:00:00+0000", "TZ=UTC */15 * * * *", "2012-07-09T15:15:00+0000"),
    ("2012-07-09T23:35:00+0000", "TZ=UTC 0 0 * Feb Mon", "2013-02-04T00:00:00+0000"),
    ("2012-07-09T23:35:00+0000", "TZ=UTC 0 0 29 Feb ?", "2016-02-29T00:00:00+0000"),
    ("2012-12-31T23:59:45+0000", "TZ=UTC * * * * *", "2013-01-01T00:00:00+0000"),
    # day-of-month and day-of-week: OR when both are restricted, AND when one is '*'
    ("2012-07-09T23:35:00+0000", "TZ=UTC 0 0 1,15 * Mon", "2012-07-15T00:00:00+0000"),
    ("2012-07-09T23:35:00+0000", "TZ=UTC 0 0 * * Fri", "2012-07-13T00:00:00+0000"),
    ("2012-07-09T23:35:00+0000", "TZ=UTC 0 0 1 Aug ?", "2012-08-01T00:00:00+0000"),
    # descriptors
    ("2012-07-09T14:45:00+0000", "TZ=UTC @hourly", "2012-07-09T15:00:00+0000"),
    ("2012-07-09T14:45:00+0000", "TZ=UTC @daily", "2012-07-10T00:00:00+0000"),
    ("2012-07-09T14:45:00+0000", "TZ=UTC @midnight", "2012-07-10T00:00:00+0000"),
    ("2012-07-09T14:45:00+0000", "TZ=UTC @weekly", "2012-07-15T00:00:00+0000"),
    ("2012-07-09T14:45:00+0000", "TZ=UTC @monthly", "2012-08-01T00:00:00+0000"),
    ("2012-07-09T14:45:00+0000", "TZ=UTC @yearly", "2013-01-01T00:00:00+0000"),
    ("2012-07-09T14:45:00+0000", "TZ=UTC @annually", "2013-01-01T00:00:00+0000"),
    # @every: the delay after the previous time, whole seconds
    ("2012-07-09T14:45:00+0000", "@every 1h30m", "2012-07-09T16:15:00+0000"),
    ("2012-07-09T14:45:00+0000", "@every 1s", "2012-07-09T14:45:01+0000"),
    # time zones
    ("2012-07-09T00:00:00+0000", "CRON_TZ=Asia/Tokyo 0 9 * * *", "2012-07-10T00:00:00+0000"),
    ("2012-07-09T00:00:00+0000", "TZ=Asia/Tokyo 0 9 * * *", "2012-07-10T00:00:00+0000"),
    # DST, spring forward in New York (02:00 EST -> 03:00 EDT): wall times in the gap never run
    ("2012-03-11T00:00:00-0500", "TZ=America/New_York 30 2 11 Mar *", "2013-03-11T02:30:00-0400"),
    ("2012-03-11T00:00:00-0500", "TZ=America/New_York 0 * * * *", "2012-03-11T01:00:00-0500"),
    ("2012-03-11T01:00:00-0500", "TZ=America/New_York 0 * * * *", "2012-03-11T03:00:00-0400"),
    ("2012-03-11T03:00:00-0400", "TZ=America/New_York 0 * * * *", "2012-03-11T04:00:00-0400"),
    ("2012-03-11T01:00:00-0500", "TZ=America/New_York 0 1 * * *", "2012-03-12T01:00:00-0400"),
    ("2012-03-11T00:00:00-0500", "TZ=America/New_York 0 2 * * *", "2012-03-12T02:00:00-0400"),
    # DST, fall back (02:00 EDT -> 01:00 EST): a repeated wall time runs at each occurrence
    ("2012-11-04T00:00:00-0400", "TZ=America/New_York 30 2 04 Nov *", "2012-11-04T02:30:00-0500"),
    ("2012-11-04T01:45:00-0400", "TZ=America/New_York 30 1 04 Nov *", "2012-11-04T01:30:00-0500"),
    ("2012-11-04T00:00:00-0400", "TZ=America/New_York 0 * * * *", "2012-11-04T01:00:00-0400"),
    ("2012-11-04T01:00:00-0400", "TZ=America/New_York 0 * * * *", "2012-11-04T01:00:00-0500"),
    ("2012-11-04T01:00:00-0500", "TZ=America/New_York 0 * * * *", "2012-11-04T02:00:00-0500"),
    ("2012-11-04T00:00:00-0400", "TZ=America/New_York 0 1 * * *", "2012-11-04T01:00:00-0400"),
    ("2012-11-04T01:00:00-0400", "TZ=America/New_York 0 1 * * *", "2012-11-04T01:00:00-0500"),
    ("2012-11-04T01:00:00-0500", "TZ=America/New_York 0 1 * * *", "2012-11-05T01:00:00-0500"),
    ("2012-11-04T00:00:00-0400", "TZ=America/New_York 0 2 * * *", "2012-11-04T02:00:00-0500"),
    ("2012-11-04T00:00:00-0400", "TZ=America/New_York 0 3 3 * ?", "2012-12-03T03:00:00-0500"),
    # a day whose midnight does not exist (Sao Paulo, robfig issue 157)
    ("2018-10-17T05:00:00-0400", "TZ=America/Sao_Paulo 0 9 10 * ?", "2018-11-10T06:00:00-0500"),
    ("2018-02-14T05:00:00-0500", "TZ=America/Sao_Paulo 0 9 22 * ?", "2018-02-22T07:00:00-0500"),
]


@pytest.mark.parametrize(("start", "spec", "expected"), NEXT, ids=[f"{c[1]}@{c[0]}" for c in NEXT])
def test_next_time_is_robfigs(start: str, spec: str, expected: str) -> None:
    assert parse_schedule(spec).next(at(start)) == at(expected)


@pytest.mark.parametrize("spec", ["TZ=UTC 0 0 30 Feb ?", "TZ=UTC 0 0 31 Apr ?"])
def test_an_unsatisfiable_schedule_has_no_next_time(spec: str) -> None:
    assert parse_schedule(spec).next(at("2012-07-09T23:35:00+0000")) is None


def test_timezone_applies_to_schedules_without_their_own() -> None:
    schedules = cron_schedule({"schedules": ["0 9 * * *", "CRON_TZ=UTC 0 9 * * *"], "timezone": "Asia/Tokyo"})
    start = at("2012-07-09T01:00:00+0000")
    assert [s.next(start) for s in schedules.items] == [at("2012-07-10T00:00:00+0000"),
                                                        at("2012-07-09T09:00:00+0000")]
    assert schedules.next(start) == at("2012-07-09T09:00:00+0000")


def test_schedule_and_schedules_are_both_read() -> None:
    schedules = cron_schedule({"schedule": "TZ=UTC 0 * * * *", "schedules": ["TZ=UTC 30 * * * *"]})
    assert schedules.times_between(at("2012-07-09T01:00:00+0000"), at("2012-07-09T02:00:00+0000")) == [
        at("2012-07-09T01:00:00+0000"), at("2012-07-09T01:30:00+0000"), at("2012-07-09T02:00:00+0000")]


def test_coinciding_schedules_give_each_time_once() -> None:
    schedules = cron_schedule({"schedules": ["TZ=UTC */2 * * * *", "TZ=UTC */3 * * * *"]})
    times = schedules.times_between(at("2012-07-09T00:00:00+0000"), at("2012-07-09T00:06:00+0000"))
    assert [(t - at("2012-07-09T00:00:00+0000")) / 60 for t in times] == [0, 2, 3, 4, 6]


def test_latest_missed_run_is_the_most_recent_before_now() -> None:
    schedules = cron_schedule({"schedules": ["TZ=UTC 0 * * * *"]})
    missed = schedules.latest_missed(at("2012-07-09T01:00:00+0000"), at("2012-07-09T05:30:00+0000"))
    assert [t for _, t in missed] == [at("2012-07-09T05:00:00+0000")]
    assert schedules.latest_missed(at("2012-07-09T01:00:00+0000"), at("2012-07-09T01:59:00+0000")) == []


BAD = [
    ({"schedules": ["* * * *"]}, "spec.schedules[0]: cron schedule * * * * is malformed: expected exactly 5 fields"),
    ({"schedule": "@often"}, "spec.schedule: cron schedule @often is malformed: unrecognized descriptor: @often"),
    ({"schedules": ["@every 5x"]}, 'failed to parse duration @every 5x'),
    ({"schedules": ["CRON_TZ=Mars/Base * * * * *"]}, "provided bad location Mars/Base"),
    ({"schedules": ["* * * * *"], "timezone": "Mars/Base"}, "provided bad location Mars/Base"),
    ({"schedules": ["0 0 L * *"]}, "only numbers, names, ranges, steps"),
    ({"schedules": ["61 * * * *"]}, "invalid cron expression"),
    ({}, "spec.schedules: cron workflow must have at least one schedule"),
]


@pytest.mark.parametrize(("spec", "message"), BAD, ids=[m for _, m in BAD])
def test_a_bad_schedule_names_its_field(spec: dict, message: str) -> None:
    with pytest.raises(SpecError) as err:
        cron_schedule(spec)
    assert message in str(err.value)


def test_rfc3339_round_trip() -> None:
    assert rfc3339(parse_rfc3339("2024-01-02T03:04:05+02:00")) == "2024-01-02T01:04:05Z"
    with pytest.raises(SpecError, match="not an RFC 3339 time"):
        parse_rfc3339("yesterday")
