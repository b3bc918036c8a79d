"""Durations as Argo parses them: integers are seconds, else Go's time.ParseDuration."""

from __future__ import annotations

import pytest

from argosy.errors import SpecError
from argosy.spec import parse_duration

VALID = [
    ("1h30m", 5400.0), ("300ms", 0.3), ("1.5s", 1.5), ("-2m", -120.0), ("10s", 10.0), ("5m", 300.0),
    ("1", 1.0), ("20", 20.0), (20, 20.0), (2.5, 2.5), ("0", 0.0), (".5s", 0.5), ("1h1m1s", 3661.0),
    ("100us", 1e-4), ("100µs", 1e-4), ("1ns", 1e-9), ("+3s", 3.0),
]
INVALID = [
    ("1d", 'unable to parse 1d as a duration: time: unknown unit "d" in duration "1d"'),
    ("1.5", 'unable to parse 1.5 as a duration: time: missing unit in duration "1.5"'),
    ("abc", 'unable to parse abc as a duration: time: invalid duration "abc"'),
    ("", 'unable to parse  as a duration: time: invalid duration ""'),
    ("1h1", 'unable to parse 1h1 as a duration: time: missing unit in duration "1h1"'),
    (True, "unable to parse True as a duration"),
]


@pytest.mark.parametrize(("value", "seconds"), VALID, ids=[str(v) for v, _ in VALID])
def test_valid_durations(value: object, seconds: float) -> None:
    assert parse_duration(value) == pytest.approx(seconds)


@pytest.mark.parametrize(("value", "message"), INVALID, ids=[repr(v) for v, _ in INVALID])
def test_invalid_durations(value: object, message: str) -> None:
    with pytest.raises(SpecError) as caught:
        parse_duration(value)
    assert caught.value.reason == message
