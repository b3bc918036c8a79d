"""Go's printing of values (``%v``, ``json.Marshal``) and its time layouts and durations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from argosy.errors import ExpressionError
from argosy.expr.gotime import format_time, parse_duration, parse_time, utc
from argosy.goformat import format_float_json, format_rfc3339, format_v, from_json, to_json

FLOATS: list[tuple[float, str, str]] = [
    (2.0, "2", "2"),
    (0.5, "0.5", "0.5"),
    (1e6, "1e+06", "1000000"),
    (123456.0, "123456", "123456"),
    (1234567.0, "1.234567e+06", "1234567"),
    (1.5e-7, "1.5e-07", "1.5e-7"),
    (35.8, "35.8", "35.8"),
    (1e21, "1e+21", "1e+21"),
    (1e20, "1e+20", "100000000000000000000"),
    (-0.0001, "-0.0001", "-0.0001"),
    (0.00001, "1e-05", "0.00001"),
    (0.0, "0", "0"),
    (-0.0, "-0", "0"),
    (-2.5, "-2.5", "-2.5"),
    (float("inf"), "+Inf", ""),
    (float("-inf"), "-Inf", ""),
    (float("nan"), "NaN", ""),
]


@pytest.mark.parametrize(("value", "v", "json"), FLOATS, ids=[repr(f[0]) for f in FLOATS])
def test_floats(value: float, v: str, json: str) -> None:
    assert format_v(value) == v
    if json:
        assert format_float_json(value) == json
    else:
        with pytest.raises(ExpressionError, match="json: unsupported value"):
            format_float_json(value)


VALUES: list[tuple[Any, str]] = [
    (None, "<nil>"),
    (True, "true"),
    (False, "false"),
    ("s", "s"),
    (3, "3"),
    ([1, [2]], "[1 [2]]"),
    ((1,), "[1]"),
    ({"b": 1, "a": None}, "map[a:<nil> b:1]"),
    (timedelta(hours=1, seconds=1.5), "1h0m1.5s"),
    (timedelta(0), "0s"),
    (timedelta(microseconds=5), "5µs"),
    (timedelta(milliseconds=1.5), "1.5ms"),
    (timedelta(minutes=-2), "-2m0s"),
    (timedelta(seconds=3), "3s"),
    (datetime(2024, 1, 2, 3, 4, 5), "2024-01-02 03:04:05 +0000 UTC"),
    (datetime(2024, 1, 2, 3, 4, 5, 500000, tzinfo=UTC), "2024-01-02 03:04:05.5 +0000 UTC"),
    (datetime(2024, 1, 2, 3, 4, 5, tzinfo=ZoneInfo("Europe/Paris")), "2024-01-02 03:04:05 +0100 CET"),
    (datetime(2024, 1, 2, tzinfo=timezone(timedelta(hours=2))), "2024-01-02 00:00:00 +0200 +0200"),
    (object, "<class 'object'>"),
]


@pytest.mark.parametrize(("value", "text"), VALUES, ids=[repr(v[0]) for v in VALUES])
def test_format_v(value: Any, text: str) -> None:
    assert format_v(value) == text


def test_to_json() -> None:
    assert (
        to_json({"b": [1, 2.5, None, True], "a": "<&>\u2028"})
        == '{"a":"\\u003c\\u0026\\u003e\\u2028","b":[1,2.5,null,true]}'
    )
    assert to_json((1,)) == "[1]"
    assert (
        to_json([datetime(2024, 1, 2, tzinfo=UTC), timedelta(seconds=1)])
        == '["2024-01-02T00:00:00Z",1000000000]'
    )
    with pytest.raises(ExpressionError, match="unsupported type"):
        to_json(object())


def test_rfc3339() -> None:
    assert format_rfc3339(datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-5)))) == (
        "2024-01-02T03:04:05-05:00"
    )
    assert format_rfc3339(datetime(2024, 1, 2, 3, 4, 5, 120000)) == "2024-01-02T03:04:05.12Z"


def test_from_json_reads_numbers_as_floats() -> None:
    assert from_json('{"a": [1, 2.5]}') == {"a": [1.0, 2.5]}
    with pytest.raises(ExpressionError):
        from_json("Infinity")


MOMENT = datetime(2024, 3, 5, 14, 7, 9, 120000, tzinfo=UTC)
LAYOUTS: list[tuple[str, str]] = [
    ("2006-01-02T15:04:05Z07:00", "2024-03-05T14:07:09Z"),
    ("Mon Jan _2 15:04:05.000 MST 2006", "Tue Mar  5 14:07:09.120 UTC 2024"),
    ("Monday January 2 06 002", "Tuesday March 5 24 065"),
    ("3:4:5 PM pm", "2:7:9 PM pm"),
    ("03 1", "02 3"),
    ("2006 at", "2024 at"),
    (".999 ,000000", ".12 ,120000"),
    ("-0700 -07:00 -07 Z0700 -07:00:00", "+0000 +00:00 +00 Z +00:00:00"),
]


@pytest.mark.parametrize(("layout", "text"), LAYOUTS, ids=[layout for layout, _ in LAYOUTS])
def test_format_time(layout: str, text: str) -> None:
    assert format_time(MOMENT, layout) == text


def test_format_time_zones_and_empty_fraction() -> None:
    paris = datetime(2024, 1, 1, 0, 30, tzinfo=ZoneInfo("Asia/Kolkata"))
    assert format_time(paris, "Z07:00 -0700 AM .999") == "+05:30 +0530 AM "
    assert format_time(datetime(2024, 1, 1, 12, tzinfo=timezone(timedelta(hours=-3))), "Z07") == "-03"


def test_parse_time() -> None:
    assert parse_time("2024-03-05T14:07:09.5+01:00", "2006-01-02T15:04:05.000Z07:00") == datetime(
        2024, 3, 5, 14, 7, 9, 500000, tzinfo=timezone(timedelta(hours=1))
    )
    assert parse_time("100% 2024", "100% 2006").year == 2024
    assert parse_time("Mar 5", "Jan 2").tzinfo is UTC
    with pytest.raises(ExpressionError, match='parsing time "x" as "2006"'):
        parse_time("x", "2006")


DURATIONS: list[tuple[str, timedelta]] = [
    ("0", timedelta(0)),
    ("1h30m", timedelta(minutes=90)),
    ("-1.5s", timedelta(seconds=-1.5)),
    ("+300ms", timedelta(milliseconds=300)),
    ("2us", timedelta(microseconds=2)),
    ("1µs", timedelta(microseconds=1)),
    ("1500ns", timedelta(microseconds=1.5)),
    (".5h", timedelta(minutes=30)),
]


@pytest.mark.parametrize(("text", "value"), DURATIONS, ids=[d[0] for d in DURATIONS])
def test_parse_duration(text: str, value: timedelta) -> None:
    assert parse_duration(text) == value


@pytest.mark.parametrize("text", ["", "-", "1", "1x", "h", ".h"])
def test_invalid_durations(text: str) -> None:
    with pytest.raises(ExpressionError, match="invalid duration"):
        parse_duration(text)


def test_utc() -> None:
    assert utc(datetime(2024, 1, 1)).tzinfo is UTC
    aware = datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=1)))
    assert utc(aware) is aware
