"""Info service and the shared rules of every answer: version fields, error bodies."""

from __future__ import annotations

import httpx

VERSION_FIELDS = {"version", "buildDate", "gitCommit", "gitTag", "gitTreeState", "goVersion", "compiler",
                  "platform"}


def test_version_has_argos_eight_string_fields(api: httpx.Client) -> None:
    answer = api.get("/api/v1/version")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert set(body) == VERSION_FIELDS
    assert all(isinstance(v, str) and v for v in body.values())


def test_info_and_userinfo_answer_objects_without_nulls(api: httpx.Client) -> None:
    info = api.get("/api/v1/info")
    assert info.status_code == 200
    assert "null" not in info.text
    assert api.get("/api/v1/userinfo").json() == {}


def test_unknown_path_is_grpc_gateways_not_found(api: httpx.Client) -> None:
    answer = api.get("/api/v1/no-such-service")
    assert answer.status_code == 404
    assert answer.json() == {"code": 5, "message": "Not Found"}
