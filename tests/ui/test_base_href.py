"""Under ``--base-href /argo/`` the app loads its assets, calls the API and routes under the
prefix (here without a rewriting proxy: the server accepts the prefixed paths itself)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from serverkit import RunningServer, create, hello, start_server, wait_done


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(Path(tmp_path_factory.mktemp("ui-base")), "--base-href", "/argo/")
    yield running
    running.stop()


def test_the_app_lives_under_the_prefix(page: Any, server: RunningServer) -> None:
    with server.client() as api:
        create(api, hello("under-prefix"))
        wait_done(api, "under-prefix")
    api_calls: list[str] = []
    page.on("request", lambda request: api_calls.append(request.url) if "/api/" in request.url else None)
    page.goto("/argo/workflows/default")
    page.get_by_role("link", name="under-prefix").click()
    expect(page).to_have_url(f"{server.url}/argo/workflows/default/under-prefix")
    expect(page.locator("h1 .phase")).to_have_text("Succeeded")
    page.get_by_role("link", name="Templates", exact=True).click()
    expect(page).to_have_url(f"{server.url}/argo/workflow-templates")
    assert api_calls and all(url.startswith(f"{server.url}/argo/api/v1/") for url in api_calls)
