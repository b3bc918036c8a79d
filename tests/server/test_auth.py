"""``--auth-mode client``: bearer tokens from a file, scoped to namespaces and verbs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from serverkit import RunningServer, hello, start_server

TOKENS = """
tokens:
  - name: reader
    token: read-token
    namespaces: [team-a]
    verbs: [get, list]
  - name: admin
    sha256: "{admin_digest}"
    namespaces: ["*"]
    verbs: ["*"]
"""


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    import hashlib

    data = tmp_path_factory.mktemp("auth")
    tokens = data / "tokens.yaml"
    tokens.write_text(TOKENS.format(admin_digest=hashlib.sha256(b"admin-token").hexdigest()))
    running = start_server(data, "--auth-mode", "client", "--tokens", str(tokens))
    yield running
    log = running.stop()
    assert "read-token" not in log and "admin-token" not in log


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}],
                         ids=["none", "unknown", "not-bearer"])
def test_without_a_valid_token_401(secured: RunningServer, headers: dict[str, str]) -> None:
    answer = httpx.get(secured.url + "/api/v1/workflows/team-a", headers=headers)
    assert answer.status_code == 401 and answer.json()["code"] == 16


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/v1/workflows/team-b"),
    ("POST", "/api/v1/workflows/team-a"),
    ("GET", "/api/v1/cluster-workflow-templates"),
], ids=["other-namespace", "verb-not-granted", "cluster-scope"])
def test_outside_its_scope_403(secured: RunningServer, method: str, path: str) -> None:
    with secured.client("read-token") as api:
        answer = api.request(method, path, json={"workflow": hello()})
    assert answer.status_code == 403 and answer.json()["code"] == 7
    assert 'token "reader"' in answer.json()["message"]


def test_within_its_scope(secured: RunningServer) -> None:
    with secured.client("read-token") as api:
        assert api.get("/api/v1/workflows/team-a").status_code == 200
        assert api.get("/api/v1/version").status_code == 200
        assert api.get("/api/v1/userinfo").json() == {"subject": "reader"}
    with secured.client("admin-token") as api:
        assert api.post("/api/v1/workflows/team-b", json={"workflow": hello()}).status_code == 200
        assert api.get("/api/v1/cluster-workflow-templates").status_code == 200


def test_a_bad_tokens_file_stops_start_up(tmp_path: Path) -> None:
    bad = tmp_path / "tokens.yaml"
    bad.write_text("tokens:\n  - name: x\n    token: t\n    namespaces: [a]\n    verbs: [fly]\n")
    with pytest.raises(RuntimeError, match="unknown verbs"):
        start_server(tmp_path, "--auth-mode", "client", "--tokens", str(bad))


def test_namespaced_server_refuses_other_namespaces(tmp_path: Path) -> None:
    running = start_server(tmp_path, "--namespaced", "--namespace", "team-a")
    try:
        with running.client() as api:
            assert api.get("/api/v1/workflows/team-a").status_code == 200
            assert api.get("/api/v1/workflows/team-b").status_code == 403
            api.post("/api/v1/workflows/team-a", json={"workflow": hello("mine")}).raise_for_status()
            assert [w["metadata"]["namespace"] for w in api.get("/api/v1/workflows/").json()["items"]] == ["team-a"]
            assert api.get("/api/v1/info").json()["managedNamespace"] == "team-a"
    finally:
        running.stop()
