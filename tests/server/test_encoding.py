"""The JSON rules every answer follows, and grpc-gateway's error codes per error type."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from argosy.errors import (
    AlreadyExists,
    InvalidArgument,
    LintError,
    NotFound,
    PermissionDenied,
    SpecError,
    Unauthenticated,
)
from argosy.server.encoding import dumps
from argosy.server.status import response_for


def test_nulls_are_left_out_at_every_depth_and_times_end_in_z() -> None:
    value = {"a": None, "b": [1, None, {"c": None, "d": 2}],
             "t": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)}
    assert json.loads(dumps(value)) == {"b": [1, {"d": 2}], "t": "2026-01-02T03:04:05Z"}


@pytest.mark.parametrize(("err", "status", "code"), [
    (InvalidArgument("bad"), 400, 3),
    (SpecError("spec.entrypoint is required"), 400, 3),
    (LintError([SpecError("x")]), 400, 3),
    (NotFound("wf"), 404, 5),
    (AlreadyExists("wf"), 409, 6),
    (Unauthenticated("token"), 401, 16),
    (PermissionDenied("no"), 403, 7),
    (RuntimeError("bug"), 500, 13),
], ids=lambda v: type(v).__name__ if isinstance(v, Exception) else None)
def test_error_status_and_body(err: Exception, status: int, code: int) -> None:
    answer = response_for(err)
    assert answer.status_code == status
    assert json.loads(answer.body) == {"code": code, "message": str(err)}


def test_parameter_values_become_strings_at_every_depth() -> None:
    from argosy.server.encoding import parameter_strings

    wf = {"spec": {"arguments": {"parameters": [{"name": "n", "value": 3}, {"name": "f", "value": 1.5},
                                                {"name": "b", "value": True, "enum": [True, False]}]},
                   "templates": [{"inputs": {"parameters": [{"name": "d", "default": 0},
                                                            {"name": "m", "value": {"a": 1}}]}}]}}
    out = parameter_strings(wf)
    assert out["spec"]["arguments"]["parameters"] == [
        {"name": "n", "value": "3"}, {"name": "f", "value": "1.5"},
        {"name": "b", "value": "true", "enum": ["true", "false"]}]
    assert out["spec"]["templates"][0]["inputs"]["parameters"] == [
        {"name": "d", "default": "0"}, {"name": "m", "value": '{"a":1}'}]
