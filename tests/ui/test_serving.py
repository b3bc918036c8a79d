"""``argosy server`` serves the UI: index.html at / and at every UI route (deep links), the
hashed assets, ``--base-href`` in index.html (and requests still carrying the prefix), while
the API's own answers, 404s included, stay the API's."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from serverkit import RunningServer, start_server


@pytest.fixture(scope="module")
def proxied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("ui-server"), "--base-href", "/argo/")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("ui-server"))
    yield running
    running.stop()


@pytest.mark.parametrize("path", [
    "/", "/workflows", "/workflows/default", "/workflows/default/hello-abc", "/workflow-templates/team-a/greeter",
    "/cluster-workflow-templates/shared", "/cron-workflows/default/nightly", "/submit/default",
    "/workflows/default/hello-abc?nodeId=hello-abc-123&tab=logs",
])
def test_ui_routes_answer_index_html(plain: RunningServer, path: str) -> None:
    answer = httpx.get(plain.url + path)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert '<base href="/" />' in answer.text and '<div id="app">' in answer.text


def test_assets_named_by_index_are_served(plain: RunningServer) -> None:
    index = httpx.get(plain.url + "/").text
    for asset in re.findall(r'"\./(assets/[^"]+)"', index):
        answer = httpx.get(f"{plain.url}/{asset}")
        assert answer.status_code == 200 and answer.content
        assert "immutable" in answer.headers["cache-control"]


@pytest.mark.parametrize("path", ["/api/v1/nothing-here", "/assets/missing.js", "/assets/../index.html", "/no-such-page"])
def test_unknown_paths_stay_not_found(plain: RunningServer, path: str) -> None:
    answer = httpx.get(plain.url + path)
    assert answer.status_code == 404
    assert answer.json()["code"] == 5


def test_api_is_unchanged_beside_the_ui(plain: RunningServer) -> None:
    assert httpx.get(plain.url + "/api/v1/workflows/default").json()["items"] == []


def test_base_href_is_written_into_index(proxied: RunningServer) -> None:
    answer = httpx.get(proxied.url + "/workflows/default/x")
    assert '<base href="/argo/" />' in answer.text


@pytest.mark.parametrize("path", ["/argo/", "/argo/workflows/default", "/argo/api/v1/version"])
def test_prefixed_requests_are_served_without_a_rewriting_proxy(proxied: RunningServer, path: str) -> None:
    answer = httpx.get(proxied.url + path)
    assert answer.status_code == 200
    if "/api/" in path:
        assert "version" in answer.json()
    else:
        assert '<base href="/argo/" />' in answer.text
