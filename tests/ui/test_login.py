"""`--auth-mode client`: the UI asks for a token on the first 401, then uses it on every call
(requests and streams alike), and goes back to the page the user wanted."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from serverkit import RunningServer, create, hello, start_server

TOKEN = "ui-test-token-1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    data = tmp_path_factory.mktemp("ui-auth")
    tokens = data / "tokens.yaml"
    tokens.write_text(f"tokens:\n  - name: ui\n    token: {TOKEN}\n    namespaces: ['*']\n    verbs: ['*']\n")
    running = start_server(Path(data), "--auth-mode", "client", "--tokens", str(tokens))
    yield running
    running.stop()


def test_a_token_is_asked_for_then_used(page: Any, server: RunningServer) -> None:
    with server.client(TOKEN) as api:
        create(api, hello("guarded"))
    page.goto("/workflows/default")
    expect(page).to_have_url(f"{server.url}/login?redirect=%2Fworkflows%2Fdefault")
    page.locator("input[name=token]").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".error")).to_be_visible()
    page.locator("input[name=token]").fill(TOKEN)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{server.url}/workflows/default")
    expect(page.locator("tr[data-name=guarded]")).to_be_visible()
    page.get_by_role("link", name="guarded").click()
    expect(page.locator("h1 .phase")).to_have_text("Succeeded", timeout=60_000)
